"""Layers of the Caffe forks behind published nets, one module per fork, as registry
definitions (docs/forks.md names each fork, commit and file mirrored).

Each mirrors its fork's LayerSetUp/Reshape and caffe.proto defaults; fork parameters are read
from the fields as written (`layer.norm_param.get(...)`), with the fork's defaults. Shapes a
layer's data decides are None (unknown); a tuple with None in it is a shape the prototxt
fixes in part, which `--input`/input_shapes must agree with. A type name several forks
define differently is a set of variants (`variants`), told apart by evidence.
"""

from . import (
    caffe_windows,
    conv_dw,
    ctpn,
    depthwise,
    enet,
    face,
    fast_rcnn,
    hed,
    openpose,
    pspnet,
    py_faster_rcnn,
    py_rfcn,
    relu6,
    rfcn,
    segnet,
    senet,
    shufflenet,
    ssd,
    textboxes,
    yjxiong,
    yolo,
)
from .base import FORKS, Fork
from .variants import AmbiguousFork, variants_of

__all__ = [
    "FORKS",
    "AmbiguousFork",
    "Fork",
    "caffe_windows",
    "conv_dw",
    "ctpn",
    "depthwise",
    "enet",
    "face",
    "fast_rcnn",
    "hed",
    "openpose",
    "pspnet",
    "py_faster_rcnn",
    "py_rfcn",
    "relu6",
    "rfcn",
    "segnet",
    "senet",
    "shufflenet",
    "ssd",
    "textboxes",
    "variants_of",
    "yjxiong",
    "yolo",
]
