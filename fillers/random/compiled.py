"""The compiled core: Caffe's random fills in C, on the same stream as the numpy path.

`pip install` compiles _core/core.c into a plain shared library (setup.py; no Python headers, so
one build serves every Python version) and this module loads it with ctypes, on first use
rather than at import. The core advances the very MT19937 state a `CaffeRNG` holds (numpy's
state struct, through `MT19937.ctypes.state_address`, under the bit generator's lock), so
`random_raw`, the core and the numpy fallback draw from one stream in any mix. ctypes
releases the GIL for each call; fills go in chunks, so Ctrl-C is seen between them.

Which backend runs:
- FILLERS_BACKEND unset or "auto": the core if it was built and passes its load check
  (its raw outputs equal numpy's on a test state), else the numpy path, with one warning;
- "numpy": the numpy path, whatever was built;
- "core": the core, or FillerError saying why it cannot load.
"""

from __future__ import annotations

import ctypes
import os
import threading
import warnings
from pathlib import Path

import numpy as np

from .._core.names import library_filename
from ..errors import FillerError
from ..stream.caffe import CaffeRNG
from ._tables import EXPONENTIAL_X, EXPONENTIAL_Y, NORMAL_X, NORMAL_Y

ENV_VAR = "FILLERS_BACKEND"
ABI_VERSION = 3
ERA_ZIGGURAT_174 = 0
"""Boost's 128-layer ziggurat normal with the exponential-ziggurat tail (1.64-1.74, era C)."""
ERA_INVERSION_TAIL = 1
"""The same ziggurat, its tail by inversion exponentials (Boost 1.56-1.63, era B)."""
ERA_BOX_MULLER = 2
"""Box-Muller with a cached pair (Boost 1.54-1.55, era A)."""
ERA_CODES = {"C": ERA_ZIGGURAT_174, "B": ERA_INVERSION_TAIL, "A": ERA_BOX_MULLER}
"""The core's era number for each profile era (fillers.profiles)."""
_ERAS = frozenset(ERA_CODES.values())
_CHUNK = 1 << 20
"""Elements per C call: long enough to make the call's cost vanish, short enough for
Ctrl-C to be seen soon."""
_LIBRARY_PATH = Path(__file__).parent.parent / "_core" / library_filename()

_lock = threading.Lock()


def _new_lock_in_child() -> None:
    # A child forked while another thread was loading the core would inherit a held lock.
    global _lock
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_new_lock_in_child)
_loaded = False
_library: ctypes.CDLL | None = None
_why_not = ""

_p = ctypes.c_void_p
_i64 = ctypes.c_int64
_u64 = ctypes.c_uint64
_u32 = ctypes.c_uint32
_COUNTER_HEAD = [_u32, _u32, _u32, _u32, _i64, _i64, _p]
"""A counter-mode call's first arguments: the stream's key words, first element, count, output."""
_SIGNATURES = {
    "fc_abi_version": (ctypes.c_int, []),
    "fc_set_tables": (None, [_p, _p, _p, _p]),
    "fc_raw": (None, [_p, _p, _i64]),
    "fc_normal_f32": (ctypes.c_int, [_p, _p, _i64, ctypes.c_float, ctypes.c_float, ctypes.c_int]),
    "fc_normal_f64": (ctypes.c_int, [_p, _p, _i64, ctypes.c_double, ctypes.c_double, ctypes.c_int]),
    "fc_uniform_f32": (ctypes.c_int, [_p, _p, _i64, ctypes.c_float, ctypes.c_float]),
    "fc_uniform_f64": (ctypes.c_int, [_p, _p, _i64, ctypes.c_double, ctypes.c_double]),
    "fc_bernoulli_f32": (ctypes.c_int, [_p, _p, _i64, ctypes.c_float]),
    "fc_bernoulli_f64": (ctypes.c_int, [_p, _p, _i64, ctypes.c_double]),
    "fc_bernoulli_mask_f32": (ctypes.c_int, [_p, _p, _i64, ctypes.c_float]),
    "fc_bernoulli_mask_f64": (ctypes.c_int, [_p, _p, _i64, ctypes.c_double]),
    "fc_mask_below_f32": (None, [_p, _p, _i64, ctypes.c_float]),
    "fc_mask_below_f64": (None, [_p, _p, _i64, ctypes.c_double]),
    "fc_normalize_rows_f32": (None, [_p, _i64, _i64]),
    "fc_normalize_rows_f64": (None, [_p, _i64, _i64]),
    # counter mode (issues 14 and 22, _core/counter.c; called by random/compiled_counter.py): the
    # stream's 4 key words, first element, count, output, the draw's parameters, threads
    "fc_counter_words": (None, [*_COUNTER_HEAD, ctypes.c_int]),
    "fc_counter_uniform": (
        None,
        [*_COUNTER_HEAD, ctypes.c_int, ctypes.c_double, ctypes.c_double, ctypes.c_int, ctypes.c_int],
    ),
    "fc_counter_normal": (
        None,
        [*_COUNTER_HEAD, ctypes.c_int, ctypes.c_double, ctypes.c_double, ctypes.c_int],
    ),
    "fc_counter_bernoulli": (None, [*_COUNTER_HEAD, _u64, ctypes.c_int]),
    "fc_counter_set_constants": (ctypes.c_int, [_p, ctypes.c_int, _p, ctypes.c_int]),
}


def open_library(path: Path | None = None) -> ctypes.CDLL:
    """Load a build of the core (by default the installed one), declare its functions, hand it
    the tables and check that it reads numpy's MT19937 state as numpy does; raise OSError
    saying what failed."""
    path = _LIBRARY_PATH if path is None else path
    if not path.exists():
        raise OSError(f"{path.name} was not built (no C compiler at install time?)")
    library = ctypes.CDLL(str(path))
    for name, (restype, argtypes) in _SIGNATURES.items():
        function = getattr(library, name)
        function.restype, function.argtypes = restype, argtypes
    if library.fc_abi_version() != ABI_VERSION:
        raise OSError(f"{path.name} is from another version of fillers: reinstall")
    # One source of truth for Boost's tables: fillers/_tables.py, copied by the library here.
    tables = [np.array(t, dtype=np.float64) for t in (NORMAL_X, NORMAL_Y, EXPONENTIAL_X, EXPONENTIAL_Y)]
    library.fc_set_tables(*(table.ctypes.data for table in tables))
    # numpy's state struct is internal: make sure we read it as numpy does, across a twist
    # and from the middle of a block.
    for skip in (0, 300):
        ours = np.random.MT19937(1701)
        ours.random_raw(skip)
        theirs = np.random.MT19937()
        theirs.state = ours.state
        raw = np.empty(1000, dtype=np.uint32)
        library.fc_raw(ours.ctypes.state_address, raw.ctypes.data, len(raw))
        same_outputs = np.array_equal(raw, theirs.random_raw(len(raw)))
        ours_now, theirs_now = ours.state["state"], theirs.state["state"]
        same_state = ours_now["pos"] == theirs_now["pos"] and np.array_equal(
            ours_now["key"], theirs_now["key"]
        )
        if not (same_outputs and same_state):
            raise OSError("this numpy's MT19937 state layout is not the one the core knows")
    return library


def _resolve() -> ctypes.CDLL | None:
    global _loaded, _library, _why_not
    if _loaded:  # every draw asks: no lock once settled (_loaded is set last)
        return _library
    with _lock:
        if not _loaded:
            choice = os.environ.get(ENV_VAR, "auto").strip().lower() or "auto"
            if choice not in ("auto", "core", "numpy"):
                raise FillerError(f"{ENV_VAR}: {choice!r} is not one of auto, core, numpy")
            if choice == "numpy":
                _why_not = f"{ENV_VAR}=numpy"
            else:
                try:
                    _library = open_library()
                except (OSError, AttributeError) as error:
                    _why_not = str(error)
                    if choice == "core":
                        raise FillerError(f"{ENV_VAR}=core: the compiled core cannot load: {error}") from None
                    # pip shows nothing of a build that succeeded without the core: say it once here.
                    warnings.warn(
                        f"fillers: the compiled core is not in use ({error}); Caffe-exact fills run on "
                        f"the numpy backend: same bits, slower. {ENV_VAR}=numpy silences this.",
                        RuntimeWarning,
                        stacklevel=2,
                    )
            _loaded = True
    return _library


def backend() -> str:
    """The backend Caffe-exact fills use: "core" (the compiled core) or "numpy" (the fallback).

    Set FILLERS_BACKEND=numpy before the first fill to force the fallback.

    Examples:
        >>> backend() in ("core", "numpy")
        True
    """
    return "core" if _resolve() is not None else "numpy"


def why_numpy() -> str:
    """Why the numpy path is in use ("" when the core is)."""
    _resolve()
    return _why_not


def available() -> bool:
    """True when the compiled core is the active backend."""
    return _resolve() is not None


def _suffix(dtype: np.dtype) -> str:
    return "f32" if dtype == np.float32 else "f64"


def _chunked(rng: CaffeRNG, data: np.ndarray, call) -> None:
    """Run `call(state, address, count)` over `data` (flat, contiguous) a chunk at a time,
    holding the stream's lock for each chunk."""
    bit_generator = rng.bit_generator
    state = bit_generator.ctypes.state_address
    base, itemsize = data.ctypes.data, data.itemsize
    for start in range(0, len(data), _CHUNK):
        count = min(_CHUNK, len(data) - start)
        with bit_generator.lock:
            call(state, base + start * itemsize, count)


def uniform_real(rng: CaffeRNG, out: np.ndarray, min_value: np.floating, max_value: np.floating) -> None:
    """Fill `out` with boost::random::uniform_real_distribution(min_value, max_value) draws
    (the same contract as `boost.uniform_real`): u / 2**32 * (max - min) + min in out's dtype."""
    function = getattr(_resolve(), f"fc_uniform_{_suffix(out.dtype)}")
    lo, hi = float(min_value), float(max_value)
    _chunked(rng, out, lambda state, address, count: function(state, address, count, lo, hi))


def normal(rng: CaffeRNG, out: np.ndarray, mean: float, sigma: float, era: int = ERA_ZIGGURAT_174) -> None:
    """Fill `out` with boost::normal_distribution(mean, sigma) draws: z * sigma + mean in
    out's dtype, z from Boost's ziggurat (`boost.normal`'s contract) or, for the older eras,
    as `eras` computes it (with the C library's log, sin, cos)."""
    if era not in _ERAS:
        raise FillerError(f"era: {era} is not a normal algorithm the compiled core knows")
    function = getattr(_resolve(), f"fc_normal_{_suffix(out.dtype)}")
    # Box-Muller keeps a pair across draws: the chunks must split the fill between pairs.
    assert _CHUNK % 2 == 0
    rt = out.dtype.type
    # The parameters are converted to the dtype first, as Boost's RealType members are.
    m, s = float(rt(mean)), float(rt(sigma))

    def call(state: int, address: int, count: int) -> None:
        function(state, address, count, m, s, era)

    _chunked(rng, out, call)


def bernoulli(rng: CaffeRNG, out: np.ndarray, p: float, dtype: np.dtype) -> None:
    """Fill the boolean `out` with boost::bernoulli_distribution<dtype>(p) draws."""
    function = getattr(_resolve(), f"fc_bernoulli_{_suffix(np.dtype(dtype))}")
    probability = float(np.dtype(dtype).type(p))
    _chunked(rng, out, lambda state, address, count: function(state, address, count, probability))


def bernoulli_mask(rng: CaffeRNG, data: np.ndarray, p: float) -> None:
    """Multiply each element of `data` by a bernoulli(p) draw (0 or 1) in data's dtype, in
    order: GaussianFiller's sparse step."""
    function = getattr(_resolve(), f"fc_bernoulli_mask_{_suffix(data.dtype)}")
    probability = float(data.dtype.type(p))
    _chunked(rng, data, lambda state, address, count: function(state, address, count, probability))


def mask_below(data: np.ndarray, uniforms: np.ndarray, p: float) -> None:
    """data[i] *= (uniforms[i] < p), in data's dtype (the sparse mask from a numpy Generator's
    uniforms; `uniforms` has data's dtype and length). Draws nothing."""
    function = getattr(_resolve(), f"fc_mask_below_{_suffix(data.dtype)}")
    function(data.ctypes.data, uniforms.ctypes.data, len(data), float(data.dtype.type(p)))


def normalize_rows(rows: np.ndarray) -> None:
    """Divide each row of the C-contiguous 2-D `rows` by its sum, added left to right in its
    dtype (positive_unitball). Draws nothing."""
    function = getattr(_resolve(), f"fc_normalize_rows_{_suffix(rows.dtype)}")
    per_call = max(1, _CHUNK // max(1, rows.shape[1]))
    for start in range(0, rows.shape[0], per_call):
        block = rows[start : start + per_call]
        function(block.ctypes.data, block.shape[0], block.shape[1])


def random_raw(rng: CaffeRNG, n: int) -> np.ndarray:
    """The next `n` raw outputs of `rng` through the core (for tests: they must equal
    `rng.random_raw(n)`)."""
    raw = np.empty(n, dtype=np.uint32)
    function = _resolve().fc_raw
    _chunked(rng, raw, lambda state, address, count: function(state, address, count))
    return raw
