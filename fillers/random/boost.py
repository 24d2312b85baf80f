"""Boost 1.74's distributions, as Caffe calls them, over a `CaffeRNG`'s raw 32-bit outputs.

Every function here writes exactly the bits Boost writes for the same raw outputs and
consumes exactly the raw outputs Boost consumes, for RealType float (numpy float32) and
double (float64). Caffe draws through `variate_generator<mt19937*, Dist>`, which calls
`Dist::operator()(engine)` once per element, so a fill of n elements is n Boost draws on
one engine.

Two implementations of each distribution live here:
- a scalar one (`_Cursor`-driven functions) that follows Boost's source line by line; it
  is the reference the tests check against and it resolves the rare paths;
- a vectorized one that turns a block of raw outputs into samples with array operations.

The vectorized normal must find where each ziggurat attempt starts: an attempt uses one
(float) or two (double) raw outputs, plus more on the rare paths (a wedge test draws one
uniform_01; the tail draws exponentials). Positions whose attempt would not be accepted at
once ("events") are rare; we resolve each candidate event as if an attempt started there,
then follow the chain of real attempt starts with pointer doubling. We never draw more raw
outputs than the samples still owed are sure to consume, so the engine is never ahead of
Boost's; an attempt cut by the end of a block is carried into the next one. The next block's
raw outputs (and, for the normal, its per-position pairs) are computed on a background
thread while the current block is resolved: numpy releases the GIL for both.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from contextlib import closing
from typing import TypeVar

import numpy as np

from ..stream.caffe import CaffeRNG
from ._tables import EXPONENTIAL_X, EXPONENTIAL_Y, NORMAL_X, NORMAL_Y

_RAW_RANGE = 1 << 32
_BUCKET_BITS = 8
_LOW29 = (1 << 29) - 1
_BLOCK = 1 << 17
"""Raw outputs per vectorized block: large enough to amortize numpy's per-call cost over
the rare-path bookkeeping, small enough for the temporaries to stay in cache."""


class _Exhausted(Exception):
    """A scalar draw ran past the end of the raw outputs at hand."""


class _Cursor:
    """Reads raw outputs from a block one at a time, as Boost's `eng()` calls do."""

    def __init__(self, raw: np.ndarray, pos: int = 0) -> None:
        self.raw = raw
        self.pos = pos

    def __call__(self) -> int:
        if self.pos >= len(self.raw):
            raise _Exhausted
        value = int(self.raw[self.pos])
        self.pos += 1
        return value


def _first_true(predicate: Callable[[np.ndarray], np.ndarray], size: int, limit: int) -> np.ndarray:
    """For `size` monotone predicates over integers 0..limit, the first integer where each holds.

    Returns `limit` where a predicate never holds below it.
    """
    lo = np.zeros(size, dtype=np.int64)
    hi = np.full(size, limit, dtype=np.int64)
    while np.any(lo < hi):
        mid = (lo + hi) // 2
        holds = predicate(mid)
        hi = np.where(holds, mid, hi)
        lo = np.where(holds, lo, mid + 1)
    return lo


class Real:
    """Boost's `RealType`: float (np.float32) or double (np.float64), with the constants
    and fast-path tables its ziggurats imply for that type.

    `raws_per_pair` is how many raw outputs `generate_int_float_pair<RealType, 8>` takes:
    one for float (8 bucket bits + 24 mantissa bits), two for double (the second supplies
    29 more mantissa bits). A pair is read as the integer mantissa `N` and the bucket `i`,
    with r = N * 2**-digits exactly.
    """

    def __init__(self, dtype: np.dtype) -> None:
        self.dtype = np.dtype(dtype)
        self.type = self.dtype.type
        self.digits = np.finfo(self.dtype).nmant + 1
        self.raws_per_pair = 1 if self.digits <= 32 - _BUCKET_BITS else 2
        # Signed for double: numpy converts int64 to float64 several times faster than uint64.
        self.mantissa_type = np.uint32 if self.raws_per_pair == 1 else np.int64
        rt = self.type
        ulp = rt(2.0**-self.digits)
        buckets = np.arange(1 << _BUCKET_BITS)

        # unit normal: bucket i -> layer k = i >> 1, sign from the low bit (odd is +1).
        normal_x = np.array(NORMAL_X)
        layer = buckets >> 1
        layer_x = normal_x[layer].astype(self.dtype)
        sign = (buckets & 1) * 2 - 1
        self.normal_limit = _first_true(
            # Boost compares the float sample with the double table entry: `x < table_x[i+1]`.
            lambda n: (n.astype(self.dtype) * ulp * layer_x).astype(np.float64) >= normal_x[layer + 1],
            len(buckets),
            1 << self.digits,
        ).astype(self.mantissa_type)
        self.normal_scale = (layer_x * ulp * sign).astype(self.dtype)
        # For double: the limit's 29 high bits, those of a pair's second raw output.
        self.normal_limit_high = (self.normal_limit >> (32 - _BUCKET_BITS)).astype(np.uint32)

        # unit exponential: all 8 bits pick one of 256 layers; comparisons in RealType.
        exp_x = np.array(EXPONENTIAL_X)
        layer_ex = exp_x[buckets].astype(self.dtype)
        next_ex = exp_x[buckets + 1].astype(self.dtype)
        self.exp_limit = _first_true(
            lambda n: n.astype(self.dtype) * ulp * layer_ex >= next_ex,
            len(buckets),
            1 << self.digits,
        ).astype(self.mantissa_type)
        self.exp_scale = (layer_ex * ulp).astype(self.dtype)

        # uniform_01 redraws a raw output whose RealType value rounds up to 2**32.
        self.uniform01_limit = int(
            _first_true(lambda u: u.astype(self.dtype) * rt(2.0**-32) >= 1, 1, _RAW_RANGE)[0]
        )
        self.tail_start = rt(NORMAL_X[1])
        # The wedge test's table terms, each converted to RealType where Boost converts it.
        tx, ty = np.array(NORMAL_X), np.array(NORMAL_Y)
        self.layer_x = tx[:-1].astype(self.dtype)
        self.layer_y = ty[:-1].astype(self.dtype)
        self.layer_dx = (tx[:-1] - tx[1:]).astype(self.dtype)
        self.layer_dy = (ty[1:] - ty[:-1]).astype(self.dtype)
        self.layer_convex = tx[:-1] >= 1

    def exp(self, x: np.ndarray | np.floating) -> np.ndarray | np.floating:
        """std::exp in RealType. For float, the double exp rounded to float: glibc's expf is
        within 0.502 ulp, so the two differ only next to a rounding tie, where a wedge test
        would have to land exactly on the bound for the result to change."""
        if np.ndim(x) == 0:
            return self.type(np.exp(np.float64(x)))
        return np.exp(x.astype(np.float64)).astype(self.dtype)

    def __repr__(self) -> str:
        return f"Real({self.dtype.name})"


@functools.cache
def _real(dtype: np.dtype) -> Real:
    return Real(dtype)


def real_for(dtype: np.dtype) -> Real:
    """The `Real` for a numpy float dtype (float32 is Caffe's float, float64 its double),
    its tables built on first use rather than at import."""
    return _real(np.dtype(dtype))


# ---------------------------------------------------------------------------------------
# Scalar reference: Boost's code, one draw at a time.


def _int_float_pair(real: Real, draw: _Cursor) -> tuple[np.floating, int]:
    first = draw()
    mantissa = first >> _BUCKET_BITS
    if real.raws_per_pair == 2:
        mantissa |= (draw() & _LOW29) << (32 - _BUCKET_BITS)
    return real.type(mantissa) * real.type(2.0**-real.digits), first & 0xFF


def _uniform01(real: Real, draw: _Cursor) -> np.floating:
    rt = real.type
    while True:
        result = rt(draw()) * rt(2.0**-32)
        if result < 1:
            return result


def _unit_exponential(real: Real, draw: _Cursor) -> np.floating:
    rt, tx, ty = real.type, EXPONENTIAL_X, EXPONENTIAL_Y
    shift = rt(0)
    while True:
        r, i = _int_float_pair(real, draw)
        x = r * rt(tx[i])
        if x < rt(tx[i + 1]):
            return shift + x
        if i == 0:
            # Boost's layer 0 is the tail; an exponential's tail is the whole distribution
            # shifted, so it restarts with a shift instead of a separate tail algorithm.
            shift += rt(tx[1])
            continue
        y01 = _uniform01(real, draw)
        y = rt(ty[i]) + y01 * rt(ty[i + 1] - ty[i])
        above_ubound = rt(tx[i] - tx[i + 1]) * y01 - (rt(tx[i]) - x)
        above_lbound = y - (rt(ty[i + 1]) + (rt(tx[i + 1]) - x) * rt(ty[i + 1]))
        if above_ubound < 0 and (above_lbound < 0 or y < real.exp(-x)):
            return x + shift


Exponential = Callable[[Real, _Cursor], np.floating]
"""A sampler of the unit exponential, as the normal's tail draws it."""


def tail_from(exponential: Exponential) -> Tail:
    """Boost's normal tail beyond tx[1] = 3.44...: x = E1 / tx[1], y = E2 for two unit
    exponentials, accepted when 2 y > x * x, giving x + tx[1] (in RealType). Every Boost era
    with a ziggurat samples it so; they differ in how they draw the exponential."""

    def tail(real: Real, draw: _Cursor) -> np.floating:
        start = real.tail_start
        while True:
            x = exponential(real, draw) / start
            y = exponential(real, draw)
            if 2 * y > x * x:
                return x + start

    return tail


_normal_tail = tail_from(_unit_exponential)


def _normal_wedge_accepts(real: Real, k: int, x: np.floating, y01: np.floating) -> bool:
    rt, tx, ty = real.type, NORMAL_X, NORMAL_Y
    y = rt(ty[k]) + y01 * rt(ty[k + 1] - ty[k])
    diagonal = rt(tx[k] - tx[k + 1]) * y01 - (rt(tx[k]) - x)
    tangent = y - (rt(ty[k]) + (rt(tx[k]) - x) * rt(ty[k]) * rt(tx[k]))
    # Layers at x >= 1 are convex (the diagonal is the upper bound), below 1 concave.
    above_ubound, above_lbound = (diagonal, tangent) if tx[k] >= 1 else (tangent, diagonal)
    return bool(above_ubound < 0 and (above_lbound < 0 or y < real.exp(-(x * x / 2))))


Tail = Callable[[Real, _Cursor], np.floating]
"""A sampler of the normal's tail beyond tx[1]: Boost 1.64+'s `_normal_tail` by default;
older Boost.Random eras plug in their own (see eras.py)."""


def _normal_attempt(real: Real, draw: _Cursor, tail: Tail = _normal_tail) -> np.floating | None:
    """One pass of unit_normal_distribution's loop: the sample, or None if rejected."""
    r, i = _int_float_pair(real, draw)
    sign = (i & 1) * 2 - 1
    k = i >> 1
    x = r * real.type(NORMAL_X[k])
    if float(x) < NORMAL_X[k + 1]:
        return x * sign
    if k == 0:
        return tail(real, draw) * sign
    y01 = _uniform01(real, draw)
    return x * sign if _normal_wedge_accepts(real, k, x, y01) else None


def reference_normal(
    raw: np.ndarray, count: int, dtype: np.dtype, tail: Tail = _normal_tail
) -> tuple[np.ndarray, int]:
    """`count` unit normals drawn by Boost's scalar algorithm from the raw outputs `raw`.

    Returns the samples and how many raw outputs they consumed. Slow: for tests.
    """
    real = real_for(dtype)
    draw = _Cursor(np.asarray(raw, dtype=np.uint32))
    out = np.empty(count, dtype=real.dtype)
    for n in range(count):
        sample = None
        while sample is None:
            sample = _normal_attempt(real, draw, tail)
        out[n] = sample
    return out, draw.pos


# ---------------------------------------------------------------------------------------
# Vectorized: whole blocks of raw outputs at a time.


def _integer_limit(real: Real, accepts: Callable[[np.floating], bool]) -> int:
    """The first raw output u for which the monotone test `accepts(RealType(u))` holds."""
    return int(_first_true(lambda u: np.array([accepts(v) for v in u.astype(real.dtype)]), 1, _RAW_RANGE)[0])


_background: ThreadPoolExecutor | None = None


def _forget_background() -> None:
    # A forked child inherits the pool object but not its thread: start afresh there.
    global _background
    _background = None


os.register_at_fork(after_in_child=_forget_background)
T = TypeVar("T")


def settle_background() -> None:
    """Return once the background thread has run every block it was given, so that nothing
    draws from a stream after a failed fill returns. A KeyboardInterrupt arriving meanwhile
    is held until then (the exception being handled goes on)."""
    pool = _background
    if pool is None:
        return
    try:
        # One worker runs tasks in order: when this one has run, so have all before it.
        barrier = pool.submit(_identity, None)
    except RuntimeError:  # the pool is shut down (interpreter exit): its tasks have run
        return
    _wait_uninterrupted(barrier)


def _wait_uninterrupted(future: Future) -> None:
    while True:
        try:
            futures_wait([future])
            return
        except KeyboardInterrupt:
            continue


def _draw_in_background(rng: CaffeRNG, size: int, prepare: Callable[[np.ndarray], T]) -> T:
    # The numpy error state is per thread: the caller's np.seterr must not reach this one.
    with np.errstate(all="ignore"):
        return prepare(rng.random_raw(size))


def _identity(raw: np.ndarray) -> np.ndarray:
    return raw


def _raw_blocks(rng: CaffeRNG, total: int, prepare: Callable[[np.ndarray], T] = _identity) -> Iterator[T]:
    """The next `total` raw outputs of `rng`, in blocks, each drawn (and passed through
    `prepare`) on a background thread while the caller works on the previous one: numpy
    releases the GIL for both."""
    global _background
    sizes = [_BLOCK] * (total // _BLOCK) + ([total % _BLOCK] if total % _BLOCK else [])
    if len(sizes) < 2:
        yield from (prepare(rng.random_raw(size)) for size in sizes)
        return
    if _background is None:
        _background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fillers-raw")
    pending = _background.submit(_draw_in_background, rng, sizes[0], prepare)
    try:
        for size in sizes[1:]:
            block = pending.result()
            pending = _background.submit(_draw_in_background, rng, size, prepare)
            yield block
        yield pending.result()
    finally:
        # Closed early (the caller failed or was interrupted): no draw may outlive the fill.
        _wait_uninterrupted(pending)


def _draw_until_done(
    rng: CaffeRNG,
    owed: Callable[[], int],
    take: Callable[[T], None],
    prepare: Callable[[np.ndarray], T] = _identity,
) -> None:
    """Feed `take` blocks of raw outputs until `owed()` is 0.

    `owed()` is a count of raw outputs Boost is sure to consume before the fill is done;
    drawing no more than that, block by block, keeps the engine from ever getting ahead
    of Boost's, and keeps memory at a few blocks whatever the blob size.
    """
    while (count := owed()) > 0:
        with closing(_raw_blocks(rng, count, prepare)) as blocks:
            for block in blocks:
                take(block)


def uniform_real(rng: CaffeRNG, out: np.ndarray, min_value: float, max_value: float) -> None:
    """Fill `out` with boost::random::uniform_real_distribution(min_value, max_value) draws.

    Each draw: result = RealType(u) / 2**32 * (max - min) + min, redrawn (one more raw
    output) while result >= max; a range wider than the largest float is sampled at half
    scale and doubled. The caller guarantees min < max, both finite.
    """
    real = real_for(out.dtype)
    rt = real.type
    lo, hi = rt(min_value), rt(max_value)
    doubled = hi / 2 - lo / 2 > np.finfo(real.dtype).max / 2
    if doubled:
        lo, hi = rt(lo / 2), rt(hi / 2)
    span = rt(hi - lo)
    unit = rt(2.0**-32)
    # `u * 2**-32 * span` rounds once, like `u * (span * 2**-32)` when that factor is exact.
    factor = span * unit
    fused = bool(np.isfinite(span) and factor >= np.finfo(real.dtype).tiny)
    # With a finite span the result grows with u, so "result >= max" is "u >= some limit".
    reject_from = (
        _integer_limit(real, lambda v: not (v * unit * span + lo < hi)) if np.isfinite(span) else None
    )
    filled = 0

    def take(raw: np.ndarray) -> None:
        nonlocal filled
        block = out[filled : filled + len(raw)]
        np.copyto(block, raw, casting="unsafe")
        if fused:
            block *= factor
        else:
            block *= unit
            block *= span
        block += lo
        if reject_from is None or (reject_from < _RAW_RANGE and int(raw.max()) >= reject_from):
            kept = block[block < hi]
            block[: len(kept)] = kept
            block = block[: len(kept)]
        if doubled:
            block *= 2
        filled += len(block)

    # Every draw takes one raw output: as many as the values still owed are surely Boost's.
    _draw_until_done(rng, lambda: len(out) - filled, take)


def bernoulli(rng: CaffeRNG, out: np.ndarray, p: float, dtype: np.dtype) -> None:
    """Fill the boolean `out` with boost::bernoulli_distribution<RealType>(p) draws.

    p == 0 draws nothing; otherwise one raw output u each: RealType(u) <= p * RealType(2**32 - 1).
    """
    if p == 0:
        out[:] = False
        return
    real = real_for(dtype)
    threshold = real.type(p) * real.type(_RAW_RANGE - 1)
    false_from = _integer_limit(real, lambda v: not (v <= threshold))
    start = 0
    with closing(_raw_blocks(rng, len(out))) as blocks:
        for raw in blocks:
            np.less(raw, false_from, out=out[start : start + len(raw)])
            start += len(raw)


class _Work:
    """A fill's reusable block buffers, one set per block in flight (the background thread
    prepares one block while the caller resolves the other): fresh temporaries per block
    would cost a page fault per 4 KiB, and glibc unmapping them, on every block."""

    def __init__(self) -> None:
        self._sets: list[dict[str, np.ndarray]] = [{}, {}]
        self._turn = 0

    def next_set(self) -> dict[str, np.ndarray]:
        arrays = self._sets[self._turn]
        self._turn ^= 1
        return arrays


def _buffer(arrays: dict[str, np.ndarray], name: str, size: int, dtype: type) -> np.ndarray:
    array = arrays.get(name)
    if array is None or len(array) < size:
        array = arrays[name] = np.empty(max(size, _BLOCK), dtype=dtype)
    return array[:size]


class _Heads:
    """The int/float pair at every position of a block of raw outputs, read as if an attempt
    started there: its bucket and whether the ziggurat accepts it at once (`fast`); the unit
    normal it then gives comes from `value_at`. Independent of where attempts really start,
    so it is computed on the background thread with the raw outputs.

    For double, only about half of the positions start an attempt: the 53-bit mantissa and
    the value are computed at the positions that do, and `fast` compares the 29 high bits
    (the second raw output's) with the limit's, the full mantissa only where they are equal.
    """

    def __init__(self, real: Real, raw: np.ndarray, arrays: dict[str, np.ndarray]) -> None:
        self.real, self.raw, self.arrays = real, raw, arrays
        step = real.raws_per_pair
        self.whole = whole = max(len(raw) - (step - 1), 0)
        self.bucket = bucket = _buffer(arrays, "bucket", whole, np.intp)
        # numpy's take is fast only with intp indices.
        np.bitwise_and(raw[:whole], np.uint32(0xFF), out=bucket, casting="unsafe")
        limit = _buffer(arrays, "limit", whole, np.uint32)
        self.fast = fast = _buffer(arrays, "fast", whole, np.bool_)
        bits = _buffer(arrays, "bits", whole, np.uint32)
        if step == 1:
            np.right_shift(raw, np.uint32(_BUCKET_BITS), out=bits)
            np.take(real.normal_limit, bucket, out=limit, mode="clip")
            np.less(bits, limit, out=fast)
            self.value = _buffer(arrays, "value", whole, real.dtype)
            scale = _buffer(arrays, "scale", whole, real.dtype)
            np.copyto(self.value, bits, casting="unsafe")
            np.take(real.normal_scale, bucket, out=scale, mode="clip")
            self.value *= scale
            return
        np.bitwise_and(raw[1:], np.uint32(_LOW29), out=bits)
        np.take(real.normal_limit_high, bucket, out=limit, mode="clip")
        np.less(bits, limit, out=fast)
        edge = _buffer(arrays, "edge", whole, np.bool_)
        np.equal(bits, limit, out=edge)
        if edge.any():
            at = np.flatnonzero(edge)
            mantissa, _ = self.pair_at(at)
            fast[at] = mantissa < np.take(real.normal_limit, bucket[at])

    def pair_at(self, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(N, bucket) of the pairs at positions `pos` (past the whole pairs: the last one)."""
        pos = np.minimum(pos, self.whole - 1)
        first = np.take(self.raw, pos)
        if self.real.raws_per_pair == 1:
            return first >> np.uint32(_BUCKET_BITS), (first & np.uint32(0xFF)).astype(np.intp)
        mantissa = (np.take(self.raw, pos + 1) & np.uint32(_LOW29)).astype(np.int64)
        mantissa <<= 32 - _BUCKET_BITS
        mantissa |= first >> np.uint32(_BUCKET_BITS)
        return mantissa, (first & np.uint32(0xFF)).astype(np.intp)

    def value_at(self, pos: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """The unit normal an attempt accepted at once gives at each of positions `pos`."""
        if self.real.raws_per_pair == 1:
            return np.take(self.value, pos, mode="clip", out=out)
        if out is None:
            out = np.empty(len(pos), dtype=self.real.dtype)
        size, arrays = len(pos), self.arrays
        at = _buffer(arrays, "at", size, np.intp)
        np.add(pos, 1, out=at)
        first, high = _buffer(arrays, "first", size, np.uint32), _buffer(arrays, "high", size, np.uint32)
        # Positions past the whole pairs (stand-ins, never used) read the last raw outputs.
        np.take(self.raw, pos, out=first, mode="clip")
        np.take(self.raw, at, out=high, mode="clip")
        # N = high * 2**24 + low is below 2**53: built in float64 exactly, without 64-bit
        # integer temporaries (numpy converts those to float slowly).
        high &= np.uint32(_LOW29)
        np.copyto(out, high, casting="unsafe")
        out *= 2.0 ** (32 - _BUCKET_BITS)
        np.right_shift(first, np.uint32(_BUCKET_BITS), out=high)
        out += high
        np.bitwise_and(first, np.uint32(0xFF), out=at, casting="unsafe")
        scale = _buffer(arrays, "scale", size, self.real.dtype)
        np.take(self.real.normal_scale, at, out=scale, mode="clip")
        # N * scale rounds once, like Boost's (N * 2**-53) * x.
        out *= scale
        return out


class _Events:
    """Positions whose attempt is not accepted at once, each resolved as if an attempt
    started there: where it ends (`end`, -1 if the block ends first), whether it yields a
    sample (`accepted`) and which (`value`)."""

    def __init__(self, heads: _Heads, start: int, dtype: np.dtype) -> None:
        whole = heads.whole
        # A pair cut by the block end (double only) is an event that cannot complete here.
        self.pos = np.concatenate(
            [np.flatnonzero(~heads.fast[start:]) + start, np.arange(whole, len(heads.raw))]
        )
        # Positions past the whole pairs read a stand-in pair: they are never resolved.
        self.bucket = np.take(heads.bucket, self.pos, mode="clip")
        self.z = heads.value_at(self.pos)
        self.end = np.full(len(self.pos), -1, dtype=np.int64)
        self.accepted = np.zeros(len(self.pos), dtype=bool)
        self.value = np.zeros(len(self.pos), dtype=dtype)
        self.resolved = self.pos >= whole

    def settle(self, which: np.ndarray, length: int, accepted: np.ndarray, value: np.ndarray) -> None:
        self.end[which] = self.pos[which] + length
        self.accepted[which] = accepted
        self.value[which] = value
        self.resolved[which] = True


def _resolve_wedges(real: Real, heads: _Heads, events: _Events) -> None:
    """The common wedge event: layer k >= 1, its uniform_01 needs no redraw."""
    step, raw = real.raws_per_pair, heads.raw
    layer = events.bucket >> 1
    y01_at = events.pos + step
    which = np.flatnonzero((layer != 0) & (y01_at < len(raw)))
    y01_raw = np.take(raw, y01_at[which])
    no_redraw = y01_raw < real.uniform01_limit
    which, y01_raw = which[no_redraw], y01_raw[no_redraw]
    k, z = np.take(layer, which), np.take(events.z, which)
    x = np.abs(z)
    layer_x, layer_y = np.take(real.layer_x, k), np.take(real.layer_y, k)
    y01 = y01_raw.astype(real.dtype)
    y01 *= real.type(2.0**-32)
    y = layer_y + y01 * np.take(real.layer_dy, k)
    diagonal = np.take(real.layer_dx, k) * y01 - (layer_x - x)
    tangent = y - (layer_y + (layer_x - x) * layer_y * layer_x)
    convex = np.take(real.layer_convex, k)
    above_ubound = np.where(convex, diagonal, tangent)
    accepted = above_ubound < 0
    between = accepted & ~(np.where(convex, tangent, diagonal) < 0)
    if between.any():
        xb = x[between]
        accepted[between] = y[between] < real.exp(-(xb * xb / 2))
    # An accepted wedge attempt returns x * sign: the pair's own signed value.
    events.settle(which, step + 1, accepted, z)


def _resolve_tails(real: Real, heads: _Heads, events: _Events) -> None:
    """The common tail event: both exponentials accepted at once and the tail test passes."""
    step = real.raws_per_pair
    which = np.flatnonzero((events.bucket >> 1 == 0) & (events.pos + 3 * step <= len(heads.raw)))
    unit_exps = []
    for offset in (step, 2 * step):
        n_mant, bucket = heads.pair_at(np.take(events.pos, which) + offset)
        fast = n_mant < np.take(real.exp_limit, bucket)
        unit_exps.append((fast, n_mant.astype(real.dtype) * np.take(real.exp_scale, bucket)))
    (fast_x, unit_x), (fast_y, y) = unit_exps
    x = unit_x / real.tail_start
    ok = fast_x & fast_y & (2 * y > x * x)
    which = which[ok]
    # Boost's sign `(i & 1) * 2 - 1`: an odd bucket is positive.
    value = (x[ok] + real.tail_start) * np.where(events.bucket[which] & 1, 1, -1).astype(real.dtype)
    events.settle(which, 3 * step, np.ones(len(which), dtype=bool), value)


def _resolve_by_reference(real: Real, raw: np.ndarray, events: _Events, tail: Tail) -> None:
    """Every other event (uniform_01 redraws, exponential wedges and restarts, rejected
    tails) through the scalar reference: rare enough that a Python loop costs little."""
    for j in np.flatnonzero(~events.resolved):
        draw = _Cursor(raw, int(events.pos[j]))
        try:
            sample = _normal_attempt(real, draw, tail)
        except _Exhausted:
            continue
        events.end[j] = draw.pos
        events.accepted[j] = sample is not None
        events.value[j] = 0 if sample is None else sample
        events.resolved[j] = True


_SETTLE_ROUNDS = 16
"""Rounds `_attempt_chain_single` tries before it leaves the block to pointer doubling."""


def _attempt_chain_single(events: _Events, start: int, block_end: int) -> tuple[np.ndarray, int]:
    """`_attempt_chain` with one raw output per pair (float), where every position not taken
    by an earlier real attempt starts one: an event is real unless a real event before it
    ends after it. Overlapping events are rare, so iterating that rule from "all real" settles
    in a few whole-array passes (each fixes at least the next event in doubt), fewer than
    pointer doubling's log2(#events) rounds."""
    first = int(np.searchsorted(events.pos, start))
    pos, end = events.pos[first:], events.end[first:]
    # An event cut by the block end (end -1) takes every position after it.
    reach = np.where(end < 0, block_end + 1, end)
    real = np.ones(len(pos), dtype=bool)
    taken_before = np.empty(len(pos), dtype=np.int64)
    for _ in range(_SETTLE_ROUNDS):
        if len(pos):
            taken_before[0] = start
            np.maximum.accumulate(np.where(real, reach, start)[:-1], out=taken_before[1:])
        settled = pos >= taken_before
        if np.array_equal(settled, real):
            break
        real = settled
    else:  # a long run of overlapping events: pointer doubling bounds the work
        return _attempt_chain(events, start, 1, block_end)
    chain = np.flatnonzero(real) + first
    cut = np.flatnonzero(events.end[chain] < 0)
    if len(cut):
        return chain[: cut[0]], int(events.pos[chain[cut[0]]])
    return chain, block_end


def _attempt_chain(events: _Events, start: int, step: int, block_end: int) -> tuple[np.ndarray, int]:
    """The events that are real attempt starts, in order, and where the block's last whole
    attempt ends (the start of the carried-over one, or the block end).

    Attempts start at `start` and run at stride `step`, accepted at once, until the first
    event in that phase; its attempt ends at `end`, where the next phase begins. Each event
    thus has one successor, and the real ones are the path from the first: followed for
    all events at once by pointer doubling, in log2(#events) rounds.
    """
    pos, end = events.pos, events.end
    n = len(pos)
    successor = np.arange(n + 1)  # incomplete events and the sentinel n lead nowhere
    complete = np.flatnonzero(end >= 0)
    phase_members = [np.flatnonzero(pos % step == phase) for phase in range(step)]
    for phase, members in enumerate(phase_members):
        asking = complete[end[complete] % step == phase]
        successor[asking] = np.append(members, n)[np.searchsorted(pos[members], end[asking])]
    members = phase_members[start % step]
    path = np.append(members, n)[np.searchsorted(pos[members], start) :][:1]
    jump = successor
    while successor[path[-1]] != path[-1]:
        path = np.concatenate([path, jump[path]])
        jump = jump[jump]
    terminal = path[-1]
    chain = path[: np.searchsorted(path, terminal)]
    return chain, block_end if terminal == n else int(pos[terminal])


def _sample_positions(
    events: _Events, chain: np.ndarray, start: int, used: int, step: int, arrays: dict[str, np.ndarray]
) -> np.ndarray:
    """The pair position each of the block's samples comes from, in order.

    Between chain events, attempts accepted at once run at stride `step` from one event's
    end to the next event's start; each accepted event adds its one sample in between.
    """
    event_pos, accepted = events.pos[chain], events.accepted[chain]
    run_start = np.concatenate([[start], events.end[chain]])
    run_length = (np.concatenate([event_pos, [used]]) - run_start) // step
    # Segments alternate: run 0, event 1, run 1, event 2, ..., the last run.
    segment_start = np.empty(2 * len(chain) + 1, dtype=np.intp)
    segment_start[0::2], segment_start[1::2] = run_start, event_pos
    segment_length = np.empty_like(segment_start)
    segment_length[0::2], segment_length[1::2] = run_length, accepted
    segment_out = np.cumsum(segment_length) - segment_length
    # Sample k of a segment is at offset + step * k: one running sum of the steps, with a
    # jump where each non-empty segment begins.
    filled = segment_length > 0
    offset = (segment_start - step * segment_out)[filled]
    positions = _buffer(arrays, "positions", int(segment_length.sum()), np.intp)
    positions.fill(step)
    if len(positions):
        positions[0] = offset[0]
        positions[segment_out[filled][1:]] += np.diff(offset)
    np.cumsum(positions, out=positions)
    return positions


def _sample_mask(
    events: _Events, chain: np.ndarray, start: int, used: int, size: int, arrays: dict[str, np.ndarray]
) -> np.ndarray:
    """With one raw output per pair, the samples' positions as a mask: every position from
    `start` to `used` except the outputs a chain event's attempt took after its own and the
    rejected chain events. Cheaper than `_sample_positions` when nearly all are kept."""
    event_pos, event_end = events.pos[chain], events.end[chain]
    keep = _buffer(arrays, "keep", size, np.bool_)
    keep[:start] = False
    keep[start:used] = True
    keep[used:] = False
    keep[event_pos[~events.accepted[chain]]] = False
    taken = event_end - event_pos - 1
    first_taken = np.repeat(event_pos + 1 - np.cumsum(taken) + taken, taken)
    keep[first_taken + np.arange(len(first_taken))] = False
    return keep


def _prepare_normal(
    real: Real, raw: np.ndarray, arrays: dict[str, np.ndarray], tail: Tail = _normal_tail
) -> tuple[_Heads, _Events | None]:
    """A block's heads and its events, each resolved as if an attempt started there: none of
    it depends on where attempts really start, so it all runs on the background thread.

    A block shorter than a pair (1 raw output, double) has no events: it only ever
    completes an attempt carried over from the block before.
    """
    heads = _Heads(real, raw, arrays)
    if heads.whole == 0:
        return heads, None
    events = _Events(heads, 0, real.dtype)
    _resolve_wedges(real, heads, events)
    if tail is _normal_tail:
        _resolve_tails(real, heads, events)
    _resolve_by_reference(real, heads.raw, events, tail)
    return heads, events


def _normal_block(
    real: Real, heads: _Heads, events: _Events, start: int, out: np.ndarray
) -> tuple[np.ndarray, int]:
    """Write the unit normals a block yields from an attempt start at position `start` to
    the head of `out`; return that part of `out` and the position where the block's last
    whole attempt ends. Events before `start` are never on the chain of real attempts."""
    step = real.raws_per_pair
    if step == 1:
        chain, used = _attempt_chain_single(events, start, len(heads.raw))
    else:
        chain, used = _attempt_chain(events, start, step, len(heads.raw))
    accepted = chain[events.accepted[chain]]
    if step == 1:
        np.put(heads.value, events.pos[accepted], events.value[accepted])
        keep = _sample_mask(events, chain, start, used, len(heads.value), heads.arrays)
        block = out[: np.count_nonzero(keep)]
        np.compress(keep, heads.value, out=block)
        return block, used
    positions = _sample_positions(events, chain, start, used, step, heads.arrays)
    block = heads.value_at(positions, out=out[: len(positions)])
    # Accepted events are among the positions; a tail's sample is not its pair's value.
    block[np.searchsorted(positions, events.pos[accepted])] = events.value[accepted]
    return block, used


def normal(rng: CaffeRNG, out: np.ndarray, mean: float, sigma: float, tail: Tail = _normal_tail) -> None:
    """Fill `out` with boost::normal_distribution(mean, sigma) draws: z * sigma + mean in
    RealType, z from Boost's 128-layer ziggurat (see the module docstring) whose tail
    `tail` samples (Boost 1.64+'s by default)."""
    real = real_for(out.dtype)
    step = real.raws_per_pair
    mean, sigma = real.type(mean), real.type(sigma)
    carry = np.empty(0, dtype=np.uint32)
    filled = 0

    def take(prepared: tuple[_Heads, _Events | None]) -> None:
        nonlocal carry, filled
        heads, events = prepared
        start = 0
        if len(carry):
            # Finish the attempt the previous block cut, with this block's first outputs.
            draw = _Cursor(np.concatenate([carry, heads.raw]))
            try:
                sample = _normal_attempt(real, draw, tail)
            except _Exhausted:
                carry = draw.raw
                return
            start, carry = draw.pos - len(carry), carry[:0]
            if sample is not None:
                out[filled] = sample * sigma + mean
                filled += 1
        if start >= len(heads.raw):
            return
        if events is None:  # part of a pair only: carried into the next block
            carry = heads.raw[start:].copy()
            return
        block, used = _normal_block(real, heads, events, start, out[filled:])
        block *= sigma
        block += mean
        filled += len(block)
        carry = heads.raw[used:]

    def owed() -> int:
        # Each sample takes at least `step` raw outputs, the carried attempt at least one more.
        if filled == len(out):
            return 0
        return max((len(out) - filled) * step - len(carry), 1)

    work = _Work()
    _draw_until_done(rng, owed, take, lambda raw: _prepare_normal(real, raw, work.next_set(), tail))
