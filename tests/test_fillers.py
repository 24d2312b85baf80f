"""The fillers' contract: checks before anything is touched, arrays in and out, the
registry, Generator mode and the global stream."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fillers
from fillers.fill.blob import fans


def filler(text: str) -> fillers.Filler:
    return fillers.get_filler(fillers.parse(text))


def test_fill_returns_a_new_array_of_the_shape_and_dtype():
    w = filler('type: "constant" value: 0.5').fill((2, 3), dtype=np.float64, rng=fillers.CaffeRNG(1))
    assert w.shape == (2, 3) and w.dtype == np.float64 and (w == 0.5).all()


def test_fill_in_place_returns_the_same_array_and_matches_a_new_fill():
    out = np.zeros((4, 5), dtype=np.float32)
    result = filler('type: "gaussian"').fill(out, rng=fillers.CaffeRNG(9))
    assert result is out
    np.testing.assert_array_equal(out, filler('type: "gaussian"').fill((4, 5), rng=fillers.CaffeRNG(9)))


@pytest.mark.parametrize("dtype", [np.float16, np.int32, "complex64", "nonsense"])
def test_unsupported_dtypes_are_rejected_naming_the_supported_ones(dtype):
    with pytest.raises(fillers.FillerError, match=r"float32.*float64"):
        filler('type: "constant"').fill((3,), dtype=dtype)


@pytest.mark.parametrize(
    "out",
    [
        np.zeros((4, 4), dtype=np.float32)[:, ::2],
        np.zeros((4, 4), dtype=np.float32).T,
        np.zeros(3, dtype=np.float16),
    ],
)
def test_only_c_contiguous_float_arrays_are_filled_in_place(out):
    with pytest.raises(fillers.FillerError):
        filler('type: "constant"').fill(out)


def test_read_only_arrays_are_refused():
    out = np.zeros(3, dtype=np.float32)
    out.flags.writeable = False
    with pytest.raises(fillers.FillerError, match="writable"):
        filler('type: "constant"').fill(out)


def test_dtype_must_match_the_array_filled_in_place():
    with pytest.raises(fillers.FillerError, match="does not match"):
        filler('type: "constant"').fill(np.zeros(3, dtype=np.float32), dtype=np.float64)


@pytest.mark.parametrize("shape", [(3, "4"), (2.0,), (True, 3), 7])
def test_shapes_must_be_sequences_of_ints(shape):
    with pytest.raises(fillers.FillerError, match="shape"):
        filler('type: "constant"').fill(shape)


def test_rng_must_be_a_stream():
    with pytest.raises(fillers.FillerError, match="rng"):
        filler('type: "uniform"').fill((3,), rng=42)


BAD_FILLS = [
    ('type: "gaussian" std: 0', (3,)),
    ('type: "gaussian" std: nan', (3,)),
    ('type: "gaussian" sparse: 5', (4, 4)),
    ('type: "gaussian" sparse: -3', (4, 4)),
    ('type: "uniform" min: 1 max: 0', (3,)),
    ('type: "uniform" min: 0 max: inf', (3,)),
    ('type: "uniform" min: 3.4028235e38 max: 3.4028235e38', (3,)),
    ('type: "xavier" sparse: 2', (3, 3)),
    ('type: "msra"', (0, 3)),
    ('type: "positive_unitball"', (0, 4)),
    ('type: "positive_unitball"', ()),
    ('type: "bilinear"', (1, 1, 2, 3)),
    ('type: "constant"', (2, -1)),
    ('type: "constant"', (65536, 32768)),
]


@settings(max_examples=60, deadline=None)
@given(case=st.sampled_from(BAD_FILLS), seed=st.integers(0, 2**32 - 1), fill_value=st.floats(-9, 9))
def test_a_failed_fill_changes_neither_the_array_nor_the_stream(case, seed, fill_value):
    text, shape = case
    f = filler(text)
    rng = fillers.CaffeRNG(seed)
    with pytest.raises(fillers.FillerError):
        f.fill(shape, rng=rng)
    if all(0 < d < 1000 for d in shape):
        out = np.full(shape, fill_value, dtype=np.float32)
        with pytest.raises(fillers.FillerError):
            f.fill(out, rng=rng)
        assert (out == np.float32(fill_value)).all()
    assert rng.random_raw(1)[0] == fillers.CaffeRNG(seed).random_raw(1)[0]


def test_messages_name_the_field_and_value():
    with pytest.raises(fillers.FillerError, match=r"std: -1\.0.*sigma > 0"):
        filler('type: "gaussian" std: -1').fill((3,))
    with pytest.raises(fillers.FillerError, match=r"sparse: 9.*p <= 1"):
        filler('type: "gaussian" sparse: 9').fill((4, 4))


def test_xavier_average_fan_sum_wraps_in_int32_like_caffe():
    # fan_in + fan_out = 2**31 overflows Caffe's int: n becomes negative and scale NaN,
    # which caffe_rng_uniform's a <= b check rejects. Checked without allocating 4 GiB.
    f = filler('type: "xavier" variance_norm: AVERAGE')
    with pytest.raises(fillers.FillerError, match="a <= b"):
        f.check((1, 1, 2**30), np.dtype(np.float32))


@pytest.mark.parametrize(
    ("shape", "expected"),
    [((10,), (1, 10)), ((6, 4), (4, 6)), ((64, 3, 5, 5), (75, 1600)), ((2, 3, 4, 5, 6), (360, 240))],
)
def test_fans_follow_caffe_nd_rule(shape, expected):
    assert fans(shape) == expected


def test_bilinear_kernel_of_size_four():
    w = filler('type: "bilinear"').fill((2, 1, 4, 4))
    line = np.array([0.25, 0.75, 0.75, 0.25], dtype=np.float32)
    np.testing.assert_array_equal(w[1, 0], np.outer(line, line))
    np.testing.assert_array_equal(w[0, 0], w[1, 0])


def test_bilinear_and_constant_leave_the_stream_untouched():
    rng = fillers.CaffeRNG(4)
    filler('type: "bilinear"').fill((3, 3, 5, 5), rng=rng)
    filler('type: "constant" value: 2').fill((7,), rng=rng)
    assert rng.random_raw(1)[0] == fillers.CaffeRNG(4).random_raw(1)[0]


def test_sparse_mask_zeros_whole_elements_keeping_the_sign():
    w = filler('type: "gaussian" sparse: 1').fill((20, 50), rng=fillers.CaffeRNG(2))
    dense = filler('type: "gaussian"').fill((20, 50), rng=fillers.CaffeRNG(2))
    dropped = w == 0
    assert 0 < dropped.sum() < w.size
    np.testing.assert_array_equal(w[~dropped], dense[~dropped])
    np.testing.assert_array_equal(np.signbit(w[dropped]), np.signbit(dense[dropped]))


def test_positive_unitball_rows_sum_to_one():
    for dtype, tol in ((np.float32, 1e-5), (np.float64, 1e-12)):
        w = filler('type: "positive_unitball"').fill((30, 7, 11), dtype=dtype, rng=fillers.CaffeRNG(8))
        assert (w >= 0).all()
        np.testing.assert_allclose(w.reshape(30, -1).sum(axis=1), 1, rtol=tol)


def test_global_stream_follows_set_random_seed():
    fillers.set_random_seed(1701)
    first = filler('type: "msra"').fill((8, 8))
    fillers.set_random_seed(1701)
    np.testing.assert_array_equal(filler('type: "msra"').fill((8, 8)), first)
    np.testing.assert_array_equal(filler('type: "msra"').fill((8, 8), rng=fillers.CaffeRNG(1701)), first)


@pytest.mark.parametrize("seed", [-1, 2**32, 1.5, True, "7"])
def test_seeds_are_unsigned_32_bit(seed):
    with pytest.raises(fillers.FillerError, match="seed"):
        fillers.CaffeRNG(seed)
    with pytest.raises(fillers.FillerError, match="seed"):
        fillers.set_random_seed(seed)


@pytest.mark.parametrize("name", ["constant", "gaussian", "positive_unitball", "uniform", "xavier", "msra"])
def test_generator_mode_is_reproducible_and_not_caffe_bits(name):
    f = filler(f'type: "{name}"')
    a = f.fill((16, 32), rng=np.random.default_rng(5))
    np.testing.assert_array_equal(a, f.fill((16, 32), rng=np.random.default_rng(5)))
    if name != "constant":
        assert not np.array_equal(a, f.fill((16, 32), rng=fillers.CaffeRNG(5)))


def test_registry_lists_the_seven_and_is_case_sensitive():
    assert {"constant", "gaussian", "positive_unitball", "uniform", "xavier", "msra", "bilinear"} <= set(
        fillers.registered()
    )
    assert fillers.registered() == sorted(fillers.registered())
    with pytest.raises(fillers.FillerError, match="Unknown filler name: Xavier"):
        filler('type: "Xavier"')
    assert fillers.GetFiller is fillers.get_filler


def test_user_fillers_register_and_replace_only_when_asked():
    @fillers.register("test_arange")
    class Arange(fillers.Filler):
        def generate(self, data, shape, draws):
            data[:] = np.arange(len(data))

    try:
        np.testing.assert_array_equal(filler('type: "test_arange"').fill((2, 2)), [[0, 1], [2, 3]])
        with pytest.raises(fillers.FillerError, match="already registered"):
            fillers.register("test_arange")(Arange)
        fillers.register("test_arange", replace=True)(Arange)
        with pytest.raises(fillers.FillerError, match="Sparsity not supported"):
            filler('type: "test_arange" sparse: 1').fill((2, 2))
    finally:
        from fillers.fill.registry import unregister

        unregister("test_arange")
    assert "test_arange" not in fillers.registered()


def test_get_filler_accepts_a_dict():
    w = fillers.get_filler({"type": "constant", "value": 3}).fill((2,))
    assert (w == 3).all()


def test_positive_unitball_sums_long_rows_left_to_right_across_chunks(monkeypatch):
    from fillers.random import rowsums

    monkeypatch.setattr(rowsums, "ROW_CHUNK", 7)
    rows = np.random.default_rng(0).random((5, 50)).astype(np.float32)
    expected = []
    for row in rows:
        total = np.float32(0)
        for value in row:
            total = np.float32(total + value)
        expected.append(total)
    np.testing.assert_array_equal(rowsums.sequential_row_sums(rows), expected)
