"""fillers.torch against real torch: Caffe's bits in tensors, rules on modules, state dicts
from Caffe nets that torch models load."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from optional import require

torch = require("torch")

import fillers  # noqa: E402
import fillers.torch as ft  # noqa: E402

GOLDEN = Path(__file__).parent / "data" / "golden" / "nets.jsonl"
SPEC = {"type": "msra", "variance_norm": "FAN_OUT"}


def _caffe(spec, shape, seed, dtype=np.float32):
    return fillers.get_filler(spec).fill(shape, dtype, fillers.CaffeRNG(seed))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_conv2d_and_linear_get_caffes_bits(dtype):
    conv = torch.nn.Conv2d(3, 16, 5, dtype=dtype)
    linear = torch.nn.Linear(20, 7, dtype=dtype)
    np_dtype = np.float32 if dtype == torch.float32 else np.float64
    assert ft.fill_(conv.weight, SPEC, rng=fillers.CaffeRNG(7)) is conv.weight
    ft.fill_(linear.weight, 'type: "xavier"', rng=fillers.CaffeRNG(8))
    ft.fill_(linear.bias, fillers.FillerParameter(type="gaussian", std=2), rng=fillers.CaffeRNG(9))
    assert conv.weight.requires_grad
    np.testing.assert_array_equal(conv.weight.detach().numpy(), _caffe(SPEC, (16, 3, 5, 5), 7, np_dtype))
    np.testing.assert_array_equal(
        linear.weight.detach().numpy(), _caffe({"type": "xavier"}, (7, 20), 8, np_dtype)
    )
    np.testing.assert_array_equal(
        linear.bias.detach().numpy(), _caffe({"type": "gaussian", "std": 2}, (7,), 9, np_dtype)
    )


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_is_caffes_float_rounded(dtype):
    tensor = torch.empty(8, 4, 3, 3, dtype=dtype)
    ft.fill_(tensor, SPEC, rng=fillers.CaffeRNG(3))
    want = torch.from_numpy(_caffe(SPEC, (8, 4, 3, 3), 3)).to(dtype)
    assert torch.equal(tensor, want)


def test_a_non_contiguous_tensor_is_filled_through_staging():
    base = torch.zeros(6, 10)
    view = base[:, ::2]
    ft.fill_(view, {"type": "uniform"}, rng=fillers.CaffeRNG(1))
    np.testing.assert_array_equal(view.numpy(), _caffe({"type": "uniform"}, (6, 5), 1))
    assert not base[:, 1::2].any()


def test_a_layout_transposes_caffes_blob():
    kernel = torch.empty(5, 5, 3, 16)
    ft.fill_(kernel, SPEC, rng=fillers.CaffeRNG(4), layout="HWIO")
    np.testing.assert_array_equal(kernel.permute(3, 2, 0, 1).numpy(), _caffe(SPEC, (16, 3, 5, 5), 4))


def test_conv_transpose_weight_is_caffes_deconvolution_blob():
    deconv = torch.nn.ConvTranspose2d(8, 4, 4, bias=False)  # weight (C_in, C_out, kh, kw)
    ft.fill_(deconv.weight, {"type": "bilinear"})
    np.testing.assert_array_equal(
        deconv.weight.detach().numpy(), _caffe({"type": "bilinear"}, (8, 4, 4, 4), 0)
    )


@pytest.mark.parametrize(
    ("tensor", "spec", "message"),
    [
        (torch.zeros(3, 3, dtype=torch.int32), SPEC, "dtype torch.int32 is not supported"),
        (torch.zeros(3, 3), {"type": "bilinear"}, "Blob must be 4 dim"),
        (torch.zeros(3, 3), {"type": "nope"}, "Unknown filler name"),
        (torch.zeros(3, 3), "type: xavier", "cannot parse"),
        (torch.zeros(3, 3), SPEC, "layout: 'HWIO' has 4 axes"),
        (torch.zeros(3, 3, device="meta"), SPEC, "holds no values"),
        ([1.0], SPEC, "is not a torch.Tensor"),
    ],
)
def test_bad_input_leaves_tensor_and_stream_alone(tensor, spec, message):
    rng = fillers.CaffeRNG(11)
    before = tensor.clone() if isinstance(tensor, torch.Tensor) and tensor.device.type != "meta" else None
    with pytest.raises(fillers.FillerError, match=message):
        ft.fill_(tensor, spec, rng=rng, layout="HWIO" if "layout" in message else None)
    if before is not None:
        assert torch.equal(tensor, before)
    assert rng.random_raw(1)[0] == fillers.CaffeRNG(11).random_raw(1)[0]


class _Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.features = torch.nn.Sequential(
            torch.nn.Conv2d(3, 8, 3), torch.nn.ReLU(), torch.nn.Conv2d(8, 8, 3)
        )
        self.classifier = torch.nn.Linear(8, 10)


RULES = [
    {"match": "features.0.weight", "filler": {"type": "xavier", "variance_norm": "AVERAGE"}},
    {"match": "*.bias", "filler": {"type": "constant", "value": 0.5}},
    {"module": "Conv2d", "param": "weight", "filler": {"type": "msra"}},
    {"module": "Linear", "filler": {"type": "gaussian", "std": 0.01}},
]


def test_init_applies_rules_in_parameter_order_on_one_stream():
    net = _Net()
    report = ft.init_(net, RULES, rng=fillers.CaffeRNG(5))
    assert {name: rule.index for name, rule in report.filled.items()} == {
        "features.0.weight": 0,
        "features.0.bias": 1,
        "features.2.weight": 2,
        "features.2.bias": 1,
        "classifier.weight": 3,
        "classifier.bias": 1,
    }
    assert report.unmatched == [] and report.unused == []
    assert "classifier.weight: rule 3 (module: Linear)" in str(report)
    rng = fillers.CaffeRNG(5)
    want = [
        fillers.get_filler({"type": "xavier", "variance_norm": "AVERAGE"}).fill((8, 3, 3, 3), rng=rng),
        fillers.get_filler({"type": "constant", "value": 0.5}).fill((8,), rng=rng),
        fillers.get_filler({"type": "msra"}).fill((8, 8, 3, 3), rng=rng),
        fillers.get_filler({"type": "constant", "value": 0.5}).fill((8,), rng=rng),
        fillers.get_filler({"type": "gaussian", "std": 0.01}).fill((10, 8), rng=rng),
        fillers.get_filler({"type": "constant", "value": 0.5}).fill((10,), rng=rng),
    ]
    for (name, param), expected in zip(net.named_parameters(), want, strict=True):
        np.testing.assert_array_equal(param.detach().numpy(), expected, err_msg=name)


def test_init_with_a_seed_reproduces_and_takes_a_yaml_file(tmp_path):
    import yaml

    path = tmp_path / "init.yaml"
    path.write_text(yaml.safe_dump(RULES))
    one, two = _Net(), _Net()
    fillers.set_random_seed(42)
    ft.init_(one, path)
    fillers.set_random_seed(42)
    ft.init_(two, fillers.load_rules(path))
    for a, b in zip(one.parameters(), two.parameters(), strict=True):
        assert torch.equal(a, b)


def test_init_strict_names_what_matched_nothing_and_touches_nothing():
    net = _Net()
    before = [p.clone() for p in net.parameters()]
    rules = [*RULES[:3], {"match": "nothing.*", "filler": {"type": "xavier"}}]
    report = ft.init_(_Net(), rules, rng=fillers.CaffeRNG(1))
    assert report.unmatched == ["classifier.weight"] and [r.index for r in report.unused] == [3]
    with pytest.raises(
        fillers.FillerError, match=r"'classifier.weight' matches no rule; rule 3 \(match: nothing"
    ):
        ft.init_(net, rules, rng=fillers.CaffeRNG(1), strict=True)
    for a, b in zip(net.parameters(), before, strict=True):
        assert torch.equal(a, b)


def test_init_checks_every_fill_before_the_first():
    net = _Net()
    before = [p.clone() for p in net.parameters()]
    rules = [
        {"match": "*.weight", "filler": {"type": "xavier"}},
        {"match": "*", "filler": {"type": "bilinear"}},
    ]
    with pytest.raises(
        fillers.FillerError, match=r"features.0.bias \(rule 1, match: \*\): .*Blob must be 4 dim"
    ):
        ft.init_(net, rules)
    for a, b in zip(net.parameters(), before, strict=True):
        assert torch.equal(a, b)


def _golden(case_id):
    for line in GOLDEN.read_text().splitlines():
        golden = json.loads(line)
        if golden["case"]["id"] == case_id:
            return golden
    raise AssertionError(case_id)


def _resblock():
    """The golden ResBlock net's architecture as torch modules (BatchNorm + Scale: one BatchNorm2d)."""
    model = torch.nn.Module()
    model.conv_a = torch.nn.Conv2d(16, 16, 3, padding=1, bias=False)
    model.bn_a = torch.nn.BatchNorm2d(16)
    model.conv_b = torch.nn.Conv2d(16, 16, 3, padding=1, bias=False)
    model.bn_b = torch.nn.BatchNorm2d(16)
    model.fc = torch.nn.Linear(16, 10)
    return model


def _lenet():
    model = torch.nn.Module()
    model.conv1, model.conv2 = torch.nn.Conv2d(1, 20, 5), torch.nn.Conv2d(20, 50, 5)
    model.ip1, model.ip2 = torch.nn.Linear(800, 500), torch.nn.Linear(500, 10)
    return model


def _fcn_upsample():
    """Caffe's Deconvolution blob (C_in, C_out / group, kh, kw) is ConvTranspose2d's weight."""
    model = torch.nn.Module()
    model.score = torch.nn.Conv2d(8, 21, 1)
    model.upscore2 = torch.nn.ConvTranspose2d(21, 21, 4, stride=2, groups=21, bias=False)
    model.upscore8 = torch.nn.ConvTranspose2d(21, 21, 16, stride=8, padding=4, groups=21, bias=False)
    model.up3 = torch.nn.ConvTranspose2d(21, 4, 3)
    return model


MODELS = {
    "s-net-lenet-TRAIN-1701": (_lenet, {}),
    "s-net-fcn_upsample-TRAIN-3": (_fcn_upsample, {}),
    "s-net-resblock-TRAIN-11": (_resblock, {"scale_a": "bn_a", "scale_b": "bn_b"}),
}
ROLE_KEYS = {"weight": "weight", "bias": "bias", "scale": "weight"}


@pytest.mark.parametrize("case_id", MODELS)
def test_a_golden_net_through_state_dict_reproduces_every_tensor(case_id):
    golden = _golden(case_id)
    case = golden["case"]
    params = fillers.init_net(case["prototxt"], phase=case["phase"], seed=case["seed"])
    build, merged_into = MODELS[case_id]
    model = build()
    model.load_state_dict(ft.state_dict(params))  # strict: every key, every shape
    state = model.state_dict()
    checked = 0
    for want in golden["result"]["params"]:
        layer, role = want["layer"], params.roles[want["layer"]][want["index"]]
        if want["layer_type"] == "BatchNorm":
            continue  # statistics: checked below against torch's defaults
        got = state[f"{merged_into.get(layer, layer)}.{ROLE_KEYS[role]}"].numpy()
        assert list(got.shape) == want["shape"]
        assert hashlib.sha256(got.astype("<f4").tobytes()).hexdigest() == want["sha256"], (layer, role)
        checked += 1
    assert checked == sum(1 for p in golden["result"]["params"] if p["layer_type"] != "BatchNorm")
    for bn in {*merged_into.values()}:  # Caffe's scale_factor is 0 at init: torch's defaults
        assert torch.equal(state[f"{bn}.running_mean"], torch.zeros(16))
        assert torch.equal(state[f"{bn}.running_var"], torch.ones(16))
        assert int(state[f"{bn}.num_batches_tracked"]) == 0


def test_batch_norm_statistics_are_divided_by_the_scale_factor():
    params = fillers.NetParams.of(
        {
            "bn": [
                np.array([2.0, 4.0], np.float32),
                np.array([6.0, 8.0], np.float32),
                np.array([2.0], np.float32),
            ],
            "prelu": [np.array([0.25, 0.5], np.float32)],
            "bias": [np.array([1.0], np.float32)],
        },
        {"bn": "BatchNorm", "prelu": "PReLU", "bias": "Bias"},
    )
    state = ft.state_dict(params, rename={r"^bn$": "norm", "prelu": lambda m: "act"})
    np.testing.assert_array_equal(state["norm.running_mean"].numpy(), [1, 2])
    np.testing.assert_array_equal(state["norm.running_var"].numpy(), [3, 4])
    np.testing.assert_array_equal(state["norm.weight"].numpy(), [1, 1])  # no Scale: identity
    np.testing.assert_array_equal(state["norm.bias"].numpy(), [0, 0])
    np.testing.assert_array_equal(state["act.weight"].numpy(), [0.25, 0.5])
    np.testing.assert_array_equal(state["bias.bias"].numpy(), [1])
    torch.nn.PReLU(2).load_state_dict({"weight": state["act.weight"]})


def test_state_dict_errors():
    with pytest.raises(fillers.FillerError, match="init_net's"):
        ft.state_dict({"ip": [np.zeros((2, 2))]})
    params = fillers.NetParams.of(
        {"a": [np.zeros((2, 2))], "b": [np.zeros((2, 2))]}, {"a": "InnerProduct", "b": "InnerProduct"}
    )
    with pytest.raises(fillers.FillerError, match=r"two layers give the key 'x\.weight'"):
        ft.state_dict(params, rename={"^.$": "x"})
    with pytest.raises(fillers.FillerError, match="not a regular expression"):
        ft.state_dict(params, rename={"(": "x"})
    with pytest.raises(fillers.FillerError, match="is not a string or a function"):
        ft.state_dict(params, rename={"a": 5})
    with pytest.raises(fillers.FillerError, match="is not a"):
        ft.state_dict(params, rename=5)
