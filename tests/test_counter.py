"""Counter mode: element i depends only on (seed, key, i, spec), so any block of a tensor is
computed alone and equals the same block of the whole fill, bit for bit."""

from __future__ import annotations

import hashlib
import math
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fillers
from fillers.random.counter_normal import normal_pair
from fillers.stream import philox
from fillers.stream.philox import NUMPY

SPECS = [
    'type: "constant" value: 0.25',
    'type: "uniform" min: -2 max: 3',
    'type: "gaussian" mean: 0.5 std: 2',
    'type: "gaussian" std: 1 sparse: 2',
    'type: "positive_unitball"',
    'type: "xavier" variance_norm: AVERAGE',
    'type: "msra"',
    'type: "bilinear"',
]


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and np.ascontiguousarray(a).tobytes() == b.tobytes()


@st.composite
def shapes_and_regions(draw: st.DrawFn, square: bool = False):
    if square:
        k = draw(st.integers(1, 5))
        shape = (draw(st.integers(1, 4)), draw(st.integers(1, 4)), k, k)
    else:
        shape = tuple(draw(st.lists(st.integers(1, 9), min_size=1, max_size=4)))
    region = []
    for dim in shape[: draw(st.integers(0, len(shape)))]:
        start = draw(st.integers(0, dim))
        region.append(slice(start, draw(st.integers(start, dim))))
    return shape, tuple(region)


def test_words_are_philox4x32_blocks_under_a_blake2b_key():
    rng = fillers.CounterRNG(1701, key="conv1/0")
    digest = hashlib.blake2b(
        (1701).to_bytes(8, "little") + b"conv1/0", digest_size=16, person=b"fillers.counter"
    ).digest()
    s0, s1, s2, s3 = (int.from_bytes(digest[i : i + 4], "little") for i in (0, 4, 8, 12))
    # block b = Philox4x32-10 of counter (b mod 2**32, b >> 32, s2, s3) under key (s0, s1)
    blocks = np.arange(3, dtype=np.uint32)
    words = np.stack(philox.blocks(NUMPY, (s0, s1, s2, s3), blocks, np.zeros(3, np.uint32)), axis=-1)
    assert (rng.words(0, 12) == words.reshape(-1)).all()
    high = philox.blocks(NUMPY, (s0, s1, s2, s3), np.array([5], np.uint32), np.array([1], np.uint32))
    assert (rng.words(4 * (2**32 + 5), 4) == np.concatenate(high)).all()


@given(start=st.integers(0, 300), count=st.integers(0, 200), size=st.integers(1, 50))
@settings(max_examples=50, deadline=None)
def test_any_word_is_reached_directly(start, count, size):
    rng = fillers.CounterRNG(3, key="w")
    assert (rng.words(start, count) == rng.words(0, 500)[start : start + count]).all()
    assert (
        np.concatenate([*rng.word_chunks(start, count, size), rng.words(0, 0)]) == rng.words(start, count)
    ).all()


def test_keys_and_seeds_give_independent_streams():
    words = {
        (seed, key): fillers.CounterRNG(seed, key).words(0, 4).tobytes()
        for seed in (0, 1, 2**64 - 1)
        for key in (None, "a", "a/mask", "b")
    }
    assert len(set(words.values())) == len(words)
    assert fillers.CounterRNG(0, "").words(0, 4).tobytes() == words[0, None]
    assert fillers.CounterRNG(5, "conv1").child("0") == fillers.CounterRNG(5, "conv1/0")


@pytest.mark.parametrize(
    ("seed", "key"), [(-1, None), (2**64, None), (1.5, None), (True, None), ("1", None), (1, 3)]
)
def test_bad_seed_or_key_is_a_filler_error(seed, key):
    with pytest.raises(fillers.FillerError, match=r"^(seed|key):"):
        fillers.CounterRNG(seed, key)


@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float", "double"])
@given(data=st.data())
@settings(max_examples=25, deadline=None)
def test_fill_region_equals_the_slice_of_the_whole_fill(spec, dtype, data):
    shape, region = data.draw(shapes_and_regions(square=spec == 'type: "bilinear"'))
    filler = fillers.get_filler(fillers.parse(spec))
    if "sparse" in spec and shape[0] < 2:
        shape = (2, *shape[1:])
    rng = fillers.CounterRNG(data.draw(st.integers(0, 2**64 - 1)), key="layer/0")
    whole = filler.fill(shape, dtype=dtype, rng=rng)
    assert same_bits(filler.fill_region(shape, region, rng, dtype), whole[region])


def test_long_positive_unitball_rows_split_across_regions(monkeypatch):
    from fillers.random import rowsums

    monkeypatch.setattr(rowsums, "ROW_CHUNK", 16)
    filler = fillers.get_filler({"type": "positive_unitball"})
    rng = fillers.CounterRNG(2, key="w")
    whole = filler.fill((3, 5, 7), rng=rng)
    np.testing.assert_allclose(whole.sum(axis=(1, 2)), 1, rtol=1e-5)
    region = (slice(1, 3), slice(2, 4), slice(3, 6))
    assert same_bits(filler.fill_region((3, 5, 7), region, rng), whole[region])


def test_sparse_mask_comes_from_its_own_substream():
    rng = fillers.CounterRNG(4, key="w")
    dense = fillers.get_filler({"type": "gaussian"}).fill((8, 1000), rng=rng)
    sparse = fillers.get_filler({"type": "gaussian", "sparse": 2}).fill((8, 1000), rng=rng)
    kept = rng.child("mask").words(0, 8000).reshape(8, 1000) < 2**32 * np.float32(2 / 8)
    assert same_bits(sparse, dense * kept)


def libm_box_muller(w1: np.ndarray, w2: np.ndarray, dtype) -> tuple[np.ndarray, np.ndarray]:
    """Box-Muller with numpy's float64 log, sin, cos of the same u and theta (float32: u from w1 + 1/2
    rounded to float32, theta at the centre of its 2**-26 turn)."""
    if dtype == np.float32:
        high = (w1 >> 8).astype(np.float32) * np.float32(256)
        x = (high + ((w1 & 255).astype(np.float32) + np.float32(0.5))).astype(np.float64)
        angle = 2 * np.pi * ((w2 >> 6) + 0.5) / 2**26
    else:
        x, angle = w1 + 0.5, 2 * np.pi * (w2 + 0.5) / 2**32
    radius = np.sqrt(-2 * np.log(x / 2**32))
    return radius * np.cos(angle), radius * np.sin(angle)


@pytest.mark.parametrize(("dtype", "tolerance"), [(np.float32, 4e-7 * 2), (np.float64, 4e-15)])
def test_box_muller_is_close_to_libms(dtype, tolerance):
    words = fillers.CounterRNG(9).words(0, 400_000)
    w1, w2 = words[0::2], words[1::2]
    z0, z1 = normal_pair(NUMPY, w1, w2, dtype)
    assert z0.dtype == z1.dtype == dtype
    r0, r1 = libm_box_muller(w1, w2, dtype)
    # a few float32 ulps of the largest values (|z| < 7): statistically exact
    np.testing.assert_allclose(z0, r0, rtol=0, atol=tolerance)
    np.testing.assert_allclose(z1, r1, rtol=0, atol=tolerance)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_box_muller_extreme_words_stay_finite(dtype):
    w1 = np.array([0, 0, 2**32 - 1, 2**32 - 1, 1, 2**31], dtype=np.uint32)
    w2 = np.array([0, 2**32 - 1, 0, 2**31, 2**29, 2**30 - 1], dtype=np.uint32)
    z0, z1 = normal_pair(NUMPY, w1, w2, dtype)
    r0, r1 = libm_box_muller(w1, w2, dtype)
    assert np.isfinite(z0).all() and np.isfinite(z1).all()
    np.testing.assert_allclose(
        np.hypot(z0, z1), np.hypot(r0, r1), rtol=1e-6 if dtype == np.float32 else 1e-14
    )
    radius = math.sqrt(-2 * math.log(0.5 / 2**32))
    assert float(np.hypot(z0[0], z1[0])) == pytest.approx(radius, rel=1e-6)


@pytest.mark.parametrize(
    ("region", "message"),
    [
        ((slice(0, 2, 2),), "step 2"),
        ((slice(None), slice(None), slice(None)), "3 slices"),
        ((1,), "not a slice"),
        (3, "not a tuple"),
        ((slice("a", 2),), "not an int"),
    ],
)
def test_bad_region_is_a_filler_error(region, message):
    with pytest.raises(fillers.FillerError, match=message):
        fillers.get_filler({"type": "uniform"}).fill_region((4, 4), region, fillers.CounterRNG(1))


@pytest.mark.parametrize("rng", [fillers.CaffeRNG(1), np.random.default_rng(1), None])
def test_fill_region_needs_a_counter_stream(rng):
    with pytest.raises(fillers.FillerError, match="CounterRNG"):
        fillers.get_filler({"type": "uniform"}).fill_region((4, 4), (slice(0, 2),), rng)


def test_fill_region_checks_the_spec_against_the_whole_shape():
    with pytest.raises(fillers.FillerError, match="sparse may not exceed shape"):
        fillers.get_filler({"type": "gaussian", "sparse": 5}).fill_region(
            (4, 4), (slice(0, 1),), fillers.CounterRNG(1)
        )


def test_init_net_keys_each_blob_by_layer_and_index():
    net = """
        layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 } } }
        layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip"
                inner_product_param { num_output: 4 weight_filler { type: "gaussian" }
                                      bias_filler { type: "uniform" } } }"""
    rng = fillers.CounterRNG(11)
    params = fillers.init_net(net, rng=rng)
    assert same_bits(
        params["ip"][0],
        fillers.get_filler({"type": "gaussian"}).fill((4, 3), rng=fillers.CounterRNG(11, "ip/0")),
    )
    assert same_bits(
        params["ip"][1],
        fillers.get_filler({"type": "uniform"}).fill((4,), rng=fillers.CounterRNG(11, "ip/1")),
    )
    assert same_bits(fillers.init_net(net, rng=rng)["ip"][0], params["ip"][0])


def test_counter_mode_lifts_caffes_int_max_blob_limit_only():
    shape = (2**16, 2**16)  # 2**32 elements: more than a Caffe blob may hold
    filler = fillers.get_filler({"type": "gaussian"})
    rng = fillers.CounterRNG(6, key="huge")
    block = filler.fill_region(shape, (slice(2**15, 2**15 + 2), slice(2**16 - 3, None)), rng)
    flat_start = 2**15 * 2**16 + 2**16 - 3
    row0 = filler.fill_region((2**32,), (slice(flat_start, flat_start + 3),), rng)
    assert same_bits(block[0], row0)
    with pytest.raises(fillers.FillerError, match="exceeds INT_MAX"):
        filler.fill(shape, rng=fillers.CaffeRNG(6))
    with pytest.raises(fillers.FillerError, match="exceeds 2\\*\\*63 - 1"):
        filler.fill_region((2**32, 2**32), (slice(0, 1), slice(0, 1)), rng)


def test_a_region_larger_than_memory_is_a_filler_error():
    with pytest.raises(fillers.FillerError, match="do not fit in memory"):
        fillers.get_filler({"type": "uniform"}).fill_region((2**40, 2**20), (), fillers.CounterRNG(1))


def test_positive_unitball_rows_longer_than_caffes_blob_limit_are_refused_before_drawing():
    filler = fillers.get_filler(fillers.parse('type: "positive_unitball"'))
    start = time.perf_counter()
    with pytest.raises(fillers.FillerError, match="longer than Caffe's blob limit"):
        filler.fill_region((1, 2**40), (slice(0, 1), slice(0, 4)), fillers.CounterRNG(1))
    assert time.perf_counter() - start < 1
    assert filler.fill_region((3, 2**31 - 1), (slice(0, 1), slice(0, 0)), fillers.CounterRNG(1)).shape == (
        1,
        0,
    )
