"""A filler block of a net's field tree read by FillerParameter's strict rules, and a tree
block written back as text format."""

from __future__ import annotations

from typing import Any

from google.protobuf import text_encoding, text_format

from .._proto import filler_pb2
from ..errors import FillerError, did_you_mean
from ..io.textformat import parse_text
from ..io.texttree import Block, Enum

FillerParameter = filler_pb2.FillerParameter
_FILLER = FillerParameter.DESCRIPTOR
_FILLER_FIELDS = tuple(_FILLER.fields_by_name)


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
            listed = f"; FillerParameter fields are: {', '.join(_FILLER_FIELDS)}"
            hint = did_you_mean(item.name, _FILLER_FIELDS, otherwise=listed)
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
