"""fillers: Caffe's weight fillers in Python, bit for bit.

`import fillers` loads nothing heavy: each public name below is imported from its module on
first use (PEP 562), so a program that never parses a spec never loads protobuf, and one
that only reads prototxt never loads PyYAML.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import FillerError

# Light, and `profiles` is named like its module: bound now, so that no later import of the
# submodule fillers.profiles can shadow the function.
from .profiles import Profile, profiles

if TYPE_CHECKING:
    from ._proto.filler_pb2 import FillerParameter
    from .core import backend
    from .counter import CounterRNG
    from .fillers import Filler
    from .layers import BlobSpec, Layer, LayerSetup, register_layer, registered_layers, unregister_layer
    from .net import init_net
    from .params import NetParams
    from .registry import GetFiller, get_filler, register, registered
    from .rules import Rule, load_rules
    from .spec import dump, from_dict, load, parse, to_dict, to_text
    from .specset import dump_all, load_all
    from .stream import CaffeRNG, set_random_seed
    from .threads import set_num_threads
    from .weights import load_weights, save_weights

# Public name -> the module that defines it.
_LAZY = {
    "FillerParameter": "._proto.filler_pb2",
    "backend": ".core",
    "CounterRNG": ".counter",
    "BlobSpec": ".layers",
    "Layer": ".layers",
    "LayerSetup": ".layers",
    "register_layer": ".layers",
    "registered_layers": ".layers",
    "unregister_layer": ".layers",
    "Filler": ".fillers",
    "init_net": ".net",
    "NetParams": ".params",
    "GetFiller": ".registry",
    "get_filler": ".registry",
    "register": ".registry",
    "registered": ".registry",
    "Rule": ".rules",
    "load_rules": ".rules",
    "dump": ".spec",
    "from_dict": ".spec",
    "load": ".spec",
    "parse": ".spec",
    "to_dict": ".spec",
    "to_text": ".spec",
    "dump_all": ".specset",
    "load_all": ".specset",
    "set_num_threads": ".threads",
    "CaffeRNG": ".stream",
    "set_random_seed": ".stream",
    "load_weights": ".weights",
    "save_weights": ".weights",
}

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
    "set_num_threads",
    "set_random_seed",
    "to_dict",
    "to_text",
    "unregister_layer",
]


# The submodules `import fillers` loaded before it became lazy: still reachable as attributes
# (`fillers.netproto.read_net`). Bridges to frameworks stay out: they load only when imported.
_SUBMODULES = frozenset(
    {
        "arrayfiles",
        "boost",
        "boxmuller",
        "caffemodel",
        "core",
        "counter",
        "counter_core",
        "draws",
        "eras",
        "fillers",
        "finetune",
        "formats",
        "layers",
        "layout",
        "libm",
        "limits",
        "net",
        "netfile",
        "netproto",
        "params",
        "prototext",
        "registry",
        "rules",
        "spec",
        "specset",
        "splits",
        "stream",
        "textproto",
        "weightfile",
        "weights",
    }
)


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later look-ups skip this hook
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
