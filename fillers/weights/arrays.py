"""Weights as files of arrays: Caffe's HDF5 snapshot (.caffemodel.h5), .npz and .safetensors.

- HDF5 is Caffe's Net::ToHDF5 layout: a group /data, in it one group per layer, in it one
  dataset per blob named by its index ("0", "1", ...). Caffe saves a shared blob only with
  the layer that owns it. Each layer group also carries a `type` attribute (ours; Caffe
  ignores attributes). Needs h5py: `pip install fillers[hdf5]`.
- .npz and .safetensors hold one array per blob under the key "<layer>/<index>". A
  .safetensors file also records its layers' order and types in its metadata (key
  "fillers.layers"), since its tensors are stored by name. Needs the safetensors package:
  `pip install fillers[safetensors]`.

h5py and safetensors are imported only when one of their files is read or written.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from ..errors import FillerError
from .source import ARRAYS, HDF5, SourceBlob, SourceLayer, WeightFile, checked_blob, written_whole

# (layer name, layer type, blobs): a blob None is left out of the file (a shared HDF5 blob).
LayerBlobs = tuple[str, str, Sequence["np.ndarray | None"]]
_SAFETENSORS_LAYERS = "fillers.layers"


def float_array(blob: object, where: str) -> np.ndarray:
    """`blob` as a numpy array of floats, else FillerError naming `where`."""
    values = np.asarray(blob)
    if values.dtype.kind != "f":
        raise FillerError(f"{where}: dtype {values.dtype} is not a float type")
    return values


def read_npz(path: str | os.PathLike[str], shown: str) -> WeightFile:
    """A .npz file of "<layer>/<index>" arrays, layers in the order their first key comes."""
    with _unreadable_as_error(shown), np.load(path, allow_pickle=False) as arrays:
        return WeightFile(shown, ARRAYS, _layers_from_keys(list(arrays.files), arrays.__getitem__, {}))


def write_npz(path: str | os.PathLike[str], layers: Sequence[LayerBlobs]) -> None:
    """Every blob under "<layer>/<index>", uncompressed, in layer order."""
    arrays = {f"{name}/{index}": blob for name, _, blobs in layers for index, blob in enumerate(blobs)}
    with written_whole(path) as temporary, open(temporary, "wb") as file:
        np.savez(file, **arrays)


def read_safetensors(path: str | os.PathLike[str], shown: str) -> WeightFile:
    """A .safetensors file of "<layer>/<index>" tensors; order and types from its metadata
    when save_weights wrote it, else layers by name."""
    safetensors = _optional("safetensors", "safetensors")
    with _unreadable_as_error(shown), safetensors.safe_open(os.fspath(path), framework="np") as file:
        keys = list(file.keys())
        recorded = json.loads((file.metadata() or {}).get(_SAFETENSORS_LAYERS, "[]"))
        types = {name: layer_type for name, layer_type in recorded}
        order = {name: place for place, (name, _) in enumerate(recorded)}
        keys.sort(key=lambda key: (order.get(key.rpartition("/")[0], len(order)), key))
        return WeightFile(shown, ARRAYS, _layers_from_keys(keys, file.get_tensor, types))


def write_safetensors(path: str | os.PathLike[str], layers: Sequence[LayerBlobs]) -> None:
    """Every blob under "<layer>/<index>", with the layers' order and types as metadata."""
    numpy_io = _optional("safetensors.numpy", "safetensors")
    arrays = {
        f"{name}/{index}": np.asarray(blob, order="C")
        for name, _, blobs in layers
        for index, blob in enumerate(blobs)
    }
    metadata = {_SAFETENSORS_LAYERS: json.dumps([[name, layer_type] for name, layer_type, _ in layers])}
    with written_whole(path) as temporary:
        numpy_io.save_file(arrays, temporary, metadata=metadata)


def read_hdf5(path: str | os.PathLike[str], shown: str) -> WeightFile:
    """Caffe's HDF5 snapshot: /data/<layer>/<index>, layers in HDF5's name order (the order
    CopyTrainedLayersFromHDF5 walks them in)."""
    h5py = _optional("h5py", "hdf5")
    layers = []
    with _unreadable_as_error(shown), h5py.File(path, "r") as file:
        data = file.get("data")
        if not isinstance(data, h5py.Group):
            raise FillerError(f"Check failed: data_hid >= 0 (-1 vs. 0) Error reading weights from {shown}")
        for name, group in data.items():
            if not isinstance(group, h5py.Group) or not all(key.isdigit() for key in group):
                raise FillerError(f"{shown}: /data/{name} is not a group of datasets named 0, 1, ...")
            blobs: list[SourceBlob | None] = [None] * (max(map(int, group), default=-1) + 1)
            for key, dataset in group.items():
                where = f"layer {name!r} blob {key}"
                values = float_array(dataset[()], f"{shown}: {where}")
                blobs[int(key)] = checked_blob(values, values.shape, False, where)
            layer_type = group.attrs.get("type", "")
            layers.append(SourceLayer(name, layer_type if isinstance(layer_type, str) else "", tuple(blobs)))
    return WeightFile(shown, HDF5, tuple(layers))


def write_hdf5(path: str | os.PathLike[str], layers: Sequence[LayerBlobs]) -> None:
    """Net::ToHDF5's layout: a group per layer under /data, a dataset per blob saved."""
    h5py = _optional("h5py", "hdf5")
    for name, _, _ in layers:
        if "/" in name or name in ("", "."):
            raise FillerError(f"layer {name!r}: an HDF5 group cannot be named so; use .caffemodel or .npz")
    with written_whole(path) as temporary, h5py.File(temporary, "w") as file:
        data = file.create_group("data")
        for name, layer_type, blobs in layers:
            group = data.create_group(name)
            group.attrs["type"] = layer_type
            for index, blob in enumerate(blobs):
                if blob is not None:
                    group.create_dataset(str(index), data=blob)


def _layers_from_keys(
    keys: list[str], get: Callable[[str], Any], types: dict[str, str]
) -> tuple[SourceLayer, ...]:
    """Layers from "<layer>/<index>" keys (a layer name may itself hold "/"), in the order
    their first keys come; each layer's indices must run 0, 1, ..."""
    indices: dict[str, list[int]] = {}
    for key in keys:
        name, slash, index = key.rpartition("/")
        if not slash or not index.isdigit():
            raise FillerError(f"key {key!r} is not <layer>/<index>, e.g. conv1/0")
        indices.setdefault(name, []).append(int(index))
    layers = []
    for name, found in indices.items():
        if sorted(found) != list(range(len(found))):
            raise FillerError(f"layer {name!r}: blob indices {sorted(found)} do not run 0, 1, ...")
        blobs = []
        for index in range(len(found)):
            where = f"layer {name!r} blob {index}"
            values = float_array(get(f"{name}/{index}"), where)
            blobs.append(checked_blob(values, values.shape, False, where))
        layers.append(SourceLayer(name, types.get(name, ""), tuple(blobs)))
    return tuple(layers)


def _optional(module: str, extra: str) -> Any:
    """An optional dependency, imported on first use; FillerError says how to install it."""
    try:
        return __import__(module, fromlist=["_"])
    except ImportError:
        raise FillerError(
            f"this file format needs the {module.split('.')[0]} package: pip install 'fillers[{extra}]'"
        ) from None


@contextmanager
def _unreadable_as_error(shown: str) -> Iterator[None]:
    """A file its library cannot read (truncated, not that format) raises FillerError."""
    try:
        yield
    except FillerError:
        raise
    except Exception as error:  # zipfile's, numpy's, h5py's and safetensors' own errors
        raise FillerError(f"Failed to read {shown}: {type(error).__name__}: {error}") from None
