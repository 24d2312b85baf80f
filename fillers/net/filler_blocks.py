"""The filler blocks of a layer as written: each one read by FillerParameter's strict rules,
found wherever it sits (a caffe.proto filler field, a declared fork filler field, or, in a
block nobody declared, a field named `*_filler`), and named by its field."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

from google.protobuf import text_encoding, text_format

from .._proto import filler_pb2
from .._proto.pool import is_repeated
from .._proto.text import parse_text
from ..errors import FillerError
from ..io.texttree import Block, Enum, Field
from .schema import Schema, layer_schema

FillerParameter = filler_pb2.FillerParameter
_FILLER = FillerParameter.DESCRIPTOR
_FILLER_FIELDS = tuple(_FILLER.fields_by_name)
_MAX_DEPTH = 16


class FieldError(FillerError):
    """A bad field inside a block, with its position kept apart for the caller."""

    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(f"{line}:{column}: {message}")
        self.line, self.column, self.message = line, column, message


def filler_from_block(block: Block) -> FillerParameter:
    """A FillerParameter from a tree block, by FillerParameter's strict rules: an unknown
    field is an error (with the closest field name), values as protobuf's parser takes them."""
    for item in block:
        if item.name not in _FILLER.fields_by_name:
            close = difflib.get_close_matches(item.name, _FILLER_FIELDS, n=1)
            hint = (
                f"; did you mean {close[0]!r}?"
                if close
                else f"; FillerParameter fields are: {', '.join(_FILLER_FIELDS)}"
            )
            raise FieldError(
                item.line, item.column, f'FillerParameter has no field named "{item.name}"{hint}'
            )
        if isinstance(item.value, Block):
            raise FieldError(item.line, item.column, f"{item.name}: expected a value, found a block")
    param = FillerParameter()
    try:
        parse_text(block_to_text(block), param)
    except text_format.ParseError as error:
        raise FieldError(block.line, block.column, str(error)) from None
    return param


def block_to_text(block: Block) -> str:
    """A tree block back in text format (strings re-escaped, enum names bare)."""
    lines: list[str] = []
    pending: list[tuple[Any, int]] = [(item, 0) for item in reversed(block.fields)]
    while pending:
        item, depth = pending.pop()
        indent = "  " * depth
        if item is None:
            lines.append(indent + "}")
        elif isinstance(item.value, Block):
            lines.append(f"{indent}{item.name} {{")
            pending.append((None, depth))
            pending.extend((child, depth + 1) for child in reversed(item.value.fields))
        else:
            lines.append(f"{indent}{item.name}: {scalar_text(item.value)}")
    return "\n".join(lines) + "\n"


def scalar_text(value: Any) -> str:
    """One scalar as text format writes it: enum names bare, strings quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value)
    if isinstance(value, str):
        return '"' + text_encoding.CEscape(value, as_utf8=True) + '"'
    return repr(value) if isinstance(value, float) else str(value)


def _sub_blocks(block: Block, schema: Schema) -> Iterator[tuple[Field, Schema, bool]]:
    """Each block-valued field of `block`, with its schema and whether it holds a filler."""
    for item in block:
        if isinstance(item.value, Block):
            yield item, schema.child(item.name), schema.holds_filler(item.name)


def layer_fillers_in(block: Block, schema: Schema | None = None) -> list[tuple[str, FillerParameter]]:
    """Every filler block under a layer block, in file order, named by field: "weight_filler",
    "data_filler.1"; a name two blocks share takes its block's path."""
    found: list[tuple[str, str, FillerParameter]] = []  # (short name, path, filler)
    _collect_fillers(block, schema or layer_schema(""), "", found)
    shorts = [short for short, _, _ in found]
    return [(short if shorts.count(short) == 1 else full, filler) for short, full, filler in found]


def block_holds_filler(block: Block, schema: Schema | None = None) -> bool:
    """Whether any filler block lies under a layer block, as `layer_fillers_in` finds them,
    without reading one (the strict reader already has, when the net was read)."""
    pending = [(block, schema or layer_schema(""), 0)]
    while pending:
        current, at, depth = pending.pop()
        for item, child, is_filler in _sub_blocks(current, at):
            if is_filler:
                return True
            if depth < _MAX_DEPTH:
                pending.append((item.value, child, depth + 1))
    return False


def _collect_fillers(
    block: Block, schema: Schema, path: str, found: list[tuple[str, str, FillerParameter]]
) -> None:
    counts: dict[str, int] = {}
    for item, child, holds_filler in _sub_blocks(block, schema):
        if holds_filler:
            caffe = schema.message.fields_by_name.get(item.name) if schema.message is not None else None
            spec = schema.declared.get(item.name)
            repeated = (
                (caffe is not None and is_repeated(caffe))
                or (spec is not None and spec.repeated)
                or len(block.named(item.name)) > 1
            )
            index = counts.get(item.name, 0)
            counts[item.name] = index + 1
            short = f"{item.name}.{index}" if repeated else item.name
            found.append((short, f"{path}{short}", filler_from_block(item.value)))
        elif path.count(".") < _MAX_DEPTH:
            _collect_fillers(item.value, child, f"{path}{item.name}.", found)
