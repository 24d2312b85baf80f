"""R-FCN's Caffe (daijifeng001/caffe-rfcn) and its OHEM loss."""

from __future__ import annotations

from collections.abc import Sequence

from ..blob import LayerSetup, Shape, legacy_dim, require
from ..registry import Layer, register_layer
from .base import fork, one
from .fast_rcnn import agreeing_bottoms

RFCN = fork(
    "rfcn",
    "daijifeng001/caffe-rfcn",
    "543f8f6a",
    "PSROIPooling BoxAnnotatorOHEM",
)


@register_layer("PSROIPooling", bottoms=2, origin=RFCN.origin)
def psroi_pooling(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """PSROIPoolingLayer: (rois, output_dim, group_size, group_size); its three fields are
    `required` in R-FCN's caffe.proto."""
    param = layer.psroi_pooling_param
    for name in ("spatial_scale", "output_dim", "group_size"):
        require(name in param, f"psroi_pooling_param.{name} is required")
    output_dim, group_size = one(param, "output_dim", 0), one(param, "group_size", 0)
    require(output_dim > 0, "output_dim must be > 0")
    require(group_size > 0, "group_size must be > 0")
    require(
        legacy_dim(bottoms[0], 1) == output_dim * group_size * group_size,
        "input channel number does not match layer parameters",
    )
    return LayerSetup(tops=((legacy_dim(bottoms[1], 0), output_dim, group_size, group_size),))


@register_layer(
    "SmoothL1LossOHEM", bottoms=(2, 3), tops=(0, 2), shape_free=True, origin="R-FCN OHEM caffe (Yi Li, 2016)"
)
def smooth_l1_loss_ohem(layer: Layer, bottoms: Sequence[Shape | None], num_tops: int) -> LayerSetup:
    """SmoothL1LossOHEMLayer: a scalar loss, then the per-instance loss (N, 1, H, W)."""
    agreeing_bottoms(bottoms)
    first = bottoms[0]
    per_instance = (
        None if first is None else (legacy_dim(first, 0), 1, legacy_dim(first, 2), legacy_dim(first, 3))
    )
    return LayerSetup(tops=((), per_instance)[:num_tops])
