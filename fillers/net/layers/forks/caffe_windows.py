"""happynear/caffe-windows, branch ms (NormFace, AM-Softmax): its Normalize and BN, and the
layers of its face-recognition nets."""

from __future__ import annotations

from collections.abc import Sequence

from ...._proto.filler_pb2 import FillerParameter
from ..blob import BlobSpec, LayerSetup, Shape, canonical_axis, count, legacy_dim, require
from ..registry import Layer, register_layer
from .base import filler_or, fork, one
from .pspnet import SLOPE_BN_FIELDS, slope_bn
from .variants import register_variant

CAFFE_WINDOWS = fork(
    "caffe-windows",
    "happynear/caffe-windows, branch ms",
    "967eedf25009e334b7f6f933bb5e17aaaff5bef6",
    (
        "ArcCos Axpy BatchContrastiveLoss BN CenterLoss ChannelScale ConfidencePenaltyLoss "
        "CorrelationLoss Cosine FCNAccuracy Flip FocalLoss GeneralContrastiveLoss GeneralTripletLoss "
        "GlobalLSEMargin Gram Hotspot InnerDistance Insanity LabelSpecificAdd LargeMarginInnerProduct "
        "Local MarginInnerProduct MovingNormalize MultiLabelImageData NCALoss Noise Normalize Pairwise "
        "Permute PredictBox Proposal PSROIPooling Resize ROIPooling SmoothL1Loss SoftContrastiveLoss "
        "SoftTruncation Slope SubRegion Transformer TripletLoss Truncation"
    ),
)


@register_variant(
    "Normalize",
    CAFFE_WINDOWS,
    blocks={"normalize_param": ("normalize_type", "fix_gradient", "bp_norm")},
    tops=(1, 2),
    makes="no blobs; the top (N, C, H, W) in legacy 4 axes, top 1 the norms (N, 1, H, W)",
)
def normalize(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """NormalizeLayer (L2 by default): no blobs; the top takes the bottom's legacy
    (num, channels, height, width), so an (N, C) bottom makes an (N, C, 1, 1) top; a second
    top holds the norms (N, 1, H, W)."""
    bottom = bottoms[0]
    num, channels, height, width = (legacy_dim(bottom, i) for i in range(4))
    return LayerSetup(tops=((num, channels, height, width), (num, 1, height, width))[:num_tops])


@register_variant(
    "BN",
    CAFFE_WINDOWS,
    blocks=SLOPE_BN_FIELDS,
    makes="slope, bias, mean, variance (1, C); variance always ones",
)
def bn(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """caffe-windows' BNLayer: four (1, C) blobs; the variance is ones, frozen or not."""
    return slope_bn(layer, bottoms, (1, legacy_dim(bottoms[0], 1)), True)


@register_layer("LabelSpecificAdd", bottoms=(2, None), tops=(1, 2), origin=CAFFE_WINDOWS.origin)
def label_specific_add(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """LabelSpecificAddLayer: adds the margin at each sample's label; shaped like bottom 0,
    a second top (1,) holds the bias in use."""
    return LayerSetup(tops=(bottoms[0], (1,))[:num_tops])


@register_layer("ChannelScale", bottoms=2, tops=(1, 2), origin=CAFFE_WINDOWS.origin)
def channel_scale(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """ChannelScaleLayer: bottom 0 scaled by one value per sample and position (bottom 1);
    with global_scale, one blob (1,) set to -1 (no filler: a constant, drawing nothing)."""
    features, scale = bottoms
    require(
        legacy_dim(features, 0) == legacy_dim(scale, 0), "Check failed: bottom[0]->num() == bottom[1]->num()"
    )
    require(
        count(features) // legacy_dim(features, 1) == count(scale),
        "Check failed: bottom[0]->count() / bottom[0]->channels() == bottom[1]->count()",
    )
    global_scale = bool(one(layer.channel_scale_param, "global_scale", False))
    blobs = (BlobSpec((1,), FillerParameter(type="constant", value=-1.0)),) if global_scale else ()
    # Without global_scale a second top is never reshaped: an empty blob.
    return LayerSetup(tops=(features, (1,) if global_scale else ())[:num_tops], blobs=blobs)


@register_layer("Flip", origin=CAFFE_WINDOWS.origin)
def flip(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """FlipLayer: the bottom mirrored, so shaped like it."""
    return LayerSetup(tops=(bottoms[0],))


@register_layer("InnerDistance", bottoms=(1, 3), origin=CAFFE_WINDOWS.origin)
def inner_distance(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """InnerDistanceLayer: distances to num_output centers, (num_output, K) (transposed
    (K, num_output)) filled by weight_filler; with a second bottom, the centers come from
    it (N = its num) and there is no blob (a third bottom: update_center_only)."""
    param = layer.inner_distance_param
    features = bottoms[0]
    axis = canonical_axis(features, one(param, "axis", 1))
    inputs = count(features, axis)
    centers = one(param, "num_output", 0) if len(bottoms) == 1 else legacy_dim(bottoms[1], 0)
    update_only = bool(one(param, "update_center_only", False))
    blobs: tuple[BlobSpec, ...] = ()
    if (len(bottoms) == 1) or (update_only and len(bottoms) == 2):
        shape = (inputs, centers) if one(param, "transpose", False) else (centers, inputs)
        blobs = (BlobSpec(shape, filler_or(param, "weight_filler")),)
    return LayerSetup(tops=((*features[:axis], centers),), blobs=blobs)


@register_layer("LargeMarginInnerProduct", bottoms=(2, 3), tops=(1, 2), origin=CAFFE_WINDOWS.origin)
def large_margin_inner_product(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """LargeMarginInnerProductLayer (L-Softmax): weight (num_output, K) by weight_filler, no
    bias; with a third bottom the weight comes from it and there is no blob; tops as
    MarginInnerProduct's: (leading axes, num_output) and lambda (1,)."""
    param = layer.largemargin_inner_product_param
    features, labels = bottoms[0], bottoms[1]
    require(
        legacy_dim(features, 0) == legacy_dim(labels, 0),
        "Number of labels must match number of output; DO NOT support multi-label this version.",
    )
    axis = canonical_axis(features, one(param, "axis", 1))
    num_output = one(param, "num_output", 0)
    blobs: tuple[BlobSpec, ...] = ()
    if len(bottoms) == 2:
        blobs = (BlobSpec((num_output, count(features, axis)), filler_or(param, "weight_filler")),)
    return LayerSetup(tops=((*features[:axis], num_output), (1,))[:num_tops], blobs=blobs)
