"""`import fillers` imports no framework: the bridges import theirs only when imported."""

from __future__ import annotations

import subprocess
import sys

FRAMEWORKS = [
    "torch",
    "jax",
    "jaxlib",
    "flax",
    "keras",
    "tensorflow",
    "dask",
    "h5py",
    "safetensors",
    "matplotlib",
]


def test_import_fillers_imports_no_framework():
    code = (
        "import sys, fillers, fillers.fill.layout, fillers.spec.rules, fillers.weights.init, fillers.cli\n"
        f"print(sorted(m for m in {FRAMEWORKS!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
