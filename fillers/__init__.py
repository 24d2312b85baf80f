"""fillers: Caffe's weight fillers in Python, bit for bit."""

from ._proto.filler_pb2 import FillerParameter
from .core import backend
from .counter import CounterRNG
from .errors import FillerError
from .fillers import Filler
from .layers import BlobSpec, Layer, LayerSetup, register_layer, registered_layers, unregister_layer
from .net import init_net
from .params import NetParams
from .profiles import Profile, profiles
from .registry import GetFiller, get_filler, register, registered
from .rules import Rule, load_rules
from .spec import dump, from_dict, load, parse, to_dict, to_text
from .specset import dump_all, load_all
from .stream import CaffeRNG, set_random_seed
from .weights import load_weights, save_weights

__all__ = [
    "BlobSpec",
    "CaffeRNG",
    "CounterRNG",
    "Filler",
    "FillerError",
    "FillerParameter",
    "GetFiller",
    "Layer",
    "LayerSetup",
    "NetParams",
    "Profile",
    "Rule",
    "backend",
    "dump",
    "dump_all",
    "from_dict",
    "get_filler",
    "init_net",
    "load",
    "load_all",
    "load_rules",
    "load_weights",
    "parse",
    "profiles",
    "register",
    "register_layer",
    "registered",
    "registered_layers",
    "save_weights",
    "set_random_seed",
    "to_dict",
    "to_text",
    "unregister_layer",
]
