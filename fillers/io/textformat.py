"""Protobuf text format, read within the limits (see `limits`) and the same on every protobuf
runtime, as Caffe's C++ reads it: every parse of a spec, a named set or a net goes through
`parse_into` (or `parse_text` where the caller keeps its own limits).

One runtime difference matters to us: a float literal just above float32's maximum,
such as `3.4028235e+38` (the shortest spelling of the maximum, which `to_text` writes). C++
protobuf and upb round it to the maximum, as IEEE rounding does. protobuf's pure-Python
backend before 6.x calls anything above the maximum an infinity. On such a runtime, those
literals are respelled as the maximum's exact value before parsing; every other literal
reads the same everywhere.
"""

from __future__ import annotations

import functools
import math
import re

from google.protobuf import text_format
from google.protobuf.message import Message

from ..errors import FillerError
from .limits import check_nesting, check_unicode, echo

_NOISE = re.compile(r""""(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|#[^\n]*""")
"""Strings and comments: braces inside them do not nest."""


def parse_into(text: str, message: Message, what: str, *, allow_unknown_field: bool = False) -> None:
    """Merge the text-format `text` into `message`, or raise FillerError starting with `what`.

    The text must be valid Unicode (protobuf looks names up as UTF-8) and nest at most
    MAX_NESTING braces deep (the parser recurses per level). Float literals read as in C++ on
    every protobuf runtime (`parse_text`). The parser's message is kept,
    the input it repeats cut short; the original error is the FillerError's __cause__.
    """
    check_unicode(text, what)
    check_nesting(text, _NOISE, "{<", "}>", what)
    try:
        parse_text(text, message, allow_unknown_field=allow_unknown_field)
    except (text_format.ParseError, ValueError, RecursionError) as error:
        # ValueError: an integer literal beyond Python's int-from-text digit limit, say.
        raise FillerError(f"{what}: {echo(str(error))}") from error


FLOAT32_MAX = float.fromhex("0x1.fffffep+127")
# Halfway between float32's maximum and the next power of two: from here on, rounding to
# float32 gives an infinity (round half to even).
FLOAT32_OVERFLOW = float.fromhex("0x1.ffffffp+127")

# protobuf's Tokenizer, per line: a comment, a quoted string (each skipped as a whole), an
# identifier (which may hold digits and signs: also skipped) or a number.
_LEXEME = re.compile(
    r"""#[^\n]*"""
    r"""|"[^"\n\\]*(?:\\.[^"\n\\]*)*"?"""
    r"""|'[^'\n\\]*(?:\\.[^'\n\\]*)*'?"""
    r"""|[a-zA-Z_][0-9a-zA-Z_+-]*"""
    r"""|(?P<number>(?:[0-9+-]|\.[0-9])[0-9a-zA-Z_.+-]*)"""
)


def parse_text(text: str, message: Message, *, allow_unknown_field: bool = False) -> Message:
    """`text_format.Parse(text, message)`, with float32's maximum read as C++ reads it."""
    if _reads_rounded_maximum_as_infinity():
        text = _LEXEME.sub(_respell_rounded_maximum, text)
    return text_format.Parse(text, message, allow_unknown_field=allow_unknown_field)


@functools.cache
def _reads_rounded_maximum_as_infinity() -> bool:
    from .._proto.filler_pb2 import FillerParameter

    return math.isinf(FillerParameter(max=float.fromhex("0x1.fffffe8p+127")).max)


def float32_as_stored(value: float) -> float:
    """What a float field holds after C++ protobuf or upb stores `value` in it.

    A number that rounds to float32's maximum is the maximum; the pure-Python backend before
    6.x would store an infinity. Give a float field this, not the number, on every runtime.
    """
    if FLOAT32_MAX < abs(value) < FLOAT32_OVERFLOW:
        return math.copysign(FLOAT32_MAX, value)
    return value


def _respell_rounded_maximum(match: re.Match[str]) -> str:
    number = match.group("number")
    if number is None:
        return match.group(0)
    try:
        value = float(number.rstrip("fF"))
    except ValueError:
        return number
    stored = float32_as_stored(value)
    return number if stored == value else repr(stored)
