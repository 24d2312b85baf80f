"""Caffe's Net::Init, for parameters: which layers a net keeps, the blobs each one creates with
their fillers, and their values on Caffe's stream.

Two steps, as Caffe's own: `plan_net` walks the net (filtering, shape inference, shared
params) without drawing anything, so a bad net fails before the stream moves; `fill_net`
then runs the setups' draws and fills in net order. `init_net` does both.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .._proto.filler_pb2 import FillerParameter, LayerParameter, NetParameter, ParamSpec
from ..errors import FillerError
from ..fill.blob import allocate, count_of, counter_mode_limits, shape_of, supported_dtype
from ..fill.filler import Filler
from ..fill.registry import get_filler
from ..io.limits import echo
from ..io.texttree import Block
from ..random.draws import Stream, profile_of, rewound_on_error, stream_for
from ..stream.caffe import CaffeRNG
from ..stream.counter import CounterRNG
from ..stream.profiles import DEFAULT_PROFILE, Profile, get_profile
from ..weights.finetune import TargetLayer, WeightsLike, apply_copies, planned_copies, weight_files
from .layers import BlobSpec, LayerKind, Shape, ShapeRule, layer_kind, setup_layer
from .layers.registry import Layer, definition_of, given_flag, input_flag
from .netparam import NetSource, PhaseLike, layer_fillers, layer_included, net_state
from .params import NetParams
from .source import Fields, LayerSource, block_holds_filler, read_net_file


@dataclass(frozen=True)
class ParamBlob:
    """One learnable blob of a net, as Net::Init creates it.

    `index` is its place among the layer's blobs (weight 0, bias 1, ...). `filler` filled it
    (None: zeroed without a filler, as BatchNorm's statistics). `owner` is the (layer, index)
    whose values it takes when it shares a named param; it is still filled first, as in
    Caffe, so the stream moves for it.
    """

    layer: str
    layer_type: str
    index: int
    shape: Shape
    filler: FillerParameter | None
    owner: tuple[str, int] | None = None


@dataclass(frozen=True)
class LayerPlan:
    """One layer of the net as set up: its tops' shapes (None where data we lack decides),
    its blobs, the raw outputs its setup draws before filling them, and its LayerParameter
    as Net::Init holds it (phase set), which a .caffemodel writes back."""

    name: str
    type: str
    tops: tuple[tuple[str, Shape | None], ...]
    blobs: tuple[ParamBlob, ...]
    setup_draws: int
    param: LayerParameter | None = None


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

    def bottoms(self, layer: LayerParameter, kind: LayerKind) -> list[Shape | None]:
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
                raise FillerError(
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


def init_net(
    net: NetSource,
    *,
    phase: PhaseLike = "TRAIN",
    seed: int | None = None,
    rng: Stream | None = None,
    input_shapes: Mapping[str, Sequence[int]] | None = None,
    dtype: object = np.float32,
    level: int = 0,
    stages: Iterable[str] = (),
    shape_rules: Mapping[str, ShapeRule] | None = None,
    weights: WeightsLike | None = None,
    profile: str | Profile | None = None,
) -> NetParams:
    """Every learnable blob of a Caffe net, with the values Caffe's Net constructor gives them,
    then, with `weights`, the trained blobs `caffe train --weights` copies over them.

    Args:
      net: a NetParameter, a path (str or os.PathLike) of a prototxt file, or prototxt text.
      phase, level, stages: the NetState that include/exclude rules are checked against.
      seed: fill on a fresh stream, the one Caffe::set_random_seed(seed) installs; the global
        stream is left alone. rng: a CaffeRNG to continue, or a numpy Generator (numpy's
        bits and speed; data layers' setup draws are then skipped), or a CounterRNG (each
        blob from its own counter stream keyed "<layer>/<index>", `rng.child`, so every
        blob, and every block of one, can be computed alone: see `fillers.dask.init_net`).
        Neither: the global stream (see `fillers.set_random_seed`).
      input_shapes: shapes for the tops of layers without bottoms, by top name, e.g.
        {"data": (64, 1, 28, 28)}. Required for data that Caffe reads from files (a Data
        layer's images, an HDF5Data layer's tops) where a layer needs its shape and the
        source is not on disk. A shape that contradicts a dimension the prototxt fixes
        (batch_size, crop_size, an Input or MemoryData shape) is an error naming both, and
        so is a name no such top has.
      dtype: np.float32 (Net<float>) or np.float64 (Net<double>).
      shape_rules: how layer types fillers does not know map shapes, by type: "same" (each
        top shaped like bottom 0) or a function (layer, bottom_shapes) -> top_shapes, called
        with the LayerParameter and a list of shape tuples. Only for types without learnable
        blobs, and refused for a layer whose parameters hold a filler. A layer of an unknown
        type without bottoms needs no rule when input_shapes gives all its tops (a Python data
        layer, say). Layer types of forks and plugins: `fillers.register_layer`.
      weights: trained blobs to start from, as `caffe train --weights` gives them: a path
        (.caffemodel, .caffemodel.h5, .npz, .safetensors), a mapping {layer: [array, ...]},
        a list of these, or comma-separated paths, copied in order. Every layer is filled
        first (the stream moves exactly as without weights); then each layer of a weights
        file whose name the net has takes the file's blobs (Net::CopyTrainedLayersFrom:
        the first net layer of that name, whatever its type; layers the net lacks are
        ignored; blob counts and shapes must match, else Caffe's error text). Every file is
        read and checked before the first draw. A shared blob takes the value last copied
        into it.
      profile: the Caffe build to reproduce (see `fillers.profiles()`): the fresh stream's
        for `seed`; with `rng` or the global stream it must be theirs (else FillerError).

    Returns:
      {layer name: [blob, ...]} in net order, for each layer that has blobs, in Caffe's blobs
      order (weight, bias, ...). A blob that shares a named param is a view of its owner's.
      The mapping is a `NetParams`: `.types[layer]` is the layer's type ("Convolution") and
      `.roles[layer]` names its blobs (("weight", "bias"); see `fillers.params.blob_roles`).

    >>> params = init_net('''
    ...     layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 } } }
    ...     layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip"
    ...             inner_product_param { num_output: 4 weight_filler { type: "xavier" } } }''', seed=1)
    >>> [blob.shape for blob in params["ip"]], params.types["ip"], params.roles["ip"]
    ([(4, 3), (4,)], 'InnerProduct', ('weight', 'bias'))
    """
    stream = _stream(seed, rng, profile)
    build = profile_of(stream, profile)
    with counter_mode_limits(isinstance(rng, CounterRNG)):
        plan = plan_net(
            net,
            phase=phase,
            level=level,
            stages=stages,
            input_shapes=input_shapes,
            shape_rules=shape_rules,
            profile=build,
        )
    copies = [] if weights is None else planned_copies(target_layers(plan), weight_files(weights))
    params = fill_net(plan, rng=stream, dtype=dtype, profile=build)
    apply_copies(params, copies)
    return params


def target_layers(plan: NetPlan) -> list[TargetLayer]:
    """The net's layers as weights files see them: name, blob shapes, shared blobs."""
    return [
        TargetLayer(
            layer.name,
            tuple(blob.shape for blob in layer.blobs),
            tuple(blob.owner is not None for blob in layer.blobs),
        )
        for layer in plan.layers
    ]


def plan_net(
    net: NetSource,
    *,
    phase: PhaseLike = "TRAIN",
    level: int = 0,
    stages: Iterable[str] = (),
    input_shapes: Mapping[str, Sequence[int]] | None = None,
    shape_rules: Mapping[str, ShapeRule] | None = None,
    profile: str | Profile | None = None,
) -> NetPlan:
    """The layers Caffe's Net::Init sets up for this state, with every learnable blob's shape,
    filler and sharing, without drawing anything. Arguments as for `init_net`."""
    if shape_rules is not None and not isinstance(shape_rules, Mapping):
        raise FillerError(f"shape_rules: {echo(repr(shape_rules))} is not a mapping of layer types to rules")
    build = get_profile(profile)
    source = read_net_file(net)
    param = source.param
    if not param.layer and not param.input:
        raise FillerError(
            f"{source.path or 'the net'}: the net has no layers (is this a filler spec rather than a net?)"
        )
    state = net_state(param, phase, level, stages)
    blobs = _NetBlobs(_checked_input_shapes(input_shapes))
    named: dict[str, _NamedParam] = {}
    plans = []
    legacy = LayerSource(source.path, 0, 0, Fields(Block()))
    kept = [(layer, legacy) for layer in _legacy_input_layers(param)]
    kept += [
        (layer, at)
        for layer, at in zip(param.layer, source.layers, strict=True)
        if layer_included(layer, state)
    ]
    net_types = frozenset(layer.type for layer, _ in kept)
    for layer, at in kept:
        try:
            plans.append(_plan_layer(layer, at, state.phase, blobs, named, shape_rules, net_types, build))
        except FillerError as error:
            raise FillerError(_located(str(error), layer, at)) from None
    blobs.check_all_inputs_used()
    _check_unique_names(plans)
    return NetPlan(param.name, tuple(plans))


def _plan_layer(
    layer: LayerParameter,
    at: LayerSource,
    phase: int,
    blobs: _NetBlobs,
    named: dict[str, _NamedParam],
    shape_rules: Mapping[str, ShapeRule] | None,
    net_types: frozenset[str] = frozenset(),
    build: Profile = DEFAULT_PROFILE,
) -> LayerPlan:
    """One layer of Net::Init: its definition, its setup, its params appended."""
    tops_given = bool(layer.top) and not layer.bottom and all(top in blobs.input_shapes for top in layer.top)
    holds_filler = block_holds_filler(at.fields.block) or bool(layer_fillers(layer))
    try:
        kind = layer_kind(
            _definition_type(layer),
            shape_rules,
            tops_given=tops_given,
            holds_filler=holds_filler,
            has_bottoms=bool(layer.bottom),
        )
    except FillerError as error:
        if layer.type != "Python":
            raise
        raise FillerError(
            f"{error}; a definition of this Python layer is registered as {_python_key(layer)!r}"
        ) from None
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
    for index, spec in enumerate(made.blobs):
        if spec.filler is not None:
            try:
                # The dtype-independent checks, here where the error can name file:line.
                get_filler(spec.filler).for_profile(build).check(spec.shape, np.dtype(np.float32))
            except FillerError as error:
                raise FillerError(f"layer {layer.name!r} ({layer.type}) blob {index}: {error}") from None
    tops = blobs.add_tops(layer, made.tops)
    params = _append_params(layer, made.blobs, named)
    return LayerPlan(layer.name, layer.type, tops, params, made.setup_draws, layer)


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


def fill_net(
    plan: NetPlan,
    *,
    seed: int | None = None,
    rng: Stream | None = None,
    dtype: object = np.float32,
    progress: Callable[[int, int, str], None] | None = None,
    profile: str | Profile | None = None,
) -> NetParams:
    """Fill a planned net: each layer's setup draws, then its blobs, in net order; shared
    blobs then take their owners' values. `seed`, `rng`, `dtype` and `profile` as for `init_net`;
    `progress(done, total, layer_name)` is called before each layer with blobs.

    Every filler is built and checked against its blob before the first draw, so a failure
    leaves the stream as it was. A failure after that (an interrupt) rewinds the stream to
    where it stood before the net, as a failed fill does.
    """
    stream = _stream(seed, rng, profile)
    build = profile_of(stream, profile)
    dtype = supported_dtype(dtype)
    with counter_mode_limits(isinstance(stream, CounterRNG)):
        built = checked_fillers(plan, dtype, build)
    params = NetParams()
    total = sum(1 for layer in plan.layers if layer.blobs)
    done = 0
    with rewound_on_error(stream):
        for layer in plan.layers:
            if layer.setup_draws and isinstance(stream, CaffeRNG):
                stream.random_raw(layer.setup_draws)
            if layer.blobs:
                if progress is not None:
                    progress(done, total, layer.name)
                done += 1
                params.add(
                    layer.name,
                    layer.type,
                    [
                        allocate(blob.shape, dtype, zeroed=True)
                        if blob.filler is None
                        else built[blob.layer, blob.index].fill(
                            blob.shape, dtype=dtype, rng=blob_stream(stream, blob)
                        )
                        for blob in layer.blobs
                    ],
                )
    share_owned_blobs(plan, params)
    return params


def share_owned_blobs(plan: NetPlan, params: NetParams) -> None:
    """Point each shared blob (a named `param` another layer owns) at its owner's values,
    reshaped to its own shape, as Net::ShareWeights does; `params` holds the owners' values."""
    for blob in plan.blobs:
        if blob.owner is not None:
            owner_layer, owner_index = blob.owner
            params[blob.layer][blob.index] = params[owner_layer][owner_index].reshape(blob.shape)


def checked_fillers(
    plan: NetPlan, dtype: np.dtype, build: Profile = DEFAULT_PROFILE
) -> dict[tuple[str, int], Filler]:
    """The filler of every blob that has one, by (layer, index), as the build `build` runs it,
    each checked against its blob (a failure names the layer and blob)."""
    built = {}
    for blob in plan.blobs:
        if blob.filler is not None:
            filler = built[blob.layer, blob.index] = get_filler(blob.filler).for_profile(build)
            try:
                filler.check(blob.shape, dtype)
            except FillerError as error:
                raise FillerError(
                    f"layer {blob.layer!r} ({blob.layer_type}) blob {blob.index}: {error}"
                ) from None
    return built


def blob_stream(stream: Stream, blob: ParamBlob) -> Stream:
    """The stream a blob fills from: a counter stream keyed "<layer>/<index>" under a
    CounterRNG's key, else the net's one sequential stream."""
    return stream.child(f"{blob.layer}/{blob.index}") if isinstance(stream, CounterRNG) else stream


def _stream(seed: int | None, rng: Stream | None, profile: str | Profile | None = None) -> Stream:
    """The stream a net fills from: a fresh one for `seed` (of `profile`), `rng`, or the
    global stream."""
    if seed is not None and rng is not None:
        raise FillerError("give seed or rng, not both")
    return CaffeRNG(seed, profile) if seed is not None else stream_for(rng)


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
    layer: LayerParameter, specs: Sequence[BlobSpec], named: dict[str, _NamedParam]
) -> tuple[ParamBlob, ...]:
    """Net::AppendParam for each blob of the layer: a blob whose ParamSpec names a param seen
    before shares that param's values; its shape (or, PERMISSIVE, its count) must match, and
    any lr_mult/decay_mult it sets must agree."""
    if len(layer.param) > len(specs):
        raise FillerError(f"Too many params specified for layer {layer.name}")
    blobs = []
    for index, spec in enumerate(specs):
        blob = ParamBlob(layer.name, layer.type, index, spec.shape, spec.filler)
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
