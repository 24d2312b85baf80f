"""Protobuf's wire format, read from a file a field at a time and written by hand.

`Walker` reads keys, varints and length-delimited fields through a buffer of `PIECE` bytes
(a Python call per field, not per byte); `Values` gathers a blob's float fields as the walk
meets them, packed or not, in memory or left in the file. The .caffemodel reader and writer
(`caffemodel`) are built on them.
"""

from __future__ import annotations

from typing import BinaryIO

import numpy as np

from .source import StoredValues

VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5
"""Protobuf's wire types."""
PIECE = 1 << 20
"""Bytes read at a time where values are copied or decoded piecewise."""


class Corrupt(Exception):
    """The bytes are not a NetParameter; `reason` says where the walk failed."""


class Values:
    """The values of one blob field (data or double_data) as the walk meets them: a blob
    may split them over many fields, packed or not. In memory they grow in one buffer, a
    piece at a time; `stored`, packed runs stay in the file (see StoredValues)."""

    def __init__(self, dtype: np.dtype, stored: bool) -> None:
        self.dtype, self.stored = dtype, stored
        self.buffer = bytearray()
        self.runs: list[tuple[int, int] | np.ndarray] = []
        self.size = 0

    def add(self, data: bytes | bytearray) -> None:
        """Values decoded from the file."""
        self.size += len(data) // self.dtype.itemsize
        if self.stored:
            self.runs.append(np.frombuffer(bytes(data), self.dtype))
        else:
            self.buffer.extend(data)

    def result(self, file: BinaryIO, shown: str) -> np.ndarray | StoredValues:
        if self.stored:
            return StoredValues(file, self.dtype, tuple(self.runs), self.size, shown)
        values = np.frombuffer(self.buffer, self.dtype)
        # A small blob owns its values: one object, not an array over a bytearray.
        return values.copy() if len(self.buffer) <= PIECE else values


class Walker:
    """Reads protobuf wire format from a binary file at `pos`, through a buffer of up to
    PIECE bytes (a Python call per field, not per byte); big packed runs go straight from
    the file into their arrays."""

    def __init__(self, file: BinaryIO, size: int, stored: bool = False, shown: str = "") -> None:
        self.file, self.pos, self.size, self.shown = file, 0, size, shown
        # Packed values are left in the file (runs that StoredValues reads later).
        self.stored = stored
        self.buffer, self.start = b"", 0  # the buffered bytes and the file offset of the first

    def _buffered(self, count: int) -> int:
        """The offset in `buffer` of `pos`, with `count` bytes buffered from there."""
        offset = self.pos - self.start
        if offset >= 0 and offset + count <= len(self.buffer):
            return offset
        self.file.seek(self.pos)
        self.buffer, self.start = self.file.read(max(count, min(PIECE, self.size - self.pos))), self.pos
        if len(self.buffer) < count:
            raise Corrupt("the file ends inside a field")
        return 0

    def read(self, count: int) -> bytes:
        if count > PIECE:
            self.file.seek(self.pos)
            data = self.file.read(count)
            if len(data) != count:
                raise Corrupt("the file ends inside a field")
        else:
            offset = self._buffered(count)
            data = self.buffer[offset : offset + count]
        self.pos += count
        return data

    def packed(self, values: Values, length: int) -> None:
        """The next `length` bytes, a packed run of values, into `values`."""
        if values.stored:
            values.runs.append((self.pos, length // values.dtype.itemsize))
            values.size += length // values.dtype.itemsize
            self.pos += length
        elif not values.buffer and length > PIECE:
            # The usual big blob, one packed field: read straight into a buffer of its size.
            values.buffer = bytearray(length)
            values.size = length // values.dtype.itemsize
            self.file.seek(self.pos)
            if self.file.readinto(values.buffer) != length:
                raise Corrupt("the file ends inside a field")
            self.pos += length
        else:
            for piece in range(0, length, PIECE):
                values.add(self.read(min(PIECE, length - piece)))

    def unpacked(self, values: Values, key: int, end: int) -> None:
        """A run of unpacked values (each its own field: key, then value) whose first key
        was just read, decoded a window of the file at a time with numpy."""
        itemsize = values.dtype.itemsize
        record = 1 + itemsize
        offset = self._buffered(min(record, end - self.pos))
        if end - self.pos < record or self.buffer[offset + itemsize] != key:
            # A lone value (as in a blob of one): no window, no numpy.
            values.add(self.read(itemsize))
            return
        while True:
            window = self.read(min(end - self.pos, PIECE // record * record + itemsize))
            if len(window) < itemsize:
                raise Corrupt("the file ends inside a field")
            rows = (len(window) - itemsize) // record
            if not rows:
                values.add(window[:itemsize])
                self.pos -= len(window) - itemsize
                return
            table = np.frombuffer(window, np.uint8, rows * record, itemsize).reshape(rows, record)
            keys = table[:, 0] == key
            run = rows if keys.all() else int(keys.argmin())
            values.add(window[:itemsize] + table[:run, 1:].tobytes())
            unused = len(window) - itemsize - run * record
            self.pos -= unused
            if run < rows or not unused:
                return
            # The window ended inside the run: go on past the next value's key.
            self.pos += 1

    def varint(self) -> int:
        offset = self.pos - self.start
        if 0 <= offset < len(self.buffer) and self.buffer[offset] < 0x80:
            # Most varints (keys, small lengths) are one byte.
            self.pos += 1
            return self.buffer[offset]
        offset = self._buffered(min(10, self.size - self.pos) or 1)
        buffer = self.buffer
        value = shift = 0
        for index in range(offset, min(offset + 10, len(buffer))):
            byte = buffer[index]
            value |= (byte & 0x7F) << shift
            if byte < 0x80:
                self.pos += index - offset + 1
                return value
            shift += 7
        raise Corrupt("a varint runs past 10 bytes" if shift >= 70 else "the file ends inside a field")

    def key(self) -> tuple[int, int]:
        key = self.varint()
        number, wire = key >> 3, key & 7
        if number == 0 or wire not in (VARINT, FIXED64, LENGTH, FIXED32):
            raise Corrupt(f"invalid field key {key}")
        return number, wire

    def length(self, end: int) -> int:
        length = self.varint()
        if length > end - self.pos:
            raise Corrupt(f"a field of {length} bytes runs past the end of its message")
        return length

    def skip(self, wire: int, end: int) -> None:
        if wire == VARINT:
            self.varint()
        else:
            size = self.length(end) if wire == LENGTH else (8 if wire == FIXED64 else 4)
            if size > end - self.pos:
                raise Corrupt("a field runs past its message")
            self.pos += size
        if self.pos > end:
            raise Corrupt("a field runs past its message")

    def raw_field(self, number: int, wire: int, end: int) -> bytes:
        """The field whose key was just read, encoded again, for protobuf to parse."""
        if wire == VARINT:
            payload = encode_varint(self.varint())
        elif wire == LENGTH:
            length = self.length(end)
            payload = encode_varint(length) + self.read(length)
        else:
            payload = self.read(8 if wire == FIXED64 else 4)
        if self.pos > end:
            raise Corrupt("a field runs past its message")
        return encode_key(number, wire) + payload


def encode_key(number: int, wire: int) -> bytes:
    return encode_varint(number << 3 | wire)


def encode_varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)
