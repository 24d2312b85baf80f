"""What the command prints, and how it behaves when nobody reads it.

A command piped into `head` (a broken pipe) or run with stdout closed (`fillers list >&-`)
ends quietly with status 0: the reader has what it wanted, and there is nothing to report
to. Text from files (layer names) is printed escaped where the terminal cannot show it.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np


def shown_text(text: str) -> str:
    """`text` as stdout can print it: control characters (which a terminal would act on)
    and characters stdout's encoding lacks are written as Python escapes."""
    if not text.isprintable():
        text = text.encode("unicode_escape", "backslashreplace").decode("ascii")
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        text = text.encode("ascii", "backslashreplace").decode("ascii")
    return text


def is_closed_output(error: BaseException) -> bool:
    """Whether `error` says stdout is gone: a broken pipe, a closed descriptor."""
    return isinstance(error, BrokenPipeError) or (
        isinstance(error, OSError) and error.errno in (errno.EPIPE, errno.EBADF)
    )


@contextmanager
def quiet_when_closed() -> Iterator[None]:
    """Run the command; if stdout is closed or its reader went away, swallow the failure
    and point stdout at /dev/null, so that Python's flush at exit fails no more."""
    if sys.stdout is None:  # started with descriptor 1 closed
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (lives as long as the process)
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115
    try:
        yield
    except (OSError, ValueError) as error:
        # ValueError: stdout was closed by the program ("I/O operation on closed file").
        if not (is_closed_output(error) or (isinstance(error, ValueError) and _stdout_closed())):
            raise
        _silence_stdout()


def _stdout_closed() -> bool:
    return sys.stdout is None or sys.stdout.closed


def _silence_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
    finally:
        os.close(devnull)


def shape_text(shape: tuple[int, ...]) -> str:
    """A shape as the tables print it and --shape takes it: "96,3,11,11"."""
    return ",".join(map(str, shape))


def print_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Rows in left-aligned columns under `header`; floats to six significant digits, text
    the terminal cannot show (control characters, what its encoding lacks) escaped."""
    cells = [
        [f"{cell:.6g}" if isinstance(cell, (float, np.floating)) else shown_text(str(cell)) for cell in row]
        for row in rows
    ]
    widths = [max(len(row[column]) for row in [list(header), *cells]) for column in range(len(header))]
    for row in [list(header), *cells]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
