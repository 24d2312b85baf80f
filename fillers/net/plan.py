"""Caffe's Net::Init, for parameters, without drawing: which layers a net keeps, the blobs each
one creates with their shapes and fillers, shared params, and the draws each layer's setup
makes. A bad net fails here, before the stream moves; `fill.fill_net` then draws.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .._proto.filler_pb2 import FillerParameter, LayerParameter, NetParameter, ParamSpec
from ..errors import FillerError
from ..fill.blob import count_of, shape_of
from ..fill.registry import get_filler
from ..io.limits import echo
from ..io.texttree import Block
from ..stream.profiles import DEFAULT_PROFILE, Profile, get_profile
from .fields import Fields
from .filler_blocks import block_holds_filler
from .layers import BlobSpec, LayerDefinition, LayerSetup, Shape, ShapeRule, layer_definition, setup_layer
from .layers.registry import (
    Layer,
    Undecided,
    UnknownType,
    definition_of,
    given_flag,
    input_flag,
)
from .netparam import NetSource, PhaseLike, layer_fillers, layer_included, net_state
from .settle import ANY_SHAPES, checked_forks, rules_to_try, settled
from .source import LayerSource, read_net_file


@dataclass(frozen=True)
class ParamBlob:
    """One learnable blob of a net, as Net::Init creates it.

    `index` is its place among the layer's blobs (weight 0, bias 1, ...). `filler` filled it
    (None: zeroed without a filler, as BatchNorm's statistics). `owner` is the (layer, index)
    whose values it takes when it shares a named param; it is still filled first, as in
    Caffe, so the stream moves for it. `unknown_fill`: its layer's type has no definition and
    the weights give its shape and values; how Caffe filled it first is unknown.
    """

    layer: str
    layer_type: str
    index: int
    shape: Shape
    filler: FillerParameter | None
    owner: tuple[str, int] | None = None
    unknown_fill: bool = False


@dataclass(frozen=True)
class LayerPlan:
    """One layer of the net as set up: its tops' shapes (None where data we lack decides),
    its blobs, the raw outputs its setup draws before filling them, and its LayerParameter
    as Net::Init holds it (phase set), which a .caffemodel writes back. `inner`: the net the
    layer builds in its setup (RecurrentLayer's unrolled net), whose params that own
    themselves are `blobs`; on a sequential stream every blob of it is filled, in order."""

    name: str
    type: str
    tops: tuple[tuple[str, Shape | None], ...]
    blobs: tuple[ParamBlob, ...]
    setup_draws: int
    param: LayerParameter | None = None
    inner: NetPlan | None = None


@dataclass(frozen=True)
class NetPlan:
    """The layers Net::Init sets up, in order, and everything filling them needs."""

    name: str
    layers: tuple[LayerPlan, ...]

    @property
    def blobs(self) -> tuple[ParamBlob, ...]:
        """Every learnable blob in Caffe's params() order."""
        return tuple(blob for layer in self.layers for blob in layer.blobs)


@dataclass
class _NamedParam:
    """A named param's owner and the lr/decay multipliers sharing must agree on."""

    blob: ParamBlob
    lr_mult: float | None
    decay_mult: float | None


class _NetBlobs:
    """The net's data blobs as Net::Init connects them: each name's shape and the layer that
    made it; tops of layers without bottoms take their shapes from input_shapes."""

    def __init__(self, input_shapes: dict[str, Shape]) -> None:
        self.input_shapes = input_shapes
        self.unused_inputs = set(input_shapes)
        self.shapes: dict[str, Shape | None] = {}
        self.producers: dict[str, str] = {}
        # Tops a layer's prototxt fixes in part (None where the data decides).
        self.partial: dict[str, tuple[int | None, ...]] = {}

    def bottoms(self, layer: LayerParameter, kind: LayerDefinition) -> list[Shape | None]:
        """The shapes of the layer's bottoms, which earlier layers made."""
        shapes = []
        for index, name in enumerate(layer.bottom):
            if name not in self.shapes:
                raise FillerError(
                    f"Unknown bottom blob '{name}' (layer '{layer.name}', bottom index {index})"
                )
            if self.shapes[name] is None and not kind.shape_free:
                partial = self.partial.get(name)
                fixed = f" (the prototxt fixes {_pattern(partial)})" if partial else ""
                raise Undecided(
                    f"layer {layer.name!r} ({layer.type}) needs the shape of blob {name!r}, which "
                    f"layer {self.producers[name]!r} reads from its data; "
                    f"give it as {input_flag(name)}{fixed}"
                )
            shapes.append(self.shapes[name])
        return shapes

    def add_tops(
        self, layer: LayerParameter, shapes: Sequence[Shape | None]
    ) -> tuple[tuple[str, Shape | None], ...]:
        """Net::AppendTop for each top: a new blob, or in place (top i named as bottom i)."""
        for index, (name, shape) in enumerate(zip(layer.top, shapes, strict=True)):
            in_place = index < len(layer.bottom) and layer.bottom[index] == name
            if name in self.shapes and not in_place:
                raise FillerError(
                    f"layer {layer.name!r}: top {name!r}: Duplicate blobs produced by multiple sources."
                )
            if not layer.bottom and name in self.input_shapes:
                given = self.input_shapes[name]
                if shape is not None and not _agrees(given, shape):
                    raise FillerError(
                        f"{given_flag(name, given)} contradicts the "
                        f"prototxt: layer {layer.name!r} ({layer.type}) makes top {name!r} "
                        f"{_pattern(shape)}"
                    )
                shape = given
                self.unused_inputs.discard(name)
            elif shape is not None and None in shape:
                self.partial[name], shape = shape, None
            self.shapes[name], self.producers[name] = shape, layer.name
        return tuple((name, self.shapes[name]) for name in layer.top)

    def check_all_inputs_used(self) -> None:
        """An input_shapes name no top of a layer without bottoms has is a mistake."""
        if self.unused_inputs:
            names = ", ".join(sorted(self.unused_inputs))
            raise FillerError(f"input_shapes: no layer without bottoms has a top named {names}")


def _agrees(given: Shape, fixed: tuple[int | None, ...]) -> bool:
    """Whether a given shape matches every dim the prototxt fixes (None: any)."""
    return len(given) == len(fixed) and all(f is None or f == g for g, f in zip(given, fixed, strict=True))


def _pattern(shape: tuple[int | None, ...]) -> str:
    """A shape with its unknown dims as '?': "24,?,300,300"."""
    return ",".join("?" if dim is None else str(dim) for dim in shape)


def plan_net(
    net: NetSource,
    *,
    phase: PhaseLike = "TRAIN",
    level: int = 0,
    stages: Iterable[str] = (),
    input_shapes: Mapping[str, Sequence[int]] | None = None,
    shape_rules: Mapping[str, ShapeRule] | None = None,
    profile: str | Profile | None = None,
    forks: Iterable[str] = (),
    given_blobs: Mapping[str, Sequence[Sequence[int]]] | None = None,
) -> NetPlan:
    """The layers Caffe's Net::Init sets up for this state, with every learnable blob's shape,
    filler and sharing, without drawing anything. Arguments as for `init_net`; `given_blobs`:
    the blob shapes, by layer name, a layer without a definition takes (its weights')."""
    if shape_rules is not None and not isinstance(shape_rules, Mapping):
        raise FillerError(f"shape_rules: {echo(repr(shape_rules))} is not a mapping of layer types to rules")
    chosen = checked_forks(forks)
    build = get_profile(profile)
    source = read_net_file(net)
    param = source.param
    if not param.layer and not param.input:
        raise FillerError(
            f"{source.path or 'the net'}: the net has no layers (is this a filler spec rather than a net?)"
        )
    state = net_state(param, phase, level, stages)
    checked_inputs = _checked_input_shapes(input_shapes)
    legacy = LayerSource(source.path, 0, 0, Fields(Block()))
    kept = [(layer, legacy) for layer in _legacy_input_layers(param)]
    kept += [
        (layer, at)
        for layer, at in zip(param.layer, source.layers, strict=True)
        if layer_included(layer, state)
    ]
    net_types = frozenset(layer.type for layer, _ in kept)
    if given_blobs is not None and not isinstance(given_blobs, Mapping):
        raise FillerError(f"given_blobs: {echo(repr(given_blobs))} is not a mapping of layer names to shapes")
    trained = {name: _given_shapes(name, shapes) for name, shapes in (given_blobs or {}).items()}

    def plan(rules: Mapping[str, ShapeRule]) -> NetPlan:
        blobs = _NetBlobs(checked_inputs)
        named: dict[str, _NamedParam] = {}
        plans = []
        for layer, at in kept:
            try:
                plans.append(
                    _plan_layer(layer, at, state.phase, blobs, named, rules, net_types, build, trained)
                )
            except Undecided as error:
                raise error.retitled(_located(str(error), layer, at)) from None
            except FillerError as error:
                raise FillerError(_located(str(error), layer, at)) from None
        blobs.check_all_inputs_used()
        _check_unique_names(plans)
        return NetPlan(param.name, tuple(plans))

    return settled(plan, chosen, dict(shape_rules or {}))  # type: ignore[return-value]


def _plan_layer(
    layer: LayerParameter,
    at: LayerSource,
    phase: int,
    blobs: _NetBlobs,
    named: dict[str, _NamedParam],
    shape_rules: Mapping[str, ShapeRule] | None,
    net_types: frozenset[str] = frozenset(),
    build: Profile = DEFAULT_PROFILE,
    trained: Mapping[str, tuple[Shape, ...]] | None = None,
) -> LayerPlan:
    """One layer of Net::Init: its definition, its setup, its params appended. A layer
    without a definition whose blobs `trained` (the weights) gives takes them from there."""
    tops_given = bool(layer.top) and not layer.bottom and all(top in blobs.input_shapes for top in layer.top)
    holds_filler = block_holds_filler(at.fields.block, at.schema) or bool(layer_fillers(layer))
    key = _definition_type(layer)
    from_weights = None if definition_of(key) is not None else (trained or {}).get(layer.name)
    try:
        kind = layer_definition(
            key,
            shape_rules,
            tops_given=tops_given,
            holds_filler=holds_filler and from_weights is None,
            has_bottoms=bool(layer.bottom),
        )
    except UnknownType as error:
        if layer.bottom and (not holds_filler or from_weights is not None):
            error.candidates = rules_to_try(blobs.bottoms(layer, ANY_SHAPES))
        hint = ""
        if from_weights is not None:
            hint = f"; its {len(from_weights)} blobs come from the weights, its tops need a shape rule"
        if layer.type == "Python":
            hint += f"; a definition of this Python layer is registered as {_python_key(layer)!r}"
        raise error.retitled(f"{error}{hint}") from None
    layer = _with_phase(layer, phase)
    if layer.propagate_down and len(layer.propagate_down) != len(layer.bottom):
        raise FillerError(
            f"layer {layer.name!r}: propagate_down param must be specified either 0 or bottom_size times"
        )
    if layer.blobs:
        raise FillerError(
            f"layer {layer.name!r} ({layer.type}) carries its own blobs in the net; "
            "Caffe would use them instead of filling: not supported"
        )
    made = setup_layer(kind, Layer(layer, at.fields, net_types), blobs.bottoms(layer, kind))
    inner = None if made.inner_net is None else _plan_inner_net(layer, made.inner_net, build)
    for index, spec in enumerate(made.blobs):
        if spec.filler is not None:
            try:
                # The dtype-independent checks, here where the error can name file:line.
                get_filler(spec.filler).for_profile(build).check(spec.shape, np.dtype(np.float32))
            except FillerError as error:
                raise FillerError(f"layer {layer.name!r} ({layer.type}) blob {index}: {error}") from None
    if from_weights is not None:
        made = LayerSetup(tuple(made.tops), tuple(BlobSpec(shape, None) for shape in from_weights))
    tops = blobs.add_tops(layer, made.tops)
    specs = made.blobs if inner is None else _owned_params(inner)
    params = _append_params(layer, specs, named, unknown_fill=from_weights is not None)
    return LayerPlan(layer.name, layer.type, tops, params, made.setup_draws, layer, inner)


def _plan_inner_net(layer: LayerParameter, net: NetParameter, build: Profile) -> NetPlan:
    """The net a layer builds in its setup, planned as Net::Init plans any net: no include
    rules or shape rules apply, its phase is its own NetState's (TEST unless set), and its
    blobs and named params are its own. Errors name the layer that builds it."""
    blobs = _NetBlobs({})
    named: dict[str, _NamedParam] = {}
    at = LayerSource("", 0, 0, Fields(Block()))
    net_types = frozenset(inner.type for inner in net.layer)
    plans = []
    try:
        for inner in net.layer:
            plans.append(_plan_layer(inner, at, net.state.phase, blobs, named, None, net_types, build))
        _check_unique_names(plans)
    except FillerError as error:
        raise FillerError(f"layer {layer.name!r} ({layer.type}): its inner net: {error}") from None
    return NetPlan(net.name, tuple(plans))


def _owned_params(inner: NetPlan) -> tuple[BlobSpec, ...]:
    """RecurrentLayer::LayerSetUp's blobs: the inner net's params whose owner is themselves."""
    return tuple(BlobSpec(blob.shape, blob.filler) for blob in inner.blobs if blob.owner is None)


def _given_shapes(name: object, shapes: object) -> tuple[Shape, ...]:
    """given_blobs[name]: a list of blob shapes."""
    if not isinstance(shapes, Sequence) or isinstance(shapes, str):
        raise FillerError(
            f"given_blobs[{echo(repr(name))}]: {echo(repr(shapes))} is not a list of blob shapes"
        )
    return tuple(shape_of(shape) for shape in shapes)


def _definition_type(layer: LayerParameter) -> str:
    """The registry key of a layer: its type, or for a Python layer with a definition of its
    own, "Python:<module>.<layer>" (py-faster-rcnn's "Python:rpn.proposal_layer.ProposalLayer")."""
    if layer.type == "Python" and definition_of(_python_key(layer)) is not None:
        return _python_key(layer)
    return layer.type


def _python_key(layer: LayerParameter) -> str:
    return f"Python:{layer.python_param.module}.{layer.python_param.layer}"


def _located(message: str, layer: LayerParameter, at: LayerSource) -> str:
    """`message` with the layer's file:line:column and name in front, unless already there."""
    if f"layer {layer.name!r}" not in message and f"layer {layer.name}" not in message:
        message = f"layer {layer.name!r} ({layer.type}): {message}"
    where = at.where
    return f"{where}: {message}" if where and not message.startswith(where) else message


def _checked_input_shapes(input_shapes: Mapping[str, Sequence[int]] | None) -> dict[str, Shape]:
    """input_shapes as {top name: shape}, each a blob shape Caffe would accept."""
    if input_shapes is not None and not isinstance(input_shapes, Mapping):
        raise FillerError(f"input_shapes: {echo(repr(input_shapes))} is not a mapping of top names to shapes")
    checked = {}
    for name, shape in (input_shapes or {}).items():
        if not isinstance(name, str):
            raise FillerError(f"input_shapes: the key {echo(repr(name))} is not a top name (a str)")
        try:
            checked[name] = shape_of(shape)
            count_of(checked[name])
        except FillerError as error:
            raise FillerError(f"input_shapes[{echo(repr(name))}]: {error}") from None
    return checked


def _legacy_input_layers(net: NetParameter) -> list[LayerParameter]:
    """UpgradeNetInput: the deprecated net-level input/input_shape/input_dim become an Input
    layer named "input" ahead of every other; inputs without shapes are simply dropped."""
    if not (net.input_shape or net.input_dim):
        return []
    if net.input_shape and len(net.input_shape) != len(net.input):
        raise FillerError("Exactly one input_shape must be specified per input.")
    if not net.input_shape and len(net.input_dim) != 4 * len(net.input):
        raise FillerError("Incorrect input blob dimension specifications.")
    layer = LayerParameter(name="input", type="Input", top=net.input)
    for i in range(len(net.input)):
        dims = net.input_shape[i].dim if net.input_shape else net.input_dim[4 * i : 4 * i + 4]
        layer.input_param.shape.add().dim.extend(dims)
    return [layer]


def _with_phase(layer: LayerParameter, phase: int) -> LayerParameter:
    """Net::Init: a layer without its own phase takes the net's (data layers read it)."""
    if layer.HasField("phase"):
        return layer
    phased = LayerParameter()
    phased.CopyFrom(layer)
    phased.phase = phase
    return phased


def _append_params(
    layer: LayerParameter,
    specs: Sequence[BlobSpec],
    named: dict[str, _NamedParam],
    unknown_fill: bool = False,
) -> tuple[ParamBlob, ...]:
    """Net::AppendParam for each blob of the layer: a blob whose ParamSpec names a param seen
    before shares that param's values; its shape (or, PERMISSIVE, its count) must match, and
    any lr_mult/decay_mult it sets must agree."""
    if len(layer.param) > len(specs):
        raise FillerError(f"Too many params specified for layer {layer.name}")
    blobs = []
    for index, spec in enumerate(specs):
        blob = ParamBlob(layer.name, layer.type, index, spec.shape, spec.filler, unknown_fill=unknown_fill)
        param_spec = layer.param[index] if index < len(layer.param) else ParamSpec()
        name = param_spec.name
        if name and name in named:
            shared = named[name]
            _check_sharing(blob, param_spec, shared)
            blob = dataclasses.replace(blob, owner=(shared.blob.layer, shared.blob.index))
        elif name:
            named[name] = _NamedParam(
                blob, _multiplier(param_spec, "lr_mult"), _multiplier(param_spec, "decay_mult")
            )
        blobs.append(blob)
    return tuple(blobs)


def _multiplier(param_spec: ParamSpec, field: str) -> float | None:
    return getattr(param_spec, field) if param_spec.HasField(field) else None


def _check_sharing(blob: ParamBlob, param_spec: ParamSpec, shared: _NamedParam) -> None:
    """AppendParam's checks on a blob sharing `shared`'s param."""
    owner = shared.blob
    where = (
        f"layer {blob.layer!r} param {param_spec.name!r} (owned by layer {owner.layer!r} blob {owner.index})"
    )
    if param_spec.share_mode == ParamSpec.PERMISSIVE:
        if math.prod(blob.shape) != math.prod(owner.shape):
            raise FillerError(
                f"{where}: Shared parameter blobs must have the same count: "
                f"{list(blob.shape)} vs. {list(owner.shape)}"
            )
    elif blob.shape != owner.shape:
        raise FillerError(
            f"{where}: shape {list(blob.shape)} differs from the owner's {list(owner.shape)} "
            "[Check failed: this_blob->shape() == owner_blob->shape()]"
        )
    for field in ("lr_mult", "decay_mult"):
        value = _multiplier(param_spec, field)
        if value is None:
            continue
        agreed = getattr(shared, field)
        if agreed is not None and agreed != value:
            raise FillerError(f"{where}: Shared param '{param_spec.name}' has mismatched {field}.")
        setattr(shared, field, value)


def _check_unique_names(plans: Sequence[LayerPlan]) -> None:
    """The result maps layer names to blobs: two layers with blobs may not share a name."""
    seen = set()
    for plan in plans:
        if plan.blobs:
            if plan.name in seen:
                raise FillerError(f"two layers with blobs are named {plan.name!r}: their blobs would collide")
            seen.add(plan.name)
