"""Fork fields kept as a tree, strict fillers everywhere, positions and suggestions in errors,
layer plugins and the rule that no layer holding a filler is dropped silently."""

from __future__ import annotations

import numpy as np
import pytest

import fillers
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


def test_fork_fields_are_kept_as_a_tree():
    net = read_net_file(NORMALIZE)
    norm = net.layers[1].fields["norm_param"]
    assert norm["across_spatial"] is False
    assert norm["eps"] == pytest.approx(1e-10)
    assert norm["mode"] == "L2"
    assert norm["sizes"] == [1, 2] and norm.all("eps") == [pytest.approx(1e-10)]
    assert norm["scale_filler"] == fillers.FillerParameter(type="constant", value=20)
    assert net.layers[1].line == 2


def test_specs_list_fillers_in_fork_fields(tmp_path):
    path = tmp_path / "net.prototxt"
    path.write_text(NORMALIZE)
    specs = fillers.load_all(path)
    assert specs == {"norm/scale_filler": fillers.FillerParameter(type="constant", value=20)}


def test_misspelled_filler_field_after_an_unknown_fork_field_is_an_error():
    net = (
        INPUT
        + 'layer { name: "n" type: "X" bottom: "data" top: "n"\n  x_param { foo: 1\n'
        + '    scale_filler { type: "constant" vaule: 2 } } }'
    )
    with pytest.raises(
        fillers.FillerError, match=r"line 4:37: layer 'n': scale_filler: .*\"vaule\".*'value'"
    ):
        read_net_file(net)


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
    'layer { name: "sc" type: "ChannelScale" bottom: "data" top: "sc"\n'
    '  channel_scale_param { scale_filler { type: "gaussian" std: 0.5 } } }\n'
)


@pytest.fixture
def channel_scale():
    @fillers.register_layer("ChannelScale")
    def setup(layer, bottoms, num_tops):
        filler = layer.channel_scale_param.get(
            "scale_filler", fillers.FillerParameter(type="constant", value=1)
        )
        return fillers.LayerSetup(tops=(bottoms[0],), blobs=(fillers.BlobSpec((bottoms[0][1],), filler),))

    yield setup
    fillers.unregister_layer("ChannelScale")


def test_a_plugin_lays_out_blobs_from_fork_fields(channel_scale):
    assert "ChannelScale" in fillers.registered_layers()
    params = fillers.init_net(PLUGIN_NET, seed=3)
    expected = fillers.get_filler({"type": "gaussian", "std": 0.5}).fill((3,), rng=fillers.CaffeRNG(3))
    np.testing.assert_array_equal(params["sc"][0], expected)


def test_a_plugin_type_is_registered_once(channel_scale):
    with pytest.raises(fillers.FillerError, match="already registered"):
        fillers.register_layer("ChannelScale")(channel_scale)


def test_builtin_layers_are_registry_entries():
    names = fillers.registered_layers()
    assert {"Convolution", "InnerProduct", "BatchNorm", "Input"} <= set(names)


def test_a_shape_rule_cannot_declare_a_layer_with_a_filler_blob_free():
    with pytest.raises(fillers.FillerError, match=r"'ChannelScale' has a filler.*silently drop"):
        plan_net(PLUGIN_NET, shape_rules={"ChannelScale": "same"})


def test_no_layer_holding_a_filler_is_dropped_silently():
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


def test_an_unknown_blob_free_layer_the_user_mapped_passes():
    net = INPUT + 'layer { name: "f" type: "Foo" bottom: "data" top: "f" foo_param { k: 2 } }'
    plan = plan_net(net, shape_rules={"Foo": "same"})
    assert plan.layers[1].tops == (("f", (2, 3, 4, 4)),)


def test_python_hints_in_python():
    net = INPUT + 'layer { name: "f" type: "Foo" bottom: "data" top: "f" }'
    with pytest.raises(
        fillers.FillerError, match=r"register_layer\('Foo'\).*shape_rules=\{'Foo': \"same\"\}"
    ):
        plan_net(net)


def test_a_forks_value_in_a_known_enum_is_passed_over_and_kept():
    net = INPUT + (
        'layer { name: "r" type: "ReLU" bottom: "data" top: "r"\n'
        "  loss_param { normalization: PRE_FIXED } }\n"
    )
    plan = plan_net(net)
    assert read_net_file(net).layers[1].fields["loss_param"]["normalization"] == "PRE_FIXED"
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
