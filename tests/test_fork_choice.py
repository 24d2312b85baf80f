"""No guessing (issue 19): a type name several forks define is taken from the fork the
evidence names, else refused naming the candidates; shape rules say which bottom they follow
and are offered only where the rest of the net accepts them."""

from __future__ import annotations

import contextlib
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fillers
from fillers.net.plan import plan_net

INPUT = (
    'layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 8 dim: 4 dim: 4 } } }\n'
)
NORMALIZE = INPUT + 'layer { name: "n" type: "Normalize" bottom: "data" top: "n" %s }\n'


def blobs(plan, layer):
    return [blob.shape for blob in plan.blobs if blob.layer == layer]


def test_a_shared_type_without_evidence_names_the_candidates_and_the_flag():
    with pytest.raises(fillers.FillerError) as caught:
        plan_net(NORMALIZE % "")
    message = str(caught.value)
    assert "'Normalize' is defined differently by 2 forks" in message
    assert "ssd (weiliu89/caffe" in message and "caffe-windows (happynear/caffe-windows" in message
    assert "forks=('ssd',)" in message and "forks=('caffe-windows',)" in message


def test_the_named_fork_decides():
    assert blobs(plan_net(NORMALIZE % "", forks=("ssd",)), "n") == [()]
    plan = plan_net(NORMALIZE % "", forks=["caffe-windows"])
    assert blobs(plan, "n") == [] and dict(plan.layers[1].tops)["n"] == (2, 8, 4, 4)


def test_the_parameter_block_decides():
    ssd = plan_net(NORMALIZE % "norm_param { channel_shared: false }")
    assert blobs(ssd, "n") == [(8,)]
    windows = plan_net(NORMALIZE % 'normalize_param { normalize_type: "L2" }')
    assert blobs(windows, "n") == []


def test_the_net_decides_through_a_type_only_one_candidate_defines():
    net = NORMALIZE % "" + (
        'layer { name: "p" type: "PriorBox" bottom: "n" bottom: "data" top: "p"\n'
        "  prior_box_param { min_size: 2 min_size: 3 } }"  # two min_sizes: not TextBoxes'
    )
    assert blobs(plan_net(net), "n") == [()]


def test_an_unknown_fork_name_is_refused_with_the_known_ones():
    with pytest.raises(fillers.FillerError, match=r"fork 'caffe_windows': .*did you mean 'caffe-windows'"):
        plan_net(NORMALIZE % "", forks=("caffe_windows",))


def test_upsample_one_bottom_is_yolo_two_with_the_same_result_either():
    one = INPUT + 'layer { name: "u" type: "Upsample" bottom: "data" top: "u" upsample_param { scale: 2 } }'
    assert dict(plan_net(one).layers[1].tops)["u"] == (2, 8, 8, 8)
    two = INPUT + (
        'layer { name: "u" type: "Upsample" bottom: "data" bottom: "data" top: "u"\n'
        "  upsample_param { scale: 2 } }"
    )
    assert dict(plan_net(two).layers[1].tops)["u"] == (2, 8, 8, 8)


def test_bn_without_fields_or_evidence_is_refused():
    net = INPUT + 'layer { name: "bn" type: "BN" bottom: "data" top: "bn" bn_param { frozen: true } }'
    with pytest.raises(
        fillers.FillerError, match=r"'BN' is defined differently by 3 forks: pspnet.*yjxiong.*caffe-windows"
    ):
        plan_net(net)
    assert blobs(plan_net(net, forks=("yjxiong",)), "bn") == [(1, 8)] * 4


def test_the_rest_of_the_net_settles_a_shared_type():
    # Only FaceBoxes' PriorBox (21 priors for three min_sizes) agrees with MultiBoxLoss's check.
    net = INPUT + (
        'layer { name: "p" type: "PriorBox" bottom: "data" bottom: "data" top: "p"\n'
        "  prior_box_param { min_size: 1 min_size: 2 min_size: 3 } }\n"
        'layer { name: "loc" type: "DummyData" top: "loc" top: "conf" top: "gt"\n'
        "  dummy_data_param { shape { dim: 2 dim: 1344 } shape { dim: 2 dim: 672 }\n"
        "                     shape { dim: 1 dim: 1 dim: 1 dim: 8 } } }\n"
        'layer { name: "loss" type: "MultiBoxLoss" bottom: "loc" bottom: "conf" bottom: "p" bottom: "gt"\n'
        ' top: "loss"\n'
        "  multibox_loss_param { num_classes: 2 } }"
    )
    plan = plan_net(net)
    assert dict(plan.layers[1].tops)["p"] == (1, 2, 16 * 21 * 4)


AXPY_LIKE = INPUT + (
    'layer { name: "s" type: "Pooling" bottom: "data" top: "s"\n'
    "  pooling_param { pool: AVE global_pooling: true } }\n"
    'layer { name: "f" type: "Scaled" bottom: "s" bottom: "data" bottom: "data" top: "f" }\n'
    'layer { name: "sum" type: "Eltwise" bottom: "f" bottom: "data" top: "sum" }\n'
)


def test_the_advice_offers_only_the_shape_rules_the_net_accepts():
    with pytest.raises(fillers.FillerError) as caught:
        plan_net(AXPY_LIKE)
    message = str(caught.value)
    # Bottom 0 is (2, 8, 1, 1), which the Eltwise with data refuses: "same" is not offered.
    assert "shape_rules={'Scaled': \"bottom:1\"}" in message
    assert '"same"' not in message and "bottom:2" not in message
    plan = plan_net(AXPY_LIKE, shape_rules={"Scaled": "bottom:1"})
    assert dict(plan.layers[2].tops)["f"] == (2, 8, 4, 4)


def test_a_dims_rule_gives_the_top_and_the_advice_falls_back_on_it():
    plan = plan_net(AXPY_LIKE, shape_rules={"Scaled": (2, 8, 4, 4)})
    assert dict(plan.layers[2].tops)["f"] == (2, 8, 4, 4)
    assert dict(plan_net(AXPY_LIKE, shape_rules={"Scaled": "2,8,4,4"}).layers[2].tops)["f"] == (2, 8, 4, 4)
    net = AXPY_LIKE.replace('bottom: "s" bottom: "data" bottom: "data"', 'bottom: "s"')
    with pytest.raises(
        fillers.FillerError,
        match=r"no bottom's shape fits the rest of the net: shape_rules=\{'Scaled': \(\.\.\.\)\}",
    ):
        plan_net(net)
    with pytest.raises(fillers.FillerError, match=r"'bottom:x' is not \"same\", \"bottom:K\""):
        plan_net(AXPY_LIKE, shape_rules={"Scaled": "bottom:x"})


def test_the_cli_offers_the_rule_flags_and_takes_them(tmp_path):
    path = tmp_path / "net.prototxt"
    path.write_text(AXPY_LIKE)
    run = [sys.executable, "-m", "fillers", "net", str(path)]
    failed = subprocess.run(run, capture_output=True, text=True, timeout=120)
    assert failed.returncode == 1 and "--shape-rule Scaled=bottom:1" in failed.stderr
    assert "--shape-rule Scaled=same" not in failed.stderr
    for rule in ("Scaled=bottom:1", "Scaled=2,8,4,4"):
        done = subprocess.run([*run, "--shape-rule", rule], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    bad = subprocess.run([*run, "--shape-rule", "Scaled=bottom"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and "TYPE=bottom:K" in bad.stderr
    path.write_text(NORMALIZE % "")
    ambiguous = subprocess.run(run, capture_output=True, text=True, timeout=120)
    assert (
        ambiguous.returncode == 1
        and "--fork ssd" in ambiguous.stderr
        and "--fork caffe-windows" in ambiguous.stderr
    )
    chosen = subprocess.run([*run, "--fork", "ssd"], capture_output=True, text=True, timeout=120)
    assert chosen.returncode == 0, chosen.stderr


def test_an_unknown_data_layer_advice_says_input_assumes_no_draws():
    net = 'layer { name: "d" type: "FancyData" top: "data" }\n' + (
        'layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip"\n'
        "  inner_product_param { num_output: 2 } }"
    )
    with pytest.raises(
        fillers.FillerError, match=r"draw nothing from Caffe's stream.*shifting every later fill"
    ):
        plan_net(net)


def test_annotated_data_reads_its_resize_param_and_refuses_it_twice():
    net = (
        'layer { name: "data" type: "AnnotatedData" top: "data" top: "label"\n'
        "  transform_param {\n"
        "    resize_param { resize_mode: WARP height: 300 width: 300 interp_mode: LINEAR } }\n"
        '  data_param { source: "no/such/lmdb" batch_size: 4 backend: LMDB } }\n'
    )
    plan = plan_net(net, input_shapes={"data": (4, 3, 300, 300)})
    assert dict(plan.layers[0].tops)["data"] == (4, 3, 300, 300)
    with pytest.raises(fillers.FillerError, match=r"contradicts.*4,\?,300,300"):
        plan_net(net, input_shapes={"data": (4, 3, 100, 100)})
    twice = net.replace("interp_mode: LINEAR }", "interp_mode: LINEAR } resize_param { height: 9 }")
    with pytest.raises(fillers.FillerError, match="resize_param"):
        plan_net(twice, input_shapes={"data": (4, 3, 300, 300)})


_FORK_LAYERS = {
    "Normalize": ("norm_param", ["across_spatial: true", "channel_shared: false", "eps: 0.1"]),
    "PriorBox": ("prior_box_param", ["min_size: 2", "max_size: 4", "aspect_ratio: 2", "flip: false"]),
    "Upsample": ("upsample_param", ["scale: 2", "upsample_h: 8", "upsample_w: 8", "pad_out_h: true"]),
    "Lstm": ("lstm_param", ["num_output: 3", 'weight_filler { type: "xavier" }', "clipping_threshold: 1"]),
    "Reorg": ("reorg_param", ["stride: 2", "reverse: true"]),
    "Transpose": ("transpose_param", ["dim: 0", "dim: 1", "dim: 3", "dim: 2"]),
    "AnnotatedData": (
        "transform_param",
        ["resize_param { height: 3 }", "resize_param { width: 3 }", "crop_size: 2"],
    ),
    "BN": (
        "bn_param",
        ['slope_filler { type: "constant" }', "frozen: true", "bn_mode: LEARN", "momentum: 0.5"],
    ),
    "CenterLoss": ("center_loss_param", ["num_output: 3", "axis: 1", "axis: -1"]),
    "Interp": (
        "interp_param",
        ["zoom_factor: 2", "shrink_factor: 2", "height: 3", "width: 3", "pad_beg: -1"],
    ),
}
_WRONG = ["", "1.5", '"text"', "{ }", "-3", "true"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    layer_type=st.sampled_from(sorted(_FORK_LAYERS)),
    picks=st.lists(st.integers(0, 5), max_size=6),
    wrong=st.sampled_from(_WRONG),
    bottoms=st.integers(0, 3),
)
def test_fork_readers_fail_only_with_filler_error(layer_type, picks, wrong, bottoms):
    block, fields = _FORK_LAYERS[layer_type]
    chosen = [fields[i % len(fields)] for i in picks]
    if wrong and chosen:
        chosen[-1] = chosen[-1].split(":")[0] + (f": {wrong}" if ":" in chosen[-1] else f" {wrong}")
    text = INPUT + (
        f'layer {{ name: "x" type: "{layer_type}" '
        + " ".join('bottom: "data"' for _ in range(bottoms))
        + f' top: "x" {block} {{ {" ".join(chosen)} }} }}'
    )
    with contextlib.suppress(fillers.FillerError):
        plan_net(text, input_shapes={"x": (2, 8, 4, 4)} if bottoms == 0 else None)


TRAINED = (
    'layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 } } }\n'
    'layer { name: "ip1" type: "InnerProduct" bottom: "data" top: "ip1"\n'
    '  inner_product_param { num_output: 3 weight_filler { type: "gaussian" std: 0.1 } } }\n'
    'layer { name: "fc" type: "MyFC" bottom: "ip1" top: "fc" }\n'
)
AFTER = (
    'layer { name: "ip2" type: "InnerProduct" bottom: "fc" top: "ip2"\n'
    '  inner_product_param { num_output: 2 weight_filler { type: "xavier" } } }\n'
)
FC = [np.arange(12, dtype=np.float32).reshape(4, 3), np.ones(4, dtype=np.float32)]


def test_weights_give_an_unknown_layers_blobs_and_a_rule_its_tops():
    params = fillers.init_net(TRAINED, seed=1, weights={"fc": FC}, shape_rules={"MyFC": (2, 4)})
    assert [blob.shape for blob in params["fc"]] == [(4, 3), (4,)]
    np.testing.assert_array_equal(params["fc"][0], FC[0])
    # The layers before it fill as they would without it.
    alone = fillers.init_net(TRAINED.replace("MyFC", "ReLU"), seed=1)
    np.testing.assert_array_equal(params["ip1"][0], alone["ip1"][0])


def test_without_a_rule_the_error_says_the_blobs_come_from_the_weights():
    with pytest.raises(
        fillers.FillerError, match=r"its 2 blobs come from the weights, its tops need a shape rule"
    ):
        fillers.init_net(TRAINED, seed=1, weights={"fc": FC})


def test_fills_after_an_unknown_layer_must_come_from_the_weights_too():
    net = TRAINED + AFTER
    rules = {"MyFC": (2, 4)}
    with pytest.raises(
        fillers.FillerError, match=r"layer 'fc' \(MyFC\) takes its blobs from the weights.*ip2 blob 0"
    ):
        fillers.init_net(net, seed=1, weights={"fc": FC}, shape_rules=rules)
    given = {"fc": FC, "ip2": [np.zeros((2, 4), np.float32), np.zeros(2, np.float32)]}
    assert fillers.init_net(net, seed=1, weights=given, shape_rules=rules)["ip2"][0].shape == (2, 4)
    # Each blob from a counter stream of its own: later fills do not shift.
    keyed = fillers.init_net(net, rng=fillers.CounterRNG(5), weights={"fc": FC}, shape_rules=rules)
    assert keyed["ip2"][0].shape == (2, 4)


def _fork_types():
    from fillers.net.layers.forks import FORKS

    known = set(fillers.registered_layers())
    return sorted({name for fork in FORKS.values() for name in fork.types} & known)


_VALUES = ["1", "0", "-2", "2.5", "true", '"x"', "{ }", "LEARN", '{ type: "constant" }']


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_fork_layer_fails_only_with_filler_error(data):
    from fillers.net.fields import declared_fields

    layer_type = data.draw(st.sampled_from(_fork_types()))
    blocks = declared_fields(layer_type)
    written = []
    for block in data.draw(st.lists(st.sampled_from(sorted(blocks) or ["x_param"]), max_size=2)):
        spec = blocks.get(block)
        names = sorted(spec.fields) if spec is not None and spec.fields else ["x"]
        fields = data.draw(st.lists(st.tuples(st.sampled_from(names), st.sampled_from(_VALUES)), max_size=4))
        body = " ".join(
            f"{name} {value}" if value.startswith("{") else f"{name}: {value}" for name, value in fields
        )
        written.append(f"{block} {{ {body} }}")
    bottoms = data.draw(st.integers(0, 4))
    tops = data.draw(st.integers(0, 3))
    text = INPUT + (
        f'layer {{ name: "x" type: "{layer_type}" '
        + " ".join('bottom: "data"' for _ in range(bottoms))
        + " ".join(f' top: "t{i}"' for i in range(tops))
        + f" {' '.join(written)} }}"
    )
    shapes = {f"t{i}": (2, 8, 4, 4) for i in range(tops)} if bottoms == 0 else None
    with contextlib.suppress(fillers.FillerError):
        plan_net(text, input_shapes=shapes)


def test_the_cli_takes_an_unknown_layers_blobs_from_weights(tmp_path):
    net, weights = tmp_path / "net.prototxt", tmp_path / "fc.npz"
    net.write_text(TRAINED)
    np.savez(weights, **{"fc/0": FC[0], "fc/1": FC[1]})
    run = [sys.executable, "-m", "fillers", "net", str(net), "--weights", str(weights)]
    bare = subprocess.run(run, capture_output=True, text=True, timeout=120)
    assert bare.returncode == 1 and "its 2 blobs come from the weights" in bare.stderr
    assert "--shape-rule MyFC=" in bare.stderr
    done = subprocess.run([*run, "--shape-rule", "MyFC=2,4"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "from weights" in done.stdout and "4,3" in done.stdout


@pytest.mark.parametrize("forks", [3, [1], [None]])
def test_forks_that_are_not_fork_names_are_refused(forks):
    with pytest.raises(fillers.FillerError, match="forks: "):
        plan_net(NORMALIZE % "", forks=forks)


@pytest.mark.parametrize("given", [3, {"fc": 3}, {"fc": "ab"}, {"fc": [[2, "x"]]}])
def test_given_blobs_that_are_not_shapes_are_refused(given):
    with pytest.raises(fillers.FillerError):
        plan_net(TRAINED, given_blobs=given, shape_rules={"MyFC": (2, 4)})


def test_docs_name_every_fork_and_every_fork_layer_built():
    from pathlib import Path

    from fillers.net.layers.forks import FORKS

    docs = (Path(__file__).resolve().parent.parent / "docs" / "forks.md").read_text()
    assert all(f"| `{name}` | {fork.repo} | {fork.commit[:8]} |" in docs for name, fork in FORKS.items())
    missing = [name for name in _fork_types() if f"| {name}" not in docs and f", {name}" not in docs]
    assert not missing
