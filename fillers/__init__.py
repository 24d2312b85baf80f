"""fillers: Caffe's weight fillers in Python, bit for bit.

`import fillers` loads nothing heavy: each public name below is imported from its module on
first use (PEP 562), so a program that never parses a spec never loads protobuf, and one
that only reads prototxt never loads PyYAML.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import FillerError

if TYPE_CHECKING:
    from ._proto.filler_pb2 import FillerParameter
    from .fillers import Filler
    from .net import init_net
    from .registry import GetFiller, get_filler, register, registered
    from .spec import dump, from_dict, load, parse, to_dict, to_text
    from .specset import dump_all, load_all
    from .stream import CaffeRNG, set_random_seed

# Public name -> the module that defines it.
_LAZY = {
    "CaffeRNG": ".stream",
    "Filler": ".fillers",
    "FillerParameter": "._proto.filler_pb2",
    "GetFiller": ".registry",
    "dump": ".spec",
    "dump_all": ".specset",
    "from_dict": ".spec",
    "get_filler": ".registry",
    "init_net": ".net",
    "load": ".spec",
    "load_all": ".specset",
    "parse": ".spec",
    "register": ".registry",
    "registered": ".registry",
    "set_random_seed": ".stream",
    "to_dict": ".spec",
    "to_text": ".spec",
}

__all__ = [
    "CaffeRNG",
    "Filler",
    "FillerError",
    "FillerParameter",
    "GetFiller",
    "dump",
    "dump_all",
    "from_dict",
    "get_filler",
    "init_net",
    "load",
    "load_all",
    "parse",
    "register",
    "registered",
    "set_random_seed",
    "to_dict",
    "to_text",
]


# The submodules `import fillers` loaded before it became lazy: still reachable as attributes
# (`fillers.netproto.read_net`). Bridges to frameworks stay out: they load only when imported.
_SUBMODULES = frozenset(
    {
        "boost",
        "draws",
        "fillers",
        "formats",
        "layers",
        "net",
        "netproto",
        "registry",
        "spec",
        "specset",
        "stream",
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
