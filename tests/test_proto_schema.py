"""A fork's own caffe.proto (`declare_proto`, `--proto`): its fields read strictly on every
layer, its fillers listed; what it defines differently from caffe.proto keeps caffe.proto's
rules; bad schema files are FillerErrors."""

from __future__ import annotations

import pytest

import fillers
from fillers.cli import main
from fillers.net.fields import ANY_TYPE, declared_fields, undeclare_fields
from fillers.net.proto_schema import declare_proto
from fillers.net.source import read_net_file

FORK_PROTO = """syntax = "proto2";
package caffe;
message FillerParameter { optional string type = 1 [default = 'constant']; optional float value = 2; }
message ConvolutionParameter {
  optional uint32 num_output = 1;
  optional bool bias_term = 2 [default = true];
  repeated uint32 kernel_size = 4;
  optional FillerParameter weight_filler = 7;
  optional bool my_flag = 99 [default = true];
}
message MyParameter {
  optional float alpha = 1 [default = 0.5];
  optional FillerParameter w_filler = 2;
  enum Mode { FAST = 0; SLOW = 1; }
  optional Mode mode = 3 [default = SLOW];
}
message LayerParameter {
  optional string name = 1;
  optional string type = 2;
  repeated string bottom = 3;
  repeated string top = 4;
  optional ConvolutionParameter convolution_param = 106;
  optional MyParameter my_param = 999;
  optional float phase = 10;
}
"""

NET = """layer { name: "data" type: "Input" top: "data"
  input_param { shape { dim: 2 dim: 3 dim: 4 dim: 4 } } }
layer { name: "c" type: "Convolution" bottom: "data" top: "c"
  convolution_param { num_output: 2 kernel_size: 1 my_flag: false weight_filler { type: "xavier" } } }
layer { name: "m" type: "Mystery" bottom: "c" top: "m"
  my_param { alpha: 2 mode: FAST w_filler { type: "gaussian" value: 1 } } }
"""


@pytest.fixture
def fork_proto(tmp_path):
    path = tmp_path / "caffe.proto"
    path.write_text(FORK_PROTO)
    yield path
    undeclare_fields(ANY_TYPE)


def test_a_forks_proto_declares_its_fields_for_every_layer(fork_proto):
    with pytest.raises(fillers.FillerError, match=r'no field named "my_flag"'):
        read_net_file(NET)
    kept = declare_proto(fork_proto)
    assert kept == [
        "*: phase is caffe.proto's field (LayerParameter.phase); a declaration may add fields to its "
        "blocks or values to its enums, not change it"
    ]
    net = read_net_file(NET)
    assert net.layers[1].fields["convolution_param"]["my_flag"] is False
    my = net.layers[2].fields["my_param"]
    assert (my["alpha"], my["mode"]) == (2.0, "FAST")
    assert net.fillers(2) == [("w_filler", fillers.FillerParameter(type="gaussian", value=1))]
    assert declared_fields("Anything")["my_param"].fields["mode"].default == "SLOW"


def test_a_typo_in_a_forks_block_is_still_an_error(fork_proto):
    declare_proto(fork_proto)
    with pytest.raises(fillers.FillerError) as caught:
        read_net_file(NET.replace("alpha", "alpa"))
    assert str(caught.value).startswith(
        f"line 6:14: layer 'm': my_param: no field named \"alpa\" among those declared for Mystery "
        f"({fork_proto}); did you mean 'alpha'?"
    )


def test_a_compiled_descriptor_set_and_its_bytes_work_alike(fork_proto, tmp_path):
    from grpc_tools import protoc

    compiled = tmp_path / "fork.pb"
    assert protoc.main(["protoc", f"-I{tmp_path}", f"--descriptor_set_out={compiled}", "caffe.proto"]) == 0
    declare_proto(compiled)
    assert read_net_file(NET).layers[2].fields["my_param"]["alpha"] == 2.0
    undeclare_fields(ANY_TYPE)
    declare_proto(compiled.read_bytes(), origin="fork bytes")
    assert declared_fields(ANY_TYPE)["my_param"].origin == "fork bytes"


def test_the_cli_reads_a_forks_net_with_proto(fork_proto, tmp_path, capsys):
    net = tmp_path / "net.prototxt"
    net.write_text(NET)
    assert main(["specs", str(net)]) == 1
    error = capsys.readouterr().err
    assert 'no field named "my_flag"' in error and "pass the fork's caffe.proto with --proto FILE" in error
    assert main(["specs", str(net), "--proto", str(fork_proto)]) == 0
    captured = capsys.readouterr()
    names = [line.split()[0] for line in captured.out.splitlines()[1:]]
    assert names == ["c/weight_filler", "m/w_filler"]
    assert "kept caffe.proto's rules for *: phase" in captured.err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xff not a descriptor set", "not a compiled descriptor set"),
        (b"", "no LayerParameter message in it"),
    ],
)
def test_a_bad_descriptor_set_is_a_filler_error(tmp_path, content, message):
    path = tmp_path / "bad.pb"
    path.write_bytes(content)
    with pytest.raises(fillers.FillerError, match=message):
        declare_proto(path)


def test_a_proto_that_does_not_compile_or_is_missing_is_a_filler_error(tmp_path):
    broken = tmp_path / "broken.proto"
    broken.write_text("message LayerParameter { optional strin name = 1; }")
    with pytest.raises(fillers.FillerError, match="protoc could not compile it"):
        declare_proto(broken)
    with pytest.raises(fillers.FillerError, match="no such file"):
        declare_proto(tmp_path / "missing.proto")
    with pytest.raises(fillers.FillerError, match="is not a LayerParameter"):
        declare_proto(fillers.FillerParameter.DESCRIPTOR)
