"""Layers whose tops keep their bottoms' shapes, and the loss, accuracy and sink layers."""

from __future__ import annotations

from collections.abc import Sequence

from ..._proto.filler_pb2 import EltwiseParameter, LayerParameter
from .blob import LayerSetup, Shape, canonical_axis, require, shape_string


def same_shape(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """Neuron layers (ReLU, Dropout, ...), MVN and Split: every top is shaped like bottom[0]."""
    return LayerSetup(tops=(bottoms[0],) * num_tops)


def softmax(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """SoftmaxLayer: shaped like its bottom, whose `axis` must exist."""
    canonical_axis(bottoms[0], layer.softmax_param.axis)
    return same_shape(layer, bottoms, num_tops)


def lrn(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """LRNLayer: an odd window over a 4-D bottom, shaped like it."""
    require(layer.lrn_param.local_size % 2 == 1, "LRN only supports odd values for local_size")
    require(len(bottoms[0]) == 4, "Input must have 4 axes, corresponding to (num, channels, height, width)")
    return same_shape(layer, bottoms, num_tops)


def eltwise(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """EltwiseLayer: bottoms of one shape, one coefficient each if any (SUM only)."""
    param = layer.eltwise_param
    require(len(param.coeff) in (0, len(bottoms)), "Eltwise Layer takes one coefficient per bottom blob.")
    require(
        not (param.operation == EltwiseParameter.PROD and param.coeff),
        "Eltwise layer only takes coefficients for summation.",
    )
    for i, bottom in enumerate(bottoms[1:], 1):
        require(
            bottom == bottoms[0],
            f"bottom[0]: {shape_string(bottoms[0])}, bottom[{i}]: {shape_string(bottom)}",
        )
    return same_shape(layer, bottoms, num_tops)


def filter_(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """FilterLayer: the last bottom selects items; at setup each top keeps its bottom's shape."""
    *filtered, selector = bottoms
    require(num_tops == len(filtered), f"{num_tops} tops for {len(filtered)} filtered bottoms")
    require(
        all(dim == 1 for dim in selector[1:]),
        "Selector blob dimensions must be singletons (1), except the first",
    )
    require(
        all(bottom[:1] == selector[:1] for bottom in filtered),
        "Each bottom should have the same 0th dimension as the selector blob",
    )
    return LayerSetup(tops=tuple(filtered))


def batch_reindex(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """BatchReindexLayer: bottom[0]'s items, as many as bottom[1] indexes."""
    data, permutation = bottoms
    require(len(permutation) == 1, f"the index bottom must be 1-D; got {shape_string(permutation)}")
    return LayerSetup(tops=((permutation[0], *data[1:]),))


def loss(layer: LayerParameter, bottoms: Sequence[Shape | None], num_tops: int) -> LayerSetup:
    """Loss layers: a scalar loss, then (SoftmaxWithLoss, InfogainLoss) bottom[0]'s shape.

    The bottoms may be unknown (a label read from a data source): the loss's shape does not
    depend on them.
    """
    return LayerSetup(tops=((), bottoms[0])[:num_tops])


def accuracy(layer: LayerParameter, bottoms: Sequence[Shape | None], num_tops: int) -> LayerSetup:
    """AccuracyLayer: a scalar accuracy, then one accuracy per class of bottom[0]'s `axis`."""
    scores = bottoms[0]
    per_class = None if scores is None else (scores[canonical_axis(scores, layer.accuracy_param.axis)],)
    return LayerSetup(tops=((), per_class)[:num_tops])


def sink(layer: LayerParameter, bottoms: Sequence[Shape | None], num_tops: int) -> LayerSetup:
    """Silence and HDF5Output: they consume bottoms and make nothing."""
    return LayerSetup(tops=())
