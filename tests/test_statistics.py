"""The fillers draw the distributions they promise, for both Dtypes and all three kinds of
stream (Caffe's, a numpy Generator, counter mode), checked without golden data.

Seeds are fixed, so every statistic below is a deterministic number; the bounds are
several times the sampling error (Kolmogorov-Smirnov at alpha = 1e-9, five standard
errors for means and variances), so a correct filler cannot fail them and a wrong scale,
offset or shape of distribution cannot pass.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import fillers

N = 200_000
KS_BOUND = math.sqrt(-math.log(1e-9 / 2) / 2) / math.sqrt(N)
STREAMS = {
    "caffe": lambda: fillers.CaffeRNG(1234),
    "generator": lambda: np.random.default_rng(1234),
    "counter": lambda: fillers.CounterRNG(1234, key="w"),
    # Boost 1.54's Box-Muller normals and 1.58's inversion-exponential tail (fillers.profiles).
    "caffe-boost-1.54": lambda: fillers.CaffeRNG(1234, profile="caffe-1.0_boost-1.54"),
    "caffe-boost-1.58": lambda: fillers.CaffeRNG(1234, profile="caffe-master_boost-1.58"),
}
_erf = np.vectorize(math.erf, otypes=[np.float64])


def normal_cdf(x: np.ndarray, mean: float, std: float) -> np.ndarray:
    return 0.5 * (1 + _erf((x - mean) / (std * math.sqrt(2))))


def ks_statistic(sample: np.ndarray, cdf) -> float:
    x = np.sort(sample.astype(np.float64).ravel())
    f = cdf(x)
    n = len(x)
    return float(max(np.max(np.arange(1, n + 1) / n - f), np.max(f - np.arange(n) / n)))


def fill(text: str, shape, dtype, stream: str) -> np.ndarray:
    return fillers.get_filler(fillers.parse(text)).fill(shape, dtype=dtype, rng=STREAMS[stream]())


@pytest.fixture(params=[np.float32, np.float64], ids=["float", "double"])
def dtype(request):
    return request.param


@pytest.fixture(params=sorted(STREAMS))
def stream(request):
    return request.param


def test_uniform_is_uniform_on_min_max(dtype, stream):
    w = fill('type: "uniform" min: -2 max: 3', (N,), dtype, stream)
    assert w.min() >= -2 and w.max() <= 3
    assert ks_statistic(w, lambda x: (x + 2) / 5) < KS_BOUND


def test_gaussian_is_normal_with_mean_and_std(dtype, stream):
    w = fill('type: "gaussian" mean: 0.5 std: 0.01', (N,), dtype, stream)
    assert abs(w.mean() - 0.5) < 5 * 0.01 / math.sqrt(N)
    assert abs(w.std() / 0.01 - 1) < 5 * math.sqrt(2 / N)
    assert ks_statistic(w, lambda x: normal_cdf(x, 0.5, float(np.float32(0.01)))) < KS_BOUND


@pytest.mark.parametrize(
    ("norm", "n"), [("FAN_IN", 3 * 5 * 5), ("FAN_OUT", 2000 * 5 * 5), ("AVERAGE", (75 + 50000) / 2)]
)
def test_xavier_is_uniform_with_scale_sqrt_3_over_n(dtype, stream, norm, n):
    w = fill(f'type: "xavier" variance_norm: {norm}', (2000, 3, 5, 5), dtype, stream)
    scale = math.sqrt(3 / n)
    assert np.abs(w).max() <= scale * (1 + 1e-6)
    assert ks_statistic(w, lambda x: (x + scale) / (2 * scale)) < math.sqrt(-math.log(1e-9 / 2) / 2 / w.size)


@pytest.mark.parametrize(("norm", "n"), [("FAN_IN", 3 * 5 * 5), ("FAN_OUT", 2000 * 5 * 5)])
def test_msra_is_normal_with_std_sqrt_2_over_n(dtype, stream, norm, n):
    w = fill(f'type: "msra" variance_norm: {norm}', (2000, 3, 5, 5), dtype, stream)
    std = math.sqrt(2 / n)
    assert abs(w.std() / std - 1) < 5 * math.sqrt(2 / w.size)
    assert ks_statistic(w, lambda x: normal_cdf(x, 0, std)) < math.sqrt(-math.log(1e-9 / 2) / 2 / w.size)


def test_sparse_gaussian_keeps_sparse_over_rows_of_the_weights(dtype, stream):
    rows, cols, sparse = 400, 500, 100
    w = fill(f'type: "gaussian" sparse: {sparse}', (rows, cols), dtype, stream)
    p = sparse / rows
    kept = np.count_nonzero(w) / w.size
    assert abs(kept - p) < 5 * math.sqrt(p * (1 - p) / w.size)


def test_positive_unitball_rows_are_positive_and_sum_to_one(dtype, stream):
    w = fill('type: "positive_unitball"', (1000, 200), dtype, stream)
    assert (w > 0).all()
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(w.sum(axis=1), 1, rtol=tol)
    # Each row was 200 uniforms on [0, 1) divided by their sum (about 100).
    assert abs(w.mean() * 200 - 1) < 1e-6
    assert 1.8 < w.max() * 200 < 2.6


@pytest.mark.parametrize("stream", ["caffe", "caffe-boost-1.58"])
def test_the_tail_beyond_the_last_ziggurat_layer_has_normal_mass(dtype, stream):
    w = fill('type: "gaussian"', (4_000_000,), dtype, stream)
    tail_start = 3.4426198558966521214
    beyond = np.count_nonzero(np.abs(w) > tail_start)
    expected = 4_000_000 * 2 * (1 - float(normal_cdf(np.array([tail_start]), 0, 1)[0]))
    assert abs(beyond - expected) < 5 * math.sqrt(expected)


def test_the_counter_normal_has_normal_mass_in_its_tails(dtype):
    w = fill('type: "gaussian"', (4_000_000,), dtype, "counter")
    assert abs(w.mean()) < 5 / math.sqrt(w.size)
    assert abs(w.std() - 1) < 5 * math.sqrt(2 / w.size)
    assert ks_statistic(w, lambda x: normal_cdf(x, 0, 1)) < math.sqrt(-math.log(1e-9 / 2) / 2 / w.size)
    for edge in (3.0, 4.0, 4.5):
        beyond = np.count_nonzero(np.abs(w) > edge)
        expected = w.size * 2 * (1 - float(normal_cdf(np.array([edge]), 0, 1)[0]))
        assert abs(beyond - expected) < 5 * math.sqrt(expected)


def test_the_counter_sparse_mask_keeps_normal_values(dtype):
    w = fill('type: "gaussian" std: 3 sparse: 100', (400, 2500), dtype, "counter")
    kept = w[w != 0]
    assert abs(kept.size / w.size - 0.25) < 5 * math.sqrt(0.25 * 0.75 / w.size)
    assert ks_statistic(kept, lambda x: normal_cdf(x, 0, 3)) < math.sqrt(-math.log(1e-9 / 2) / 2 / kept.size)
