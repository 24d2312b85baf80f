"""Protobuf text format, read within the limits (see `limits`): every parse of a spec, a
named set or a net goes through `parse_into`."""

from __future__ import annotations

import re

from google.protobuf import text_format
from google.protobuf.message import Message

from .._proto.text import parse_text
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
