"""Fast/Faster R-CNN's Caffe (rbgirshick/caffe-fast-rcnn, branch faster-rcnn)."""

from __future__ import annotations

from collections.abc import Sequence

from ..blob import LayerSetup, Shape, legacy_dim, require
from ..registry import Layer, register_layer
from .base import fork, one

FAST_RCNN = fork(
    "fast-rcnn",
    "rbgirshick/caffe-fast-rcnn, branch faster-rcnn",
    "4115385d",
    "ROIPooling SmoothL1Loss",
)


@register_layer("ROIPooling", bottoms=2, origin=FAST_RCNN.origin)
def roi_pooling(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """ROIPoolingLayer: (rois, C, pooled_h, pooled_w)."""
    param = layer.roi_pooling_param
    pooled_h, pooled_w = one(param, "pooled_h", 0), one(param, "pooled_w", 0)
    require(pooled_h > 0, "pooled_h must be > 0")
    require(pooled_w > 0, "pooled_w must be > 0")
    return LayerSetup(tops=((legacy_dim(bottoms[1], 0), legacy_dim(bottoms[0], 1), pooled_h, pooled_w),))


def agreeing_bottoms(bottoms: Sequence[Shape | None]) -> list[Shape]:
    """The known bottoms of a smooth L1 loss, checked to agree on channels, height and width."""
    known = [bottom for bottom in bottoms if bottom is not None]
    for other in known[1:]:
        require(
            all(legacy_dim(other, i) == legacy_dim(known[0], i) for i in (1, 2, 3)),
            "Check failed: bottoms agree on channels, height and width",
        )
    return known


@register_layer("SmoothL1Loss", bottoms=(2, 4), tops=(0, 1), shape_free=True, origin=FAST_RCNN.origin)
def smooth_l1_loss(layer: Layer, bottoms: Sequence[Shape | None], num_tops: int) -> LayerSetup:
    """SmoothL1LossLayer: a scalar loss; with weights, both inside and outside ones."""
    require(len(bottoms) != 3, "If weights are used, must specify both inside and outside weights")
    agreeing_bottoms(bottoms)
    return LayerSetup(tops=((),)[:num_tops])
