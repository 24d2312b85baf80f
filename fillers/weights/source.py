"""A weights file as Caffe reads it: its layers in file order, each with its blobs.

Every reader (.caffemodel, .caffemodel.h5, .npz, .safetensors) gives a `WeightFile`;
fine-tuning and `load_weights` work from it. A blob keeps what Caffe's checks look at: its
shape as the file states it, and whether that shape is the legacy num/channels/height/width
(which Blob::ShapeEquals compares against the target's last four axes).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from ..errors import FillerError
from ..fill.blob import count_of
from ..io.limits import check_unicode, echo

# How a file's layers find their net layers and how strictly blobs are counted: a binary
# NetParameter is Net::CopyTrainedLayersFrom (first net layer of the name, every blob);
# Caffe's HDF5 snapshot is CopyTrainedLayersFromHDF5 (layers by name, a shared blob may be
# absent). Files of arrays (.npz, .safetensors, a mapping) follow the binary rules.
PROTO = "caffemodel"
HDF5 = "hdf5"
ARRAYS = "arrays"


@dataclass(frozen=True, slots=True)
class SourceBlob:
    """One blob of a weights file: its values (flat or shaped, float32 or float64 as
    stored; `StoredValues` where they were left in the file) and its shape. `legacy`: the
    shape is a BlobProto's num/channels/height/width."""

    values: np.ndarray | StoredValues
    shape: tuple[int, ...]
    legacy: bool = False

    def shaped(self) -> np.ndarray:
        """The values in the blob's own shape (legacy blobs are 4-D, as Caffe reshapes them)."""
        assert isinstance(self.values, np.ndarray), "values left in the file are read in chunks"
        return self.values if self.values.shape == self.shape else self.values.reshape(self.shape)


@dataclass(frozen=True, slots=True)
class StoredValues:
    """A blob's values left in an open file, read a chunk at a time (`fillers weights`
    reduces them so, through the one file it opened): `runs` are (offset, count) runs of
    `dtype` values in the file, or arrays already decoded."""

    file: BinaryIO
    dtype: np.dtype
    runs: tuple[tuple[int, int] | np.ndarray, ...]
    size: int
    shown: str = "the weights file"

    def chunks(self, size: int) -> Iterator[np.ndarray]:
        """The values in order, at most `size` at a time; FillerError if the file no longer
        holds them (it was cut short while being read)."""
        for run in self.runs:
            if isinstance(run, np.ndarray):
                for start in range(0, run.size, size):
                    yield run[start : start + size]
                continue
            offset, count = run
            for start in range(0, count, size):
                piece = np.empty(min(size, count - start), self.dtype)
                self.file.seek(offset + start * self.dtype.itemsize)
                if self.file.readinto(memoryview(piece).cast("B")) != piece.nbytes:
                    raise FillerError(f"{self.shown}: the file changed while it was read (it is shorter)")
                yield piece


@dataclass(frozen=True, slots=True)
class SourceLayer:
    """One layer of a weights file: its blobs, in index order. `indices[i]` is the index of
    `blobs[i]` where they do not run 0, 1, ...: an HDF5 snapshot leaves out a blob that shares
    another layer's param (Caffe saves only owners). Empty: the blobs are 0, 1, ..."""

    name: str
    type: str
    blobs: tuple[SourceBlob, ...]
    indices: tuple[int, ...] = ()

    def numbered(self) -> list[tuple[int, SourceBlob]]:
        """(index, blob) for every blob the file holds."""
        return list(zip(self.indices or range(len(self.blobs)), self.blobs, strict=True))

    def blob(self, index: int) -> SourceBlob | None:
        """Blob `index`, or None where the file left it out."""
        if not self.indices:
            return self.blobs[index] if index < len(self.blobs) else None
        place = bisect.bisect_left(self.indices, index)
        return self.blobs[place] if place < len(self.indices) and self.indices[place] == index else None

    def leading(self) -> tuple[SourceBlob, ...]:
        """The blobs 0, 1, ... up to the first one left out."""
        if not self.indices:
            return self.blobs
        count = next((place for place, index in enumerate(self.indices) if index != place), len(self.indices))
        return self.blobs[:count]


@dataclass(frozen=True)
class WeightFile:
    """A weights file's layers in file order; `kind` is PROTO, HDF5 or ARRAYS."""

    path: str
    kind: str
    layers: tuple[SourceLayer, ...]
    name: str = ""


def checked_shape(shape: tuple[int, ...], where: str) -> int:
    """The value count of a blob of `shape`, checked as Caffe's Blob::Reshape checks it
    (`fill.blob.count_of`: at most kMaxBlobAxes axes, each >= 0, the count at most INT_MAX, in
    exact integers), the error prefixed by `where`."""
    try:
        return count_of(shape)
    except FillerError as error:
        raise FillerError(f"{where}: {error}") from None


def checked_blob(
    values: np.ndarray | StoredValues, shape: tuple[int, ...], legacy: bool, where: str
) -> SourceBlob:
    """A blob whose value count is its shape's count, as Blob::FromProto's CHECK requires;
    `where` names the layer and blob in the error ("layer 'ip2' blob 0")."""
    count = checked_shape(shape, where)
    if count != values.size:
        field = "double_data" if values.dtype == np.float64 else "data"
        raise FillerError(
            f"{where}: Check failed: count_ == proto.{field}_size() ({count} vs. {values.size}): "
            f"the shape {list(shape)} holds {count} values, the file gives {values.size}"
        )
    return SourceBlob(values, shape, legacy)


def check_name(name: object, where: str) -> str:
    """`name` if it is a layer name every format can hold: text, valid Unicode, without NUL
    (which C strings, HDF5's and numpy's zip names included, end at). Else FillerError."""
    if not isinstance(name, str):
        raise FillerError(f"{where}: the layer name {echo(repr(name))} is not text")
    check_unicode(name, f"{where}: layer name {echo(repr(name))}")
    if "\0" in name:
        raise FillerError(f"{where}: the layer name {echo(repr(name))} holds a NUL character")
    return name
