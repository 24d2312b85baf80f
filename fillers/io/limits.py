"""The limits every reader keeps to, so that no input exhausts memory or the stack, or floods
an error message.

- `MAX_FILE_BYTES`: the largest file read, Caffe's own limit for binary protos
  (kProtoReadBytesLimit = INT_MAX bytes, just under 2 GiB). Only regular files are read.
- `MAX_NESTING`: the deepest nesting of brackets, braces or YAML collections read, protobuf's
  default recursion limit for binary messages. Real specs and nets nest a few levels; the
  parsers recurse per level and would overflow Python's stack a few hundred levels down.
- `ECHO_CHARS`: how much of the input an error message repeats.
"""

from __future__ import annotations

import re

import numpy as np

from ..errors import FillerError

MAX_FILE_BYTES = 2**31 - 1
MAX_NESTING = 100
ECHO_CHARS = 200


def echo(text: str, limit: int = ECHO_CHARS) -> str:
    """`text` cut to `limit` characters with an ellipsis: input repeated in a message."""
    return text if len(text) <= limit else text[:limit] + "…"


def check_unicode(text: str, what: str) -> None:
    """FillerError unless `text` is valid Unicode (no lone surrogates): protobuf and the
    file formats encode text as UTF-8, which has no form for them."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise FillerError(
            f"{what}: not valid Unicode text (a lone surrogate {text[error.start]!r} at index {error.start})"
        ) from None


def check_nesting(text: str, noise: re.Pattern[str], opening: str, closing: str, what: str) -> None:
    """FillerError if the brackets of `text` nest deeper than MAX_NESTING.

    `noise` matches what may hold brackets that do not nest (strings, comments); it is
    removed first. Unbalanced brackets are left for the parser to report.
    """
    brackets = re.sub(f"[^{re.escape(opening + closing)}]+", "", noise.sub("", text))
    if not brackets:
        return
    codes = np.frombuffer(brackets.encode("ascii"), dtype=np.uint8)
    steps = np.where(np.isin(codes, np.frombuffer(opening.encode("ascii"), dtype=np.uint8)), 1, -1)
    if int(np.cumsum(steps).max()) > MAX_NESTING:
        raise nesting_error(what)


def nesting_error(what: str) -> FillerError:
    """The FillerError for input nested deeper than MAX_NESTING."""
    return FillerError(f"{what}: nested more than {MAX_NESTING} levels deep (the limit)")
