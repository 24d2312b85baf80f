"""The built-in BVLC Caffe layers as registry definitions, and `setup_layer`: one layer's
Layer::SetUp, for shapes.

Built-ins, fork layers (`forks`) and plugins are all entries of one registry (`registry`).
A layer type without a definition is refused by name, unless it has no learnable blobs
and the caller says how it maps shapes with a shape rule: "same" (every top is shaped like
bottom 0) or a function `(layer, bottom_shapes) -> top_shapes`. A layer whose parameters
hold a filler has blobs, so no shape rule can stand in for it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from ..._proto.filler_pb2 import FillerParameter, LayerParameter, NetParameter
from ...errors import FillerError, did_you_mean
from ...fill.blob import count_of, shape_of
from . import elementwise, learnable, pooling, recurrent, reshaping, sources
from .blob import BlobSpec, LayerSetup, PartialShape, Shape, require
from .registry import (
    UNSUPPORTED,
    Count,
    Layer,
    LayerDefinition,
    SetupFunction,
    Undecided,
    UnknownType,
    define,
    define_hint,
    definition_of,
    registered_layers,
    rule_flag,
    ways_forward,
)

ShapeRule = str | Callable[[LayerParameter, list[Shape]], Sequence[Sequence[int]]]

_ANY: Count = (0, None)
_WEIGHT_BIAS = ("weight", "bias")


_NEURONS = ("AbsVal", "BNLL", "Clip", "Dropout", "ELU", "Exp", "Log", "MVN", "Power", "ReLU")
_NEURONS += ("Sigmoid", "Swish", "TanH", "Threshold")
# Loss layers: bottoms; any top beyond the loss is optional (SoftmaxWithLoss's
# probabilities), and Caffe adds the loss top itself when the net names none.
_LOSSES: dict[str, tuple[Count, Count]] = {
    "ContrastiveLoss": ((3, 3), (0, 1)),
    "EuclideanLoss": ((2, 2), (0, 1)),
    "HingeLoss": ((2, 2), (0, 1)),
    "InfogainLoss": ((2, 3), (0, 2)),
    "MultinomialLogisticLoss": ((2, 2), (0, 1)),
    "SigmoidCrossEntropyLoss": ((2, 2), (0, 1)),
    "SoftmaxWithLoss": ((2, 2), (0, 2)),
}
LOSS_TYPES = frozenset(_LOSSES)
"""Caffe's LossLayer subclasses: their setup gives a loss top the default loss_weight 1."""

BVLC_LAYERS: dict[str, LayerDefinition] = {
    "Convolution": LayerDefinition(learnable.convolution, (1, None), (1, None), True, roles=_WEIGHT_BIAS),
    "Deconvolution": LayerDefinition(learnable.deconvolution, (1, None), (1, None), True, roles=_WEIGHT_BIAS),
    "InnerProduct": LayerDefinition(learnable.inner_product, roles=_WEIGHT_BIAS),
    "Embed": LayerDefinition(learnable.embed, roles=_WEIGHT_BIAS),
    "PReLU": LayerDefinition(learnable.prelu, roles=("slope",)),
    "Scale": LayerDefinition(learnable.scale, bottoms=(1, 2), roles=("scale", "bias")),
    "Bias": LayerDefinition(learnable.bias, bottoms=(1, 2), roles=("bias",)),
    "BatchNorm": LayerDefinition(learnable.batch_norm, roles=("mean", "variance", "scale_factor")),
    "Parameter": LayerDefinition(learnable.parameter, bottoms=(0, 0)),
    # The bottom and top counts depend on expose_hidden: the setup checks them.
    "LSTM": LayerDefinition(recurrent.lstm, bottoms=(2, None), tops=(1, None)),
    "RNN": LayerDefinition(recurrent.rnn, bottoms=(2, None), tops=(1, None)),
    "LSTMUnit": LayerDefinition(recurrent.lstm_unit, bottoms=(3, 3), tops=(2, 2)),
    "Im2col": LayerDefinition(reshaping.im2col),
    "Pooling": LayerDefinition(pooling.pooling, tops=(1, 2)),
    "SPP": LayerDefinition(pooling.spp),
    "Concat": LayerDefinition(reshaping.concat, bottoms=(1, None)),
    "Slice": LayerDefinition(reshaping.slice_, tops=(1, None)),
    "Flatten": LayerDefinition(reshaping.flatten),
    "Reshape": LayerDefinition(reshaping.reshape),
    "Crop": LayerDefinition(reshaping.crop, bottoms=(2, 2)),
    "Tile": LayerDefinition(reshaping.tile),
    "Reduction": LayerDefinition(reshaping.reduction),
    "ArgMax": LayerDefinition(reshaping.argmax),
    "Softmax": LayerDefinition(elementwise.softmax),
    "LRN": LayerDefinition(elementwise.lrn),
    "Eltwise": LayerDefinition(elementwise.eltwise, bottoms=(2, None)),
    "Split": LayerDefinition(elementwise.same_shape, tops=(1, None)),
    "Filter": LayerDefinition(elementwise.filter_, bottoms=(2, None), tops=(1, None)),
    "BatchReindex": LayerDefinition(elementwise.batch_reindex, bottoms=(2, 2)),
    "Accuracy": LayerDefinition(elementwise.accuracy, (2, 2), (1, 2), shape_free=True),
    "Silence": LayerDefinition(elementwise.sink, (1, None), (0, 0), shape_free=True),
    "HDF5Output": LayerDefinition(elementwise.sink, (2, 2), (0, 0), shape_free=True),
    "Input": LayerDefinition(sources.input_, (0, 0), (1, None)),
    "DummyData": LayerDefinition(sources.dummy_data, (0, 0), (1, None)),
    "MemoryData": LayerDefinition(sources.memory_data, (0, 0), (2, 2)),
    "Data": LayerDefinition(sources.data, (0, 0), (1, 2)),
    "ImageData": LayerDefinition(sources.image_data, (0, 0), (2, 2)),
    "WindowData": LayerDefinition(sources.window_data, (0, 0), (2, 2)),
    "HDF5Data": LayerDefinition(sources.hdf5_data, (0, 0), (1, None)),
    **{name: LayerDefinition(elementwise.same_shape) for name in _NEURONS},
    **{name: LayerDefinition(elementwise.loss, *counts, shape_free=True) for name, counts in _LOSSES.items()},
}


for _type, _definition in BVLC_LAYERS.items():
    define(_type, _definition)


def layer_definition(
    layer_type: str,
    shape_rules: Mapping[str, ShapeRule] | None = None,
    *,
    tops_given: bool = False,
    holds_filler: bool = False,
    has_bottoms: bool = True,
) -> LayerDefinition:
    """The registry's definition of `layer_type`, or one made from the caller's shape rule.

    `tops_given`: the layer has no bottoms and the caller gives every top's shape, which
    makes a type without a definition acceptable (a Python data layer, say), as long as it
    has no blobs. `holds_filler`: the layer's parameters hold a FillerParameter, so it has
    blobs that no rule can lay out: an unknown type is then an error, whatever the rules say.
    """
    rule = (shape_rules or {}).get(layer_type)
    definition = definition_of(layer_type)
    if definition is not None or layer_type in UNSUPPORTED:
        if rule is not None:
            raise FillerError(
                f"{rule_flag(layer_type)}: {layer_type!r} is a layer type fillers lays out itself; "
                "rules are for types it does not know"
            )
        if definition is None:
            raise FillerError(f"layer type {layer_type!r} is not supported: {UNSUPPORTED[layer_type]}")
        return definition
    if holds_filler and (rule is not None or tops_given):
        raise FillerError(
            f"layer type {layer_type!r} has a filler in its parameters, so it has learnable blobs "
            f"that a shape rule or given top shapes would silently drop; "
            f"{define_hint(layer_type)}"
        )
    if rule is None:
        if tops_given:
            return _GIVEN_TOPS
        ways = ways_forward(layer_type, has_bottoms=has_bottoms)
        error = UnknownType(
            f"Unknown layer type: {layer_type!r}{did_you_mean(layer_type, registered_layers())}; {ways}",
            layer_type,
        )
        error.ways = ways
        raise error
    if callable(rule):
        return LayerDefinition(_ruled(rule), _ANY, _ANY, origin="shape rule")
    return _rule_kind(layer_type, rule)


def _rule_kind(layer_type: str, rule: object) -> LayerDefinition:
    """A shape rule as a definition without blobs: "same" (bottom 0), "bottom:K" (each top
    shaped like bottom K), or the top's dims ((1, 3, 224, 224) or "1,3,224,224")."""
    if rule == "same" or (isinstance(rule, str) and rule.startswith("bottom:") and rule[7:].isdigit()):
        index = 0 if rule == "same" else int(rule[7:])

        def like_bottom(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
            return LayerSetup(tops=(bottoms[index],) * num_tops)

        return LayerDefinition(like_bottom, (index + 1, None), _ANY, shape_free=False, origin="shape rule")
    try:
        dims = shape_of([int(d) for d in rule.split(",")] if isinstance(rule, str) else rule)
    except (FillerError, TypeError, ValueError):
        raise FillerError(
            f'{rule_flag(layer_type)}: {rule!r} is not "same", "bottom:K", the top\'s dims or a function'
        ) from None
    return LayerDefinition(
        lambda layer, bottoms, num_tops: LayerSetup(tops=(dims,) * num_tops), _ANY, _ANY, origin="shape rule"
    )


_GIVEN_TOPS = LayerDefinition(sources.unknown_shapes, (0, 0), _ANY, origin="given tops")


def _ruled(rule: Callable[[LayerParameter, list[Shape]], Sequence[Sequence[int]]]) -> SetupFunction:
    """A setup function from a caller's shape rule: its tops, no blobs."""

    def setup(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
        tops = tuple(shape_of(top) for top in rule(layer.message, list(bottoms)))
        require(len(tops) == num_tops, f"the shape rule gave {len(tops)} top shapes for {num_tops} tops")
        return LayerSetup(tops=tops)

    return setup


def setup_layer(
    kind: LayerDefinition, layer: LayerParameter | Layer, bottoms: Sequence[Shape | None]
) -> LayerSetup:
    """Layer::SetUp for shapes: the blob counts, the layer's own setup, then Blob::Reshape's
    checks on every shape it makes. Failures name the layer."""
    layer = layer if isinstance(layer, Layer) else Layer(layer)
    try:
        num_tops = len(layer.top)
        check_count(f"{layer.type} Layer takes", "bottom blob(s) as input.", len(bottoms), kind.bottoms)
        check_count(f"{layer.type} Layer produces", "top blob(s) as output.", num_tops, kind.tops)
        require(
            not kind.tops_follow_bottoms or num_tops == len(bottoms),
            f"{layer.type} Layer produces one top blob as output for each bottom blob input.",
        )
        made = kind.setup(layer, bottoms, num_tops)
        if not isinstance(made, LayerSetup):
            raise FillerError(f"the setup of {layer.type!r} returned {made!r}, not a fillers.LayerSetup")
        made = _normalized(made)
        require(len(made.tops) == num_tops, f"setup gave {len(made.tops)} top shapes for {num_tops} tops")
        for name, top in zip(layer.top, made.tops, strict=True):
            if top is not None and None not in top:
                _check_shape(top, f"top {name!r}")
        for index, blob in enumerate(made.blobs):
            _check_shape(blob.shape, f"blob {index}")
    except Undecided as error:
        raise error.retitled(f"layer {layer.name!r} ({layer.type}): {error}") from None
    except FillerError as error:
        raise FillerError(f"layer {layer.name!r} ({layer.type}): {error}") from None
    return made


def _normalized(made: LayerSetup) -> LayerSetup:
    """A plugin's LayerSetup with shapes as int tuples and blobs as BlobSpecs (lists accepted)."""
    tops = tuple(_top_shape(top) for top in made.tops)
    blobs = []
    for index, blob in enumerate(made.blobs):
        if not isinstance(blob, BlobSpec):
            raise FillerError(f"blob {index}: {blob!r} is not a fillers.BlobSpec")
        if blob.filler is not None and not isinstance(blob.filler, FillerParameter):
            raise FillerError(f"blob {index}: filler {blob.filler!r} is not a FillerParameter or None")
        blobs.append(BlobSpec(shape_of(blob.shape), blob.filler))
    draws = made.setup_draws
    require(isinstance(draws, int) and draws >= 0, f"setup_draws: {draws!r} is not a count")
    inner = made.inner_net
    if inner is not None:
        require(isinstance(inner, NetParameter), f"inner_net: {type(inner).__name__} is not a NetParameter")
        require(not blobs, "give blobs or inner_net, not both: an inner net's params are the layer's blobs")
    return LayerSetup(tops=tops, blobs=tuple(blobs), setup_draws=draws, inner_net=inner)


def _top_shape(top: object) -> Shape | PartialShape | None:
    """A top's shape: None (unknown), a shape, or a shape with None where data decides."""
    if top is None:
        return None
    if isinstance(top, (tuple, list)) and any(dim is None for dim in top):
        known = shape_of([0 if dim is None else dim for dim in top])
        return tuple(None if dim is None else known[i] for i, dim in enumerate(top))
    return shape_of(top)


def _check_shape(shape: Shape, what: str) -> None:
    """Blob::Reshape's checks on a shape setup made (no negative dims, count <= INT_MAX)."""
    try:
        count_of(shape)
    except FillerError as error:
        raise FillerError(f"{what}: {error}") from None


def check_count(subject: str, blobs: str, given: int, count: Count) -> None:
    """Layer::CheckBlobCounts, with its messages ("ReLU Layer takes 1 bottom blob(s) as input.")."""
    least, most = count
    if least == most:
        require(given == least, f"{subject} {least} {blobs}")
    require(given >= least, f"{subject} at least {least} {blobs}")
    require(most is None or given <= most, f"{subject} at most {most} {blobs}")
