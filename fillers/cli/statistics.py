"""Statistics of a blob in bounded memory, for the tables of `fillers fill`, `net` and
`weights`: min, max, mean and std over chunks, accumulated in float64."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from ..weights.source import StoredValues

# Elements per chunk for statistics: 1 Mi float64 temporaries (8 MiB) at most.
CHUNK = 1 << 20


def statistics(values: np.ndarray | StoredValues, chunk: int = CHUNK) -> tuple[float, float, float, float]:
    """min, max, mean and (population) standard deviation in float64, two passes over flat
    chunks, so the temporaries stay at `chunk` elements whatever the blob's size (values
    left in a file are read a chunk at a time, never whole). A NaN makes all four NaN.

    mean = sum(x) / n; std = sqrt(sum((x - mean)^2) / n): the second pass centres each value
    first, which keeps std exact where sum-of-squares formulas cancel.
    """
    count = values.size
    if count == 0:
        return (math.nan,) * 4
    # Infinite or huge float64 values give an infinite or NaN mean and std, as they should:
    # not a warning.
    with np.errstate(over="ignore", invalid="ignore"):
        return _statistics(values, chunk, count)


def _statistics(
    values: np.ndarray | StoredValues, chunk: int, count: int
) -> tuple[float, float, float, float]:
    low, high, total = math.inf, -math.inf, 0.0
    for piece in _pieces(values, chunk):
        piece_low, piece_high = float(piece.min()), float(piece.max())
        if math.isnan(piece_low):  # numpy's min is NaN if any value is; Python's min would drop it
            return (math.nan,) * 4
        low, high = min(low, piece_low), max(high, piece_high)
        total += float(np.add.reduce(piece, dtype=np.float64))
    mean = total / count
    squares = 0.0
    for piece in _pieces(values, chunk):
        centered = piece.astype(np.float64)
        centered -= mean
        squares += float(np.dot(centered, centered))
    return low, high, mean, math.sqrt(squares / count)


def _pieces(values: np.ndarray | StoredValues, chunk: int) -> Iterator[np.ndarray]:
    if isinstance(values, StoredValues):
        yield from values.chunks(chunk)
        return
    flat = values.reshape(-1)
    for start in range(0, flat.size, chunk):
        yield flat[start : start + chunk]


def moments(values: np.ndarray, chunk: int = CHUNK) -> tuple[float, float]:
    """Mean and (population) standard deviation, as `statistics` computes them."""
    return statistics(values, chunk)[2:]
