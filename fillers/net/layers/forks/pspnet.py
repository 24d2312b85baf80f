"""PSPNet's Caffe (hszhao/PSPNet), which carries DeepLab's layers: BN, Interp, ImageSegData."""

from __future__ import annotations

from collections.abc import Sequence

from ...._proto.filler_pb2 import FillerParameter
from ....errors import FillerError
from ....io.texttree import Block
from ...fields import Fields
from .. import datasources
from ..blob import BlobSpec, LayerSetup, Shape, c_div, legacy_dim, require
from ..registry import Layer, register_layer
from .base import filler_or, fork, one, transform_draws
from .variants import register_variant

PSPNET = fork(
    "pspnet",
    "hszhao/PSPNet",
    "798bdc907c8630e8c3997ebfdd0d7cae0c5ab03b",
    (
        "AdaptiveBiasChannel BiasChannel BN DenseCRF DomainTransform DomainTransformForwardOnly "
        "ImageSegData Interp MatRead MatWrite SegAccuracy SpatialProduct UniqueLabel"
    ),
)
# The BN fields PSPNet, yjxiong/caffe and caffe-windows share: the same names, other layouts.
SLOPE_BN_FIELDS = {"bn_param": ("slope_filler", "bias_filler", "momentum", "eps", "frozen", "engine")}


def slope_bn(layer: Layer, bottoms: Sequence[Shape], shape: Shape, variance_one: bool) -> LayerSetup:
    """The BNLayer of PSPNet, yjxiong/caffe and caffe-windows: slope and bias filled by
    slope_filler and bias_filler, then the moving mean (zeros) and the moving variance
    (ones when `variance_one`, else zeros), each of `shape`; the top is the bottom's shape."""
    param = layer.bn_param
    variance = FillerParameter(type="constant", value=1.0) if variance_one else None
    blobs = (
        BlobSpec(shape, filler_or(param, "slope_filler")),
        BlobSpec(shape, filler_or(param, "bias_filler")),
        BlobSpec(shape, None),
        BlobSpec(shape, variance),
    )
    return LayerSetup(tops=(bottoms[0],), blobs=blobs)


@register_variant(
    "BN",
    PSPNET,
    blocks=SLOPE_BN_FIELDS,
    makes="slope, bias, mean, variance (1, C, 1, 1); variance ones only if frozen",
)
def bn(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """PSPNet's BNLayer: four (1, C, 1, 1) blobs; the variance is ones if frozen, else zeros."""
    shape = (1, legacy_dim(bottoms[0], 1), 1, 1)
    return slope_bn(layer, bottoms, shape, bool(one(layer.bn_param, "frozen", False)))


@register_layer("Interp", origin=PSPNET.origin)
def interp(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """InterpLayer: shrink, zoom, both, or an explicit height and width, after cropping."""
    param = layer.interp_param
    pad_beg, pad_end = one(param, "pad_beg", 0), one(param, "pad_end", 0)
    require(pad_beg <= 0 and pad_end <= 0, "Only supports non-pos padding (cropping) for now")
    bottom = bottoms[0]
    height_in = legacy_dim(bottom, 2) + pad_beg + pad_end
    width_in = legacy_dim(bottom, 3) + pad_beg + pad_end
    has = param.__contains__
    shrink, zoom = one(param, "shrink_factor", 1), one(param, "zoom_factor", 1)
    if has("shrink_factor") and not has("zoom_factor"):
        require(shrink >= 1, "Shrink factor must be positive")
        height, width = c_div(height_in - 1, shrink) + 1, c_div(width_in - 1, shrink) + 1
    elif has("zoom_factor") and not has("shrink_factor"):
        require(zoom >= 1, "Zoom factor must be positive")
        height, width = height_in + (height_in - 1) * (zoom - 1), width_in + (width_in - 1) * (zoom - 1)
    elif has("height") and has("width"):
        height, width = one(param, "height", 0), one(param, "width", 0)
    elif has("shrink_factor") and has("zoom_factor"):
        require(shrink >= 1, "Shrink factor must be positive")
        require(zoom >= 1, "Zoom factor must be positive")
        height, width = c_div(height_in - 1, shrink) + 1, c_div(width_in - 1, shrink) + 1
        height, width = height + (height - 1) * (zoom - 1), width + (width - 1) * (zoom - 1)
    else:
        raise FillerError(
            "interp_param gives no output size (shrink_factor, zoom_factor or height and width)"
        )
    require(height_in > 0 and width_in > 0, "height should be positive")
    require(height > 0 and width > 0, "height should be positive")
    return LayerSetup(tops=((legacy_dim(bottom, 0), legacy_dim(bottom, 1), height, width),))


@register_layer("ImageSegData", bottoms=0, tops=3, origin=PSPNET.origin)
def image_seg_data(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """ImageSegDataLayer (DeepLab's): images (batch_size, 3 or 1, H, W), label maps
    (batch_size, 1, H, W) and each image's size (batch_size, 1, 1, 2); H, W from
    crop_size or crop_height and crop_width, else the first image of the list.

    Draws as ImageData's: InitRand, the shuffle seed, one for rand_skip, InitRand again,
    the prefetch thread's seed. InitRand counts crop_size only, never crop_height/width.
    """
    param = layer.image_data_param
    require(
        (param.new_height == 0 and param.new_width == 0) or (param.new_height > 0 and param.new_width > 0),
        "Current implementation requires new_height and new_width to be set at the same time.",
    )
    transform = layer.transform_param
    written = layer.fields.get("transform_param", None) or Fields(Block())
    has_h, has_w = "crop_height" in written, "crop_width" in written
    require(
        (not transform.HasField("crop_size") and has_h and has_w) or (not has_h and not has_w),
        "Must either specify crop_size or both crop_height and crop_width.",
    )
    size: tuple[int | None, int | None]
    if transform.HasField("crop_size"):
        size = (transform.crop_size, transform.crop_size)
    elif has_h:
        size = (one(written, "crop_height", 0), one(written, "crop_width", 0))
    else:
        size = (param.new_height, param.new_width) if param.new_height else (None, None)
        if size == (None, None):
            size = datasources.first_image_dims(param.source, param.root_folder) or size
    if 0 in size:
        raise FillerError(f"crop {size[0]}x{size[1]}: both sides must be positive")
    batch_size = param.batch_size
    channels = 3 if param.is_color else 1
    draws = 2 * transform_draws(layer) + int(param.shuffle) + int(param.rand_skip > 0) + 1
    tops = ((batch_size, channels, *size), (batch_size, 1, *size), (batch_size, 1, 1, 2))
    return LayerSetup(tops=tops, setup_draws=draws)


@register_layer("SegAccuracy", bottoms=2, shape_free=True, origin=PSPNET.origin)
def seg_accuracy(layer: Layer, bottoms: Sequence[Shape | None], num_tops: int) -> LayerSetup:
    """SegAccuracyLayer (DeepLab's): (1, 1, 1, 3), after its checks that the scores and the
    label map cover the same pixels."""
    scores, labels = bottoms
    if scores is not None and labels is not None:
        require(
            legacy_dim(scores, 0) == legacy_dim(labels, 0), "The data and label should have the same number."
        )
        require(legacy_dim(labels, 1) == 1, "The label should have one channel.")
        require(
            legacy_dim(scores, 2) == legacy_dim(labels, 2), "The data should have the same height as label."
        )
        require(
            legacy_dim(scores, 3) == legacy_dim(labels, 3), "The data should have the same width as label."
        )
    return LayerSetup(tops=((1, 1, 1, 3),))
