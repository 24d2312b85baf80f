"""OpenPose's training Caffe (CMU-Perceptual-Computing-Lab/caffe_train): CPMData, images with
their part heat maps and affinity fields."""

from __future__ import annotations

from collections.abc import Sequence

from ...._proto.filler_pb2 import TRAIN, DataParameter
from .. import datasources
from ..blob import LayerSetup, Shape, c_div, require
from ..registry import Layer, register_layer
from .base import fork, one, transform_draws

OPENPOSE = fork(
    "openpose",
    "CMU-Perceptual-Computing-Lab/caffe_train",
    "76dd9563fb24cb1702d0245cda7cc36ec2aed43b",
    "CPMData",
)


@register_layer("CPMData", bottoms=0, tops=(1, 2), origin=OPENPOSE.origin)
def cpm_data(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """CPMDataLayer: in TRAIN, images (batch, C, crop_size_y, crop_size_x) and labels
    (batch, 2 (num_parts + 1), crop_size_y / stride, crop_size_x / stride); in TEST the
    datum's own height and width. C is the first datum's channels (the LMDB, when at hand).
    A crop_size leaves the image top unshaped in this code, which fillers refuses.

    Draws: the DataReader's body thread (1), DataTransformer::InitRand in BaseDataLayer and
    again in BasePrefetchingDataLayer (transform_param: mirror, or crop in TRAIN), the
    CPMDataTransformer's InitRand (cpm_transform_param alike), the prefetch thread (1).
    """
    param = layer.cpm_transform_param
    require(
        one(param, "crop_size", 0) == 0,
        "cpm_transform_param.crop_size: this CPMDataLayer never shapes its image top with it",
    )
    data_param = layer.data_param
    batch_size = data_param.batch_size
    dims = datasources.first_datum_dims(
        data_param.source, DataParameter.DB.Name(data_param.backend), data_param.force_encoded_color
    )
    channels = None if dims is None else dims[0]
    if layer.phase == TRAIN:
        height, width = one(param, "crop_size_y", 368), one(param, "crop_size_x", 368)
    else:
        height, width = (None, None) if dims is None else dims[1:]
    stride = one(param, "stride", 4)
    require(stride > 0, f"cpm_transform_param.stride: {stride} must be positive")
    parts = 2 * (one(param, "num_parts", 14) + 1)
    label_size = tuple(None if side is None else c_div(side, stride) for side in (height, width))
    cpm_draws = int(
        bool(one(param, "mirror", False)) or (layer.phase == TRAIN and one(param, "crop_size", 0) > 0)
    )
    draws = 1 + 2 * transform_draws(layer) + cpm_draws + 1
    tops = ((batch_size, channels, height, width), (batch_size, parts, *label_size))
    return LayerSetup(tops=tops[:num_tops], setup_draws=draws)
