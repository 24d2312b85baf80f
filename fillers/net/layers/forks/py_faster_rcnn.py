"""py-faster-rcnn's Python layers (rbgirshick/py-faster-rcnn), registered as
"Python:<module>.<class>"; their param_str is read as YAML, as the layers read it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ....errors import FillerError
from ..blob import LayerSetup, Shape, require
from ..registry import Layer, register_layer
from .base import fork
from .variants import register_variant

# The layer types of the Caffe its nets run on (caffe-fast-rcnn): evidence for its versions.
PY_FASTER_RCNN = fork(
    "py-faster-rcnn",
    "rbgirshick/py-faster-rcnn",
    "781a917b378dbfdedb45b6a56189a31982da1b43",
    "ROIPooling SmoothL1Loss",
)


def param_str(layer: Layer) -> dict[str, Any]:
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


@register_layer(
    "Python:roi_data_layer.layer.RoIDataLayer", bottoms=0, tops=(1, None), origin=PY_FASTER_RCNN.origin
)
def roi_data_layer(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """RoIDataLayer.setup. With three tops (data, im_info, gt_boxes: cfg.TRAIN.HAS_RPN, as
    the end2end config sets with IMS_PER_BATCH 1): (1, 3, 600, 1000), (1, 3), (1, 4).
    Otherwise (config.py's defaults, IMS_PER_BATCH 2): data, rois (1, 5), labels (1,) and,
    with BBOX_REG, bbox_targets and both weights (1, 4 * num_classes). Its shuffle uses
    numpy's generator, not Caffe's."""
    params = param_str(layer)
    if num_tops == 3:
        return LayerSetup(tops=((1, 3, 600, 1000), (1, 3), (1, 4)))
    require("num_classes" in params, "python_param.param_str must give 'num_classes'")
    per_class = (1, 4 * int(params["num_classes"]))
    tops = ((2, 3, 600, 1000), (1, 5), (1,), per_class, per_class, per_class)
    require(num_tops in (3, 6), f"RoIDataLayer makes 3 (RPN) or 6 tops; the net names {num_tops}")
    return LayerSetup(tops=tops[:num_tops])


@register_layer(
    "Python:rpn.anchor_target_layer.AnchorTargetLayer", bottoms=4, tops=4, origin=PY_FASTER_RCNN.origin
)
def anchor_target_layer(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """AnchorTargetLayer.setup: labels (1, 1, A * H, W), then three (1, A * 4, H, W), where
    H, W are rpn_cls_score's last two axes and A the anchors per position."""
    anchors = _num_anchors(param_str(layer))
    height, width = bottoms[0][-2:]
    targets = (1, anchors * 4, height, width)
    return LayerSetup(tops=((1, 1, anchors * height, width), targets, targets, targets))


@register_layer(
    "Python:rpn.proposal_layer.ProposalLayer", bottoms=3, tops=(1, 2), origin=PY_FASTER_RCNN.origin
)
def proposal_layer(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """ProposalLayer.setup: rois (1, 5), scores (1, 1, 1, 1)."""
    param_str(layer)
    return LayerSetup(tops=((1, 5), (1, 1, 1, 1))[:num_tops])


PROPOSAL_TARGET = "Python:rpn.proposal_target_layer.ProposalTargetLayer"


def num_classes(layer: Layer) -> int:
    """param_str's num_classes, which the target layers require."""
    params = param_str(layer)
    require("num_classes" in params, "python_param.param_str must give 'num_classes'")
    return int(params["num_classes"])


@register_variant(
    PROPOSAL_TARGET,
    PY_FASTER_RCNN,
    blocks={},
    bottoms=2,
    tops=5,
    makes="rois (1, 5), labels (1, 1), targets (1, 4 x classes)",
)
def proposal_target_layer(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """ProposalTargetLayer.setup: rois (1, 5), labels (1, 1), then three (1, 4 * num_classes)."""
    per_class = (1, 4 * num_classes(layer))
    return LayerSetup(tops=((1, 5), (1, 1), per_class, per_class, per_class))
