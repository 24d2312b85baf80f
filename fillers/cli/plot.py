"""`fillers net --plot FILE.png`: the net's blobs as pages of histograms a person can read.

Each varying blob gets a panel labelled "layer/role" (conv1/weight), its histogram as a
density, and over it the density its filler draws from (uniform, gaussian, xavier, msra;
none for positive_unitball and bilinear). Constant blobs (BatchNorm statistics, zero biases,
constant fillers) share one text panel. At most 24 panels go on a page; a net with more
writes FILE.png, FILE-2.png, ... and says so, a line per page on stderr. A histogram is
taken over at most 100,000 values (an even stride through the blob), which keeps ResNet-50's
pages to seconds; the panel's mean and std are the whole blob's.

matplotlib is an optional extra: pip install 'fillers[plot]'.
"""

from __future__ import annotations

import math
import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from .._proto.filler_pb2 import FillerParameter
from ..errors import FillerError
from ..fill.blob import fans
from ..io import atomic

COLUMNS = 4
PANELS_PER_PAGE = 24
SAMPLE = 100_000
"""Values per histogram at most."""
BINS = 50
_CONSTANTS_SHOWN = 12
"""Lines of the constants' text panel (groups of blobs by role and value)."""


@dataclass(frozen=True)
class PlotBlob:
    """One blob to draw: its label ("conv1/weight"), values and the filler that made them
    (None: zeroed without a filler)."""

    label: str
    values: np.ndarray
    filler: FillerParameter | None


def page_paths(path: str, pages: int) -> list[str]:
    """FILE.png for one page; FILE.png, FILE-2.png, ... for several."""
    first = Path(path)
    return [path] + [
        str(first.with_name(f"{first.stem}-{page}{first.suffix}")) for page in range(2, pages + 1)
    ]


def expected_density(
    param: FillerParameter | None, shape: tuple[int, ...], x: np.ndarray
) -> np.ndarray | None:
    """The density the filler draws a value from, at x (None where it has no simple one).

    uniform: 1 / (max - min) on [min, max]; gaussian: N(mean, std^2), times the kept
    fraction sparse / shape[0] when sparse (the rest is a spike at 0); xavier:
    U[-sqrt(3 / n), sqrt(3 / n)]; msra: N(0, 2 / n), n from variance_norm over Caffe's fans.
    """
    if param is None:
        return None
    if param.type == "uniform" and param.max > param.min:
        return np.where((x >= param.min) & (x <= param.max), 1 / (param.max - param.min), 0.0)
    if param.type == "gaussian" and param.std > 0:
        kept = min(1.0, param.sparse / shape[0]) if param.sparse >= 0 and shape else 1.0
        return kept * _normal(x, param.mean, param.std)
    if param.type in ("xavier", "msra") and shape:
        fan_in, fan_out = fans(shape)
        n = {
            FillerParameter.FAN_IN: fan_in,
            FillerParameter.FAN_OUT: fan_out,
            FillerParameter.AVERAGE: (fan_in + fan_out) / 2,
        }[param.variance_norm]
        if n <= 0:
            return None
        if param.type == "xavier":
            scale = math.sqrt(3 / n)
            return np.where(np.abs(x) <= scale, 1 / (2 * scale), 0.0)
        return _normal(x, 0.0, math.sqrt(2 / n))
    return None


def _normal(x: np.ndarray, mean: float, std: float) -> np.ndarray:
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * math.sqrt(2 * math.pi))


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


def plot_blobs(blobs: Sequence[PlotBlob], path: str, progress: TextIO | None = None) -> list[str]:
    """Draw `blobs` into pages of at most 24 panels (see the module's doc); return the files
    written, each whole or not at all. A line per page goes to `progress` when given."""
    image_format = check_plot(path)
    plt = _pyplot()
    if not blobs:
        raise FillerError("--plot: the net has no learnable blobs to draw")
    varying, constant = [], []
    for blob in blobs:
        flat = blob.values.reshape(-1)
        is_constant = flat.size == 0 or float(flat.min()) == float(flat.max())
        (constant if is_constant else varying).append(blob)
    panels: list[PlotBlob | list[PlotBlob]] = list(varying)
    if constant:
        panels.append(constant)
    pages = [panels[start : start + PANELS_PER_PAGE] for start in range(0, len(panels), PANELS_PER_PAGE)]
    paths = page_paths(path, len(pages))
    done = 0
    for number, (page, file) in enumerate(zip(pages, paths, strict=True), start=1):
        rows = math.ceil(len(page) / COLUMNS)
        columns = min(COLUMNS, len(page))
        figure, axes = plt.subplots(rows, columns, figsize=(3.4 * columns, 2.6 * rows), squeeze=False)
        figure.subplots_adjust(
            left=0.06, right=0.98, top=1 - 0.5 / (2.6 * rows), bottom=0.3 / rows, hspace=0.75, wspace=0.3
        )
        for axis in axes.flat[len(page) :]:
            axis.set_visible(False)
        for axis, panel in zip(axes.flat, page, strict=False):
            if isinstance(panel, list):
                _constants_panel(axis, panel)
                done += len(panel)
            else:
                _histogram_panel(axis, panel)
                done += 1
        try:
            with atomic.opened(file) as out:
                figure.savefig(out, dpi=80, format=image_format)
        except FillerError as error:
            raise FillerError(f"--plot: {error}") from None
        finally:
            plt.close(figure)
        if progress is not None:
            progress.write(
                f"fillers net: plotted page {number}/{len(pages)} ({done}/{len(blobs)} blobs): {file}\n"
            )
            progress.flush()
    return paths


def _histogram_panel(axis, blob: PlotBlob) -> None:
    flat = blob.values.reshape(-1)
    sample = flat[:: max(1, -(-flat.size // SAMPLE))].astype(np.float64)
    counts, edges = np.histogram(sample, bins=BINS, density=True)
    axis.stairs(counts, edges, fill=True, color="tab:blue", alpha=0.6)
    x = np.linspace(edges[0], edges[-1], 200)
    density = expected_density(blob.filler, tuple(blob.values.shape), x)
    if density is not None:
        axis.plot(x, density, color="tab:red", linewidth=1)
    kind = blob.filler.type if blob.filler is not None else "zeros"
    mean, std = float(flat.mean(dtype=np.float64)), float(flat.std(dtype=np.float64))
    axis.set_title(
        f"{blob.label} {tuple(blob.values.shape)}\n{kind}: mean {mean:.3g}, std {std:.3g}", fontsize=8
    )
    axis.tick_params(labelsize=7)
    axis.locator_params(axis="x", nbins=5)


def _constants_panel(axis, blobs: list[PlotBlob]) -> None:
    """One text panel: the constant blobs grouped by role and value."""
    groups: dict[tuple[str, float], list[str]] = defaultdict(list)
    for blob in blobs:
        flat = blob.values.reshape(-1)
        value = float(flat[0]) if flat.size else float("nan")
        layer, _, role = blob.label.rpartition("/")
        groups[role, value].append(layer)
    lines = [f"{len(blobs)} constant blobs"]
    for (role, value), layers in sorted(groups.items(), key=lambda item: -len(item[1])):
        shown = ", ".join(layers[:2]) + (", ..." if len(layers) > 2 else "")
        lines.append(f"{len(layers)} x {role} = {value:.4g} ({shown})")
    if len(lines) > _CONSTANTS_SHOWN + 1:
        lines = [*lines[:_CONSTANTS_SHOWN], f"... and {len(lines) - _CONSTANTS_SHOWN} more groups"]
    axis.axis("off")
    axis.text(
        0, 1, "\n".join(lines), va="top", ha="left", fontsize=7, family="monospace", transform=axis.transAxes
    )
