"""Fork fields read as their declarations say (undeclared ones refused), strict fillers
everywhere, positions and suggestions in errors, layer plugins and the rule that no layer
holding a filler is dropped silently."""

from __future__ import annotations

import numpy as np
import pytest

import fillers
from fillers.net.fields import undeclare_fields
from fillers.net.plan import plan_net
from fillers.net.source import read_net_file

INPUT = (
    'layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 dim: 4 dim: 4 } } }\n'
)

NORMALIZE = (
    INPUT
    + """layer {
  name: "norm" type: "MyNormalize" bottom: "data" top: "norm"
  norm_param {
    across_spatial: false
    eps: 1e-10
    mode: L2
    sizes: 1 sizes: 2
    scale_filler { type: "constant" value: 20 }
  }
}
"""
)


@pytest.fixture
def my_normalize():
    fillers.declare_fields(
        "MyNormalize",
        {
            "norm_param": {
                "across_spatial": True,
                "eps": 1e-10,
                "mode": ("L2", "L1"),
                "sizes": [int],
                "scale_filler": fillers.FillerParameter,
            }
        },
    )
    yield
    undeclare_fields("MyNormalize")


@pytest.fixture
def foo_fields():
    fillers.declare_fields(
        "Foo",
        {
            "foo_param": {
                "k": 0,
                "weight_filler": fillers.FillerParameter,
                "inner": {"bias_filler": fillers.FillerParameter},
                "filler": fillers.FillerParameter,
            }
        },
    )
    yield
    undeclare_fields("Foo")


def test_fork_fields_are_read_as_declared(my_normalize):
    net = read_net_file(NORMALIZE)
    norm = net.layers[1].fields["norm_param"]
    assert norm["across_spatial"] is False
    assert norm["eps"] == pytest.approx(1e-10)
    assert norm["mode"] == "L2"
    assert norm["sizes"] == [1, 2] and norm.all("eps") == [pytest.approx(1e-10)]
    assert norm["scale_filler"] == fillers.FillerParameter(type="constant", value=20)
    assert net.layers[1].line == 2


def test_undeclared_fork_fields_are_refused_with_the_way_to_declare_them():
    with pytest.raises(
        fillers.FillerError,
        match=r"^line 4:3: layer 'norm': LayerParameter has no field named \"norm_param\".*"
        r"register_layer\('MyNormalize', fields=\{'norm_param': \.\.\.\}\)",
    ):
        read_net_file(NORMALIZE)


def test_specs_list_fillers_in_fork_fields(tmp_path, my_normalize):
    path = tmp_path / "net.prototxt"
    path.write_text(NORMALIZE)
    specs = fillers.load_all(path)
    assert specs == {"norm/scale_filler": fillers.FillerParameter(type="constant", value=20)}


def test_misspelled_filler_field_in_a_fork_block_is_an_error():
    net = (
        INPUT
        + 'layer { name: "n" type: "X" bottom: "data" top: "n"\n  x_param { foo: 1\n'
        + '    scale_filler { type: "constant" vaule: 2 } } }'
    )
    with pytest.raises(fillers.FillerError, match=r"line 3:3: layer 'n': LayerParameter .* \"x_param\""):
        read_net_file(net)
    fillers.declare_fields("X", {"x_param": {"foo": 0, "scale_filler": fillers.FillerParameter}})
    try:
        with pytest.raises(
            fillers.FillerError, match=r"line 4:37: layer 'n': scale_filler: .*\"vaule\".*'value'"
        ):
            read_net_file(net)
    finally:
        undeclare_fields("X")


def test_missing_brace_names_the_block_left_open(tmp_path):
    path = tmp_path / "open.prototxt"
    path.write_text(
        INPUT + 'layer {\n  name: "ip"\n  inner_product_param {\n    num_output: 2\n\nlayer { name: "x" }\n'
    )
    with pytest.raises(
        fillers.FillerError,
        match=r"open\.prototxt:4:3: block 'inner_product_param' .*never closed.*'layer' \(line 2\)",
    ):
        fillers.init_net(path, seed=1)


def test_filler_type_typo_names_file_line_layer_and_suggests(tmp_path):
    path = tmp_path / "typo.prototxt"
    path.write_text(
        INPUT + 'layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip"\n'
        '  inner_product_param { num_output: 2 weight_filler { type: "xaiver" } } }\n'
    )
    with pytest.raises(
        fillers.FillerError, match=r"typo\.prototxt:2:1: layer 'ip'.*xaiver.*did you mean 'xavier'"
    ):
        plan_net(path)


def test_layer_type_typo_suggests_the_registered_type():
    net = INPUT + 'layer { name: "c" type: "Convolutoin" bottom: "data" top: "c" }'
    with pytest.raises(
        fillers.FillerError,
        match=r"line 2:1: .*Unknown layer type: 'Convolutoin'; did you mean 'Convolution'",
    ):
        plan_net(net)


PLUGIN_NET = INPUT + (
    'layer { name: "sc" type: "ChannelGain" bottom: "data" top: "sc"\n'
    '  channel_gain_param { scale_filler { type: "gaussian" std: 0.5 } } }\n'
)


@pytest.fixture
def channel_scale():
    @fillers.register_layer(
        "ChannelGain", fields={"channel_gain_param": {"scale_filler": fillers.FillerParameter}}
    )
    def setup(layer, bottoms, num_tops):
        filler = layer.channel_gain_param.get(
            "scale_filler", fillers.FillerParameter(type="constant", value=1)
        )
        return fillers.LayerSetup(tops=(bottoms[0],), blobs=(fillers.BlobSpec((bottoms[0][1],), filler),))

    yield setup
    fillers.unregister_layer("ChannelGain")


def test_a_plugin_lays_out_blobs_from_fork_fields(channel_scale):
    assert "ChannelGain" in fillers.registered_layers()
    params = fillers.init_net(PLUGIN_NET, seed=3)
    expected = fillers.get_filler({"type": "gaussian", "std": 0.5}).fill((3,), rng=fillers.CaffeRNG(3))
    np.testing.assert_array_equal(params["sc"][0], expected)


def test_a_plugin_type_is_registered_once(channel_scale):
    with pytest.raises(fillers.FillerError, match="already registered"):
        fillers.register_layer("ChannelGain")(channel_scale)


def test_builtin_layers_are_registry_entries():
    names = fillers.registered_layers()
    assert {"Convolution", "InnerProduct", "BatchNorm", "Input"} <= set(names)


def test_a_shape_rule_cannot_declare_a_layer_with_a_filler_blob_free():
    fillers.declare_fields("ChannelGain", {"channel_gain_param": {"scale_filler": fillers.FillerParameter}})
    with pytest.raises(fillers.FillerError, match=r"'ChannelGain' has a filler.*silently drop"):
        try:
            plan_net(PLUGIN_NET, shape_rules={"ChannelGain": "same"})
        finally:
            undeclare_fields("ChannelGain")


def test_no_layer_holding_a_filler_is_dropped_silently(foo_fields):
    """Every way past an unknown type (a rule, a function, given tops) refuses a layer whose
    parameters hold a filler, wherever the filler sits."""
    holders = [
        'foo_param { weight_filler { type: "xavier" } }',
        'foo_param { inner { bias_filler { type: "constant" } } }',
        'foo_param { filler { type: "constant" value: 1 } }',
        'convolution_param { weight_filler { type: "xavier" } }',
    ]
    for holder in holders:
        with_bottom = INPUT + f'layer {{ name: "f" type: "Foo" bottom: "data" top: "f" {holder} }}'
        for rule in ("same", lambda layer, bottoms: bottoms):
            with pytest.raises(fillers.FillerError, match="has a filler"):
                plan_net(with_bottom, shape_rules={"Foo": rule})
        without_bottom = f'layer {{ name: "f" type: "Foo" top: "f" {holder} }}'
        with pytest.raises(fillers.FillerError, match="has a filler"):
            plan_net(without_bottom, input_shapes={"f": (1, 2)})


def test_an_unknown_blob_free_layer_the_user_mapped_passes_once_its_fields_are_declared():
    net = INPUT + 'layer { name: "f" type: "Foo" bottom: "data" top: "f" foo_param { k: 2 } }'
    with pytest.raises(fillers.FillerError, match=r"\"foo_param\".*register_layer\('Foo', fields="):
        plan_net(net, shape_rules={"Foo": "same"})
    fillers.declare_fields("Foo", {"foo_param": {"k": 0}})
    try:
        plan = plan_net(net, shape_rules={"Foo": "same"})
    finally:
        undeclare_fields("Foo")
    assert plan.layers[1].tops == (("f", (2, 3, 4, 4)),)


def test_python_hints_in_python():
    net = INPUT + 'layer { name: "f" type: "Foo" bottom: "data" top: "f" }'
    with pytest.raises(
        fillers.FillerError, match=r"register_layer\('Foo'\).*shape_rules=\{'Foo': \"same\"\}"
    ):
        plan_net(net)


def test_a_forks_value_in_a_known_enum_is_refused_unless_declared():
    net = INPUT + (
        'layer { name: "r" type: "ReLU" bottom: "data" top: "r"\n'
        "  loss_param { normalization: PRE_FIXED } }\n"
    )
    with pytest.raises(
        fillers.FillerError, match=r"line 3:16: layer 'r': normalization: 'PRE_FIXED' is not a"
    ):
        plan_net(net)
    fillers.declare_fields(
        "ReLU", {"loss_param": {"normalization": ("FULL", "VALID", "BATCH_SIZE", "NONE", "PRE_FIXED")}}
    )
    try:
        plan = plan_net(net)
        source = read_net_file(net)
    finally:
        undeclare_fields("ReLU")
    assert source.layers[1].fields["loss_param"]["normalization"] == "PRE_FIXED"
    assert not source.param.layer[1].loss_param.HasField("normalization")  # caffe.proto has no PRE_FIXED
    assert plan.layers[1].tops == (("r", (2, 3, 4, 4)),)


def test_a_typo_in_an_enum_that_decides_shapes_is_an_error():
    net = INPUT + (
        'layer { name: "p" type: "Pooling" bottom: "data" top: "p"\n'
        "  pooling_param { pool: MAXX kernel_size: 2 } }\n"
    )
    with pytest.raises(
        fillers.FillerError, match=r"line 3:19: layer 'p': pool: 'MAXX' is not a PoolMethod; did you mean MAX"
    ):
        plan_net(net)


def test_a_value_of_the_wrong_kind_names_its_position():
    net = (
        INPUT
        + 'layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip"\n'
        + '  inner_product_param { num_output: "4" } }'
    )
    with pytest.raises(
        fillers.FillerError, match=r"line 3:25: layer 'ip': num_output: '4' is not an integer"
    ):
        plan_net(net)
