"""SENet's Caffe layer (hujie-frank/SENet): Axpy. caffe-windows and MobileNet-YOLO carry the
same code."""

from __future__ import annotations

from collections.abc import Sequence

from ..blob import LayerSetup, Shape, require
from ..registry import Layer, register_layer
from .base import fork

SENET = fork(
    "senet",
    "hujie-frank/SENet",
    "0262d43d44c561fd53c3dba210cc8bacfc60500d",
    "Axpy",
)


@register_layer("Axpy", bottoms=3, origin=SENET.origin)
def axpy(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """AxpyLayer: F = a * X + Y with a (N, C[, 1, 1]), X and Y (N, C, ...): the top is
    shaped like X, bottom 1, not like the scale a."""
    scale, x, y = bottoms
    require(len(scale) >= 2 and len(x) >= 2, "Axpy takes (N, C, ...) bottoms")
    require(scale[0] == x[0], "Check failed: bottom[0]->shape(0) == bottom[1]->shape(0)")
    require(scale[1] == x[1], "Check failed: bottom[0]->shape(1) == bottom[1]->shape(1)")
    if len(scale) == 4:
        require(scale[2] == 1 and scale[3] == 1, "Check failed: bottom[0]->shape(2) == 1 and shape(3) == 1")
    require(x == y, "Check failed: bottom[1]->shape() == bottom[2]->shape()")
    return LayerSetup(tops=(x,))
