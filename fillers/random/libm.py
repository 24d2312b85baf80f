"""The platform's C math library, called as Caffe's compiled code calls it.

Boost.Random's Box-Muller (era A) and inversion-exponential tail (era B) put the results of
`logf`, `sinf`, `cosf` (float) and `log`, `sin`, `cos` (double) into the samples. Those are
not correctly rounded: glibc 2.36's float functions miss the nearest value on about 1% of
arguments, and numpy's own (SIMD) functions miss it elsewhere. So we call the same C
functions Caffe called, one element at a time through ctypes; the compiled core calls them
directly. Their bits are then the platform's: glibc on x86-64 reproduces the golden builds.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys
from collections.abc import Callable

import numpy as np

from ..errors import FillerError

_NAMES = ("log", "sin", "cos")


@functools.cache
def _library() -> ctypes.CDLL:
    candidates = [ctypes.util.find_library("m"), ctypes.util.find_library("c")]
    if sys.platform == "win32":
        candidates.append("ucrtbase")
    for name in candidates:
        if name:
            try:
                return ctypes.CDLL(name)
            except OSError:
                continue
    raise FillerError(
        "this profile needs the platform's C math library (libm) for its log, sin and cos, "
        "and none could be loaded"
    )


@functools.cache
def function(name: str, dtype: np.dtype) -> Callable[[float], float]:
    """The C function `name` ("log", "sin" or "cos") for `dtype`: logf etc. for float32,
    log etc. for float64, as a Python callable of one float."""
    dtype = np.dtype(dtype)
    if name not in _NAMES or dtype not in (np.float32, np.float64):
        raise FillerError(f"libm: no {name} for {dtype}")
    c_type = ctypes.c_float if dtype == np.float32 else ctypes.c_double
    c_function = getattr(_library(), name + ("f" if dtype == np.float32 else ""))
    c_function.restype = c_type
    c_function.argtypes = [c_type]
    return c_function


def require(dtype: np.dtype) -> None:
    """Load log, sin and cos for `dtype` now, so that a platform without them fails with
    FillerError before a fill has drawn anything."""
    for name in _NAMES:
        function(name, dtype)


def apply(name: str, x: np.ndarray) -> np.ndarray:
    """`name` of every element of the float32 or float64 array `x`, in x's dtype, by the C
    function of that type (each argument is exact in C's type, so nothing rounds on the way)."""
    flat = np.asarray(x).reshape(-1)
    c_function = function(name, flat.dtype)
    result = np.fromiter(map(c_function, flat.tolist()), dtype=flat.dtype, count=len(flat))
    return result.reshape(np.shape(x))
