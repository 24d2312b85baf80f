"""init_net as Caffe's Net constructor: layer filtering, fill order on one stream, shared
params, data layers' input shapes and setup draws, shape rules, and failures that leave the
stream untouched."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import fillers
from fillers import init_net
from fillers.net.fill import fill_net
from fillers.net.netparam import read_net
from fillers.net.plan import plan_net

NETS = Path(__file__).parent / "data" / "layer_nets"

INPUT = 'layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 2 dim: 3 dim: 4 dim: 4 } } }\n'
GAUSSIAN = fillers.parse('type: "gaussian" std: 0.1')
XAVIER = fillers.parse('type: "xavier"')


def ip(name: str, bottom: str = "x", extra: str = "", outputs: int = 5) -> str:
    """An InnerProduct layer with a gaussian weight and a xavier bias."""
    return (
        f'layer {{ name: "{name}" type: "InnerProduct" bottom: "{bottom}" top: "{name}" {extra}\n'
        f'  inner_product_param {{ num_output: {outputs} weight_filler {{ type: "gaussian" std: 0.1 }}\n'
        '    bias_filler { type: "xavier" } } }\n'
    )


def fills(seed: int, *specs: tuple, dtype: type = np.float32) -> list[np.ndarray]:
    """The given (param, shape) fills, in order, on one fresh Caffe stream."""
    rng = fillers.CaffeRNG(seed)
    return [fillers.get_filler(param).fill(shape, dtype=dtype, rng=rng) for param, shape in specs]


def next_raw(seed: int, consumed: int) -> int:
    """The raw output a fresh stream gives after `consumed` outputs."""
    return int(fillers.CaffeRNG(seed).random_raw(consumed + 1)[-1])


def raw_after(seed: int, *specs: tuple) -> int:
    """The raw output a fresh stream gives after the given fills."""
    rng = fillers.CaffeRNG(seed)
    for param, shape in specs:
        fillers.get_filler(param).fill(shape, rng=rng)
    return int(rng.random_raw(1)[0])


def assert_same(actual: list[np.ndarray], expected: list[np.ndarray]) -> None:
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected, strict=True):
        np.testing.assert_array_equal(a, e)
        assert a.dtype == e.dtype


# Order and the stream.


def test_layers_fill_in_file_order_on_one_stream():
    params = init_net(INPUT + ip("first") + ip("second", "first", outputs=3), seed=9)
    expected = fills(9, (GAUSSIAN, (5, 48)), (XAVIER, (5,)), (GAUSSIAN, (3, 5)), (XAVIER, (3,)))
    assert list(params) == ["first", "second"]
    assert_same([*params["first"], *params["second"]], expected)


def test_only_layers_with_blobs_are_returned():
    params = init_net(INPUT + 'layer { name: "relu" type: "ReLU" bottom: "x" top: "x" }' + ip("fc"), seed=1)
    assert list(params) == ["fc"]


def test_seed_is_a_fresh_caffe_stream_and_leaves_the_global_stream_alone():
    fillers.set_random_seed(4)
    params = init_net(INPUT + ip("fc"), seed=2)
    assert_same(params["fc"], fills(2, (GAUSSIAN, (5, 48)), (XAVIER, (5,))))
    assert_same([fillers.get_filler(GAUSSIAN).fill((3,))], fills(4, (GAUSSIAN, (3,))))


def test_rng_continues_and_advances_a_given_stream():
    rng = fillers.CaffeRNG(6)
    rng.random_raw(10)
    bias = 'layer { name: "u" type: "Bias" bottom: "x" top: "y" bias_param { filler { type: "uniform" } } }'
    init_net(INPUT + bias, rng=rng)
    # the (3,) uniform bias takes one raw output per element
    assert int(rng.random_raw(1)[0]) == next_raw(6, 13)


def test_no_seed_fills_from_the_global_stream():
    fillers.set_random_seed(8)
    params = init_net(INPUT + ip("fc"))
    assert_same(params["fc"], fills(8, (GAUSSIAN, (5, 48)), (XAVIER, (5,))))


def test_seed_and_rng_together_are_refused():
    with pytest.raises(fillers.FillerError, match="seed or rng, not both"):
        init_net(INPUT + ip("fc"), seed=1, rng=fillers.CaffeRNG(1))


def test_float64_is_caffe_double():
    params = init_net(INPUT + ip("fc"), seed=3, dtype=np.float64)
    assert_same(params["fc"], fills(3, (GAUSSIAN, (5, 48)), (XAVIER, (5,)), dtype=np.float64))


def test_numpy_generator_gives_the_shapes_with_numpy_bits():
    params = init_net(INPUT + ip("fc"), rng=np.random.default_rng(0))
    assert [blob.shape for blob in params["fc"]] == [(5, 48), (5,)]


def test_net_from_path_pathlike_and_message():
    path = NETS / "inner_product.prototxt"
    from_path = init_net(path, seed=1)
    from_str = init_net(os.fspath(path), seed=1)
    from_message = init_net(read_net(path), seed=1)
    for name in from_path:
        assert_same(from_str[name], from_path[name])
        assert_same(from_message[name], from_path[name])


def test_legacy_v1_net_with_input_dims_is_upgraded():
    v1 = 'input: "x" input_dim: 2 input_dim: 3 input_dim: 4 input_dim: 4\n' + (
        'layers { name: "fc" type: INNER_PRODUCT bottom: "x" top: "fc" blobs_lr: 1 blobs_lr: 2\n'
        '  inner_product_param { num_output: 5 weight_filler { type: "gaussian" std: 0.1 } '
        'bias_filler { type: "xavier" } } }'
    )
    assert_same(init_net(v1, seed=1)["fc"], fills(1, (GAUSSIAN, (5, 48)), (XAVIER, (5,))))


# Filtering, as Net::FilterNet.

RULED = (
    INPUT
    + ip("train_only", extra="include { phase: TRAIN }")
    + ip("test_only", extra="include { phase: TEST }")
    + ip("not_deploy", extra='exclude { stage: "deploy" }')
    + ip("level_two", extra="include { min_level: 2 }")
)


@pytest.mark.parametrize(
    ("kwargs", "kept"),
    [
        ({"phase": "TRAIN"}, ["train_only", "not_deploy"]),
        ({"phase": "TEST"}, ["test_only", "not_deploy"]),
        ({"phase": "TEST", "stages": ["deploy"]}, ["test_only"]),
        ({"phase": "TRAIN", "level": 2}, ["train_only", "not_deploy", "level_two"]),
    ],
)
def test_include_and_exclude_rules_pick_the_layers(kwargs, kept):
    assert list(init_net(RULED, seed=1, **kwargs)) == kept


def test_excluded_layers_do_not_move_the_stream():
    params = init_net(RULED, seed=1, phase="TEST")
    expected = fills(1, (GAUSSIAN, (5, 48)), (XAVIER, (5,)), (GAUSSIAN, (5, 48)), (XAVIER, (5,)))
    assert_same([*params["test_only"], *params["not_deploy"]], expected)


def test_unknown_phase_is_refused():
    with pytest.raises(fillers.FillerError, match="phase: 'VAL'"):
        init_net(RULED, phase="VAL")


# Shared params, as Net::AppendParam and ShareWeights.

SHARED = INPUT + ip("a", extra='param { name: "w" }') + ip("b", extra='param { name: "w" }')


def test_shared_param_is_filled_again_then_takes_the_owners_values():
    rng = fillers.CaffeRNG(12)
    params = init_net(SHARED, rng=rng)
    specs = ((GAUSSIAN, (5, 48)), (XAVIER, (5,)), (GAUSSIAN, (5, 48)), (XAVIER, (5,)))
    first_weight, first_bias, _, second_bias = fills(12, *specs)
    assert_same(params["a"], [first_weight, first_bias])
    assert_same(params["b"], [first_weight, second_bias])
    assert np.shares_memory(params["a"][0], params["b"][0])
    assert int(rng.random_raw(1)[0]) == raw_after(12, *specs)


def test_plan_names_the_owner_of_a_shared_blob():
    blobs = plan_net(SHARED).blobs
    assert [(blob.layer, blob.index, blob.owner) for blob in blobs] == [
        ("a", 0, None),
        ("a", 1, None),
        ("b", 0, ("a", 0)),
        ("b", 1, None),
    ]


def test_shared_param_shapes_must_match():
    text = INPUT + ip("a", extra='param { name: "w" }') + ip("b", extra='param { name: "w" }', outputs=6)
    with pytest.raises(
        fillers.FillerError, match=r"layer 'b' param 'w' .*\[6, 48\] differs from .*\[5, 48\]"
    ):
        plan_net(text)


def test_permissive_sharing_needs_only_the_same_count():
    text = (
        INPUT
        + ip("a", extra='param { name: "w" }', outputs=4)
        + (
            'layer { name: "b" type: "InnerProduct" bottom: "x" top: "b"\n'
            '  param { name: "w" share_mode: PERMISSIVE }\n'
            "  inner_product_param { num_output: 12 axis: 2 bias_term: false } }"
        )
    )
    params = init_net(text, seed=1)
    assert params["b"][0].shape == (12, 16)
    np.testing.assert_array_equal(params["b"][0].reshape(-1), params["a"][0].reshape(-1))


def test_shared_param_lr_mult_must_agree():
    text = (
        INPUT
        + ip("a", extra='param { name: "w" lr_mult: 1 }')
        + ip("b", extra='param { name: "w" lr_mult: 2 }')
    )
    with pytest.raises(fillers.FillerError, match="Shared param 'w' has mismatched lr_mult"):
        plan_net(text)


def test_too_many_param_specs_are_refused():
    text = INPUT + ip("fc", extra="param {} param {} param {}")
    with pytest.raises(fillers.FillerError, match="Too many params specified for layer fc"):
        plan_net(text)


def test_batchnorm_with_three_param_specs_is_upgraded():
    text = INPUT + 'layer { name: "bn" type: "BatchNorm" bottom: "x" top: "x" param {} param {} param {} }'
    assert [blob.shape for blob in init_net(text, seed=1)["bn"]] == [(3,), (3,), (1,)]


def test_two_layers_with_blobs_may_not_share_a_name():
    with pytest.raises(fillers.FillerError, match="two layers with blobs are named 'fc'"):
        plan_net(INPUT + ip("fc") + ip("fc", "fc").replace('top: "fc"', 'top: "fc2"'))


# Data layers and input_shapes.

DATA_NET = (
    'layer { name: "mnist" type: "Data" top: "data" top: "label" data_param { batch_size: 64 }\n'
    "  transform_param { mirror: true } }\n"
    + ip("fc", "data")
    + 'layer { name: "loss" type: "SoftmaxWithLoss" bottom: "fc" bottom: "label" top: "loss" }\n'
)


def test_data_layer_shape_comes_from_input_shapes():
    params = init_net(DATA_NET, seed=1, input_shapes={"data": (64, 1, 28, 28)})
    assert [blob.shape for blob in params["fc"]] == [(5, 784), (5,)]


def test_data_layer_setup_draws_come_before_the_next_layers_fills():
    params = init_net(DATA_NET, seed=1, input_shapes={"data": [64, 1, 28, 28]})
    # mirror: DataTransformer::InitRand twice, and the prefetch thread's seed
    rng = fillers.CaffeRNG(1)
    rng.random_raw(3)
    expected = [
        fillers.get_filler(GAUSSIAN).fill((5, 784), rng=rng),
        fillers.get_filler(XAVIER).fill((5,), rng=rng),
    ]
    assert_same(params["fc"], expected)


def test_missing_data_shape_names_the_data_layer():
    with pytest.raises(fillers.FillerError, match=r"layer 'fc' .*blob 'data', which layer 'mnist' reads"):
        plan_net(DATA_NET)


def test_label_shape_is_not_needed_by_a_loss():
    plan = plan_net(DATA_NET, input_shapes={"data": (64, 1, 28, 28)})
    assert plan.layers[0].tops == (("data", (64, 1, 28, 28)), ("label", (64,)))


def test_input_shapes_that_contradict_an_input_layer_are_refused():
    with pytest.raises(fillers.FillerError, match=r"input_shapes\['x'\]=\(1, 2, 5, 5\) contradicts.*2,3,4,4"):
        init_net(INPUT + ip("fc"), seed=1, input_shapes={"x": (1, 2, 5, 5)})
    params = init_net(INPUT + ip("fc"), seed=1, input_shapes={"x": (2, 3, 4, 4)})
    assert params["fc"][0].shape == (5, 48)


def test_input_shapes_for_no_such_top_are_refused():
    with pytest.raises(fillers.FillerError, match="no layer without bottoms has a top named fc, y"):
        plan_net(INPUT + ip("fc"), input_shapes={"y": (1,), "fc": (2,)})


def test_input_shapes_must_be_non_negative_ints():
    with pytest.raises(fillers.FillerError, match=r"input_shapes\['x'\]"):
        plan_net(INPUT + ip("fc"), input_shapes={"x": (1, -2)})


def test_legacy_input_dims_must_come_in_fours():
    with pytest.raises(fillers.FillerError, match="Incorrect input blob dimension specifications"):
        plan_net('input: "x" input_dim: 1 input_dim: 2 input_dim: 3')


def test_input_shapes_must_be_ints():
    with pytest.raises(fillers.FillerError, match=r"input_shapes\['x'\]: .*not a sequence of ints"):
        plan_net(INPUT + ip("fc"), input_shapes={"x": (1, 2.5)})


# Model zoo nets (tests/data/nets).

MODEL_NETS = Path(__file__).parent / "data" / "nets"


def test_caffenet_train_val_has_caffes_shapes():
    plan = plan_net(MODEL_NETS / "caffenet_train_val.prototxt", input_shapes={"data": (256, 3, 227, 227)})
    shapes = {blob.layer: blob.shape for blob in plan.blobs if blob.index == 0}
    assert shapes["conv2"] == (256, 48, 5, 5)
    assert shapes["fc6"] == (4096, 9216)
    assert sum(np.prod(blob.shape) for blob in plan.blobs) == 60_965_224


@pytest.mark.parametrize(("phase", "draws", "batch"), [("TRAIN", 3, 256), ("TEST", 1, 50)])
def test_caffenet_data_layer_draws_depend_on_the_phase(phase, draws, batch):
    # TRAIN mirrors and crops at random; TEST only starts the prefetch thread
    plan = plan_net(
        MODEL_NETS / "caffenet_train_val.prototxt", phase=phase, input_shapes={"data": (batch, 3, 227, 227)}
    )
    assert plan.layers[0].setup_draws == draws


def test_lenet_train_test_from_its_data_shape():
    params = init_net(
        MODEL_NETS / "lenet_train_test.prototxt", seed=1, input_shapes={"data": (64, 1, 28, 28)}
    )
    assert {name: [blob.shape for blob in blobs] for name, blobs in params.items()} == {
        "conv1": [(20, 1, 5, 5), (20,)],
        "conv2": [(50, 20, 5, 5), (50,)],
        "ip1": [(500, 800), (500,)],
        "ip2": [(10, 500), (10,)],
    }


# Layer types fillers does not know.

PYTHON_NET = INPUT + 'layer { name: "py" type: "Python" bottom: "x" top: "p" }\n' + ip("fc", "p")


def test_unknown_layer_type_is_named():
    with pytest.raises(fillers.FillerError, match=r"Unknown layer type: 'Python'.*shape_rules"):
        plan_net(PYTHON_NET)


def test_shape_rule_same_keeps_the_bottom_shape():
    params = init_net(PYTHON_NET, seed=1, shape_rules={"Python": "same"})
    assert params["fc"][0].shape == (5, 48)


def test_shape_rule_function_gives_the_tops():
    def halve(layer, bottoms):
        (n, c, h, w) = bottoms[0]
        return [(n, c, h // 2, w // 2)]

    params = init_net(PYTHON_NET, seed=1, shape_rules={"Python": halve})
    assert params["fc"][0].shape == (5, 12)


def test_unknown_source_needs_no_rule_when_input_shapes_give_its_tops():
    text = 'layer { name: "voc" type: "Python" top: "x" python_param { module: "voc_layers" } }\n' + ip("fc")
    params = init_net(text, seed=1, input_shapes={"x": (1, 3, 4, 4)})
    assert params["fc"][0].shape == (5, 48)


def test_shape_rule_must_give_one_shape_per_top():
    with pytest.raises(
        fillers.FillerError, match="layer 'py' \\(Python\\): the shape rule gave 2 top shapes for 1 tops"
    ):
        plan_net(PYTHON_NET, shape_rules={"Python": lambda layer, bottoms: [(1,), (2,)]})


def test_shape_rule_for_a_known_type_is_refused():
    with pytest.raises(fillers.FillerError, match="'InnerProduct' is a layer type fillers lays out itself"):
        plan_net(INPUT + ip("fc"), shape_rules={"InnerProduct": "same"})


# Net wiring.


def test_unknown_bottom_is_refused():
    with pytest.raises(
        fillers.FillerError, match="Unknown bottom blob 'nowhere' \\(layer 'fc', bottom index 0\\)"
    ):
        plan_net(INPUT + ip("fc", "nowhere"))


def test_a_top_made_twice_is_refused():
    text = INPUT + 'layer { name: "in2" type: "Input" top: "x" input_param { shape { dim: 1 } } }'
    with pytest.raises(fillers.FillerError, match="Duplicate blobs produced by multiple sources"):
        plan_net(text)


def test_in_place_layers_reshape_their_blob():
    text = (
        INPUT
        + 'layer { name: "flat" type: "Reshape" bottom: "x" top: "flat"\n'
        + "  reshape_param { shape { dim: 0 dim: -1 } } }\n"
    )
    text += 'layer { name: "relu" type: "ReLU" bottom: "flat" top: "flat" }' + ip("fc", "flat")
    assert init_net(text, seed=1)["fc"][0].shape == (5, 48)


def test_propagate_down_must_match_the_bottoms():
    with pytest.raises(
        fillers.FillerError, match="propagate_down param must be specified either 0 or bottom_size"
    ):
        plan_net(INPUT + ip("fc", extra="propagate_down: true propagate_down: false"))


def test_blobs_written_in_the_net_are_refused():
    text = INPUT + ip("fc").replace("inner_product_param", "blobs { data: 1 } inner_product_param")
    with pytest.raises(fillers.FillerError, match="carries its own blobs"):
        plan_net(text)


# Failures leave the stream as it was.


@pytest.mark.parametrize(
    "net",
    [
        INPUT + ip("fc") + ip("bad", extra="").replace('type: "xavier"', 'type: "nonesuch"'),
        INPUT + ip("fc") + 'layer { name: "up" type: "Deconvolution" bottom: "x" top: "up"\n'
        '  convolution_param { num_output: 2 kernel_h: 3 kernel_w: 2 weight_filler { type: "bilinear" } } }',
        INPUT + ip("fc") + ip("broken", "missing"),
    ],
    ids=["unknown-filler", "bilinear-not-square", "bad-wiring"],
)
def test_a_failed_net_leaves_the_stream_untouched(net):
    rng = fillers.CaffeRNG(21)
    with pytest.raises(fillers.FillerError):
        init_net(net, rng=rng)
    assert int(rng.random_raw(1)[0]) == next_raw(21, 0)


def test_fill_net_names_the_blob_whose_filler_fails():
    text = INPUT + 'layer { name: "up" type: "Deconvolution" bottom: "x" top: "up"\n'
    text += (
        '  convolution_param { num_output: 2 kernel_h: 3 kernel_w: 2 weight_filler { type: "bilinear" } } }'
    )
    with pytest.raises(
        fillers.FillerError, match=r"layer 'up' \(Deconvolution\) blob 0: .*Filter must be square"
    ):
        fill_net(plan_net(text), seed=1)
