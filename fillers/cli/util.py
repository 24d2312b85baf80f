"""What the `fillers net` and `fillers specs` commands need besides the library: plugins,
shape rules from flags, statistics in bounded memory, a progress line and histograms.

Kept apart from cli.py so that the command table stays a table.
"""

from __future__ import annotations

import math
import os
import runpy
import sys
import time
from collections.abc import Sequence
from typing import TextIO

import numpy as np

from ..errors import FillerError

# Elements per chunk for statistics: 1 Mi float64 temporaries (8 MiB) at most.
CHUNK = 1 << 20


def load_plugins(paths: Sequence[str]) -> None:
    """Run each --plugin file, which registers layers (or fillers) as it is imported."""
    for path in paths:
        if not os.path.isfile(path):
            raise FillerError(f"--plugin {path}: no such file")
        try:
            runpy.run_path(path, run_name="fillers_plugin")
        except FillerError as error:
            raise FillerError(f"--plugin {path}: {error}") from None
        except Exception as error:  # a plugin is user code: any failure is reported, not raised
            raise FillerError(f"--plugin {path}: {type(error).__name__}: {error}") from None


def shape_rules(texts: Sequence[str]) -> dict[str, str]:
    """`--shape-rule TYPE=same` flags as shape_rules; "same" is the rule a flag can give."""
    rules = {}
    for text in texts:
        layer_type, equals, rule = text.partition("=")
        if not equals or not layer_type or rule != "same":
            raise FillerError(
                f"--shape-rule: {text!r} is not TYPE=same (each top shaped like bottom 0); "
                "other mappings need --plugin FILE.py"
            )
        rules[layer_type] = rule
    return rules


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


class Progress:
    """A one-line progress report on stderr, shown only when stderr is a terminal and the
    work has taken more than `delay` seconds; cleared when done."""

    def __init__(self, stream: TextIO | None = None, delay: float = 1.0) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.delay = delay
        self.start = time.monotonic()
        self.shown = False
        self.enabled = hasattr(self.stream, "isatty") and self.stream.isatty()

    def __call__(self, done: int, total: int, name: str) -> None:
        if not self.enabled or time.monotonic() - self.start < self.delay:
            return
        line = f"filling {done}/{total}: {name}"[:79]
        self.stream.write("\r" + line.ljust(79))
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * 79 + "\r")
            self.stream.flush()
