"""yjxiong/caffe, branch action_recog (Temporal Segment Networks): BN, VideoData, Gather."""

from __future__ import annotations

from collections.abc import Sequence

from ..blob import LayerSetup, Shape, legacy_dim
from ..registry import Layer, register_layer
from .base import fork, one, transform_draws
from .pspnet import SLOPE_BN_FIELDS, slope_bn
from .variants import register_variant

YJXIONG = fork(
    "yjxiong",
    "yjxiong/caffe, branch action_recog",
    "9831a2b4d67e3f99418b6f2f99b6dde716853672",
    "BN Gather VideoData",
)


@register_variant(
    "BN",
    YJXIONG,
    blocks=SLOPE_BN_FIELDS,
    makes="slope, bias, mean, variance (1, C); variance ones only if frozen",
)
def bn(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """yjxiong's BNLayer: four (1, C) blobs; the variance is ones if frozen, else zeros."""
    shape = (1, legacy_dim(bottoms[0], 1))
    return slope_bn(layer, bottoms, shape, bool(one(layer.bn_param, "frozen", False)))


@register_layer("VideoData", bottoms=0, tops=2, origin=YJXIONG.origin)
def video_data(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """VideoDataLayer: (batch_size, C * new_length * num_segments, crop or new size), labels
    (batch_size, 1, 1, 1); C is 2 for FLOW (the default modality), else 3 (RGB) or 1
    (grayscale).

    Draws: InitRand twice (BaseDataLayer, BasePrefetchingDataLayer), the shuffle generator's
    seed when shuffling, the frame generator's seed; this fork's threads draw no seed.
    """
    param = layer.video_data_param
    batch_size = one(param, "batch_size", 0)
    new_length, segments = one(param, "new_length", 1), one(param, "num_segments", 1)
    flow = one(param, "modality", "FLOW") == "FLOW"
    colors = 2 if flow else (1 if one(param, "grayscale", False) else 3)
    crop = layer.transform_param.crop_size
    new_h, new_w = one(param, "new_height", 0), one(param, "new_width", 0)
    size: tuple[int | None, int | None] = (
        (crop, crop) if crop else ((new_h, new_w) if new_h > 0 and new_w > 0 else (None, None))
    )
    data = (batch_size, colors * new_length * segments, *size)
    draws = 2 * transform_draws(layer) + int(bool(one(param, "shuffle", False))) + 1
    return LayerSetup(tops=(data, (batch_size, 1, 1, 1)), setup_draws=draws)


@register_layer("Gather", bottoms=(1, None), tops=(1, None), tops_follow_bottoms=True, origin=YJXIONG.origin)
def gather(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """GatherLayer (one process, no MPI): each top is its bottom."""
    return LayerSetup(tops=tuple(bottoms))
