"""py-R-FCN (YuwenXiong/py-R-FCN): py-faster-rcnn's Python layers, its ProposalTargetLayer
with 4-axis tops; its nets run on Microsoft/caffe."""

from __future__ import annotations

from collections.abc import Sequence

from ..blob import LayerSetup, Shape
from ..registry import Layer
from .base import fork
from .py_faster_rcnn import PROPOSAL_TARGET, num_classes
from .rfcn import MICROSOFT
from .variants import register_variant

# The layer types of the Caffe its nets run on: evidence for its Python layers' versions.
PY_RFCN = fork(
    "py-r-fcn",
    "YuwenXiong/py-R-FCN",
    "290dba7fad47f1ec74e2d1675e72cca6efb6cc14",
    " ".join(sorted(MICROSOFT.types)),
)


@register_variant(
    PROPOSAL_TARGET,
    PY_RFCN,
    blocks={},
    bottoms=2,
    tops=5,
    makes="rois (1, 5, 1, 1), labels (1, 1, 1, 1), targets (1, 4 x classes, 1, 1)",
)
def proposal_target_layer(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """ProposalTargetLayer.setup (lib/rpn/proposal_target_layer.py): py-faster-rcnn's tops
    with two trailing axes of 1."""
    per_class = (1, 4 * num_classes(layer), 1, 1)
    return LayerSetup(tops=((1, 5, 1, 1), (1, 1, 1, 1), per_class, per_class, per_class))
