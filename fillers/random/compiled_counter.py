"""Counter mode through the compiled core (_core/counter.c, loaded by
`fillers.random.compiled`): the same bits as CounterDraws' numpy code, from Philox4x64-10 and
the Box-Muller of `fillers.random.counter_normal` in C loops."""

from __future__ import annotations

import threading

import numpy as np

from .compiled import _CHUNK, _resolve, _suffix
from .counter_normal import tables

_tables_lock = threading.Lock()
_tables_set = False


def _key_words(philox_key: int) -> tuple[int, int]:
    return philox_key & 0xFFFFFFFFFFFFFFFF, philox_key >> 64


def _chunked(call, out: np.ndarray, start: int) -> None:
    """`call(first element, count, address)` over `out` a chunk at a time (Ctrl-C is seen
    between chunks; ctypes releases the GIL during each)."""
    base, itemsize = out.ctypes.data, out.itemsize
    for offset in range(0, len(out), _CHUNK):
        call(start + offset, min(_CHUNK, len(out) - offset), base + offset * itemsize)


def words(philox_key: int, start: int, count: int) -> np.ndarray:
    """Words start .. start + count - 1 of the stream with this Philox key (for tests)."""
    out = np.empty(count, dtype=np.uint32)
    function = _resolve().fc_counter_words
    _chunked(lambda first, n, address: function(*_key_words(philox_key), first, n, address), out, start)
    return out


def uniform(philox_key: int, start: int, out: np.ndarray, low: float, span: float, doubled: bool) -> None:
    """CounterDraws.uniform: elements start, start + 1, ... into `out`, mapped by UnitToRange's
    low, span and doubling."""
    function = getattr(_resolve(), f"fc_counter_uniform_{_suffix(out.dtype)}")
    key = _key_words(philox_key)
    low, span = float(low), float(span)
    _chunked(lambda first, n, address: function(*key, first, n, address, low, span, int(doubled)), out, start)


def normal(philox_key: int, start: int, out: np.ndarray, mean: float, sigma: float) -> None:
    """CounterDraws.gaussian: Box-Muller over aligned pairs, z * sigma + mean in out's dtype."""
    global _tables_set
    library = _resolve()
    with _tables_lock:
        if not _tables_set:
            t = tables()
            arrays = (t.log_centre, t.inverse_centre, t.ln_centre, t.cos, t.sin)
            library.fc_counter_set_tables(*(a.ctypes.data for a in arrays), t.ln2, t.radians_per_word)
            _tables_set = True
    function = getattr(library, f"fc_counter_normal_{_suffix(out.dtype)}")
    key = _key_words(philox_key)
    rt = out.dtype.type
    m, s = float(rt(mean)), float(rt(sigma))
    _chunked(lambda first, n, address: function(*key, first, n, address, m, s), out, start)


def bernoulli(philox_key: int, start: int, out: np.ndarray, threshold: float) -> None:
    """CounterDraws.bernoulli: word < threshold into the bool array `out`."""
    function = _resolve().fc_counter_bernoulli
    key = _key_words(philox_key)
    _chunked(lambda first, n, address: function(*key, first, n, address, float(threshold)), out, start)
