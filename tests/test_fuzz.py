"""Hypothesis fuzzing of the input paths: every outcome is a correct result or a FillerError,
and a FillerError leaves the stream and the output array as they were."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fillers
from fillers.spec.parameter import FillerParameter

_FIELDS = list(FillerParameter.DESCRIPTOR.fields_by_name)
_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))

# Text with lone surrogates and NULs; numbers beyond every range.
_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=20)
_numbers = st.one_of(
    st.integers(-(2**80), 2**80),
    st.integers(-(10**400), 10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.fractions(),
    st.just(Fraction(10**400)),
    st.booleans(),
    st.sampled_from([np.float32(1.5), np.int64(-3), np.float64("nan"), np.uint64(2**63)]),
)
_scalars = st.one_of(st.none(), _numbers, _text, st.binary(max_size=8))
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=8,
)
_keys = st.one_of(st.sampled_from(_FIELDS), _text, _numbers, st.none())


def _is_valid(param: FillerParameter) -> bool:
    return isinstance(param, FillerParameter) and param.IsInitialized()


@_SETTINGS
@given(st.dictionaries(_keys, _values | st.sampled_from(["FAN_IN", "AVERAGE", "xavier", 0, 2]), max_size=4))
def test_from_dict_gives_a_spec_or_a_filler_error(spec):
    try:
        param = fillers.from_dict(spec)
    except fillers.FillerError:
        return
    assert _is_valid(param)
    assert fillers.from_dict(fillers.to_dict(param)).SerializeToString() == param.SerializeToString()


_tokens = st.sampled_from(
    [
        *_FIELDS,
        ":",
        "{",
        "}",
        "<",
        ">",
        '"',
        "'",
        "#",
        "\n",
        " ",
        "1e40",
        "-",
        "nan",
        "inf",
        "FAN_OUT",
        "0x7fffffff",
        "1" * 5000,
        "\\",
        "\x00",
        "\ud800",
        "layer",
        "[",
        "]",
        ",",
    ]
)
_text_specs = st.one_of(_text, st.lists(_tokens, max_size=30).map(" ".join))


@_SETTINGS
@given(_text_specs)
def test_parse_gives_a_spec_or_a_filler_error(text):
    try:
        param = fillers.parse(text)
    except fillers.FillerError as error:
        assert len(str(error)) < 1000
        return
    assert _is_valid(param)


_SUFFIXES = [".prototxt", ".pbtxt", ".txt", ".yaml", ".yml", ".json", ".pb", "", ".npy"]


@_SETTINGS
@given(
    content=st.one_of(
        st.binary(max_size=200),
        _text_specs.map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.sampled_from(
            [b"type: [", b'{"type": "xavier", "type": 1}', b"? [a]\n: 1\n", b"\n\x02\xff\xfe", b"a: &a [*a]"]
        ),
    ),
    suffix=st.sampled_from(_SUFFIXES),
)
def test_load_gives_specs_or_a_filler_error(tmp_path_factory, content, suffix):
    path = tmp_path_factory.mktemp("fuzz") / f"spec{suffix}"
    path.write_bytes(content)
    for read in (fillers.load, fillers.load_all):
        try:
            result = read(path)
        except fillers.FillerError:
            continue
        specs = result.values() if isinstance(result, dict) else [result]
        assert all(_is_valid(param) for param in specs)


_dims = st.one_of(st.integers(0, 24), st.integers(-3, -1), st.sampled_from([2**31, 2**40, 0]))
_shapes = st.lists(_dims, max_size=4).filter(
    lambda s: math.prod(s) <= 1 << 15 or any(d <= 0 or d >= 2**31 for d in s)
)
_fill_specs = st.fixed_dictionaries(
    {
        "type": st.sampled_from(
            ["constant", "gaussian", "uniform", "xavier", "msra", "bilinear", "positive_unitball", "x"]
        )
    },
    optional={
        name: st.one_of(st.floats(width=32), st.sampled_from([0.0, -1.0, 3e38, -3e38, 1e-45]))
        for name in ("value", "min", "max", "mean", "std")
    }
    | {"sparse": st.integers(-3, 30), "variance_norm": st.sampled_from(["FAN_IN", "FAN_OUT", "AVERAGE"])},
)
_dtypes = st.sampled_from([np.float32, np.float64, np.float16, np.int32, "float32", None, "nope"])


@st.composite
def _targets(draw):
    shape = draw(_shapes)
    if not draw(st.booleans()) or math.prod(shape) < 0 or any(d < 0 or d >= 2**31 for d in shape):
        return draw(st.sampled_from([tuple, list]))(shape)
    dtype = draw(st.sampled_from([np.float32, np.float64, np.int64, np.float16]))
    out = np.full(shape, 7, dtype=dtype)
    kind = draw(st.sampled_from(["plain", "matrix", "readonly", "strided"]))
    if kind == "matrix" and out.ndim == 2:
        out = np.asmatrix(out)
    elif kind == "readonly":
        out.flags.writeable = False
    elif kind == "strided" and out.ndim >= 1 and out.shape[-1] > 1:
        out = out[..., ::2]
    return out


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
@_SETTINGS
@given(spec=_fill_specs, target=_targets(), dtype=_dtypes, kind=st.sampled_from(["caffe", "numpy"]))
def test_fill_gives_the_right_array_or_a_filler_error_that_changes_nothing(spec, target, dtype, kind):
    rng = fillers.CaffeRNG(5) if kind == "caffe" else np.random.default_rng(5)
    holder = rng if kind == "caffe" else rng.bit_generator
    before = holder.state
    saved = np.array(target, copy=True) if isinstance(target, np.ndarray) else None
    try:
        filler = fillers.get_filler(spec)
        result = filler.fill(target, dtype=dtype, rng=rng)
    except fillers.FillerError:
        after = holder.state
        assert repr(after) == repr(before)
        if saved is not None:
            np.testing.assert_array_equal(np.asarray(target), saved)
        return
    if isinstance(target, np.ndarray):
        assert result is target
    else:
        assert result.shape == tuple(target)
        assert result.dtype == np.dtype(np.float32 if dtype is None else dtype)
