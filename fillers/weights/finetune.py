"""`caffe train --weights`: Caffe's Net::CopyTrainedLayersFrom, over the files it reads.

`read_weights` opens one weights source the way Caffe picks a reader (HDF5 by content,
else a binary NetParameter; ours also by extension: .npz, .safetensors; or a mapping of
arrays). `planned_copies` makes every check Caffe makes while copying (blob counts,
shapes, with Caffe's texts) from the net's shapes alone, so a bad file fails before the
stream moves; `apply_copies` then writes the values into the filled blobs in file order.
Copying draws nothing from the stream.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Union

import numpy as np

from ..errors import FillerError
from ..fill.blob import shape_string
from . import arrays
from .caffemodel import read_caffemodel
from .source import ARRAYS, HDF5, SourceBlob, SourceLayer, WeightFile, checked_blob

Shape = tuple[int, ...]
WeightsSource = Union[str, "os.PathLike[str]", Mapping[str, Sequence[np.ndarray]]]
WeightsLike = WeightsSource | Sequence[WeightsSource]

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


@dataclass(frozen=True)
class TargetLayer:
    """A layer of the net being given weights: its name, its blobs' shapes, and which of its
    blobs share a param another layer owns (an HDF5 snapshot leaves those out)."""

    name: str
    shapes: tuple[Shape, ...]
    shared: tuple[bool, ...]


@dataclass(frozen=True)
class Copy:
    """One blob a weights file supplies: net layer `layer`, blob `index`, gets `source`."""

    layer: str
    index: int
    source: SourceBlob


def weight_files(weights: WeightsLike) -> list[WeightFile]:
    """Every source `weights` names, read, in order: a path, a mapping {layer: [array, ...]},
    a list of those, or a comma-separated string of paths (Caffe's --weights a,b). Sources
    already read (WeightFile) are taken as they are."""
    if isinstance(weights, WeightFile):
        return [weights]
    if isinstance(weights, str):
        return [read_weights(name.strip()) for name in weights.split(",")]
    if isinstance(weights, (os.PathLike, Mapping)):
        return [read_weights(weights)]
    if isinstance(weights, Sequence):
        return [source if isinstance(source, WeightFile) else read_weights(source) for source in weights]
    raise FillerError(
        f"weights: {type(weights).__name__} is not a path, a mapping of layers to arrays or a list of them"
    )


def trained_shapes(files: Sequence[WeightFile]) -> dict[str, tuple[Shape, ...]]:
    """Each weights layer's blob shapes by name, from the first file that has the layer (as
    stored: a legacy blob keeps its num/channels/height/width): what a layer without a
    definition takes (`init_net`'s `given_blobs`)."""
    shapes: dict[str, tuple[Shape, ...]] = {}
    for file in files:
        for layer in file.layers:
            if layer.name not in shapes and all(blob is not None for blob in layer.blobs):
                shapes[layer.name] = tuple(blob.shape for blob in layer.blobs if blob is not None)
    return shapes


def read_weights(source: WeightsSource, *, mapped: bool = False) -> WeightFile:
    """One weights source: a path (.npz, .safetensors; an HDF5 file by its signature; else a
    binary NetParameter) or a mapping {layer: [array, ...]} in file order. `mapped`: a
    binary NetParameter's blobs are memory-mapped, not read."""
    if isinstance(source, Mapping):
        return _mapping_file(source)
    if not isinstance(source, (str, os.PathLike)):
        raise FillerError(f"weights: {source!r} is not a path or a mapping of layers to arrays")
    shown = os.fspath(source)
    path = Path(source)
    if not path.is_file():
        # Caffe asks H5Fis_hdf5 first, which answers -1 (true) for a missing file, and dies
        # opening it as HDF5.
        raise FillerError(f"Check failed: file_hid >= 0 (-1 vs. 0) Couldn't open {shown}")
    suffix = path.suffix.lower()
    try:
        if suffix == ".npz":
            return arrays.read_npz(path, shown)
        if suffix == ".safetensors":
            return arrays.read_safetensors(path, shown)
        if _is_hdf5(path):
            return arrays.read_hdf5(path, shown)
        return read_caffemodel(path, shown, mapped=mapped)
    except OSError as error:
        raise FillerError(f"Couldn't open {shown}: {error.strerror or error}") from None


def planned_copies(targets: Sequence[TargetLayer], files: Iterable[WeightFile]) -> list[Copy]:
    """Every blob the files give the net, in Caffe's copy order, after Caffe's checks.

    Binary files (and arrays): each file layer goes to the first net layer of its name (the
    type is never compared); a name the net lacks is ignored. The blob counts must be equal
    and each source shape must equal the target's, or, for a legacy num/channels/height/
    width blob, the target's last four axes padded with leading 1s (Blob::ShapeEquals).
    HDF5 snapshots follow CopyTrainedLayersFromHDF5: the last net layer of the name, at most
    as many blobs as the target, a missing blob allowed where the target shares it, shapes
    exactly equal. Caffe dies at the first failure; this raises it, with Caffe's text.
    """
    first: dict[str, TargetLayer] = {}
    last: dict[str, TargetLayer] = {}
    for target in targets:
        first.setdefault(target.name, target)
        last[target.name] = target
    copies = []
    for file in files:
        by_name = last if file.kind == HDF5 else first
        for layer in file.layers:
            target = by_name.get(layer.name)
            if target is not None:
                check = _hdf5_blobs if file.kind == HDF5 else _proto_blobs
                copies.extend(Copy(layer.name, index, blob) for index, blob in check(layer, target))
    return copies


def apply_copies(params: Mapping[str, Sequence[np.ndarray]], copies: Iterable[Copy]) -> None:
    """Write each copy's values into its blob, in order (a later copy into memory two layers
    share wins, as in Caffe); float64 values round to a float32 blob's nearest float."""
    for copy in copies:
        target = params[copy.layer][copy.index]
        target.reshape(-1)[...] = copy.source.values.reshape(-1)


def shape_equals(target: Shape, source: SourceBlob) -> bool:
    """Blob::ShapeEquals: a legacy source compares with the target's last four axes, padded
    with leading 1s (a target of more than four axes never matches); else shapes equal."""
    if source.legacy:
        return len(target) <= 4 and (1,) * (4 - len(target)) + tuple(target) == source.shape
    return tuple(target) == source.shape


def _proto_blobs(layer: SourceLayer, target: TargetLayer) -> list[tuple[int, SourceBlob]]:
    if len(target.shapes) != len(layer.blobs):
        raise FillerError(
            "Check failed: target_blobs.size() == source_layer.blobs_size() "
            f"({len(target.shapes)} vs. {len(layer.blobs)}) "
            f"Incompatible number of blobs for layer {layer.name}"
        )
    pairs = []
    for index, (shape, blob) in enumerate(zip(target.shapes, layer.blobs, strict=True)):
        assert blob is not None  # only HDF5 snapshots leave blobs out
        if not shape_equals(shape, blob):
            raise FillerError(
                f"Cannot copy param {index} weights from layer '{layer.name}'; shape mismatch.  "
                f"Source param shape is {shape_string(blob.shape)}; target param shape is "
                f"{shape_string(shape)}. To learn this layer's parameters from scratch rather than "
                "copying from a saved net, rename the layer."
            )
        pairs.append((index, blob))
    return pairs


def _hdf5_blobs(layer: SourceLayer, target: TargetLayer) -> list[tuple[int, SourceBlob]]:
    present = sum(blob is not None for blob in layer.blobs)
    if present > len(target.shapes):
        raise FillerError(
            f"Check failed: num_source_params <= target_blobs.size() ({present} vs. "
            f"{len(target.shapes)}) Incompatible number of blobs for layer {layer.name}"
        )
    pairs = []
    for index, (shape, shared) in enumerate(zip(target.shapes, target.shared, strict=True)):
        blob = layer.blobs[index] if index < len(layer.blobs) else None
        if blob is None:
            if shared:
                continue
            raise FillerError(f"Incompatible number of blobs for layer {layer.name}")
        if tuple(shape) != blob.shape:
            raise FillerError(
                "Check failed: blob_dims == blob->shape() Cannot load blob from hdf5; shape mismatch. "
                f"Source shape is {shape_string(blob.shape)} target shape is {shape_string(shape)}"
            )
        pairs.append((index, blob))
    return pairs


def _is_hdf5(path: Path) -> bool:
    """H5Fis_hdf5: the HDF5 signature at offset 0, 512, 1024, 2048, ... of the file."""
    size = path.stat().st_size
    with open(path, "rb") as file:
        offset = 0
        while offset + len(_HDF5_SIGNATURE) <= size:
            file.seek(offset)
            if file.read(len(_HDF5_SIGNATURE)) == _HDF5_SIGNATURE:
                return True
            offset = 512 if offset == 0 else offset * 2
    return False


def _mapping_file(mapping: Mapping[str, Sequence[np.ndarray]]) -> WeightFile:
    """A mapping {layer: [array, ...]} as a file of arrays, in its own order."""
    types = getattr(mapping, "types", {})
    layers = []
    for name, blobs in mapping.items():
        if not isinstance(name, str) or isinstance(blobs, (str, bytes, np.ndarray)):
            raise FillerError(f"weights: {name!r} must map a layer name to a list of arrays")
        checked = []
        for index, blob in enumerate(blobs):
            values = arrays.float_array(blob, f"weights: layer {name!r} blob {index}")
            checked.append(checked_blob(values, values.shape, False, f"layer {name!r} blob {index}"))
        layers.append(SourceLayer(name, types.get(name, ""), tuple(checked)))
    return WeightFile("(mapping)", ARRAYS, tuple(layers))
