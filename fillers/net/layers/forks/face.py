"""Face recognition Caffes: center loss (ydwen/caffe-face) and A-Softmax (wy1iu/sphereface,
tools/caffe-sphereface); caffe-windows carries both unchanged."""

from __future__ import annotations

from collections.abc import Sequence

from ..blob import BlobSpec, LayerSetup, Shape, canonical_axis, count, legacy_dim, require
from ..registry import Layer, register_layer
from .base import filler_or, fork, one

CAFFE_FACE = fork(
    "caffe-face",
    "ydwen/caffe-face",
    "48ff38e30dd303511ac6b5f9455474453fef2644",
    "CenterLoss",
)
SPHEREFACE = fork(
    "sphereface",
    "wy1iu/sphereface (tools/caffe-sphereface)",
    "f20b130a6e080bb51d2e46a9e157686df622bef3",
    "MarginInnerProduct",
)


@register_layer("CenterLoss", bottoms=2, origin=CAFFE_FACE.origin)
def center_loss(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """CenterLossLayer: one center per class, (num_output, K) with K = count(axis) of the
    features, filled by center_filler; the top is the scalar loss (LossLayer::Reshape)."""
    param = layer.center_loss_param
    features, labels = bottoms
    axis = canonical_axis(features, one(param, "axis", 1))
    centers = (one(param, "num_output", 0), count(features, axis))
    require(
        all(legacy_dim(labels, i) == 1 for i in (1, 2, 3)),
        "Check failed: bottom[1]->channels(), height() and width() == 1",
    )
    require(features[0] == labels[0], "The data and label should have the same first dimension.")
    return LayerSetup(tops=((),), blobs=(BlobSpec(centers, filler_or(param, "center_filler")),))


@register_layer("MarginInnerProduct", bottoms=2, tops=(1, 2), origin=SPHEREFACE.origin)
def margin_inner_product(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """MarginInnerProductLayer (A-Softmax): weight (num_output, K), no bias, filled by
    weight_filler; top 0 is the bottom's leading axes then num_output, top 1 lambda (1,)."""
    param = layer.margin_inner_product_param
    features, labels = bottoms
    require(
        legacy_dim(features, 0) == legacy_dim(labels, 0),
        "Number of labels must match number of output; DO NOT support multi-label this version.",
    )
    margin = one(param, "type", "SINGLE")
    require(
        margin in ("SINGLE", "DOUBLE", "TRIPLE", "QUADRUPLE"),
        f"margin_inner_product_param.type: {margin!r} is not SINGLE, DOUBLE, TRIPLE or QUADRUPLE",
    )
    axis = canonical_axis(features, one(param, "axis", 1))
    num_output = one(param, "num_output", 0)
    weight = BlobSpec((num_output, count(features, axis)), filler_or(param, "weight_filler"))
    return LayerSetup(tops=((*features[:axis], num_output), (1,))[:num_tops], blobs=(weight,))
