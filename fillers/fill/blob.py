"""A blob as the fillers see it: its shape and count checked as Caffe's Blob checks them, its
dtype, its fans, and regions of it (counter mode).

Shapes are tuples of ints; a region is a (start, stop) pair per axis.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
from collections.abc import Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet

import numpy as np

from ..errors import FillerError, check_failed
from ..io.limits import echo

Shape = tuple[int, ...]
Target = Sequence[int] | np.ndarray
Bounds = tuple[tuple[int, int], ...]
"""A region as (start, stop) per axis."""

_INT_MAX = 0x7FFFFFFF
_COUNTER_COUNT_LIMIT = 2**63 - 1
_count_limit: contextvars.ContextVar[int] = contextvars.ContextVar("count_limit", default=_INT_MAX)
MAX_BLOB_AXES = 32
"""Caffe's kMaxBlobAxes."""
_SUPPORTED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


@contextlib.contextmanager
def counter_mode_limits(active: bool = True) -> Iterator[None]:
    """Within this block (if `active`), a blob may hold up to 2**63 - 1 elements rather than
    Caffe's INT_MAX: counter mode addresses elements by 64-bit index and is made for tensors
    larger than one machine, which Caffe never fills. Every other check stays Caffe's."""
    token = _count_limit.set(_COUNTER_COUNT_LIMIT if active else _count_limit.get())
    try:
        yield
    finally:
        _count_limit.reset(token)


def shape_string(shape: Sequence[int]) -> str:
    """Blob::shape_string, as Caffe's messages print a shape: "64 1 28 28 (50176)".

    Examples:
        >>> shape_string((10, 500))
        '10 500 (5000)'
    """
    return "".join(f"{dim} " for dim in shape) + f"({math.prod(shape)})"


def count_of(shape: Shape) -> int:
    """The blob's element count, checked as Caffe's Blob::Reshape checks it.

    Every dimension must be >= 0, and the running count may not pass INT_MAX (Caffe checks
    `shape[i] <= INT_MAX / count` only while the count so far is non-zero); in counter mode
    (`counter_mode_limits`), 2**63 - 1.
    """
    limit = _count_limit.get()
    if len(shape) > MAX_BLOB_AXES:
        raise check_failed(f"shape {shape}", "shape.size() <= kMaxBlobAxes", len(shape), MAX_BLOB_AXES)
    count = 1
    for dim in shape:
        if dim < 0:
            raise check_failed(f"shape {shape}", "shape[i] >= 0", dim, 0, "dimensions must be >= 0")
        if count != 0 and dim > limit // count:
            raise check_failed(
                f"shape {shape}",
                f"shape[i] <= {limit:#x} / count_",
                dim,
                limit // count,
                # Past Caffe's INT_MAX, Caffe's own words; past counter mode's limit, ours.
                "" if limit == _INT_MAX else "blob size exceeds 2**63 - 1",
                caffe="blob size exceeds INT_MAX" if limit == _INT_MAX else "",
            )
        count *= dim
    return count


def fans(shape: Shape) -> tuple[int, int]:
    """Caffe's fan_in and fan_out of a blob.

    fan_in = count / shape[0]; fan_out = count / shape[1] if the blob has 2+ axes, else
    count (integer division). For a (num_output, channels, kh, kw) weight that is
    channels * kh * kw and num_output * kh * kw.
    """
    count = math.prod(shape)
    fan_in = count // shape[0]
    fan_out = count // shape[1] if len(shape) > 1 else count
    return fan_in, fan_out


def legacy_fans(shape: Shape) -> tuple[int, int]:
    """Caffe 1.0's fan_in and fan_out: count / num() and count / channels(), the legacy
    accessors reading a missing axis as 1 (a 0-D blob has fans 1 and 1). Call
    `check_legacy_axes` first: they refuse blobs of more than 4 axes."""
    count = math.prod(shape)
    num = shape[0] if len(shape) > 0 else 1
    channels = shape[1] if len(shape) > 1 else 1
    return count // num, count // channels


def check_legacy_axes(shape: Shape) -> None:
    """Blob::LegacyShape's check, made by Caffe 1.0's num() and channels()."""
    if len(shape) > 4:
        raise check_failed(
            f"shape {shape}",
            "num_axes() <= 4",
            len(shape),
            4,
            caffe="Cannot use legacy accessors on Blobs with > 4 axes.",
        )


def shape_of(target: Sequence[int]) -> Shape:
    """`target` as a tuple of ints, or FillerError naming it.

    Bytes, bytearrays, memoryviews and strings iterate as numbers or characters, sets and
    mappings in no order of dimensions: none of them is meant as a shape, and all are refused.
    """
    if isinstance(target, (str, bytes, bytearray, memoryview, AbstractSet, Mapping)):
        raise FillerError(f"shape: {echo(repr(target))} is not a sequence of ints")
    try:
        dims = tuple(target)
    except TypeError:
        raise FillerError(f"shape: {echo(repr(target))} is not a sequence of ints") from None
    if not all(isinstance(d, (int, np.integer)) and not isinstance(d, (bool, np.bool_)) for d in dims):
        raise FillerError(f"shape: {echo(repr(target))} is not a sequence of ints")
    return tuple(int(d) for d in dims)


def allocate(shape: Shape, dtype: np.dtype, *, zeroed: bool = False) -> np.ndarray:
    """A new blob (of zeros if `zeroed`), or FillerError if memory cannot hold it."""
    try:
        return np.zeros(shape, dtype=dtype) if zeroed else np.empty(shape, dtype=dtype)
    except MemoryError:
        raise FillerError(f"shape {shape}: {math.prod(shape)} {dtype} values do not fit in memory") from None


def supported_dtype(dtype: object) -> np.dtype:
    """float32 or float64 as a numpy dtype; any other dtype is a FillerError naming both."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved is None or resolved not in _SUPPORTED_DTYPES:
        raise FillerError(
            f"dtype: {dtype!r} is not supported; "
            "fillers write float32 (Caffe's float) or float64 (Caffe's double)"
        )
    return resolved


def region_bounds(shape: Shape, region: Sequence[slice]) -> Bounds:
    """`region` (slices, step 1, at most one per axis) as (start, stop) per axis of `shape`."""
    if isinstance(region, slice):
        region = (region,)
    try:
        region = tuple(region)
    except TypeError:
        raise FillerError(f"region: {region!r} is not a tuple of slices") from None
    if len(region) > len(shape):
        raise FillerError(f"region: {region!r} has {len(region)} slices for a {len(shape)}-D shape {shape}")
    bounds = []
    for axis, dim in enumerate(shape):
        part = region[axis] if axis < len(region) else slice(None)
        if not isinstance(part, slice):
            raise FillerError(f"region[{axis}]: {part!r} is not a slice")
        try:
            start, stop, step = part.indices(dim)
        except TypeError:
            raise FillerError(f"region[{axis}]: {part!r} has a bound that is not an int") from None
        if step != 1:
            raise FillerError(f"region[{axis}]: {part!r} has step {step}; a region is a block (step 1)")
        bounds.append((start, max(start, stop)))
    return tuple(bounds)


def contiguous_runs(shape: Shape, bounds: Bounds, out: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
    """The region `bounds` of a C-order tensor of `shape` as runs of consecutive elements:
    (the run's first flat index in the full tensor, the flat view of `out` it fills)."""
    ndim = len(shape)
    full_from = ndim
    while full_from > 0 and bounds[full_from - 1] == (0, shape[full_from - 1]):
        full_from -= 1
    # Axes from full_from on are whole, so a run spans them and the partial axis before them.
    run_axis = max(full_from - 1, 0)
    strides = [math.prod(shape[axis + 1 :]) for axis in range(ndim)]
    extents = [stop - start for start, stop in bounds]
    run_length = math.prod(extents[run_axis:])
    if run_length == 0:
        return
    runs = out.reshape(-1, run_length)
    offset = bounds[run_axis][0] * strides[run_axis] if ndim else 0
    for row, index in zip(runs, np.ndindex(*extents[:run_axis]), strict=True):
        start = offset + sum((bounds[axis][0] + i) * strides[axis] for axis, i in enumerate(index))
        yield start, row
