"""Normal pairs from pairs of 32-bit words (Box-Muller), the same bits on every machine.

For words (w1, w2):
    u1 = (w1 + 1/2) / 2**32 in (0, 1),  theta = 2 pi (w2 + 1/2) / 2**32,
    r = sqrt(-2 ln u1),  z0 = r cos(theta),  z1 = r sin(theta).
Everything is computed in float64 with IEEE's correctly rounded operations only (+ - * /,
sqrt, frexp) and two tables built with `decimal` at 40 digits, so numpy and a C loop
(without fused multiply-add) give the same bits: numpy's own log/sin/cos are not
correctly rounded and differ between CPUs (AVX-512 builds use other kernels).

ln u1: frexp(w1 + 1/2) = m * 2**e with m in [1/2, 1); ln m = ln c + log1p(r), r = (m - c) * (1/c)
for c the centre of m's 1/512-wide cell (1/c from the table: a multiply, not a divide), log1p
by its Taylor series to r**5 (|r| < 2**-9, error below 1e-17). cos/sin theta: the table's
cos/sin at the centre of theta's 1/1024 turn, rotated by the residual angle |d| < pi / 1024
through Taylor series to d**4 and d**5 (errors below 2e-18).
The result is within about 1e-15 of the true value: statistically exact for float32 and
float64 alike.
"""

from __future__ import annotations

import decimal
import functools
from typing import NamedTuple

import numpy as np

_LOG_CELLS = 512
"""Cells per unit of m (m in [1/2, 1): 256 cells)."""
_ANGLE_BITS = 10
_ANGLE_SHIFT = 32 - _ANGLE_BITS
_ANGLE_LOW_MASK = (1 << _ANGLE_SHIFT) - 1
_ANGLE_LOW_CENTRE = (1 << (_ANGLE_SHIFT - 1)) - 0.5
_PI = decimal.Decimal("3.14159265358979323846264338327950288419716939937510582097494")


class Tables(NamedTuple):
    """The lookup tables and constants, correctly rounded from 40-digit decimal arithmetic."""

    log_centre: np.ndarray
    """c_j = 1/2 + (j + 1/2) / 512, the centres of m's cells."""
    inverse_centre: np.ndarray
    """1 / c_j."""
    ln_centre: np.ndarray
    cos: np.ndarray
    """cos(2 pi (j + 1/2) / 1024)."""
    sin: np.ndarray
    ln2: float
    radians_per_word: float
    """2 pi / 2**32."""


@functools.cache
def tables() -> Tables:
    """The tables, built on first use."""
    context = decimal.Context(prec=40)
    half = decimal.Decimal(1) / 2
    centres = [half + (decimal.Decimal(j) + half) / _LOG_CELLS for j in range(256)]
    angles = [2 * _PI * (decimal.Decimal(j) + half) / (1 << _ANGLE_BITS) for j in range(1 << _ANGLE_BITS)]
    return Tables(
        log_centre=np.array([float(c) for c in centres]),
        inverse_centre=np.array([float(context.divide(1, c)) for c in centres]),
        ln_centre=np.array([float(context.ln(c)) for c in centres]),
        cos=np.array([float(_cos(a, context)) for a in angles]),
        sin=np.array([float(_cos(a - _PI / 2, context)) for a in angles]),
        ln2=float(context.ln(decimal.Decimal(2))),
        radians_per_word=float(context.divide(2 * _PI, decimal.Decimal(1 << 32))),
    )


def _cos(angle: decimal.Decimal, context: decimal.Context) -> decimal.Decimal:
    """cos(angle) by its Taylor series, to the context's precision."""
    square = context.multiply(angle, angle)
    term, total, n = decimal.Decimal(1), decimal.Decimal(1), 0
    while abs(term) > decimal.Decimal(10) ** -45:
        n += 2
        term = context.divide(context.multiply(-term, square), n * (n - 1))
        total = context.add(total, term)
    return total


class BoxMuller:
    """Scratch buffers for `pairs`, sized for up to `capacity` pairs at a time."""

    def __init__(self, capacity: int) -> None:
        self.scratch = np.empty((6, capacity))
        self.index = np.empty(capacity, dtype=np.intp)
        self.exponent = np.empty(capacity, dtype=np.int32)

    def pairs(self, w1: np.ndarray, w2: np.ndarray, z0: np.ndarray, z1: np.ndarray) -> None:
        """z0, z1 (float64 arrays, views allowed) = the normal pairs of words w1, w2 (uint32)."""
        k = tables()
        n = len(w1)
        m, r, t, u, v, w = (row[:n] for row in self.scratch)
        index, exponent = self.index[:n], self.exponent[:n]
        # radius**2 = -2 ln u1 = 2 ((32 - e) ln 2 - ln c - log1p(r)), r = (m - c) * (1/c)
        np.add(w1, 0.5, out=m)
        np.frexp(m, out=(m, exponent))
        np.multiply(m, _LOG_CELLS, out=t)
        np.subtract(t, _LOG_CELLS // 2, out=t)
        np.floor(t, out=t)
        index[:] = t
        np.take(k.log_centre, index, out=t)
        np.subtract(m, t, out=r)
        np.take(k.inverse_centre, index, out=t)
        np.multiply(r, t, out=r)
        np.multiply(r, 1 / 5, out=t)
        for coefficient in (-1 / 4, 1 / 3, -1 / 2):
            np.add(t, coefficient, out=t)
            np.multiply(t, r, out=t)
        np.add(t, 1, out=t)
        np.multiply(t, r, out=t)
        np.take(k.ln_centre, index, out=m)
        np.add(t, m, out=t)
        np.subtract(32, exponent, out=m)
        np.multiply(m, k.ln2, out=m)
        np.subtract(m, t, out=m)
        np.multiply(m, 2, out=m)
        np.sqrt(m, out=m)
        # theta = table angle + d; cos d - 1 and sin d by Taylor series
        np.bitwise_and(w2, _ANGLE_LOW_MASK, out=index)
        np.subtract(index, _ANGLE_LOW_CENTRE, out=r)
        np.multiply(r, k.radians_per_word, out=r)
        np.multiply(r, r, out=t)
        np.multiply(t, 1 / 24, out=u)
        np.add(u, -1 / 2, out=u)
        np.multiply(u, t, out=u)
        np.multiply(t, 1 / 120, out=v)
        np.add(v, -1 / 6, out=v)
        np.multiply(v, t, out=v)
        np.multiply(v, r, out=v)
        np.add(v, r, out=v)
        # u = cos d - 1, v = sin d; rotate the table's (cos, sin) by d, then scale by the radius
        np.right_shift(w2, _ANGLE_SHIFT, out=index)
        np.take(k.cos, index, out=t)
        np.take(k.sin, index, out=w)
        np.multiply(t, u, out=r)
        np.add(r, t, out=r)
        np.multiply(w, v, out=z0)
        np.subtract(r, z0, out=z0)
        np.multiply(z0, m, out=z0)
        np.multiply(w, u, out=r)
        np.add(r, w, out=r)
        np.multiply(t, v, out=z1)
        np.add(r, z1, out=z1)
        np.multiply(z1, m, out=z1)
