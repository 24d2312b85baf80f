"""Boost's RealType as numpy sees it: float (float32) or double (float64), the constants its
distributions use in that type, and a cursor over a block of raw 32-bit outputs."""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from ._tables import EXPONENTIAL_X, NORMAL_X, NORMAL_Y

BUCKET_BITS = 8
"""The low bits of a ziggurat draw's first raw output that pick its layer and sign."""
LOW29 = (1 << 29) - 1
RAW_RANGE = 1 << 32
BUCKET_BITS = 8
LOW29 = (1 << 29) - 1
BLOCK = 1 << 17
"""Raw outputs per vectorized block: large enough to amortize numpy's per-call cost over
the rare-path bookkeeping, small enough for the temporaries to stay in cache."""


class Exhausted(Exception):
    """A scalar draw ran past the end of the raw outputs at hand."""


class Cursor:
    """Reads raw outputs from a block one at a time, as Boost's `eng()` calls do."""

    def __init__(self, raw: np.ndarray, pos: int = 0) -> None:
        self.raw = raw
        self.pos = pos

    def __call__(self) -> int:
        if self.pos >= len(self.raw):
            raise Exhausted
        value = int(self.raw[self.pos])
        self.pos += 1
        return value


def first_true(predicate: Callable[[np.ndarray], np.ndarray], size: int, limit: int) -> np.ndarray:
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
        self.raws_per_pair = 1 if self.digits <= 32 - BUCKET_BITS else 2
        # Signed for double: numpy converts int64 to float64 several times faster than uint64.
        self.mantissa_type = np.uint32 if self.raws_per_pair == 1 else np.int64
        rt = self.type
        ulp = rt(2.0**-self.digits)
        buckets = np.arange(1 << BUCKET_BITS)

        # unit normal: bucket i -> layer k = i >> 1, sign from the low bit (odd is +1).
        normal_x = np.array(NORMAL_X)
        layer = buckets >> 1
        layer_x = normal_x[layer].astype(self.dtype)
        sign = (buckets & 1) * 2 - 1
        self.normal_limit = first_true(
            # Boost compares the float sample with the double table entry: `x < table_x[i+1]`.
            lambda n: (n.astype(self.dtype) * ulp * layer_x).astype(np.float64) >= normal_x[layer + 1],
            len(buckets),
            1 << self.digits,
        ).astype(self.mantissa_type)
        self.normal_scale = (layer_x * ulp * sign).astype(self.dtype)
        # For double: the limit's 29 high bits, those of a pair's second raw output.
        self.normal_limit_high = (self.normal_limit >> (32 - BUCKET_BITS)).astype(np.uint32)

        # unit exponential: all 8 bits pick one of 256 layers; comparisons in RealType.
        exp_x = np.array(EXPONENTIAL_X)
        layer_ex = exp_x[buckets].astype(self.dtype)
        next_ex = exp_x[buckets + 1].astype(self.dtype)
        self.exp_limit = first_true(
            lambda n: n.astype(self.dtype) * ulp * layer_ex >= next_ex,
            len(buckets),
            1 << self.digits,
        ).astype(self.mantissa_type)
        self.exp_scale = (layer_ex * ulp).astype(self.dtype)

        # uniform_01 redraws a raw output whose RealType value rounds up to 2**32.
        self.uniform01_limit = int(
            first_true(lambda u: u.astype(self.dtype) * rt(2.0**-32) >= 1, 1, RAW_RANGE)[0]
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
