"""Caffe nets as Caffe reads them: parse, upgrade the legacy form, filter by state, list fillers.

`read_net` (and `parse_net`, for text) reads a net the way Caffe's ReadNetParamsFromTextFileOrDie
does, through the one strict reader (`source`): a field neither caffe.proto nor a declaration of
the layer's type knows is an error, and the legacy V1 `layers { type: CONVOLUTION ... }` form is
upgraded to `layer { type: "Convolution" ... }` as UpgradeV1Net does.
The deprecated net-level input/input_shape/input_dim stay as written (net init reads them).
`net_state` and `layer_included` are Net's constructor and Net::FilterNet/StateMeetsRule.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Union

from google.protobuf.message import Message

from .._proto import filler_pb2
from .._proto.pool import is_repeated
from ..errors import FillerError
from ..io.limits import check_unicode, echo
from .upgrade import V1_LAYER_TYPES as V1_LAYER_TYPES
from .upgrade import upgrade_net_as_needed as upgrade_net_as_needed

NetParameter = filler_pb2.NetParameter
LayerParameter = filler_pb2.LayerParameter
NetState = filler_pb2.NetState
NetStateRule = filler_pb2.NetStateRule
V1LayerParameter = filler_pb2.V1LayerParameter
FillerParameter = filler_pb2.FillerParameter

NetSource = Union[Message, str, "os.PathLike[str]"]
PhaseLike = str | int


def read_net(source: NetSource) -> NetParameter:
    """A Caffe net in today's `layer` form, from a message, a prototxt file or prototxt text.

    `source` is a NetParameter (ours: copied, then upgraded; another package's
    `caffe_pb2.NetParameter`: read through its text, so a fork's fields are checked too), a
    path (str or os.PathLike) of an existing file, or else the prototxt text itself. Every
    field is checked as Caffe's parser does, fork fields against their declarations
    (`fillers.net.source`).

    Examples:
        >>> [layer.type for layer in read_net('layers { name: "ip" type: INNER_PRODUCT }').layer]
        ['InnerProduct']
    """
    from .source import read_net_file  # the one reader; it upgrades with this module

    return read_net_file(source).param


def parse_net(text: str) -> NetParameter:
    """A Caffe net from prototxt text, read strictly (as `read_net`), V1 form upgraded."""
    from .source import read_net_text

    if not isinstance(text, str):
        raise FillerError(f"a net's text is a str; got {type(text).__name__}")
    return read_net_text(text, "").param


def phase_number(phase: PhaseLike) -> int:
    """The Phase enum value of "TRAIN"/"TEST" (or 0/1), else FillerError."""
    names = filler_pb2.Phase.keys()
    if isinstance(phase, str) and phase in names:
        return filler_pb2.Phase.Value(phase)
    if isinstance(phase, int) and not isinstance(phase, bool) and phase in filler_pb2.Phase.values():
        return phase
    raise FillerError(f"phase: {echo(repr(phase))} is not a phase; allowed: {', '.join(names)}")


def net_state(net: NetParameter, phase: PhaseLike, level: int = 0, stages: Iterable[str] = ()) -> NetState:
    """The state Caffe's Net(file, phase, level, stages) filters with.

    The file's own `state` keeps its stages, gains `stages`, and takes `phase` and `level`.
    """
    if isinstance(level, bool) or not isinstance(level, int) or not -(2**31) <= level < 2**31:
        raise FillerError(f"level: {echo(repr(level))} is not an int32 (NetState.level)")
    try:
        names = None if isinstance(stages, str) else list(stages)
    except TypeError:
        names = None
    if names is None or not all(isinstance(stage, str) for stage in names):
        raise FillerError(f"stages: {echo(repr(stages))} is not a list of stage names")
    for stage in names:
        check_unicode(stage, "stages")
    state = NetState()
    state.CopyFrom(net.state)
    state.phase = phase_number(phase)
    state.level = level
    state.stage.extend(names)
    return state


def layer_included(layer: LayerParameter, state: NetState) -> bool:
    """Whether Net::FilterNet keeps `layer` in a net of `state`.

    No rules: kept. Exclude rules: kept unless the state meets one. Include rules: kept if the
    state meets one. The layer's own `phase` field plays no part, as in Caffe.
    """
    if layer.include and layer.exclude:
        raise FillerError(f"layer {layer.name!r}: Specify either include rules or exclude rules; not both.")
    if layer.include:
        return any(_state_meets_rule(state, rule) for rule in layer.include)
    return not any(_state_meets_rule(state, rule) for rule in layer.exclude)


def included_layers(net: NetParameter, state: NetState) -> list[LayerParameter]:
    """The layers of `net` that Net::FilterNet keeps for `state`, in order."""
    return [layer for layer in net.layer if layer_included(layer, state)]


def layer_fillers(layer: LayerParameter) -> list[tuple[str, FillerParameter]]:
    """Every FillerParameter the layer's `*_param` messages hold, named by field.

    In field-number order; a repeated field gives "data_filler.0", "data_filler.1", ...
    Only fillers written in the net are listed, not the defaults a layer falls back on.

    Examples:
        >>> net = read_net('layer { convolution_param { weight_filler { type: "xavier" } } }')
        >>> [(name, p.type) for name, p in layer_fillers(net.layer[0])]
        [('weight_filler', 'xavier')]
    """
    found = []
    for param_field, param in layer.ListFields():
        if not param_field.name.endswith("_param"):
            continue
        for field, value in param.ListFields():
            if field.message_type is not FillerParameter.DESCRIPTOR:
                continue
            if is_repeated(field):
                found.extend((f"{field.name}.{i}", filler) for i, filler in enumerate(value))
            else:
                found.append((field.name, value))
    return found


def _state_meets_rule(state: NetState, rule: NetStateRule) -> bool:
    """Net::StateMeetsRule: every condition the rule sets must hold."""
    if rule.HasField("phase") and rule.phase != state.phase:
        return False
    if rule.HasField("min_level") and state.level < rule.min_level:
        return False
    if rule.HasField("max_level") and state.level > rule.max_level:
        return False
    return all(stage in state.stage for stage in rule.stage) and not any(
        stage in state.stage for stage in rule.not_stage
    )
