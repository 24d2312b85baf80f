"""Caffe nets as Caffe reads them: parse, upgrade the legacy form, filter by state, list fillers.

`read_net` (and `parse_net`, for text) reads a net the way Caffe's ReadNetParamsFromTextFileOrDie
does for the parts our schema carries: fields outside it are skipped, and the legacy V1 `layers { type:
CONVOLUTION ... }` form is upgraded to `layer { type: "Convolution" ... }` as UpgradeV1Net does.
The deprecated net-level input/input_shape/input_dim stay as written (net init reads them).
`net_state` and `layer_included` are Net's constructor and Net::FilterNet/StateMeetsRule.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Union

from google.protobuf import text_format
from google.protobuf.message import Message

from .._proto import filler_pb2
from .._proto.pool import is_repeated
from ..errors import FillerError
from ..io import formats
from ..io.limits import check_unicode, echo
from ..io.textformat import parse_into

NetParameter = filler_pb2.NetParameter
LayerParameter = filler_pb2.LayerParameter
NetState = filler_pb2.NetState
NetStateRule = filler_pb2.NetStateRule
V1LayerParameter = filler_pb2.V1LayerParameter
FillerParameter = filler_pb2.FillerParameter

NetSource = Union[Message, str, "os.PathLike[str]"]
PhaseLike = str | int

# Caffe's UpgradeV1LayerType: the V1 enum name -> the layer type string of today's registry.
V1_LAYER_TYPES = {
    "NONE": "",
    "ABSVAL": "AbsVal",
    "ACCURACY": "Accuracy",
    "ARGMAX": "ArgMax",
    "BNLL": "BNLL",
    "CONCAT": "Concat",
    "CONTRASTIVE_LOSS": "ContrastiveLoss",
    "CONVOLUTION": "Convolution",
    "DECONVOLUTION": "Deconvolution",
    "DATA": "Data",
    "DROPOUT": "Dropout",
    "DUMMY_DATA": "DummyData",
    "EUCLIDEAN_LOSS": "EuclideanLoss",
    "ELTWISE": "Eltwise",
    "EXP": "Exp",
    "FLATTEN": "Flatten",
    "HDF5_DATA": "HDF5Data",
    "HDF5_OUTPUT": "HDF5Output",
    "HINGE_LOSS": "HingeLoss",
    "IM2COL": "Im2col",
    "IMAGE_DATA": "ImageData",
    "INFOGAIN_LOSS": "InfogainLoss",
    "INNER_PRODUCT": "InnerProduct",
    "LRN": "LRN",
    "MEMORY_DATA": "MemoryData",
    "MULTINOMIAL_LOGISTIC_LOSS": "MultinomialLogisticLoss",
    "MVN": "MVN",
    "POOLING": "Pooling",
    "POWER": "Power",
    "RELU": "ReLU",
    "SIGMOID": "Sigmoid",
    "SIGMOID_CROSS_ENTROPY_LOSS": "SigmoidCrossEntropyLoss",
    "SILENCE": "Silence",
    "SOFTMAX": "Softmax",
    "SOFTMAX_LOSS": "SoftmaxWithLoss",
    "SPLIT": "Split",
    "SLICE": "Slice",
    "TANH": "TanH",
    "WINDOW_DATA": "WindowData",
    "THRESHOLD": "Threshold",
}

# UpgradeNetDataTransformation: V1 data layers whose own param held the transformation fields.
_V1_DATA_PARAMS = {"DATA": "data_param", "IMAGE_DATA": "image_data_param", "WINDOW_DATA": "window_data_param"}
_TRANSFORM_FIELDS = ("scale", "mean_file", "crop_size", "mirror")


def read_net(source: NetSource) -> NetParameter:
    """A Caffe net in today's `layer` form, from a message, a prototxt file or prototxt text.

    `source` is a NetParameter (ours, or any package's `caffe_pb2.NetParameter`: the wire
    format is the same; copied, then upgraded), a path (str or os.PathLike) of an existing
    file, or else the prototxt text itself. Fields our schema does not carry are skipped.

    Examples:
        >>> [layer.type for layer in read_net('layers { name: "ip" type: INNER_PRODUCT }').layer]
        ['InnerProduct']
    """
    if isinstance(source, Message) and source.DESCRIPTOR.name == "NetParameter":
        return upgrade_net_as_needed(NetParameter.FromString(source.SerializeToString()))
    if isinstance(source, os.PathLike) or (
        isinstance(source, str) and "\n" not in source and os.path.exists(source)
    ):
        # Through the guarded reader, which refuses a FIFO or a device path with FillerError.
        text = formats.read_text(source)
        with formats.errors_in(source):
            return parse_net(text)
    if not isinstance(source, str):
        raise FillerError(
            f"a net is a NetParameter, a prototxt path or prototxt text; got {type(source).__name__}"
        )
    if "\n" not in source and not any(mark in source for mark in "{:"):
        # One line without a single field in it was meant as a path.
        raise FillerError(f"no such net file: {echo(source)}")
    return parse_net(source)


def parse_net(text: str) -> NetParameter:
    """A Caffe net from prototxt text, fields outside our schema skipped, V1 form upgraded."""
    net = NetParameter()
    try:
        parse_into(text, net, "cannot parse net")
    except FillerError as error:
        # Our FillerParameter is caffe.proto's whole message, so an unknown name inside a
        # filler is a typo Caffe would reject too (`stdd: 0.01` must not fill with std 1).
        # Elsewhere it may be a field of a Caffe fork, which we skip.
        if not isinstance(error.__cause__, text_format.ParseError) or (
            f'"{FillerParameter.DESCRIPTOR.full_name}" has no field named' in str(error.__cause__)
        ):
            raise
        net = NetParameter()
        parse_into(text, net, "cannot parse net", allow_unknown_field=True)
    return upgrade_net_as_needed(net)


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


def upgrade_net_as_needed(net: NetParameter) -> NetParameter:
    """Caffe's UpgradeNetAsNeeded for the V1 form: its UpgradeNetDataTransformation then
    UpgradeV1Net turn `layers` into `layer`. A net without `layers` is returned as it is."""
    if not net.layers:
        return net
    if net.layer:
        raise FillerError(
            "Refusing to upgrade inconsistent NetParameter input; the definition includes both "
            "'layer' and 'layers' fields. The current format defines 'layer' fields with string "
            "type like layer { type: 'Layer' ... } and not layers { type: LAYER ... }. "
            "Manually switch the definition to 'layer' format to continue."
        )
    upgraded = NetParameter()
    upgraded.CopyFrom(net)
    upgraded.ClearField("layers")
    for v1_layer in net.layers:
        _upgrade_v1_layer(v1_layer, upgraded.layer.add())
    return upgraded


def _upgrade_v1_layer(v1_layer: V1LayerParameter, layer: LayerParameter) -> None:
    """Caffe's UpgradeV1LayerParameter, for the fields our schema carries."""
    layer.bottom.extend(v1_layer.bottom)
    layer.top.extend(v1_layer.top)
    if v1_layer.HasField("name"):
        layer.name = v1_layer.name
    layer.include.extend(v1_layer.include)
    layer.exclude.extend(v1_layer.exclude)
    if v1_layer.HasField("type"):
        layer.type = V1_LAYER_TYPES[V1LayerParameter.LayerType.Name(v1_layer.type)]
    layer.blobs.extend(v1_layer.blobs)
    # param names, share modes, blobs_lr and weight_decay each fill the i-th ParamSpec,
    # adding ParamSpecs as needed: the lists need not have the same length. The two
    # DimCheckMode enums number STRICT and PERMISSIVE alike.
    for name, values in (
        ("name", v1_layer.param),
        ("share_mode", v1_layer.blob_share_mode),
        ("lr_mult", v1_layer.blobs_lr),
        ("decay_mult", v1_layer.weight_decay),
    ):
        for i, value in enumerate(values):
            while len(layer.param) <= i:
                layer.param.add()
            setattr(layer.param[i], name, value)
    layer.loss_weight.extend(v1_layer.loss_weight)
    for field, value in v1_layer.ListFields():
        if field.name.endswith("_param"):
            getattr(layer, field.name).CopyFrom(value)
    _move_transform_fields(v1_layer, layer)


def _move_transform_fields(v1_layer: V1LayerParameter, layer: LayerParameter) -> None:
    """UpgradeNetDataTransformation: old data layers kept scale/mean_file/crop_size/mirror in
    their own param; Caffe moves them to transform_param."""
    if not v1_layer.HasField("type"):
        return
    param_name = _V1_DATA_PARAMS.get(V1LayerParameter.LayerType.Name(v1_layer.type))
    if param_name is None or not layer.HasField(param_name):
        return
    data_param = getattr(layer, param_name)
    for name in _TRANSFORM_FIELDS:
        if data_param.HasField(name):
            setattr(layer.transform_param, name, getattr(data_param, name))
            data_param.ClearField(name)
