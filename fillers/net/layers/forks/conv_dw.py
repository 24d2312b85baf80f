"""A MobileNet-SSD Caffe (canteen-man/MobileNet-SSD-Focal-loss): ConvolutionDepthwise."""

from __future__ import annotations

from collections.abc import Sequence

from ..blob import BlobSpec, LayerSetup, Shape, c_div, require
from ..registry import Layer, register_layer
from .base import fork

CONV_DW = fork(
    "mobilenet-ssd-focal",
    "canteen-man/MobileNet-SSD-Focal-loss",
    "e08aac17",
    "ConvolutionDepthwise",
)


@register_layer("ConvolutionDepthwise", origin=CONV_DW.origin)
def convolution_depthwise(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """ConvolutionDepthwiseLayer: one kernel per channel, whatever num_output and group say:
    weight (C, 1, kh, kw), bias (C,); top (N, C, H', W')."""
    param = layer.convolution_param
    bottom = bottoms[0]
    require(len(bottom) == 4, "ConvolutionDepthwise takes (num, channels, height, width)")

    def pair(single: str, h: str, w: str, default: int | None) -> tuple[int, int]:
        if param.HasField(h) and param.HasField(w):
            return getattr(param, h), getattr(param, w)
        values = list(getattr(param, single))
        if not values:
            require(default is not None, f"convolution_param.{single} is required")
            return default, default
        return (values[0], values[0]) if len(values) == 1 else (values[0], values[1])

    kernel = pair("kernel_size", "kernel_h", "kernel_w", None)
    stride = pair("stride", "stride_h", "stride_w", 1)
    pad = pair("pad", "pad_h", "pad_w", 0)
    dilation = list(param.dilation) or [1]
    dilation = (dilation[0], dilation[0]) if len(dilation) == 1 else (dilation[0], dilation[1])
    require(min(kernel) > 0 and min(stride) > 0, "kernel and stride must be positive")
    channels = bottom[1]
    spatial = tuple(
        c_div(size + 2 * p - (d * (k - 1) + 1), s) + 1
        for size, p, d, k, s in zip(bottom[2:], pad, dilation, kernel, stride, strict=True)
    )
    blobs = [BlobSpec((channels, 1, *kernel), param.weight_filler)]
    if param.bias_term:
        blobs.append(BlobSpec((channels,), param.bias_filler))
    return LayerSetup(tops=((bottom[0], channels, *spatial),), blobs=tuple(blobs))
