"""Boost 1.74's distributions, as Caffe calls them, over a `CaffeRNG`'s raw 32-bit outputs.

Every function here writes exactly the bits Boost writes for the same raw outputs and
consumes exactly the raw outputs Boost consumes, for RealType float (numpy float32) and
double (float64). Caffe draws through `variate_generator<mt19937*, Dist>`, which calls
`Dist::operator()(engine)` once per element, so a fill of n elements is n Boost draws on
one engine.

This is the vectorized implementation: it turns a block of raw outputs into samples with
array operations. `boost_reference` follows Boost's source one draw at a time; it is the
reference the tests check against, and it resolves the rare paths here.

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

from collections.abc import Callable
from contextlib import closing

import numpy as np

from ..stream.caffe import CaffeRNG
from .boost_reference import Tail, normal_attempt, normal_tail
from .prefetch import draw_until_done, raw_blocks
from .real import RAW_RANGE, Cursor, Exhausted, Real, first_true, real_for
from .ziggurat import Events, Heads, Work, attempt_chain, attempt_chain_single, buffer


def _integer_limit(real: Real, accepts: Callable[[np.floating], bool]) -> int:
    """The first raw output u for which the monotone test `accepts(RealType(u))` holds."""
    return int(first_true(lambda u: np.array([accepts(v) for v in u.astype(real.dtype)]), 1, RAW_RANGE)[0])


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
        if reject_from is None or (reject_from < RAW_RANGE and int(raw.max()) >= reject_from):
            kept = block[block < hi]
            block[: len(kept)] = kept
            block = block[: len(kept)]
        if doubled:
            block *= 2
        filled += len(block)

    # Every draw takes one raw output: as many as the values still owed are surely Boost's.
    draw_until_done(rng, lambda: len(out) - filled, take)


def bernoulli(rng: CaffeRNG, out: np.ndarray, p: float, dtype: np.dtype) -> None:
    """Fill the boolean `out` with boost::bernoulli_distribution<RealType>(p) draws.

    p == 0 draws nothing; otherwise one raw output u each: RealType(u) <= p * RealType(2**32 - 1).
    """
    if p == 0:
        out[:] = False
        return
    real = real_for(dtype)
    threshold = real.type(p) * real.type(RAW_RANGE - 1)
    false_from = _integer_limit(real, lambda v: not (v <= threshold))
    start = 0
    with closing(raw_blocks(rng, len(out))) as blocks:
        for raw in blocks:
            np.less(raw, false_from, out=out[start : start + len(raw)])
            start += len(raw)


def _resolve_wedges(real: Real, heads: Heads, events: Events) -> None:
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


def _resolve_tails(real: Real, heads: Heads, events: Events) -> None:
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


def _resolve_by_reference(real: Real, raw: np.ndarray, events: Events, tail: Tail) -> None:
    """Every other event (uniform_01 redraws, exponential wedges and restarts, rejected
    tails) through the scalar reference: rare enough that a Python loop costs little."""
    for j in np.flatnonzero(~events.resolved):
        draw = Cursor(raw, int(events.pos[j]))
        try:
            sample = normal_attempt(real, draw, tail)
        except Exhausted:
            continue
        events.end[j] = draw.pos
        events.accepted[j] = sample is not None
        events.value[j] = 0 if sample is None else sample
        events.resolved[j] = True


def _sample_positions(
    events: Events, chain: np.ndarray, start: int, used: int, step: int, arrays: dict[str, np.ndarray]
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
    positions = buffer(arrays, "positions", int(segment_length.sum()), np.intp)
    positions.fill(step)
    if len(positions):
        positions[0] = offset[0]
        positions[segment_out[filled][1:]] += np.diff(offset)
    np.cumsum(positions, out=positions)
    return positions


def _sample_mask(
    events: Events, chain: np.ndarray, start: int, used: int, size: int, arrays: dict[str, np.ndarray]
) -> np.ndarray:
    """With one raw output per pair, the samples' positions as a mask: every position from
    `start` to `used` except the outputs a chain event's attempt took after its own and the
    rejected chain events. Cheaper than `_sample_positions` when nearly all are kept."""
    event_pos, event_end = events.pos[chain], events.end[chain]
    keep = buffer(arrays, "keep", size, np.bool_)
    keep[:start] = False
    keep[start:used] = True
    keep[used:] = False
    keep[event_pos[~events.accepted[chain]]] = False
    taken = event_end - event_pos - 1
    first_taken = np.repeat(event_pos + 1 - np.cumsum(taken) + taken, taken)
    keep[first_taken + np.arange(len(first_taken))] = False
    return keep


def _prepare_normal(
    real: Real, raw: np.ndarray, arrays: dict[str, np.ndarray], tail: Tail = normal_tail
) -> tuple[Heads, Events | None]:
    """A block's heads and its events, each resolved as if an attempt started there: none of
    it depends on where attempts really start, so it all runs on the background thread.

    A block shorter than a pair (1 raw output, double) has no events: it only ever
    completes an attempt carried over from the block before.
    """
    heads = Heads(real, raw, arrays)
    if heads.whole == 0:
        return heads, None
    events = Events(heads, 0, real.dtype)
    _resolve_wedges(real, heads, events)
    if tail is normal_tail:
        _resolve_tails(real, heads, events)
    _resolve_by_reference(real, heads.raw, events, tail)
    return heads, events


def _normal_block(
    real: Real, heads: Heads, events: Events, start: int, out: np.ndarray
) -> tuple[np.ndarray, int]:
    """Write the unit normals a block yields from an attempt start at position `start` to
    the head of `out`; return that part of `out` and the position where the block's last
    whole attempt ends. Events before `start` are never on the chain of real attempts."""
    step = real.raws_per_pair
    if step == 1:
        chain, used = attempt_chain_single(events, start, len(heads.raw))
    else:
        chain, used = attempt_chain(events, start, step, len(heads.raw))
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


def normal(rng: CaffeRNG, out: np.ndarray, mean: float, sigma: float, tail: Tail = normal_tail) -> None:
    """Fill `out` with boost::normal_distribution(mean, sigma) draws: z * sigma + mean in
    RealType, z from Boost's 128-layer ziggurat (see the module docstring) whose tail
    `tail` samples (Boost 1.64+'s by default)."""
    real = real_for(out.dtype)
    step = real.raws_per_pair
    mean, sigma = real.type(mean), real.type(sigma)
    carry = np.empty(0, dtype=np.uint32)
    filled = 0

    def take(prepared: tuple[Heads, Events | None]) -> None:
        nonlocal carry, filled
        heads, events = prepared
        start = 0
        if len(carry):
            # Finish the attempt the previous block cut, with this block's first outputs.
            draw = Cursor(np.concatenate([carry, heads.raw]))
            try:
                sample = normal_attempt(real, draw, tail)
            except Exhausted:
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

    work = Work()
    draw_until_done(rng, owed, take, lambda raw: _prepare_normal(real, raw, work.next_set(), tail))
