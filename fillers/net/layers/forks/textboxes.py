"""MhLiao's text detectors on SSD: TextBoxes (vertically offset default boxes) and TextBoxes++
(quadrilaterals: 12 location values per prior, denser prior boxes on demand)."""

from __future__ import annotations

from collections.abc import Sequence

from ..blob import LayerSetup, Shape, require
from ..registry import Layer
from .base import fork, one
from .ssd import (
    DETECTION_OUTPUT_FIELDS,
    MULTIBOX_FIELDS,
    PRIOR_BOX_FIELDS,
    SSD_TYPES,
    detection_output_setup,
    multibox_loss_setup,
    prior_box_setup,
)
from .variants import register_variant

TEXTBOXES = fork("textboxes", "MhLiao/TextBoxes", "fd4d7a96dce686938a8485ea5c2e895df592610a", SSD_TYPES)
TEXTBOXES_PP = fork(
    "textboxes++", "MhLiao/TextBoxes_plusplus", "39d4898de1504c53a2ed3d67966a57b3595836d0", SSD_TYPES
)


@register_variant(
    "PriorBox",
    TEXTBOXES,
    blocks={"prior_box_param": ("min_size", "max_size", "aspect_ratio", "flip", "clip", "variance")},
    bottoms=2,
    makes="twice SSD's priors (each box again, offset vertically); one min_size",
)
def prior_box(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """TextBoxes' PriorBoxLayer: SSD's count for its one min_size, doubled."""
    require(len(layer.prior_box_param.all("min_size")) <= 1, "TextBoxes' min_size is a single value")
    return prior_box_setup(layer, bottoms, doubled=True)


@register_variant(
    "PriorBox",
    TEXTBOXES_PP,
    blocks={"prior_box_param": (*PRIOR_BOX_FIELDS, "denser_prior_boxes")},
    bottoms=2,
    makes="SSD's priors, twice as many with denser_prior_boxes",
)
def prior_box_pp(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """TextBoxes++' PriorBoxLayer: SSD's, doubled when denser_prior_boxes."""
    denser = bool(one(layer.prior_box_param, "denser_prior_boxes", False))
    return prior_box_setup(layer, bottoms, doubled=denser)


def _per_prior(param: object) -> int:
    """Location values per prior: a box and a quadrilateral (4 + 8) with use_polygon (the
    default), else a box and a rotated rectangle (4 + 5)."""
    return 12 if one(param, "use_polygon", True) else 9


@register_variant(
    "DetectionOutput",
    TEXTBOXES_PP,
    blocks={"detection_output_param": (*DETECTION_OUTPUT_FIELDS, "use_polygon")},
    bottoms=(3, 5),
    makes="12 location values per prior with use_polygon (the default), else 9",
)
def detection_output(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """TextBoxes++' DetectionOutputLayer: SSD's checks with 12 or 9 values per prior."""
    return detection_output_setup(layer, bottoms, _per_prior(layer.detection_output_param))


@register_variant(
    "MultiBoxLoss",
    TEXTBOXES_PP,
    blocks={"multibox_loss_param": (*MULTIBOX_FIELDS, "use_polygon")},
    bottoms=4,
    tops=(0, 1),
    shape_free=True,
    makes="12 location values per prior with use_polygon (the default), else 9",
)
def multibox_loss(layer: Layer, bottoms: Sequence[Shape | None], num_tops: int) -> LayerSetup:
    """TextBoxes++' MultiBoxLossLayer: SSD's checks with 12 or 9 values per prior."""
    made = multibox_loss_setup(layer, bottoms, _per_prior(layer.multibox_loss_param))
    return LayerSetup(tops=made.tops[:num_tops])
