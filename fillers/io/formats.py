"""Spec files on disk: which format a path names, and reading and writing it.

The extension decides the format, never the content: .prototxt/.pbtxt/.txt are protobuf
text format, .yaml/.yml YAML (read with yaml.safe_load only), .json JSON and .pb the binary
wire format. Every failure, a missing file included, raises FillerError naming the path.
Only regular files are read (not a FIFO, a device or a directory), up to `MAX_FILE_BYTES`,
and YAML and JSON nest at most `MAX_NESTING` levels deep (see `limits`).

JSON has no literal for nan and infinities; we write and read the `NaN`, `Infinity` and
`-Infinity` tokens that Python's json module (and JavaScript) use, so a strict JSON parser
elsewhere may refuse a file holding them.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Union

from ..errors import FillerError
from .limits import MAX_FILE_BYTES, MAX_NESTING, check_nesting, echo, nesting_error

PathLike = Union[str, "os.PathLike[str]"]

TEXT = "text"
YAML = "yaml"
JSON = "json"
BINARY = "binary"

FORMAT_BY_SUFFIX = {
    ".prototxt": TEXT,
    ".pbtxt": TEXT,
    ".txt": TEXT,
    ".yaml": YAML,
    ".yml": YAML,
    ".json": JSON,
    ".pb": BINARY,
}


def format_of(path: PathLike, formats: Iterable[str] = FORMAT_BY_SUFFIX.values()) -> str:
    """The format the extension of `path` names, if it is one of `formats`, else FillerError."""
    allowed = set(formats)
    if not isinstance(path, (str, os.PathLike)) or not isinstance(os.fspath(path), str):
        raise FillerError(f"path: {echo(repr(path))} is not a file path")
    suffix = Path(path).suffix.lower()
    fmt = FORMAT_BY_SUFFIX.get(suffix)
    if fmt not in allowed:
        known = ", ".join(s for s, f in FORMAT_BY_SUFFIX.items() if f in allowed)
        raise FillerError(
            f"{shown(path)}: unknown extension {echo(suffix or '(none)')!r}; use one of {known}"
        )
    return fmt


def format_or_text(path: PathLike, formats: Iterable[str] = FORMAT_BY_SUFFIX.values()) -> str:
    """`format_of(path, formats)`, except that an extension no format claims is text format:
    Caffe reads a net or a spec whatever its file is called (py-faster-rcnn's are .pt)."""
    suffix = os.path.splitext(os.fspath(path))[1].lower() if isinstance(path, (str, os.PathLike)) else ""
    return TEXT if suffix not in FORMAT_BY_SUFFIX else format_of(path, formats)


def shown(path: PathLike) -> str:
    """`path` as an error message shows it: cut short if long, quoted if unprintable."""
    text = os.fspath(path)
    return echo(text if text.isprintable() else repr(text))


@contextmanager
def errors_in(where: PathLike) -> Iterator[None]:
    """Prefix the message of a FillerError raised inside the block with the file (or the
    named spec) it is about: "nets/a.prototxt: conv1/weight_filler: std: ..."."""
    try:
        yield
    except FillerError as error:
        raise FillerError(f"{shown(where)}: {error}") from error


def read_bytes(path: PathLike) -> bytes:
    """The contents of the regular file `path`, at most MAX_FILE_BYTES, or FillerError.

    A FIFO, a device or a directory is refused before it is opened (a FIFO would block, a
    device like /dev/zero never end); the file is opened without blocking and checked
    again, in case it was swapped in between.
    """
    try:
        _check_regular(path, os.stat(path))
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with open(fd, "rb") as file:
            status = os.fstat(fd)
            _check_regular(path, status)
            data = file.read(status.st_size + 1)  # read(n) allocates n bytes up front
            if len(data) > status.st_size:
                # The file grew, or reports no size (/proc): read on, up to the limit.
                data += file.read(MAX_FILE_BYTES + 1 - len(data))
    except FillerError:
        raise
    except (OSError, ValueError) as error:
        # ValueError: a path with a NUL character in it.
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise FillerError(f"cannot read {shown(path)}: {reason}") from error
    if len(data) > MAX_FILE_BYTES:
        raise _too_large(path)
    return data


def _check_regular(path: PathLike, status: os.stat_result) -> None:
    if not stat.S_ISREG(status.st_mode):
        raise FillerError(f"cannot read {shown(path)}: not a regular file (a FIFO, a device or a directory)")
    if status.st_size > MAX_FILE_BYTES:
        raise _too_large(path)


def _too_large(path: PathLike) -> FillerError:
    return FillerError(f"cannot read {shown(path)}: larger than {MAX_FILE_BYTES} bytes (the limit, Caffe's)")


def read_text(path: PathLike) -> str:
    """The contents of `path` decoded as UTF-8, or FillerError."""
    try:
        return read_bytes(path).decode("utf-8")
    except UnicodeDecodeError as error:
        message = f"{shown(path)}: not UTF-8 text ({error.reason} at byte {error.start})"
        raise FillerError(message) from error


def write_bytes(path: PathLike, data: bytes) -> None:
    """Write `data` to `path`, or raise FillerError."""
    try:
        if os.path.exists(path) and not os.path.isfile(path):
            raise FillerError(
                f"cannot write {shown(path)}: not a regular file (a FIFO, a device or a directory)"
            )
        Path(path).write_bytes(data)
    except FillerError:
        raise
    except (OSError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise FillerError(f"cannot write {shown(path)}: {reason}") from error


def write_text(path: PathLike, text: str) -> None:
    """Write `text` to `path` as UTF-8, or raise FillerError."""
    write_bytes(path, text.encode("utf-8"))


def load_document(text: str, fmt: str, path: PathLike) -> Any:
    """A YAML or JSON document as plain Python values (None for an empty document).

    A key given twice is an error: both parsers would otherwise keep the last silently.
    """
    import yaml  # here, not at the top: PyYAML is loaded only when a YAML file is read or written

    try:
        if fmt == JSON:
            check_nesting(text, _JSON_STRINGS, "[{", "]}", f"{shown(path)}: cannot parse JSON")
            document = json.loads(text, object_pairs_hook=lambda pairs: _unique_keys(pairs, path))
        else:
            document = _load_yaml(text, path)
    except FillerError:
        raise
    except (yaml.YAMLError, ValueError, RecursionError) as error:
        # ValueError: JSONDecodeError, an integer beyond Python's digit limit for int(text),
        # a YAML timestamp that is no date (2001-13-45).
        raise FillerError(f"{shown(path)}: cannot parse {fmt.upper()}: {echo(str(error))}") from error
    return document


def load_mapping(text: str, fmt: str, path: PathLike) -> dict[Any, Any]:
    """The top-level mapping of a YAML or JSON document; an empty document is `{}`."""
    document = load_document(text, fmt, path)
    if document is None:
        return {}
    if not isinstance(document, dict):
        kind = type(document).__name__
        raise FillerError(f"{shown(path)}: expected a mapping at the top level, got a {kind}")
    return document


def dump_mapping(mapping: dict[str, Any], fmt: str) -> str:
    """`mapping` as a YAML or JSON document, keys in the given order."""
    if fmt == JSON:
        return json.dumps(mapping, indent=2, ensure_ascii=False) + "\n"
    import yaml

    # Non-ASCII characters go out escaped: PyYAML writes some raw (NEL, U+0085) in a form it
    # then reads back differently.
    return yaml.safe_dump(mapping, sort_keys=False)


_JSON_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')


def _load_yaml(text: str, path: PathLike) -> Any:
    """The document of `text`: its nesting checked from the parser's events (the composer
    recurses once per level), then composed, its keys checked, then constructed. LibYAML's
    parser where PyYAML has it (30 times faster than the pure-Python one), with the same
    safe constructor."""
    import yaml  # self-contained, so that the module-level import can become lazy

    safe_loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    depth = 0
    for event in yaml.parse(text, Loader=safe_loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                raise nesting_error(f"{shown(path)}: cannot parse YAML at line {event.start_mark.line + 1}")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    loader = safe_loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        _check_yaml_keys(root, path)
        return loader.construct_document(root)
    finally:
        loader.dispose()


def _unique_keys(pairs: list[tuple[str, Any]], path: PathLike) -> dict[str, Any]:
    mapping: dict[str, Any] = {}
    for key, value in pairs:
        if key in mapping:
            raise FillerError(f"{shown(path)}: key {echo(repr(key))} appears more than once")
        mapping[key] = value
    return mapping


def _check_yaml_keys(root: Any, path: PathLike) -> None:
    """Reject a repeated key in any mapping of a composed (not constructed) YAML document.

    Each node is visited once: aliases share nodes, and following them every time would
    take exponential time on a few lines of nested aliases (or loop on a recursive one).
    """
    import yaml

    pending, visited = [root], set()
    while pending:
        node = pending.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys = set()
            for key, value in node.value:
                if not isinstance(key, yaml.ScalarNode):
                    # `? [a]` makes a list a key: nothing a spec or a name can be.
                    line = key.start_mark.line + 1
                    raise FillerError(
                        f"{shown(path)}: line {line}: a key must be a plain value, not a {key.id}"
                    )
                if key.value in keys:
                    raise FillerError(f"{shown(path)}: key {echo(repr(key.value))} appears more than once")
                keys.add(key.value)
                pending.append(value)
        elif isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)
