"""Layers of the Caffe forks behind the most-used published nets, as registry definitions.

Each mirrors its fork's LayerSetUp/Reshape and caffe.proto defaults; docs/forks.md names the
fork, commit and file, and says whether setup draws from Caffe's stream. Fork parameters
are read from the fields as written (`layer.norm_param.get(...)`), with the fork's defaults.

Shapes a layer's data decides are None (unknown); a tuple with None in it is a shape the
prototxt fixes in part (AnnotatedData: batch size and resize known, channels from the
database), which `--input`/input_shapes must agree with.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..._proto.filler_pb2 import TRAIN, DataParameter, FillerParameter
from ...errors import FillerError
from ...io.texttree import Block
from ..fields import Fields
from . import datasources, learnable
from .blob import BlobSpec, LayerSetup, Shape, c_div, legacy_dim, require
from .registry import Layer, register_layer

_SSD = "weiliu89/caffe (ssd)"
_YJX = "yjxiong/caffe (action_recog)"
_YJXIONG_TYPES = frozenset({"VideoData", "Gather"})


def _filler(value: Any, what: str) -> FillerParameter:
    if not isinstance(value, FillerParameter):
        raise FillerError(f"{what}: {value!r} is not a filler block")
    return value


def _num(fields: Any, name: str, default: Any) -> Any:
    value = fields.get(name, default)
    if isinstance(value, list):
        raise FillerError(f"{name}: set {len(value)} times; it takes one value")
    return value


def _transform_draws(layer: Layer) -> int:
    """DataTransformer::InitRand: one draw when the transform mirrors or crops in TRAIN."""
    transform = layer.transform_param
    return int(transform.mirror or (layer.phase == TRAIN and transform.crop_size > 0))


# --- SSD (weiliu89/caffe, branch ssd) -------------------------------------------------------


@register_layer("Normalize", origin=_SSD)
def normalize(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """NormalizeLayer: one scale per channel ((), if channel_shared, the default), filled by
    scale_filler, constant 1 without one."""
    bottom = bottoms[0]
    require(len(bottom) >= 2, "Number of axes of bottom blob must be >=2.")
    param = layer.norm_param
    filler = param.get("scale_filler")
    filler = (
        FillerParameter(type="constant", value=1.0) if filler is None else _filler(filler, "scale_filler")
    )
    shape = () if _num(param, "channel_shared", True) else (legacy_dim(bottom, 1),)
    return LayerSetup(tops=(bottom,), blobs=(BlobSpec(shape, filler),))


@register_layer("PriorBox", bottoms=2, origin=_SSD)
def prior_box(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """PriorBoxLayer: (1, 2, H * W * num_priors * 4); num_priors counts aspect ratios (1, each
    new one, its flip) per min_size, plus one per max_size."""
    param = layer.prior_box_param
    min_sizes = [float(v) for v in param.all("min_size")]
    require(bool(min_sizes), "must provide min_size.")
    require(all(v > 0 for v in min_sizes), "min_size must be positive.")
    ratios = [np.float32(1.0)]
    flip = _num(param, "flip", True)
    for value in param.all("aspect_ratio"):
        ratio = np.float32(value)
        if not any(abs(ratio - known) < 1e-6 for known in ratios):
            ratios.append(ratio)
            if flip:
                ratios.append(np.float32(1.0 / ratio))
    num_priors = len(ratios) * len(min_sizes)
    max_sizes = [float(v) for v in param.all("max_size")]
    if max_sizes:
        require(len(max_sizes) == len(min_sizes), "Check failed: min_size_size() == max_size_size()")
        require(
            all(b > a for a, b in zip(min_sizes, max_sizes, strict=True)),
            "max_size must be greater than min_size.",
        )
        num_priors += len(max_sizes)
    variance = param.all("variance")
    require(len(variance) in (0, 1, 4), f"variance: {len(variance)} values; give 1 or 4")
    require(all(v > 0 for v in variance), "variance must be positive")
    feature = bottoms[0]
    top = (1, 2, legacy_dim(feature, 3) * legacy_dim(feature, 2) * num_priors * 4)
    require(top[2] > 0, "Check failed: top_shape[2] > 0")
    return LayerSetup(tops=(top,))


@register_layer("Permute", origin=_SSD)
def permute(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """PermuteLayer: the given axis order, then the axes it leaves out, in order."""
    bottom = bottoms[0]
    orders: list[int] = []
    for order in layer.permute_param.all("order"):
        require(
            isinstance(order, int) and 0 <= order < len(bottom),
            "order should be less than the input dimension.",
        )
        require(order not in orders, "there are duplicate orders")
        orders.append(order)
    orders += [axis for axis in range(len(bottom)) if axis not in orders]
    return LayerSetup(tops=(tuple(bottom[axis] for axis in orders),))


@register_layer("DetectionOutput", bottoms=(3, 4), origin=_SSD)
def detection_output(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """DetectionOutputLayer: (1, 1, 1, 7) at setup, after its checks on the predictions."""
    param = layer.detection_output_param
    require("num_classes" in param, "Must specify num_classes")
    num_classes = _num(param, "num_classes", 0)
    share_location = _num(param, "share_location", True)
    loc_classes = 1 if share_location else num_classes
    loc, conf, priors = bottoms[0], bottoms[1], bottoms[2]
    require(legacy_dim(loc, 0) == legacy_dim(conf, 0), "Check failed: bottom[0]->num() == bottom[1]->num()")
    num_priors = legacy_dim(priors, 2) // 4
    _check_prediction_counts(loc, conf, num_priors, loc_classes, num_classes)
    return LayerSetup(tops=((1, 1, 1, 7),))


def _check_prediction_counts(
    loc: Shape, conf: Shape, num_priors: int, loc_classes: int, num_classes: int
) -> None:
    """SSD's checks that the location and confidence predictions cover every prior box."""
    require(
        num_priors * loc_classes * 4 == legacy_dim(loc, 1),
        "Number of priors must match number of location predictions.",
    )
    require(
        num_priors * num_classes == legacy_dim(conf, 1),
        "Number of priors must match number of confidence predictions.",
    )


@register_layer("MultiBoxLoss", bottoms=4, tops=(0, 1), shape_free=True, origin=_SSD)
def multibox_loss(layer: Layer, bottoms: Sequence[Shape | None], num_tops: int) -> LayerSetup:
    """MultiBoxLossLayer: a scalar loss. Its inner loss layers (SmoothL1Loss/EuclideanLoss,
    SoftmaxWithLoss/SigmoidCrossEntropyLoss) have no blobs and draw nothing."""
    param = layer.multibox_loss_param
    require("num_classes" in param, "Must provide num_classes.")
    num_classes = _num(param, "num_classes", 0)
    require(num_classes >= 1, "num_classes should not be less than 1.")
    loc_classes = 1 if _num(param, "share_location", True) else num_classes
    loc, conf, priors = bottoms[0], bottoms[1], bottoms[2]
    if loc is not None and conf is not None and priors is not None:
        num_priors = legacy_dim(priors, 2) // 4
        require(
            legacy_dim(loc, 0) == legacy_dim(conf, 0), "Check failed: bottom[0]->num() == bottom[1]->num()"
        )
        _check_prediction_counts(loc, conf, num_priors, loc_classes, num_classes)
    return LayerSetup(tops=((),)[:num_tops])


@register_layer("AnnotatedData", bottoms=0, tops=(1, 2), origin=_SSD)
def annotated_data(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """AnnotatedDataLayer: images (batch_size, C, H, W), C and (without a resize or crop) H, W
    from the first datum; labels (1, 1, boxes, 8) with boxes from the datum.

    Draws: the DataReader's body thread seed (1), DataTransformer::InitRand in
    BaseDataLayer and again in BasePrefetchingDataLayer, the prefetch thread's seed (1).
    """
    batch_size = layer.data_param.batch_size
    transform = layer.fields.get("transform_param")
    height = width = None
    resize = transform.get("resize_param") if transform is not None else None
    if resize is not None and _num(resize, "resize_mode", "WARP") in ("WARP", "FIT_LARGE_SIZE_AND_PAD"):
        height, width = _num(resize, "height", 0) or None, _num(resize, "width", 0) or None
    crop = layer.transform_param.crop_size
    channels = None
    first = datasources.first_annotated_datum(
        layer.data_param.source, DataParameter.DB.Name(layer.data_param.backend)
    )
    label: tuple[int | None, ...] = (1, 1, None, 8)
    if first is not None:
        datum, boxes, typed = first
        transform_param = layer.transform_param
        channels, datum_h, datum_w = datasources.datum_dims(
            datum, layer.data_param.source, transform_param.force_color, transform_param.force_gray
        )
        if height is None and (resize is None or _num(resize, "resize_mode", "WARP") == "WARP"):
            height, width = datum_h, datum_w
        # Without an annotation type (in the datum or anno_type) labels are one per image.
        typed = typed or "anno_type" in layer.fields.get("annotated_data_param", Fields(Block()))
        label = (1, 1, max(boxes, 1), 8) if typed else (batch_size, 1, 1, 1)
    if crop:
        height = width = crop
    data = (batch_size, channels, height, width)
    tops: tuple[Any, ...] = (data, label)
    draws = 1 + 2 * _transform_draws(layer) + 1
    return LayerSetup(tops=tops[:num_tops], setup_draws=draws)


# --- Fast/Faster R-CNN (rbgirshick/caffe-fast-rcnn, py-faster-rcnn) ---------------------------

_FRCNN = "rbgirshick/caffe-fast-rcnn (faster-rcnn)"


@register_layer("ROIPooling", bottoms=2, origin=_FRCNN)
def roi_pooling(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """ROIPoolingLayer: (rois, C, pooled_h, pooled_w)."""
    param = layer.roi_pooling_param
    pooled_h, pooled_w = _num(param, "pooled_h", 0), _num(param, "pooled_w", 0)
    require(pooled_h > 0, "pooled_h must be > 0")
    require(pooled_w > 0, "pooled_w must be > 0")
    return LayerSetup(tops=((legacy_dim(bottoms[1], 0), legacy_dim(bottoms[0], 1), pooled_h, pooled_w),))


@register_layer("SmoothL1Loss", bottoms=(2, 4), tops=(0, 1), shape_free=True, origin=_FRCNN)
def smooth_l1_loss(layer: Layer, bottoms: Sequence[Shape | None], num_tops: int) -> LayerSetup:
    """SmoothL1LossLayer: a scalar loss; with weights, both inside and outside ones."""
    require(len(bottoms) != 3, "If weights are used, must specify both inside and outside weights")
    known = [bottom for bottom in bottoms if bottom is not None]
    for other in known[1:]:
        require(
            all(legacy_dim(other, i) == legacy_dim(known[0], i) for i in (1, 2, 3)),
            "Check failed: bottoms agree on channels, height and width",
        )
    return LayerSetup(tops=((),)[:num_tops])


@register_layer(
    "SmoothL1LossOHEM", bottoms=(2, 3), tops=(0, 2), shape_free=True, origin="R-FCN OHEM caffe (Yi Li, 2016)"
)
def smooth_l1_loss_ohem(layer: Layer, bottoms: Sequence[Shape | None], num_tops: int) -> LayerSetup:
    """SmoothL1LossOHEMLayer: a scalar loss, then the per-instance loss (N, 1, H, W)."""
    known = [bottom for bottom in bottoms if bottom is not None]
    for other in known[1:]:
        require(
            all(legacy_dim(other, i) == legacy_dim(known[0], i) for i in (1, 2, 3)),
            "Check failed: bottoms agree on channels, height and width",
        )
    first = bottoms[0]
    per_instance = (
        None if first is None else (legacy_dim(first, 0), 1, legacy_dim(first, 2), legacy_dim(first, 3))
    )
    return LayerSetup(tops=((), per_instance)[:num_tops])


def _param_str(layer: Layer) -> dict[str, Any]:
    """The YAML of python_param.param_str, as py-faster-rcnn's layers read it."""
    import yaml  # here: PyYAML loads only for the nets that need it

    try:
        params = yaml.safe_load(layer.python_param.param_str) or {}
    except yaml.YAMLError as error:
        raise FillerError(f"python_param.param_str is not YAML: {error}") from None
    require(isinstance(params, dict), f"python_param.param_str: {params!r} is not a mapping")
    return params


def _num_anchors(params: dict[str, Any]) -> int:
    """generate_anchors: three aspect ratios for each scale (default scales 8, 16, 32)."""
    return 3 * len(params.get("scales", (8, 16, 32)))


_PY_FRCNN = "rbgirshick/py-faster-rcnn"


@register_layer("Python:roi_data_layer.layer.RoIDataLayer", bottoms=0, tops=(1, None), origin=_PY_FRCNN)
def roi_data_layer(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """RoIDataLayer.setup. With three tops (data, im_info, gt_boxes: cfg.TRAIN.HAS_RPN, as
    the end2end config sets with IMS_PER_BATCH 1): (1, 3, 600, 1000), (1, 3), (1, 4).
    Otherwise (config.py's defaults, IMS_PER_BATCH 2): data, rois (1, 5), labels (1,) and,
    with BBOX_REG, bbox_targets and both weights (1, 4 * num_classes). Its shuffle uses
    numpy's generator, not Caffe's."""
    params = _param_str(layer)
    if num_tops == 3:
        return LayerSetup(tops=((1, 3, 600, 1000), (1, 3), (1, 4)))
    require("num_classes" in params, "python_param.param_str must give 'num_classes'")
    per_class = (1, 4 * int(params["num_classes"]))
    tops = ((2, 3, 600, 1000), (1, 5), (1,), per_class, per_class, per_class)
    require(num_tops in (3, 6), f"RoIDataLayer makes 3 (RPN) or 6 tops; the net names {num_tops}")
    return LayerSetup(tops=tops[:num_tops])


@register_layer("Python:rpn.anchor_target_layer.AnchorTargetLayer", bottoms=4, tops=4, origin=_PY_FRCNN)
def anchor_target_layer(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """AnchorTargetLayer.setup: labels (1, 1, A * H, W), then three (1, A * 4, H, W), where
    H, W are rpn_cls_score's last two axes and A the anchors per position."""
    anchors = _num_anchors(_param_str(layer))
    height, width = bottoms[0][-2:]
    targets = (1, anchors * 4, height, width)
    return LayerSetup(tops=((1, 1, anchors * height, width), targets, targets, targets))


@register_layer("Python:rpn.proposal_layer.ProposalLayer", bottoms=3, tops=(1, 2), origin=_PY_FRCNN)
def proposal_layer(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """ProposalLayer.setup: rois (1, 5), scores (1, 1, 1, 1)."""
    _param_str(layer)
    return LayerSetup(tops=((1, 5), (1, 1, 1, 1))[:num_tops])


@register_layer("Python:rpn.proposal_target_layer.ProposalTargetLayer", bottoms=2, tops=5, origin=_PY_FRCNN)
def proposal_target_layer(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """ProposalTargetLayer.setup: rois (1, 5), labels (1, 1), then three (1, 4 * num_classes)."""
    params = _param_str(layer)
    require("num_classes" in params, "python_param.param_str must give 'num_classes'")
    per_class = (1, 4 * int(params["num_classes"]))
    return LayerSetup(tops=((1, 5), (1, 1), per_class, per_class, per_class))


# --- SegNet, PSPNet, yjxiong: BN, Upsample, Interp ------------------------------------------


@register_layer("BN", tops=(1, 3), origin="alexgkendall/caffe-segnet; hszhao/PSPNet; yjxiong/caffe")
def bn(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """BNLayer of three forks sharing the type name, told apart by bn_param's fields.

    SegNet (scale_filler, shift_filler, bn_mode): scale then shift, (1, C, 1, 1), each filled
    by its filler (FillerParameter's default, constant 0, without one); tops 2 and 3 are the
    batch mean and variance (1, C, 1, 1).
    PSPNet / yjxiong (slope_filler, bias_filler, momentum, eps, frozen): slope and bias filled
    by their fillers, then the moving mean (zeros) and variance (ones if frozen, else zeros);
    yjxiong's are (1, C), PSPNet's (1, C, 1, 1), same values. The fields are the same, so a
    net using yjxiong's own layers (VideoData, Gather) takes yjxiong's layout, any other
    PSPNet's.
    """
    param = layer.bn_param
    bottom = bottoms[0]
    channels = legacy_dim(bottom, 1)
    segnet = any(name in param for name in ("scale_filler", "shift_filler", "bn_mode"))
    pspnet = any(
        name in param for name in ("slope_filler", "bias_filler", "momentum", "eps", "frozen", "engine")
    )
    require(not (segnet and pspnet), "bn_param mixes SegNet's fields with PSPNet's/yjxiong's")
    shape = (1, channels, 1, 1)
    if segnet or not pspnet:
        scale = _filler(param.get("scale_filler", FillerParameter()), "scale_filler")
        shift = _filler(param.get("shift_filler", FillerParameter()), "shift_filler")
        tops = (bottom, (1, channels, 1, 1), (1, channels, 1, 1))
        return LayerSetup(tops=tops[:num_tops], blobs=(BlobSpec(shape, scale), BlobSpec(shape, shift)))
    require(num_tops == 1, "this BN layer makes 1 top")
    if layer.net_types & _YJXIONG_TYPES:
        shape = (1, channels)
    slope = _filler(param.get("slope_filler", FillerParameter()), "slope_filler")
    bias = _filler(param.get("bias_filler", FillerParameter()), "bias_filler")
    variance = FillerParameter(type="constant", value=1.0) if _num(param, "frozen", False) else None
    blobs = (BlobSpec(shape, slope), BlobSpec(shape, bias), BlobSpec(shape, None), BlobSpec(shape, variance))
    return LayerSetup(tops=(bottom,), blobs=blobs)


@register_layer("DenseImageData", bottoms=0, tops=2, origin="alexgkendall/caffe-segnet")
def dense_image_data(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """DenseImageDataLayer: images (batch_size, 3 or 1, H, W) and label images
    (batch_size, 1, H, W); H, W from crop_size, crop_height/width, new_height/width, else
    the first image.

    Draws: InitRand twice (mirror, or crop in TRAIN), the shuffle generator's seed, one for
    rand_skip; this fork's threads draw no seed.
    """
    param = layer.dense_image_data_param
    new_h, new_w = _num(param, "new_height", 0), _num(param, "new_width", 0)
    crop_h, crop_w = _num(param, "crop_height", 0), _num(param, "crop_width", 0)
    require(
        (new_h == 0 and new_w == 0) or (new_h > 0 and new_w > 0),
        "Current implementation requires new_height and new_width to be set at the same time.",
    )
    require(
        (crop_h == 0 and crop_w == 0) or (crop_h > 0 and crop_w > 0),
        "Current implementation requires crop_height and crop_width to be set at the same time.",
    )
    crop = layer.transform_param.crop_size
    size: tuple[int | None, int | None]
    if crop > 0:
        size = (crop, crop)
    elif crop_h > 0:
        size = (crop_h, crop_w)
    else:
        size = (new_h, new_w) if new_h > 0 else (None, None)
    batch_size = _num(param, "batch_size", 0)
    channels = 3 if _num(param, "is_color", True) else 1
    draws = 2 * _transform_draws(layer) + int(bool(_num(param, "shuffle", False)))
    draws += int(_num(param, "rand_skip", 0) > 0)
    return LayerSetup(tops=((batch_size, channels, *size), (batch_size, 1, *size)), setup_draws=draws)


@register_layer("Upsample", bottoms=2, origin="alexgkendall/caffe-segnet")
def upsample(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """UpsampleLayer: (N, C, upsample_h, upsample_w), or H * scale_h - pad_out_h (and W)."""
    param = layer.upsample_param
    data, mask = bottoms
    require(len(data) == 4, "Input must have 4 axes, corresponding to (num, channels, height, width)")
    require(len(mask) == 4, "Input mask must have 4 axes, corresponding to (num, channels, height, width)")
    require(data == mask, "Check failed: the data and mask bottoms have the same shape")
    has = param.__contains__
    require(
        (has("upsample_h") and has("upsample_w"))
        or (not has("scale") and has("scale_h") and has("scale_w"))
        or (not has("scale_h") and not has("scale_w")),
        "upsample_h & upsample_w are required, else (DEPRECATED) scale OR scale_h & scale_w are required.",
    )
    if has("upsample_h") and has("upsample_w"):
        out_h, out_w = _num(param, "upsample_h", 0), _num(param, "upsample_w", 0)
        require(out_h > 1 and out_w > 1, "Check failed: upsample_h_ > 1 and upsample_w_ > 1")
    else:
        scale_h = _num(param, "scale_h", None) if has("scale_h") else _num(param, "scale", 2)
        scale_w = _num(param, "scale_w", None) if has("scale_h") else scale_h
        require(scale_h > 1 and scale_w > 1, "Check failed: scale > 1")
        pad_h, pad_w = bool(_num(param, "pad_out_h", False)), bool(_num(param, "pad_out_w", False))
        require(not pad_h or scale_h == 2, "Output height padding compensation requires scale_h == 2")
        require(not pad_w or scale_w == 2, "Output width padding compensation requires scale_w == 2")
        out_h, out_w = data[2] * scale_h - int(pad_h), data[3] * scale_w - int(pad_w)
    return LayerSetup(tops=((data[0], data[1], out_h, out_w),))


@register_layer("Interp", origin="hszhao/PSPNet (DeepLab's Interp)")
def interp(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """InterpLayer: shrink, zoom, both, or an explicit height and width, after cropping."""
    param = layer.interp_param
    pad_beg, pad_end = _num(param, "pad_beg", 0), _num(param, "pad_end", 0)
    require(pad_beg <= 0 and pad_end <= 0, "Only supports non-pos padding (cropping) for now")
    bottom = bottoms[0]
    height_in = legacy_dim(bottom, 2) + pad_beg + pad_end
    width_in = legacy_dim(bottom, 3) + pad_beg + pad_end
    has = param.__contains__
    shrink, zoom = _num(param, "shrink_factor", 1), _num(param, "zoom_factor", 1)
    if has("shrink_factor") and not has("zoom_factor"):
        require(shrink >= 1, "Shrink factor must be positive")
        height, width = c_div(height_in - 1, shrink) + 1, c_div(width_in - 1, shrink) + 1
    elif has("zoom_factor") and not has("shrink_factor"):
        require(zoom >= 1, "Zoom factor must be positive")
        height, width = height_in + (height_in - 1) * (zoom - 1), width_in + (width_in - 1) * (zoom - 1)
    elif has("height") and has("width"):
        height, width = _num(param, "height", 0), _num(param, "width", 0)
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


# --- R-FCN, MobileNet, ShuffleNet -------------------------------------------------------------


@register_layer("PSROIPooling", bottoms=2, origin="daijifeng001/caffe-rfcn")
def psroi_pooling(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """PSROIPoolingLayer: (rois, output_dim, group_size, group_size); its three fields are
    `required` in R-FCN's caffe.proto."""
    param = layer.psroi_pooling_param
    for name in ("spatial_scale", "output_dim", "group_size"):
        require(name in param, f"psroi_pooling_param.{name} is required")
    output_dim, group_size = _num(param, "output_dim", 0), _num(param, "group_size", 0)
    require(output_dim > 0, "output_dim must be > 0")
    require(group_size > 0, "group_size must be > 0")
    require(
        legacy_dim(bottoms[0], 1) == output_dim * group_size * group_size,
        "input channel number does not match layer parameters",
    )
    return LayerSetup(tops=((legacy_dim(bottoms[1], 0), output_dim, group_size, group_size),))


@register_layer("ConvolutionDepthwise", origin="canteen-man/MobileNet-SSD-Focal-loss (conv_dw_layer)")
def convolution_depthwise(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """ConvolutionDepthwiseLayer: one kernel per channel, whatever num_output and group say:
    weight (C, 1, kh, kw), bias (C,); top (N, C, H', W')."""
    param = layer.convolution_param
    bottom = bottoms[0]
    require(len(bottom) == 4, "ConvolutionDepthwise takes (num, channels, height, width)")

    def pair(single: str, h: str, w: str, default: int | None) -> tuple[int, int]:
        if param.HasField(h) and param.HasField(w):
            return getattr(param, h), getattr(param, w)
        values = list(getattr(param, single))
        if not values:
            require(default is not None, f"convolution_param.{single} is required")
            return default, default
        return (values[0], values[0]) if len(values) == 1 else (values[0], values[1])

    kernel = pair("kernel_size", "kernel_h", "kernel_w", None)
    stride = pair("stride", "stride_h", "stride_w", 1)
    pad = pair("pad", "pad_h", "pad_w", 0)
    dilation = list(param.dilation) or [1]
    dilation = (dilation[0], dilation[0]) if len(dilation) == 1 else (dilation[0], dilation[1])
    require(min(kernel) > 0 and min(stride) > 0, "kernel and stride must be positive")
    channels = bottom[1]
    spatial = tuple(
        c_div(size + 2 * p - (d * (k - 1) + 1), s) + 1
        for size, p, d, k, s in zip(bottom[2:], pad, dilation, kernel, stride, strict=True)
    )
    blobs = [BlobSpec((channels, 1, *kernel), param.weight_filler)]
    if param.bias_term:
        blobs.append(BlobSpec((channels,), param.bias_filler))
    return LayerSetup(tops=((bottom[0], channels, *spatial),), blobs=tuple(blobs))


register_layer(
    "DepthwiseConvolution",
    bottoms=(1, None),
    tops=(1, None),
    tops_follow_bottoms=True,
    origin="yonghenglh6/DepthwiseConvolution (a BaseConvolutionLayer: Convolution's blobs)",
)(lambda layer, bottoms, num_tops: learnable.convolution(layer, bottoms, num_tops))


@register_layer("ShuffleChannel", origin="farmingyard/ShuffleNet")
def shuffle_channel(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """ShuffleChannelLayer: shaped like its bottom (N, C, H, W); group > 0."""
    require(_num(layer.shuffle_channel_param, "group", 1) > 0, "group must be greater than 0")
    bottom = bottoms[0]
    return LayerSetup(tops=(tuple(legacy_dim(bottom, i) for i in range(4)),))


@register_layer("ReLU6", origin="chuanqi305/ssd (relu6_layer)")
def relu6(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """ReLU6Layer, a NeuronLayer: shaped like its bottom."""
    return LayerSetup(tops=(bottoms[0],))


# --- yjxiong/caffe (TSN): VideoData, Gather -----------------------------------------------------


@register_layer("VideoData", bottoms=0, tops=2, origin=_YJX)
def video_data(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """VideoDataLayer: (batch_size, C * new_length * num_segments, crop or new size), labels
    (batch_size, 1, 1, 1); C is 3 (RGB), 1 (grayscale) or 2 (FLOW).

    Draws: InitRand twice (BaseDataLayer, BasePrefetchingDataLayer), the shuffle generator's
    seed when shuffling, the frame generator's seed; this fork's threads draw no seed.
    """
    param = layer.video_data_param
    batch_size = _num(param, "batch_size", 0)
    new_length, segments = _num(param, "new_length", 1), _num(param, "num_segments", 1)
    flow = _num(param, "modality", "RGB") == "FLOW"
    colors = 2 if flow else (1 if _num(param, "grayscale", False) else 3)
    crop = layer.transform_param.crop_size
    new_h, new_w = _num(param, "new_height", 0), _num(param, "new_width", 0)
    size: tuple[int | None, int | None] = (
        (crop, crop) if crop else ((new_h, new_w) if new_h > 0 and new_w > 0 else (None, None))
    )
    data = (batch_size, colors * new_length * segments, *size)
    draws = 2 * _transform_draws(layer) + int(bool(_num(param, "shuffle", False))) + 1
    return LayerSetup(tops=(data, (batch_size, 1, 1, 1)), setup_draws=draws)


@register_layer("Gather", bottoms=(1, None), tops=(1, None), tops_follow_bottoms=True, origin=_YJX)
def gather(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """GatherLayer (one process, no MPI): each top is its bottom."""
    return LayerSetup(tops=tuple(bottoms))
