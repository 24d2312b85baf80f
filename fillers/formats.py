"""Spec files on disk: which format a path names, and reading and writing it.

The extension decides the format, never the content: .prototxt/.pbtxt/.txt are protobuf
text format, .yaml/.yml YAML (read with yaml.safe_load only), .json JSON and .pb the binary
wire format. Every failure, a missing file included, raises FillerError naming the path.

JSON has no literal for nan and infinities; we write and read the `NaN`, `Infinity` and
`-Infinity` tokens that Python's json module (and JavaScript) use, so a strict JSON parser
elsewhere may refuse a file holding them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Union

from .errors import FillerError

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
    if not isinstance(path, (str, os.PathLike)):
        raise FillerError(f"path: {path!r} is not a file path")
    suffix = Path(path).suffix.lower()
    fmt = FORMAT_BY_SUFFIX.get(suffix)
    if fmt not in allowed:
        known = ", ".join(s for s, f in FORMAT_BY_SUFFIX.items() if f in allowed)
        raise FillerError(f"{os.fspath(path)}: unknown extension {suffix or '(none)'!r}; use one of {known}")
    return fmt


@contextmanager
def errors_in(where: PathLike) -> Iterator[None]:
    """Prefix the message of a FillerError raised inside the block with the file (or the
    named spec) it is about: "nets/a.prototxt: conv1/weight_filler: std: ..."."""
    try:
        yield
    except FillerError as error:
        raise FillerError(f"{os.fspath(where)}: {error}") from error


def read_bytes(path: PathLike) -> bytes:
    """The contents of `path`, or FillerError if it cannot be read."""
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise FillerError(f"cannot read {os.fspath(path)}: {error.strerror or error}") from error


def read_text(path: PathLike) -> str:
    """The contents of `path` decoded as UTF-8, or FillerError."""
    try:
        return read_bytes(path).decode("utf-8")
    except UnicodeDecodeError as error:
        message = f"{os.fspath(path)}: not UTF-8 text ({error.reason} at byte {error.start})"
        raise FillerError(message) from error


def write_bytes(path: PathLike, data: bytes) -> None:
    """Write `data` to `path`, or raise FillerError."""
    try:
        Path(path).write_bytes(data)
    except OSError as error:
        raise FillerError(f"cannot write {os.fspath(path)}: {error.strerror or error}") from error


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
            return json.loads(text, object_pairs_hook=lambda pairs: _unique_keys(pairs, path))
        _check_yaml_keys(yaml.compose(text, Loader=yaml.SafeLoader), path)
        return yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise FillerError(f"{os.fspath(path)}: cannot parse {fmt.upper()}: {error}") from error


def load_mapping(text: str, fmt: str, path: PathLike) -> dict[Any, Any]:
    """The top-level mapping of a YAML or JSON document; an empty document is `{}`."""
    document = load_document(text, fmt, path)
    if document is None:
        return {}
    if not isinstance(document, dict):
        kind = type(document).__name__
        raise FillerError(f"{os.fspath(path)}: expected a mapping at the top level, got a {kind}")
    return document


def dump_mapping(mapping: dict[str, Any], fmt: str) -> str:
    """`mapping` as a YAML or JSON document, keys in the given order."""
    if fmt == JSON:
        return json.dumps(mapping, indent=2, ensure_ascii=False) + "\n"
    import yaml

    # Non-ASCII characters go out escaped: PyYAML writes some raw (NEL, U+0085) in a form it
    # then reads back differently.
    return yaml.safe_dump(mapping, sort_keys=False)


def _unique_keys(pairs: list[tuple[str, Any]], path: PathLike) -> dict[str, Any]:
    mapping: dict[str, Any] = {}
    for key, value in pairs:
        if key in mapping:
            raise FillerError(f"{os.fspath(path)}: key {key!r} appears more than once")
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
                if isinstance(key, yaml.ScalarNode) and key.value in keys:
                    raise FillerError(f"{os.fspath(path)}: key {key.value!r} appears more than once")
                keys.add(key.value)
                pending.append(value)
        elif isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)
