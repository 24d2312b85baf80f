"""Boost 1.74's normal_distribution, one draw at a time, line by line after Boost's source.

It is the reference the tests check the vectorized code (`boost`) and the compiled core
against, and the vectorized code calls it on the rare paths (wedges and tails).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._tables import EXPONENTIAL_X, EXPONENTIAL_Y, NORMAL_X, NORMAL_Y
from .real import BUCKET_BITS, LOW29, Cursor, Real, real_for


def int_float_pair(real: Real, draw: Cursor) -> tuple[np.floating, int]:
    first = draw()
    mantissa = first >> BUCKET_BITS
    if real.raws_per_pair == 2:
        mantissa |= (draw() & LOW29) << (32 - BUCKET_BITS)
    return real.type(mantissa) * real.type(2.0**-real.digits), first & 0xFF


def uniform01(real: Real, draw: Cursor) -> np.floating:
    rt = real.type
    while True:
        result = rt(draw()) * rt(2.0**-32)
        if result < 1:
            return result


def unit_exponential(real: Real, draw: Cursor) -> np.floating:
    rt, tx, ty = real.type, EXPONENTIAL_X, EXPONENTIAL_Y
    shift = rt(0)
    while True:
        r, i = int_float_pair(real, draw)
        x = r * rt(tx[i])
        if x < rt(tx[i + 1]):
            return shift + x
        if i == 0:
            # Boost's layer 0 is the tail; an exponential's tail is the whole distribution
            # shifted, so it restarts with a shift instead of a separate tail algorithm.
            shift += rt(tx[1])
            continue
        y01 = uniform01(real, draw)
        y = rt(ty[i]) + y01 * rt(ty[i + 1] - ty[i])
        above_ubound = rt(tx[i] - tx[i + 1]) * y01 - (rt(tx[i]) - x)
        above_lbound = y - (rt(ty[i + 1]) + (rt(tx[i + 1]) - x) * rt(ty[i + 1]))
        if above_ubound < 0 and (above_lbound < 0 or y < real.exp(-x)):
            return x + shift


Exponential = Callable[[Real, Cursor], np.floating]
"""A sampler of the unit exponential, as the normal's tail draws it."""


def tail_from(exponential: Exponential) -> Tail:
    """Boost's normal tail beyond tx[1] = 3.44...: x = E1 / tx[1], y = E2 for two unit
    exponentials, accepted when 2 y > x * x, giving x + tx[1] (in RealType). Every Boost era
    with a ziggurat samples it so; they differ in how they draw the exponential."""

    def tail(real: Real, draw: Cursor) -> np.floating:
        start = real.tail_start
        while True:
            x = exponential(real, draw) / start
            y = exponential(real, draw)
            if 2 * y > x * x:
                return x + start

    return tail


normal_tail = tail_from(unit_exponential)


def normal_wedge_accepts(real: Real, k: int, x: np.floating, y01: np.floating) -> bool:
    rt, tx, ty = real.type, NORMAL_X, NORMAL_Y
    y = rt(ty[k]) + y01 * rt(ty[k + 1] - ty[k])
    diagonal = rt(tx[k] - tx[k + 1]) * y01 - (rt(tx[k]) - x)
    tangent = y - (rt(ty[k]) + (rt(tx[k]) - x) * rt(ty[k]) * rt(tx[k]))
    # Layers at x >= 1 are convex (the diagonal is the upper bound), below 1 concave.
    above_ubound, above_lbound = (diagonal, tangent) if tx[k] >= 1 else (tangent, diagonal)
    return bool(above_ubound < 0 and (above_lbound < 0 or y < real.exp(-(x * x / 2))))


Tail = Callable[[Real, Cursor], np.floating]
"""A sampler of the normal's tail beyond tx[1]: Boost 1.64+'s `normal_tail` by default;
older Boost.Random eras plug in their own (see eras.py)."""


def normal_attempt(real: Real, draw: Cursor, tail: Tail = normal_tail) -> np.floating | None:
    """One pass of unit_normal_distribution's loop: the sample, or None if rejected."""
    r, i = int_float_pair(real, draw)
    sign = (i & 1) * 2 - 1
    k = i >> 1
    x = r * real.type(NORMAL_X[k])
    if float(x) < NORMAL_X[k + 1]:
        return x * sign
    if k == 0:
        return tail(real, draw) * sign
    y01 = uniform01(real, draw)
    return x * sign if normal_wedge_accepts(real, k, x, y01) else None


def reference_normal(
    raw: np.ndarray, count: int, dtype: np.dtype, tail: Tail = normal_tail
) -> tuple[np.ndarray, int]:
    """`count` unit normals drawn by Boost's scalar algorithm from the raw outputs `raw`.

    Returns the samples and how many raw outputs they consumed. Slow: for tests.
    """
    real = real_for(dtype)
    draw = Cursor(np.asarray(raw, dtype=np.uint32))
    out = np.empty(count, dtype=real.dtype)
    for n in range(count):
        sample = None
        while sample is None:
            sample = normal_attempt(real, draw, tail)
        out[n] = sample
    return out, draw.pos
