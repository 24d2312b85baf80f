"""A net's field tree decoded strictly, as Caffe's text parser reads it, into a NetParameter.

Every field is checked against its block's schema: caffe.proto's message, plus the fields the
layer type's definitions declare (`register_layer(..., fields=...)`, `declare_fields`; see
`fields`). A name neither knows is an error naming file:line:column, the layer, the block and
the field, with the closest name the block takes; Caffe's parser refuses the same file
(`weight_filer`, `stide`, `botom`). A value of the wrong kind, a second value for a field
that takes one, or an enum name the block does not know are errors too.

Declared fork fields stay in the tree, where a layer's setup reads them (`Fields`); the
caffe.proto part fills the NetParameter. The walk is iterative: nesting depth is bounded by
the tree reader, not by Python's stack.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from .._proto import filler_pb2
from .._proto.pool import is_repeated
from ..errors import FillerError, did_you_mean
from ..io.textformat import float32_as_stored
from ..io.texttree import Block, Enum, Field
from .fields import FieldSpec
from .filler_reader import FieldError, filler_from_block
from .schema import Schema, layer_schema
from .upgrade import V1_LAYER_TYPES

NetParameter = filler_pb2.NetParameter
_NET = Schema(NetParameter.DESCRIPTOR)
_FILLER_FIELDS = frozenset(filler_pb2.FillerParameter.DESCRIPTOR.fields_by_name)
_INT_RANGES = {
    FieldDescriptor.CPPTYPE_INT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.CPPTYPE_INT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.CPPTYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.CPPTYPE_UINT64: (0, 2**64 - 1),
}
_SKIP = object()


class _Walk:
    """Where the decoder is: the file prefix, the layer's label and type, the block's path."""

    def __init__(self, where: str, label: str = "", layer_type: str | None = None, path: str = "") -> None:
        self.where, self.label, self.layer_type, self.path = where, label, layer_type, path

    def inner(self, name: str) -> _Walk:
        return _Walk(self.where, self.label, self.layer_type, f"{self.path}{name}.")

    def error(self, item: Field | Block, message: str) -> FillerError:
        label = f"{self.label}: " if self.label else ""
        return FillerError(f"{self.where}{item.line}:{item.column}: {label}{message}")


def decode_net(tree: Block, where: str) -> tuple[NetParameter, list[tuple[Field, Schema]]]:
    """The NetParameter a net's tree holds, every field checked (see the module), and each
    `layer`/`layers` block with the schema it was read by. `where`: "file:" or "line "."""
    net = NetParameter()
    layers: list[tuple[Field, Schema]] = []
    # Depth first in file order, so the first error reported is the first in the file, as
    # Caffe's parser reports it. Each frame: the block's remaining fields and what they fill.
    frames: list[tuple[Iterator[Field], Message | None, Schema, _Walk, set[str]]] = [
        (iter(tree), net, _NET, _Walk(where), set())
    ]
    while frames:
        items, message, schema, walk, seen = frames[-1]
        for item in items:
            caffe = schema.message.fields_by_name.get(item.name) if schema.message is not None else None
            spec = schema.declared.get(item.name)
            if caffe is None and spec is None:
                raise walk.error(item, _unknown_field(item.name, schema, walk))
            repeated = is_repeated(caffe) if caffe is not None else spec is not None and spec.repeated
            if not repeated:
                if item.name in seen:
                    owner = schema.message.name if schema.message is not None else walk.path.rstrip(".")
                    raise walk.error(item, f'{owner} should not have multiple "{item.name}" fields')
                seen.add(item.name)
            is_block = (caffe is not None and caffe.message_type is not None) or (
                caffe is None and spec is not None and spec.kind in ("block", "filler")
            )
            if is_block != isinstance(item.value, Block):
                expected = "a block { ... }" if is_block else "a value, found a block"
                raise walk.error(item, f"{item.name}: expected {expected}")
            if isinstance(item.value, Block):
                child_walk = walk.inner(item.name)
                child_schema = schema.child(item.name)
                if schema is _NET and item.name in ("layer", "layers"):
                    layer_type = _layer_type(item.value, v1=item.name == "layers")
                    child_schema = layer_schema(layer_type or "", v1=item.name == "layers")
                    child_walk = _Walk(walk.where, _layer_label(item.value), layer_type)
                    layers.append((item, child_schema))
                if caffe is None:
                    assert spec is not None
                    if spec.kind == "filler":
                        _check_filler(item, walk)
                        continue
                    frames.append((iter(item.value), None, child_schema, child_walk, set()))
                    break
                child = None
                if message is not None:
                    child = getattr(message, item.name).add() if repeated else getattr(message, item.name)
                    child.SetInParent()
                frames.append((iter(item.value), child, child_schema, child_walk, set()))
                break
            if spec is not None:
                value = _declared_value(spec, caffe, item, walk)
            else:
                assert caffe is not None
                value = _scalar_for(caffe, item, walk)
            if caffe is None or message is None or value is _SKIP:
                continue
            if repeated:
                getattr(message, item.name).append(value)
            else:
                setattr(message, item.name, value)
        else:
            frames.pop()  # the block is done
    return net, layers


def _check_filler(item: Field, walk: _Walk) -> None:
    assert isinstance(item.value, Block)
    try:
        filler_from_block(item.value)
    except FieldError as error:
        raise FillerError(
            f"{walk.where}{error.line}:{error.column}: {walk.label + ': ' if walk.label else ''}"
            f"{item.name}: {error.message}"
        ) from None


def _declared_value(spec: FieldSpec, caffe: FieldDescriptor | None, item: Field, walk: _Walk) -> Any:
    """A declared (fork) scalar, checked by its kind. Where it widens a caffe.proto enum, a
    value caffe.proto has goes into the message; the fork's own values stay in the tree."""
    value = item.value
    ok = {
        "bool": isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "float": isinstance(value, (int, float)) and not isinstance(value, bool),
        "string": isinstance(value, str) and not isinstance(value, Enum),
        "enum": isinstance(value, Enum) and value in spec.choices,
    }.get(spec.kind, False)
    if not ok:
        hint = ""
        if spec.kind == "enum" and isinstance(value, str):
            hint = did_you_mean(value, spec.choices, quoted=False)
        origin = f" (declared by {spec.origin})" if spec.origin else ""
        raise walk.error(item, f"{item.name}: {value!r} is not {spec.describe()}{origin}{hint}")
    if caffe is None:
        return value
    number = caffe.enum_type.values_by_name.get(value)
    return _SKIP if number is None else number.number


def _scalar_for(field: FieldDescriptor, item: Field, walk: _Walk) -> Any:
    """A caffe.proto scalar as protobuf's text parser takes it."""
    value = item.value
    kind = field.cpp_type

    def bad(expected: str) -> FillerError:
        return walk.error(item, f"{item.name}: {value!r} is not {expected}")

    if kind == FieldDescriptor.CPPTYPE_STRING:
        if not isinstance(value, str) or isinstance(value, Enum):
            raise bad("a quoted string")
        return value
    if kind == FieldDescriptor.CPPTYPE_BOOL:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        raise bad("true or false")
    if kind == FieldDescriptor.CPPTYPE_ENUM:
        values = field.enum_type.values_by_name
        if isinstance(value, Enum) and value in values:
            return values[value].number
        if (
            isinstance(value, int)
            and not isinstance(value, bool)
            and value in field.enum_type.values_by_number
        ):
            return value
        listed = f"; {field.enum_type.name} values: {', '.join(values)}"
        hint = did_you_mean(str(value), values, otherwise=listed, quoted=False)
        raise bad(f"a {field.enum_type.name}{hint}")
    if kind in (FieldDescriptor.CPPTYPE_FLOAT, FieldDescriptor.CPPTYPE_DOUBLE):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value) if kind == FieldDescriptor.CPPTYPE_DOUBLE else float32_as_stored(float(value))
        raise bad("a number")
    low, high = _INT_RANGES[kind]
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
        return value
    raise bad(f"an integer in [{low}, {high}]")


def _unknown_field(name: str, schema: Schema, walk: _Walk) -> str:
    """Caffe's "has no field named" with the block, the closest name, and how a fork's field
    is declared."""
    from .layers.registry import declare_fields_hint  # the registry's hints know CLI from Python

    block = walk.path.rstrip(".")
    where = f"{block}: " if block else ""
    hint = did_you_mean(name, schema.names(), ignore_suffix="_param")
    if schema.message is not None:
        owner = schema.message.name
        message = f'{where}{owner} has no field named "{name}"{hint}'
    else:  # a fork's own block: its fields are those declared
        owner = f"{walk.layer_type} ({schema.origin})" if schema.origin else f"{walk.layer_type}"
        message = f'{where}no field named "{name}" among those declared for {owner}{hint}'

    if walk.layer_type is None and schema.message is NetParameter.DESCRIPTOR and name in _FILLER_FIELDS:
        return f"{message}; is this a filler spec rather than a net?"
    if walk.layer_type is None or owner == "FillerParameter":
        return message  # no declaration reaches the net's own fields or a filler's
    nested = f"{{{name!r}: ...}}"
    for part in reversed([part for part in block.split(".") if part]):
        nested = f"{{{part!r}: {nested}}}"
    advice = declare_fields_hint(walk.layer_type, nested)
    return f"{message} {advice[0].upper()}{advice[1:]}" if hint else f"{message}; {advice}"


def _layer_type(block: Block, *, v1: bool) -> str | None:
    """The type a layer block names (a V1 enum name as today's type string), or None."""
    types = [item.value for item in block.named("type") if not isinstance(item.value, Block)]
    if not types or not isinstance(types[-1], str):
        return None
    if v1:
        return V1_LAYER_TYPES.get(types[-1], types[-1])
    return types[-1]


def _layer_label(block: Block) -> str:
    names = [item.value for item in block.named("name") if isinstance(item.value, str)]
    return f"layer {names[-1]!r}" if names else "layer"
