"""R-FCN's Caffes: daijifeng001/caffe-rfcn, and Microsoft/caffe, which py-R-FCN's OHEM nets
are written for (its losses keep each RoI's loss for BoxAnnotatorOHEM to rank)."""

from __future__ import annotations

from collections.abc import Sequence

from ..blob import LayerSetup, Shape, canonical_axis, count, legacy_dim, require
from ..registry import Layer, register_layer
from .base import fork, one
from .fast_rcnn import agreeing_bottoms

RFCN = fork(
    "rfcn",
    "daijifeng001/caffe-rfcn",
    "543f8f6a",
    "PSROIPooling BoxAnnotatorOHEM",
)

MICROSOFT = fork(
    "microsoft",
    "Microsoft/caffe (py-R-FCN's Caffe)",
    "1a2be8ecf9ba318d516d79187845e90ac6e73197",
    "BoxAnnotatorOHEM PSROIPooling ROIPooling SmoothL1Loss SmoothL1LossOHEM SoftmaxWithLossOHEM",
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


@register_layer("SmoothL1LossOHEM", bottoms=(2, 3), tops=(0, 2), shape_free=True, origin=MICROSOFT.origin)
def smooth_l1_loss_ohem(layer: Layer, bottoms: Sequence[Shape | None], num_tops: int) -> LayerSetup:
    """SmoothL1LossOHEMLayer: a scalar loss, then the per-instance loss (N, 1, H, W)."""
    agreeing_bottoms(bottoms)
    first = bottoms[0]
    per_instance = (
        None if first is None else (legacy_dim(first, 0), 1, legacy_dim(first, 2), legacy_dim(first, 3))
    )
    return LayerSetup(tops=((), per_instance)[:num_tops])


@register_layer("BoxAnnotatorOHEM", bottoms=4, tops=2, origin=f"{RFCN.origin}; {MICROSOFT.origin}")
def box_annotator_ohem(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """BoxAnnotatorOHEMLayer: from the per-RoI losses, labels (N, 1, H, W) and bbox loss
    weights (N, bbox channels, H, W); bottom 0 is the rois (N, 5, H, W)."""
    param = layer.box_annotator_ohem_param
    require("roi_per_img" in param, "box_annotator_ohem_param.roi_per_img is required")
    require(one(param, "roi_per_img", 0) > 0, "Check failed: roi_per_img_ > 0")
    rois = bottoms[0]
    num, height, width = legacy_dim(rois, 0), legacy_dim(rois, 2), legacy_dim(rois, 3)
    require(legacy_dim(rois, 1) == 5, "Check failed: 5 == bottom[0]->channels()")
    for index, bottom in enumerate(bottoms[1:], start=1):
        require(
            legacy_dim(bottom, 0) == num
            and (legacy_dim(bottom, 2), legacy_dim(bottom, 3)) == (height, width),
            f"Check failed: bottom[{index}] matches the rois' num, height and width",
        )
        if index < 3:
            require(legacy_dim(bottom, 1) == 1, f"Check failed: bottom[{index}]->channels() == 1")
    return LayerSetup(tops=((num, 1, height, width), (num, legacy_dim(bottoms[3], 1), height, width)))


@register_layer("SoftmaxWithLossOHEM", bottoms=2, tops=(0, 3), origin=MICROSOFT.origin)
def softmax_with_loss_ohem(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """SoftmaxWithLossOHEMLayer: the loss (), the probabilities shaped like the scores, and
    each instance's loss shaped like the labels; one label per outer x inner position."""
    scores, labels = bottoms
    axis = canonical_axis(scores, layer.softmax_param.axis)
    require(
        scores[0] == labels[0] if scores and labels else True,
        "The data and label should have the same first dimension.",
    )
    require(
        count(scores, 0, axis) * count(scores, axis + 1) == count(labels),
        "Number of labels must match number of predictions; e.g., if softmax axis == 1 and prediction "
        "shape is (N, C, H, W), label count (number of labels) must be N*H*W, with integer values in "
        "{0, 1, ..., C-1}.",
    )
    return LayerSetup(tops=((), scores, labels)[:num_tops])
