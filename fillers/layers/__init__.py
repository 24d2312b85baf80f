"""What each Caffe layer makes at setup: top shapes, learnable blobs and their fillers."""

from .blob import BlobSpec, LayerSetup, Shape
from .catalog import KINDS, LayerKind, ShapeRule, layer_kind, setup_layer

__all__ = ["KINDS", "BlobSpec", "LayerKind", "LayerSetup", "Shape", "ShapeRule", "layer_kind", "setup_layer"]
