"""Protobuf text format read without a schema: a tree of fields that keeps what no schema knows.

Caffe forks add fields (`norm_param`, `prior_box_param`, `bn_param`, ...) that our caffe.proto
lacks. Protobuf's own parser can only skip them; this reader keeps every field, with the
line and column it starts at, so that plugins can read fork parameters and errors can point
into the file. Values are kept as written: strings (adjacent literals joined), ints, floats,
true/false as bools, and any other identifier (an enum value) as its name.

The parse is iterative (an explicit stack), so deep nesting cannot exhaust Python's stack,
and a block left open at the end of the file is reported at the line that opened it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from google.protobuf import text_format

from ..errors import FillerError
from .limits import MAX_NESTING, check_unicode, nesting_error


class Enum(str):
    """An identifier written bare (an enum value's name), told apart from a quoted string."""


Scalar = str | int | float | bool


@dataclass
class Field:
    """One `name: value` or `name { ... }` of a text-format message, 1-based line and column."""

    name: str
    value: Scalar | Block
    line: int
    column: int


@dataclass
class Block:
    """The fields of one message (`{ ... }` or the whole file), in file order."""

    fields: list[Field] = field(default_factory=list)
    line: int = 1
    column: int = 1

    def __iter__(self) -> Iterator[Field]:
        return iter(self.fields)

    def named(self, name: str) -> list[Field]:
        """Every field called `name`, in file order (a repeated field gives several)."""
        return [item for item in self.fields if item.name == name]


_BOOLS = {"true": True, "True": True, "t": True, "false": False, "False": False, "f": False}
_CLOSERS = {"{": "}", "<": ">"}


def parse_tree(text: str) -> Block:
    """The field tree of protobuf text `text`, or FillerError with line:column.

    Examples:
        >>> tree = parse_tree('layer { name: "bn" bn_param { scale_filler { type: "constant" } } }')
        >>> tree.fields[0].value.fields[1].value.fields[0].name
        'scale_filler'
    """
    check_unicode(text, "cannot parse net")
    tokenizer = text_format.Tokenizer(text.split("\n"))
    root = Block()
    # Each open block with the token that closes it and where it opened.
    stack: list[tuple[Block, str, str, int, int]] = []
    current = root
    while True:
        if tokenizer.AtEnd():
            if stack:
                _, closer, name, line, column = stack[-1]
                outer = ", ".join(f"{entry[2]!r} (line {entry[3]})" for entry in reversed(stack[:-1]))
                raise FillerError(
                    f"{line}:{column}: block {name!r} opened here is never closed (missing {closer!r})"
                    + (f"; also still open: {outer}" if outer else "")
                )
            return root
        if stack and tokenizer.token == stack[-1][1]:
            tokenizer.NextToken()
            stack.pop()
            current = stack[-1][0] if stack else root
            _skip_separator(tokenizer)
            continue
        line, column = tokenizer._line + 1, tokenizer._column + 1
        name = _field_name(tokenizer)
        has_colon = tokenizer.TryConsume(":")
        opener = tokenizer.token
        if opener in _CLOSERS:
            if len(stack) >= MAX_NESTING:
                # Everything that walks the tree recurses per level.
                raise nesting_error(f"{line}:{column}: cannot parse net")
            tokenizer.NextToken()
            child = Block(line=line, column=column)
            current.fields.append(Field(name, child, line, column))
            stack.append((child, _CLOSERS[opener], name, line, column))
            current = child
            continue
        if not has_colon:
            raise _error(tokenizer, f"expected ':' or '{{' after field {name!r}, found {tokenizer.token!r}")
        if tokenizer.TryConsume("["):
            # The short form of a repeated field: `dim: [1, 3, 224, 224]`.
            while not tokenizer.TryConsume("]"):
                current.fields.append(Field(name, _scalar(tokenizer), line, column))
                tokenizer.TryConsume(",")
        else:
            current.fields.append(Field(name, _scalar(tokenizer), line, column))
        _skip_separator(tokenizer)


def _field_name(tokenizer: text_format.Tokenizer) -> str:
    token = tokenizer.token
    if token == "[":
        # An extension or Any field name, `[pkg.ext]`: kept as written.
        parts = []
        tokenizer.NextToken()
        while not tokenizer.TryConsume("]"):
            if tokenizer.AtEnd():
                raise _error(tokenizer, "unterminated extension name")
            parts.append(tokenizer.token)
            tokenizer.NextToken()
        return "[" + "".join(parts) + "]"
    if not token or not (token[0].isalpha() or token[0] == "_"):
        raise _error(tokenizer, f"expected a field name, found {token!r}")
    tokenizer.NextToken()
    return token


def _scalar(tokenizer: text_format.Tokenizer) -> Scalar:
    token = tokenizer.token
    if not token:
        raise _error(tokenizer, "expected a value, found the end of the text")
    if token[0] in "\"'":
        try:
            return tokenizer.ConsumeString()
        except text_format.ParseError as error:
            raise _error(tokenizer, str(error)) from None
    if token in ("{", "}", "<", ">", ":", "[", "]", ",", ";"):
        raise _error(tokenizer, f"expected a value, found {token!r}")
    tokenizer.NextToken()
    if token in _BOOLS:
        return _BOOLS[token]
    return _number(token)


def _number(token: str) -> Scalar:
    """An int (decimal, 0x hex, 0 octal), a float (1e-3, 1.5f, inf, nan), or an enum name."""
    try:
        return int(token, 0)
    except ValueError:
        pass
    body = token[:-1] if token[-1:] in "fF" and not token.lower().endswith("inf") else token
    try:
        return float(body)
    except ValueError:
        pass
    return Enum(token)


def _skip_separator(tokenizer: text_format.Tokenizer) -> None:
    if not tokenizer.TryConsume(";"):
        tokenizer.TryConsume(",")


def _error(tokenizer: text_format.Tokenizer, message: str) -> FillerError:
    return FillerError(f"{tokenizer._line + 1}:{tokenizer._column + 1}: {message}")
