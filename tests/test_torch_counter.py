"""Counter mode in torch ops (fillers/torch/counter_ops.py, for tensors on non-CPU devices):
on the CPU, the known answers of tests/test_counter_kat.py and the numpy fill's bits; on a
GPU, when one is present, the CPU's."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from optional import require
from test_counter_kat import FILLS, KEY, SEED, SHAPE, kat_summary

torch = require("torch")

import fillers  # noqa: E402
from fillers.torch import counter_ops as _torch_counter  # noqa: E402

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.mark.parametrize("spec", list(FILLS))
def test_known_answers_from_torch_ops(spec):
    filler = fillers.get_filler(fillers.parse(spec))
    values = _torch_counter.fill(filler, SHAPE, torch.float32, fillers.CounterRNG(SEED, KEY), "cpu")
    digest, first = FILLS[spec]["float32"]
    assert kat_summary(values.numpy()) == (digest, tuple(float.fromhex(x).hex() for x in first))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("spec", list(FILLS))
@given(data=st.data())
@settings(max_examples=3, deadline=None)
def test_any_shape_equals_the_numpy_fill(spec, device, data):
    if "bilinear" in spec:
        k = data.draw(st.integers(1, 6))
        shape = (data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4)), k, k)
    else:
        shape = tuple(data.draw(st.lists(st.integers(1, 30), min_size=2, max_size=4)))
        shape = (max(2, shape[0]), *shape[1:])
    rng = fillers.CounterRNG(data.draw(st.integers(0, 2**64 - 1)), key="w")
    filler = fillers.get_filler(fillers.parse(spec))
    values = _torch_counter.fill(filler, shape, torch.float32, rng, device)
    assert values.device.type == device
    assert values.cpu().numpy().tobytes() == filler.fill(shape, rng=rng).tobytes()


def test_sqrt_is_correctly_rounded():
    x = np.random.default_rng(0).random(1_000_000).astype(np.float32) * np.float32(50)
    x = np.concatenate([x, np.array([0, 1e-30, 2, 4, 46.5], dtype=np.float32)])
    ours = _torch_counter.TorchOps(torch.device("cpu")).sqrt(torch.tensor(x)).numpy()
    assert ours.tobytes() == np.sqrt(x).tobytes()


def test_float64_or_a_bad_spec_is_a_filler_error():
    filler = fillers.get_filler({"type": "uniform"})
    with pytest.raises(fillers.FillerError, match="float32 only"):
        _torch_counter.fill(filler, (4, 4), torch.float64, fillers.CounterRNG(1), "cpu")
    with pytest.raises(fillers.FillerError, match="sparse may not exceed"):
        _torch_counter.fill(
            fillers.get_filler({"type": "gaussian", "sparse": 9}),
            (4, 4),
            torch.float32,
            fillers.CounterRNG(1),
            "cpu",
        )


@pytest.mark.parametrize("layout", [None, "HWIO"])
def test_fill_underscore_computes_counter_mode_on_the_tensors_device(layout, monkeypatch):
    import fillers.torch as ft
    from fillers.torch import init as torch_init

    calls = []
    real = _torch_counter.fill_tensor

    def spy(*args):
        calls.append(args[-1])
        return real(*args)

    # The hook runs for tensors off the CPU; with no GPU here, take it for a CPU tensor.
    monkeypatch.setattr(
        torch_init, "_counter_on_device", lambda tensor, rng: isinstance(rng, fillers.CounterRNG)
    )
    monkeypatch.setattr(_torch_counter, "fill_tensor", spy)
    shape = (3, 3, 4, 8) if layout else (8, 4, 3, 3)
    rng = fillers.CounterRNG(5, key="conv/0")
    tensor = ft.fill_(torch.empty(shape), 'type: "msra"', rng=rng, layout=layout)
    assert calls == [tensor.device]
    expected = fillers.get_filler({"type": "msra"}).fill(shape, rng=rng, layout=layout)
    assert tensor.numpy().tobytes() == np.ascontiguousarray(expected).tobytes()
