"""CTPN's Caffe (tianzhi0549/CTPN, folder caffe/): Lstm, Reverse, Transpose."""

from __future__ import annotations

from collections.abc import Sequence

from ..blob import BlobSpec, LayerSetup, Shape, count, require
from ..registry import Layer, register_layer
from .base import filler_or, fork, one

CTPN = fork(
    "ctpn",
    "tianzhi0549/CTPN (caffe/)",
    "f77ec9e7c4c010c8834cf0f87111370b14a00f33",
    "Lstm Reverse Transpose",
)


@register_layer("Lstm", bottoms=(1, None), origin=CTPN.origin)
def lstm(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """LstmLayer on a (T, N, ...) sequence, I = count(2) inputs, H = num_output units:
    input-to-hidden (4H, I) and hidden-to-hidden (4H, H) weights, both by weight_filler,
    then the bias (4H,) by bias_filler (FillerParameter's default, constant 0, for a filler
    not given); the top is (T, N, H)."""
    param = layer.lstm_param
    bottom = bottoms[0]
    require(len(bottom) >= 2, "Lstm takes a (T, N, ...) bottom")
    hidden = one(param, "num_output", 0)
    inputs = count(bottom, 2)
    weight = filler_or(param, "weight_filler")
    blobs = (
        BlobSpec((4 * hidden, inputs), weight),
        BlobSpec((4 * hidden, hidden), weight),
        BlobSpec((4 * hidden,), filler_or(param, "bias_filler")),
    )
    return LayerSetup(tops=((bottom[0], bottom[1], hidden),), blobs=blobs)


@register_layer("Reverse", origin=CTPN.origin)
def reverse(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """ReverseLayer: the bottom reversed along `axis` (default 0), so shaped like it."""
    bottom = bottoms[0]
    axis = one(layer.reverse_param, "axis", 0)
    require(len(bottom) > 0, "Reverse does not support 0 axes blob.")
    require(axis >= 0, "axis must be greater than or equal to 0.")
    require(axis < len(bottom), "axis must be less than bottom's dimension.")
    return LayerSetup(tops=(bottom,))


@register_layer("Transpose", origin=CTPN.origin)
def transpose(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """TransposeLayer: top axis i is bottom axis dim(i); one dim per axis."""
    bottom = bottoms[0]
    dims = layer.transpose_param.all("dim")
    require(len(bottom) > 0, "the dimension of the transposed blob should be greater than 0.")
    require(len(bottom) == len(dims), "the dimensions of the top blob and bottom blob must be equal.")
    require(
        all(isinstance(dim, int) and 0 <= dim < len(bottom) for dim in dims),
        f"transpose_param.dim: {dims} are not axes of a {len(bottom)}-axis bottom",
    )
    return LayerSetup(tops=(tuple(bottom[dim] for dim in dims),))
