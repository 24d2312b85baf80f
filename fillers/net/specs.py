"""The specs of a Caffe net: every filler its layers write, named "<layer>/<field>"
("conv1/weight_filler", "data/data_filler.0"), in net order; and `load_all`, which reads
them from a net prototxt (`name`, `layer` or `layers` at the top) or a named set.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from google.protobuf import text_format

from ..errors import FillerError
from ..io import formats
from ..io.limits import echo
from ..spec.parameter import FillerParameter
from ..spec.sets import SET_FORMATS, read_set_text
from .netparam import NetParameter, PhaseLike, included_layers, layer_fillers, layer_included, net_state
from .source import SOLVER_FIELDS, NetFile, read_net_text

_NET_FIELDS = frozenset(NetParameter.DESCRIPTOR.fields_by_name) | SOLVER_FIELDS


def load_all(path: formats.PathLike, *, phase: PhaseLike | None = None) -> dict[str, FillerParameter]:
    """Every named spec in a file, in file order.

    .yaml/.yml/.json: a mapping of name -> spec. .prototxt/.pbtxt/.txt: a named set
    (`filler { name: ... param { ... } }`) or a Caffe net, told apart by the first field.
    `phase` ("TRAIN" or "TEST") keeps only the net layers Caffe includes in that phase; a
    net that defines a layer for each phase needs it, since the names would repeat.

    Examples:
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "net.prototxt")
        >>> with open(path, "w") as net:
        ...     _ = net.write('layer { name: "conv1" type: "Convolution" convolution_param {'
        ...                   ' weight_filler { type: "msra" } bias_filler { type: "constant" } } }')
        >>> {name: spec.type for name, spec in load_all(path).items()}
        {'conv1/weight_filler': 'msra', 'conv1/bias_filler': 'constant'}
    """
    fmt = formats.format_or_text(path, SET_FORMATS)
    text = formats.read_text(path)
    if fmt == formats.TEXT and _first_field(text) in _NET_FIELDS:
        return net_file_fillers(read_net_text(text, os.fspath(path)), phase=phase)
    if phase is not None:
        raise FillerError(
            f"{formats.shown(path)}: phase={echo(repr(phase))} applies to Caffe nets; "
            "this file is a named set"
        )
    return read_set_text(text, fmt, path)


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
