"""The layer registry: what each layer type does at setup, built-in or plugged in, one mechanism.

A definition is a setup function and the blob counts Layer::CheckBlobCounts enforces:

    @fillers.register_layer("Normalize", bottoms=1, tops=1)
    def normalize(layer, bottoms, num_tops):
        channels = bottoms[0][1]
        filler = layer.norm_param.get("scale_filler", fillers.FillerParameter(type="constant", value=1))
        return fillers.LayerSetup(tops=(bottoms[0],), blobs=(fillers.BlobSpec((channels,), filler),))

`layer` is a `Layer`: the LayerParameter's fields (`layer.name`, `layer.convolution_param`)
and, for parameter blocks our schema does not know, the fork fields as written
(`layer.norm_param.get("across_spatial", True)`). `bottoms` are shape tuples, `num_tops`
the number of tops. The LayerSetup returned gives each top's shape, the learnable blobs in
Caffe's blobs_ order (the order they are filled in, each with its filler, None for a blob
Caffe zeroes), and `setup_draws`: the raw 32-bit outputs setup takes from Caffe's stream
before the fills (one per caffe_rng_rand(), as data layers seeding their own generators).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from ..._proto.filler_pb2 import LayerParameter
from ...errors import FillerError
from ...io.texttree import Block
from ..fields import (
    Fields,
    FieldsLike,
    FieldSpec,
    declare_fields,
    declared_fields,
    restore_fields,
    undeclare_fields,
)
from .blob import LayerSetup, Shape

Count = tuple[int, int | None]  # (least, most) blobs; most None: no limit
CountLike = int | tuple[int, int | None] | None
SetupFunction = Callable[["Layer", Sequence[Shape], int], LayerSetup]

_SCHEMA_FIELDS = frozenset(LayerParameter.DESCRIPTOR.fields_by_name)
_NO_SPEC = FieldSpec("block")


class Layer:
    """One layer as a setup function sees it: LayerParameter's fields, then the fork fields.

    `layer.X` is the LayerParameter's field X when our schema has it; else the layer's fork
    field X as written (a `Fields` for a block), an empty `Fields` for an unset `*_param`.
    `layer.message` is the LayerParameter, `layer.fields` every field as written,
    `layer.net_types` the layer types of the whole net.
    """

    __slots__ = ("fields", "message", "net_types")

    def __init__(
        self, message: LayerParameter, fields: Fields | None = None, net_types: frozenset[str] = frozenset()
    ) -> None:
        self.message = message
        self.fields = fields if fields is not None else Fields(Block())
        # The layer types of the whole net: a fork's type name shared by forks (BN) is told
        # apart by the fork's other layers.
        self.net_types = net_types

    def __getattr__(self, name: str) -> Any:
        if name in _SCHEMA_FIELDS or name.startswith(("Has", "Clear", "List")):
            return getattr(self.message, name)
        if name in self.fields:
            return self.fields[name]
        if name.endswith("_param"):
            return Fields(Block(), self.fields.declared.get(name, _NO_SPEC).fields)
        raise AttributeError(f"layer {self.message.name!r} ({self.message.type}) has no field {name!r}")

    def __repr__(self) -> str:
        return f"Layer({self.message.name!r}, {self.message.type!r})"


class Undecided(FillerError):
    """A FillerError that planning can settle, or sharpen, by trying each way out on the rest
    of the net: `candidates` are fork names (a type several forks define) or shape rules (a
    type without a definition); none for a blob whose shape only data knows."""

    def __init__(self, message: str, layer_type: str = "", candidates: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.layer_type = layer_type
        self.candidates = candidates

    def retitled(self, message: str) -> Undecided:
        """The same error with `message` (the old one with a location in front)."""
        new = copy.copy(self)
        new.args = (message,)
        return new


@dataclass(frozen=True)
class LayerDefinition:
    """How one layer type sets up.

    `bottoms`/`tops`: the counts Layer::CheckBlobCounts enforces. `tops_follow_bottoms`:
    one top per bottom (EqualNumBottomTopBlobs). `shape_free`: the layer's tops do not
    depend on its bottoms' shapes, which may be unknown (a loss on labels from a database).
    `origin`: the code the definition mirrors ("BVLC Caffe", a fork, "plugin"). `roles`: what
    each blob the setup creates means, in its blobs_ order ("weight", "bias"); a layer with
    fewer blobs has dropped the trailing ones (bias_term: false).
    """

    setup: SetupFunction
    bottoms: Count = (1, 1)
    tops: Count = (1, 1)
    tops_follow_bottoms: bool = False
    shape_free: bool = False
    origin: str = "BVLC Caffe"
    roles: tuple[str, ...] = ()


_definitions: dict[str, LayerDefinition] = {}
# Types Caffe knows but fillers cannot lay out, with the reason.
UNSUPPORTED: dict[str, str] = {}

# Which syntax error messages suggest: "python" (shape_rules=..., input_shapes=...) or "cli".
hint_style: ContextVar[str] = ContextVar("hint_style", default="python")
# The forks the caller named (--fork, forks=...): where several forks define one type name
# differently, theirs is taken.
chosen_forks: ContextVar[frozenset[str]] = ContextVar("chosen_forks", default=frozenset())


@contextmanager
def cli_hints() -> Iterator[None]:
    """Within the block, messages suggest command-line flags instead of Python arguments."""
    token = hint_style.set("cli")
    try:
        yield
    finally:
        hint_style.reset(token)


def parse_count(value: CountLike, what: str) -> Count:
    """A blob count as register_layer takes it, as (least, most)."""
    if value is None:
        return (0, None)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return (value, value)
    if (
        isinstance(value, tuple)
        and len(value) == 2
        and isinstance(value[0], int)
        and value[0] >= 0
        and (value[1] is None or (isinstance(value[1], int) and value[1] >= value[0]))
    ):
        return value
    raise FillerError(f"{what}: {value!r} is not a count: an int, (least, most) or (least, None)")


def _roles(roles: Sequence[str]) -> tuple[str, ...]:
    if isinstance(roles, str) or not all(isinstance(role, str) and role for role in roles):
        raise FillerError(f"roles: {roles!r} is not a sequence of blob names such as ('weight', 'bias')")
    return tuple(roles)


def define(layer_type: str, definition: LayerDefinition, *, replace: bool = False) -> None:
    """Add `definition` for `layer_type` (an existing type only with replace=True)."""
    if not isinstance(layer_type, str) or not layer_type:
        raise FillerError(f"layer type: {layer_type!r} is not a non-empty string")
    if (layer_type in _definitions or layer_type in UNSUPPORTED) and not replace:
        raise FillerError(f"layer type {layer_type!r} is already registered; pass replace=True")
    UNSUPPORTED.pop(layer_type, None)
    _definitions[layer_type] = definition


def register_layer(
    layer_type: str,
    *,
    bottoms: CountLike = 1,
    tops: CountLike = 1,
    tops_follow_bottoms: bool = False,
    shape_free: bool = False,
    replace: bool = False,
    origin: str = "plugin",
    roles: Sequence[str] = (),
    fields: FieldsLike | None = None,
) -> Callable[[SetupFunction], SetupFunction]:
    """Decorator: `setup(layer, bottoms, num_tops) -> LayerSetup` defines `layer_type`.

    `bottoms`, `tops`: how many the layer takes: an int, (least, most), or None for any.
    `roles`: a name for each blob the setup creates, in order ("weight", "bias"), which
    `NetParams.roles` and the framework bridges read; unnamed blobs are "blob0", "blob1", ...
    A type already registered (the built-ins included) is an error unless `replace=True`.
    `fields`: the fields the layer's fork adds to caffe.proto, with their kinds and defaults
    (see `fillers.net.fields`): `{"norm_param": {"eps": 1e-10, "scale_filler": FillerParameter}}`.
    A net that sets a field nobody declared is refused when it is read.

    Examples:
        >>> from fillers import BlobSpec, LayerSetup, from_dict
        >>> @register_layer("ChannelBias")
        ... def channel_bias(layer, bottoms, num_tops):
        ...     bias = BlobSpec((bottoms[0][1],), from_dict({"type": "constant", "value": 0.1}))
        ...     return LayerSetup(tops=(bottoms[0],), blobs=(bias,))
        >>> "ChannelBias" in registered_layers()
        True
        >>> unregister_layer("ChannelBias")
    """
    bottom_count, top_count = parse_count(bottoms, "bottoms"), parse_count(tops, "tops")

    def add(setup: SetupFunction) -> SetupFunction:
        if not callable(setup):
            raise FillerError(f"register_layer({layer_type!r}): {setup!r} is not a function")
        definition = LayerDefinition(
            setup, bottom_count, top_count, tops_follow_bottoms, shape_free, origin, _roles(roles)
        )
        previous = dict(declared_fields(layer_type))
        try:
            if fields is not None:
                if replace:
                    undeclare_fields(layer_type)  # a replaced definition brings its own fields
                declare_fields(layer_type, fields, origin=origin)
            define(layer_type, definition, replace=replace)
        except FillerError:
            restore_fields(layer_type, previous)  # a refused registration changes nothing
            raise
        return setup

    return add


def unregister_layer(layer_type: str) -> None:
    """Remove a layer definition (built-in ones included)."""
    if layer_type not in _definitions:
        raise FillerError(f"Unknown layer type: {layer_type!r}")
    del _definitions[layer_type]
    undeclare_fields(layer_type)


def registered_layers() -> list[str]:
    """Every layer type with a definition, built-in, fork or plugin, sorted."""
    return sorted(_definitions)


def definition_of(layer_type: str) -> LayerDefinition | None:
    """The definition registered for `layer_type`, or None."""
    return _definitions.get(layer_type)


def define_hint(layer_type: str) -> str:
    """How a user defines a layer type, in the syntax of where they are."""
    if hint_style.get() == "cli":
        return f"--plugin FILE.py, a Python file that defines it with @fillers.register_layer({layer_type!r})"
    return f"define it with @fillers.register_layer({layer_type!r})"


def declare_fields_hint(layer_type: str, nested: str) -> str:
    """How a user declares a field a fork adds, in the syntax of where they are."""
    declare = f"fillers.declare_fields({layer_type!r}, {nested})"
    if layer_type in _definitions:
        how = declare
    else:
        rule = f"--shape-rule {layer_type}=..." if hint_style.get() == "cli" else "a shape rule"
        how = (
            f"@fillers.register_layer({layer_type!r}, fields={nested}) with its setup "
            f"(or {declare} and {rule}, for a layer without learnable blobs)"
        )
    if hint_style.get() == "cli":
        return (
            "if a Caffe fork adds it, pass the fork's caffe.proto with --proto FILE, "
            f"or declare it in a --plugin FILE.py: {how}"
        )
    return f"if a Caffe fork adds it, fillers.declare_proto('its caffe.proto'), or declare it: {how}"


class UnknownType(Undecided):
    """A layer type without a definition or a rule; `candidates`: the shape rules to try
    ("same", "bottom:K"), `ways`: the advice in the message, which planning replaces with the
    rules the rest of the net agrees with."""

    ways = ""


def ways_forward(layer_type: str, *, has_bottoms: bool, rules: Sequence[str] | None = None) -> str:
    """How a user gets past a layer type without a definition, in the syntax of where they are.

    `rules`: the shape rules that fit the rest of the net (None: not tried yet); a rule that
    does not fit is never offered.
    """
    cli = hint_style.get() == "cli"
    ways = [define_hint(layer_type)]
    if not has_bottoms:
        ways.append(
            f"or, if it has no learnable blobs, each of its tops' shape ({input_flag('TOP')}); that "
            "takes its setup to draw nothing from Caffe's stream, which a data layer that shuffles "
            "or seeds its own generators does, shifting every later fill"
        )
        return "; ".join(ways)
    if rules is None:
        rules = ("same", "bottom:K")
    offered = " or ".join(_rule_text(layer_type, rule, cli) for rule in rules)
    if rules:
        ways.append(
            f"or, if it has no learnable blobs, a shape rule (each top shaped like a bottom): {offered}"
        )
    else:
        ways.append(
            "or, if it has no learnable blobs, its top's shape, as no bottom's shape fits the rest of "
            f"the net: {_rule_text(layer_type, 'DIMS', cli)}"
        )
    if not cli:
        ways.append("or a function (layer, bottom_shapes) -> top_shapes")
    return "; ".join(ways)


def _rule_text(layer_type: str, rule: str, cli: bool) -> str:
    if rule == "DIMS" and not cli:
        return f"shape_rules={{{layer_type!r}: (...)}}"
    return f"--shape-rule {layer_type}={rule}" if cli else f'shape_rules={{{layer_type!r}: "{rule}"}}'


@contextmanager
def using_forks(names: frozenset[str]) -> Iterator[None]:
    """Within the block, a type name several forks define is taken from the fork in `names`."""
    token = chosen_forks.set(names)
    try:
        yield
    finally:
        chosen_forks.reset(token)


def fork_flag(name: str) -> str:
    """How the user names a fork, in the syntax of where they are."""
    return f"--fork {name}" if hint_style.get() == "cli" else f"forks=({name!r},)"


def rule_flag(layer_type: str) -> str:
    """How the user named the shape rule for `layer_type`, in the syntax of where they are."""
    return f"--shape-rule {layer_type}" if hint_style.get() == "cli" else f"shape_rules[{layer_type!r}]"


def input_flag(name: str) -> str:
    """How the user gives a top's shape, in the syntax of where they are."""
    return f"--input {name}=DIMS" if hint_style.get() == "cli" else f"input_shapes={{{name!r}: (...)}}"


def given_flag(name: str, shape: Sequence[int]) -> str:
    """How the user gave a top's shape, in the syntax of where they are."""
    if hint_style.get() == "cli":
        return f"--input {name}={','.join(map(str, shape))}"
    return f"input_shapes[{name!r}]={tuple(shape)}"
