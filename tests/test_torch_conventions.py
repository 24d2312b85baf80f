"""fillers.torch's conventions at scale: counter streams keyed by parameter name, torch's own
generator, what rng accepts, init_net_ in one call, and tensors fillers cannot write refused
before the stream moves (issue 21; issue 20, item 7)."""

from __future__ import annotations

import itertools
import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from optional import require
from strategies import filler_parameters

torch = require("torch")

import fillers  # noqa: E402
import fillers.torch as ft  # noqa: E402

GOLDEN = Path(__file__).parent / "data" / "golden" / "nets.jsonl"
GAUSSIAN = {"type": "gaussian", "std": 0.5}


def _stream_untouched(rng: fillers.CaffeRNG, seed: int) -> bool:
    return rng.random_raw(4).tolist() == fillers.CaffeRNG(seed).random_raw(4).tolist()


def _twins():
    return torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Linear(4, 4))


# Keyed counter streams ------------------------------------------------------------------------


def test_counter_streams_are_keyed_by_each_parameters_name():
    model = _twins()
    ft.init_(model, [{"match": "*", "filler": GAUSSIAN}], rng=fillers.CounterRNG(1))
    assert not torch.equal(model[0].weight, model[1].weight)  # same shape, other name
    for name, param in model.named_parameters():
        want = fillers.get_filler(GAUSSIAN).fill(tuple(param.shape), rng=fillers.CounterRNG(1, key=name))
        np.testing.assert_array_equal(param.detach().numpy(), want, err_msg=name)


def test_a_keyed_value_depends_on_neither_order_nor_the_other_parameters():
    model, alone = _twins(), _twins()
    ft.init_(model, [{"match": "*", "filler": GAUSSIAN}], rng=fillers.CounterRNG(1))
    report = ft.init_(alone, [{"match": "1.weight", "filler": GAUSSIAN}], rng=fillers.CounterRNG(1))
    assert list(report.filled) == ["1.weight"]
    assert torch.equal(alone[1].weight, model[1].weight)
    tensor = torch.empty(4, 4)
    ft.fill_(tensor, GAUSSIAN, rng=fillers.CounterRNG(1), name="1.weight")
    assert torch.equal(tensor, model[1].weight.detach())


def test_a_counter_stream_with_a_key_keys_its_parameters_below_it():
    model = _twins()
    ft.init_(model, [{"match": "*", "filler": GAUSSIAN}], rng=fillers.CounterRNG(1, key="encoder"))
    want = fillers.get_filler(GAUSSIAN).fill((4, 4), rng=fillers.CounterRNG(1, key="encoder/0.weight"))
    np.testing.assert_array_equal(model[0].weight.detach().numpy(), want)


def test_fill_without_a_name_uses_the_counter_stream_as_given():
    tensor = torch.empty(3, 5)
    ft.fill_(tensor, GAUSSIAN, rng=fillers.CounterRNG(2, key="w"))
    np.testing.assert_array_equal(
        tensor.numpy(), fillers.get_filler(GAUSSIAN).fill((3, 5), rng=fillers.CounterRNG(2, key="w"))
    )
    with pytest.raises(fillers.FillerError, match="name: 5 is not a string"):
        ft.fill_(tensor, GAUSSIAN, rng=fillers.CounterRNG(2), name=5)


# torch's generator, and what rng accepts ----------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "draw"),
    [
        ({"type": "uniform", "min": -2, "max": 3}, lambda t, g: t.uniform_(-2, 3, generator=g)),
        ({"type": "gaussian", "mean": 1, "std": 2}, lambda t, g: t.normal_(1, 2, generator=g)),
    ],
)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_a_generator_draws_torchs_bits_in_the_specs_distribution(spec, draw, dtype):
    tensor = torch.empty(5, 6, dtype=dtype)
    generator = torch.Generator().manual_seed(0)
    assert ft.fill_(tensor, spec, generator=generator) is tensor
    want = draw(torch.empty(30, dtype=dtype), torch.Generator().manual_seed(0)).view(5, 6)
    assert torch.equal(tensor, want)


def test_a_generator_keeps_the_specs_semantics():
    tensor = torch.empty(64, 3, 3, 3)
    ft.fill_(tensor, {"type": "msra"}, generator=torch.Generator().manual_seed(1))
    assert abs(float(tensor.std()) - (2 / 27) ** 0.5) < 0.02  # N(0, 2 / fan_in), fan_in = 27
    sparse = torch.empty(50, 40)
    ft.fill_(sparse, {"type": "gaussian", "sparse": 5}, generator=torch.Generator().manual_seed(1))
    assert 0.05 < float((sparse != 0).float().mean()) < 0.15  # kept with p = sparse / num_outputs
    one, two = _twins(), _twins()
    rules = [{"match": "*", "filler": {"type": "xavier"}}]
    ft.init_(one, rules, generator=torch.Generator().manual_seed(4))
    ft.init_(two, rules, generator=torch.Generator().manual_seed(4))
    assert all(torch.equal(a, b) for a, b in zip(one.parameters(), two.parameters(), strict=True))


def test_a_generator_that_fails_is_rewound():
    generator = torch.Generator().manual_seed(0)
    with pytest.raises(fillers.FillerError, match="Blob must be 4 dim"):
        ft.fill_(torch.empty(3, 3), {"type": "bilinear"}, generator=generator)
    assert torch.equal(
        torch.rand(2, generator=generator), torch.rand(2, generator=torch.Generator().manual_seed(0))
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rng": torch.Generator()}, r"pass it as generator=g"),
        ({"rng": 1701}, r"rng=fillers\.CaffeRNG\(1701\).*CounterRNG\(1701\).*manual_seed\(1701\)"),
        ({"rng": np.int64(3)}, r"is a seed"),
        ({"rng": fillers.CaffeRNG(1), "generator": torch.Generator()}, "not both"),
        ({"generator": 5}, "generator: 5 is not a torch.Generator"),
    ],
)
def test_what_rng_and_generator_refuse(kwargs, message):
    tensor = torch.zeros(3, 3)
    fillers.set_random_seed(8)
    with pytest.raises(fillers.FillerError, match=message):
        ft.fill_(tensor, GAUSSIAN, **kwargs)
    with pytest.raises(fillers.FillerError, match=message):
        ft.init_(torch.nn.Linear(3, 3), [{"match": "*", "filler": GAUSSIAN}], **kwargs)
    assert not tensor.any()
    np.testing.assert_array_equal(  # the global stream did not move
        fillers.get_filler(GAUSSIAN).fill((2,)),
        fillers.get_filler(GAUSSIAN).fill((2,), rng=fillers.CaffeRNG(8)),
    )


def test_rng_none_is_fillers_global_stream_not_torchs():
    one, two = torch.empty(4, 4), torch.empty(4, 4)
    fillers.set_random_seed(5)
    torch.manual_seed(0)
    ft.fill_(one, GAUSSIAN)
    fillers.set_random_seed(5)
    torch.manual_seed(1)
    ft.fill_(two, GAUSSIAN)
    assert torch.equal(one, two)
    np.testing.assert_array_equal(
        one.numpy(), fillers.get_filler(GAUSSIAN).fill((4, 4), rng=fillers.CaffeRNG(5))
    )


# Tensors fillers cannot write: FillerError before the stream moves (issue 20, item 7) ----------


def _fake():
    from torch._subclasses.fake_tensor import FakeTensorMode

    return FakeTensorMode().from_tensor(torch.zeros(3, 3))


def _inference_transposed():
    with torch.inference_mode():
        return torch.zeros(4, 6).t()


def _read_only_memmap(tmp_path):
    path = tmp_path / "w.npy"
    np.save(path, np.zeros((3, 3), np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch's "not writable" warning is the point
        return torch.from_numpy(np.load(path, mmap_mode="r"))


UNWRITABLE = {
    "expanded": (lambda tmp: torch.zeros(3, 1).expand(3, 4), "share memory"),
    "overlapping": (lambda tmp: torch.zeros(10).as_strided((3, 3), (2, 1)), "share memory"),
    "inference": (lambda tmp: _inference_transposed(), "inside torch.inference_mode"),
    "fake": (lambda tmp: _fake(), "a FakeTensor holds no values"),
    "nested": (lambda tmp: torch.nested.nested_tensor([torch.zeros(2), torch.zeros(3)]), "nested tensor"),
    "memmap": (_read_only_memmap, "read-only"),
    "meta": (lambda tmp: torch.empty(3, 3, device="meta"), r"call module\.to_empty"),
}


@pytest.mark.parametrize("kind", UNWRITABLE)
def test_a_tensor_fillers_cannot_write_is_refused_before_the_stream_moves(kind, tmp_path):
    make, message = UNWRITABLE[kind]
    tensor = make(tmp_path)
    rng = fillers.CaffeRNG(11)
    with pytest.raises(fillers.FillerError, match=message):
        ft.fill_(tensor, GAUSSIAN, rng=rng)
    assert _stream_untouched(rng, 11)


@pytest.mark.parametrize("kind", ["expanded", "overlapping", "memmap", "meta"])
def test_init_refuses_such_a_parameter_before_filling_any(kind, tmp_path):
    make, message = UNWRITABLE[kind]
    module = torch.nn.Module()
    module.first = torch.nn.Parameter(torch.zeros(2, 2))
    module.w = torch.nn.Parameter(make(tmp_path), requires_grad=False)
    rng = fillers.CaffeRNG(11)
    with pytest.raises(fillers.FillerError, match=rf"^w \(rule 0, match: \*\): .*{message}"):
        ft.init_(module, [{"match": "*", "filler": GAUSSIAN}], rng=rng)
    assert _stream_untouched(rng, 11) and not module.first.any()


def test_an_inference_tensor_is_filled_inside_inference_mode():
    with torch.inference_mode():
        tensor = torch.zeros(4, 6)
        ft.fill_(tensor.t(), GAUSSIAN, rng=fillers.CaffeRNG(3))
    np.testing.assert_array_equal(
        tensor.t().numpy(), fillers.get_filler(GAUSSIAN).fill((6, 4), rng=fillers.CaffeRNG(3))
    )


def test_a_copy_on_write_memmap_is_writable(tmp_path):
    path = tmp_path / "w.npy"
    np.save(path, np.zeros((3, 3), np.float32))
    tensor = torch.from_numpy(np.load(path, mmap_mode="c"))
    ft.fill_(tensor, GAUSSIAN, rng=fillers.CaffeRNG(1))
    np.testing.assert_array_equal(
        tensor.numpy(), fillers.get_filler(GAUSSIAN).fill((3, 3), rng=fillers.CaffeRNG(1))
    )


@settings(max_examples=60, deadline=None)
@given(
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    strides=st.lists(st.integers(0, 6), min_size=3, max_size=3),
    dtype=st.sampled_from([torch.float32, torch.float64, torch.float16, torch.bfloat16]),
    seed=st.integers(0, 2**32 - 1),
)
def test_fill_writes_exactly_or_refuses_an_overlapping_view_untouched(shape, strides, dtype, seed):
    strides = strides[: len(shape)]
    extent = 1 + sum(s * (n - 1) for s, n in zip(strides, shape, strict=True))
    base = torch.zeros(extent, dtype=dtype)
    view = base.as_strided(shape, strides)
    offsets = [
        sum(i * s for i, s in zip(index, strides, strict=True))
        for index in itertools.product(*map(range, shape))
    ]
    rng = fillers.CaffeRNG(seed)
    if len(set(offsets)) < len(offsets):
        with pytest.raises(fillers.FillerError, match="share memory"):
            ft.fill_(view, GAUSSIAN, rng=rng)
        assert _stream_untouched(rng, seed) and not base.any()
        return
    ft.fill_(view, GAUSSIAN, rng=rng)
    fill_dtype = np.float64 if dtype == torch.float64 else np.float32
    want = torch.from_numpy(
        fillers.get_filler(GAUSSIAN).fill(tuple(shape), fill_dtype, fillers.CaffeRNG(seed))
    )
    assert torch.equal(view, want.to(dtype))


@settings(max_examples=80, deadline=None)
@given(
    param=filler_parameters(),
    kind=st.sampled_from(
        ["constant", "uniform", "gaussian", "positive_unitball", "xavier", "msra", "bilinear"]
    ),
    shape=st.lists(st.integers(0, 4), min_size=0, max_size=4),
    source=st.sampled_from(["caffe", "counter", "generator"]),
)
def test_fill_on_any_spec_fills_or_refuses_without_moving_any_stream(param, kind, shape, source):
    param.type = kind
    tensor = torch.zeros(shape)
    caffe, generator = fillers.CaffeRNG(3), torch.Generator().manual_seed(3)
    kwargs = {
        "caffe": {"rng": caffe},
        "counter": {"rng": fillers.CounterRNG(3), "name": "w"},
        "generator": {"generator": generator},
    }[source]
    try:
        ft.fill_(tensor, param, **kwargs)
    except fillers.FillerError:
        assert not tensor.any() and _stream_untouched(caffe, 3)
        assert torch.equal(
            torch.rand(2, generator=generator), torch.rand(2, generator=torch.Generator().manual_seed(3))
        )
        return
    if source == "caffe":
        want = fillers.get_filler(param).fill(tuple(shape), rng=fillers.CaffeRNG(3))
        np.testing.assert_array_equal(tensor.numpy(), want)
    elif source == "counter":
        want = fillers.get_filler(param).fill(tuple(shape), rng=fillers.CounterRNG(3, key="w"))
        np.testing.assert_array_equal(tensor.numpy(), want)


# state_dict's blob counts ------------------------------------------------------------------------


def test_state_dict_refuses_blob_counts_a_layer_type_cannot_have():
    two = [np.zeros(2, np.float32), np.zeros(2, np.float32)]
    with pytest.raises(fillers.FillerError, match=r"layer 'act' \(PReLU\): 2 blobs.*slope"):
        ft.state_dict(fillers.NetParams.of({"act": two}, {"act": "PReLU"}))
    with pytest.raises(fillers.FillerError, match=r"layer 'bn' \(BatchNorm\): 2 blobs.*mean, variance"):
        ft.state_dict(fillers.NetParams.of({"bn": two}, {"bn": "BatchNorm"}))
    with pytest.raises(fillers.FillerError, match=r"layer 's' \(Scale\): 0 blobs"):
        ft.state_dict(fillers.NetParams.of({"s": []}, {"s": "Scale"}))
    empty_factor = [np.zeros(2, np.float32), np.zeros(2, np.float32), np.zeros(0, np.float32)]
    with pytest.raises(fillers.FillerError, match=r"layer 'bn' \(BatchNorm\): blob shapes"):
        ft.state_dict(fillers.NetParams.of({"bn": empty_factor}, {"bn": "BatchNorm"}))
    params = fillers.NetParams.of({"ip": [np.zeros((2, 2), np.float32)]}, {"ip": "InnerProduct"})
    params["ip"].append(np.zeros(2, np.float32))  # a blob added behind the roles' back
    with pytest.raises(fillers.FillerError, match=r"layer 'ip' \(InnerProduct\): 2 blobs but 1 roles"):
        ft.state_dict(params)


# init_net_ ---------------------------------------------------------------------------------------


def _golden_prototxt(case_id):
    for line in GOLDEN.read_text().splitlines():
        case = json.loads(line)["case"]
        if case["id"] == case_id:
            return case["prototxt"]
    raise AssertionError(case_id)


def _lenet():
    model = torch.nn.Module()
    model.conv1, model.conv2 = torch.nn.Conv2d(1, 20, 5), torch.nn.Conv2d(20, 50, 5)
    model.ip1, model.ip2 = torch.nn.Linear(800, 500), torch.nn.Linear(500, 10)
    return model


def test_init_net_loads_what_init_net_and_state_dict_give():
    net = _golden_prototxt("s-net-lenet-TRAIN-1701")
    model = _lenet()
    report = ft.init_net_(model, net, seed=1701)
    want = ft.state_dict(fillers.init_net(net, seed=1701))
    assert report.filled == list(want) and report.unmatched == [] and report.unused == []
    state = model.state_dict()
    assert all(torch.equal(state[key], value) for key, value in want.items())
    assert "conv1.weight: loaded" in str(report)


BN_NET = """
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 dim: 8 dim: 8 } } }
layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
        convolution_param { num_output: 4 kernel_size: 3 bias_term: false weight_filler { type: "msra" } } }
layer { name: "conv_bn" type: "BatchNorm" bottom: "conv" top: "conv"
        batch_norm_param { moving_average_fraction: 0.9 eps: 0.001 } }
layer { name: "conv_scale" type: "Scale" bottom: "conv" top: "conv" scale_param { bias_term: true } }
layer { name: "fc" type: "InnerProduct" bottom: "conv" top: "fc"
        inner_product_param { num_output: 5 weight_filler { type: "xavier" } } }
"""


def _bn_model():
    model = torch.nn.Module()
    model.conv = torch.nn.Conv2d(3, 4, 3, bias=False)
    model.bn = torch.nn.BatchNorm2d(4)
    model.fc = torch.nn.Linear(144, 5)
    return model


def test_init_net_sets_batch_norms_momentum_and_eps_from_the_net():
    model = _bn_model()
    report = ft.init_net_(model, BN_NET, seed=3, rename={"^conv_bn$": "bn"})
    assert model.bn.momentum == pytest.approx(1 - 0.9) and model.bn.momentum == 1 - float(np.float32(0.9))
    assert model.bn.eps == float(np.float32(0.001))
    assert report.batch_norm == {"bn": (model.bn.momentum, model.bn.eps)}
    assert torch.equal(model.bn.weight, torch.ones(4)) and torch.equal(model.bn.running_var, torch.ones(4))
    want = fillers.init_net(BN_NET, seed=3)
    np.testing.assert_array_equal(model.fc.weight.detach().numpy(), want["fc"][0])


def test_init_net_is_strict_by_default_and_touches_nothing_on_error():
    model = _bn_model()
    model.extra = torch.nn.Linear(2, 2)
    before = {key: value.clone() for key, value in model.state_dict().items()}
    with pytest.raises(
        fillers.FillerError, match=r"the net gives no 'extra.weight'.*the module has no 'conv_bn.weight'"
    ):
        ft.init_net_(model, BN_NET, seed=3)
    assert all(torch.equal(before[key], value) for key, value in model.state_dict().items())
    report = ft.init_net_(model, BN_NET, seed=3, rename={"^conv_bn$": "bn"}, strict=False)
    assert report.unmatched == ["extra.weight", "extra.bias"] and report.unused == []
    assert torch.equal(model.extra.weight, before["extra.weight"])


def test_init_net_refuses_a_shape_mismatch_before_loading_anything():
    model = _bn_model()
    model.fc = torch.nn.Linear(144, 6)
    before = model.conv.weight.detach().clone()
    with pytest.raises(
        fillers.FillerError, match=r"fc.weight: the module's shape \(6, 144\) is not the net's \(5, 144\)"
    ):
        ft.init_net_(model, BN_NET, seed=3, rename={"^conv_bn$": "bn"})
    assert torch.equal(model.conv.weight, before)
    with pytest.raises(fillers.FillerError, match=r"is not a torch\.nn\.Module"):
        ft.init_net_(object(), BN_NET, seed=3)


@settings(max_examples=25, deadline=None)
@given(
    outputs=st.sampled_from([4, 5, 6]),
    extra=st.booleans(),
    renamed=st.booleans(),
    strict=st.booleans(),
    dtype=st.sampled_from([torch.float32, torch.float64, torch.bfloat16]),
)
def test_init_net_loads_everything_or_raises_with_the_module_untouched(
    outputs, extra, renamed, strict, dtype
):
    model = _bn_model().to(dtype)
    model.fc = torch.nn.Linear(144, outputs, dtype=dtype)
    if extra:
        model.extra = torch.nn.Linear(2, 2, dtype=dtype)
    before = {key: value.clone() for key, value in model.state_dict().items()}
    rename = {"^conv_bn$": "bn"} if renamed else None
    loads = outputs == 5 and (not strict or (renamed and not extra))
    if not loads:
        with pytest.raises(fillers.FillerError):
            ft.init_net_(model, BN_NET, seed=3, rename=rename, strict=strict)
        assert all(torch.equal(before[key], value) for key, value in model.state_dict().items())
        return
    report = ft.init_net_(model, BN_NET, seed=3, rename=rename, strict=strict)
    want = fillers.init_net(BN_NET, seed=3)
    assert torch.equal(model.fc.weight, torch.from_numpy(want["fc"][0]).to(dtype))
    assert ("bn" in report.batch_norm) == renamed


def test_the_readmes_resnet50_port_is_one_init_net_call():
    import torchvision_resnet

    unit = r"^(res|bn)(\d)([a-f])_branch"

    def at(m):
        return f"layer{int(m[2]) - 1}.{ord(m[3]) - 97}."

    rename = {
        "^bn_conv1$": "bn1",
        "^fc1000$": "fc",
        unit + "1$": lambda m: at(m) + f"downsample.{int(m[1] == 'bn')}",
        unit + "2([abc])$": lambda m: at(m) + m[1].replace("res", "conv") + str(ord(m[4]) - 96),
    }
    net = Path(__file__).parent / "data" / "nets" / "resnet50_train_val.prototxt"
    model = torchvision_resnet.resnet50()
    report = ft.init_net_(model, net, seed=1, rename=rename, input_shapes={"data": (32, 3, 224, 224)})
    assert len(report.filled) == len(model.state_dict()) and not report.unmatched and not report.unused
    assert len(report.batch_norm) == 53 and model.bn1.momentum == 1 - float(np.float32(0.999))
    want = fillers.init_net(net, seed=1, input_shapes={"data": (32, 3, 224, 224)})
    np.testing.assert_array_equal(model.conv1.weight.detach().numpy(), want["conv1"][0])
    np.testing.assert_array_equal(model.layer4[2].conv3.weight.detach().numpy(), want["res5c_branch2c"][0])


# CUDA: through a pinned staging copy ---------------------------------------------------------


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.bfloat16])
def test_a_cuda_tensor_gets_the_cpu_fills_values(dtype):
    on_gpu = torch.empty(16, 3, 3, 3, dtype=dtype, device="cuda")
    on_cpu = torch.empty(16, 3, 3, 3, dtype=dtype)
    for tensor in (on_gpu, on_cpu):
        ft.fill_(tensor, {"type": "msra"}, rng=fillers.CaffeRNG(2))
    assert torch.equal(on_gpu.cpu(), on_cpu)
    for tensor in (on_gpu, on_cpu):
        ft.fill_(tensor[:, 1], GAUSSIAN, rng=fillers.CounterRNG(2), name="w")
    assert torch.equal(on_gpu.cpu(), on_cpu)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_a_cuda_generator_draws_on_the_device():
    tensor = torch.empty(1000, device="cuda")
    ft.fill_(
        tensor, {"type": "uniform", "min": -1, "max": 1}, generator=torch.Generator("cuda").manual_seed(0)
    )
    want = torch.empty(1000, device="cuda").uniform_(-1, 1, generator=torch.Generator("cuda").manual_seed(0))
    assert torch.equal(tensor, want)
    with pytest.raises(fillers.FillerError, match="on the tensor's device"):
        ft.fill_(tensor, GAUSSIAN, generator=torch.Generator())
