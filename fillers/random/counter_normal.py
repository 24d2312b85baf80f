"""Counter mode's floats from Philox words, the same bits in numpy, jax.numpy, torch and C.

Only IEEE's correctly rounded operations (+ - * / and sqrt) in a fixed order, conversions of
integers small enough to be exact, bit casts and selects: no libm (whose log, sin and cos
differ between libraries and CPUs) and no fused multiply-add (the core builds with
-ffp-contract=off; under XLA, which fuses, `Ops.rounded` keeps each product from its add).
float32 fills compute in float32 throughout (so JAX needs no x64), float64 fills in float64.

Uniform [0, 1): float32 (w >> 8) * 2**-24, float64 w * 2**-32 (exact).

Normal, from a pair of words (w1, w2), Box-Muller: z0 = r cos(theta), z1 = r sin(theta),
r = sqrt(-2 ln u), u = (w1 + 1/2) 2**-32, theta = 2 pi (w2 + 1/2) 2**-32.
- ln u: x = w1 + 1/2 (rounded to float32 for float32; exact in float64) is 2**E (1 + f) with
  1 + f in [sqrt(1/2), sqrt(2)) (by its bits), ln(1 + f) = 2 atanh(s), s = f / (2 + f),
  |s| < 0.172, by its series to s**9 (float32) or s**21 (float64); -ln u = k ln 2 - ln(1 + f),
  k = 32 - E, with ln 2 split in two (Cody and Waite) so that k ln2_hi is exact.
- theta: w2's top 3 bits are the octant; the next 23 bits (float32) or all 29 (float64) give
  x in (0, pi / 4) at the centre of its cell, mirrored (pi/4 - x) in odd octants; sin x, cos x
  by their Taylor series to x**9 and x**10 (float32) or x**15 and x**16 (float64); the octant
  then swaps and negates them, exactly.
Errors: float32 within 2 ulp of Box-Muller of the rounded x, float64 within about 1e-16
(tests/test_counter.py measures both against libm).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np

from ..stream.philox import Ops


class Constants(NamedTuple):
    """One dtype's constants; the coefficient tuples are highest power first."""

    dtype: Any
    ln2_hi: Any
    ln2_lo: Any
    angle_unit: Any
    """pi / 4 per unit of the octant's position."""
    log: tuple
    """1/(2j + 1) for j = n .. 1: ln(1 + f) = 2 (s + s z (log[-1] + z (log[-2] + ...))), z = s**2."""
    sin: tuple
    """(-1)**j / (2j + 1)! for j = n .. 1."""
    cos: tuple
    """(-1)**j / (2j)! for j = n .. 1."""


def _constants(
    dtype: type, log_terms: int, sin_terms: int, cos_terms: int, ln2: tuple, bits: int
) -> Constants:
    def rounded(value: Fraction) -> Any:
        return dtype(float(value))

    uint = np.uint32 if dtype == np.float32 else np.uint64
    return Constants(
        dtype=dtype,
        ln2_hi=np.array(ln2[0], dtype=uint).view(dtype)[()],
        ln2_lo=np.array(ln2[1], dtype=uint).view(dtype)[()],
        angle_unit=dtype(math.pi / 4 / 2**bits),
        log=tuple(rounded(Fraction(1, 2 * j + 1)) for j in range(log_terms, 0, -1)),
        sin=tuple(rounded(Fraction((-1) ** j, math.factorial(2 * j + 1))) for j in range(sin_terms, 0, -1)),
        cos=tuple(rounded(Fraction((-1) ** j, math.factorial(2 * j))) for j in range(cos_terms, 0, -1)),
    )


F32 = _constants(np.float32, 4, 4, 5, (0x3F317180, 0x3717F7D1), 23)
F64 = _constants(np.float64, 10, 7, 8, (0x3FE62E42FEE00000, 0x3DEA39EF35793C76), 29)


def constants(dtype: Any) -> Constants:
    """F32 or F64 for a float32 or float64 dtype."""
    return F32 if np.dtype(dtype) == np.float32 else F64


def core_constants() -> tuple[np.ndarray, np.ndarray]:
    """The constants as the compiled core takes them (fc_counter_set_constants)."""
    return tuple(
        np.array([c.ln2_hi, c.ln2_lo, c.angle_unit, *c.log, *c.sin, *c.cos], dtype=c.dtype)
        for c in (F32, F64)
    )


def _horner(ops: Ops, x: Any, coefficients: tuple) -> Any:
    """x (c0 + x (c1 + ...)) for coefficients ... c1, c0 (highest power first), as
    t = x c_n; t = (t + c_(n-1)) x; ... t = (t + c0) x, each product rounded on its own."""
    t = ops.rounded(x * coefficients[0])
    for c in coefficients[1:]:
        t = t + c
        t = ops.rounded(t * x)
    return t


def uniform01(ops: Ops, words: Any, dtype: Any) -> Any:
    """Uniform [0, 1) floats of `dtype` from uint32 words, exactly."""
    xp = ops.xp
    if np.dtype(dtype) == np.float32:
        return ops.astype(words >> xp.uint32(8), xp.float32) * np.float32(2.0**-24)
    return ops.astype(words, xp.float64) * np.float64(2.0**-32)


def normal_pair(ops: Ops, w1: Any, w2: Any, dtype: Any) -> tuple[Any, Any]:
    """(z0, z1): the standard normals of the word pairs (w1, w2) (uint32 arrays), in `dtype`."""
    xp = ops.xp
    k = constants(dtype)
    dt = k.dtype
    one, two = dt(1), dt(2)
    if dt == np.float32:
        x = ops.rounded(ops.astype(w1 >> xp.uint32(8), xp.float32) * np.float32(256))
        x = x + (ops.astype(w1 & xp.uint32(255), xp.float32) + np.float32(0.5))
        t = ops.bitcast(x, xp.uint32) + xp.uint32(0x3F800000 - 0x3F3504F3)
        exponent = t >> xp.uint32(23)
        m = ops.bitcast((t & xp.uint32(0x7FFFFF)) + xp.uint32(0x3F3504F3), xp.float32)
        power = np.float32(32 + 127) - ops.astype(exponent, xp.float32)
    else:
        x = ops.astype(w1, xp.float64) + np.float64(0.5)
        t = ops.bitcast(x, xp.uint64) + xp.uint64(0x3FF0000000000000 - 0x3FE6A09E667F3BCD)
        exponent = t >> xp.uint64(52)
        m = ops.bitcast((t & xp.uint64(0xFFFFFFFFFFFFF)) + xp.uint64(0x3FE6A09E667F3BCD), xp.float64)
        power = np.float64(32 + 1023) - ops.astype(exponent, xp.float64)
    f = m - one
    s = f / (two + f)
    p = _horner(ops, s * s, k.log)
    log1p = ops.rounded(s * p)
    log1p = log1p + s
    log1p = log1p * two
    a = ops.rounded(power * k.ln2_hi)
    b = ops.rounded(power * k.ln2_lo)
    b = b - log1p
    a = a + b
    a = a * two
    r = ops.sqrt(a)
    octant = w2 >> xp.uint32(29)
    if dt == np.float32:
        position, full = (w2 >> xp.uint32(6)) & xp.uint32(0x7FFFFF), 0x7FFFFF
    else:
        position, full = w2 & xp.uint32(0x1FFFFFFF), 0x1FFFFFFF
    odd = (octant & xp.uint32(1)) == xp.uint32(1)
    position = xp.where(odd, xp.uint32(full) - position, position)
    x = ops.astype(position, dt) + dt(0.5)
    x = ops.rounded(x * k.angle_unit)
    x2 = ops.rounded(x * x)
    sine = _horner(ops, x2, k.sin)
    sine = ops.rounded(sine * x)
    sine = sine + x
    cosine = _horner(ops, x2, k.cos)
    cosine = cosine + one
    quadrant = octant >> xp.uint32(1)
    swap = ((octant ^ quadrant) & xp.uint32(1)) == xp.uint32(1)
    cos_theta = xp.where(swap, sine, cosine)
    sin_theta = xp.where(swap, cosine, sine)
    cos_theta = xp.where(
        ((quadrant ^ (quadrant >> xp.uint32(1))) & xp.uint32(1)) == xp.uint32(1), -cos_theta, cos_theta
    )
    sin_theta = xp.where((quadrant >> xp.uint32(1)) == xp.uint32(1), -sin_theta, sin_theta)
    return ops.rounded(r * cos_theta), ops.rounded(r * sin_theta)


def normal_blocks(ops: Ops, block_words: tuple[Any, Any, Any, Any], dtype: Any) -> tuple[Any, Any, Any, Any]:
    """The four standard normals of each Philox block (elements 4b .. 4b + 3): pairs from
    words (0, 1) and (2, 3)."""
    x0, x1, x2, x3 = block_words
    z0, z1 = normal_pair(ops, x0, x1, dtype)
    z2, z3 = normal_pair(ops, x2, x3, dtype)
    return z0, z1, z2, z3


def bernoulli_threshold(p: float, dtype: Any) -> int:
    """The integer T with word < T exactly when word < p * 2**32 (p taken in `dtype`): a
    mask bit is kept with probability p."""
    return math.ceil(Fraction(float(np.dtype(dtype).type(p))) * 2**32)


def bernoulli(ops: Ops, words: Any, threshold: int) -> Any:
    """words < threshold (threshold in [0, 2**32]), as bools."""
    xp = ops.xp
    if threshold >= 2**32:
        return xp.ones(words.shape, dtype=bool)
    return words < xp.uint32(threshold)
