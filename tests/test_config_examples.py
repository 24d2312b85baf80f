"""Every file in config_examples/ loads to the spec it documents, and fills."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from strategies import same_message

from fillers import get_filler
from fillers.net.specs import load_all
from fillers.spec.parameter import load, to_dict
from fillers.spec.rules import load_rules
from fillers.stream.caffe import CaffeRNG

EXAMPLES = Path(__file__).resolve().parent.parent / "config_examples"

# filler file stem -> (the spec it holds, a shape Caffe would fill with it)
SINGLE_SPECS = {
    "constant": ({"type": "constant", "value": 0.2}, (10,)),
    "gaussian": ({"type": "gaussian", "mean": 0.0, "std": 0.01}, (20, 10)),
    "gaussian_sparse": ({"type": "gaussian", "std": 0.01, "sparse": 15}, (20, 10)),
    "positive_unitball": ({"type": "positive_unitball"}, (4, 5)),
    "uniform": ({"type": "uniform", "min": -0.05, "max": 0.05}, (100,)),
    "xavier": ({"type": "xavier", "variance_norm": "AVERAGE"}, (16, 8, 3, 3)),
    "msra": ({"type": "msra", "variance_norm": "FAN_OUT"}, (16, 8, 3, 3)),
    "bilinear": ({"type": "bilinear"}, (3, 1, 4, 4)),
}

NAMED_SET = {
    "conv1/weight_filler": {"type": "gaussian", "std": 0.01},
    "conv1/bias_filler": {"type": "constant", "value": 0.0},
    "fc6/weight_filler": {"type": "xavier", "variance_norm": "AVERAGE"},
    "upscore/weight_filler": {"type": "bilinear"},
}


def test_every_example_file_is_covered():
    covered = {f"{stem}{ext}" for stem in SINGLE_SPECS for ext in (".prototxt", ".yaml")}
    covered |= {"named_set.prototxt", "named_set.yaml", "small_net.prototxt", "init_rules.yaml"}
    assert {path.name for path in EXAMPLES.iterdir()} == covered


@pytest.mark.parametrize("stem", SINGLE_SPECS)
def test_single_spec_examples_hold_their_spec_in_both_formats(stem):
    expected, _ = SINGLE_SPECS[stem]
    from_text, from_yaml = load(EXAMPLES / f"{stem}.prototxt"), load(EXAMPLES / f"{stem}.yaml")
    assert to_dict(from_text) == expected
    assert same_message(from_text, from_yaml)


@pytest.mark.parametrize("file_name", ["named_set.prototxt", "named_set.yaml"])
def test_named_set_examples_hold_the_same_specs_in_order(file_name):
    specs = load_all(EXAMPLES / file_name)
    assert list(specs) == list(NAMED_SET)
    assert {name: to_dict(param) for name, param in specs.items()} == NAMED_SET


def test_small_net_example_lists_its_fillers():
    specs = load_all(EXAMPLES / "small_net.prototxt")
    assert {name: to_dict(param) for name, param in specs.items()} == {
        "conv1/weight_filler": {"type": "gaussian", "std": 0.0001},
        "conv1/bias_filler": {"type": "constant"},
        "relu1/filler": {"type": "constant", "value": 0.25},
        "ip1/weight_filler": {"type": "xavier"},
        "ip1/bias_filler": {"type": "constant", "value": 0.1},
    }
    assert list(load_all(EXAMPLES / "small_net.prototxt", phase="TEST")) == list(specs)


def test_init_rules_example_loads_in_order():
    rules = load_rules(EXAMPLES / "init_rules.yaml")
    assert [(rule.match, rule.module, rule.param, rule.layout) for rule in rules] == [
        ("features.*.weight", None, None, None),
        ("*.bias", None, None, None),
        (None, "Conv2d", "weight", "OIHW"),
        (r"re:classifier\.\d+\.weight", None, None, None),
    ]
    assert [to_dict(rule.filler)["type"] for rule in rules] == ["xavier", "constant", "msra", "gaussian"]


def fill_example(stem: str) -> np.ndarray:
    _, shape = SINGLE_SPECS[stem]
    return get_filler(load(EXAMPLES / f"{stem}.prototxt")).fill(shape, rng=CaffeRNG(1))


@pytest.mark.parametrize("stem", SINGLE_SPECS)
def test_every_single_spec_example_fills_its_shape(stem):
    _, shape = SINGLE_SPECS[stem]
    filled = fill_example(stem)
    assert filled.shape == shape
    assert filled.dtype == np.float32
    assert np.isfinite(filled).all()


def test_constant_example_fills_its_value():
    assert (fill_example("constant") == np.float32(0.2)).all()


def test_uniform_example_stays_in_its_range():
    filled = fill_example("uniform")
    assert filled.min() >= np.float32(-0.05) and filled.max() < np.float32(0.05)


def test_sparse_gaussian_example_zeroes_some_weights():
    filled = fill_example("gaussian_sparse")
    assert 0 < np.count_nonzero(filled == 0) < filled.size


def test_positive_unitball_example_rows_sum_to_one():
    filled = fill_example("positive_unitball")
    assert (filled > 0).all()
    np.testing.assert_allclose(filled.sum(axis=1), 1.0, rtol=1e-6)


def test_xavier_example_stays_within_its_average_fan_scale():
    fan_in, fan_out = 8 * 3 * 3, 16 * 3 * 3
    scale = np.sqrt(np.float32(3) / np.float32((fan_in + fan_out) / 2))
    assert np.abs(fill_example("xavier")).max() <= scale


def test_bilinear_example_fills_the_factor_two_kernel_in_every_channel():
    edge = np.array([0.25, 0.75, 0.75, 0.25], dtype=np.float32)
    filled = fill_example("bilinear")
    assert (filled == np.outer(edge, edge)).all()
