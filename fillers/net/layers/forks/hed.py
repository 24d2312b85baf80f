"""HED's Caffe (s9xie/hed): ImageLabelmapData, images with their edge maps."""

from __future__ import annotations

from collections.abc import Sequence

from ..blob import LayerSetup, Shape
from ..registry import Layer, register_layer
from ..sources import image_size
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
    size = image_size(layer)
    channels = 3 if param.is_color else 1
    draws = 2 * transform_draws(layer) + int(param.shuffle) + int(param.rand_skip > 0) + 1
    return LayerSetup(
        tops=((param.batch_size, channels, *size), (param.batch_size, 1, *size)), setup_draws=draws
    )
