"""The vectorized Boost distributions against Boost's algorithm run one draw at a time.

The scalar reference (fillers.random.boost_reference.reference_normal) follows Boost 1.74's source line by
line; the golden tests tie it to real Caffe. Here raw streams are scripted to hit the rare
paths often (ziggurat tail, exponential restarts and wedges, uniform_01 redraws, rejected
wedge attempts) and blocks are made tiny so that attempts straddle block boundaries.
"""

from __future__ import annotations

import numpy as np
import pytest

from fillers.random import _tables, boost, boost_reference, prefetch, ziggurat
from fillers.random.real import LOW29, real_for
from fillers.stream.caffe import CaffeRNG


class ScriptedRNG:
    """A stream that returns given raw outputs, and counts how many were taken."""

    def __init__(self, raw: np.ndarray) -> None:
        self.raw = raw
        self.taken = 0

    def random_raw(self, n: int) -> np.ndarray:
        assert self.taken + n <= len(self.raw), "drew past what the reference needed"
        block = self.raw[self.taken : self.taken + n]
        self.taken += n
        return block


def _rare_path_stream(seed: int, size: int) -> np.ndarray:
    """Raw outputs where about a third of attempts leave the fast path."""
    rng = np.random.default_rng(seed)
    raw = rng.integers(0, 1 << 32, size=size, dtype=np.uint32)
    kind = rng.integers(0, 10, size=size)
    high = rng.integers(0xFFF000, 1 << 24, size=size, dtype=np.uint32) << np.uint32(8)
    raw[kind == 0] = (
        high[kind == 0] | rng.integers(0, 2, size=size, dtype=np.uint32)[kind == 0]
    )  # tail / restart
    raw[kind == 1] = rng.integers(0xFFFFFF80, 1 << 32, size=size, dtype=np.uint32)[
        kind == 1
    ]  # uniform_01 = 1
    raw[kind == 2] = high[kind == 2] | rng.integers(2, 256, size=size, dtype=np.uint32)[kind == 2]  # wedges
    return raw


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("block", [7, 64, 1 << 17])
def test_vectorized_normal_matches_reference_on_rare_paths(dtype, block, monkeypatch):
    monkeypatch.setattr(prefetch, "BLOCK", block)
    raw = _rare_path_stream(block, 40_000)
    count = 4_000
    expected, used = boost_reference.reference_normal(raw, count, dtype)
    assert used > count * real_for(dtype).raws_per_pair * 1.3  # many attempts were rejected
    out = np.empty(count, dtype=dtype)
    stream = ScriptedRNG(raw)
    boost.normal(stream, out, 0.0, 1.0)
    np.testing.assert_array_equal(out.view(np.uint8), expected.view(np.uint8))
    assert stream.taken == used


@pytest.mark.parametrize("kind", ["rare paths", "plain"])
@pytest.mark.parametrize("rounds", [1, ziggurat.SETTLE_ROUNDS])  # 1: it gives up and hands over
def test_float_attempt_chain_agrees_with_pointer_doubling(kind, rounds, monkeypatch):
    monkeypatch.setattr(ziggurat, "SETTLE_ROUNDS", rounds)
    real = real_for(np.float32)
    size = 1 << 15
    if kind == "rare paths":
        raw = _rare_path_stream(5, size)
    else:
        raw = np.random.default_rng(5).integers(0, 1 << 32, size=size, dtype=np.uint32)
    _, events = boost._prepare_normal(real, raw, {})
    for start in (0, 1, 2, 777):
        chain, used = ziggurat.attempt_chain(events, start, 1, size)
        single_chain, single_used = ziggurat.attempt_chain_single(events, start, size)
        np.testing.assert_array_equal(single_chain, chain)
        assert single_used == used


def test_double_fast_path_is_exact_where_the_high_bits_tie_with_the_limit():
    # The double fast test compares a pair's 29 high mantissa bits (its second raw output's)
    # with the limit's, and the whole 53-bit mantissa only where they are equal: make them
    # equal often, with the low 24 bits on either side of the limit's.
    real = real_for(np.float64)
    rng = np.random.default_rng(13)
    raw = rng.integers(0, 1 << 32, size=60_000, dtype=np.uint32)
    tie = np.flatnonzero(rng.integers(0, 3, size=len(raw) - 1) == 0)
    limit = real.normal_limit[raw[tie] & np.uint32(0xFF)]
    raw[tie + 1] = (raw[tie + 1] & np.uint32(~LOW29 & 0xFFFFFFFF)) | (limit >> 24).astype(np.uint32)
    near = ((limit & 0xFFFFFF).astype(np.int64) + rng.integers(-2, 2, size=len(tie))).clip(0, 0xFFFFFF)
    raw[tie] = (near.astype(np.uint32) << np.uint32(8)) | (raw[tie] & np.uint32(0xFF))
    count = 20_000
    unit, used = boost_reference.reference_normal(raw, count, np.float64)
    expected = unit * 1.0 + 0.0  # as normal(0, 1) gives it: a -0.0 at N = 0 becomes +0.0
    out = np.empty(count, dtype=np.float64)
    stream = ScriptedRNG(raw)
    boost.normal(stream, out, 0.0, 1.0)
    np.testing.assert_array_equal(out.view(np.uint8), expected.view(np.uint8))
    assert stream.taken == used


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_vectorized_normal_matches_reference_on_caffe_stream(dtype):
    count = 300_000
    out = np.empty(count, dtype=dtype)
    rng = CaffeRNG(20260101)
    boost.normal(rng, out, 0.0, 1.0)
    raw = CaffeRNG(20260101).random_raw(count * 3)
    expected, used = boost_reference.reference_normal(raw, count, dtype)
    np.testing.assert_array_equal(out.view(np.uint8), expected.view(np.uint8))
    assert rng.random_raw(1)[0] == raw[used]


def test_normal_scales_in_dtype_arithmetic():
    z = np.empty(1000, dtype=np.float32)
    boost.normal(CaffeRNG(3), z, 0.0, 1.0)
    out = np.empty(1000, dtype=np.float32)
    boost.normal(CaffeRNG(3), out, 0.5, 0.01)
    # z * sigma + mean, each step rounded to float: not the double result rounded once.
    np.testing.assert_array_equal(out, z * np.float32(0.01) + np.float32(0.5))


def _reference_uniform(raw: np.ndarray, count: int, low: np.floating, high: np.floating) -> tuple[list, int]:
    """boost uniform_real_distribution, one draw at a time."""
    rt = type(low)
    out, pos = [], 0
    while len(out) < count:
        result = rt(raw[pos]) / rt(2.0**32) * (high - low) + low
        pos += 1
        if result < high:
            out.append(result)
    return out, pos


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bounds", [(-1.0, 1.0), (1.0, 1.0), (0.0, 1e-40), (-3.0, -2.999999)])
def test_uniform_redraws_at_the_upper_bound_like_boost(dtype, bounds, monkeypatch):
    monkeypatch.setattr(prefetch, "BLOCK", 97)
    rt = np.dtype(dtype).type
    low, high = rt(bounds[0]), np.nextafter(rt(bounds[1]), np.finfo(dtype).max)
    raw = CaffeRNG(7).random_raw(20_000)
    expected, used = _reference_uniform(raw, 5_000, low, high)
    out = np.empty(5_000, dtype=dtype)
    stream = ScriptedRNG(raw)
    boost.uniform_real(stream, out, low, high)
    np.testing.assert_array_equal(out, np.array(expected, dtype=dtype))
    assert stream.taken == used


def test_uniform_over_more_than_the_float_range_samples_at_half_scale():
    low, high = np.float32(-3e38), np.nextafter(np.float32(3e38), np.float32(np.inf))
    raw = CaffeRNG(11).random_raw(1000)
    half, _ = _reference_uniform(raw, 1000, np.float32(low / 2), np.float32(high / 2))
    out = np.empty(1000, dtype=np.float32)
    boost.uniform_real(ScriptedRNG(raw), out, low, high)
    np.testing.assert_array_equal(out, np.array(half, dtype=np.float32) * 2)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("p", [1e-9, 0.25, 0.5, 1.0])
def test_bernoulli_compares_in_dtype(dtype, p):
    raw = CaffeRNG(5).random_raw(10_000)
    rt = np.dtype(dtype).type
    expected = [rt(u) <= rt(p) * rt(2**32 - 1) for u in raw]
    out = np.empty(10_000, dtype=bool)
    boost.bernoulli(ScriptedRNG(raw), out, p, dtype)
    np.testing.assert_array_equal(out, expected)


def test_bernoulli_with_zero_probability_draws_nothing():
    stream = ScriptedRNG(np.empty(0, dtype=np.uint32))
    out = np.ones(100, dtype=bool)
    boost.bernoulli(stream, out, 0.0, np.float32)
    assert not out.any() and stream.taken == 0


def test_ziggurat_fast_path_limits_agree_with_boost_comparisons():
    for dtype in (np.float32, np.float64):
        real = real_for(dtype)
        for bucket in (0, 1, 2, 101, 254, 255):
            limit = int(real.normal_limit[bucket])
            layer = bucket >> 1
            x_below = real.type(limit - 1) * real.type(2.0**-real.digits) * real.type(_tables.NORMAL_X[layer])
            assert float(x_below) < _tables.NORMAL_X[layer + 1]
            if limit < 1 << real.digits:
                x_at = real.type(limit) * real.type(2.0**-real.digits) * real.type(_tables.NORMAL_X[layer])
                assert not float(x_at) < _tables.NORMAL_X[layer + 1]
