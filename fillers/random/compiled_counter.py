"""Counter mode through the compiled core (_core/counter.c, loaded by `compiled`): the
same bits as CounterDraws' numpy code (`stream.philox`, `counter_normal`), in vector
loops, a fill of at least 2**20 elements split across `threads.num_threads()` threads.

Each call covers at most _CHUNK elements per thread (ctypes releases the GIL during it), so
Ctrl-C is seen between calls.
"""

from __future__ import annotations

import threading

import numpy as np

from . import threads as thread_count
from .compiled import _resolve
from .counter_normal import bernoulli_threshold, core_constants

_CHUNK = 1 << 22
"""Elements per thread per call: a few milliseconds, so that starting the threads costs little
and Ctrl-C is still seen soon."""
PARALLEL_MINIMUM = 1 << 20
"""Fills of fewer elements run on one thread: starting threads would cost more than it saves."""
_constants_lock = threading.Lock()
_constants_set = False


def _library():
    global _constants_set
    library = _resolve()
    if not _constants_set:
        with _constants_lock:
            if not _constants_set:
                f32, f64 = core_constants()
                if library.fc_counter_set_constants(f32.ctypes.data, len(f32), f64.ctypes.data, len(f64)):
                    raise RuntimeError("the compiled core's counter constants do not match counter_normal.py")
                _constants_set = True
    return library


def available() -> bool:
    """Whether the compiled core is the active backend."""
    return _resolve() is not None


def _run(call, out: np.ndarray, start: int, threads: int | None) -> None:
    """`call(first element, count, address, threads)` over `out` in chunks."""
    n = len(out)
    if threads is None:
        threads = thread_count.num_threads() if n >= PARALLEL_MINIMUM else 1
    step = _CHUNK * max(1, threads)
    base, itemsize = out.ctypes.data, out.itemsize
    for offset in range(0, n, step):
        call(start + offset, min(step, n - offset), base + offset * itemsize, threads)


def words(key_words: tuple[int, ...], start: int, count: int, threads: int | None = None) -> np.ndarray:
    """Words start .. start + count - 1 of the stream with these key words."""
    out = np.empty(count, dtype=np.uint32)
    function = _library().fc_counter_words
    _run(lambda first, n, address, t: function(*key_words, first, n, address, t), out, start, threads)
    return out


def uniform(
    key_words: tuple[int, ...],
    start: int,
    out: np.ndarray,
    low: float,
    span: float,
    doubled: bool,
    threads: int | None = None,
) -> None:
    """CounterDraws.uniform: elements start, start + 1, ... into `out` (contiguous), mapped by
    UnitToRange's low, span and doubling."""
    function = _library().fc_counter_uniform
    size, low, span = out.itemsize, float(low), float(span)
    _run(
        lambda first, n, address, t: function(
            *key_words, first, n, address, size, low, span, int(doubled), t
        ),
        out,
        start,
        threads,
    )


def normal(
    key_words: tuple[int, ...],
    start: int,
    out: np.ndarray,
    mean: float,
    sigma: float,
    threads: int | None = None,
) -> None:
    """CounterDraws.gaussian: z * sigma + mean in out's dtype, z from aligned word pairs."""
    function = _library().fc_counter_normal
    rt = out.dtype.type
    size, m, s = out.itemsize, float(rt(mean)), float(rt(sigma))
    _run(
        lambda first, n, address, t: function(*key_words, first, n, address, size, m, s, t),
        out,
        start,
        threads,
    )


def bernoulli(
    key_words: tuple[int, ...],
    start: int,
    out: np.ndarray,
    p: float,
    dtype: np.dtype,
    threads: int | None = None,
) -> None:
    """CounterDraws.bernoulli: word < p * 2**32 into the bool array `out`."""
    function = _library().fc_counter_bernoulli
    threshold = bernoulli_threshold(p, dtype)
    _run(
        lambda first, n, address, t: function(*key_words, first, n, address, threshold, t),
        out,
        start,
        threads,
    )
