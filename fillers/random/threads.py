"""How many threads a large counter-mode fill uses: FILLERS_NUM_THREADS, or
`fillers.set_num_threads(n)`, else the cores available to this process.

The values never depend on it: each thread computes a range of elements, and an element's
value depends only on its index.
"""

from __future__ import annotations

import os

from ..errors import FillerError

ENV_VAR = "FILLERS_NUM_THREADS"
_MAXIMUM = 256
"""The compiled core's limit (MAX_THREADS in _core/counter.c)."""
_set: int | None = None


def _checked(value: object, source: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= _MAXIMUM:
        raise FillerError(f"{source}: {value!r} is not a thread count; give an int from 1 to {_MAXIMUM}")
    return value


def set_num_threads(n: int) -> None:
    """Use `n` threads (1 to 256) for counter-mode fills of at least 2**20 elements, from now on.

    >>> import fillers
    >>> fillers.set_num_threads(1)
    """
    global _set
    _set = _checked(n, "set_num_threads")


def num_threads() -> int:
    """The thread count in force: set_num_threads's, else FILLERS_NUM_THREADS, else the cores
    this process may run on (os.sched_getaffinity where the platform has it)."""
    if _set is not None:
        return _set
    text = os.environ.get(ENV_VAR, "").strip()
    if text:
        try:
            value = int(text)
        except ValueError:
            value = text
        return _checked(value, ENV_VAR)
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores, _MAXIMUM))
