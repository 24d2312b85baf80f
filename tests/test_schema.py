"""The schema: the shipped code is current, and the wire format is caffe.proto's."""

from __future__ import annotations

import ast
import copy
import importlib.util
import math
import pickle
import struct
from pathlib import Path

import numpy as np
import pytest
from google.protobuf import descriptor_pool, text_format

from fillers._proto import filler_pb2
from fillers._proto.pool import is_repeated
from fillers.io.textformat import parse_text

REPO = Path(__file__).resolve().parent.parent


def _load_generator():
    spec = importlib.util.spec_from_file_location("generate", REPO / "proto" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def f32(value: float) -> bytes:
    return struct.pack("<f", value)


def varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # negative int32 values go on the wire sign-extended to 64 bits
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


def length_delimited(field_number: int, payload: bytes) -> bytes:
    return varint(field_number << 3 | 2) + varint(len(payload)) + payload


def test_shipped_module_is_generated_from_the_current_schema():
    generator = _load_generator()
    fresh = generator.render_module(generator.compiled_schema())
    assert generator.MODULE.read_text() == fresh, "schema changed: run proto/generate.py"


def test_shipped_stubs_name_every_message_and_enum():
    stubs = ast.parse((REPO / "fillers" / "_proto" / "filler_pb2.pyi").read_text())
    stubbed = {node.name for node in stubs.body if isinstance(node, ast.ClassDef)}
    schema = filler_pb2.DESCRIPTOR
    assert stubbed == set(schema.message_types_by_name) | set(schema.enum_types_by_name)


def test_schema_is_registered_under_a_name_no_caffe_proto_takes():
    assert filler_pb2.DESCRIPTOR.name == "fillers/_proto/filler.proto"
    assert filler_pb2.DESCRIPTOR.package == "fillers"


ALL_FIELDS_WIRE = b"".join(
    [
        b"\x0a\x08gaussian",  # 1 type, length-delimited
        b"\x15" + f32(0.5),  # 2 value, fixed32
        b"\x1d" + f32(-2.0),  # 3 min
        b"\x25" + f32(3.0),  # 4 max
        b"\x2d" + f32(0.25),  # 5 mean
        b"\x35" + f32(0.01),  # 6 std
        b"\x38" + varint(-7),  # 7 sparse, int32 varint
        b"\x40\x02",  # 8 variance_norm = AVERAGE
    ]
)


def test_every_field_parses_from_caffe_wire_bytes():
    param = filler_pb2.FillerParameter.FromString(ALL_FIELDS_WIRE)
    assert param.type == "gaussian"
    assert (param.value, param.min, param.max, param.mean) == (0.5, -2.0, 3.0, 0.25)
    assert param.std == struct.unpack("<f", f32(0.01))[0]
    assert param.sparse == -7
    assert param.variance_norm == filler_pb2.FillerParameter.AVERAGE


def test_serializing_reproduces_caffe_wire_bytes_exactly():
    assert filler_pb2.FillerParameter.FromString(ALL_FIELDS_WIRE).SerializeToString() == ALL_FIELDS_WIRE


def test_negative_sparse_takes_ten_bytes_as_in_caffe():
    assert filler_pb2.FillerParameter(sparse=-1).SerializeToString() == b"\x38" + b"\xff" * 9 + b"\x01"


@pytest.mark.parametrize(("name", "number"), [("FAN_IN", 0), ("FAN_OUT", 1), ("AVERAGE", 2)])
def test_variance_norm_numbers(name, number):
    assert filler_pb2.FillerParameter.VarianceNorm.Value(name) == number
    assert filler_pb2.FillerParameter.FromString(b"\x40" + varint(number)).variance_norm == number


def test_absent_fields_read_as_caffe_defaults_and_stay_unset():
    param = filler_pb2.FillerParameter.FromString(b"")
    assert (param.type, param.value, param.min, param.max) == ("constant", 0.0, 0.0, 1.0)
    assert (param.mean, param.std, param.sparse) == (0.0, 1.0, -1)
    assert param.variance_norm == filler_pb2.FillerParameter.FAN_IN
    assert param.ListFields() == []


def test_a_field_set_to_its_default_is_still_written():
    assert filler_pb2.FillerParameter(type="constant", std=1.0).SerializeToString() == (
        b"\x0a\x08constant" + b"\x35" + f32(1.0)
    )


# (LayerParameter field, its number, the param's filler field, its number) in caffe.proto.
FILLER_FIELDS = [
    ("convolution_param", 106, "weight_filler", 7),
    ("convolution_param", 106, "bias_filler", 8),
    ("inner_product_param", 117, "weight_filler", 3),
    ("inner_product_param", 117, "bias_filler", 4),
    ("embed_param", 137, "weight_filler", 4),
    ("embed_param", 137, "bias_filler", 5),
    ("recurrent_param", 146, "weight_filler", 2),
    ("recurrent_param", 146, "bias_filler", 3),
    ("prelu_param", 131, "filler", 1),
    ("scale_param", 142, "filler", 3),
    ("scale_param", 142, "bias_filler", 5),
    ("bias_param", 141, "filler", 3),
]


@pytest.mark.parametrize(("param_name", "param_number", "filler_name", "filler_number"), FILLER_FIELDS)
def test_layer_fillers_sit_at_caffe_field_numbers(param_name, param_number, filler_name, filler_number):
    filler = b"\x0a\x06xavier"
    layer = b"\x0a\x05layer" + length_delimited(param_number, length_delimited(filler_number, filler))
    wire = length_delimited(100, layer)  # NetParameter.layer = 100
    net = filler_pb2.NetParameter.FromString(wire)
    assert net.layer[0].name == "layer"
    assert getattr(getattr(net.layer[0], param_name), filler_name).type == "xavier"
    assert net.SerializeToString() == wire


def test_dummy_data_fillers_are_repeated_field_one():
    fillers = length_delimited(1, b"\x0a\x08constant") + length_delimited(1, b"\x0a\x08gaussian")
    layer = length_delimited(109, fillers)  # LayerParameter.dummy_data_param = 109
    net = filler_pb2.NetParameter.FromString(length_delimited(100, layer))
    assert [p.type for p in net.layer[0].dummy_data_param.data_filler] == ["constant", "gaussian"]


def test_legacy_v1_layer_parses_at_its_own_numbers():
    v1_layer = b"".join(
        [
            b"\x22\x05conv1",  # 4 name
            b"\x28\x04",  # 5 type = CONVOLUTION
            b"\x3d" + f32(1.0),  # 7 blobs_lr, twice
            b"\x3d" + f32(2.0),
            length_delimited(10, length_delimited(7, b"\x0a\x08gaussian")),  # convolution_param.weight_filler
        ]
    )
    net = filler_pb2.NetParameter.FromString(length_delimited(2, v1_layer))  # NetParameter.layers = 2
    layer = net.layers[0]
    assert layer.type == filler_pb2.V1LayerParameter.CONVOLUTION
    assert list(layer.blobs_lr) == [1.0, 2.0]
    assert layer.convolution_param.weight_filler.type == "gaussian"


def test_net_state_and_rules_use_caffe_numbers():
    rule = length_delimited(8, b"\x08\x01" + b"\x10\x02" + length_delimited(4, b"deploy"))  # include
    net = filler_pb2.NetParameter.FromString(length_delimited(100, rule))
    include = net.layer[0].include[0]
    assert (include.phase, include.min_level, list(include.stage)) == (filler_pb2.TEST, 2, ["deploy"])
    assert filler_pb2.NetState().phase == filler_pb2.TEST


FLOAT32_MAX = float(np.finfo(np.float32).max)


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        ("3.4028235e+38", FLOAT32_MAX),  # the maximum written shortest, as to_text writes it
        ("-3.4028235e38", -FLOAT32_MAX),
        ("3.40282356e38f", FLOAT32_MAX),  # still below the halfway point to 2**128
        ("340282350000000000000000000000000000000", FLOAT32_MAX),
        ("3.4028236e38", math.inf),  # beyond it: an infinity, as in Caffe
        ("1e39", math.inf),
        ("3.4028234e38", FLOAT32_MAX),
    ],
)
def test_float32_maximum_reads_as_in_caffe_on_every_runtime(literal, value):
    assert parse_text(f"max: {literal}", filler_pb2.FillerParameter()).max == value


def test_only_number_tokens_are_respelled():
    text = (
        'name: "3.4028235e+38" # 3.4028235e+38\n'
        "layer { name: 'x3.4028235e+38' param { lr_mult: 3.4028235e+38 } }\n"
    )
    net = parse_text(text, filler_pb2.NetParameter())
    assert net.name == "3.4028235e+38"
    assert net.layer[0].name == "x3.4028235e+38"
    assert net.layer[0].param[0].lr_mult == FLOAT32_MAX


def test_unknown_fields_are_skipped_on_request_only():
    with pytest.raises(text_format.ParseError):
        parse_text("future_field: 3.4028235e+38", filler_pb2.NetParameter())
    net = parse_text("future_field: 3.4028235e+38", filler_pb2.NetParameter(), allow_unknown_field=True)
    assert net.ListFields() == []


def test_the_schema_stays_out_of_the_default_pool():
    with pytest.raises(KeyError):
        descriptor_pool.Default().FindFileByName(filler_pb2.DESCRIPTOR.name)
    assert filler_pb2.FillerParameter.DESCRIPTOR.file is filler_pb2.DESCRIPTOR


def test_enum_wrappers_and_values_as_generated_code_gives_them():
    variance_norm = filler_pb2.FillerParameter.VarianceNorm
    assert variance_norm.Name(filler_pb2.FillerParameter.AVERAGE) == "AVERAGE"
    assert variance_norm.keys() == ["FAN_IN", "FAN_OUT", "AVERAGE"]
    assert variance_norm.items() == [("FAN_IN", 0), ("FAN_OUT", 1), ("AVERAGE", 2)]
    phase = filler_pb2.Phase
    assert (phase.Name(filler_pb2.TRAIN), phase.Value("TEST")) == ("TRAIN", filler_pb2.TEST)
    assert phase.values() == [0, 1]
    v1_layer = filler_pb2.V1LayerParameter
    assert v1_layer.LayerType.Value("CONVOLUTION") == v1_layer.CONVOLUTION == 4


def test_messages_are_named_after_their_module_so_pickle_finds_them():
    param = filler_pb2.FillerParameter(type="msra", variance_norm=filler_pb2.FillerParameter.FAN_OUT)
    net = filler_pb2.NetParameter(name="n", state=filler_pb2.NetState(phase=filler_pb2.TRAIN))
    for message in (param, net):
        assert type(message).__module__ == "fillers._proto.filler_pb2"
        assert pickle.loads(pickle.dumps(message)) == message
        assert copy.deepcopy(message) == message


def test_is_repeated_on_every_runtime():
    fields = filler_pb2.NetParameter.DESCRIPTOR.fields_by_name
    repeated = [is_repeated(fields[name]) for name in ("name", "layer", "input", "state")]
    assert repeated == [False, True, True, False]
