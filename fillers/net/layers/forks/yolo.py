"""The YOLO Caffe of MobileNet-YOLO (eric612/MobileNet-YOLO, an SSD-based Caffe; the darknet
conversions of ChenYingpeng/caffe-yolov3 run on it): Upsample, Reorg and the YOLO losses and
detection outputs."""

from __future__ import annotations

from collections.abc import Sequence

from ..blob import LayerSetup, Shape, c_div, legacy_dim, require
from ..registry import Layer, register_layer
from .base import fork, one
from .ssd import SSD_TYPES
from .variants import register_variant

YOLO = fork(
    "mobilenet-yolo",
    "eric612/MobileNet-YOLO",
    "69b4441cb3ec8d553fbdef788ad033e246f901bd",
    (
        "AssistedExcitation GaussianYolov3 HardSigmoid LaneData RegionLoss Reorg SegmentationEvaluate "
        "Upsample YoloDetectionOutput YoloSeg Yolov3 Yolov3DetectionOutput Axpy DepthwiseConvolution ReLU6 "
    )
    + SSD_TYPES,
)


# Its header's MinBottomBlobs/MaxBottomBlobs are not Layer's MinNumBottomBlobs, so Caffe
# counts no bottoms; the layer reads bottom 0.
@register_variant(
    "Upsample",
    YOLO,
    blocks={"upsample_param": ("scale",)},
    bottoms=(1, None),
    makes="each of the last two axes times scale (default 1), from bottom 0",
)
def upsample(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """UpsampleLayer: the bottom with its last two axes multiplied by `scale`."""
    bottom = bottoms[0]
    require(len(bottom) >= 2, "Upsample takes a bottom of at least 2 axes")
    scale = one(layer.upsample_param, "scale", 1)
    return LayerSetup(tops=((*bottom[:-2], bottom[-2] * scale, bottom[-1] * scale),))


@register_layer("Reorg", origin=YOLO.origin)
def reorg(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """ReorgLayer (space to depth): (N, C * s * s, H / s, W / s), or with reverse
    (N, C / (s * s), H * s, W * s); integer divisions as C++'s."""
    param = layer.reorg_param
    require("stride" in param, "Reorg Layer needs stride param.")
    stride = one(param, "stride", 0)
    require(stride > 0, f"reorg_param.stride: {stride} must be positive")
    num, channels, height, width = (legacy_dim(bottoms[0], i) for i in range(4))
    if one(param, "reverse", False):
        top = (num, c_div(channels, stride * stride), height * stride, width * stride)
    else:
        top = (num, channels * stride * stride, c_div(height, stride), c_div(width, stride))
    return LayerSetup(tops=(top,))


def _loss(layer: Layer, bottoms: Sequence[Shape | None], num_tops: int) -> LayerSetup:
    """A YOLO loss (a LossLayer): the scalar loss; no blobs, no draws at setup."""
    return LayerSetup(tops=((),)[:num_tops])


for _type in ("Yolov3", "RegionLoss"):
    register_layer(_type, bottoms=2, tops=(0, 1), shape_free=True, origin=YOLO.origin)(_loss)


@register_layer("Yolov3DetectionOutput", bottoms=(1, None), origin=YOLO.origin)
def yolov3_detection_output(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """Yolov3DetectionOutputLayer: (1, 1, 1, 7) at setup, as SSD's DetectionOutput."""
    return LayerSetup(tops=((1, 1, 1, 7),))
