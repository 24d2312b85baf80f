"""fillers: Caffe's weight fillers in Python, bit for bit.

`import fillers` loads nothing heavy: each public name below is imported from its module on
first use (PEP 562), so a program that never parses a spec never loads protobuf, and one
that only reads prototxt never loads PyYAML.
"""

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

# The framework bridges, imported by their users as `fillers.torch` and so on.
_BRIDGES = frozenset({"dask", "jax", "keras", "torch"})


class _PublicSurface(types.ModuleType):
    """`fillers` as its users see it: the contract's names and the bridges, nothing else.

    Importing a submodule sets it as an attribute of its package; refusing those attributes
    here keeps the internal layout (fillers.net, fillers.random, ...) out of `fillers.X`, so it
    can move without breaking anyone. Imports of submodules still work: Python falls back to
    sys.modules when the attribute is missing.
    """

    def __setattr__(self, name: str, value: object) -> None:
        if isinstance(value, types.ModuleType) and name not in _BRIDGES:
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _PublicSurface

from .errors import FillerError  # noqa: E402
from .stream.profiles import Profile, profiles  # noqa: E402

if TYPE_CHECKING:
    from ._proto.filler_pb2 import FillerParameter
    from .fill.filler import Filler
    from .fill.registry import register, registered
    from .net.fields import declare_fields, field
    from .net.layers import BlobSpec, Layer, LayerSetup, register_layer, registered_layers, unregister_layer
    from .net.params import NetParams
    from .net.proto_schema import declare_proto
    from .net.specs import load_all
    from .random.compiled import backend
    from .random.threads import set_num_threads
    from .spec.parameter import dump, from_dict, load, parse, to_dict, to_text
    from .spec.resolve import GetFiller, get_filler
    from .spec.rules import Rule, load_rules
    from .spec.sets import dump_all
    from .stream.caffe import CaffeRNG, set_random_seed
    from .stream.counter import CounterRNG
    from .weights.files import load_weights, save_weights
    from .weights.init import init_net

# Public name -> the module that defines it.
_LAZY = {
    "FillerParameter": "._proto.filler_pb2",
    "backend": ".random.compiled",
    "CounterRNG": ".stream.counter",
    "BlobSpec": ".net.layers",
    "Layer": ".net.layers",
    "LayerSetup": ".net.layers",
    "register_layer": ".net.layers",
    "registered_layers": ".net.layers",
    "unregister_layer": ".net.layers",
    "declare_fields": ".net.fields",
    "declare_proto": ".net.proto_schema",
    "field": ".net.fields",
    "Filler": ".fill.filler",
    "init_net": ".weights.init",
    "NetParams": ".net.params",
    "GetFiller": ".spec.resolve",
    "get_filler": ".spec.resolve",
    "register": ".fill.registry",
    "registered": ".fill.registry",
    "Rule": ".spec.rules",
    "load_rules": ".spec.rules",
    "dump": ".spec.parameter",
    "from_dict": ".spec.parameter",
    "load": ".spec.parameter",
    "parse": ".spec.parameter",
    "to_dict": ".spec.parameter",
    "to_text": ".spec.parameter",
    "dump_all": ".spec.sets",
    "load_all": ".net.specs",
    "set_num_threads": ".random.threads",
    "CaffeRNG": ".stream.caffe",
    "set_random_seed": ".stream.caffe",
    "load_weights": ".weights.files",
    "save_weights": ".weights.files",
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
    "declare_fields",
    "declare_proto",
    "dump",
    "dump_all",
    "field",
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


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later look-ups skip this hook
    return value


def __dir__() -> list[str]:
    return sorted({*__all__, *(name for name in _BRIDGES if name in globals())})
