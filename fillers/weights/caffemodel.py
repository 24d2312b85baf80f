"""Caffe's .caffemodel: a binary NetParameter, read and written at the wire level.

A CaffeNet file is 233 MB of packed floats inside a few dozen small messages. Building it
through protobuf means 61 million Python floats; here the big fields never become protobuf
values: reading walks NetParameter -> LayerParameter -> BlobProto by hand and reads each
packed `data`/`double_data` field straight from the file into a numpy array; the rest of
each layer (a few hundred bytes) is handed to protobuf. Writing lays out the same messages
with each blob's bytes written from the array itself.

Field numbers and packing are caffe.proto's (see proto/filler.proto). Layout written, as
Caffe's Net::ToProto + WriteProtoToBinaryFile lay it out: NetParameter name (1), then each
layer (100); within a layer its fields in number order with `blobs` (7) between `param` (6)
and `include` (8); within a blob, packed `data` (5) then `shape` (7, packed int64 dims).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from typing import BinaryIO

import numpy as np

from .._proto.filler_pb2 import BlobShape, LayerParameter, NetParameter, V1LayerParameter
from ..errors import FillerError
from ..fill.blob import MAX_BLOB_AXES
from ..io import atomic
from ..io.limits import MAX_FILE_BYTES
from ..net.netparam import V1_LAYER_TYPES, upgrade_net_as_needed
from .source import PROTO, SourceBlob, SourceLayer, WeightFile, checked_blob
from .wire import FIXED32, FIXED64, LENGTH, VARINT, Corrupt, Values, Walker, encode_key, encode_varint

# Field numbers of caffe.proto.
_NET_NAME, _NET_LAYERS_V1, _NET_INPUT_DIM, _NET_INPUT_SHAPE, _NET_LAYER = 1, 2, 4, 8, 100
_V1_LAYER_V0, _V1_LAYER_BLOBS, _LAYER_BLOBS = 1, 6, 7
_BLOB_LEGACY = (1, 2, 3, 4)  # num, channels, height, width
_BLOB_DATA, _BLOB_SHAPE, _BLOB_DOUBLE_DATA = 5, 7, 8
_BLOB_DTYPES = {_BLOB_DATA: np.dtype("<f4"), _BLOB_DOUBLE_DATA: np.dtype("<f8")}
# A BlobShape of kMaxBlobAxes dims, each an unpacked 10-byte varint with its key, and room to spare.
_MAX_SHAPE_BYTES = 1024


def read_caffemodel(file: BinaryIO, shown: str, *, stored: bool = False) -> WeightFile:
    """The layers of a binary NetParameter, read from the open binary `file`, upgraded as
    Caffe's ReadNetParamsFromBinaryFileOrDie upgrades them (V1 `layers` to `layer`;
    net-level input fields to a blob-less layer named "input" ahead of the rest).

    `shown` is how errors name the file. A truncated or corrupt file raises FillerError with
    Caffe's text and where the walk stopped. `stored`: packed blob values are left in
    `file` (StoredValues, read later while `file` is open) rather than read.

    Memory: the values read (at most the file's size), the layers' other fields, and
    buffers of 1 MiB; unpacked values (a key before each) are decoded a MiB at a time.
    """
    header = bytearray()
    blobs: list[tuple[SourceBlob, ...]] = []
    # Each layer's name and type, taken as its header is read: a net of many small layers
    # never becomes one NetParameter (hundreds of bytes per layer, and an upgraded copy).
    names: list[tuple[str, str]] = []
    forms: set[bool] = set()
    size = os.fstat(file.fileno()).st_size
    if size > MAX_FILE_BYTES:
        raise FillerError(
            f"{shown}: {size} bytes, more than Caffe reads from a binary proto "
            f"(kProtoReadBytesLimit, {MAX_FILE_BYTES})"
        )
    file.seek(0)
    walker = Walker(file, size, stored, shown)
    try:
        while walker.pos < walker.size:
            number, wire = walker.key()
            if number in (_NET_LAYER, _NET_LAYERS_V1) and wire == LENGTH:
                v1, length = number == _NET_LAYERS_V1, walker.varint()
                # A layer cut short is walked to the end of the file anyway, to name the
                # blob the file ends in.
                declared_end = walker.pos + length
                layer_header, layer_blobs = _read_layer(
                    walker, min(declared_end, walker.size), v1=v1, index=len(blobs)
                )
                if declared_end > walker.size:
                    name = _layer_name(layer_header, v1, len(blobs))
                    raise Corrupt(f"layer {name}: the file ends inside it")
                forms.add(v1)
                names.append(_name_and_type(layer_header, v1))
                blobs.append(layer_blobs)
            else:
                header += walker.raw_field(number, wire, walker.size)
        net = NetParameter.FromString(bytes(header))
    except Corrupt as error:
        raise FillerError(
            "Check failed: ReadProtoFromBinaryFile(param_file, param) Failed to parse "
            f"NetParameter file: {shown} ({error})"
        ) from None
    except FillerError:
        raise
    except Exception as error:  # protobuf's DecodeError, a bad UTF-8 name, ...
        raise FillerError(
            "Check failed: ReadProtoFromBinaryFile(param_file, param) Failed to parse "
            f"NetParameter file: {shown} ({type(error).__name__}: {error})"
        ) from None
    if len(forms) > 1:
        try:  # Caffe's refusal, in its own words
            upgrade_net_as_needed(NetParameter(layer=[LayerParameter()], layers=[V1LayerParameter()]))
        except FillerError as error:
            raise FillerError(f"{shown}: {error}") from None
    layers = [
        SourceLayer(name, layer_type, layer_blobs)
        for (name, layer_type), layer_blobs in zip(names, blobs, strict=True)
    ]
    if net.input_shape or net.input_dim:
        layers.insert(0, SourceLayer("input", "Input", ()))
    return WeightFile(shown, PROTO, tuple(layers), net.name)


def _read_layer(walker: Walker, end: int, *, v1: bool, index: int) -> tuple[bytes, tuple[SourceBlob, ...]]:
    """One LayerParameter (or V1LayerParameter): its fields other than blobs, re-encoded for
    protobuf, and its blobs. Errors name the layer and the blob."""
    rest = bytearray()
    blobs = []
    blob_field = _V1_LAYER_BLOBS if v1 else _LAYER_BLOBS
    try:
        while walker.pos < end:
            number, wire = walker.key()
            if number == blob_field and wire == LENGTH:
                try:
                    length = walker.length(end)
                    blobs.append(_read_blob(walker, walker.pos + length, f"blob {len(blobs)}"))
                except Corrupt as error:
                    raise Corrupt(f"blob {len(blobs)}: {error}") from None
                except FillerError as error:
                    # The layer's name only now: parsing its fields for every blob would take
                    # time quadratic in a layer of many blobs.
                    raise FillerError(f"layer {_layer_name(rest, v1, index)} {error}") from None
            elif v1 and number == _V1_LAYER_V0:
                raise FillerError(
                    f"layer {_layer_name(rest, v1, index)} is in the V0 form (before 2014), which "
                    "fillers does not read; upgrade the file with Caffe's upgrade_net_proto_binary"
                )
            else:
                rest += walker.raw_field(number, wire, end)
    except Corrupt as error:
        raise Corrupt(f"layer {_layer_name(rest, v1, index)}: {error}") from None
    return bytes(rest), tuple(blobs)


def _name_and_type(header: bytes, v1: bool) -> tuple[str, str]:
    """A layer's name and type from its fields other than blobs, a V1 layer's type upgraded
    as UpgradeV1LayerParameter names it."""
    if not v1:
        layer = LayerParameter.FromString(header)
        return layer.name, layer.type
    old = V1LayerParameter.FromString(header)
    layer_type = V1_LAYER_TYPES[V1LayerParameter.LayerType.Name(old.type)] if old.HasField("type") else ""
    return old.name, layer_type


def _layer_name(rest: bytes | bytearray, v1: bool, index: int) -> str:
    """The layer's name as far as its fields so far tell it, else its place in the file."""
    try:
        name = (V1LayerParameter if v1 else LayerParameter).FromString(bytes(rest)).name
    except Exception:
        name = ""
    return repr(name) if name else f"at index {index}"


def _read_blob(walker: Walker, end: int, where: str) -> SourceBlob:
    """One BlobProto: data (or double_data, which Caffe prefers when present) and shape."""
    fields: dict[int, Values] = {}
    legacy: dict[int, int] = {}
    dims: tuple[int, ...] = ()
    while walker.pos < end:
        number, wire = walker.key()
        if number in _BLOB_DTYPES:
            values = fields.get(number)
            if values is None:
                values = fields[number] = Values(_BLOB_DTYPES[number], walker.stored)
            if wire == LENGTH:
                length = walker.length(end)
                if length % values.dtype.itemsize:
                    raise Corrupt(f"packed field {number} of {length} bytes splits a value")
                walker.packed(values, length)
            elif wire == (FIXED32 if number == _BLOB_DATA else FIXED64):
                walker.unpacked(values, encode_key(number, wire)[0], end)
            else:
                raise Corrupt(f"field {number} has wire type {wire}")
        elif number == _BLOB_SHAPE and wire == LENGTH:
            length = walker.length(end)
            if length > _MAX_SHAPE_BYTES:
                raise Corrupt(f"a shape of {length} bytes (Caffe's blobs have at most {MAX_BLOB_AXES} axes)")
            dims = tuple(BlobShape.FromString(walker.read(length)).dim)
        elif number in _BLOB_LEGACY and wire == VARINT:
            value = walker.varint() & 0xFFFFFFFF  # int32, sign-extended on the wire
            legacy[number] = value - (1 << 32) if value >= 1 << 31 else value
        else:
            walker.skip(wire, end)
    if walker.pos != end:
        raise Corrupt("the blob runs past its message")
    doubles = fields.get(_BLOB_DOUBLE_DATA)
    values = doubles if doubles is not None and doubles.size else fields.get(_BLOB_DATA)
    result = np.empty(0, "<f4") if values is None else values.result(walker.file, walker.shown)
    if legacy:
        return checked_blob(result, tuple(legacy.get(field, 0) for field in _BLOB_LEGACY), True, where)
    return checked_blob(result, dims, False, where)


def write_caffemodel(
    path: str | os.PathLike[str],
    name: str | None,
    layers: Iterable[tuple[LayerParameter, list[np.ndarray]]],
) -> None:
    """Write a binary NetParameter: `name` (None: no name field; Caffe always writes one,
    empty or not), then each (layer fields, blobs) as one layer.

    float64 blobs are written as `double_data` (as Caffe's Blob<double>::ToProto does), any
    other dtype as float32 `data`. The file appears whole or not at all.
    """
    with atomic.opened(path) as file:
        if name is not None:
            encoded = name.encode()
            file.write(encode_key(_NET_NAME, LENGTH) + encode_varint(len(encoded)) + encoded)
        for fields, blobs in layers:
            _write_layer(file, fields, blobs)


def _write_layer(file: BinaryIO, fields: LayerParameter, blobs: list[np.ndarray]) -> None:
    before, after = _split_at_blobs(fields)
    arrays = [_wire_array(blob) for blob in blobs]
    heads = [_blob_head(array) for array in arrays]
    size = len(before) + len(after) + sum(len(head) + len(tail) for head, tail in heads)
    size += sum(array.nbytes for array in arrays)
    file.write(encode_key(_NET_LAYER, LENGTH) + encode_varint(size) + before)
    for (head, tail), array in zip(heads, arrays, strict=True):
        file.write(head)
        if array.size:
            file.write(memoryview(array.reshape(-1)).cast("B"))
        file.write(tail)
    file.write(after)


def _split_at_blobs(fields: LayerParameter) -> tuple[bytes, bytes]:
    """The layer's encoded fields numbered below `blobs` (7) and those above it."""
    encoded = fields.SerializeToString()
    walker = Walker(io.BytesIO(encoded), len(encoded))
    before, after = bytearray(), bytearray()
    while walker.pos < walker.size:
        number, wire = walker.key()
        raw = walker.raw_field(number, wire, walker.size)
        if number != _LAYER_BLOBS:
            (before if number < _LAYER_BLOBS else after).extend(raw)
    return bytes(before), bytes(after)


def _wire_array(blob: np.ndarray) -> np.ndarray:
    """The blob as the little-endian C-order array its packed field holds (no copy when it
    already is one)."""
    dtype = "<f8" if np.asarray(blob).dtype == np.float64 else "<f4"
    return np.asarray(blob, dtype=dtype, order="C")


def _blob_head(array: np.ndarray) -> tuple[bytes, bytes]:
    """A BlobProto's bytes around its values: key, length and data key; then its shape."""
    shape = BlobShape(dim=array.shape).SerializeToString()
    tail = encode_key(_BLOB_SHAPE, LENGTH) + encode_varint(len(shape)) + shape
    data = b""
    if array.size:
        field = _BLOB_DOUBLE_DATA if array.dtype == np.float64 else _BLOB_DATA
        data = encode_key(field, LENGTH) + encode_varint(array.nbytes)
    size = len(data) + array.nbytes + len(tail)
    return encode_key(_LAYER_BLOBS, LENGTH) + encode_varint(size) + data, tail
