"""What each Caffe layer makes at setup: top shapes, learnable blobs and their fillers.

One registry (`registry`) holds every definition: the BVLC layers (`catalog`), the fork
layers of the most-used published nets (`forks`) and the user's plugins.
"""

from . import declared as declared
from . import forks as forks
from .blob import BlobSpec, LayerSetup, Shape
from .catalog import BVLC_LAYERS, ShapeRule, layer_definition, setup_layer
from .registry import (
    Layer,
    LayerDefinition,
    definition_of,
    register_layer,
    registered_layers,
    unregister_layer,
)

__all__ = [
    "BVLC_LAYERS",
    "BlobSpec",
    "Layer",
    "LayerDefinition",
    "LayerSetup",
    "Shape",
    "ShapeRule",
    "definition_of",
    "layer_definition",
    "register_layer",
    "registered_layers",
    "setup_layer",
    "unregister_layer",
]
