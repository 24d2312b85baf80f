"""Pooling and spatial pyramid pooling: output sizes as Caffe rounds them."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..._proto.filler_pb2 import LayerParameter, PoolingParameter
from .blob import LayerSetup, Shape, legacy_dim, require


def pooling(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """PoolingLayer: (N, C, pooled_h, pooled_w), for the output and the optional max mask."""
    param = layer.pooling_param
    bottom = bottoms[0]
    is_max = param.pool == PoolingParameter.MAX
    require(num_tops == 1 or is_max, "Pooling Layer produces at most 1 top blob(s) as output.")
    has = param.HasField
    if param.global_pooling:
        require(
            not (has("kernel_size") or has("kernel_h") or has("kernel_w")),
            "With Global_pooling: true Filter size cannot specified",
        )
        kernel = (legacy_dim(bottom, 2), legacy_dim(bottom, 3))
    else:
        require(
            (not has("kernel_size")) != (not (has("kernel_h") and has("kernel_w"))),
            "Filter size is kernel_size OR kernel_h and kernel_w; not both",
        )
        require(
            has("kernel_size") or (has("kernel_h") and has("kernel_w")),
            "For non-square filters both kernel_h and kernel_w are required.",
        )
        kernel = (param.kernel_size,) * 2 if has("kernel_size") else (param.kernel_h, param.kernel_w)
    require(
        (not has("pad") and has("pad_h") and has("pad_w")) or (not has("pad_h") and not has("pad_w")),
        "pad is pad OR pad_h and pad_w are required.",
    )
    require(
        (not has("stride") and has("stride_h") and has("stride_w"))
        or (not has("stride_h") and not has("stride_w")),
        "Stride is stride OR stride_h and stride_w are required.",
    )
    pad = (param.pad_h, param.pad_w) if has("pad_h") else (param.pad,) * 2
    stride = (param.stride_h, param.stride_w) if has("stride_h") else (param.stride,) * 2
    check_window(kernel, pad, stride, param.pool)
    if param.global_pooling:
        require(pad == (0, 0) and stride == (1, 1), "With Global_pooling: true; only pad = 0 and stride = 1")
    require(len(bottom) == 4, "Input must have 4 axes, corresponding to (num, channels, height, width)")
    top = (*bottom[:2], *pooled_size(bottom[2:], kernel, pad, stride, _round_mode(layer)))
    return LayerSetup(tops=(top,) * num_tops)


def _round_mode(layer: LayerParameter) -> int:
    """round_mode, or a fork's `ceil_mode` (BVLC pull request 3057, as DenseNet's nets set it:
    false rounds down), where a declaration lets the net set it."""
    fields = getattr(layer, "fields", None)
    block = fields.get("pooling_param") if fields is not None else None
    if block is None or "ceil_mode" not in block:
        return layer.pooling_param.round_mode
    require(
        not layer.pooling_param.HasField("round_mode"),
        "pooling_param sets both round_mode and a fork's ceil_mode; set one",
    )
    return PoolingParameter.CEIL if block.get("ceil_mode") else PoolingParameter.FLOOR


def check_window(kernel: Shape, pad: Shape, stride: Shape, pool: int) -> None:
    """PoolingLayer::LayerSetUp's checks on the window."""
    require(min(kernel) > 0, "Filter dimensions cannot be zero.")
    # Caffe has no check here; a zero stride divides by zero when the output is sized.
    require(min(stride) > 0, f"stride {list(stride)} must be positive")
    if max(pad) > 0:
        require(
            pool in (PoolingParameter.AVE, PoolingParameter.MAX),
            "Padding implemented only for average and max pooling.",
        )
        require(
            all(p < k for p, k in zip(pad, kernel, strict=True)),
            f"pad {list(pad)} must be less than kernel {list(kernel)}",
        )


def pooled_size(size: Shape, kernel: Shape, pad: Shape, stride: Shape, round_mode: int) -> tuple[int, int]:
    """PoolingLayer::Reshape's (pooled_h, pooled_w): CEIL rounding unless round_mode is FLOOR."""
    rounding = math.ceil if round_mode == PoolingParameter.CEIL else math.floor
    pooled = []
    for length, k, p, s in zip(size, kernel, pad, stride, strict=True):
        # Caffe divides in float, then rounds: static_cast<float>(length + 2p - k) / s.
        out = rounding(float(np.float32(length + 2 * p - k) / np.float32(s))) + 1
        if max(pad) > 0:
            # With padding the last window must start inside the image, else it is clipped.
            if (out - 1) * s >= length + p:
                out -= 1
            require(
                (out - 1) * s < length + p, f"the last pooling window starts past the padded input ({out})"
            )
        pooled.append(out)
    return pooled[0], pooled[1]


def spp(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """SPPLayer: pyramid_height poolings of 1, 4, 16, ... bins, flattened and concatenated
    along axis 1; a one-level pyramid gives the pooling's own 4-D output."""
    param = layer.spp_param
    bottom = bottoms[0]
    num, channels = legacy_dim(bottom, 0), legacy_dim(bottom, 1)
    size = (legacy_dim(bottom, 2), legacy_dim(bottom, 3))
    require(min(size) > 0, "Input dimensions cannot be zero.")
    require(len(bottom) == 4, "Input must have 4 axes, corresponding to (num, channels, height, width)")
    require(param.pyramid_height > 0, "Concat Layer takes at least 1 bottom blob(s) as input.")
    levels = []
    for level in range(param.pyramid_height):
        # SPPLayer::GetPoolingParam: the smallest kernel covering the input in 2^level bins,
        # padded evenly, with stride = kernel.
        bins = 2**level
        kernel = tuple(math.ceil(length / bins) for length in size)
        pad = tuple((k * bins - length + 1) // 2 for k, length in zip(kernel, size, strict=True))
        check_window(kernel, pad, kernel, param.pool)
        levels.append(pooled_size(size, kernel, pad, kernel, PoolingParameter.CEIL))
    if param.pyramid_height == 1:
        return LayerSetup(tops=((num, channels, *levels[0]),))
    return LayerSetup(tops=((num, sum(channels * h * w for h, w in levels)),))
