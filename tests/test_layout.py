"""Layouts: a fill in any layout is Caffe's blob, same bits, transposed into that layout."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fillers
from fillers.fill.layout import caffe_layout, caffe_shape, channels_last, layout_axes

SPECS = [
    {"type": "xavier"},
    {"type": "msra", "variance_norm": "FAN_OUT"},
    {"type": "gaussian", "std": 0.5, "sparse": 2},
    {"type": "positive_unitball"},
    {"type": "uniform", "min": -2, "max": 3},
]
LAYOUTS_4D = ["".join(p) for p in itertools.permutations("OIHW")]


def _back_to_caffe(array: np.ndarray, layout: str) -> np.ndarray:
    return array.transpose(np.argsort(layout_axes(layout, array.ndim)))


@pytest.mark.parametrize("layout", LAYOUTS_4D)
@settings(max_examples=12, deadline=None)
@given(
    spec=st.sampled_from(SPECS),
    blob=st.tuples(*[st.integers(1, 5)] * 4),
    seed=st.integers(0, 2**32 - 1),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_every_4d_layout_is_the_caffe_fill_transposed(spec, layout, blob, seed, dtype):
    if spec.get("sparse", -1) > blob[0]:
        spec = {**spec, "sparse": blob[0]}
    shape = tuple(blob[axis] for axis in layout_axes(layout, 4))
    filler = fillers.get_filler(spec)
    want = filler.fill(blob, dtype, fillers.CaffeRNG(seed))
    got = filler.fill(shape, dtype, fillers.CaffeRNG(seed), layout=layout)
    assert got.shape == shape and got.flags.c_contiguous
    np.testing.assert_array_equal(_back_to_caffe(got, layout), want)
    out = np.full(shape, np.nan, dtype=dtype)
    assert filler.fill(out, rng=fillers.CaffeRNG(seed), layout=layout) is out
    np.testing.assert_array_equal(_back_to_caffe(out, layout), want)


def test_fans_come_from_caffes_axes():
    # A Flax Dense kernel (in=512, out=10) filled as Caffe's (10, 512) InnerProduct weight.
    kernel = fillers.get_filler({"type": "msra"}).fill((512, 10), rng=fillers.CaffeRNG(1), layout="IO")
    assert abs(kernel.std() - np.sqrt(2 / 512)) < 0.003


def test_bilinear_in_hwio_is_the_deconvolution_kernel_transposed():
    filler = fillers.get_filler({"type": "bilinear"})
    np.testing.assert_array_equal(
        filler.fill((4, 4, 3, 2), layout="HWIO").transpose(3, 2, 0, 1), filler.fill((2, 3, 4, 4))
    )


@pytest.mark.parametrize(
    ("layout", "shape", "blob"),
    [
        ("HWIO", (3, 5, 2, 8), (8, 2, 3, 5)),
        ("IO", (4, 7), (7, 4)),
        ("DHWIO", (1, 2, 3, 4, 5), (5, 4, 1, 2, 3)),
        ("O", (6,), (6,)),
        ("OIWH", (1, 2, 3, 4), (1, 2, 4, 3)),
        ("IOXY", (1, 2, 3, 4), (2, 1, 3, 4)),
    ],
)
def test_caffe_shape(layout, shape, blob):
    assert caffe_shape(shape, layout) == blob


def test_conventions_by_rank():
    assert [channels_last(n) for n in range(1, 6)] == ["O", "IO", "WIO", "HWIO", "DHWIO"]
    assert [caffe_layout(n) for n in range(1, 6)] == ["O", "OI", "OIW", "OIHW", "OIDHW"]


@pytest.mark.parametrize(
    ("layout", "message"),
    [
        ("OIH", "has 3 axes, but the array has 4"),
        ("HWIOX", "has 5 axes"),
        ("HWII", "names an axis twice"),
        ("hwio", "upper-case"),
        ("HWIX", "no 'O'"),
        ("HWXO", "no 'I'"),
        (4, "not a string"),
    ],
)
def test_a_layout_that_does_not_fit_is_an_error_before_the_stream_moves(layout, message):
    rng = fillers.CaffeRNG(5)
    out = np.zeros((3, 3, 2, 4), np.float32)
    with pytest.raises(fillers.FillerError, match=message):
        fillers.get_filler({"type": "xavier"}).fill(out, rng=rng, layout=layout)
    assert not out.any()
    assert rng.random_raw(1)[0] == fillers.CaffeRNG(5).random_raw(1)[0]


def test_a_failed_check_in_a_layout_leaves_the_output_alone():
    out = np.zeros((3, 3, 2, 4), np.float32)
    with pytest.raises(fillers.FillerError, match="Filter must be square"):
        fillers.get_filler({"type": "bilinear"}).fill(out, layout="HIOW")
    assert not out.any()
