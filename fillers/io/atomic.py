"""Files written whole or not at all: the one way fillers writes a file.

`check_destination(path)` refuses, before any work, a destination that cannot be written (a
directory, a missing folder, a device, a path holding NUL). `replaced(path)` gives a
temporary file beside the destination to write; only when the block succeeds is it flushed
to disk and renamed over the destination, so readers see the old file or the new one,
never a part:

- a new file gets the mode `open()` would give it (0o666 less the umask); a replaced file
  keeps its mode (and its group, where the process may set it);
- a symlink is written through: its target is replaced, the link stays;
- the temporary file is removed on any failure, on SIGINT (KeyboardInterrupt) and on
  SIGTERM, which then goes on to end the process as it would have;
- an interrupt that arrives during the write is raised when the write ends, even if a
  library's C code (h5py's) would have swallowed it; the destination is then left as it was.

Why not a library: atomicwrites (archived in 2022) and its forks write 0600 files, replace
symlinks and leave their temporary file behind on SIGTERM.
"""

from __future__ import annotations

import os
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import BinaryIO, Union

from ..errors import FillerError
from .limits import echo

PathLike = Union[str, "os.PathLike[str]"]

_live_temporaries: set[str] = set()
"""Temporary files being written, which a SIGTERM removes before the process ends."""
# Reentrant: the SIGTERM handler takes it on the main thread, which may hold it already.
_lock = threading.RLock()


def shown(path: PathLike) -> str:
    """`path` as an error message shows it: cut short if long, quoted if unprintable."""
    text = os.fspath(path)
    return echo(text if isinstance(text, str) and text.isprintable() else repr(text))


def check_destination(path: object) -> str:
    """The file a write to `path` replaces or creates (a symlink's target), or FillerError
    saying why nothing can be written there. Nothing is created."""
    if not isinstance(path, (str, os.PathLike)) or not isinstance(os.fspath(path), str):
        raise FillerError(f"path: {echo(repr(path))} is not a file path")
    text = os.fspath(path)
    if not text or "\0" in text:
        raise FillerError(f"cannot write {shown(text)}: not a file path (empty, or holding a null character)")
    if os.path.basename(text) in ("", ".", ".."):
        raise FillerError(f"cannot write {shown(text)}: it is a directory")
    try:
        # The kernel resolves "a/../b" through a, which must exist; realpath alone would not ask.
        os.stat(os.path.dirname(text) or ".")
        if os.path.islink(text):
            target = os.path.realpath(text)
        else:
            target = os.path.join(os.path.realpath(os.path.dirname(text) or "."), os.path.basename(text))
        status = os.stat(target) if os.path.lexists(target) else None
        folder = os.stat(os.path.dirname(target))
    except FileNotFoundError:
        raise FillerError(f"cannot write {shown(text)}: No such file or directory (its folder)") from None
    except (OSError, ValueError) as error:
        raise FillerError(f"cannot write {shown(text)}: {_reason(error)}") from None
    if not stat.S_ISDIR(folder.st_mode):
        raise FillerError(f"cannot write {shown(text)}: its folder is not a directory")
    if status is not None and not stat.S_ISREG(status.st_mode):
        kind = "a directory" if stat.S_ISDIR(status.st_mode) else "not a regular file (a FIFO or a device)"
        raise FillerError(f"cannot write {shown(text)}: it is {kind}")
    if not os.access(os.path.dirname(target), os.W_OK | os.X_OK):
        raise FillerError(f"cannot write {shown(text)}: its folder is not writable")
    if status is not None and not os.access(target, os.W_OK):
        # A rename could replace it; open() would refuse, and so do we.
        raise FillerError(f"cannot write {shown(text)}: Permission denied (the file is read-only)")
    return target


@contextmanager
def replaced(path: PathLike) -> Iterator[str]:
    """A temporary path to write the new contents of `path` to; see the module's docstring.

    Any OSError (disk full, file-size limit, permissions) raises FillerError naming `path`;
    the old file is then unchanged.
    """
    target = check_destination(path)
    folder, name = os.path.split(target)
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{name[:64]}.", suffix=".fillers-tmp", dir=folder)
    except OSError as error:
        raise FillerError(f"cannot write {shown(path)}: {_reason(error)}") from None
    os.close(handle)
    with _lock:
        _live_temporaries.add(temporary)
    try:
        with _interrupts_raised_after() as interrupted:
            yield temporary
            _finish(temporary, target)
            interrupted()
            os.replace(temporary, target)
    except OSError as error:
        raise FillerError(f"cannot write {shown(path)}: {_reason(error)}") from None
    finally:
        with _lock:
            _live_temporaries.discard(temporary)
        if os.path.lexists(temporary):
            os.unlink(temporary)


@contextmanager
def opened(path: PathLike) -> Iterator[BinaryIO]:
    """`replaced(path)` as an open binary file."""
    with replaced(path) as temporary, open(temporary, "wb") as file:
        yield file


def write_bytes(path: PathLike, data: bytes) -> None:
    """Write `data` to `path` whole, or raise FillerError and leave `path` as it was."""
    with opened(path) as file:
        file.write(data)


def _finish(temporary: str, target: str) -> None:
    """Give the temporary file the destination's mode (or a new file's) and put its bytes
    on disk, so that the rename never exposes an empty file after a crash."""
    try:
        status = os.stat(target)
    except FileNotFoundError:
        status = None
    fd = os.open(temporary, os.O_RDONLY)
    try:
        if status is None:
            os.fchmod(fd, 0o666 & ~_umask())
        else:
            os.fchmod(fd, stat.S_IMODE(status.st_mode))
            # Not a member of that group: the file keeps the process's, as a new file would.
            with suppress(OSError):
                os.fchown(fd, -1, status.st_gid)
        os.fsync(fd)
    finally:
        os.close(fd)


def _umask() -> int:
    """The process's umask, read without changing it where Linux tells it (os.umask can only
    set it, and setting it to read it races with other threads creating files)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    with _lock:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


@contextmanager
def _interrupts_raised_after() -> Iterator:
    """Within the block, SIGTERM removes the temporary files, then acts as it would have
    (its handler, or the end of the process); SIGINT raises KeyboardInterrupt as usual and
    is also recorded, so that `interrupted()`, asked before the rename, raises it again if
    a library's C code swallowed it. Signal handlers can only be set from the main thread:
    elsewhere the block runs as is."""
    if threading.current_thread() is not threading.main_thread():
        yield lambda: None
        return
    received: list[int] = []
    previous = {}

    def record(number: int, frame: object) -> None:
        received.append(number)
        if number == signal.SIGINT:
            # Raised here too, so a long write written in Python stops at once.
            raise KeyboardInterrupt

        _remove_temporaries()
        _resend(number, previous[number])

    for number in (signal.SIGINT, signal.SIGTERM):
        handler = signal.getsignal(number)
        if handler is signal.SIG_IGN or handler is None:
            continue
        if number == signal.SIGINT and handler is not signal.default_int_handler:
            continue  # someone else's SIGINT handler: theirs to run
        previous[number] = handler
        signal.signal(number, record)

    def interrupted() -> None:
        if signal.SIGINT in received:
            raise KeyboardInterrupt

    try:
        yield interrupted
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _remove_temporaries() -> None:
    with _lock:
        for temporary in list(_live_temporaries):
            with suppress(OSError):
                os.unlink(temporary)
        _live_temporaries.clear()


def _resend(number: int, handler: object) -> None:
    """Let a signal act as it would have without us: call its handler, or end the process."""
    signal.signal(number, handler)  # type: ignore[arg-type]
    if callable(handler):
        handler(number, None)
    else:
        os.kill(os.getpid(), number)


def _reason(error: BaseException) -> str:
    return error.strerror if isinstance(error, OSError) and error.strerror else str(error)
