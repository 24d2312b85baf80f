"""ENet's Caffe (TimoSaemann/caffe-enet, SegNet's with changes): DenseImageData's
label_divide_factor, and the Python SpatialDropoutLayer its nets use. Its BN and Upsample are
SegNet's code unchanged."""

from __future__ import annotations

from collections.abc import Sequence

from ..blob import LayerSetup, Shape, require
from ..registry import Layer, register_layer
from .base import fork, one
from .py_faster_rcnn import param_str
from .segnet import DENSE_IMAGE_DATA_FIELDS, dense_image_data_setup
from .variants import register_variant

ENET = fork(
    "enet", "TimoSaemann/caffe-enet", "22d356c956cdc5e752e6d40612e4f6c60fc8f471", "BN DenseImageData Upsample"
)


@register_variant(
    "DenseImageData",
    ENET,
    blocks={"dense_image_data_param": (*DENSE_IMAGE_DATA_FIELDS, "label_divide_factor")},
    bottoms=0,
    tops=2,
    makes="labels the images' size / label_divide_factor (without a crop)",
)
def dense_image_data(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """caffe-enet's DenseImageDataLayer: SegNet's, with the labels (without a crop) the
    images' height and width divided by label_divide_factor (default 1)."""
    factor = one(layer.dense_image_data_param, "label_divide_factor", 1)
    return dense_image_data_setup(layer, factor)


@register_layer(
    "Python:spatial_dropout.SpatialDropoutLayer", origin=f"{ENET.origin} (python/spatial_dropout.py)"
)
def spatial_dropout(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """SpatialDropoutLayer.setup: param_str gives p, 0 < p < 1; reshape: the top is the
    bottom's shape. Its masks come from numpy's generator, not Caffe's stream."""
    params = param_str(layer)
    require("p" in params and "phase" in params, "python_param.param_str must give 'phase' and 'p'")
    try:
        p = float(params["p"])
    except (TypeError, ValueError):
        p = -1.0
    require(0 < p < 1, "p need to be between 0 and 1")
    return LayerSetup(tops=(bottoms[0],))
