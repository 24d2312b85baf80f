"""Layouts: how an array's axes map onto the axes of the Caffe blob it holds.

A layout is a string of distinct letters, one per axis of the array. "O" is Caffe's axis 0
(num_output), "I" is Caffe's axis 1 (channels), and every other letter is one of the trailing
spatial axes. The spatial letters take Caffe's order D, H, W when they are drawn from "DHW",
else their order of appearance in the string. So a torch Conv2d weight is "OIHW" (Caffe's
own), a Flax or Keras Conv kernel "HWIO", a torch Linear weight "OI", a Flax Dense kernel
"IO", a 3-D conv kernel "DHWIO".

Filling in a layout gives exactly Caffe's blob (same seed, same bits) transposed into the
layout: fans, unit-ball rows, sparsity and the bilinear kernel all follow Caffe's axes,
never the array's.

Examples:
    >>> caffe_shape((7, 7, 3, 64), "HWIO")
    (64, 3, 7, 7)
    >>> layout_axes("HWIO", 4)
    (2, 3, 1, 0)
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import FillerError

_SPATIAL_ORDER = "DHW"
_OTHER_LETTERS = "ABCEFGJKLMNPQRSTUVXYZ"
"""Spatial letters for ranks beyond D, H, W (any letter but O and I)."""


def check_layout(layout: object) -> str:
    """`layout` if it is a well-formed layout string (any rank), else FillerError naming it."""
    if not isinstance(layout, str):
        raise FillerError(f"layout: {layout!r} is not a string of axis letters such as 'HWIO'")
    if not all("A" <= letter <= "Z" for letter in layout):
        raise FillerError(f"layout: {layout!r}: use upper-case letters, one per axis ('OIHW', 'HWIO', ...)")
    if len(set(layout)) != len(layout):
        raise FillerError(f"layout: {layout!r} names an axis twice")
    if layout and "O" not in layout:
        raise FillerError(f"layout: {layout!r} has no 'O' (Caffe's axis 0, num_output)")
    if len(layout) > 1 and "I" not in layout:
        raise FillerError(f"layout: {layout!r} has no 'I' (Caffe's axis 1, channels)")
    if len(layout) == 1 and layout != "O":
        raise FillerError(f"layout: {layout!r}: a 1-D blob's only axis is 'O'")
    return layout


def layout_axes(layout: str, ndim: int) -> tuple[int, ...]:
    """For each axis of an array in `layout`, the Caffe axis it holds: the `axes` for which
    `blob.transpose(axes)` is the array. A layout of another rank is a FillerError."""
    check_layout(layout)
    if len(layout) != ndim:
        raise FillerError(f"layout: {layout!r} has {len(layout)} axes, but the array has {ndim}")
    spatial = [letter for letter in layout if letter not in "OI"]
    if all(letter in _SPATIAL_ORDER for letter in spatial):
        spatial.sort(key=_SPATIAL_ORDER.index)
    caffe_order = "OI"[: min(ndim, 2)] + "".join(spatial)
    return tuple(caffe_order.index(letter) for letter in layout)


def caffe_shape(shape: Sequence[int], layout: str | None) -> tuple[int, ...]:
    """The shape of the Caffe blob an array of `shape` in `layout` holds (None: Caffe's own)."""
    shape = tuple(shape)
    if layout is None:
        return shape
    axes = layout_axes(layout, len(shape))
    blob = [0] * len(shape)
    for array_axis, blob_axis in enumerate(axes):
        blob[blob_axis] = shape[array_axis]
    return tuple(blob)


def is_caffe_order(axes: Sequence[int]) -> bool:
    """Whether the array's axes are already Caffe's (no transpose needed)."""
    return tuple(axes) == tuple(range(len(axes)))


def caffe_layout(ndim: int) -> str:
    """Caffe's (and torch's) own layout of a rank: "O", "OI", "OIW", "OIHW", "OIDHW", ...

    Examples:
        >>> caffe_layout(4), caffe_layout(2)
        ('OIHW', 'OI')
    """
    return "OI"[: min(ndim, 2)] + _spatial_letters(ndim - 2)


def channels_last(ndim: int) -> str:
    """The channels-last layout of a rank, Flax's and Keras's convention: "O", "IO", "WIO",
    "HWIO", "DHWIO", ...

    Examples:
        >>> channels_last(4), channels_last(2), channels_last(1)
        ('HWIO', 'IO', 'O')
    """
    if ndim <= 1:
        return "O" * ndim
    return _spatial_letters(ndim - 2) + "IO"


def _spatial_letters(count: int) -> str:
    if count <= 0:
        return ""
    if count <= len(_SPATIAL_ORDER):
        return _SPATIAL_ORDER[-count:]
    return _OTHER_LETTERS[:count]
