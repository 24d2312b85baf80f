"""`fillers net --plot FILE.png`: a histogram of each blob's values (matplotlib, imported only
here)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..errors import FillerError


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
