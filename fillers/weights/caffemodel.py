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
from ..net.netparam import read_net
from .source import PROTO, SourceBlob, SourceLayer, WeightFile, checked_blob, written_whole

_VARINT, _FIXED64, _LENGTH, _FIXED32 = 0, 1, 2, 5
# Field numbers of caffe.proto.
_NET_NAME, _NET_LAYERS_V1, _NET_INPUT_DIM, _NET_INPUT_SHAPE, _NET_LAYER = 1, 2, 4, 8, 100
_V1_LAYER_V0, _V1_LAYER_BLOBS, _LAYER_BLOBS = 1, 6, 7
_BLOB_LEGACY = (1, 2, 3, 4)  # num, channels, height, width
_BLOB_DATA, _BLOB_SHAPE, _BLOB_DOUBLE_DATA = 5, 7, 8


class _Corrupt(Exception):
    """The bytes are not a NetParameter; `reason` says where the walk failed."""


class _Walker:
    """Reads protobuf wire format sequentially from a binary file, keeping the position."""

    def __init__(self, file: BinaryIO, size: int, mapped: str | None = None) -> None:
        self.file, self.pos, self.size = file, 0, size
        # The path of `file` when big fields are to be memory-mapped rather than read.
        self.mapped = mapped

    def read(self, count: int) -> bytes:
        data = self.file.read(count)
        if len(data) != count:
            raise _Corrupt("the file ends inside a field")
        self.pos += count
        return data

    def values(self, count: int, dtype: np.dtype) -> np.ndarray:
        """The next `count` values of `dtype`: read, or mapped from the file."""
        if self.mapped is None or not count:
            array = np.empty(count, dtype)
            self.read_into(array)
            return array
        array = np.memmap(self.mapped, dtype, "r", offset=self.pos, shape=(count,))
        self.file.seek(array.nbytes, io.SEEK_CUR)
        self.pos += array.nbytes
        return array

    def read_into(self, array: np.ndarray) -> None:
        view = memoryview(array.reshape(-1)).cast("B")
        if self.file.readinto(view) != len(view):
            raise _Corrupt("the file ends inside a field")
        self.pos += len(view)

    def varint(self) -> int:
        value = shift = 0
        while True:
            byte = self.read(1)[0]
            value |= (byte & 0x7F) << shift
            if byte < 0x80:
                return value
            shift += 7
            if shift >= 70:
                raise _Corrupt("a varint runs past 10 bytes")

    def key(self) -> tuple[int, int]:
        key = self.varint()
        number, wire = key >> 3, key & 7
        if number == 0 or wire not in (_VARINT, _FIXED64, _LENGTH, _FIXED32):
            raise _Corrupt(f"invalid field key {key}")
        return number, wire

    def length(self, end: int) -> int:
        length = self.varint()
        if length > end - self.pos:
            raise _Corrupt(f"a field of {length} bytes runs past the end of its message")
        return length

    def skip(self, wire: int, end: int) -> None:
        if wire == _VARINT:
            self.varint()
        else:
            size = self.length(end) if wire == _LENGTH else (8 if wire == _FIXED64 else 4)
            if size > end - self.pos:
                raise _Corrupt("a field runs past its message")
            self.file.seek(size, io.SEEK_CUR)
            self.pos += size
        if self.pos > end:
            raise _Corrupt("a field runs past its message")

    def raw_field(self, number: int, wire: int, end: int) -> bytes:
        """The field whose key was just read, encoded again, for protobuf to parse."""
        if wire == _VARINT:
            payload = _varint(self.varint())
        elif wire == _LENGTH:
            length = self.length(end)
            payload = _varint(length) + self.read(length)
        else:
            payload = self.read(8 if wire == _FIXED64 else 4)
        if self.pos > end:
            raise _Corrupt("a field runs past its message")
        return _key(number, wire) + payload


def read_caffemodel(
    path: str | os.PathLike[str], shown: str | None = None, *, mapped: bool = False
) -> WeightFile:
    """The layers of a binary NetParameter file, upgraded as Caffe's
    ReadNetParamsFromBinaryFileOrDie upgrades them (V1 `layers` to `layer`; net-level input
    fields to a blob-less layer named "input" ahead of the rest).

    `shown` is how errors name the file (default: the path). A truncated or corrupt file
    raises FillerError with Caffe's text and where the walk stopped. `mapped`: blob values
    are read-only memory maps of the file instead of arrays in memory.
    """
    shown = os.fspath(path) if shown is None else shown
    header = bytearray()
    blobs: list[tuple[SourceBlob, ...]] = []
    with open(path, "rb") as file:
        walker = _Walker(file, os.fstat(file.fileno()).st_size, os.fspath(path) if mapped else None)
        try:
            while walker.pos < walker.size:
                number, wire = walker.key()
                if number in (_NET_LAYER, _NET_LAYERS_V1) and wire == _LENGTH:
                    v1, length = number == _NET_LAYERS_V1, walker.varint()
                    # A layer cut short is walked to the end of the file anyway, to name the
                    # blob the file ends in.
                    declared_end = walker.pos + length
                    layer_header, layer_blobs = _read_layer(
                        walker, min(declared_end, walker.size), v1=v1, index=len(blobs)
                    )
                    if declared_end > walker.size:
                        name = _layer_name(layer_header, v1, len(blobs))
                        raise _Corrupt(f"layer {name}: the file ends inside it")
                    header += _key(number, _LENGTH) + _varint(len(layer_header)) + layer_header
                    blobs.append(layer_blobs)
                else:
                    header += walker.raw_field(number, wire, walker.size)
            net = NetParameter.FromString(bytes(header))
        except _Corrupt as error:
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
    try:
        upgraded = read_net(net)
    except FillerError as error:
        raise FillerError(f"{shown}: {error}") from None
    layers = [
        SourceLayer(layer.name, layer.type, layer_blobs)
        for layer, layer_blobs in zip(upgraded.layer, blobs, strict=True)
    ]
    if net.input_shape or net.input_dim:
        layers.insert(0, SourceLayer("input", "Input", ()))
    return WeightFile(shown, PROTO, tuple(layers), net.name)


def _read_layer(walker: _Walker, end: int, *, v1: bool, index: int) -> tuple[bytes, tuple[SourceBlob, ...]]:
    """One LayerParameter (or V1LayerParameter): its fields other than blobs, re-encoded for
    protobuf, and its blobs. Errors name the layer and the blob."""
    rest = bytearray()
    blobs = []
    blob_field = _V1_LAYER_BLOBS if v1 else _LAYER_BLOBS
    try:
        while walker.pos < end:
            number, wire = walker.key()
            if number == blob_field and wire == _LENGTH:
                where = f"layer {_layer_name(rest, v1, index)} blob {len(blobs)}"
                try:
                    length = walker.length(end)
                    blobs.append(_read_blob(walker, walker.pos + length, where))
                except _Corrupt as error:
                    raise _Corrupt(f"blob {len(blobs)}: {error}") from None
            elif v1 and number == _V1_LAYER_V0:
                raise FillerError(
                    f"layer {_layer_name(rest, v1, index)} is in the V0 form (before 2014), which "
                    "fillers does not read; upgrade the file with Caffe's upgrade_net_proto_binary"
                )
            else:
                rest += walker.raw_field(number, wire, end)
    except _Corrupt as error:
        raise _Corrupt(f"layer {_layer_name(rest, v1, index)}: {error}") from None
    return bytes(rest), tuple(blobs)


def _layer_name(rest: bytes | bytearray, v1: bool, index: int) -> str:
    """The layer's name as far as its fields so far tell it, else its place in the file."""
    try:
        name = (V1LayerParameter if v1 else LayerParameter).FromString(bytes(rest)).name
    except Exception:
        name = ""
    return repr(name) if name else f"at index {index}"


def _read_blob(walker: _Walker, end: int, where: str) -> SourceBlob:
    """One BlobProto: data (or double_data, which Caffe prefers when present) and shape."""
    floats: list[np.ndarray] = []
    doubles: list[np.ndarray] = []
    legacy: dict[int, int] = {}
    dims: tuple[int, ...] = ()
    while walker.pos < end:
        number, wire = walker.key()
        if number in (_BLOB_DATA, _BLOB_DOUBLE_DATA):
            dtype = np.dtype("<f4" if number == _BLOB_DATA else "<f8")
            chunks = floats if number == _BLOB_DATA else doubles
            if wire == _LENGTH:
                length = walker.length(end)
                if length % dtype.itemsize:
                    raise _Corrupt(f"packed field {number} of {length} bytes splits a value")
                chunk = walker.values(length // dtype.itemsize, dtype)
            elif wire == (_FIXED32 if number == _BLOB_DATA else _FIXED64):
                chunk = np.frombuffer(walker.read(dtype.itemsize), dtype)
            else:
                raise _Corrupt(f"field {number} has wire type {wire}")
            chunks.append(chunk)
        elif number == _BLOB_SHAPE and wire == _LENGTH:
            dims = tuple(BlobShape.FromString(walker.read(walker.length(end))).dim)
        elif number in _BLOB_LEGACY and wire == _VARINT:
            value = walker.varint() & 0xFFFFFFFF  # int32, sign-extended on the wire
            legacy[number] = value - (1 << 32) if value >= 1 << 31 else value
        else:
            walker.skip(wire, end)
    if walker.pos != end:
        raise _Corrupt("the blob runs past its message")
    chunks = doubles or floats
    values = chunks[0] if len(chunks) == 1 else np.concatenate(chunks or [np.empty(0, "<f4")])
    if legacy:
        return checked_blob(values, tuple(legacy.get(field, 0) for field in _BLOB_LEGACY), True, where)
    return checked_blob(values, dims, False, where)


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
    with written_whole(path) as temporary, open(temporary, "wb") as file:
        if name is not None:
            encoded = name.encode()
            file.write(_key(_NET_NAME, _LENGTH) + _varint(len(encoded)) + encoded)
        for fields, blobs in layers:
            _write_layer(file, fields, blobs)


def _write_layer(file: BinaryIO, fields: LayerParameter, blobs: list[np.ndarray]) -> None:
    before, after = _split_at_blobs(fields)
    arrays = [_wire_array(blob) for blob in blobs]
    heads = [_blob_head(array) for array in arrays]
    size = len(before) + len(after) + sum(len(head) + len(tail) for head, tail in heads)
    size += sum(array.nbytes for array in arrays)
    file.write(_key(_NET_LAYER, _LENGTH) + _varint(size) + before)
    for (head, tail), array in zip(heads, arrays, strict=True):
        file.write(head)
        if array.size:
            file.write(memoryview(array.reshape(-1)).cast("B"))
        file.write(tail)
    file.write(after)


def _split_at_blobs(fields: LayerParameter) -> tuple[bytes, bytes]:
    """The layer's encoded fields numbered below `blobs` (7) and those above it."""
    encoded = fields.SerializeToString()
    walker = _Walker(io.BytesIO(encoded), len(encoded))
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
    tail = _key(_BLOB_SHAPE, _LENGTH) + _varint(len(shape)) + shape
    data = b""
    if array.size:
        field = _BLOB_DOUBLE_DATA if array.dtype == np.float64 else _BLOB_DATA
        data = _key(field, _LENGTH) + _varint(array.nbytes)
    size = len(data) + array.nbytes + len(tail)
    return _key(_LAYER_BLOBS, _LENGTH) + _varint(size) + data, tail


def _key(number: int, wire: int) -> bytes:
    return _varint(number << 3 | wire)


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)
