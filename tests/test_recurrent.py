"""LSTM and RNN as Caffe's RecurrentLayer sets them up: the unrolled inner net (its layers, their
order and shapes, written out here from lstm_layer.cpp and rnn_layer.cpp), the draws it makes
from the same stream (modelled as the sequence of fills the inner Net's constructor makes),
static input, expose_hidden, shared params, float and double, and Caffe's checks."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from optional import require

import fillers
from fillers import init_net
from fillers.net.plan import plan_net

WEIGHT = 'type: "gaussian" std: 0.3'
BIAS = 'type: "uniform" min: -0.5 max: 0.5'


def _net(layer_type: str, *, steps=3, streams=2, x=(4,), static=None, hidden=2, expose=False, extra=""):
    """An Input layer (x, cont, [xs], [h0, c0]) and one recurrent layer "rec" on it."""
    inputs = {"x": (steps, streams, *x), "cont": (steps, streams)}
    if static is not None:
        inputs["xs"] = static
    states = (["h0", "c0"] if layer_type == "LSTM" else ["h0"]) if expose else []
    inputs.update({state: (1, streams, hidden) for state in states})
    tops = ["out"] + [state.replace("0", "T") for state in states]
    shapes = " ".join("shape { " + " ".join(f"dim: {d}" for d in shape) + " }" for shape in inputs.values())
    return (
        f'layer {{ name: "in" type: "Input" {_names("top", inputs)} input_param {{ {shapes} }} }}\n'
        f'layer {{ name: "rec" type: "{layer_type}" {_names("bottom", inputs)} {_names("top", tops)}\n'
        f"  recurrent_param {{ num_output: {hidden} expose_hidden: {str(expose).lower()} "
        f"weight_filler {{ {WEIGHT} }} bias_filler {{ {BIAS} }} }} {extra} }}\n"
    )


def _names(field: str, names) -> str:
    return " ".join(f'{field}: "{name}"' for name in names)


def _rec(text: str):
    return next(layer for layer in plan_net(text).layers if layer.name == "rec")


def _fill(spec: str, shape, rng, dtype=np.float32) -> np.ndarray:
    return fillers.get_filler(fillers.parse(spec)).fill(shape, dtype=dtype, rng=rng)


# The unrolled net, layer by layer, as FillUnrolledNet writes it (T = 2).


def _layers(plan) -> list[tuple[str, str, list[str], list[str]]]:
    return [
        (layer.name, layer.type, list(layer.param.bottom), [t for t, _ in layer.tops])
        for layer in plan.layers
    ]


def test_lstm_unrolls_as_lstm_layer_cpp_writes_it():
    inner = _rec(_net("LSTM", steps=2, static=(2, 5))).inner
    assert _layers(inner) == [
        ("rec_", "Input", [], ["x", "cont", "x_static"]),
        ("rec_", "Input", [], ["c_0", "h_0"]),
        ("rec_cont_slice", "Slice", ["cont"], ["cont_1", "cont_2"]),
        ("rec_x_transform", "InnerProduct", ["x"], ["W_xc_x"]),
        ("rec_W_xc_x_static", "InnerProduct", ["x_static"], ["W_xc_x_static_preshape"]),
        ("rec_W_xc_x_static_reshape", "Reshape", ["W_xc_x_static_preshape"], ["W_xc_x_static"]),
        ("rec_W_xc_x_slice", "Slice", ["W_xc_x"], ["W_xc_x_1", "W_xc_x_2"]),
        ("rec_h_conted_0", "Scale", ["h_0", "cont_1"], ["h_conted_0"]),
        ("rec_transform_1", "InnerProduct", ["h_conted_0"], ["W_hc_h_0"]),
        ("rec_gate_input_1", "Eltwise", ["W_hc_h_0", "W_xc_x_1", "W_xc_x_static"], ["gate_input_1"]),
        ("rec_unit_1", "LSTMUnit", ["c_0", "gate_input_1", "cont_1"], ["c_1", "h_1"]),
        ("rec_h_conted_1", "Scale", ["h_1", "cont_2"], ["h_conted_1"]),
        ("rec_transform_2", "InnerProduct", ["h_conted_1"], ["W_hc_h_1"]),
        ("rec_gate_input_2", "Eltwise", ["W_hc_h_1", "W_xc_x_2", "W_xc_x_static"], ["gate_input_2"]),
        ("rec_unit_2", "LSTMUnit", ["c_1", "gate_input_2", "cont_2"], ["c_2", "h_2"]),
        ("rec_", "Split", ["c_2"], ["c_T"]),
        ("rec_h_concat", "Concat", ["h_1", "h_2"], ["h"]),
        ("h_pseudoloss", "Reduction", ["h"], ["h_pseudoloss"]),
    ]
    tops = dict(top for layer in inner.layers for top in layer.tops)
    assert tops["W_xc_x"] == (2, 2, 8) and tops["W_xc_x_static"] == (1, 2, 8)
    assert tops["c_T"] == (1, 2, 2) and tops["h"] == (2, 2, 2) and tops["h_pseudoloss"] == ()


def test_rnn_unrolls_as_rnn_layer_cpp_writes_it():
    inner = _rec(_net("RNN", steps=2)).inner
    assert _layers(inner) == [
        ("rec_", "Input", [], ["x", "cont"]),
        ("rec_", "Input", [], ["h_0"]),
        ("rec_cont_slice", "Slice", ["cont"], ["cont_1", "cont_2"]),
        ("rec_x_transform", "InnerProduct", ["x"], ["W_xh_x"]),
        ("rec_W_xh_x_slice", "Slice", ["W_xh_x"], ["W_xh_x_1", "W_xh_x_2"]),
        ("rec_h_conted_0", "Scale", ["h_0", "cont_1"], ["h_conted_0"]),
        ("rec_W_hh_h_0", "InnerProduct", ["h_conted_0"], ["W_hh_h_0"]),
        ("rec_h_input_sum_1", "Eltwise", ["W_hh_h_0", "W_xh_x_1"], ["h_neuron_input_1"]),
        ("rec_h_neuron_1", "TanH", ["h_neuron_input_1"], ["h_1"]),
        ("rec_W_ho_h_1", "InnerProduct", ["h_1"], ["W_ho_h_1"]),
        ("rec_o_neuron_1", "TanH", ["W_ho_h_1"], ["o_1"]),
        ("rec_h_conted_1", "Scale", ["h_1", "cont_2"], ["h_conted_1"]),
        ("rec_W_hh_h_1", "InnerProduct", ["h_conted_1"], ["W_hh_h_1"]),
        ("rec_h_input_sum_2", "Eltwise", ["W_hh_h_1", "W_xh_x_2"], ["h_neuron_input_2"]),
        ("rec_h_neuron_2", "TanH", ["h_neuron_input_2"], ["h_2"]),
        ("rec_W_ho_h_2", "InnerProduct", ["h_2"], ["W_ho_h_2"]),
        ("rec_o_neuron_2", "TanH", ["W_ho_h_2"], ["o_2"]),
        ("rec_o_concat", "Concat", ["o_1", "o_2"], ["o"]),
        ("o_pseudoloss", "Reduction", ["o"], ["o_pseudoloss"]),
    ]


def test_inner_params_are_shared_by_name_across_timesteps():
    inner = _rec(_net("LSTM", steps=3)).inner
    blobs = [(blob.layer, blob.index, blob.shape, blob.owner) for blob in inner.blobs]
    assert blobs == [
        ("rec_x_transform", 0, (8, 4), None),
        ("rec_x_transform", 1, (8,), None),
        ("rec_transform_1", 0, (8, 2), None),
        ("rec_transform_2", 0, (8, 2), ("rec_transform_1", 0)),
        ("rec_transform_3", 0, (8, 2), ("rec_transform_1", 0)),
    ]
    assert [layer.param.param[0].name for layer in inner.layers if layer.type == "InnerProduct"] == [
        "W_xc",
        "W_hc",
        "W_hc",
        "W_hc",
    ]
    assert all(blob.filler == fillers.parse(WEIGHT) for blob in inner.blobs if blob.index == 0)
    assert inner.blobs[1].filler == fillers.parse(BIAS)


def test_an_unnamed_layer_leaves_the_inner_names_alone():
    text = _net("RNN", steps=1).replace('name: "rec"', 'name: ""')
    (inner,) = [layer.inner for layer in plan_net(text).layers if layer.inner is not None]
    assert [layer.name for layer in inner.layers][:4] == ["", "", "cont_slice", "x_transform"]


# Blob and top shapes.


@pytest.mark.parametrize(
    ("layer_type", "kwargs", "blobs", "tops"),
    [
        # H = 2: LSTM's transforms have 4H = 8 outputs; K = 4
        ("LSTM", {}, [(8, 4), (8,), (8, 2)], [(3, 2, 2)]),
        # x's axes after the first two flatten: K = 2 * 3
        ("LSTM", {"x": (2, 3)}, [(8, 6), (8,), (8, 2)], [(3, 2, 2)]),
        # the static input flattens from axis 1: K_s = 5 * 2
        ("LSTM", {"static": (2, 5, 2)}, [(8, 4), (8,), (8, 10), (8, 2)], [(3, 2, 2)]),
        ("LSTM", {"expose": True}, [(8, 4), (8,), (8, 2)], [(3, 2, 2), (1, 2, 2), (1, 2, 2)]),
        (
            "LSTM",
            {"expose": True, "static": (2, 7)},
            [(8, 4), (8,), (8, 7), (8, 2)],
            [(3, 2, 2), (1, 2, 2), (1, 2, 2)],
        ),
        ("RNN", {"hidden": 5}, [(5, 4), (5,), (5, 5), (5, 5), (5,)], [(3, 2, 5)]),
        ("RNN", {"static": (2, 3)}, [(2, 4), (2,), (2, 3), (2, 2), (2, 2), (2,)], [(3, 2, 2)]),
        ("RNN", {"expose": True, "steps": 1}, [(2, 4), (2,), (2, 2), (2, 2), (2,)], [(1, 2, 2), (1, 2, 2)]),
    ],
)
def test_blob_and_top_shapes(layer_type, kwargs, blobs, tops):
    layer = _rec(_net(layer_type, **kwargs))
    assert [blob.shape for blob in layer.blobs] == blobs
    assert [shape for _, shape in layer.tops] == tops
    assert all(blob.owner is None for blob in layer.blobs)


# The draws: every inner layer fills in order from the caller's stream, shared copies included.


def _lstm_model(rng, steps, x_dim, hidden, static_dim, dtype):
    gates = 4 * hidden
    kept = [_fill(WEIGHT, (gates, x_dim), rng, dtype), _fill(BIAS, (gates,), rng, dtype)]
    if static_dim:
        kept.append(_fill(WEIGHT, (gates, static_dim), rng, dtype))
    kept.append(_fill(WEIGHT, (gates, hidden), rng, dtype))
    for _ in range(steps - 1):
        _fill(WEIGHT, (gates, hidden), rng, dtype)
    return kept


def _rnn_model(rng, steps, x_dim, hidden, static_dim, dtype):
    kept = [_fill(WEIGHT, (hidden, x_dim), rng, dtype), _fill(BIAS, (hidden,), rng, dtype)]
    if static_dim:
        kept.append(_fill(WEIGHT, (hidden, static_dim), rng, dtype))
    for step in range(steps):
        step_blobs = [
            _fill(WEIGHT, (hidden, hidden), rng, dtype),
            _fill(WEIGHT, (hidden, hidden), rng, dtype),
            _fill(BIAS, (hidden,), rng, dtype),
        ]
        if step == 0:
            kept += step_blobs
    return kept


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("layer_type", "model"), [("LSTM", _lstm_model), ("RNN", _rnn_model)])
@pytest.mark.parametrize("static", [None, (2, 3)])
def test_fills_follow_the_inner_nets_order_on_one_stream(dtype, layer_type, model, static):
    rng = fillers.CaffeRNG(11)
    params = init_net(_net(layer_type, steps=4, static=static, hidden=3), rng=rng, dtype=dtype)
    expected_rng = fillers.CaffeRNG(11)
    expected = model(expected_rng, 4, 4, 3, 3 if static else 0, dtype)
    assert len(params["rec"]) == len(expected)
    for got, want in zip(params["rec"], expected, strict=True):
        assert got.dtype == dtype
        np.testing.assert_array_equal(got, want)
    assert int(rng.random_raw(1)[0]) == int(expected_rng.random_raw(1)[0])


def test_a_numpy_generator_also_runs_every_inner_fill():
    params = init_net(_net("LSTM", steps=3), rng=np.random.default_rng(3))
    expected = _lstm_model(np.random.default_rng(3), 3, 4, 2, 0, np.float32)
    for got, want in zip(params["rec"], expected, strict=True):
        np.testing.assert_array_equal(got, want)


def test_counter_mode_keys_the_kept_blobs_by_the_layer():
    params = init_net(_net("RNN"), rng=fillers.CounterRNG(5, "k"))
    specs = [WEIGHT, BIAS, WEIGHT, WEIGHT, BIAS]
    for index, (got, spec) in enumerate(zip(params["rec"], specs, strict=True)):
        want = _fill(spec, got.shape, fillers.CounterRNG(5, "k").child(f"rec/{index}"))
        np.testing.assert_array_equal(got, want)


def test_dask_gives_the_counter_mode_values():
    require("dask")
    import fillers.dask

    text = _net("LSTM", static=(2, 3))
    lazy = fillers.dask.init_net(text, seed=5)
    eager = init_net(text, rng=fillers.CounterRNG(5))
    for got, want in zip(lazy["rec"], eager["rec"], strict=True):
        np.testing.assert_array_equal(got.compute(), want)


def test_layers_after_a_recurrent_layer_continue_its_stream():
    text = _net("RNN", steps=2) + (
        'layer { name: "ip" type: "InnerProduct" bottom: "out" top: "y" '
        'inner_product_param { num_output: 3 axis: 2 weight_filler { type: "gaussian" } } }'
    )
    rng = fillers.CaffeRNG(2)
    params = init_net(text, rng=rng)
    expected_rng = fillers.CaffeRNG(2)
    _rnn_model(expected_rng, 2, 4, 2, 0, np.float32)
    np.testing.assert_array_equal(params["ip"][0], _fill('type: "gaussian"', (3, 2), expected_rng))


def test_two_layers_sharing_params_by_name_each_fill_then_share():
    text = _net("LSTM", steps=2, extra='param { name: "w" } param { name: "b" } param { name: "u" }')
    text += text.split("\n", 1)[1].replace('name: "rec"', 'name: "rec2"').replace('top: "out"', 'top: "out2"')
    plan = plan_net(text)
    assert [blob.owner for blob in plan.layers[2].blobs] == [("rec", 0), ("rec", 1), ("rec", 2)]
    rng = fillers.CaffeRNG(9)
    params = init_net(text, rng=rng)
    expected_rng = fillers.CaffeRNG(9)
    first = _lstm_model(expected_rng, 2, 4, 2, 0, np.float32)
    _lstm_model(expected_rng, 2, 4, 2, 0, np.float32)  # the second layer's inner net draws too
    for got, shared, want in zip(params["rec"], params["rec2"], first, strict=True):
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(shared, want)
    assert int(rng.random_raw(1)[0]) == int(expected_rng.random_raw(1)[0])


def test_saved_caffemodel_round_trips(tmp_path):
    text = _net("LSTM", static=(2, 3))
    params = init_net(text, seed=4)
    path = tmp_path / "lstm.caffemodel"
    fillers.save_weights(params, path)
    loaded = fillers.load_weights(path)
    assert loaded.types["rec"] == "LSTM"
    for got, want in zip(loaded["rec"], params["rec"], strict=True):
        np.testing.assert_array_equal(got, want)


# Caffe's checks, each raised before the stream moves and naming the layer.


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (_net("LSTM").replace("num_output: 2", "num_output: 0"), "num_output must be positive; got 0"),
        (
            _net("LSTM").replace("num_output: 2", "num_output: 2147483648"),
            "num_output must be positive; got 2147483648",
        ),
        (_net("LSTM").replace('bottom: "cont" ', ""), "LSTM Layer takes at least 2 bottom blob"),
        (_net("LSTM", expose=True).replace('bottom: "c0" ', ""), "LSTM Layer takes at least 4 bottom blob"),
        (
            _net("RNN").replace('bottom: "cont"', 'bottom: "cont" bottom: "x" bottom: "x"'),
            "RNN Layer takes at most 3 bottom blob",
        ),
        (_net("LSTM", expose=True).replace('top: "cT"', ""), "LSTM Layer produces 3 top blob"),
        (
            _net("RNN", x=()).replace("dim: 3 dim: 2 }", "dim: 3 }", 1),
            "bottom\\[0\\] must have at least 2 axes",
        ),
        (
            _net("RNN").replace("dim: 3 dim: 2 }", "dim: 3 dim: 2 dim: 1 }", 2),
            "bottom\\[1\\] must have exactly 2",
        ),
        (
            _net("RNN", steps=3).replace("shape { dim: 3 dim: 2 }", "shape { dim: 4 dim: 2 }"),
            "3 2; got 4 2 \\(8\\)",
        ),
        (_net("LSTM", static=(3, 4)), "static input\\) must have bottom\\[0\\]'s 2 streams on axis 0"),
        (
            _net("LSTM", expose=True).replace("dim: 1 dim: 2 dim: 2", "dim: 1 dim: 2 dim: 3", 1),
            r"shape mismatch - recur_input_blobs_\[0\] \(h_0\): 1 2 2 \(4\) vs. bottom\[2\]: 1 2 3 \(6\)",
        ),
        # x without axes past (T, N): the inner InnerProduct's axis 2 does not exist
        (
            _net("LSTM", x=()),
            "layer 'rec' \\(LSTM\\): its inner net: layer 'rec_x_transform' \\(InnerProduct\\): "
            "axis 2 out of range for 2-D Blob",
        ),
        # no timesteps: the time Slice has no tops
        (
            _net("RNN", steps=0),
            "its inner net: layer 'rec_cont_slice' \\(Slice\\): Slice Layer produces at least 1",
        ),
        (
            _net("RNN").replace(WEIGHT, 'type: "foo"'),
            "its inner net: layer 'rec_x_transform' .*Unknown filler name: foo",
        ),
    ],
)
def test_checks_name_the_layer_and_leave_the_stream_alone(text, match):
    rng = fillers.CaffeRNG(1)
    with pytest.raises(fillers.FillerError, match=match) as raised:
        init_net(text, rng=rng)
    assert "'rec'" in str(raised.value) and str(raised.value).startswith("line ")
    assert int(rng.random_raw(1)[0]) == int(fillers.CaffeRNG(1).random_raw(1)[0])


def test_a_bad_filler_names_the_layer_and_the_inner_blob():
    text = _net("LSTM").replace(BIAS, 'type: "uniform" min: 1 max: 0')
    with pytest.raises(
        fillers.FillerError,
        match=r"layer 'rec' \(LSTM\): its inner net: layer 'rec_x_transform' \(InnerProduct\) blob 1: "
        r"min: 1.0, max: 0.0",
    ):
        plan_net(text)


# Fuzzing: any shapes and parameters give the layer's blobs or a FillerError that leaves the
# stream where it was.

_features = st.lists(st.sampled_from([1, 2, 3, 0]), min_size=1, max_size=3)
_image = st.lists(st.sampled_from([3, 4, 5, 1, 0]), min_size=3, max_size=5)
_repeated = st.lists(st.sampled_from([1, 2, 3, 0, 4]), max_size=4)
_sizes = st.sampled_from([1, 2, 3, 0])
_rarely = st.integers(0, 3).map(lambda n: n == 3)
_hw = st.dictionaries(st.sampled_from(["kernel_h", "stride_w", "pad_h"]), st.integers(0, 3))


@st.composite
def _fuzzed_nets(draw) -> str:
    """A layer on shapes that fit it, then perhaps broken: a dim changed, a bottom or top
    dropped or added, bad parameters."""
    layer_type = draw(st.sampled_from(["LSTM", "RNN", "LSTMUnit", "Im2col"]))
    steps, streams, hidden = draw(_sizes), draw(_sizes), draw(st.integers(1, 3))
    body = ""
    if layer_type in ("LSTM", "RNN"):
        expose = draw(st.booleans())
        states = (2 if layer_type == "LSTM" else 1) if expose else 0
        shapes = [(steps, streams, *draw(_features)), (steps, streams)]
        shapes += [(streams, *draw(_features))] if draw(st.booleans()) else []
        shapes += [(1, streams, hidden)] * states
        num_output = draw(st.sampled_from([hidden] * 5 + [0, 2**31, 2**32 - 1]))
        filler = draw(
            st.sampled_from(["", 'type: "xavier"', 'type: "gaussian" std: 2', 'type: "uniform" min: 1'])
        )
        body = (
            f"recurrent_param {{ num_output: {num_output} expose_hidden: {str(expose).lower()} "
            f"weight_filler {{ {filler} }} bias_filler {{ {filler} }} }}"
        )
        num_tops = 1 + states
    elif layer_type == "LSTMUnit":
        shapes = [(1, streams, hidden), (1, streams, 4 * hidden), (1, streams)]
        num_tops = 2
    else:
        shapes = [tuple(draw(_image))]
        fields = [
            *(f"kernel_size: {k}" for k in draw(_repeated.filter(bool) | _repeated)),
            *(f"stride: {s}" for s in draw(_repeated)),
            *(f"pad: {p}" for p in draw(_repeated)),
            *(f"dilation: {d}" for d in draw(_repeated)),
            *(f"{f}: {v}" for f, v in (draw(_hw) if draw(_rarely) else {}).items()),
            *(f"axis: {a}" for a in draw(st.lists(st.integers(-6, 6), max_size=1))),
        ]
        body = "convolution_param { " + " ".join(fields) + " }"
        num_tops = 1
    shapes = [list(shape) for shape in shapes]
    if shapes and draw(_rarely):
        shape = draw(st.sampled_from(shapes))
        if shape and draw(st.booleans()):
            shape[draw(st.integers(0, len(shape) - 1))] = draw(st.integers(0, 4))
        else:
            shape.append(draw(st.integers(0, 2)))
    bottoms = list(range(len(shapes)))
    if draw(_rarely):
        bottoms = draw(st.lists(st.integers(0, len(shapes) - 1), max_size=6)) if shapes else []
    num_tops = draw(st.sampled_from([num_tops] * 6 + [0, num_tops + 1]))
    names = " ".join(f'top: "b{i}"' for i in range(len(shapes)))
    dims = " ".join("shape { " + " ".join(f"dim: {d}" for d in shape) + " }" for shape in shapes)
    inputs = f'layer {{ name: "in" type: "Input" {names} input_param {{ {dims} }} }}\n' if shapes else ""
    wiring = (
        " ".join(f'bottom: "b{i}"' for i in bottoms) + " " + " ".join(f'top: "t{i}"' for i in range(num_tops))
    )
    return inputs + f'layer {{ name: "l" type: "{layer_type}" {wiring} {body} }}\n'


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=_fuzzed_nets(), dtype=st.sampled_from([np.float32, np.float64]))
def test_fuzzed_layers_give_blobs_or_a_filler_error_that_changes_nothing(text, dtype):
    rng = fillers.CaffeRNG(3)
    try:
        plan = plan_net(text)
        params = init_net(text, rng=rng, dtype=dtype)
    except fillers.FillerError:
        assert int(rng.random_raw(1)[0]) == int(fillers.CaffeRNG(3).random_raw(1)[0])
        return
    layer = plan.layers[-1]
    assert [blob.shape for blob in params.get("l", [])] == [blob.shape for blob in layer.blobs]
    assert (layer.inner is not None) == (layer.type in ("LSTM", "RNN"))
    assert all(shape is not None and min(shape, default=0) >= 0 for _, shape in layer.tops)


def test_the_docs_example_prints_what_it_says(capsys):
    page = (Path(__file__).parent.parent / "docs" / "layers.md").read_text()
    code = re.search(r"```python\n(.*?)```", page, flags=re.S).group(1)
    exec(compile(code, "docs/layers.md", "exec"), {})
    expected = re.search(r"^# (\[.*)$", code, flags=re.M).group(1)
    assert capsys.readouterr().out.strip() == expected


def test_fillers_net_lists_the_recurrent_blobs(tmp_path, capsys):
    from fillers.cli.commands import main

    path = tmp_path / "lstm.prototxt"
    path.write_text(_net("LSTM", static=(2, 3)))
    assert main(["net", str(path), "--seed", "1", "--out", str(tmp_path / "lstm.caffemodel")]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines() if line.startswith("rec ")]
    # layer, blob, shape, mean, std, then the filler
    assert [(*row[:3], row[5]) for row in rows] == [
        ("rec", "0", "8,4", "gaussian"),
        ("rec", "1", "8", "uniform"),
        ("rec", "2", "8,3", "gaussian"),
        ("rec", "3", "8,2", "gaussian"),
    ]
    saved = fillers.load_weights(tmp_path / "lstm.caffemodel")
    assert [blob.shape for blob in saved["rec"]] == [(8, 4), (8,), (8, 3), (8, 2)]
