"""A whole counter-mode fill as array code, for any namespace `stream.philox.Ops` wraps: the
bridges compute counter mode's bits in their framework's own ops (jax.numpy under jit, on any
device), with the math of `stream.philox` and `counter_normal` that numpy and the core use.

The filler says what to draw: its `generate` runs once on an empty array against a recorder
(`Plan`), so fans, scales and the sparse probability come from the filler's own code, in the
fill's dtype, and this module only replays the draws. Element i of the blob (Caffe's C order)
takes the stream's draws for position i, as `Filler.fill(shape, dtype, CounterRNG)` does.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import FillerError
from ..random.counter_normal import bernoulli, bernoulli_threshold, normal_blocks, uniform01
from ..random.draws import UnitToRange
from ..stream.counter import CounterRNG
from ..stream.philox import WORDS_PER_BLOCK, Ops, blocks
from .builtin import BilinearFiller, ConstantFiller
from .filler import Filler

_MAX_ELEMENTS = 4 * 2**32
"""Elements a blob may have here: block indices stay in one 32-bit word (JAX has no uint64
without x64)."""


class Plan:
    """The draws a filler's `generate` makes, recorded instead of drawn."""

    def __init__(self) -> None:
        self.steps: list[tuple] = []

    def uniform(self, out: np.ndarray, a: float, b: float) -> None:
        self.steps.append(("uniform", UnitToRange(out.dtype, a, b)))

    def gaussian(self, out: np.ndarray, mean: float, sigma: float) -> None:
        rt = out.dtype.type
        self.steps.append(("gaussian", rt(mean), rt(sigma)))

    def bernoulli_mask(self, data: np.ndarray, p: float) -> None:
        self.steps.append(("mask", bernoulli_threshold(p, data.dtype)))

    def normalize_rows(self, rows: np.ndarray) -> None:
        self.steps.append(("normalize_rows", rows.shape[0]))

    def bernoulli(self, out: np.ndarray, p: float, dtype: np.dtype) -> None:
        raise FillerError("bernoulli: only GaussianFiller's sparse mask is known to counter-mode array code")


def plan(filler: Filler, shape: tuple[int, ...], dtype: np.dtype) -> list[tuple]:
    """The steps of `filler`'s fill of `shape` in `dtype`."""
    recorder = Plan()
    filler.generate(np.empty(0, dtype=dtype), shape, recorder)
    return recorder.steps


def words(ops: Ops, rng: CounterRNG, count: int) -> Any:
    """Words 0 .. count - 1 of `rng` as a uint32 array of the namespace."""
    xp = ops.xp
    n = -(-count // WORDS_PER_BLOCK)
    low = xp.arange(n, dtype=xp.uint32)
    out = blocks(ops, rng.key_words, low, xp.zeros(n, dtype=xp.uint32))
    return xp.stack(out, axis=-1).reshape(-1)[:count]


def _blocks(ops: Ops, rng: CounterRNG, count: int) -> tuple[Any, Any, Any, Any]:
    xp = ops.xp
    n = -(-count // WORDS_PER_BLOCK)
    return blocks(ops, rng.key_words, xp.arange(n, dtype=xp.uint32), xp.zeros(n, dtype=xp.uint32))


def _with_opaque(ops: Ops, block_words: tuple[Any, ...]) -> Ops:
    """`ops` with a run-time scalar for `Ops.rounded`: the largest first word of the fill's
    blocks, made odd (so not zero), as a float."""
    if not ops.fuses:
        return ops
    xp = ops.xp
    return ops.with_opaque(ops.astype(xp.max(block_words[0]) | xp.uint32(1), xp.float32))


def fill(
    ops: Ops, filler: Filler, shape: tuple[int, ...], dtype: Any, rng: CounterRNG, sequential_sum: Any
) -> Any:
    """`filler.fill(shape, dtype, rng)`'s values, computed in the namespace (Caffe's shape).

    sequential_sum(rows): each row's sum added left to right in the rows' dtype (a reduction
    the namespace's own sum would reorder).
    """
    xp = ops.xp
    dtype = np.dtype(dtype)
    count = math.prod(shape)
    if count > _MAX_ELEMENTS:
        raise FillerError(f"shape: {shape} has {count} elements; counter-mode array code fills at most 2**34")
    if type(filler) is ConstantFiller:
        return xp.full(shape, dtype.type(filler.param.value), dtype=dtype)
    if type(filler) is BilinearFiller:
        # No draws: the kernel, the same for every (output, input) pair.
        kernel = filler.fill((1, 1, *shape[2:]), dtype)
        return xp.broadcast_to(xp.asarray(kernel[0, 0]), shape)
    steps = plan(filler, shape, dtype)
    if not steps:
        raise FillerError(f"type: {filler.param.type!r} draws nothing that counter-mode array code knows")
    values = None
    drawn = False
    block_words = _blocks(ops, rng, count)
    ops = _with_opaque(ops, block_words)
    for step in steps:
        if step[0] in ("uniform", "gaussian"):
            if drawn:
                raise FillerError(
                    f"type: {filler.param.type!r} draws twice; counter-mode array code draws once"
                )
            drawn = True
        if step[0] == "uniform":
            to_range = step[1]
            values = uniform01(ops, xp.stack(block_words, axis=-1).reshape(-1)[:count], dtype)
            values = ops.rounded(values * to_range.span)
            values = values + to_range.low
            if to_range.scale != 1:
                values = values * dtype.type(to_range.scale)
        elif step[0] == "gaussian":
            _, mean, sigma = step
            values = xp.stack(normal_blocks(ops, block_words, dtype), axis=-1).reshape(-1)[:count]
            values = ops.rounded(values * sigma)
            values = values + mean
        elif step[0] == "mask":
            keep = bernoulli(ops, words(ops, rng.child("mask"), count), step[1])
            # values * 0 or 1, as the numpy mask multiplies (a dropped negative is -0.0)
            values = xp.where(keep, values, values * dtype.type(0))
        else:
            rows = values.reshape(step[1], -1)
            sums = xp.broadcast_to(sequential_sum(rows)[:, None], rows.shape)
            if ops.fuses:
                # XLA turns a division by a broadcast into a product with its reciprocal,
                # which rounds differently; this select (rows are never NaN) hides the broadcast.
                sums = xp.where(rows != rows, rows, sums)
            values = (rows / sums).reshape(-1)
    return values.reshape(shape)
