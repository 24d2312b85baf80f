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


def plot_histograms(blobs: Sequence[tuple[str, np.ndarray]], path: str) -> None:
    """One histogram per blob ("layer/index" over its values) in a grid, written to `path`.

    matplotlib is an optional extra: pip install 'fillers[plot]'.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise FillerError("--plot needs matplotlib: pip install 'fillers[plot]'") from None
    if not blobs:
        raise FillerError("--plot: the net has no learnable blobs to draw")
    columns = min(4, len(blobs))
    rows = math.ceil(len(blobs) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(3.2 * columns, 2.4 * rows), squeeze=False)
    for axis in axes.flat[len(blobs) :]:
        axis.set_visible(False)
    for axis, (name, values) in zip(axes.flat, blobs, strict=False):
        flat = values.reshape(-1)
        low, high = (float(flat.min()), float(flat.max())) if flat.size else (0.0, 0.0)
        if low == high:
            # A constant blob: one bar at its value, labelled, rather than an empty plot.
            span = max(1.0, abs(low))
            axis.bar([low], [flat.size], width=span * 0.04, color="tab:gray")
            axis.set_xlim(low - span / 2, low + span / 2)
            axis.set_title(f"{name} {tuple(values.shape)}\nall {low:.4g}", fontsize=8)
        else:
            axis.hist(flat, bins=60, color="tab:blue")
            axis.set_title(
                f"{name} {tuple(values.shape)}\nmean {flat.mean():.3g}, std {flat.std():.3g}", fontsize=8
            )
        axis.tick_params(labelsize=7)
    figure.tight_layout()
    try:
        figure.savefig(path, dpi=90)
    except OSError as error:
        raise FillerError(f"--plot: cannot write {path}: {error.strerror or error}") from None
    finally:
        plt.close(figure)
