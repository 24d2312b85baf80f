"""Caffe's HDF5 snapshot (.caffemodel.h5), read only from the file itself.

Layout: Net::ToHDF5's: a group /data, in it one group per layer, in it one dataset per
blob named by its index ("0", "1", ...). Caffe saves a shared blob only with the layer that
owns it. Each layer group also carries a `type` attribute (ours; Caffe ignores attributes).
Needs h5py: `pip install fillers[hdf5]`.

HDF5 can make a file read others: a dataset's values can live in external raw files or be
a virtual view of datasets elsewhere, and a link can point into another file. A weights
file is often a stranger's, so every such object is refused before anything is read, as is
a soft link that passes through one. A dataset must be float32 or float64 with a shape
Caffe's Blob takes (at most 32 axes, at most INT_MAX values), stored in a layout and with
filters (deflate, shuffle, fletcher32) that give back no more than the file could hold:
uncompressed values are all stored in the file, compressed ones at most `_MAX_DEFLATE_RATIO`
times what they have stored. All of it is checked before the values are allocated.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, BinaryIO

import numpy as np

from ..errors import FillerError
from ..io import atomic
from ..io.limits import echo
from .arrays import LayerBlobs, optional, unreadable_as_error
from .source import HDF5, SourceBlob, SourceLayer, WeightFile, check_name, checked_blob, checked_shape

# zlib's deflate cannot compress better than about 1032 to 1.
_MAX_DEFLATE_RATIO = 1032
_FILTERS = {1: "deflate", 2: "shuffle", 3: "fletcher32"}
_MAX_LINK_HOPS = 16
_INDEX_DIGITS = 10  # INT_MAX, the most blobs a Caffe layer can count, has 10 digits


def read_hdf5(source: BinaryIO, shown: str) -> WeightFile:
    """Caffe's HDF5 snapshot from the open binary file `source`: /data/<layer>/<index>,
    layers in HDF5's name order (the order CopyTrainedLayersFromHDF5 walks them in)."""
    h5py = optional("h5py", "hdf5")
    layers = []
    size = os.fstat(source.fileno()).st_size
    source.seek(0)
    with unreadable_as_error(shown), h5py.File(source, "r") as file:
        data = _follow(h5py, file, file, "data", shown)
        if not isinstance(data, h5py.Group):
            raise FillerError(f"Check failed: data_hid >= 0 (-1 vs. 0) Error reading weights from {shown}")
        groups = []
        for name in data:
            layer_name = _name(name, shown, "/data")
            group = _follow(h5py, file, data, name, shown)
            if not isinstance(group, h5py.Group):
                raise FillerError(f"{shown}: /data/{layer_name} is not a group of datasets named 0, 1, ...")
            groups.append((layer_name, group))
        # A blob left out shares a param whose owner's dataset is in the file: no index of a
        # file Caffe wrote passes its dataset count.
        datasets = sum(len(group) for _, group in groups)
        for layer_name, group in groups:
            indices, blobs = [], []
            for key in sorted(group, key=lambda key: (len(key), key)):
                where = f"layer {echo(repr(layer_name))} blob {_name(key, shown, f'/data/{layer_name}')}"
                index = _index(key, shown, layer_name, datasets)
                dataset = _follow(h5py, file, group, key, shown)
                indices.append(index)
                blobs.append(_read_dataset(h5py, dataset, size, shown, where))
            layer_type = group.attrs.get("type", "")
            layer_type = (
                check_name(layer_type, f"{shown}: /data/{layer_name}: type")
                if isinstance(layer_type, str)
                else ""
            )
            layers.append(SourceLayer(layer_name, layer_type, tuple(blobs), tuple(indices)))
    return WeightFile(shown, HDF5, tuple(layers))


def write_hdf5(path: str | os.PathLike[str], layers: Sequence[LayerBlobs]) -> None:
    """Net::ToHDF5's layout: a group per layer under /data, a dataset per blob saved."""
    h5py = optional("h5py", "hdf5")
    with atomic.replaced(path) as temporary, h5py.File(temporary, "w") as file:
        data = file.create_group("data")
        for name, layer_type, blobs in layers:
            group = data.create_group(name)
            group.attrs["type"] = layer_type
            for index, blob in enumerate(blobs):
                if blob is not None:
                    group.create_dataset(str(index), data=blob)


def _name(name: str | bytes, shown: str, where: str) -> str:
    if isinstance(name, bytes):
        raise FillerError(f"{shown}: {where}: the name {echo(repr(name))} is not UTF-8 text")
    check_name(name, f"{shown}: {where}")
    return name


def _index(key: str, shown: str, layer: str, datasets: int) -> int:
    """A blob's index from its dataset's name, as Caffe writes it (std::to_string), at
    most the file's count of datasets."""
    if not (key.isascii() and key.isdigit() and len(key) <= _INDEX_DIGITS and str(int(key)) == key):
        raise FillerError(
            f"{shown}: /data/{layer}/{echo(repr(key))}: a blob's dataset is named by its index, 0, 1, ..."
        )
    if int(key) > datasets:
        raise FillerError(
            f"{shown}: /data/{layer}/{key}: blob index {key} in a file of {datasets} datasets "
            "(a left-out blob is shared with another layer, whose dataset the file holds)"
        )
    return int(key)


def _follow(h5py: Any, file: Any, group: Any, name: str, shown: str, hops: list[int] | None = None) -> Any:
    """The object `name` links to from `group`: hard links and soft links that stay inside
    the file are followed (at most _MAX_LINK_HOPS soft links in all), anything else refused
    unopened."""
    hops = [0] if hops is None else hops
    while True:
        link = group.get(name, getlink=True)
        if link is None:
            return None
        if isinstance(link, h5py.HardLink):
            target = group[name]
            if target.id.fileno != file.id.fileno:
                raise FillerError(f"{shown}: {_path(group, name)} leaves the file")
            return target
        if not isinstance(link, h5py.SoftLink):
            raise FillerError(
                f"{shown}: {_path(group, name)} is a link to another file ({type(link).__name__}); "
                "a weights file is read only from itself"
            )
        hops[0] += 1
        if hops[0] > _MAX_LINK_HOPS:
            raise FillerError(
                f"{shown}: {_path(group, name)}: soft links take more than {_MAX_LINK_HOPS} steps"
            )
        # A soft link's path is resolved here one part at a time, so that no part of it can
        # be an external link.
        path = link.path
        group = file if path.startswith("/") else group
        parts = [part for part in path.split("/") if part and part != "."]
        if not parts:
            return group
        for part in parts[:-1]:
            group = _follow(h5py, file, group, part, shown, hops)
            if not isinstance(group, h5py.Group):
                return None
        name = parts[-1]


def _read_dataset(h5py: Any, dataset: Any, file_size: int, shown: str, where: str) -> SourceBlob:
    if not isinstance(dataset, h5py.Dataset):
        raise FillerError(f"{shown}: {where} is not a dataset")
    plist = dataset.id.get_create_plist()
    if plist.get_layout() == h5py.h5d.VIRTUAL:
        raise FillerError(f"{shown}: {where} is a virtual dataset (a view of other files); refused")
    if plist.get_external_count():
        raise FillerError(f"{shown}: {where} keeps its values in external files; refused")
    dtype = dataset.dtype
    if dtype.kind != "f" or dtype.itemsize not in (4, 8):
        raise FillerError(f"{shown}: {where}: dtype {dtype} is not float32 or float64")
    if dataset.shape is None:
        raise FillerError(f"{shown}: {where}: a dataset without a shape (a null dataspace)")
    shape = tuple(int(dim) for dim in dataset.shape)
    count = checked_shape(shape, f"{shown}: {where}")
    nbytes = count * dtype.itemsize
    filters = [plist.get_filter(index)[0] for index in range(plist.get_nfilters())]
    unknown = [code for code in filters if code not in _FILTERS]
    if unknown:
        raise FillerError(
            f"{shown}: {where} needs HDF5 filter {unknown[0]}; only {', '.join(_FILTERS.values())} are read"
        )
    # What the dataset has stored, inside the file: chunks never written read as fill values.
    stored = min(dataset.id.get_storage_size(), file_size)
    if nbytes > stored * (_MAX_DEFLATE_RATIO if 1 in filters else 1):
        raise FillerError(
            f"{shown}: {where}: shape {list(shape)} claims {nbytes} bytes, more than the file holds"
        )
    values = np.empty(shape, dtype.newbyteorder("="))
    if count:
        dataset.read_direct(values)
    return checked_blob(values, shape, False, where)


def _path(group: Any, name: str) -> str:
    """The HDF5 path of `name` in `group`, as an error names it."""
    return f"{group.name.rstrip('/')}/{name}"
