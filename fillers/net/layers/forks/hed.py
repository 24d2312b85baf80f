"""HED's Caffe (s9xie/hed): ImageLabelmapData, images with their edge maps."""

from __future__ import annotations

from collections.abc import Sequence

from .. import datasources
from ..blob import LayerSetup, Shape, require
from ..registry import Layer, register_layer
from .base import fork, transform_draws

HED = fork(
    "hed",
    "s9xie/hed",
    "912632b986acc6dd6cc33b95603b2f279d7bd9f2",
    "ImageLabelmapData",
)


@register_layer("ImageLabelmapData", bottoms=0, tops=2, origin=HED.origin)
def image_labelmap_data(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """ImageLabelmapDataLayer: images (batch_size, 3 or 1, H, W) and their label maps
    (batch_size, 1, H, W), the crop or the resize if set, else the first image's size.

    Draws as ImageData's: InitRand, the shuffle seed, one for rand_skip, InitRand again
    (BasePrefetchingLabelmapDataLayer), the prefetch thread's seed.
    """
    param = layer.image_data_param
    require(
        (param.new_height == 0 and param.new_width == 0) or (param.new_height > 0 and param.new_width > 0),
        "Current implementation requires new_height and new_width to be set at the same time.",
    )
    require(param.batch_size > 0, "Positive batch size required")
    crop = layer.transform_param.crop_size
    if crop:
        size = (crop, crop)
    elif param.new_height:
        size = (param.new_height, param.new_width)
    else:
        size = datasources.first_image_dims(param.source, param.root_folder) or (None, None)
    channels = 3 if param.is_color else 1
    draws = 2 * transform_draws(layer) + int(param.shuffle) + int(param.rand_skip > 0) + 1
    return LayerSetup(
        tops=((param.batch_size, channels, *size), (param.batch_size, 1, *size)), setup_draws=draws
    )
