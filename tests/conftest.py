"""Test-wide settings: Keras runs on the JAX backend (set before anything imports keras);
helper modules are not collected."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

# Helpers the tests import, not tests: pyproject's --doctest-modules would otherwise import
# them on their own (torchvision_resnet.py and distributed_init.py need torch, which the `test`
# extra leaves out).
collect_ignore = ["optional.py", "strategies.py", "torchvision_resnet.py", "distributed_init.py"]
