"""`fillers net --plot FILE.png`: a histogram of each blob's values (matplotlib, imported only
here), checked before anything is filled and written whole or not at all."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import FillerError
from ..io import atomic


def check_plot(path: str) -> str:
    """The image format --plot PATH names by its extension, once PATH is checked as a file
    that can be written (before anything is filled); else FillerError.

    matplotlib is an optional extra: pip install 'fillers[plot]'.
    """
    suffix = os.path.splitext(path)[1].lower().lstrip(".")
    if not os.path.basename(path) or not suffix or os.path.basename(path).startswith(f".{suffix}"):
        raise FillerError(f"--plot: {atomic.shown(path)!r} is not an image file name, e.g. hist.png")
    _pyplot()
    from matplotlib.backend_bases import FigureCanvasBase

    formats = FigureCanvasBase.get_supported_filetypes()
    if suffix not in formats:
        raise FillerError(
            f"--plot: {atomic.shown(path)}: unknown image format; use one of .{', .'.join(formats)}"
        )
    atomic.check_destination(path)
    return suffix


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise FillerError("--plot needs matplotlib: pip install 'fillers[plot]'") from None
    return plt


def plot_histograms(blobs: Sequence[tuple[str, np.ndarray]], path: str) -> None:
    """One histogram per blob ("layer/index" over its values) in a grid, written to `path`
    (whole or not at all) in the format its extension names (see `check_plot`)."""
    image_format = check_plot(path)
    plt = _pyplot()
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
        with atomic.opened(path) as file:
            figure.savefig(file, dpi=90, format=image_format)
    except FillerError as error:
        raise FillerError(f"--plot: {error}") from None
    finally:
        plt.close(figure)
