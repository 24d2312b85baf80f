"""farmingyard/ShuffleNet: ShuffleChannel."""

from __future__ import annotations

from collections.abc import Sequence

from ..blob import LayerSetup, Shape, legacy_dim, require
from ..registry import Layer, register_layer
from .base import fork, one

SHUFFLENET = fork(
    "shufflenet",
    "farmingyard/ShuffleNet",
    "b9624442",
    "ShuffleChannel",
)


@register_layer("ShuffleChannel", origin=SHUFFLENET.origin)
def shuffle_channel(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """ShuffleChannelLayer: shaped like its bottom (N, C, H, W); group > 0."""
    require(one(layer.shuffle_channel_param, "group", 1) > 0, "group must be greater than 0")
    bottom = bottoms[0]
    return LayerSetup(tops=(tuple(legacy_dim(bottom, i) for i in range(4)),))
