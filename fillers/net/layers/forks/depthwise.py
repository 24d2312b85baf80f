"""yonghenglh6/DepthwiseConvolution: a BaseConvolutionLayer with a faster kernel."""

from __future__ import annotations

from .. import learnable
from ..registry import register_layer
from .base import fork

DEPTHWISE = fork(
    "depthwise",
    "yonghenglh6/DepthwiseConvolution",
    "2b9cf52a",
    "DepthwiseConvolution",
)

# Convolution's LayerSetUp and Reshape unchanged: Convolution's blobs and tops.
register_layer(
    "DepthwiseConvolution",
    bottoms=(1, None),
    tops=(1, None),
    tops_follow_bottoms=True,
    origin=DEPTHWISE.origin,
)(learnable.convolution)
