"""Weights as files of arrays: .npz and .safetensors, one array per blob under the key
"<layer>/<index>". A .safetensors file also records its layers' order and types in its
metadata (key "fillers.layers"), since its tensors are stored by name.

Both are read here from the file's own bytes, not through numpy's or safetensors' loaders:
those allocate what a header claims before they know the file holds it (numpy), or map the
file, so that a file cut short while it is read kills the process with SIGBUS
(safetensors). Every header is checked first: dtype float32 or float64, a shape Caffe's
Blob takes, values that lie inside the file (at most `MAX_DEFLATE_RATIO` times their
compressed size in a compressed .npz), then each array is read into memory of its size.
Writing .safetensors needs the safetensors package: `pip install fillers[safetensors]`.
"""

from __future__ import annotations

import json
import os
import struct
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, BinaryIO

import numpy as np

from ..errors import FillerError
from ..io import atomic
from ..io.limits import echo
from .source import (
    ARRAYS,
    SourceBlob,
    SourceLayer,
    StoredValues,
    WeightFile,
    check_name,
    checked_blob,
    checked_shape,
)

# (layer name, layer type, blobs): a blob None is left out of the file (a shared HDF5 blob).
LayerBlobs = tuple[str, str, Sequence["np.ndarray | None"]]
SAFETENSORS_LAYERS = "fillers.layers"
MAX_DEFLATE_RATIO = 1032
"""zlib's deflate cannot compress better than about 1032 to 1."""
_SAFETENSORS_HEADER_LIMIT = 100_000_000  # the safetensors library's own limit
_SAFETENSORS_DTYPES = {"F32": np.dtype("<f4"), "F64": np.dtype("<f8")}
_PIECE = 1 << 20
_INDEX_DIGITS = 10


def float_array(blob: object, where: str) -> np.ndarray:
    """`blob` as a float32 or float64 numpy array, else FillerError naming `where`: the
    dtypes Caffe's blobs hold, which every weights format holds and reads back."""
    try:
        values = np.asarray(blob)
    except Exception as error:  # an object numpy cannot make an array of
        raise FillerError(f"{where}: {echo(repr(blob))} is not an array ({type(error).__name__})") from None
    if values.dtype.kind != "f" or values.dtype.itemsize not in (4, 8):
        raise FillerError(
            f"{where}: dtype {values.dtype} is not float32 or float64 (Caffe's float and double)"
        )
    # Big-endian values are written in the byte order every format stores.
    return values.astype(values.dtype.newbyteorder("="), copy=False)


def read_npz(file: BinaryIO, shown: str) -> WeightFile:
    """A .npz file (a zip of .npy arrays) of "<layer>/<index>" arrays, layers in the order
    their first key comes. Only stored and deflated members are read."""
    size = os.fstat(file.fileno()).st_size
    with unreadable_as_error(shown), zipfile.ZipFile(file) as archive:
        members = archive.infolist()
        if sum(member.compress_size for member in members) > size:
            raise FillerError(f"{shown}: its members claim more bytes than the file holds")
        keys = {}
        for member in members:
            if not member.filename.endswith(".npy"):
                raise FillerError(f"{shown}: member {echo(repr(member.filename))} is not a .npy array")
            if member.filename[:-4] in keys:
                raise FillerError(f"{shown}: member {echo(repr(member.filename))} appears twice")
            keys[member.filename[:-4]] = member

        def get(key: str, where: str) -> SourceBlob:
            return _npy_member(archive, keys[key], shown, where)

        return WeightFile(shown, ARRAYS, _layers_from_keys(list(keys), get, {}, shown))


def write_npz(path: str | os.PathLike[str], layers: Sequence[LayerBlobs]) -> None:
    """Every blob under "<layer>/<index>", uncompressed, in layer order."""
    arrays = {f"{name}/{index}": blob for name, _, blobs in layers for index, blob in enumerate(blobs)}
    with atomic.opened(path) as file:
        np.savez(file, **arrays)


def read_safetensors(file: BinaryIO, shown: str, *, stored: bool = False) -> WeightFile:
    """A .safetensors file of "<layer>/<index>" tensors; order and types from its metadata
    when save_weights wrote it, else layers by name. `stored`: values stay in `file`."""
    size = os.fstat(file.fileno()).st_size
    file.seek(0)
    head = file.read(8)
    if len(head) < 8:
        raise FillerError(f"Failed to read {shown}: shorter than a safetensors header")
    (length,) = struct.unpack("<Q", head)
    if length > min(_SAFETENSORS_HEADER_LIMIT, size - 8):
        raise FillerError(f"Failed to read {shown}: a header of {length} bytes, beyond the file or the limit")
    try:
        header = json.loads(file.read(length).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise FillerError(f"Failed to read {shown}: its header is not JSON ({echo(str(error))})") from None
    if not isinstance(header, dict):
        raise FillerError(f"Failed to read {shown}: its header is not a JSON object")
    types, order = _recorded_layers(header.pop("__metadata__", None), shown)
    data_start, data_size = 8 + length, size - 8 - length
    tensors = {key: _tensor_entry(key, entry, data_size, shown) for key, entry in header.items()}
    end = 0
    for key, (_, _, begin, stop) in sorted(tensors.items(), key=lambda item: item[1][2:]):
        if begin < end:
            raise FillerError(f"Failed to read {shown}: tensor {echo(repr(key))} overlaps another")
        end = stop
    keys = sorted(tensors, key=lambda key: (order.get(key.rpartition("/")[0], len(order)), key))

    def get(key: str, where: str) -> SourceBlob:
        dtype, shape, begin, stop = tensors[key]
        count = (stop - begin) // dtype.itemsize
        if stored:
            values: np.ndarray | StoredValues = StoredValues(
                file, dtype, ((data_start + begin, count),), count, shown
            )
        else:
            file.seek(data_start + begin)
            values = _read_values(file, dtype, count, f"{shown}: {where}")
        return checked_blob(values, shape, False, where)

    return WeightFile(shown, ARRAYS, _layers_from_keys(keys, get, types, shown))


def write_safetensors(path: str | os.PathLike[str], layers: Sequence[LayerBlobs]) -> None:
    """Every blob under "<layer>/<index>", with the layers' order and types as metadata."""
    numpy_io = optional("safetensors.numpy", "safetensors")
    arrays = {
        f"{name}/{index}": np.asarray(blob, order="C")
        for name, _, blobs in layers
        for index, blob in enumerate(blobs)
    }
    metadata = {SAFETENSORS_LAYERS: json.dumps([[name, layer_type] for name, layer_type, _ in layers])}
    with atomic.replaced(path) as temporary:
        numpy_io.save_file(arrays, temporary, metadata=metadata)


def _recorded_layers(metadata: object, shown: str) -> tuple[dict[str, str], dict[str, int]]:
    """The layer types and order save_weights records in a .safetensors file's metadata."""
    where = f"{shown}: metadata {SAFETENSORS_LAYERS!r}"
    if metadata is None:
        return {}, {}
    if not isinstance(metadata, dict) or not all(isinstance(value, str) for value in metadata.values()):
        raise FillerError(f"Failed to read {shown}: __metadata__ is not a mapping of text to text")
    try:
        recorded = json.loads(metadata.get(SAFETENSORS_LAYERS, "[]"))
    except (ValueError, RecursionError):
        raise FillerError(f"{where}: not JSON") from None
    if not isinstance(recorded, list) or not all(
        isinstance(pair, list) and len(pair) == 2 and all(isinstance(text, str) for text in pair)
        for pair in recorded
    ):
        raise FillerError(f"{where}: not a list of [layer name, layer type] pairs")
    return dict(recorded), {name: place for place, (name, _) in enumerate(recorded)}


def _tensor_entry(key: str, entry: object, data_size: int, shown: str) -> tuple[np.dtype, tuple, int, int]:
    """A safetensors header entry as (dtype, shape, begin, end), checked against the file."""
    where = f"{shown}: tensor {echo(repr(key))}"
    if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
        raise FillerError(f"{where}: not an entry of dtype, shape and data_offsets")
    dtype = _SAFETENSORS_DTYPES.get(entry["dtype"]) if isinstance(entry["dtype"], str) else None
    if dtype is None:
        raise FillerError(
            f"{where}: dtype {echo(repr(entry['dtype']))} is not F32 or F64 (Caffe's float, double)"
        )
    shape, offsets = entry["shape"], entry["data_offsets"]
    if not isinstance(shape, list) or not all(type(dim) is int for dim in shape):
        raise FillerError(f"{where}: shape {echo(repr(shape))} is not a list of integers")
    count = checked_shape(tuple(shape), where)
    if (
        not isinstance(offsets, list)
        or len(offsets) != 2
        or not all(type(offset) is int for offset in offsets)
        or not 0 <= offsets[0] <= offsets[1] <= data_size
        or offsets[1] - offsets[0] != count * dtype.itemsize
    ):
        raise FillerError(
            f"{where}: data_offsets {echo(repr(offsets))} do not hold its {count} values inside the file"
        )
    return dtype, tuple(shape), offsets[0], offsets[1]


def _npy_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, shown: str, where: str) -> SourceBlob:
    """One .npy member, its header checked before its values are allocated."""
    if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise FillerError(f"{shown}: {where}: zip compression {member.compress_type} is not read")
    limit = member.compress_size * (1 if member.compress_type == zipfile.ZIP_STORED else MAX_DEFLATE_RATIO)
    with archive.open(member) as stream:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
        else:
            raise FillerError(f"{shown}: {where}: .npy version {version} is not read")
        if dtype not in (np.dtype("<f4"), np.dtype("<f8"), np.dtype(">f4"), np.dtype(">f8")):
            raise FillerError(f"{shown}: {where}: dtype {dtype} is not float32 or float64")
        count = checked_shape(tuple(shape), f"{shown}: {where}")
        if count * dtype.itemsize > min(member.file_size, limit):
            raise FillerError(f"{shown}: {where}: shape {list(shape)} claims more values than the file holds")
        values = _read_values(stream, dtype, count, f"{shown}: {where}")
    values = values.reshape(shape, order="F" if fortran else "C").astype(dtype.newbyteorder("="), copy=False)
    return checked_blob(values, tuple(shape), False, where)


def _read_values(stream: BinaryIO, dtype: np.dtype, count: int, where: str) -> np.ndarray:
    values = np.empty(count, dtype)
    view = memoryview(values).cast("B")
    done = 0
    while done < len(view):
        got = stream.readinto(view[done : done + _PIECE])
        if not got:
            raise FillerError(f"{where}: the file ends inside its values (or changed while it was read)")
        done += got
    return values


def _layers_from_keys(
    keys: list[str], get: Callable[[str, str], SourceBlob], types: dict[str, str], shown: str
) -> tuple[SourceLayer, ...]:
    """Layers from "<layer>/<index>" keys (a layer name may itself hold "/"), in the order
    their first keys come; each layer's indices must run 0, 1, ..."""
    indices: dict[str, list[int]] = {}
    for key in keys:
        name, slash, index = key.rpartition("/")
        if not slash or not (
            index.isascii() and index.isdigit() and len(index) <= _INDEX_DIGITS and str(int(index)) == index
        ):
            raise FillerError(f"{shown}: key {echo(repr(key))} is not <layer>/<index>, e.g. conv1/0")
        indices.setdefault(check_name(name, shown), []).append(int(index))
    layers = []
    for name, found in indices.items():
        if sorted(found) != list(range(len(found))):
            raise FillerError(f"{shown}: layer {echo(repr(name))}: blob indices do not run 0, 1, ...")
        blobs = tuple(get(f"{name}/{index}", f"layer {name!r} blob {index}") for index in range(len(found)))
        layers.append(SourceLayer(name, types.get(name, ""), blobs))
    return tuple(layers)


def optional(module: str, extra: str) -> Any:
    """An optional dependency, imported on first use; FillerError says how to install it."""
    try:
        return __import__(module, fromlist=["_"])
    except ImportError:
        raise FillerError(
            f"this file format needs the {module.split('.')[0]} package: pip install 'fillers[{extra}]'"
        ) from None


@contextmanager
def unreadable_as_error(shown: str) -> Iterator[None]:
    """A file its library cannot read (truncated, not that format) raises FillerError."""
    try:
        yield
    except FillerError:
        raise
    except Exception as error:  # zipfile's, numpy's, h5py's and zlib's own errors
        raise FillerError(f"Failed to read {shown}: {type(error).__name__}: {echo(str(error))}") from None
