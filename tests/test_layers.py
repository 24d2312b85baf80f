"""Layer setup as Caffe's: every layer type's blob shapes, top shapes, default fillers and
checks, on the nets in tests/data/layer_nets (expected values computed by hand from the
formulas in Caffe's layer code)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import fillers
from fillers import init_net
from fillers.net.plan import plan_net

NETS = Path(__file__).parent / "data" / "layer_nets"

# file -> {layer: ([blob shapes], [top shapes])}
EXPECTED = {
    "convolution": {
        "conv_basic": ([(16, 3, 5, 5), (16,)], [(2, 16, 28, 28)]),
        # (32 + 2*1 - 3) / 2 + 1 = 16
        "conv_pad_stride": ([(8, 3, 3, 3), (8,)], [(2, 8, 16, 16)]),
        # H: (32 + 2 - 3) / 1 + 1 = 32; W: (32 + 4 - 5) / 2 + 1 = 16
        "conv_hw": ([(4, 3, 3, 5), (4,)], [(2, 4, 32, 16)]),
        # 16 channels in 4 groups: 4 per filter; no bias
        "conv_group": ([(8, 4, 3, 3)], [(2, 8, 26, 26)]),
        # dilation 2 widens the 3-kernel to 5: (32 - 5) / 1 + 1 = 28
        "conv_dilated": ([(6, 3, 3, 3), (6,)], [(2, 6, 28, 28)]),
        # (2 - 3) / 2 truncates to 0 in C++, so 1, where floor division would give 0
        "conv_truncated": ([(2, 3, 3, 3), (2,)], [(2, 2, 1, 1)]),
        # D: (8 - 3) + 1 = 6; H: (10 + 2 - 3) / 2 + 1 = 5; W: (12 + 4 - 5) + 1 = 12
        "conv_3d": ([(4, 2, 3, 3, 5), (4,)], [(1, 4, 6, 5, 12)]),
        # channels on axis 2 (3 of them), spatial 16x16
        "conv_axis": ([(7, 3, 3, 3), (7,)], [(5, 2, 7, 14, 14)]),
        "conv_two": ([(5, 3, 1, 1), (5,)], [(2, 5, 32, 32), (2, 5, 32, 32)]),
        # 2 * (8 - 1) + 4 - 2 * 1 = 16; weight (C_in, num_output, k, k)
        "deconv_basic": ([(3, 6, 4, 4), (6,)], [(2, 6, 16, 16)]),
        # weight (C_in, num_output / group, k, k); 2 * 7 + 4 = 18
        "deconv_group": ([(3, 2, 4, 4)], [(2, 6, 18, 18)]),
        # extent 2 * (3 - 1) + 1 = 5: 2 * 7 + 5 = 19
        "deconv_dilated": ([(3, 2, 3, 3), (2,)], [(2, 2, 19, 19)]),
    },
    "inner_product": {
        "ip": ([(10, 75), (10,)], [(4, 10)]),
        "ip_axis2": ([(10, 25), (10,)], [(4, 3, 10)]),
        "ip_last_axis": ([(10, 5), (10,)], [(4, 3, 5, 10)]),
        "ip_transposed": ([(75, 10), (10,)], [(4, 10)]),
        "ip_no_bias": ([(3, 75)], [(4, 3)]),
        "embed": ([(100, 16), (16,)], [(6, 7, 16)]),
        "embed_no_bias": ([(50, 8)], [(6, 7, 8)]),
    },
    "normalization": {
        "prelu": ([(3,)], [(2, 3, 4, 5)]),
        "prelu_shared": ([()], [(2, 3, 4, 5)]),
        "scale": ([(3,)], [(2, 3, 4, 5)]),
        "scale_bias": ([(3,), (3,)], [(2, 3, 4, 5)]),
        "scale_span": ([(4, 5)], [(2, 3, 4, 5)]),
        "scale_rest": ([(3, 4, 5)], [(2, 3, 4, 5)]),
        "scale_scalar": ([()], [(2, 3, 4, 5)]),
        "scale_last_axis": ([(5,)], [(2, 3, 4, 5)]),
        # the scale is bottom[1]; only the bias is learned, spanning bottom[1]'s axes
        "scale_given": ([(3, 4)], [(2, 3, 4, 5)]),
        "bias": ([(3,)], [(2, 3, 4, 5)]),
        "bias_given": ([], [(2, 3, 4, 5)]),
        "bn": ([(3,), (3,), (1,)], [(2, 3, 4, 5)]),
    },
    "pooling": {
        # ceil((7 - 2) / 2) + 1 = 4
        "pool_ceil": ([], [(2, 3, 4, 4)]),
        "pool_floor": ([], [(2, 3, 3, 3)]),
        # ceil((5 + 2 - 2) / 2) + 1 = 4, but the last window would start in the padding: 3
        "pool_padded": ([], [(1, 2, 3, 3)]),
        # H: ceil((7 - 3) / 2) + 1 = 3; W: (7 - 2) / 1 + 1 = 6
        "pool_hw": ([], [(2, 3, 3, 6)]),
        "pool_global": ([], [(2, 3, 1, 1)]),
        "pool_alexnet": ([], [(1, 96, 27, 27)]),
        "pool_mask": ([], [(2, 3, 3, 3), (2, 3, 3, 3)]),
        # levels of 1x1, 2x2 and 4x4 bins over 3 channels: 3 * 21
        "spp": ([], [(2, 63)]),
        "spp_single": ([], [(2, 3, 1, 1)]),
    },
    "reshaping": {
        "concat": ([], [(2, 8, 4, 5)]),
        "concat_last": ([], [(2, 3, 4, 10)]),
        "concat_dim": ([], [(4, 3, 4, 5)]),
        "slice_points": ([], [(2, 2, 4), (2, 3, 4), (2, 4, 4)]),
        "slice_even": ([], [(2, 3, 4), (2, 3, 4), (2, 3, 4)]),
        "slice_dim": ([], [(2, 9, 2), (2, 9, 2)]),
        "flatten": ([], [(2, 60)]),
        "flatten_span": ([], [(2, 12, 5)]),
        "reshape_infer": ([], [(2, 60)]),
        "reshape_part": ([], [(2, 12, 5)]),
        "reshape_expand": ([], [(2, 3, 2, 10)]),
        "crop": ([], [(2, 3, 6, 7)]),
        "crop_offsets": ([], [(2, 3, 6, 7)]),
        "tile": ([], [(2, 9, 4, 5)]),
        "reduction": ([], [(2, 3)]),
        "reduction_all": ([], [()]),
        # no axis: (N, 1, top_k) padded with 1s to the bottom's 4 axes
        "argmax": ([], [(2, 1, 2, 1)]),
        "argmax_value": ([], [(2, 2, 1, 1)]),
        "argmax_axis": ([], [(2, 2, 4, 5)]),
    },
    "elementwise": {
        **{
            name: ([], [(2, 3, 4, 5)])
            for name in ("relu", "sigmoid", "tanh", "dropout", "power", "elu", "absval", "bnll", "exp", "log")
        },
        **{
            name: ([], [(2, 3, 4, 5)])
            for name in ("threshold", "clip", "swish", "mvn", "lrn", "softmax", "eltwise")
        },
        "split": ([], [(2, 3, 4, 5), (2, 3, 4, 5)]),
        "loss": ([], [(), (2, 10)]),
        "accuracy": ([], [(), (10,)]),
        # bottom[0]'s items, as many as bottom[1] indexes
        "reindex": ([], [(3, 3, 4, 5)]),
        "filter": ([], [(2, 3, 4, 5), (2, 10)]),
        "silence": ([], []),
    },
    "sources": {
        "dummy": ([], [(2, 3), (4,)]),
        "dummy_legacy": ([], [(1, 3, 4, 5), (2, 3, 4, 5)]),
        "memory": ([], [(8, 3, 10, 12), (8,)]),
        "parameter": ([(2, 3)], [(2, 3)]),
    },
    "recurrent": {
        # 3 * 3 * 3 channels; (9 + 2 - 3) / 2 + 1 = 5
        "im2col": ([], [(2, 27, 5, 5)]),
        # 3 * 3 * 2 channels; H: (9 + 2 - 3) / 1 + 1 = 9; W: (9 - 2) / 2 + 1 = 4
        "im2col_hw": ([], [(2, 18, 9, 4)]),
        # the 3-kernel dilated by 2 spans 5: 9 - 5 + 1 = 5
        "im2col_dilated": ([], [(2, 27, 5, 5)]),
        # (9 - 12) / 2 truncates to -1 in C++, so 0, where floor division would give -1
        "im2col_truncated": ([], [(2, 432, 0, 0)]),
        # 2 * 2 * 2 * 3 channels; D: (6 - 2) / 2 + 1 = 3; H: (7 - 2) / 2 + 1 = 3; W: (8 - 3) / 2 + 1 = 3
        "im2col_3d": ([], [(1, 24, 3, 3, 3)]),
        # channels on axis 2 (6 of them) times 3 * 3; 7 - 3 + 1 = 5, 8 - 3 + 1 = 6
        "im2col_axis": ([], [(1, 2, 54, 5, 6)]),
        # c_t and h_t are shaped like c_{t-1}
        "lstm_unit": ([], [(1, 2, 5), (1, 2, 5)]),
        # W_xc (4 * 3, 3), b_c (12,), W_hc (12, 3); h (T, N, 3)
        "lstm": ([(12, 3), (12,), (12, 3)], [(4, 2, 3)]),
        # W_xh, b_h, W_hh, W_ho, b_o; o (T, N, 3)
        "rnn": ([(3, 3), (3,), (3, 3), (3, 3), (3,)], [(4, 2, 3)]),
    },
    "legacy_input_dim": {
        "input": ([], [(10, 3, 227, 227), (1, 5, 1, 1)]),
        "conv": ([(8, 3, 11, 11), (8,)], [(10, 8, 55, 55)]),
    },
    "legacy_input_shape": {
        "input": ([], [(4, 6)]),
        "ip": ([(2, 6), (2,)], [(4, 2)]),
    },
}

CASES = [(net, layer, *shapes) for net, layers in EXPECTED.items() for layer, shapes in layers.items()]


def _layers(net: str) -> dict:
    return {layer.name: layer for layer in plan_net(NETS / f"{net}.prototxt").layers}


@pytest.mark.parametrize(("net", "layer", "blobs", "tops"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_layer_shapes_match_hand_computed(net, layer, blobs, tops):
    planned = _layers(net)[layer]
    assert [blob.shape for blob in planned.blobs] == blobs
    assert [shape for _, shape in planned.tops] == tops


@pytest.mark.parametrize("net", sorted(EXPECTED))
def test_every_layer_of_each_test_net_is_checked(net):
    assert set(_layers(net)) - {"inputs"} == set(EXPECTED[net])


def _plan(text: str, **kwargs):
    return plan_net(text, **kwargs)


def _raises(text: str, match: str, **kwargs) -> None:
    with pytest.raises(fillers.FillerError, match=match):
        plan_net(text, **kwargs)


INPUT = 'layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 2 dim: 4 dim: 6 dim: 6 } } }\n'


def _on_input(body: str) -> str:
    return INPUT + f'layer {{ name: "l" bottom: "x" top: "y" {body} }}'


# Default fillers, as each layer's code sets them.


def test_prelu_defaults_to_constant_quarter():
    (slope,) = init_net(NETS / "normalization.prototxt", seed=1)["prelu"]
    assert slope.dtype == np.float32 and np.all(slope == 0.25)


def test_prelu_channel_shared_slope_is_a_zero_axis_blob():
    (slope,) = init_net(NETS / "normalization.prototxt", seed=1)["prelu_shared"]
    assert slope.shape == () and slope == np.float32(0.25)


def test_prelu_uses_a_given_filler():
    text = _on_input('type: "PReLU" prelu_param { filler { type: "constant" value: 0.5 } }')
    assert np.all(init_net(text, seed=1)["l"][0] == 0.5)


def test_scale_defaults_to_ones_and_its_bias_to_zeros():
    scale, bias = init_net(NETS / "normalization.prototxt", seed=1)["scale_bias"]
    assert np.all(scale == 1) and np.all(bias == 0)


def test_scale_bias_is_filled_after_the_scale():
    text = _on_input(
        'type: "Scale" scale_param { bias_term: true '
        'filler { type: "uniform" } bias_filler { type: "uniform" } }'
    )
    scale, bias = init_net(text, seed=5)["l"]
    rng = fillers.CaffeRNG(5)
    uniform = fillers.get_filler(fillers.parse('type: "uniform"'))
    np.testing.assert_array_equal(scale, uniform.fill((4,), rng=rng))
    np.testing.assert_array_equal(bias, uniform.fill((4,), rng=rng))


def test_bias_defaults_to_zeros():
    (bias,) = init_net(NETS / "normalization.prototxt", seed=1)["bias"]
    assert np.all(bias == 0)


def test_parameter_blob_is_zero_without_a_filler():
    (blob,) = init_net(NETS / "sources.prototxt", seed=1)["parameter"]
    assert blob.shape == (2, 3) and np.all(blob == 0)
    assert _layers("sources")["parameter"].blobs[0].filler is None


def test_batchnorm_blobs_are_zero_and_draw_nothing():
    rng = fillers.CaffeRNG(3)
    blobs = init_net(_on_input('type: "BatchNorm"'), rng=rng)["l"]
    assert [blob.shape for blob in blobs] == [(4,), (4,), (1,)]
    assert all(np.all(blob == 0) for blob in blobs)
    assert int(rng.random_raw(1)[0]) == int(fillers.CaffeRNG(3).random_raw(1)[0])


def test_conv_weight_and_bias_fillers_come_from_the_net():
    weight, bias = _layers("convolution")["conv_basic"].blobs
    assert weight.filler.type == "constant" and bias.filler.type == "constant"
    text = _on_input(
        'type: "Convolution" convolution_param { num_output: 2 kernel_size: 3 '
        'weight_filler { type: "xavier" } bias_filler { type: "constant" value: 0.1 } }'
    )
    weight, bias = _plan(text).layers[1].blobs
    assert (weight.filler.type, bias.filler.value) == ("xavier", pytest.approx(0.1))


# Data layers: shapes their own parameters fix, and the setup draws of their generators.


def _data_layer(body: str, tops: str = 'top: "data" top: "label"') -> str:
    return f'layer {{ name: "src" {tops} {body} }}'


@pytest.mark.parametrize(
    ("body", "tops", "draws"),
    [
        # DataTransformer::InitRand twice (mirror) and the prefetch thread's seed
        ('type: "Data" data_param { batch_size: 4 } transform_param { mirror: true }', [None, (4,)], 3),
        # TEST phase, crop only: no transformer draws, still the thread's seed
        (
            'type: "Data" phase: TEST data_param { batch_size: 4 } transform_param { crop_size: 3 }',
            [None, (4,)],
            1,
        ),
        # TRAIN crops at random: both InitRand calls draw
        ('type: "Data" data_param { batch_size: 4 } transform_param { crop_size: 3 }', [None, (4,)], 3),
        ('type: "ImageData" image_data_param { batch_size: 2 }', [None, (2,)], 1),
        (
            'type: "ImageData" image_data_param { batch_size: 2 shuffle: true rand_skip: 5 new_height: 6 '
            "new_width: 8 }",
            [(2, 3, 6, 8), (2,)],
            3,
        ),
        (
            'type: "ImageData" image_data_param { batch_size: 2 is_color: false } '
            "transform_param { crop_size: 5 }",
            [(2, 1, 5, 5), (2,)],
            3,
        ),
        # the window generator and the thread's seed, plus InitRand twice for the TRAIN crop
        (
            'type: "WindowData" window_data_param { batch_size: 3 } transform_param { crop_size: 4 }',
            [None, (3,)],
            4,
        ),
        (
            'type: "MemoryData" memory_data_param { batch_size: 2 channels: 1 height: 3 width: 3 } '
            "transform_param { mirror: true }",
            [(2, 1, 3, 3), (2,)],
            1,
        ),
        ('type: "HDF5Data" hdf5_data_param { batch_size: 2 shuffle: true }', [None, None], 0),
    ],
)
def test_data_layer_shapes_and_setup_draws(body, tops, draws):
    (layer,) = _plan(_data_layer(body)).layers
    assert [shape for _, shape in layer.tops] == tops
    assert layer.setup_draws == draws


def test_data_layer_with_one_top_has_no_label():
    (layer,) = _plan(_data_layer('type: "Data" data_param { batch_size: 4 }', tops='top: "data"')).layers
    assert layer.tops == (("data", None),)


def test_dummy_data_rejects_an_unknown_filler_at_setup():
    _raises(
        'layer { name: "d" type: "DummyData" top: "a"\n'
        '  dummy_data_param { shape { dim: 1 } data_filler { type: "foo" } } }',
        "layer 'd' \\(DummyData\\): .*Unknown filler name: foo",
    )


# Checks: a net Caffe would refuse raises FillerError naming the layer and the value.


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ('type: "Convolution" convolution_param { num_output: 2 }', "kernel_size must be specified once"),
        (
            'type: "Convolution" convolution_param { num_output: 2 kernel_size: 0 }',
            "Filter dimensions must be nonzero",
        ),
        (
            'type: "Convolution" convolution_param { num_output: 2 kernel_size: 3 kernel_h: 3 kernel_w: 3 }',
            "Either kernel_size or kernel_h/w should be specified; not both",
        ),
        (
            'type: "Convolution" convolution_param { num_output: 0 kernel_size: 3 }',
            "num_output must be positive",
        ),
        (
            'type: "Convolution" convolution_param { num_output: 2 kernel_size: 3 group: 3 }',
            r"channels \(4\) must be a multiple of group \(3\)",
        ),
        (
            'type: "Convolution" convolution_param { num_output: 3 kernel_size: 3 group: 2 }',
            "Number of output should be multiples of group",
        ),
        (
            'type: "Convolution" convolution_param { num_output: 2 kernel_size: 9 }',
            r"top .y.: shape \(2, 2, -2, -2\): dimensions must be >= 0",
        ),
        (
            'type: "Convolution" convolution_param { num_output: 2 kernel_size: 3 '
            "stride: 1 stride: 2 stride: 3 }",
            r"stride specified 3 times; 2 spatial dims",
        ),
        (
            'type: "InnerProduct" inner_product_param { num_output: 2 axis: 4 }',
            "axis 4 out of range for 4-D Blob",
        ),
        ('type: "Embed" embed_param { num_output: 2 }', "EmbedLayer input_dim must be positive"),
        ('type: "Scale" scale_param { axis: 2 num_axes: 3 }', "scale blob's shape extends past bottom"),
        ('type: "Bias" bias_param { num_axes: -2 }', "num_axes must be non-negative"),
        ('type: "BatchNorm" param { lr_mult: 1 }', "Cannot configure batch normalization statistics"),
        (
            'type: "Pooling" pooling_param { pool: MAX }',
            "Filter size is kernel_size OR kernel_h and kernel_w",
        ),
        (
            'type: "Pooling" pooling_param { global_pooling: true kernel_size: 2 }',
            "With Global_pooling: true Filter size cannot specified",
        ),
        (
            'type: "Pooling" pooling_param { pool: STOCHASTIC kernel_size: 3 pad: 1 }',
            "Padding implemented only for average and max pooling",
        ),
        ('type: "LRN" lrn_param { local_size: 4 }', "LRN only supports odd values for local_size"),
        ('type: "Reshape" reshape_param { shape { dim: -1 dim: -1 } }', "multiple -1 dims"),
        (
            'type: "Reshape" reshape_param { shape { dim: 7 dim: -1 } }',
            r"bottom count \(288\) must be divisible",
        ),
        ('type: "Tile" tile_param { tiles: 0 }', "Number of tiles must be positive"),
        ('type: "ArgMax" argmax_param { axis: 1 top_k: 5 }', "top_k must be less than or equal"),
        ('type: "ReLU" top: "z"', "ReLU Layer produces 1 top blob\\(s\\) as output"),
        ('type: "Im2col"', "kernel_size must be specified once"),
        ('type: "Im2col" convolution_param { kernel_size: 0 }', "Filter dimensions must be nonzero"),
        (
            'type: "Im2col" convolution_param { kernel_size: 3 stride: 0 }',
            "Stride dimensions must be nonzero",
        ),
        (
            'type: "Im2col" convolution_param { kernel_h: 3 kernel_w: 0 stride_h: 0 stride_w: 1 }',
            "Filter dim",
        ),
        (
            'type: "Im2col" convolution_param { kernel_size: 3 kernel_h: 3 kernel_w: 3 }',
            "Either kernel_size or kernel_h/w should be specified; not both",
        ),
        ('type: "Im2col" convolution_param { kernel_size: 9 }', r"top .y.: shape \(2, 324, -2, -2\)"),
        (
            'type: "Im2col" convolution_param { kernel_size: 3 axis: 3 }',
            "no spatial axis after the channel axis 3",
        ),
        ('type: "Im2col" convolution_param { kernel_size: 3 axis: 4 }', "axis 4 out of range for 4-D Blob"),
        ('type: "LSTMUnit" top: "z"', r"LSTMUnit Layer takes 3 bottom blob\(s\) as input"),
    ],
)
def test_layer_checks_raise_naming_the_layer(body, match):
    _raises(_on_input(body), "layer 'l' .*" + match)


def test_concat_mismatch_names_the_layer():
    text = INPUT + (
        'layer { name: "in2" type: "Input" top: "w" input_param { shape { dim: 2 dim: 4 dim: 5 dim: 6 } } }\n'
        'layer { name: "cat" type: "Concat" bottom: "x" bottom: "w" top: "y" }'
    )
    _raises(text, "layer 'cat' \\(Concat\\): All inputs must have the same shape, except at concat_axis")


def test_eltwise_mismatch_shows_both_shapes():
    text = INPUT + (
        'layer { name: "in2" type: "Input" top: "w" input_param { shape { dim: 2 dim: 4 } } }\n'
        'layer { name: "sum" type: "Eltwise" bottom: "x" bottom: "w" top: "y" }'
    )
    _raises(text, r"bottom\[0\]: 2 4 6 6 \(288\), bottom\[1\]: 2 4 \(8\)")


def test_crop_out_of_bounds_names_dimension_and_offset():
    text = INPUT + (
        'layer { name: "in2" type: "Input" top: "w" input_param { shape { dim: 2 dim: 4 dim: 5 dim: 5 } } }\n'
        'layer { name: "crop" type: "Crop" bottom: "x" bottom: "w" top: "y" crop_param { offset: 2 } }'
    )
    _raises(text, "the crop for dimension 2 is out-of-bounds with size 5 and offset 2")


def test_slice_points_must_leave_a_positive_last_part():
    _raises(
        _on_input('type: "Slice" top: "z" slice_param { slice_point: 5 }'),
        r"top .z.: shape \(2, -1, 6, 6\): dimensions must be >= 0",
    )


def test_pooling_needs_four_axes():
    text = 'layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 2 dim: 3 } } }\n'
    text += 'layer { name: "p" type: "Pooling" bottom: "x" top: "y" pooling_param { kernel_size: 1 } }'
    _raises(text, "Input must have 4 axes")


def test_prelu_on_a_five_axis_blob_uses_legacy_accessors():
    text = 'layer { name: "in" type: "Input" top: "x"\n'
    text += "  input_param { shape { dim: 1 dim: 2 dim: 3 dim: 4 dim: 5 } } }\n"
    text += 'layer { name: "p" type: "PReLU" bottom: "x" top: "y" }'
    _raises(text, "Cannot use legacy accessors on Blobs with > 4 axes")


def test_flatten_refuses_in_place():
    _raises(INPUT + 'layer { name: "f" type: "Flatten" bottom: "x" top: "x" }', "does not allow in-place")


def test_input_shape_count_must_match_tops():
    text = 'layer { name: "in" type: "Input" top: "a" top: "b" top: "c" '
    text += "input_param { shape { dim: 1 } shape { dim: 2 } } }"
    _raises(text, "Must specify 'shape' once, once per top blob, or not at all: 3 tops vs. 2 shapes")


def test_memory_data_needs_every_dimension():
    _raises(
        'layer { name: "m" type: "MemoryData" top: "a" top: "b"\n'
        "  memory_data_param { batch_size: 2 channels: 3 } }",
        "batch_size, channels, height, and width must be specified and positive",
    )


def test_image_data_needs_both_new_sizes():
    _raises(
        _data_layer('type: "ImageData" image_data_param { new_height: 5 }'),
        "requires new_height and new_width to be set at the same time",
    )


LSTM_UNIT = (
    'layer {{ name: "in" type: "Input" top: "c" top: "g" top: "k" '
    "input_param {{ shape {{ {} }} shape {{ {} }} shape {{ {} }} }} }}\n"
    'layer {{ name: "l" type: "LSTMUnit" bottom: "c" bottom: "g" bottom: "k" top: "c1" top: "h1" }}'
)


@pytest.mark.parametrize(
    ("shapes", "match"),
    [
        # LSTMUnitLayer::Reshape reads bottom[0]'s axis 1 first
        (("dim: 2", "dim: 1 dim: 2 dim: 8", "dim: 1 dim: 2"), "axis 1 out of range for 1-D Blob"),
        (
            ("dim: 1 dim: 2 dim: 2 dim: 1", "dim: 1 dim: 2 dim: 8", "dim: 1 dim: 2"),
            r"bottom\[0\] must have 3 axes",
        ),
        (
            ("dim: 1 dim: 2 dim: 2", "dim: 1 dim: 2 dim: 8", "dim: 1 dim: 2 dim: 1"),
            r"bottom\[2\] must have 2 axes",
        ),
        (
            ("dim: 2 dim: 2 dim: 2", "dim: 1 dim: 2 dim: 8", "dim: 1 dim: 2"),
            r"bottom\[0\] must be one timestep",
        ),
        (
            ("dim: 1 dim: 2 dim: 2", "dim: 1 dim: 3 dim: 8", "dim: 1 dim: 2"),
            r"bottom\[1\] must have bottom\[0\]'s 2",
        ),
        (
            ("dim: 1 dim: 2 dim: 2", "dim: 1 dim: 2 dim: 6", "dim: 1 dim: 2"),
            r"bottom\[1\] \(the gate inputs\) must have 4 \* 2 = 8 channels",
        ),
    ],
)
def test_lstm_unit_checks_its_bottoms(shapes, match):
    _raises(LSTM_UNIT.format(*shapes), "layer 'l' \\(LSTMUnit\\): " + match)
