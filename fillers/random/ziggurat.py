"""Boost's ziggurat normal over a block of raw outputs, the bookkeeping of the vectorized code
(`boost.normal`): each position's attempt as if one started there (`Heads`), the positions
whose attempt is not accepted at once (`Events`), and the chain of real attempt starts,
followed by pointer doubling (`attempt_chain`).
"""

from __future__ import annotations

import numpy as np

from . import prefetch
from .real import BUCKET_BITS, LOW29, Real


class Work:
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


def buffer(arrays: dict[str, np.ndarray], name: str, size: int, dtype: type) -> np.ndarray:
    array = arrays.get(name)
    if array is None or len(array) < size:
        array = arrays[name] = np.empty(max(size, prefetch.BLOCK), dtype=dtype)
    return array[:size]


class Heads:
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
        self.bucket = bucket = buffer(arrays, "bucket", whole, np.intp)
        # numpy's take is fast only with intp indices.
        np.bitwise_and(raw[:whole], np.uint32(0xFF), out=bucket, casting="unsafe")
        limit = buffer(arrays, "limit", whole, np.uint32)
        self.fast = fast = buffer(arrays, "fast", whole, np.bool_)
        bits = buffer(arrays, "bits", whole, np.uint32)
        if step == 1:
            np.right_shift(raw, np.uint32(BUCKET_BITS), out=bits)
            np.take(real.normal_limit, bucket, out=limit, mode="clip")
            np.less(bits, limit, out=fast)
            self.value = buffer(arrays, "value", whole, real.dtype)
            scale = buffer(arrays, "scale", whole, real.dtype)
            np.copyto(self.value, bits, casting="unsafe")
            np.take(real.normal_scale, bucket, out=scale, mode="clip")
            self.value *= scale
            return
        np.bitwise_and(raw[1:], np.uint32(LOW29), out=bits)
        np.take(real.normal_limit_high, bucket, out=limit, mode="clip")
        np.less(bits, limit, out=fast)
        edge = buffer(arrays, "edge", whole, np.bool_)
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
            return first >> np.uint32(BUCKET_BITS), (first & np.uint32(0xFF)).astype(np.intp)
        mantissa = (np.take(self.raw, pos + 1) & np.uint32(LOW29)).astype(np.int64)
        mantissa <<= 32 - BUCKET_BITS
        mantissa |= first >> np.uint32(BUCKET_BITS)
        return mantissa, (first & np.uint32(0xFF)).astype(np.intp)

    def value_at(self, pos: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """The unit normal an attempt accepted at once gives at each of positions `pos`."""
        if self.real.raws_per_pair == 1:
            return np.take(self.value, pos, mode="clip", out=out)
        if out is None:
            out = np.empty(len(pos), dtype=self.real.dtype)
        size, arrays = len(pos), self.arrays
        at = buffer(arrays, "at", size, np.intp)
        np.add(pos, 1, out=at)
        first, high = buffer(arrays, "first", size, np.uint32), buffer(arrays, "high", size, np.uint32)
        # Positions past the whole pairs (stand-ins, never used) read the last raw outputs.
        np.take(self.raw, pos, out=first, mode="clip")
        np.take(self.raw, at, out=high, mode="clip")
        # N = high * 2**24 + low is below 2**53: built in float64 exactly, without 64-bit
        # integer temporaries (numpy converts those to float slowly).
        high &= np.uint32(LOW29)
        np.copyto(out, high, casting="unsafe")
        out *= 2.0 ** (32 - BUCKET_BITS)
        np.right_shift(first, np.uint32(BUCKET_BITS), out=high)
        out += high
        np.bitwise_and(first, np.uint32(0xFF), out=at, casting="unsafe")
        scale = buffer(arrays, "scale", size, self.real.dtype)
        np.take(self.real.normal_scale, at, out=scale, mode="clip")
        # N * scale rounds once, like Boost's (N * 2**-53) * x.
        out *= scale
        return out


class Events:
    """Positions whose attempt is not accepted at once, each resolved as if an attempt
    started there: where it ends (`end`, -1 if the block ends first), whether it yields a
    sample (`accepted`) and which (`value`)."""

    def __init__(self, heads: Heads, start: int, dtype: np.dtype) -> None:
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


SETTLE_ROUNDS = 16
"""Rounds `attempt_chain_single` tries before it leaves the block to pointer doubling."""


def attempt_chain_single(events: Events, start: int, block_end: int) -> tuple[np.ndarray, int]:
    """`attempt_chain` with one raw output per pair (float), where every position not taken
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
    for _ in range(SETTLE_ROUNDS):
        if len(pos):
            taken_before[0] = start
            np.maximum.accumulate(np.where(real, reach, start)[:-1], out=taken_before[1:])
        settled = pos >= taken_before
        if np.array_equal(settled, real):
            break
        real = settled
    else:  # a long run of overlapping events: pointer doubling bounds the work
        return attempt_chain(events, start, 1, block_end)
    chain = np.flatnonzero(real) + first
    cut = np.flatnonzero(events.end[chain] < 0)
    if len(cut):
        return chain[: cut[0]], int(events.pos[chain[cut[0]]])
    return chain, block_end


def attempt_chain(events: Events, start: int, step: int, block_end: int) -> tuple[np.ndarray, int]:
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
