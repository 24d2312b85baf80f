"""The framework a bridge's tests need: skipped where it is not installed, but a failure
where FILLERS_REQUIRE_FRAMEWORKS is set (CI installs every framework and sets it, so no
bridge test is ever skipped there)."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest


def require(name: str) -> ModuleType:
    """Import `name`, or skip the calling test module (fail under FILLERS_REQUIRE_FRAMEWORKS)."""
    if os.environ.get("FILLERS_REQUIRE_FRAMEWORKS"):
        return importlib.import_module(name)
    return pytest.importorskip(name)
