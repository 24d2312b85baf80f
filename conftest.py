"""pytest's doctest collection of the package (`pytest` collects fillers/ beside tests/); at the
root, so that it is not part of the package.

A framework bridge's examples need its framework: where it is not installed the bridge's
module is left out, as the tests skip (FILLERS_REQUIRE_FRAMEWORKS, set in CI, makes a
missing framework an error instead). Keras runs on JAX, as in the tests. Nothing imports
this module; only pytest reads it.
"""

from __future__ import annotations

import importlib.util
import os

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:  # a parent package that is missing or broken
        return False


# Bridge module (or package) -> the modules its examples import.
_BRIDGES = {
    "fillers/torch": ("torch",),
    "fillers/jax.py": ("jax", "flax"),
    "fillers/keras.py": ("keras", os.environ["KERAS_BACKEND"]),
    "fillers/dask.py": ("dask",),
}

collect_ignore = [
    bridge
    for bridge, needs in _BRIDGES.items()
    if not os.environ.get("FILLERS_REQUIRE_FRAMEWORKS") and not all(map(_installed, needs))
]
