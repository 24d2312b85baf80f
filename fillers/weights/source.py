"""A weights file as Caffe reads it: its layers in file order, each with its blobs.

Every reader (.caffemodel, .caffemodel.h5, .npz, .safetensors) gives a `WeightFile`;
fine-tuning and `load_weights` work from it. A blob keeps what Caffe's checks look at: its
shape as the file states it, and whether that shape is the legacy num/channels/height/width
(which Blob::ShapeEquals compares against the target's last four axes).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from ..errors import FillerError

# How a file's layers find their net layers and how strictly blobs are counted: a binary
# NetParameter is Net::CopyTrainedLayersFrom (first net layer of the name, every blob);
# Caffe's HDF5 snapshot is CopyTrainedLayersFromHDF5 (layers by name, a shared blob may be
# absent). Files of arrays (.npz, .safetensors, a mapping) follow the binary rules.
PROTO = "caffemodel"
HDF5 = "hdf5"
ARRAYS = "arrays"


@dataclass(frozen=True)
class SourceBlob:
    """One blob of a weights file: its values (flat or shaped, float32 or float64 as
    stored) and its shape. `legacy`: the shape is a BlobProto's num/channels/height/width."""

    values: np.ndarray
    shape: tuple[int, ...]
    legacy: bool = False

    def shaped(self) -> np.ndarray:
        """The values in the blob's own shape (legacy blobs are 4-D, as Caffe reshapes them)."""
        return self.values.reshape(self.shape)


@dataclass(frozen=True)
class SourceLayer:
    """One layer of a weights file. `blobs[i]` is None where an HDF5 snapshot left out a
    blob that shares another layer's param (Caffe saves only owners)."""

    name: str
    type: str
    blobs: tuple[SourceBlob | None, ...]


@dataclass(frozen=True)
class WeightFile:
    """A weights file's layers in file order; `kind` is PROTO, HDF5 or ARRAYS."""

    path: str
    kind: str
    layers: tuple[SourceLayer, ...]
    name: str = ""


def checked_blob(values: np.ndarray, shape: tuple[int, ...], legacy: bool, where: str) -> SourceBlob:
    """A blob whose value count is its shape's count, as Blob::FromProto's CHECK requires;
    `where` names the layer and blob in the error ("layer 'ip2' blob 0")."""
    if any(dim < 0 for dim in shape):
        raise FillerError(f"{where}: shape {list(shape)}: Check failed: shape[i] >= 0")
    count = int(np.prod(shape, dtype=np.int64))
    if count != values.size:
        field = "double_data" if values.dtype == np.float64 else "data"
        raise FillerError(
            f"{where}: Check failed: count_ == proto.{field}_size() ({count} vs. {values.size}): "
            f"the shape {list(shape)} holds {count} values, the file gives {values.size}"
        )
    return SourceBlob(values, shape, legacy)


@contextmanager
def written_whole(path: str | os.PathLike[str]) -> Iterator[str]:
    """A temporary path beside `path` to write to; it replaces `path` only if the block
    succeeds, so a failed write never leaves a half-written file."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".fillers-", suffix=".tmp", dir=directory)
    os.close(handle)
    try:
        yield temporary
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
