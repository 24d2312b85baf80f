"""Fork fields: what a layer definition declares beyond caffe.proto, and the view its setup reads.

Caffe forks add parameter blocks (SSD's `norm_param`) and fields inside BVLC's blocks (SegNet's
`loss_param { class_weighting }`). A fork's own caffe.proto declares them; here a layer
definition does, so that a net is read strictly: a field neither caffe.proto nor a definition
of the layer's type declares is an error, as it is for Caffe built from that fork.

    @fillers.register_layer("Normalize", fields={
        "norm_param": {
            "across_spatial": True,                  # a default: bool, default true
            "eps": 1e-10,                            # float
            "scale_filler": fillers.FillerParameter, # a filler block (strict FillerParameter)
            "mode": ("L2", "L1"),                    # an enum: its names, the first the default
            "sizes": [int],                          # a repeated field
            "inner": {"k": 3},                       # a nested block
        }})

`fillers.field(kind, default, repeated=...)` says the same explicitly, and a protobuf message
Descriptor (a fork's compiled caffe.proto) declares a block with its types and defaults. A
declared name that is a block of caffe.proto (`transform_param`) adds fields to that block.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor

from .._proto import filler_pb2
from .._proto.pool import is_repeated
from ..errors import FillerError
from ..io.texttree import Block, Field

FillerParameter = filler_pb2.FillerParameter
_LAYER = filler_pb2.LayerParameter.DESCRIPTOR

SCALAR_KINDS = {bool: "bool", int: "int", float: "float", str: "string"}
_ZERO = {"bool": False, "int": 0, "float": 0.0, "string": ""}
_UNSET: Any = object()
# Fields outside any declaration known to hold a FillerParameter: `*_filler`, PReLU-style `filler`.
FILLER_FIELD_NAMES = frozenset({"filler"})


@dataclass(frozen=True)
class FieldSpec:
    """One declared field: `kind` is "bool", "int", "float", "string", "enum" (one of
    `choices`), "filler" (a FillerParameter block) or "block" (`fields` inside); `default`
    is what a setup reads when the net does not set it; `repeated` fields default to []."""

    kind: str
    default: Any = None
    repeated: bool = False
    choices: tuple[str, ...] = ()
    fields: Mapping[str, FieldSpec] = dataclass_field(default_factory=dict)
    origin: str = ""

    @property
    def value_when_unset(self) -> Any:
        """What reading the field gives when the net leaves it out."""
        if self.repeated:
            return []
        if self.kind == "block":
            return Fields(Block(), self.fields)
        return self.default

    def describe(self) -> str:
        """The kind as a message says it: "int", "one of WARP, FIT_SMALL_SIZE", "a block"."""
        if self.kind == "enum":
            return "one of " + ", ".join(self.choices)
        text = {"filler": "a filler block { ... }", "block": "a block { ... }"}.get(self.kind, self.kind)
        return f"repeated {text}" if self.repeated else text


FieldsLike = Mapping[str, Any] | Descriptor


def field(kind: Any, default: Any = _UNSET, *, repeated: bool = False) -> FieldSpec:
    """A declared fork field. `kind`: bool, int, float, str, fillers.FillerParameter, a tuple
    of enum names, a dict of fields (a block) or a protobuf message Descriptor.

    >>> field(float, 1e-10).default, field(("WARP", "FIT_SMALL_SIZE")).default
    (1e-10, 'WARP')
    >>> field(int, repeated=True).value_when_unset
    []
    """
    if isinstance(kind, FieldSpec):
        return kind
    if isinstance(kind, type) and kind in SCALAR_KINDS:
        name = SCALAR_KINDS[kind]
        value = _ZERO[name] if default is _UNSET else _checked_default(name, default, kind)
        return FieldSpec(name, value, repeated)
    if kind is FillerParameter or (isinstance(kind, Descriptor) and kind.name == "FillerParameter"):
        return FieldSpec("filler", None if default is _UNSET else default, repeated)
    if (
        isinstance(kind, tuple)
        and kind
        and all(isinstance(name, str) and name.isidentifier() for name in kind)
    ):
        chosen = kind[0] if default is _UNSET else default
        if chosen not in kind:
            raise FillerError(f"field: default {chosen!r} is not one of {', '.join(kind)}")
        return FieldSpec("enum", chosen, repeated, kind)
    if isinstance(kind, (Mapping, Descriptor)):
        return FieldSpec("block", None, repeated, fields=fields_of(kind))
    raise FillerError(
        f"field: {kind!r} is not a field kind: bool, int, float, str, fillers.FillerParameter, "
        "a tuple of enum names, a dict of fields or a message Descriptor"
    )


def _checked_default(kind: str, default: Any, python_type: type) -> Any:
    if kind == "float" and isinstance(default, int) and not isinstance(default, bool):
        return float(default)
    if type(default) is not python_type:
        raise FillerError(f"field: default {default!r} is not a {kind}")
    return default


def spec_of(value: Any) -> FieldSpec:
    """The FieldSpec a declaration's value stands for (see the module's shorthands)."""
    if isinstance(value, FieldSpec):
        return value
    if isinstance(value, list):
        if len(value) != 1:
            raise FillerError(f"a repeated field is declared as [kind], one kind in the list; got {value!r}")
        inner = spec_of(value[0])
        return FieldSpec(inner.kind, None, True, inner.choices, inner.fields)
    if type(value) in (bool, int, float, str):
        return field(type(value), value)
    return field(value)


def fields_of(declared: FieldsLike) -> dict[str, FieldSpec]:
    """A block's declared fields from a dict (shorthands allowed) or a message Descriptor."""
    if isinstance(declared, Descriptor):
        return {item.name: spec_of_field(item) for item in declared.fields}
    if not isinstance(declared, Mapping):
        raise FillerError(f"fields: {declared!r} is not a dict of field names to kinds")
    specs = {}
    for name, value in declared.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise FillerError(f"fields: {name!r} is not a field name")
        try:
            specs[name] = spec_of(value)
        except FillerError as error:
            raise FillerError(f"fields: {name}: {error}") from None
    return specs


def spec_of_field(item: FieldDescriptor) -> FieldSpec:
    """The FieldSpec of a protobuf field: its kind, default and whether it repeats."""
    repeated = is_repeated(item)
    if item.message_type is not None:
        spec = field(item.message_type)
    elif item.enum_type is not None:
        names = tuple(value.name for value in item.enum_type.values)
        default = (
            item.enum_type.values_by_number[item.default_value].name
            if item.has_default_value and not repeated
            else names[0]
        )
        spec = field(names, default)
    else:
        kind = {
            FieldDescriptor.CPPTYPE_BOOL: bool,
            FieldDescriptor.CPPTYPE_STRING: str,
            FieldDescriptor.CPPTYPE_FLOAT: float,
            FieldDescriptor.CPPTYPE_DOUBLE: float,
        }.get(item.cpp_type, int)
        default = item.default_value
        if repeated:
            spec = field(kind)
        else:
            spec = field(kind, default.decode("latin-1") if isinstance(default, bytes) else default)
    return FieldSpec(spec.kind, None if repeated else spec.default, repeated, spec.choices, spec.fields)


# Layer type -> its declared fields, named as in a `layer { }` block. ANY_TYPE's apply to every
# type: a whole fork schema (`proto_schema`), as Caffe built from that fork takes them.
ANY_TYPE = "*"
_declared: dict[str, dict[str, FieldSpec]] = {}


def declare_fields(layer_type: str, fields: FieldsLike, *, origin: str = "plugin") -> None:
    """Declare fields that layers of `layer_type` may set beyond caffe.proto (a fork's).

    Declarations for one type add up (three forks' BN share `bn_param`); a name declared
    twice must be declared alike. A caffe.proto block (`pooling_param`) gains the fields
    declared in it; a caffe.proto enum field may be widened with the values a fork added.

    >>> declare_fields("MyPooling", {"pooling_param": {"ceil_mode": True}}, origin="my fork")
    >>> declared_fields("MyPooling")["pooling_param"].fields["ceil_mode"].default
    True
    >>> undeclare_fields("MyPooling")
    """
    _declare(layer_type, fields, origin, None)


def declare_compatible(layer_type: str, fields: FieldsLike, *, origin: str) -> list[str]:
    """As `declare_fields`, but a field that would change caffe.proto's is left to
    caffe.proto's rules instead of refused (a whole fork schema: `proto_schema`). Returns
    what was left, one line each."""
    skipped: list[str] = []
    _declare(layer_type, fields, origin, skipped)
    return skipped


def _declare(layer_type: str, fields: FieldsLike, origin: str, skipped: list[str] | None) -> None:
    if not isinstance(layer_type, str) or not layer_type:
        raise FillerError(f"declare_fields: layer type {layer_type!r} is not a non-empty string")
    _load_builtin_declarations()  # first, so that a conflict is this call's error, not an import's
    specs = fields_of(fields)
    merged = dict(_declared.get(layer_type, {}))
    for name, spec in specs.items():
        what = f"{layer_type}: {name}"
        added = _against_caffe(what, _with_origin(spec, origin), _LAYER.fields_by_name.get(name), skipped)
        if added is not None:
            merged[name] = _merged(what, merged.get(name), added)
    _declared[layer_type] = merged


def undeclare_fields(layer_type: str) -> None:
    """Forget every field declared for `layer_type` (unregister_layer does this too)."""
    _load_builtin_declarations()
    _declared.pop(layer_type, None)


def restore_fields(layer_type: str, declared: Mapping[str, FieldSpec]) -> None:
    """Put back what `declared_fields(layer_type)` gave (a refused registration's undo)."""
    if declared:
        _declared[layer_type] = dict(declared)
    else:
        _declared.pop(layer_type, None)


def declared_fields(layer_type: str) -> Mapping[str, FieldSpec]:
    """The fields declared for `layer_type` beyond caffe.proto ({} when none), the built-in
    fork layers' included."""
    _load_builtin_declarations()
    own = _declared.get(layer_type, {})
    shared = _declared.get(ANY_TYPE)
    if not shared or layer_type == ANY_TYPE:
        return own
    merged = dict(shared)
    for name, spec in own.items():
        try:
            merged[name] = _merged(name, merged.get(name), spec)
        except FillerError:
            merged[name] = spec  # the type's own declaration is the more specific
    return merged


def _load_builtin_declarations() -> None:
    # The built-in fork layers declare their fields when the layer package loads; a net read
    # without it (load_all, read_net) must see them too. Within that import this finds the
    # package already in sys.modules and returns.
    if "fillers.net.layers" not in sys.modules:
        importlib.import_module("fillers.net.layers")


def _with_origin(spec: FieldSpec, origin: str) -> FieldSpec:
    fields = {name: _with_origin(inner, origin) for name, inner in spec.fields.items()}
    return FieldSpec(spec.kind, spec.default, spec.repeated, spec.choices, fields, origin)


_CAFFE_KINDS = {
    FieldDescriptor.CPPTYPE_BOOL: "bool",
    FieldDescriptor.CPPTYPE_STRING: "string",
    FieldDescriptor.CPPTYPE_FLOAT: "float",
    FieldDescriptor.CPPTYPE_DOUBLE: "float",
}


def _against_caffe(
    what: str, spec: FieldSpec, caffe: FieldDescriptor | None, skipped: list[str] | None = None
) -> FieldSpec | None:
    """What a declaration adds to caffe.proto (None: nothing), never a change to it. A fork's
    whole message for a caffe.proto block (its compiled TransformationParameter) adds the
    fields caffe.proto lacks and the enum values it widens; the fields it shares are caffe's."""
    if caffe is None:
        return spec
    same_repeat = spec.repeated == is_repeated(caffe)
    if caffe.message_type is FillerParameter.DESCRIPTOR and spec.kind == "filler" and same_repeat:
        return None
    if caffe.message_type is not None and spec.kind == "block" and same_repeat:
        added = {}
        for name, inner in spec.fields.items():
            kept = _against_caffe(
                f"{what}.{name}", inner, caffe.message_type.fields_by_name.get(name), skipped
            )
            if kept is not None:
                added[name] = kept
        return FieldSpec("block", None, spec.repeated, fields=added, origin=spec.origin) if added else None
    if caffe.enum_type is not None and spec.kind == "enum" and same_repeat:
        missing = [value.name for value in caffe.enum_type.values if value.name not in spec.choices]
        if missing:
            return _refused(
                f"declare_fields: {what}: caffe.proto's {caffe.enum_type.name} values {missing} are missing",
                skipped,
            )
        # A fork's wider enum (R-FCN's normalization: PRE_FIXED); the same values add nothing.
        return spec if len(spec.choices) > len(caffe.enum_type.values) else None
    same_kind = _CAFFE_KINDS.get(caffe.cpp_type, "int") == spec.kind and caffe.enum_type is None
    if same_kind and (same_repeat or is_repeated(caffe)):
        return None  # caffe.proto's own field, declared alike (or singular, as older Caffes had it)
    return _refused(
        f"declare_fields: {what} is caffe.proto's field ({caffe.containing_type.name}.{caffe.name}); "
        "a declaration may add fields to its blocks or values to its enums, not change it",
        skipped,
    )


def _refused(message: str, skipped: list[str] | None) -> None:
    if skipped is None:
        raise FillerError(message)
    skipped.append(message.removeprefix("declare_fields: "))


def _merged(what: str, old: FieldSpec | None, new: FieldSpec) -> FieldSpec:
    if old is None:
        return new
    if old.kind == new.kind == "block" and old.repeated == new.repeated:
        fields = dict(old.fields)
        for name, spec in new.fields.items():
            fields[name] = _merged(f"{what}.{name}", fields.get(name), spec)
        return FieldSpec("block", None, old.repeated, fields=fields, origin=old.origin)
    if (old.kind, old.default, old.repeated, old.choices) == (
        new.kind,
        new.default,
        new.repeated,
        new.choices,
    ):
        return old
    raise FillerError(
        f"declare_fields: {what} is already declared as {old.describe()} (default {old.default!r}, "
        f"by {old.origin or 'a plugin'}); {new.origin or 'this declaration'} declares "
        f"{new.describe()} (default {new.default!r})"
    )


class Fields:
    """The fields a layer (or one of its blocks) sets, as written, with declared defaults.

    `fields["norm_param"]` / `fields.get(name, default)`: the value of a field set once; a
    field written several times gives a list (a repeated field), `all(name)` always a list.
    A declared field the net leaves out reads as its declared default (a declared block as an
    empty `Fields`, as protobuf reads an unset message). `name in fields`: set in the net.
    Values: str, int, float, bool, an enum's name (str), a nested `Fields`, or a
    FillerParameter for a filler block.

    >>> from fillers.io.texttree import parse_tree
    >>> f = Fields(parse_tree('min_size: 30 aspect_ratio: 2 aspect_ratio: 3'), {"flip": field(bool, True)})
    >>> f["min_size"], f["aspect_ratio"], f.all("min_size"), f.get("flip"), "flip" in f
    (30, [2, 3], [30], True, False)
    """

    def __init__(self, block: Block, declared: Mapping[str, FieldSpec] | None = None) -> None:
        self._block = block
        self._declared = declared or {}

    @property
    def line(self) -> int:
        """The 1-based line the block starts on."""
        return self._block.line

    @property
    def block(self) -> Block:
        """The block as parsed, with every field's position."""
        return self._block

    @property
    def declared(self) -> Mapping[str, FieldSpec]:
        """The fields declared for this block beyond caffe.proto."""
        return self._declared

    def all(self, name: str) -> list[Any]:
        """Every value of field `name`, in file order ([] when it is not set)."""
        return [self._value(item) for item in self._block.named(name)]

    def get(self, name: str, default: Any = _UNSET) -> Any:
        """The value of `name` (a list when written more than once), else `default`, else
        the declared default (None for a field nobody declared)."""
        values = self.all(name)
        if values:
            return values[0] if len(values) == 1 else values
        if default is not _UNSET:
            return default
        spec = self._declared.get(name)
        return None if spec is None else spec.value_when_unset

    def __getitem__(self, name: str) -> Any:
        if name not in self and name not in self._declared:
            raise KeyError(name)
        return self.get(name)

    def __contains__(self, name: object) -> bool:
        return any(item.name == name for item in self._block)

    def keys(self) -> list[str]:
        """The field names set, in first-appearance order."""
        return list(dict.fromkeys(item.name for item in self._block))

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def to_dict(self) -> dict[str, Any]:
        """Plain Python: nested blocks as dicts, fillers as FillerParameter."""
        return {
            name: [v.to_dict() if isinstance(v, Fields) else v for v in values]
            if len(values := self.all(name)) > 1
            else (values[0].to_dict() if isinstance(values[0], Fields) else values[0])
            for name in self.keys()
        }

    def __repr__(self) -> str:
        return f"Fields({self.to_dict()!r})"

    def _value(self, item: Field) -> Any:
        spec = self._declared.get(item.name)
        if not isinstance(item.value, Block):
            # The reader checked the kind; 1 for a float reads 1.0, 1 for a bool True.
            if spec is not None and spec.kind == "float" and not isinstance(item.value, bool):
                return float(item.value)
            if spec is not None and spec.kind == "bool":
                return bool(item.value)
            return item.value
        if (spec is not None and spec.kind == "filler") or (spec is None and is_filler_name(item.name)):
            from .filler_reader import filler_from_block  # the strict FillerParameter reader

            return filler_from_block(item.value)
        return Fields(item.value, spec.fields if spec is not None else None)


def is_filler_name(name: str) -> bool:
    """A field outside any declaration that holds a FillerParameter: `*_filler` or `filler`."""
    return name.endswith("_filler") or name in FILLER_FIELD_NAMES
