"""The compiled core's file name on this platform; setup.py reads this file too (by path,
before the package is importable), so the build and the loader agree on one name."""

from __future__ import annotations

import sys


def library_filename(platform: str = sys.platform) -> str:
    """`libfillers_core.so` on Linux and the BSDs, `.dylib` on macOS, `fillers_core.dll` on Windows."""
    if platform.startswith("win") or platform == "cygwin":
        return "fillers_core.dll"
    if platform == "darwin":
        return "libfillers_core.dylib"
    return "libfillers_core.so"
