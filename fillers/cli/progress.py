"""The progress line long commands write to stderr while they work."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """A one-line progress report on stderr, shown only when stderr is a terminal and the
    work has taken more than `delay` seconds; cleared when done."""

    def __init__(self, stream: TextIO | None = None, delay: float = 1.0) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.delay = delay
        self.start = time.monotonic()
        self.shown = False
        self.enabled = hasattr(self.stream, "isatty") and self.stream.isatty()

    def __call__(self, done: int, total: int, name: str) -> None:
        if not self.enabled or time.monotonic() - self.start < self.delay:
            return
        line = f"filling {done}/{total}: {name}"[:79]
        self.stream.write("\r" + line.ljust(79))
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * 79 + "\r")
            self.stream.flush()
