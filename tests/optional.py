"""The one skip policy for optional packages (frameworks, dask, h5py, safetensors, lmdb,
plyvel, Pillow, matplotlib, ...): a test that needs one is skipped where it is not installed,
but fails where FILLERS_REQUIRE_FRAMEWORKS is set. CI installs every extra and sets it, so no
test is ever skipped there for a missing package."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest


def require(name: str, reason: str | None = None) -> ModuleType:
    """Import `name`, or skip the calling test (or test module, at module level); under
    FILLERS_REQUIRE_FRAMEWORKS a missing package is an ImportError, a failure."""
    if os.environ.get("FILLERS_REQUIRE_FRAMEWORKS"):
        return importlib.import_module(name)
    return pytest.importorskip(name, reason=reason)
