"""Named sets of specs: every spec of a YAML/JSON mapping, a named-set prototxt or a Caffe net.

A named set is a mapping from a name to a spec, in file order:

    # YAML (JSON alike)                 # prototxt: fillers.FillerSet
    conv1/weight_filler:                filler {
      type: xavier                        name: "conv1/weight_filler"
    conv1/bias_filler:                    param { type: "xavier" }
      type: constant                    }

A Caffe net prototxt (`name`, `layer` or `layers` at the top) gives every filler its layers
write, named "<layer>/<field>" ("conv1/weight_filler", "data/data_filler.0"), in net order.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from google.protobuf import text_format

from .._proto import filler_pb2
from ..errors import FillerError
from ..io import formats
from ..io.limits import echo
from ..io.textformat import parse_into
from ..net.netparam import NetParameter, PhaseLike, included_layers, layer_fillers, layer_included, net_state
from ..net.source import SOLVER_FIELDS, NetFile, read_net_text
from .parameter import FillerParameter, as_filler_parameter, from_dict, message_to_text, to_dict

FillerSet = filler_pb2.FillerSet

_SET_FORMATS = (formats.TEXT, formats.YAML, formats.JSON)
_NET_FIELDS = frozenset(NetParameter.DESCRIPTOR.fields_by_name) | SOLVER_FIELDS


def load_all(path: formats.PathLike, *, phase: PhaseLike | None = None) -> dict[str, FillerParameter]:
    """Every named spec in a file, in file order.

    .yaml/.yml/.json: a mapping of name -> spec. .prototxt/.pbtxt/.txt: a named set
    (`filler { name: ... param { ... } }`) or a Caffe net, told apart by the first field.
    `phase` ("TRAIN" or "TEST") keeps only the net layers Caffe includes in that phase; a
    net that defines a layer for each phase needs it, since the names would repeat.
    """
    fmt = formats.format_or_text(path, _SET_FORMATS)
    text = formats.read_text(path)
    if fmt == formats.TEXT and _first_field(text) in _NET_FIELDS:
        return net_file_fillers(read_net_text(text, os.fspath(path)), phase=phase)
    if phase is not None:
        raise FillerError(
            f"{formats.shown(path)}: phase={echo(repr(phase))} applies to Caffe nets; "
            "this file is a named set"
        )
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


def net_fillers(net: NetParameter, *, phase: PhaseLike | None = None) -> dict[str, FillerParameter]:
    """Every filler the layers of `net` write, as "<layer>/<field>" -> copy of the spec.

    With `phase`, only the layers Caffe's Net(net, phase) keeps (level 0, the net's stages).
    """
    layers = net.layer if phase is None else included_layers(net, net_state(net, phase))
    specs: dict[str, FillerParameter] = {}
    for layer in layers:
        for field_name, filler in layer_fillers(layer):
            name = f"{layer.name}/{field_name}"
            if name in specs:
                raise FillerError(_repeated_layer_message(name, layer.name, phase))
            specs[name] = FillerParameter()
            specs[name].CopyFrom(filler)
    return specs


def net_file_fillers(
    net: NetFile, *, phase: PhaseLike | None = None, level: int = 0, stages: Sequence[str] = ()
) -> dict[str, FillerParameter]:
    """As `net_fillers`, for a net read with its fields: fork fields' fillers included.
    With `phase`, only the layers Caffe keeps for (phase, level, stages)."""
    param = net.param
    state = None if phase is None else net_state(param, phase, level, stages)
    specs: dict[str, FillerParameter] = {}
    for index, layer in enumerate(param.layer):
        if state is not None and not layer_included(layer, state):
            continue
        found = net.fillers(index) if net.layers[index].line else layer_fillers(layer)
        for field_name, filler in found:
            name = f"{layer.name}/{field_name}"
            if name in specs:
                raise FillerError(_repeated_layer_message(name, layer.name, phase))
            specs[name] = filler
    return specs


def dump_all(specs: Mapping[str, FillerParameter], path: formats.PathLike) -> None:
    """Write named specs as YAML/JSON (a mapping) or as a named-set prototxt, by extension."""
    fmt = formats.format_of(path, _SET_FORMATS)
    if fmt == formats.TEXT:
        named_set = FillerSet()
        for name, param in specs.items():
            named_set.filler.add(name=_checked_name(name)).param.CopyFrom(as_filler_parameter(param))
        formats.write_text(path, message_to_text(named_set))
    else:
        mapping = {_checked_name(name): to_dict(param) for name, param in specs.items()}
        formats.write_text(path, formats.dump_mapping(mapping, fmt))


def _repeated_layer_message(name: str, layer_name: str, phase: PhaseLike | None) -> str:
    if phase is None:
        where = " (nets often define a layer once per phase): pass phase='TRAIN' or phase='TEST'"
    else:
        where = f" in phase {phase!r}"
    return f"filler name {name!r} repeats: layer {layer_name!r} is defined twice{where}"


def is_net_file(path: formats.PathLike) -> bool:
    """Whether `path` holds a Caffe net or solver in text format (not a named set)."""
    if formats.format_or_text(path) != formats.TEXT:
        return False
    return _first_field(formats.read_text(path)) in _NET_FIELDS


def _first_field(text: str) -> str | None:
    """The name of the first top-level field of a text-format message (comments skipped)."""
    tokenizer = text_format.Tokenizer(text.splitlines())
    return None if tokenizer.AtEnd() else tokenizer.token


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
