"""SSD (weiliu89/caffe, branch ssd) and the detectors built on it: FaceBoxes' PriorBox,
RefineDet's MultiBoxLoss."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ...._proto.filler_pb2 import DataParameter, FillerParameter
from ....io.texttree import Block
from ...fields import Fields
from .. import datasources
from ..blob import BlobSpec, LayerSetup, Shape, legacy_dim, require
from ..registry import Layer, register_layer
from .base import filler_or, fork, one, transform_draws, words
from .variants import register_variant

SSD = fork(
    "ssd",
    "weiliu89/caffe, branch ssd",
    "4817bf8b4200b35ada8ed0dc378dceaf38c539e4",
    "AnnotatedData DetectionEvaluate DetectionOutput MultiBoxLoss Normalize Permute PriorBox VideoData",
)
SSD_TYPES = " ".join(sorted(SSD.types))
# FaceBoxes and RefineDet define SSD's types and no other: only their code tells them apart.
FACEBOXES = fork("faceboxes", "sfzhang15/FaceBoxes", "b52cc92f9362d3adc08d54666aeb9ebb62fdb7da", SSD_TYPES)
REFINEDET = fork("refinedet", "sfzhang15/RefineDet", "52b6fe23dc1a160fe710b7734576dca509bf4fae", SSD_TYPES)

DETECTION_OUTPUT_FIELDS = words(
    "num_classes share_location background_label_id nms_param save_output_param code_type "
    "variance_encoded_in_target keep_top_k confidence_threshold visualize visualize_threshold save_file"
)
_NORM_PARAM = {"norm_param": ("across_spatial", "scale_filler", "channel_shared", "eps")}
PRIOR_BOX_FIELDS = words(
    "min_size max_size aspect_ratio flip clip variance img_size img_h img_w step step_h step_w offset"
)
_PRIOR_BOX_PARAM = {"prior_box_param": PRIOR_BOX_FIELDS}
MULTIBOX_FIELDS = words(
    "loc_loss_type conf_loss_type loc_weight num_classes share_location match_type overlap_threshold "
    "use_prior_for_matching background_label_id use_difficult_gt do_neg_mining neg_pos_ratio neg_overlap "
    "code_type encode_variance_in_target map_object_to_agnostic ignore_cross_boundary_bbox bp_inside "
    "mining_type nms_param sample_size use_prior_for_nms"
)


@register_variant(
    "Normalize", SSD, blocks=_NORM_PARAM, makes="a scale blob, () or (C,), filled by scale_filler"
)
def normalize(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """NormalizeLayer: one scale per channel ((), if channel_shared, the default), filled by
    scale_filler, constant 1 without one; the top is shaped like the bottom."""
    bottom = bottoms[0]
    require(len(bottom) >= 2, "Number of axes of bottom blob must be >=2.")
    param = layer.norm_param
    filler = filler_or(param, "scale_filler", FillerParameter(type="constant", value=1.0))
    shape = () if one(param, "channel_shared", True) else (legacy_dim(bottom, 1),)
    return LayerSetup(tops=(bottom,), blobs=(BlobSpec(shape, filler),))


def prior_box_setup(
    layer: Layer, bottoms: Sequence[Shape], densities: bool = False, doubled: bool = False
) -> LayerSetup:
    """PriorBoxLayer: (1, 2, H * W * num_priors * 4); num_priors counts aspect ratios (1, each
    new one, its flip) per min_size, plus one per max_size. With `densities` (FaceBoxes),
    three min_sizes make 21 priors, the dense anchors 4 x 4 + 2 x 2 + 1; `doubled`
    (TextBoxes' vertically offset boxes) makes twice as many."""
    param = layer.prior_box_param
    min_sizes = [float(v) for v in param.all("min_size")]
    require(bool(min_sizes), "must provide min_size.")
    require(all(v > 0 for v in min_sizes), "min_size must be positive.")
    ratios = [np.float32(1.0)]
    flip = one(param, "flip", True)
    for value in param.all("aspect_ratio"):
        ratio = np.float32(value)
        if not any(abs(ratio - known) < 1e-6 for known in ratios):
            ratios.append(ratio)
            if flip:
                ratios.append(np.float32(1.0 / ratio))
    num_priors = 21 if densities and len(min_sizes) == 3 else len(ratios) * len(min_sizes)
    max_sizes = [float(v) for v in param.all("max_size")]
    if max_sizes:
        require(len(max_sizes) == len(min_sizes), "Check failed: min_size_size() == max_size_size()")
        require(
            all(b > a for a, b in zip(min_sizes, max_sizes, strict=True)),
            "max_size must be greater than min_size.",
        )
        num_priors += len(max_sizes)
    num_priors *= 2 if doubled else 1
    variance = param.all("variance")
    require(len(variance) in (0, 1, 4), f"variance: {len(variance)} values; give 1 or 4")
    require(all(v > 0 for v in variance), "variance must be positive")
    feature = bottoms[0]
    top = (1, 2, legacy_dim(feature, 3) * legacy_dim(feature, 2) * num_priors * 4)
    require(top[2] > 0, "Check failed: top_shape[2] > 0")
    return LayerSetup(tops=(top,))


@register_variant(
    "PriorBox", SSD, blocks=_PRIOR_BOX_PARAM, bottoms=2, makes="ratios x min_sizes + max_sizes priors"
)
def prior_box(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """SSD's PriorBoxLayer (see `_prior_box`)."""
    return prior_box_setup(layer, bottoms)


@register_variant(
    "PriorBox",
    FACEBOXES,
    blocks=_PRIOR_BOX_PARAM,
    bottoms=2,
    makes="21 priors for three min_sizes (densities 4, 2, 1), else as SSD's",
)
def faceboxes_prior_box(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """FaceBoxes' PriorBoxLayer: SSD's, except that three min_sizes are densified anchors."""
    return prior_box_setup(layer, bottoms, densities=True)


@register_layer("Permute", origin=SSD.origin)
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


def detection_output_setup(layer: Layer, bottoms: Sequence[Shape], per_prior: int = 4) -> LayerSetup:
    """DetectionOutputLayer: (1, 1, 1, 7) at setup, after its checks on the predictions
    (`per_prior` location values for each prior and location class)."""
    param = layer.detection_output_param
    require("num_classes" in param, "Must specify num_classes")
    num_classes = one(param, "num_classes", 0)
    share_location = one(param, "share_location", True)
    loc_classes = 1 if share_location else num_classes
    loc, conf, priors = bottoms[0], bottoms[1], bottoms[2]
    require(legacy_dim(loc, 0) == legacy_dim(conf, 0), "Check failed: bottom[0]->num() == bottom[1]->num()")
    num_priors = legacy_dim(priors, 2) // 4
    check_prediction_counts(loc, conf, num_priors, loc_classes, num_classes, per_prior)
    return LayerSetup(tops=((1, 1, 1, 7),))


# Its header's MinBottomBlobs/MaxBottomBlobs are not Layer's, so Caffe counts no bottoms;
# RefineDet's adds the anchor refinement's confidences and locations as bottoms 4 and 5.
@register_variant(
    "DetectionOutput",
    SSD,
    blocks={"detection_output_param": DETECTION_OUTPUT_FIELDS},
    bottoms=(3, 5),
    makes="4 location values per prior",
)
def detection_output(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """SSD's (and RefineDet's) DetectionOutputLayer (see `detection_output_setup`)."""
    return detection_output_setup(layer, bottoms)


register_variant(
    "DetectionOutput",
    REFINEDET,
    blocks={"detection_output_param": (*DETECTION_OUTPUT_FIELDS, "objectness_score")},
    bottoms=(3, 5),
    makes="4 location values per prior",
)(detection_output)


def check_prediction_counts(
    loc: Shape, conf: Shape, num_priors: int, loc_classes: int, num_classes: int, per_prior: int = 4
) -> None:
    """SSD's checks that the location and confidence predictions cover every prior box."""
    require(
        num_priors * loc_classes * per_prior == legacy_dim(loc, 1),
        "Number of priors must match number of location predictions.",
    )
    require(
        num_priors * num_classes == legacy_dim(conf, 1),
        "Number of priors must match number of confidence predictions.",
    )


def multibox_loss_setup(layer: Layer, bottoms: Sequence[Shape | None], per_prior: int = 4) -> LayerSetup:
    """MultiBoxLossLayer: a scalar loss. Its inner loss layers (SmoothL1Loss/EuclideanLoss,
    SoftmaxWithLoss/SigmoidCrossEntropyLoss) have no blobs and draw nothing."""
    param = layer.multibox_loss_param
    require("num_classes" in param, "Must provide num_classes.")
    num_classes = one(param, "num_classes", 0)
    require(num_classes >= 1, "num_classes should not be less than 1.")
    loc_classes = 1 if one(param, "share_location", True) else num_classes
    loc, conf, priors = bottoms[0], bottoms[1], bottoms[2]
    if loc is not None and conf is not None and priors is not None:
        num_priors = legacy_dim(priors, 2) // 4
        require(
            legacy_dim(loc, 0) == legacy_dim(conf, 0), "Check failed: bottom[0]->num() == bottom[1]->num()"
        )
        check_prediction_counts(loc, conf, num_priors, loc_classes, num_classes, per_prior)
    return LayerSetup(tops=((),))


def _multibox_loss(layer: Layer, bottoms: Sequence[Shape | None], num_tops: int) -> LayerSetup:
    made = multibox_loss_setup(layer, bottoms)
    return LayerSetup(tops=made.tops[:num_tops])


register_variant(
    "MultiBoxLoss",
    SSD,
    blocks={"multibox_loss_param": MULTIBOX_FIELDS},
    bottoms=4,
    tops=(0, 1),
    shape_free=True,
    makes="4 bottoms",
)(_multibox_loss)
register_variant(
    "MultiBoxLoss",
    REFINEDET,
    blocks={"multibox_loss_param": (*MULTIBOX_FIELDS, "objectness_score")},
    bottoms=(4, 6),
    tops=(0, 1),
    shape_free=True,
    makes="4 to 6 bottoms (the anchor refinement's confidences and locations last)",
)(_multibox_loss)


@register_layer("AnnotatedData", bottoms=0, tops=(1, 2), origin=SSD.origin)
def annotated_data(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """AnnotatedDataLayer: images (batch_size, C, H, W), C and (without a resize or crop) H, W
    from the first datum; labels (1, 1, boxes, 8) with boxes from the datum.

    Draws: the DataReader's body thread seed (1), DataTransformer::InitRand in
    BaseDataLayer and again in BasePrefetchingDataLayer, the prefetch thread's seed (1).
    """
    batch_size = layer.data_param.batch_size
    transform = layer.fields.get("transform_param")
    height = width = None
    resize = one(transform, "resize_param", None) if isinstance(transform, Fields) else None
    mode = one(resize, "resize_mode", "WARP") if resize is not None else "WARP"
    if resize is not None and mode in ("WARP", "FIT_LARGE_SIZE_AND_PAD"):
        height, width = one(resize, "height", 0) or None, one(resize, "width", 0) or None
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
        if height is None and mode == "WARP":
            height, width = datum_h, datum_w
        # Without an annotation type (in the datum or anno_type) labels are one per image.
        typed = typed or "anno_type" in layer.fields.get("annotated_data_param", Fields(Block()))
        label = (1, 1, max(boxes, 1), 8) if typed else (batch_size, 1, 1, 1)
    if crop:
        height = width = crop
    data = (batch_size, channels, height, width)
    tops: tuple[Any, ...] = (data, label)
    draws = 1 + 2 * transform_draws(layer) + 1
    return LayerSetup(tops=tops[:num_tops], setup_draws=draws)


@register_layer("DetectionEvaluate", bottoms=2, shape_free=True, origin=SSD.origin)
def detection_evaluate(layer: Layer, bottoms: Sequence[Shape | None], num_tops: int) -> LayerSetup:
    """DetectionEvaluateLayer: (1, 1, positive classes + valid detections, 5). At setup the
    detections blob is freshly zeroed, so each of its rows counts as valid (label 0 is not
    -1); positive classes leave out background_label_id unless it is -1. The name_size_file
    it opens does not change shapes and is not read here."""
    param = layer.detection_evaluate_param
    require("num_classes" in param, "Must provide num_classes.")
    require(one(param, "overlap_threshold", 0.5) > 0, "overlap_threshold must be non negative.")
    detections, labels = bottoms
    for blob, width in ((detections, 7), (labels, 8)):
        if blob is not None:
            require(
                legacy_dim(blob, 0) == 1 and legacy_dim(blob, 1) == 1 and legacy_dim(blob, 3) == width,
                f"Check failed: a (1, 1, N, {width}) bottom; got {blob}",
            )
    num_classes = one(param, "num_classes", 0)
    positive = num_classes if one(param, "background_label_id", 0) == -1 else num_classes - 1
    rows = None if detections is None else positive + legacy_dim(detections, 2)
    return LayerSetup(tops=(None if rows is None else (1, 1, rows, 5),))
