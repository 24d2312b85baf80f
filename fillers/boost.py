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
then follow the chain of real attempt starts with pointer doubling. A block never draws more
raw outputs than the samples still owed could consume, so the engine is never ahead of
Boost's; an attempt cut by the end of a block is carried into the next one.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from ._tables import EXPONENTIAL_X, EXPONENTIAL_Y, NORMAL_X, NORMAL_Y
from .stream import CaffeRNG

_RAW_RANGE = 1 << 32
_BUCKET_BITS = 8
_LOW29 = (1 << 29) - 1
_BLOCK = 1 << 15
"""Samples per vectorized block: the block's temporaries stay in L2 cache."""


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
        self.mantissa_type = np.uint32 if self.raws_per_pair == 1 else np.uint64
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

    def pairs(self, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(N, bucket) of the int/float pair starting at every position that has a whole pair."""
        if self.raws_per_pair == 1:
            return raw >> np.uint32(_BUCKET_BITS), raw & np.uint32(0xFF)
        first = raw[:-1]
        mantissa = (raw[1:] & np.uint32(_LOW29)).astype(np.uint64) << np.uint64(32 - _BUCKET_BITS)
        mantissa |= first >> np.uint32(_BUCKET_BITS)
        return mantissa, first & np.uint32(0xFF)

    def exp(self, x: np.ndarray) -> np.ndarray:
        """std::exp in RealType. For float, the double exp rounded to float: glibc's expf is
        within 0.502 ulp, so the two differ only next to a rounding tie, where a wedge test
        would have to land exactly on the bound for the result to change."""
        return np.exp(np.asarray(x, dtype=np.float64)).astype(self.dtype)

    def __repr__(self) -> str:
        return f"Real({self.dtype.name})"


REALS = {np.dtype(np.float32): Real(np.float32), np.dtype(np.float64): Real(np.float64)}


def real_for(dtype: np.dtype) -> Real:
    """The `Real` for a numpy float dtype (float32 is Caffe's float, float64 its double)."""
    return REALS[np.dtype(dtype)]


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


def _normal_tail(real: Real, draw: _Cursor) -> np.floating:
    start = real.tail_start
    while True:
        x = _unit_exponential(real, draw) / start
        y = _unit_exponential(real, draw)
        if 2 * y > x * x:
            return x + start


def _normal_wedge_accepts(real: Real, k: int, x: np.floating, y01: np.floating) -> bool:
    rt, tx, ty = real.type, NORMAL_X, NORMAL_Y
    y = rt(ty[k]) + y01 * rt(ty[k + 1] - ty[k])
    diagonal = rt(tx[k] - tx[k + 1]) * y01 - (rt(tx[k]) - x)
    tangent = y - (rt(ty[k]) + (rt(tx[k]) - x) * rt(ty[k]) * rt(tx[k]))
    # Layers at x >= 1 are convex (the diagonal is the upper bound), below 1 concave.
    above_ubound, above_lbound = (diagonal, tangent) if tx[k] >= 1 else (tangent, diagonal)
    return bool(above_ubound < 0 and (above_lbound < 0 or y < real.exp(-(x * x / 2))))


def _normal_attempt(real: Real, draw: _Cursor) -> np.floating | None:
    """One pass of unit_normal_distribution's loop: the sample, or None if rejected."""
    r, i = _int_float_pair(real, draw)
    sign = (i & 1) * 2 - 1
    k = i >> 1
    x = r * real.type(NORMAL_X[k])
    if float(x) < NORMAL_X[k + 1]:
        return x * sign
    if k == 0:
        return _normal_tail(real, draw) * sign
    y01 = _uniform01(real, draw)
    return x * sign if _normal_wedge_accepts(real, k, x, y01) else None


def reference_normal(raw: np.ndarray, count: int, dtype: np.dtype) -> tuple[np.ndarray, int]:
    """`count` unit normals drawn by Boost's scalar algorithm from the raw outputs `raw`.

    Returns the samples and how many raw outputs they consumed. Slow: for tests.
    """
    real = real_for(dtype)
    draw = _Cursor(np.asarray(raw, dtype=np.uint32))
    out = np.empty(count, dtype=real.dtype)
    for n in range(count):
        sample = None
        while sample is None:
            sample = _normal_attempt(real, draw)
        out[n] = sample
    return out, draw.pos


# ---------------------------------------------------------------------------------------
# Vectorized: whole blocks of raw outputs at a time.


def _integer_limit(real: Real, accepts: Callable[[np.floating], bool]) -> int:
    """The first raw output u for which the monotone test `accepts(RealType(u))` holds."""
    return int(_first_true(lambda u: np.array([accepts(v) for v in u.astype(real.dtype)]), 1, _RAW_RANGE)[0])


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
    while filled < len(out):
        raw = rng.random_raw(min(len(out) - filled, _BLOCK))
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
    for start in range(0, len(out), _BLOCK):
        raw = rng.random_raw(min(len(out) - start, _BLOCK))
        np.less(raw, false_from, out=out[start : start + len(raw)])


def _sign(bucket: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Boost's `(i & 1) * 2 - 1`: an odd bucket is positive."""
    return np.where(bucket & 1, 1, -1).astype(dtype)


class _Events:
    """Candidate attempt starts whose attempt is not accepted at once, resolved as if each
    were a real start: where it ends (`end`, or -1 if the block ends first) and its sample
    (`accepted`, `value`)."""

    def __init__(self, positions: np.ndarray, dtype: np.dtype) -> None:
        self.pos = positions
        self.end = np.full(len(positions), -1, dtype=np.int64)
        self.accepted = np.zeros(len(positions), dtype=bool)
        self.value = np.zeros(len(positions), dtype=dtype)
        self.resolved = np.zeros(len(positions), dtype=bool)

    def settle(self, which: np.ndarray, end: np.ndarray, accepted: np.ndarray, value: np.ndarray) -> None:
        self.end[which] = end
        self.accepted[which] = accepted
        self.value[which] = value
        self.resolved[which] = True


def _resolve_wedges(real: Real, raw: np.ndarray, events: _Events, n_mant: np.ndarray, bucket: np.ndarray) -> None:
    """The common wedge event: layer k >= 1, its uniform_01 needs no redraw."""
    step = real.raws_per_pair
    layer = bucket >> 1
    y01_at = events.pos + step
    which = np.flatnonzero((layer != 0) & (y01_at < len(raw)))
    if len(which) == 0:
        return
    y01_raw = raw[y01_at[which]]
    which, y01_raw = which[y01_raw < real.uniform01_limit], y01_raw[y01_raw < real.uniform01_limit]
    rt = real.dtype
    k = layer[which]
    tx, ty = np.array(NORMAL_X), np.array(NORMAL_Y)
    x = n_mant[which].astype(rt) * np.abs(real.normal_scale[bucket[which]])
    y01 = y01_raw.astype(rt) * rt.type(2.0**-32)
    y = ty[k].astype(rt) + y01 * (ty[k + 1] - ty[k]).astype(rt)
    diagonal = (tx[k] - tx[k + 1]).astype(rt) * y01 - (tx[k].astype(rt) - x)
    tangent = y - (ty[k].astype(rt) + (tx[k].astype(rt) - x) * ty[k].astype(rt) * tx[k].astype(rt))
    convex = tx[k] >= 1
    above_ubound = np.where(convex, diagonal, tangent)
    above_lbound = np.where(convex, tangent, diagonal)
    accepted = above_ubound < 0
    between = accepted & ~(above_lbound < 0)
    if between.any():
        xb = x[between]
        accepted[between] = y[between] < real.exp(-(xb * xb / 2))
    events.settle(which, events.pos[which] + step + 1, accepted, x * _sign(bucket[which], rt))


def _resolve_tails(
    real: Real, events: _Events, bucket: np.ndarray, pair_mant: np.ndarray, pair_bucket: np.ndarray
) -> None:
    """The common tail event: both exponentials accepted at once and the tail test passes.

    `pair_mant`, `pair_bucket` are the pairs at every position of the block."""
    step = real.raws_per_pair
    which = np.flatnonzero((bucket >> 1 == 0) & (events.pos + 3 * step <= len(pair_mant) + step - 1))
    if len(which) == 0:
        return
    unit_exps = []
    for offset in (step, 2 * step):
        at = events.pos[which] + offset
        n_mant, exp_bucket = pair_mant[at], pair_bucket[at]
        unit_exps.append((n_mant < real.exp_limit[exp_bucket], n_mant.astype(real.dtype) * real.exp_scale[exp_bucket]))
    (fast_x, unit_x), (fast_y, y) = unit_exps
    x = unit_x / real.tail_start
    ok = fast_x & fast_y & (2 * y > x * x)
    which = which[ok]
    value = (x[ok] + real.tail_start) * _sign(bucket[which], real.dtype)
    events.settle(which, events.pos[which] + 3 * step, np.ones(len(which), dtype=bool), value)


def _resolve_by_reference(real: Real, raw: np.ndarray, events: _Events) -> None:
    """Every other event (uniform_01 redraws, exponential wedges and restarts, rejected
    tails) through the scalar reference: rare enough that a Python loop costs little."""
    for j in np.flatnonzero(~events.resolved):
        draw = _Cursor(raw, int(events.pos[j]))
        try:
            sample = _normal_attempt(real, draw)
        except _Exhausted:
            continue
        events.end[j] = draw.pos
        events.accepted[j] = sample is not None
        events.value[j] = 0 if sample is None else sample


def _attempt_chain(events: _Events, step: int, block_end: int) -> tuple[np.ndarray, int]:
    """The events that are real attempt starts, in order, and where the block's last whole
    attempt ends (the start of the carried-over one, or the block end).

    From a real start, attempts are accepted at once at start, start+step, ... until the next
    event at a position of the same phase; an event's attempt ends at `end`, where the
    next phase begins. Following that chain event to event is a walk in a forward graph,
    done for all events at once by pointer doubling.
    """
    n = len(events.pos)
    successor = np.arange(n + 1)  # incomplete events and the sentinel n stay put
    complete = np.flatnonzero(events.end >= 0)
    ends = events.end[complete]
    for phase in range(step):
        members = np.flatnonzero(events.pos % step == phase)
        asking = ends % step == phase
        found = np.searchsorted(events.pos[members], ends[asking])
        successor[complete[asking]] = np.append(members, n)[found]
    first = np.flatnonzero(events.pos % step == 0)
    on_chain = np.zeros(n + 1, dtype=bool)
    on_chain[first[0] if len(first) else n] = True
    jump = successor
    while True:
        reached = jump[on_chain]
        if on_chain[reached].all():
            break
        on_chain[reached] = True
        jump = jump[jump]
    chain = np.flatnonzero(on_chain)
    last = chain[-1]
    return chain[:-1], block_end if last == n else int(events.pos[last])


def _normal_block(real: Real, raw: np.ndarray) -> tuple[np.ndarray, int]:
    """The unit normals a block of raw outputs yields, from an attempt start at position 0,
    and how many raw outputs their attempts used."""
    step = real.raws_per_pair
    n_mant, bucket = real.pairs(raw)
    fast = n_mant < real.normal_limit[bucket]
    value = n_mant.astype(real.dtype)
    value *= real.normal_scale[bucket]
    # A pair cut by the block end is an event that cannot complete in this block.
    candidates = np.concatenate([np.flatnonzero(~fast), np.arange(len(fast), len(raw))])
    events = _Events(candidates, real.dtype)
    inside = candidates < len(fast)
    events.resolved[~inside] = True
    inner = np.flatnonzero(inside)
    sub = _Events(candidates[inner], real.dtype)
    _resolve_wedges(real, raw, sub, n_mant[sub.pos], bucket[sub.pos])
    _resolve_tails(real, sub, bucket[sub.pos], n_mant, bucket)
    _resolve_by_reference(real, raw, sub)
    events.settle(inner, sub.end, sub.accepted, sub.value)

    chain, used = _attempt_chain(events, step, len(raw))
    # Runs of immediate acceptances lie between one chain event's end and the next start.
    run_starts = np.concatenate([[0], events.end[chain]])
    run_ends = np.concatenate([events.pos[chain], [used]])
    run_lengths = (run_ends - run_starts) // step
    offsets = np.arange(run_lengths.sum()) - np.repeat(np.cumsum(run_lengths) - run_lengths, run_lengths)
    keep = np.zeros(len(value), dtype=bool)
    keep[np.repeat(run_starts, run_lengths) + offsets * step] = True
    accepted = chain[events.accepted[chain]]
    keep[events.pos[accepted]] = True
    value[events.pos[accepted]] = events.value[accepted]
    return value[keep], used


def normal(rng: CaffeRNG, out: np.ndarray, mean: float, sigma: float) -> None:
    """Fill `out` with boost::normal_distribution(mean, sigma) draws: z * sigma + mean in
    RealType, z from Boost's 128-layer ziggurat (see the module docstring)."""
    real = real_for(out.dtype)
    rt = real.type
    mean, sigma = rt(mean), rt(sigma)
    carry = np.empty(0, dtype=np.uint32)
    filled = 0
    while filled < len(out):
        owed = min(len(out) - filled, _BLOCK)
        # Each sample takes at least `raws_per_pair` outputs: drawing no more than that for
        # the samples owed never takes an output Boost would not have taken.
        fresh = rng.random_raw(max(owed * real.raws_per_pair - len(carry), 1))
        raw = np.concatenate([carry, fresh]) if len(carry) else fresh
        samples, used = _normal_block(real, raw)
        block = out[filled : filled + len(samples)]
        np.multiply(samples, sigma, out=block)
        block += mean
        filled += len(samples)
        carry = raw[used:]
