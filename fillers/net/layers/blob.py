"""Caffe's Blob as far as layer setup needs it: shapes, the checks on them, what setup makes.

Shapes are tuples of ints. The helpers mirror Blob's accessors (count, CanonicalAxisIndex,
the legacy num/channels/height/width) with the CHECK texts Caffe aborts with, raised here
as FillerError.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from ..._proto.filler_pb2 import FillerParameter, NetParameter
from ...errors import FillerError
from ...fill.blob import shape_string

Shape = tuple[int, ...]
PartialShape = tuple[int | None, ...]
"""A top shape the prototxt fixes in part: None where only the data knows the dim."""
Item = TypeVar("Item")


@dataclass(frozen=True)
class BlobSpec:
    """A learnable blob a layer creates at setup.

    `filler` is the FillerParameter Caffe's layer code fills it with (its own default when
    the net gives none); None for blobs Caffe zeroes without a filler (BatchNorm's
    statistics, a Parameter layer's blob), which draw nothing from the stream.
    """

    shape: Shape
    filler: FillerParameter | None


@dataclass(frozen=True)
class LayerSetup:
    """What Layer::SetUp makes: top shapes, learnable blobs, and stream use.

    `tops`: one shape per top; None where Caffe reads it from data we do not have (a Data
    layer's images). `blobs`: in Caffe's blobs_ order, which is also the order setup fills
    them in. `setup_draws`: raw 32-bit outputs setup takes from the stream besides the fills
    (data layers seeding their own generators with caffe_rng_rand()).

    `inner_net`: a net the layer builds and sets up inside its own setup, as RecurrentLayer
    builds its unrolled net. Net::Init's steps plan it (its layers' shapes, blobs, shared
    params) and fill it, every layer's blobs in order, from the same stream, after
    `setup_draws`; the layer's own blobs are then the inner net's params that own themselves,
    in the inner net's order, so `blobs` stays empty.
    """

    tops: tuple[Shape | None, ...]
    blobs: tuple[BlobSpec, ...] = ()
    setup_draws: int = 0
    inner_net: NetParameter | None = None


def require(condition: bool, message: str) -> None:
    """Caffe's CHECK: raise FillerError with Caffe's text unless `condition` holds."""
    if not condition:
        raise FillerError(message)


def count(shape: Shape, start: int = 0, end: int | None = None) -> int:
    """Blob::count(start, end): the product of the dims in [start, end)."""
    return math.prod(shape[start:end])


def canonical_axis(shape: Shape, axis: int) -> int:
    """Blob::CanonicalAxisIndex: a negative axis counts from the end."""
    require(
        -len(shape) <= axis < len(shape),
        f"axis {axis} out of range for {len(shape)}-D Blob with shape {shape_string(shape)}",
    )
    return axis + len(shape) if axis < 0 else axis


def legacy_dim(shape: Shape, index: int) -> int:
    """Blob::LegacyShape, behind num()/channels()/height()/width(): 1 past the last axis."""
    require(len(shape) <= 4, "Cannot use legacy accessors on Blobs with > 4 axes.")
    return shape[index] if index < len(shape) else 1


def c_div(numerator: int, denominator: int) -> int:
    """C++ integer division, which truncates toward zero (Python's // floors)."""
    quotient = abs(numerator) // abs(denominator)
    return quotient if (numerator < 0) == (denominator < 0) else -quotient


def one_or_each(values: Sequence[Item], index: int) -> Item:
    """Caffe's `values(size == 1 ? 0 : i)`: one value serves every top or axis, else one each."""
    return values[0] if len(values) == 1 else values[index]


def constant_filler(value: float) -> FillerParameter:
    """The constant filler a layer falls back on when the net names none."""
    return FillerParameter(type="constant", value=value)
