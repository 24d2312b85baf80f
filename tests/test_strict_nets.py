"""Strict reading (issue 19): every typo Caffe's parser refuses is a FillerError naming file,
line, column, layer, block and field with a did-you-mean, in V2 `layer` and V1 `layers` nets,
from every entry point; fork fields work where a definition declares them."""

from __future__ import annotations

from pathlib import Path

import pytest

import fillers
from fillers.cli import main
from fillers.net.fields import undeclare_fields
from fillers.net.netparam import read_net
from fillers.net.plan import plan_net
from fillers.net.source import read_net_file

NETS = Path(__file__).parent / "data" / "nets"
FORKS = Path(__file__).parent / "data" / "forks"

V1_NET = """name: "v1"
layers { name: "data" type: DATA top: "data" top: "label"
  data_param { source: "x" batch_size: 2 }
  transform_param { crop_size: 8 } }
layers { name: "conv1" type: CONVOLUTION bottom: "data" top: "conv1"
  convolution_param { num_output: 4 kernel_size: 3 stride: 1 group: 1
    weight_filler { type: "gaussian" std: 0.01 } } }
layers { name: "pool1" type: POOLING bottom: "conv1" top: "pool1"
  pooling_param { pool: MAX kernel_size: 2 } }
layers { name: "norm1" type: LRN bottom: "pool1" top: "norm1"
  lrn_param { local_size: 5 } }
layers { name: "drop1" type: DROPOUT bottom: "norm1" top: "norm1"
  dropout_param { dropout_ratio: 0.5 } }
"""

# (the field as written, the typo, the layer it sits in, the block it sits in, the message)
TYPOS = [
    ("weight_filler", "weight_filer", "conv1", "convolution_param", "ConvolutionParameter"),
    ("stride", "stide", "conv1", "convolution_param", "ConvolutionParameter"),
    ("kernel_size", "kernal_size", "conv1", "convolution_param", "ConvolutionParameter"),
    ("num_output", "num_ouput", "conv1", "convolution_param", "ConvolutionParameter"),
    ("group", "groups", None, "convolution_param", "ConvolutionParameter"),
    ("local_size", "local_siz", "norm1", "lrn_param", "LRNParameter"),
    ("pool", "pol", "pool1", "pooling_param", "PoolingParameter"),
    ("std", "sdt", "conv1", "convolution_param.weight_filler", "FillerParameter"),
    ("dropout_ratio", "dropout_rate", None, "dropout_param", "DropoutParameter"),
    ("crop_size", "crop", "data", "transform_param", "TransformationParameter"),
    ("bottom", "botom", "conv1", "", None),
]


def with_typo(text: str, good: str, bad: str) -> tuple[str, int, int, str]:
    """`text` with the first `good:`/`good {` field renamed, the typo's line and column and the
    name of the layer block it falls in."""
    for mark in (f" {good}:", f" {good} {{", f"\n{good}:"):
        at = text.find(mark)
        if at >= 0:
            at += 1
            break
    else:
        raise AssertionError(f"{good} not in the net")
    line = text.count("\n", 0, at) + 1
    column = at - text.rfind("\n", 0, at)
    name_at = text.rfind('name: "', 0, at) + len('name: "')
    layer = text[name_at : text.index('"', name_at)]
    return text[:at] + bad + text[at + len(good) :], line, column, layer


@pytest.mark.parametrize(("form", "source"), [("V2", "caffenet"), ("V1", "v1")])
@pytest.mark.parametrize(("good", "bad", "layer", "block", "message"), TYPOS, ids=[typo[1] for typo in TYPOS])
def test_each_typo_names_file_line_layer_block_and_field(
    tmp_path, form, source, good, bad, layer, block, message
):
    text = (NETS / "caffenet_train_val.prototxt").read_text() if source == "caffenet" else V1_NET
    broken, line, column, found_layer = with_typo(text, good, bad)
    assert layer is None or found_layer == layer
    path = tmp_path / "net.prototxt"
    path.write_text(broken)
    owner = message or ("LayerParameter" if form == "V2" else "V1LayerParameter")
    where = f"{block}: " if block else ""
    expected = (
        f"{path}:{line}:{column}: layer '{found_layer}': {where}{owner} "
        f"has no field named \"{bad}\"; did you mean '{good}'?"
    )
    for read in (read_net_file, read_net, fillers.load_all, lambda p: fillers.init_net(p, seed=1)):
        with pytest.raises(fillers.FillerError) as caught:
            read(path)
        assert str(caught.value).startswith(expected), (read, str(caught.value))


def test_the_cli_refuses_a_typo_with_the_same_message(tmp_path, capsys):
    broken, line, column, _ = with_typo((NETS / "caffenet_train_val.prototxt").read_text(), "stride", "stide")
    path = tmp_path / "typo.prototxt"
    path.write_text(broken)
    for command in (["net", str(path), "--seed", "1"], ["specs", str(path)]):
        assert main(command) == 1
        error = capsys.readouterr().err
        assert f"typo.prototxt:{line}:{column}: layer 'conv1': convolution_param: " in error
        assert "did you mean 'stride'?" in error and "--plugin FILE.py" in error


def test_the_first_typo_in_the_file_is_the_one_named():
    text = (NETS / "caffenet_train_val.prototxt").read_text().replace("stride", "stide")
    with pytest.raises(fillers.FillerError, match=r"^line 72:5: layer 'conv1': convolution_param: "):
        read_net_file(text)
    deep_then_shallow = 'layer { name: "a" convolution_param { stide: 1 } }\nlayer { nme: "b" }'
    with pytest.raises(fillers.FillerError, match=r'^line 1:39: .*"stide"'):
        read_net_file(deep_then_shallow)


def test_a_typo_in_a_solvers_embedded_net_names_its_line(tmp_path):
    path = tmp_path / "solver.prototxt"
    path.write_text(
        'base_lr: 0.01\nnet_param {\n  layer { name: "d" type: "Input" top: "d"\n    topp: "x" }\n}\n'
    )
    with pytest.raises(
        fillers.FillerError, match=r"solver\.prototxt:4:5: layer 'd': .*\"topp\"; did you mean 'top'"
    ):
        read_net_file(path)


@pytest.mark.parametrize("form", ["layer", "layers"])
def test_a_typo_in_an_include_rule_is_refused(form):
    net = f'{form} {{ name: "a"\n  include {{ phse: TRAIN }} }}'
    with pytest.raises(
        fillers.FillerError,
        match=r"^line 2:13: layer 'a': include: NetStateRule has no field named \"phse\"; "
        r"did you mean 'phase'\?",
    ):
        read_net(net)


def test_an_unknown_net_field_is_refused():
    with pytest.raises(
        fillers.FillerError, match=r'^line 1:1: NetParameter has no field named "layr"; did you mean'
    ):
        read_net('layr { name: "a" }')


def test_a_bad_enum_name_is_refused_with_the_closest():
    net = 'layer { name: "p" type: "Pooling" pooling_param { pool: AVG } }'
    with pytest.raises(fillers.FillerError, match=r"pool: 'AVG' is not a PoolMethod; did you mean AVE\?"):
        read_net(net)


def test_every_fork_net_in_the_tests_reads_strictly():
    paths = [path for path in sorted(FORKS.glob("*.p*")) if "solver" not in path.name]
    assert len(paths) >= 9  # every published fork net copied here
    for path in paths:
        read_net_file(path)


def test_a_typo_in_a_fork_block_suggests_the_forks_field():
    net = (FORKS / "MobileNetSSD_train.prototxt").read_text()
    broken, line, column, layer = with_typo(net, "min_size", "min_sise")
    with pytest.raises(fillers.FillerError) as caught:
        read_net_file(broken)
    message = str(caught.value)
    assert message.startswith(
        f"line {line}:{column}: layer '{layer}': prior_box_param: no field named \"min_sise\" among those "
        "declared for PriorBox (weiliu89/caffe, branch ssd @ 4817bf8b); did you mean 'min_size'?"
    )
    assert "did you mean 'min_size'?" in message and "fillers.declare_fields('PriorBox'" in message


def test_a_fork_field_of_a_declared_kind_is_checked():
    net = 'layer { name: "n" type: "Normalize" norm_param { across_spatial: 2 } }'
    with pytest.raises(
        fillers.FillerError, match=r"across_spatial: 2 is not bool \(declared by weiliu89/caffe"
    ):
        read_net(net)
    twice = 'layer { name: "n" type: "Normalize" norm_param { eps: 1 eps: 2 } }'
    with pytest.raises(fillers.FillerError, match=r'norm_param should not have multiple "eps" fields'):
        read_net(twice)


def test_a_fork_field_on_another_layer_type_is_refused():
    net = 'layer { name: "c" type: "Convolution" norm_param { eps: 1 } }'
    with pytest.raises(
        fillers.FillerError, match=r"declare_fields\('Convolution', \{'norm_param': \.\.\.\}\)"
    ):
        read_net(net)


def test_a_declared_field_in_a_caffe_block_is_read_with_its_default():
    net = (
        'layer { name: "d" type: "Input" top: "d" input_param { shape { dim: 1 dim: 1 dim: 5 dim: 5 } } }\n'
        'layer { name: "n" type: "LRN" bottom: "d" top: "n" lrn_param { local_size: 3 fork_flag: false } }'
    )
    with pytest.raises(fillers.FillerError, match=r'LRNParameter has no field named "fork_flag"'):
        read_net_file(net)
    fillers.declare_fields("LRN", {"lrn_param": {"fork_flag": True, "fork_scale": 2.5}}, origin="a fork")
    try:
        source = read_net_file(net)
        plan = plan_net(net)
    finally:
        undeclare_fields("LRN")
    lrn = source.layers[1].fields["lrn_param"]
    assert (lrn["fork_flag"], lrn.get("fork_scale"), "fork_scale" in lrn) == (False, 2.5, False)
    assert source.param.layer[1].lrn_param.local_size == 3
    assert plan.layers[1].tops == (("n", (1, 1, 5, 5)),)


@pytest.mark.parametrize(("written", "pooled"), [("", 57), ("ceil_mode: true", 57), ("ceil_mode: false", 56)])
def test_densenets_ceil_mode_decides_the_pooled_size(written, pooled):
    # DenseNet-Caffe's pool1 (shicai/DenseNet-Caffe): kernel 3, stride 2, pad 1, ceil_mode: false.
    net = (
        'layer { name: "d" type: "Input" top: "d"\n'
        "  input_param { shape { dim: 1 dim: 2 dim: 112 dim: 112 } } }\n"
        'layer { name: "pool1" type: "Pooling" bottom: "d" top: "p"\n'
        f"  pooling_param {{ pool: MAX kernel_size: 3 stride: 2 pad: 1 {written} }} }}"
    )
    assert plan_net(net).layers[1].tops == (("p", (1, 2, pooled, pooled)),)
    if written:
        with pytest.raises(fillers.FillerError, match="both round_mode and a fork's ceil_mode"):
            plan_net(net.replace("pad: 1", "pad: 1 round_mode: FLOOR"))


def test_a_fork_packages_net_parameter_is_read_strictly():
    # A stand-in for a fork's caffe_pb2: a message whose text carries a field we do not know.
    from google.protobuf import descriptor_pb2, descriptor_pool, text_format

    from fillers._proto import filler_pb2
    from fillers._proto.pool import class_builder

    ours = descriptor_pb2.FileDescriptorProto.FromString(filler_pb2.DESCRIPTOR.serialized_pb)
    text = text_format.MessageToString(ours).replace(".fillers.", ".fork.")
    schema = text_format.Parse(text, descriptor_pb2.FileDescriptorProto())
    schema.name, schema.package = "fork.proto", "fork"
    layer = next(message for message in schema.message_type if message.name == "LayerParameter")
    layer.field.add(name="mystery_param", number=9999, type=5, label=1)  # optional int32
    pool = descriptor_pool.DescriptorPool()
    pool.AddSerializedFile(schema.SerializeToString())
    net_class = class_builder(pool)(pool.FindMessageTypeByName("fork.NetParameter"))
    net = net_class()
    net.layer.add(name="m", type="Mystery", mystery_param=3)
    with pytest.raises(
        fillers.FillerError, match=r"<fork\.NetParameter message>:4:3: layer 'm': .*\"mystery_param\""
    ):
        read_net(net)
    assert read_net(net_class(name="plain")).name == "plain"


def test_a_plugin_file_declares_fork_fields_for_the_cli(tmp_path, capsys):
    net = tmp_path / "fork.prototxt"
    net.write_text(
        'layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 } } }\n'
        'layer { name: "f" type: "Foo" bottom: "data" top: "f" foo_param { k: 2 } }\n'
        'layer { name: "ip" type: "InnerProduct" bottom: "f" top: "ip"\n'
        '  inner_product_param { num_output: 2 weight_filler { type: "xavier" } } }\n'
    )
    assert main(["net", str(net), "--shape-rule", "Foo=same"]) == 1
    error = capsys.readouterr().err
    assert "fork.prototxt:2:55: layer 'f': LayerParameter has no field named \"foo_param\"" in error
    assert "--plugin FILE.py" in error and "fillers.declare_fields('Foo', {'foo_param': ...})" in error
    plugin = tmp_path / "foo.py"
    plugin.write_text(
        'import fillers\nfillers.declare_fields("Foo", {"foo_param": {"k": 0}}, origin="my fork")\n'
    )
    try:
        assert (
            main(["net", str(net), "--seed", "1", "--shape-rule", "Foo=same", "--plugin", str(plugin)]) == 0
        )
        assert ["ip", "0", "2,3"] in [line.split()[:3] for line in capsys.readouterr().out.splitlines()]
        assert main(["specs", str(net), "--plugin", str(plugin)]) == 0
        assert "ip/weight_filler" in capsys.readouterr().out
    finally:
        undeclare_fields("Foo")


def test_the_built_in_fork_declarations_hold_without_the_layer_package_imported():
    import subprocess
    import sys

    code = (
        "import sys, fillers\n"
        "assert 'fillers.net.layers' not in sys.modules\n"
        f"print(len(fillers.load_all({str(FORKS / 'MobileNetSSD_train.prototxt')!r})))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 0
