"""Hostile or mistaken input: always a FillerError, quickly, never a crash or a hang."""

from __future__ import annotations

import multiprocessing
import time

import numpy as np
import pytest

import fillers
from fillers.spec import from_dict


def _fill_in_child(queue) -> None:
    w = fillers.get_filler({"type": "gaussian"}).fill((1 << 21,), rng=fillers.CaffeRNG(3))
    queue.put(float(w[-1]))


def test_large_fills_work_in_a_forked_child_after_the_parent_filled():
    parent = fillers.get_filler({"type": "gaussian"}).fill((1 << 21,), rng=fillers.CaffeRNG(3))
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_fill_in_child, args=(queue,))
    child.start()
    child.join(timeout=60)
    alive = child.is_alive()
    if alive:
        child.kill()
    assert not alive, "the forked child hung"
    assert queue.get(timeout=5) == float(parent[-1])


def test_yaml_alias_bombs_and_recursive_aliases_fail_fast(tmp_path):
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
    (tmp_path / "bomb.yaml").write_text("\n".join(lines) + "\n")
    (tmp_path / "loop.yaml").write_text("type: &a [*a]\n")
    for name in ("bomb.yaml", "loop.yaml"):
        started = time.perf_counter()
        with pytest.raises(fillers.FillerError):
            fillers.load(tmp_path / name)
        assert time.perf_counter() - started < 5


@pytest.mark.parametrize(
    "spec",
    [{"std": 10**400}, {"type": "\ud800"}, {"type": ["x"] * 10_000}, {10**400: 1}, {"max": -(10**400)}],
)
def test_dict_values_beyond_any_float_or_text_are_filler_errors(spec):
    with pytest.raises(fillers.FillerError) as raised:
        from_dict(spec)
    assert len(str(raised.value)) < 400


def test_misspelled_filler_field_in_a_net_is_an_error_as_in_caffe():
    net = """
    input: "data" input_dim: 1 input_dim: 3 input_dim: 1 input_dim: 1
    layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip"
      inner_product_param { num_output: 2 weight_filler { type: "gaussian" stdd: 0.01 } } }
    """
    with pytest.raises(fillers.FillerError, match='no field named "stdd"'):
        fillers.init_net(net, seed=1)


def test_fields_of_caffe_forks_outside_fillers_are_skipped():
    net = """
    input: "data" input_dim: 1 input_dim: 3 input_dim: 1 input_dim: 1
    layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" fork_only_param { x: 1 }
      inner_product_param { num_output: 2 weight_filler { type: "gaussian" std: 0.5 } } }
    """
    assert fillers.init_net(net, seed=1)["ip"][0].shape == (2, 3)


def test_a_filler_spec_is_not_a_net():
    with pytest.raises(fillers.FillerError, match="no layers"):
        fillers.init_net('type: "xavier"', seed=1)


@pytest.mark.parametrize(
    "kwargs", [{"input_shapes": [("data", (1, 3))]}, {"level": "x"}, {"stages": "ab"}, {"rng": 3}]
)
def test_init_net_arguments_are_checked(kwargs):
    with pytest.raises(fillers.FillerError):
        fillers.init_net("tests/data/nets/resnet_block.prototxt", **kwargs)


@pytest.mark.parametrize("count", [-1, 1.5, "3", True])
def test_random_raw_takes_a_count(count):
    with pytest.raises(fillers.FillerError, match="count"):
        fillers.CaffeRNG(1).random_raw(count)


@pytest.mark.parametrize(("call", "arg"), [(fillers.parse, None), (fillers.load, 3), (fillers.load, None)])
def test_loaders_reject_non_text_and_non_paths(call, arg):
    with pytest.raises(fillers.FillerError):
        call(arg)


def test_dtype_given_with_an_array_is_checked():
    with pytest.raises(fillers.FillerError, match="float32"):
        fillers.get_filler({"type": "constant"}).fill(np.zeros(3, dtype=np.float32), dtype="foo")


def test_an_integer_array_as_shape_gets_a_hint():
    with pytest.raises(fillers.FillerError, match="tuple"):
        fillers.get_filler({"type": "constant"}).fill(np.array([2, 3]))


def test_generator_uniform_over_more_than_the_float_range_stays_finite():
    w = fillers.get_filler({"type": "uniform", "min": -3e38, "max": 3e38}).fill(
        (10_000,), rng=np.random.default_rng(0)
    )
    assert np.isfinite(w).all() and w.min() < -1e38 and w.max() > 1e38
