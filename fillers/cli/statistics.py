"""Statistics of a blob in bounded memory, for the tables of `fillers fill`, `net` and
`weights`: min, max, mean and std over chunks, accumulated in float64."""

from __future__ import annotations

import math

import numpy as np

# Elements per chunk for statistics: 1 Mi float64 temporaries (8 MiB) at most.
CHUNK = 1 << 20


def statistics(values: np.ndarray, chunk: int = CHUNK) -> tuple[float, float, float, float]:
    """min, max, mean and (population) standard deviation in float64, two passes over flat
    chunks, so the temporaries stay at `chunk` elements whatever the blob's size (a mapped
    .caffemodel blob is never read whole).

    mean = sum(x) / n; std = sqrt(sum((x - mean)^2) / n): the second pass centres each value
    first, which keeps std exact where sum-of-squares formulas cancel.
    """
    flat = values.reshape(-1)
    count = flat.size
    if count == 0:
        return (math.nan,) * 4
    low, high, total = math.inf, -math.inf, 0.0
    for start in range(0, count, chunk):
        piece = flat[start : start + chunk]
        low, high = min(low, float(piece.min())), max(high, float(piece.max()))
        total += float(np.add.reduce(piece, dtype=np.float64))
    mean = total / count
    squares = 0.0
    for start in range(0, count, chunk):
        centered = flat[start : start + chunk].astype(np.float64)
        centered -= mean
        squares += float(np.dot(centered, centered))
    return low, high, mean, math.sqrt(squares / count)


def moments(values: np.ndarray, chunk: int = CHUNK) -> tuple[float, float]:
    """Mean and (population) standard deviation, as `statistics` computes them."""
    return statistics(values, chunk)[2:]
