"""Named sets of specs: every spec of a YAML/JSON mapping or a named-set prototxt.

A named set is a mapping from a name to a spec, in file order:

    # YAML (JSON alike)                 # prototxt: fillers.FillerSet
    conv1/weight_filler:                filler {
      type: xavier                        name: "conv1/weight_filler"
    conv1/bias_filler:                    param { type: "xavier" }
      type: constant                    }

`fillers.load_all` reads Caffe nets too (`fillers.net.specs`).
"""

from __future__ import annotations

from collections.abc import Mapping

from .._proto import filler_pb2
from ..errors import FillerError
from ..io import formats
from ..io.limits import echo
from ..io.textformat import parse_into
from .parameter import FillerParameter, as_filler_parameter, from_dict, message_to_text, to_dict

FillerSet = filler_pb2.FillerSet

SET_FORMATS = (formats.TEXT, formats.YAML, formats.JSON)


def load_set(path: formats.PathLike) -> dict[str, FillerParameter]:
    """Every spec of a named set, in file order: a YAML/JSON mapping of name -> spec, or a
    prototxt `FillerSet` (`filler { name: ... param { ... } }`). `fillers.load_all` also
    reads Caffe nets."""
    fmt = formats.format_or_text(path, SET_FORMATS)
    return read_set_text(formats.read_text(path), fmt, path)


def read_set_text(text: str, fmt: str, path: formats.PathLike) -> dict[str, FillerParameter]:
    """`load_set` of a file's `text`, already read, in the format `fmt`."""
    if fmt == formats.TEXT:
        with formats.errors_in(path):
            return _from_filler_set(_parse_filler_set(text))
    mapping = formats.load_mapping(text, fmt, path)
    specs = {}
    with formats.errors_in(path):
        for name, spec in mapping.items():
            with formats.errors_in(_checked_name(name)):
                specs[name] = from_dict(spec)
    return specs


def dump_all(specs: Mapping[str, FillerParameter], path: formats.PathLike) -> None:
    """Write named specs as YAML/JSON (a mapping) or as a named-set prototxt, by extension.

    Examples:
        >>> import os, tempfile
        >>> from fillers import from_dict, load_all
        >>> path = os.path.join(tempfile.mkdtemp(), "set.yaml")
        >>> specs = {"fc/weight": from_dict({"type": "xavier"}), "fc/bias": from_dict({"type": "constant"})}
        >>> dump_all(specs, path)
        >>> print(open(path).read(), end="")
        fc/weight:
          type: xavier
        fc/bias:
          type: constant
        >>> list(load_all(path))
        ['fc/weight', 'fc/bias']
    """
    fmt = formats.format_of(path, SET_FORMATS)
    if fmt == formats.TEXT:
        named_set = FillerSet()
        for name, param in specs.items():
            named_set.filler.add(name=_checked_name(name)).param.CopyFrom(as_filler_parameter(param))
        formats.write_text(path, message_to_text(named_set))
    else:
        mapping = {_checked_name(name): to_dict(param) for name, param in specs.items()}
        formats.write_text(path, formats.dump_mapping(mapping, fmt))


def _parse_filler_set(text: str) -> FillerSet:
    named_set = FillerSet()
    parse_into(
        text, named_set, "cannot parse a named set (filler { name: ... param { ... } }) or a Caffe net"
    )
    return named_set


def _from_filler_set(named_set: FillerSet) -> dict[str, FillerParameter]:
    specs: dict[str, FillerParameter] = {}
    for index, entry in enumerate(named_set.filler):
        if not entry.HasField("name"):
            raise FillerError(f"filler #{index} has no name")
        if entry.name in specs:
            raise FillerError(f"filler name {entry.name!r} appears twice")
        specs[entry.name] = entry.param
    return specs


def _checked_name(name: object) -> str:
    if not isinstance(name, str):
        raise FillerError(f"a spec name must be a string, not {echo(repr(name))}")
    return name
