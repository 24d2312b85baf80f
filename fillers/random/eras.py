"""Boost.Random's older eras, where they differ from boost.py's 1.64-1.74 code.

Era A (1.54-1.55), normal_distribution is Box-Muller with a cached pair. Each pair draws
r1 then r2 from uniform_01 (one raw output each, redrawn while the RealType value rounds
to 1), then in RealType:

    rho = sqrt(-2 * log(1 - r2)),   first = rho * cos(2 pi r1),   second = rho * sin(2 pi r1)

and each sample is `value * sigma + mean`. Caffe builds a new distribution per
caffe_rng_gaussian call, so a fill of odd length draws a last pair and drops its sine.
Era A's uniform_real has no overflow guard: see `check_uniform_span`.

Era B (1.56-1.63) keeps the ziggurat, but its tail draws two inversion exponentials,
-log(1 - u) with u from uniform_01, instead of the exponential ziggurat (`inversion_tail`).
Its wedge test has no squeeze bounds, which changes how often exp is called, not a result.

Both put libm's log, sin and cos into samples: they call the C functions (see libm.py).
"""

from __future__ import annotations

import numpy as np

from ..errors import FillerError
from ..stream.caffe import CaffeRNG
from . import boost, libm
from .boost_reference import tail_from, uniform01
from .real import Cursor, Real, real_for

_RAW_RANGE = 1 << 32
_PAIRS_PER_CHUNK = 1 << 15
"""Box-Muller pairs per vectorized chunk: bounds the temporaries whatever the blob size."""
_PI = 3.14159265358979323846
"""Boost 1.54's literal for pi, converted to RealType where it is used."""


# ---------------------------------------------------------------------------------------
# Era A: Box-Muller.


def _box_muller_pair(real: Real, r1: np.floating, r2: np.floating) -> tuple[np.floating, np.floating]:
    rt = real.type
    log = libm.function("log", real.dtype)
    rho = np.sqrt(rt(-2) * rt(log(float(rt(1) - r2))))
    angle = rt(2) * rt(_PI) * r1
    cos, sin = libm.function("cos", real.dtype), libm.function("sin", real.dtype)
    return rho * rt(cos(float(angle))), rho * rt(sin(float(angle)))


def reference_box_muller(raw: np.ndarray, count: int, dtype: np.dtype) -> tuple[np.ndarray, int]:
    """`count` unit normals by Boost 1.54's Box-Muller, one at a time, from the raw outputs
    `raw`, as one distribution object draws them. Returns the samples and how many raw
    outputs they consumed. Slow: the reference the tests check the vectorized code against."""
    real = real_for(dtype)
    draw = Cursor(np.asarray(raw, dtype=np.uint32))
    out = np.empty(count, dtype=real.dtype)
    for n in range(0, count, 2):
        r1 = uniform01(real, draw)
        r2 = uniform01(real, draw)
        pair = _box_muller_pair(real, r1, r2)
        out[n : n + 2] = pair[: count - n]
    return out, draw.pos


def _uniform01_block(rng: CaffeRNG, real: Real, count: int) -> np.ndarray:
    """The next `count` uniform_01 draws in RealType: each takes one raw output, and one more
    while its value rounds up to 1. Draws only the raw outputs those draws surely consume."""
    kept = []
    have = 0
    while have < count:
        raw = rng.random_raw(count - have)
        if real.uniform01_limit < _RAW_RANGE:
            raw = raw[raw < real.uniform01_limit]
        kept.append(raw)
        have += len(raw)
    u = np.concatenate(kept).astype(real.dtype)
    u *= real.type(2.0**-32)
    return u


def box_muller_normal(rng: CaffeRNG, out: np.ndarray, mean: float, sigma: float) -> None:
    """Fill `out` with Boost 1.54's normal_distribution(mean, sigma) draws, one distribution
    for the whole fill (as caffe_rng_gaussian makes it): see the module docstring."""
    real = real_for(out.dtype)
    libm.require(real.dtype)
    rt = real.type
    mean, sigma = rt(mean), rt(sigma)
    two_pi = rt(2) * rt(_PI)
    for start in range(0, len(out), 2 * _PAIRS_PER_CHUNK):
        block = out[start : start + 2 * _PAIRS_PER_CHUNK]
        pairs = (len(block) + 1) // 2
        u = _uniform01_block(rng, real, 2 * pairs)
        r1, r2 = u[0::2], u[1::2]
        one_minus = rt(1) - r2
        rho = np.sqrt(rt(-2) * libm.apply("log", one_minus))
        angle = two_pi * r1
        first = rho * libm.apply("cos", angle)
        first *= sigma
        first += mean
        block[0::2] = first
        # An odd fill's last sine is never returned (Boost computes it only on a next call).
        seconds = len(block) // 2
        second = rho[:seconds] * libm.apply("sin", angle[:seconds])
        second *= sigma
        second += mean
        block[1::2] = second


def check_uniform_span(low: np.floating, high: np.floating, subject: str) -> None:
    """Era A's uniform_real computes `u / 2**32 * (high - low) + low` with no guard: when
    high - low overflows, every result is inf or NaN, none is below `high`, and it never
    returns. Caffe hangs; we raise FillerError naming `subject`."""
    with np.errstate(over="ignore", invalid="ignore"):
        span = high - low
    if not np.isfinite(span):
        raise FillerError(
            f"{subject}: the range's width {high} - {low} overflows; Boost 1.54's uniform_real "
            "has no guard for that and never returns (Caffe hangs)"
        )


# ---------------------------------------------------------------------------------------
# Era B: the ziggurat's tail by inversion exponentials.


def _inversion_exponential(real: Real, draw: Cursor) -> np.floating:
    # -1 / lambda * log(1 - u) with lambda = 1: the negated libm log, exactly.
    u = uniform01(real, draw)
    return -real.type(libm.function("log", real.dtype)(float(real.type(1) - u)))


def inversion_normal(rng: CaffeRNG, out: np.ndarray, mean: float, sigma: float) -> None:
    """Fill `out` with Boost 1.56-1.63's normal_distribution(mean, sigma) draws: boost.py's
    ziggurat with `inversion_tail`."""
    libm.require(out.dtype)
    boost.normal(rng, out, mean, sigma, tail=inversion_tail)


inversion_tail = tail_from(_inversion_exponential)
"""Boost 1.56-1.63's normal tail: Boost's tail algorithm over inversion exponentials."""
