"""chuanqi305/ssd (the MobileNet-SSD Caffe): ReLU6."""

from __future__ import annotations

from collections.abc import Sequence

from ..blob import LayerSetup, Shape
from ..registry import Layer, register_layer
from .base import fork

RELU6 = fork(
    "chuanqi305-ssd",
    "chuanqi305/ssd",
    "1702ede3",
    "ReLU6",
)


@register_layer("ReLU6", origin=RELU6.origin)
def relu6(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """ReLU6Layer, a NeuronLayer: shaped like its bottom."""
    return LayerSetup(tops=(bottoms[0],))
