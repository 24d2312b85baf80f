"""SegNet's Caffe (alexgkendall/caffe-segnet, branch segnet-cleaned): BN, Upsample,
DenseImageData."""

from __future__ import annotations

from collections.abc import Sequence

from ..blob import BlobSpec, LayerSetup, Shape, legacy_dim, require
from ..registry import Layer
from .base import filler_or, fork, one, transform_draws, words
from .variants import register_variant

SEGNET = fork(
    "segnet",
    "alexgkendall/caffe-segnet, branch segnet-cleaned",
    "344c113bf1832886f1cbe9f33ffe28a3beeaf412",
    "BN DenseImageData Upsample",
)
UPSAMPLE_FIELDS = ("scale", "scale_h", "scale_w", "pad_out_h", "pad_out_w", "upsample_h", "upsample_w")


@register_variant(
    "BN",
    SEGNET,
    blocks={"bn_param": ("bn_mode", "scale_filler", "shift_filler")},
    tops=(1, 3),
    makes="scale and shift (1, C, 1, 1)",
)
def bn(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """BNLayer: scale then shift, (1, C, 1, 1), each filled by its filler (FillerParameter's
    default, constant 0, without one); tops 2 and 3 are the batch mean and variance."""
    param = layer.bn_param
    bottom = bottoms[0]
    channels = legacy_dim(bottom, 1)
    shape = (1, channels, 1, 1)
    blobs = (
        BlobSpec(shape, filler_or(param, "scale_filler")),
        BlobSpec(shape, filler_or(param, "shift_filler")),
    )
    return LayerSetup(tops=(bottom, shape, shape)[:num_tops], blobs=blobs)


DENSE_IMAGE_DATA_FIELDS = words(
    "source batch_size rand_skip shuffle new_height new_width is_color mean_file root_folder mirror "
    "crop_width crop_height"
)


def dense_image_data_setup(layer: Layer, label_divide_factor: int = 1) -> LayerSetup:
    """DenseImageDataLayer: images (batch_size, 3 or 1, H, W) and label images
    (batch_size, 1, H, W); H, W from crop_size, crop_height/width, new_height/width, else
    the first image. Without a crop the labels are H / label_divide_factor (caffe-enet's).

    Draws: InitRand twice (mirror, or crop in TRAIN), the shuffle generator's seed, one for
    rand_skip; these forks' threads draw no seed.
    """
    param = layer.dense_image_data_param
    new_h, new_w = one(param, "new_height", 0), one(param, "new_width", 0)
    crop_h, crop_w = one(param, "crop_height", 0), one(param, "crop_width", 0)
    require(
        (new_h == 0 and new_w == 0) or (new_h > 0 and new_w > 0),
        "Current implementation requires new_height and new_width to be set at the same time.",
    )
    require(
        (crop_h == 0 and crop_w == 0) or (crop_h > 0 and crop_w > 0),
        "Current implementation requires crop_height and crop_width to be set at the same time.",
    )
    require(label_divide_factor > 0, f"label_divide_factor: {label_divide_factor} must be positive")
    crop = layer.transform_param.crop_size
    size: tuple[int | None, int | None]
    label_size: tuple[int | None, ...]
    if crop > 0 or crop_h > 0:
        size = label_size = (crop, crop) if crop > 0 else (crop_h, crop_w)
    else:
        size = (new_h, new_w) if new_h > 0 else (None, None)
        label_size = tuple(None if side is None else side // label_divide_factor for side in size)
    batch_size = one(param, "batch_size", 0)
    channels = 3 if one(param, "is_color", True) else 1
    draws = 2 * transform_draws(layer) + int(bool(one(param, "shuffle", False)))
    draws += int(one(param, "rand_skip", 0) > 0)
    return LayerSetup(tops=((batch_size, channels, *size), (batch_size, 1, *label_size)), setup_draws=draws)


@register_variant(
    "DenseImageData",
    SEGNET,
    blocks={"dense_image_data_param": DENSE_IMAGE_DATA_FIELDS},
    bottoms=0,
    tops=2,
    makes="labels the images' size",
)
def dense_image_data(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """SegNet's DenseImageDataLayer (see `dense_image_data_setup`)."""
    return dense_image_data_setup(layer)


@register_variant(
    "Upsample",
    SEGNET,
    blocks={"upsample_param": UPSAMPLE_FIELDS},
    bottoms=2,
    makes="2 bottoms (data, pooling mask), upsample_h/w or H x scale - pad_out",
)
def upsample(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """UpsampleLayer: (N, C, upsample_h, upsample_w), or H * scale_h - pad_out_h (and W)."""
    param = layer.upsample_param
    data, mask = bottoms
    require(len(data) == 4, "Input must have 4 axes, corresponding to (num, channels, height, width)")
    require(len(mask) == 4, "Input mask must have 4 axes, corresponding to (num, channels, height, width)")
    require(data == mask, "Check failed: the data and mask bottoms have the same shape")
    has = param.__contains__
    require(
        (has("upsample_h") and has("upsample_w"))
        or (not has("scale") and has("scale_h") and has("scale_w"))
        or (not has("scale_h") and not has("scale_w")),
        "upsample_h & upsample_w are required, else (DEPRECATED) scale OR scale_h & scale_w are required.",
    )
    if has("upsample_h") and has("upsample_w"):
        out_h, out_w = one(param, "upsample_h", 0), one(param, "upsample_w", 0)
        require(out_h > 1 and out_w > 1, "Check failed: upsample_h_ > 1 and upsample_w_ > 1")
    else:
        scale_h = one(param, "scale_h", None) if has("scale_h") else one(param, "scale", 2)
        scale_w = one(param, "scale_w", None) if has("scale_h") else scale_h
        require(scale_h > 1 and scale_w > 1, "Check failed: scale > 1")
        pad_h, pad_w = bool(one(param, "pad_out_h", False)), bool(one(param, "pad_out_w", False))
        require(not pad_h or scale_h == 2, "Output height padding compensation requires scale_h == 2")
        require(not pad_w or scale_w == 2, "Output width padding compensation requires scale_w == 2")
        out_h, out_w = data[2] * scale_h - int(pad_h), data[3] * scale_w - int(pad_w)
    return LayerSetup(tops=((data[0], data[1], out_h, out_w),))
