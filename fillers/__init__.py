"""fillers: Caffe's weight fillers in Python, bit for bit."""

from ._proto.filler_pb2 import FillerParameter
from .core import backend
from .counter import CounterRNG
from .errors import FillerError
from .fillers import Filler
from .net import init_net
from .params import NetParams
from .registry import GetFiller, get_filler, register, registered
from .rules import Rule, load_rules
from .spec import dump, from_dict, load, parse, to_dict, to_text
from .specset import dump_all, load_all
from .stream import CaffeRNG, set_random_seed

__all__ = [
    "CaffeRNG",
    "CounterRNG",
    "Filler",
    "FillerError",
    "FillerParameter",
    "GetFiller",
    "NetParams",
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
    "parse",
    "register",
    "registered",
    "set_random_seed",
    "to_dict",
    "to_text",
]
