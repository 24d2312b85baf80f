"""Named sets: YAML/JSON mappings, named-set prototxts and every filler of a Caffe net."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import filler_parameters, same_message

from fillers.errors import FillerError
from fillers.net.netparam import read_net
from fillers.net.specs import load_all, net_fillers
from fillers.spec.parameter import FillerParameter, to_dict
from fillers.spec.sets import dump_all

NETS = Path(__file__).parent / "data" / "nets"


def weights_and_biases(*layers: str) -> list[str]:
    return [f"{layer}/{field}" for layer in layers for field in ("weight_filler", "bias_filler")]


def test_lenet_lists_its_convolution_and_inner_product_fillers():
    assert list(load_all(NETS / "lenet_train_test.prototxt")) == weights_and_biases(
        "conv1", "conv2", "ip1", "ip2"
    )


def test_caffenet_lists_five_convolutions_and_three_inner_products():
    specs = load_all(NETS / "caffenet_train_val.prototxt")
    assert list(specs) == weights_and_biases("conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7", "fc8")
    assert to_dict(specs["conv1/weight_filler"]) == {"type": "gaussian", "std": 0.01}
    assert to_dict(specs["conv2/bias_filler"]) == {"type": "constant", "value": 1.0}
    assert to_dict(specs["fc6/weight_filler"]) == {"type": "gaussian", "std": 0.005}


def test_fcn_lists_the_bilinear_upsampling_weights_without_a_bias():
    specs = load_all(NETS / "fcn_upsample.prototxt")
    assert list(specs) == [*weights_and_biases("conv1", "conv2", "fc6", "score_fr"), "upscore/weight_filler"]
    assert to_dict(specs["upscore/weight_filler"]) == {"type": "bilinear"}
    assert to_dict(specs["conv1/weight_filler"]) == {"type": "msra"}


def test_resnet_block_lists_msra_weights_and_scale_fillers():
    specs = load_all(NETS / "resnet_block.prototxt")
    blocks = [("conv1", "scale_conv1")] + [
        (f"res2a_branch{branch}", f"scale2a_branch{branch}") for branch in ("1", "2a", "2b", "2c")
    ]
    assert list(specs) == [
        name
        for conv, scale in blocks
        for name in (f"{conv}/weight_filler", f"{scale}/filler", f"{scale}/bias_filler")
    ]
    assert to_dict(specs["scale_conv1/filler"]) == {"value": 1.0}
    assert specs["scale_conv1/filler"].type == "constant"
    assert to_dict(specs["res2a_branch2b/weight_filler"]) == {"type": "msra"}


def test_legacy_lenet_lists_the_same_fillers_as_todays():
    assert list(load_all(NETS / "lenet_v1.prototxt")) == weights_and_biases("conv1", "conv2", "ip1", "ip2")


@pytest.mark.parametrize("phase", ["TRAIN", "TEST"])
def test_phase_keeps_the_layers_caffe_includes(phase):
    assert list(load_all(NETS / "lenet_train_test.prototxt", phase=phase)) == weights_and_biases(
        "conv1", "conv2", "ip1", "ip2"
    )


PHASED_NET = """
name: "phased"
layer {
  name: "data" type: "DummyData" top: "data" include { phase: TRAIN }
  dummy_data_param { shape { dim: 64 dim: 3 } data_filler { type: "gaussian" std: 1 } }
}
layer {
  name: "data" type: "DummyData" top: "data" include { phase: TEST }
  dummy_data_param { shape { dim: 10 dim: 3 } data_filler { type: "constant" } }
}
layer {
  name: "ip" type: "InnerProduct" bottom: "data" top: "ip"
  inner_product_param { num_output: 2 weight_filler { type: "xavier" } }
}
"""


def test_a_layer_defined_per_phase_needs_a_phase(tmp_path):
    (tmp_path / "net.prototxt").write_text(PHASED_NET)
    with pytest.raises(
        FillerError, match=r"'data/data_filler\.0' repeats: .*pass phase='TRAIN' or phase='TEST'"
    ):
        load_all(tmp_path / "net.prototxt")


@pytest.mark.parametrize(("phase", "data_type"), [("TRAIN", "gaussian"), ("TEST", "constant")])
def test_phase_picks_that_phases_copy_of_a_layer(tmp_path, phase, data_type):
    (tmp_path / "net.prototxt").write_text(PHASED_NET)
    specs = load_all(tmp_path / "net.prototxt", phase=phase)
    assert list(specs) == ["data/data_filler.0", "ip/weight_filler"]
    assert specs["data/data_filler.0"].type == data_type


def test_net_fillers_are_copies_independent_of_the_net():
    net = read_net(NETS / "lenet_train_test.prototxt")
    specs = net_fillers(net)
    specs["conv1/weight_filler"].type = "msra"
    assert net.layer[2].convolution_param.weight_filler.type == "xavier"


def test_named_set_prototxt_keeps_file_order(tmp_path):
    (tmp_path / "set.prototxt").write_text(
        '# comment first\nfiller { name: "b" param { type: "xavier" } }\nfiller { name: "a" }\n'
    )
    specs = load_all(tmp_path / "set.prototxt")
    assert list(specs) == ["b", "a"]
    assert specs["b"].type == "xavier"
    assert to_dict(specs["a"]) == {}


@pytest.mark.parametrize("extension", [".yaml", ".yml", ".json"])
def test_named_set_mapping_keeps_file_order(tmp_path, extension):
    text = (
        "b: {type: xavier}\na: {type: gaussian, std: 0.01}\n"
        if extension != ".json"
        else '{"b": {"type": "xavier"}, "a": {"type": "gaussian", "std": 0.01}}'
    )
    (tmp_path / f"set{extension}").write_text(text)
    specs = load_all(tmp_path / f"set{extension}")
    assert {name: to_dict(p) for name, p in specs.items()} == {
        "b": {"type": "xavier"},
        "a": {"type": "gaussian", "std": 0.01},
    }
    assert list(specs) == ["b", "a"]


named_sets = st.dictionaries(st.text(min_size=1), filler_parameters(), max_size=5)


@pytest.mark.parametrize("extension", [".prototxt", ".yaml", ".json"])
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=40, deadline=None)
@given(specs=named_sets)
def test_any_named_set_round_trips_through_a_file(tmp_path, extension, specs):
    path = tmp_path / f"set{extension}"
    dump_all(specs, path)
    loaded = load_all(path)
    assert list(loaded) == list(specs)
    assert all(same_message(loaded[name], specs[name]) for name in specs)


def test_named_set_prototxt_is_written_in_text_format(tmp_path):
    dump_all({"w": FillerParameter(type="gaussian", std=0.01)}, tmp_path / "set.prototxt")
    assert (
        tmp_path / "set.prototxt"
    ).read_text() == 'filler {\n  name: "w"\n  param {\n    type: "gaussian"\n    std: 0.01\n  }\n}\n'


def test_named_set_yaml_is_a_plain_mapping(tmp_path):
    dump_all({"conv1/weight_filler": FillerParameter(type="xavier")}, tmp_path / "set.yaml")
    assert (tmp_path / "set.yaml").read_text() == "conv1/weight_filler:\n  type: xavier\n"


@pytest.mark.parametrize(
    ("file_name", "text", "message"),
    [
        ("set.prototxt", 'filler { name: "a" } filler { name: "a" }', "filler name 'a' appears twice"),
        ("set.prototxt", "filler { param { } }", "filler #0 has no name"),
        ("set.prototxt", 'filler { name: "a" param { stdd: 1 } }', "cannot parse a named set"),
        ("set.yaml", "a: {type: gaussian}\na: {type: xavier}\n", "key 'a' appears more than once"),
        ("set.json", '{"a": {}, "a": {}}', "key 'a' appears more than once"),
        ("set.yaml", "w: {std: x}\n", "w: std: 'x' is not a number"),
        ("set.yaml", "w: gaussian\n", "w: a filler spec must be a mapping"),
        ("set.yaml", "1: {type: gaussian}\n", "a spec name must be a string, not 1"),
        (
            "set.pb",
            "",
            r"unknown extension '\.pb'; use one of \.prototxt, \.pbtxt, \.txt, \.yaml, \.yml, \.json",
        ),
        ("net.prototxt", 'layer { name: "a" } layers { name: "b" }', "Refusing to upgrade"),
    ],
)
def test_bad_sets_raise_filler_error_naming_the_file(tmp_path, file_name, text, message):
    (tmp_path / file_name).write_text(text)
    with pytest.raises(FillerError, match=message) as caught:
        load_all(tmp_path / file_name)
    assert str(tmp_path / file_name) in str(caught.value)


def test_a_single_spec_file_is_not_a_set(tmp_path):
    (tmp_path / "xavier.prototxt").write_text('type: "xavier"\n')
    with pytest.raises(FillerError, match="cannot parse a named set"):
        load_all(tmp_path / "xavier.prototxt")


def test_phase_applies_to_nets_only(tmp_path):
    (tmp_path / "set.yaml").write_text("w: {type: xavier}\n")
    with pytest.raises(FillerError, match="phase='TRAIN' applies to Caffe nets"):
        load_all(tmp_path / "set.yaml", phase="TRAIN")


def test_an_unknown_phase_is_named(tmp_path):
    with pytest.raises(FillerError, match="phase: 'train' is not a phase; allowed: TRAIN, TEST"):
        load_all(NETS / "lenet_train_test.prototxt", phase="train")


def test_empty_files_hold_no_specs(tmp_path):
    for name in ("empty.prototxt", "empty.yaml"):
        (tmp_path / name).write_text("# nothing yet\n")
        assert load_all(tmp_path / name) == {}


def test_only_filler_parameters_are_dumped(tmp_path):
    with pytest.raises(FillerError, match=r"expected a fillers\.FillerParameter, got a dict"):
        dump_all({"w": {"type": "xavier"}}, tmp_path / "set.prototxt")
