"""Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011;
Random123's constants) over arrays of any array namespace with uint32: numpy here, jax.numpy
in `fillers.jax`. The compiled core (_core/counter.c) computes the same words.

A counter stream's key words (s0, s1, s2, s3) name it: block b is Philox4x32-10 of the
counter (b mod 2**32, b // 2**32, s2, s3) under the key (s0, s1), and word i is word i mod 4
of block i // 4. Only 32-bit integer operations are used (the 32x32 -> 64-bit products by
16-bit halves where the namespace has no uint64, as JAX without x64), so every namespace
gives the same words.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

M0, M1 = 0xD2511F53, 0xCD9E8D57
"""The round multipliers."""
W0, W1 = 0x9E3779B9, 0xBB67AE85
"""The key schedule's increments (the golden ratio's and sqrt(3) - 1's bits)."""
ROUNDS = 10
WORDS_PER_BLOCK = 4
_MASK = 0xFFFFFFFF


class Ops:
    """The few operations the counter-mode math needs beyond the array API, for one
    namespace: bit casts between floats and unsigned ints of their width, mulhilo, and
    `rounded`, which keeps a product out of a fused multiply-add."""

    def __init__(
        self, xp: Any, bitcast: Any, wide_multiply: bool, fuses: bool = False, opaque: Any = None
    ) -> None:
        self.xp = xp
        self._bitcast = bitcast
        self.wide_multiply = wide_multiply
        self.fuses = fuses
        """Whether the namespace's compiler may fuse a * b + c into one FMA (XLA does, on CPU
        and GPU, whatever the flags a user's jit runs under)."""
        self.opaque = opaque

    def with_opaque(self, value: Any) -> Ops:
        """These ops with `rounded`'s opaque operand: a non-zero scalar computed at run time
        (from the fill's own words), which no compiler can know."""
        ops = copy.copy(self)
        ops.opaque = value
        return ops

    def rounded(self, product: Any) -> Any:
        """`product`, rounded on its own before the add it feeds.

        Where the compiler fuses, `where(product == o, o, product)` stands between the
        multiply and the add, o the opaque run-time scalar: it is `product` bit for bit (o is
        not zero, so equal values have equal bits), a select is no multiply to fuse, and the
        compiler cannot drop it without knowing o. (A test against a constant does not do:
        LLVM drops `product == inf` once it knows the product's range.)"""
        if not self.fuses:
            return product
        if self.opaque is None:
            raise ValueError("Ops.rounded needs an opaque value where the compiler fuses")
        opaque = self.astype(self.opaque, product.dtype)
        return self.xp.where(product == opaque, opaque, product)

    def astype(self, x: Any, dtype: Any) -> Any:
        """x converted to `dtype` (a namespace's dtype or a numpy scalar type)."""
        return x.astype(dtype)

    def sqrt(self, x: Any) -> Any:
        """The correctly rounded square root (IEEE's; numpy's and XLA's are)."""
        return self.xp.sqrt(x)

    def bitcast(self, x: Any, dtype: Any) -> Any:
        """x's bits read as `dtype` (of the same width)."""
        return self._bitcast(x, dtype)

    def mulhilo(self, a: Any, multiplier: int) -> tuple[Any, Any]:
        """(high, low) 32-bit halves of the 64-bit product a * multiplier (a uint32)."""
        xp = self.xp
        if self.wide_multiply:
            product = a.astype(xp.uint64) * xp.uint64(multiplier)
            return (product >> xp.uint64(32)).astype(xp.uint32), a * xp.uint32(multiplier)
        # By 16-bit halves: every partial product and sum stays below 2**32 (so a namespace
        # may also hold the words in wider signed ints, as torch does).
        a_low, a_high = a & xp.uint32(0xFFFF), a >> xp.uint32(16)
        m_low, m_high = xp.uint32(multiplier & 0xFFFF), xp.uint32(multiplier >> 16)
        t = a_low * m_low
        u = a_high * m_low + (t >> xp.uint32(16))
        v = a_low * m_high + (u & xp.uint32(0xFFFF))
        high = a_high * m_high + (u >> xp.uint32(16)) + (v >> xp.uint32(16))
        low = ((v & xp.uint32(0xFFFF)) << xp.uint32(16)) | (t & xp.uint32(0xFFFF))
        return high, low


NUMPY = Ops(np, lambda x, dtype: x.view(dtype), wide_multiply=True)


def blocks(ops: Ops, key_words: tuple[int, int, int, int], low: Any, high: Any) -> tuple[Any, Any, Any, Any]:
    """The four output words of the blocks whose indices have 32-bit halves low, high
    (uint32 arrays of one shape), as four uint32 arrays of that shape."""
    xp = ops.xp
    s0, s1, s2, s3 = key_words
    c0, c1 = low, high
    c2 = xp.full(low.shape, s2, dtype=xp.uint32)
    c3 = xp.full(low.shape, s3, dtype=xp.uint32)
    k0, k1 = s0, s1
    for _ in range(ROUNDS):
        high0, low0 = ops.mulhilo(c0, M0)
        high1, low1 = ops.mulhilo(c2, M1)
        c0, c1, c2, c3 = high1 ^ c1 ^ xp.uint32(k0), low1, high0 ^ c3 ^ xp.uint32(k1), low0
        k0, k1 = (k0 + W0) & _MASK, (k1 + W1) & _MASK
    return c0, c1, c2, c3


def numpy_words(key_words: tuple[int, int, int, int], start: int, count: int) -> np.ndarray:
    """Words start .. start + count - 1 of the stream, as a uint32 numpy array."""
    first, skip = divmod(start, WORDS_PER_BLOCK)
    n = (skip + count + WORDS_PER_BLOCK - 1) // WORDS_PER_BLOCK
    index = np.arange(n, dtype=np.uint64) + np.uint64(first)
    low = (index & np.uint64(_MASK)).astype(np.uint32)
    high = (index >> np.uint64(32)).astype(np.uint32)
    with np.errstate(over="ignore"):
        words = np.stack(blocks(NUMPY, key_words, low, high), axis=-1).reshape(-1)
    return words[skip : skip + count]
