"""Caffe's positive_unitball division by row sums, in numpy: each row's sum added left to right
in the blob's dtype, as Caffe's loop adds it (np.sum adds pairwise, which rounds differently).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

ROW_CHUNK = 1 << 16
"""Elements per chunk when summing rows."""


def normalize_rows(rows: np.ndarray) -> None:
    """Divide each row of the 2-D array `rows` in place by its left-to-right sum."""
    for block in _row_blocks(rows):
        block /= sequential_row_sums(block)[:, None]


def _row_blocks(rows: np.ndarray) -> Iterator[np.ndarray]:
    per_block = max(1, ROW_CHUNK // max(1, rows.shape[1]))
    for start in range(0, rows.shape[0], per_block):
        yield rows[start : start + per_block]


def _column_chunks(rows: np.ndarray) -> Iterator[np.ndarray]:
    """Copies of consecutive column ranges of `rows`, at most ROW_CHUNK columns each."""
    for start in range(0, rows.shape[1], ROW_CHUNK):
        yield np.array(rows[:, start : start + ROW_CHUNK])


def sequential_row_sums(rows: np.ndarray) -> np.ndarray:
    """Each row's sum added left to right in the rows' dtype (np.sum adds pairwise, which
    rounds differently), a chunk of columns at a time."""
    return running_row_sums(_column_chunks(rows), len(rows), rows.dtype)


def running_row_sums(column_chunks: Iterable[np.ndarray], rows: int, dtype: np.dtype) -> np.ndarray:
    """The left-to-right row sums of rows given as consecutive column chunks (writable
    copies). The running sum is added to each chunk's first element as Caffe's loop would
    (0 + x = x for the first), so the chunking does not change a bit."""
    sums = np.zeros(rows, dtype=dtype)
    for index, running in enumerate(column_chunks):
        if index:
            running[:, 0] += sums
        np.add.accumulate(running, axis=1, out=running)
        sums = running[:, -1]
    return sums
