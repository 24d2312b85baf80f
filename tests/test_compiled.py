"""The compiled core against the numpy path and Boost's scalar reference, draw for draw.

The golden tests tie both backends to real Caffe (CI runs them once per backend); here the
core is compared with the numpy code in one process, on real streams and on scripted ones
that hit the rare paths. A scripted stream is a real MT19937 state: tempering is invertible,
so a state whose next 624 outputs are any words we like is easy to build, and the stream
after them continues as a normal mt19937 (through a twist, which the core also does).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import fillers
from fillers.errors import FillerError
from fillers.random import boost, boost_reference
from fillers.random import compiled as core
from fillers.random.real import real_for
from fillers.random.rowsums import sequential_row_sums as _sequential_row_sums
from fillers.stream.caffe import CaffeRNG

needs_core = pytest.mark.skipif(
    not core.available(), reason=f"the compiled core is not in use: {core.why_numpy()}"
)
CORE_SOURCE = Path(core.__file__).parent.parent / "_core" / "core.c"
CORE_SOURCES = [CORE_SOURCE, CORE_SOURCE.with_name("counter.c")]
GOLDEN = Path(__file__).parent / "data" / "golden" / "fills.jsonl"


def test_backend_is_the_expected_one():
    # CI sets FILLERS_EXPECT_BACKEND: "core" where it builds the core, "numpy" where it forces
    # the fallback, so that a core that silently failed to build or load cannot pass as one.
    expected = os.environ.get("FILLERS_EXPECT_BACKEND")
    if expected is None:
        forced = os.environ.get(core.ENV_VAR, "").strip().lower() == "numpy"
        built = core._LIBRARY_PATH.exists()
        expected = "core" if built and not forced else "numpy"
    assert fillers.backend() == expected, core.why_numpy()


def _untemper(words: np.ndarray) -> np.ndarray:
    """The state words whose tempered mt19937 outputs are `words`."""
    y = words.astype(np.uint32)
    y ^= y >> np.uint32(18)
    y ^= (y << np.uint32(15)) & np.uint32(0xEFC60000)
    result = y.copy()
    for _ in range(5):
        result = y ^ ((result << np.uint32(7)) & np.uint32(0x9D2C5680))
    y = result
    result = y.copy()
    for _ in range(3):
        result = y ^ (result >> np.uint32(11))
    return result


def scripted(words: np.ndarray) -> CaffeRNG:
    """A CaffeRNG whose next outputs are `words` (at most 624), then a regular mt19937."""
    rng = CaffeRNG(0)
    key = rng.bit_generator.state["state"]["key"]
    key[624 - len(words) :] = _untemper(words)
    rng.bit_generator.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": 624 - len(words)}}
    return rng


def test_scripted_stream_gives_the_scripted_words():
    words = np.random.default_rng(1).integers(0, 1 << 32, size=624, dtype=np.uint32)
    np.testing.assert_array_equal(scripted(words).random_raw(624), words)
    np.testing.assert_array_equal(scripted(words[:100]).random_raw(100), words[:100])


def _rare_words(seed: int) -> np.ndarray:
    """624 raw outputs where about a third of attempts leave the ziggurat's fast path."""
    rng = np.random.default_rng(seed)
    raw = rng.integers(0, 1 << 32, size=624, dtype=np.uint32)
    kind = rng.integers(0, 10, size=624)
    high = rng.integers(0xFFF000, 1 << 24, size=624, dtype=np.uint32) << np.uint32(8)
    low_bit = rng.integers(0, 2, size=624, dtype=np.uint32)
    raw[kind == 0] = (high | low_bit)[kind == 0]  # the tail; exponential restarts
    raw[kind == 1] = rng.integers(0xFFFFFF80, 1 << 32, size=624, dtype=np.uint32)[kind == 1]  # y01 = 1
    raw[kind == 2] = (high | rng.integers(2, 256, size=624, dtype=np.uint32))[kind == 2]  # wedges
    return raw


def _same_bits(actual: np.ndarray, expected: np.ndarray) -> None:
    np.testing.assert_array_equal(actual.view(np.uint8), expected.view(np.uint8))


@needs_core
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_core_normal_matches_boost_reference_on_rare_paths(dtype):
    rejected = 0
    for seed in range(40):
        count = 150
        out = np.empty(count, dtype=dtype)
        rng = scripted(_rare_words(seed))
        core.normal(rng, out, 0.0, 1.0)
        raw = scripted(_rare_words(seed)).random_raw(4000)
        expected, used = boost_reference.reference_normal(raw, count, dtype)
        _same_bits(out, expected)
        assert rng.random_raw(1)[0] == raw[used]
        rejected += used - count * real_for(dtype).raws_per_pair
    assert rejected > 40 * 150 * 0.2  # the rare paths were really taken


@needs_core
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("mean", "sigma"), [(0.0, 1.0), (0.5, 0.01), (-3.0, 1e-30)])
def test_core_normal_matches_numpy_path(dtype, mean, sigma):
    for seed, count in ((1, 200_001), (4294967295, 1000), (20260101, 3)):
        ours, theirs = CaffeRNG(seed), CaffeRNG(seed)
        a, b = np.empty(count, dtype=dtype), np.empty(count, dtype=dtype)
        core.normal(ours, a, mean, sigma)
        boost.normal(theirs, b, mean, sigma)
        _same_bits(a, b)
        np.testing.assert_array_equal(ours.random_raw(5), theirs.random_raw(5))


@needs_core
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "bounds", [(-1.0, 1.0), (1.0, 1.0), (0.0, 1e-40), (-3.0, -2.999999), (-3e38, 3e38), (-1e308, 1.7e308)]
)
def test_core_uniform_matches_numpy_path_with_redraws_and_halving(dtype, bounds):
    rt = np.dtype(dtype).type
    with np.errstate(over="ignore"):
        low, high = rt(bounds[0]), np.nextafter(rt(bounds[1]), np.finfo(dtype).max)
    if not (np.isfinite(low) and np.isfinite(high)):
        return  # (a double range in float: not a fill anyone can ask for)
    ours, theirs = CaffeRNG(7), CaffeRNG(7)
    a, b = np.empty(5_000, dtype=dtype), np.empty(5_000, dtype=dtype)
    core.uniform_real(ours, a, low, high)
    boost.uniform_real(theirs, b, low, high)
    _same_bits(a, b)
    np.testing.assert_array_equal(ours.random_raw(5), theirs.random_raw(5))


@needs_core
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("p", [0.0, 1e-9, 0.25, 0.5, 1.0])
def test_core_bernoulli_and_mask_match_numpy_path(dtype, p):
    ours, theirs = CaffeRNG(5), CaffeRNG(5)
    a, b = np.empty(10_000, dtype=bool), np.empty(10_000, dtype=bool)
    core.bernoulli(ours, a, p, dtype)
    boost.bernoulli(theirs, b, p, dtype)
    np.testing.assert_array_equal(a, b)
    data = np.random.default_rng(0).standard_normal(10_000).astype(dtype)
    boost.bernoulli(theirs, b, p, dtype)
    expected = data * b
    core.bernoulli_mask(ours, data, p)
    _same_bits(data, expected)  # a dropped negative is -0.0, as in Caffe
    np.testing.assert_array_equal(ours.random_raw(5), theirs.random_raw(5))


@needs_core
def test_core_and_numpy_share_one_stream():
    ours, theirs = CaffeRNG(99), CaffeRNG(99)
    for count in (1, 623, 624, 625, 5000):
        np.testing.assert_array_equal(core.random_raw(ours, count), theirs.random_raw(count))
        out = np.empty(count, dtype=np.float64)
        expected = np.empty(count, dtype=np.float64)
        core.normal(ours, out, 0.0, 1.0)
        boost.normal(theirs, expected, 0.0, 1.0)
        _same_bits(out, expected)
        np.testing.assert_array_equal(ours.random_raw(count % 7), theirs.random_raw(count % 7))


@needs_core
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(3, 5), (1, 200_000), (70_000, 3), (2, 1)])
def test_core_row_normalization_sums_left_to_right(dtype, shape):
    rows = np.random.default_rng(2).random(shape).astype(dtype)
    expected = rows / _sequential_row_sums(rows)[:, None]
    core.normalize_rows(rows)
    _same_bits(rows, expected)


@needs_core
def test_unknown_normal_era_is_refused_before_drawing():
    rng, fresh = CaffeRNG(3), CaffeRNG(3)
    with pytest.raises(FillerError, match="era"):
        core.normal(rng, np.empty(10, dtype=np.float32), 0.0, 1.0, era=99)
    assert rng.random_raw(1)[0] == fresh.random_raw(1)[0]


def _backend_in_subprocess(value: str) -> subprocess.CompletedProcess:
    env = {**os.environ, core.ENV_VAR: value}
    code = "import fillers; print(fillers.backend())"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)


def test_fillers_backend_numpy_forces_the_fallback():
    result = _backend_in_subprocess("numpy")
    assert result.returncode == 0 and result.stdout.strip() == "numpy"


def test_fillers_backend_with_an_unknown_value_is_a_filler_error():
    result = _backend_in_subprocess("fortran")
    assert result.returncode != 0 and "FillerError: FILLERS_BACKEND: 'fortran'" in result.stderr


def _golden_big_cases() -> list[dict]:
    import json

    cases = [json.loads(line) for line in GOLDEN.read_text().splitlines()]
    return [c for c in cases if c["case"]["id"].startswith("s-big")]


def _fill_with(library, case: dict, monkeypatch) -> tuple[str, int]:
    import hashlib

    monkeypatch.setattr(core, "_library", library)
    monkeypatch.setattr(core, "_loaded", True)
    rng = CaffeRNG(case["seed"])
    (fill,) = case["fills"]
    dtype = {"float": np.float32, "double": np.float64}[case["dtype"]]
    out = fillers.get_filler(fillers.parse(fill["param"])).fill(tuple(fill["shape"]), dtype=dtype, rng=rng)
    return hashlib.sha256(out.tobytes()).hexdigest(), int(rng.random_raw(1)[0])


def _has_fma() -> bool:
    try:
        return " fma " in Path("/proc/cpuinfo").read_text().replace("\n", " ")
    except OSError:
        return False


@pytest.mark.skipif(shutil.which("cc") is None or sys.platform == "win32", reason="needs a Unix C compiler")
def test_a_build_for_this_cpu_gives_caffes_bits_only_with_contraction_off(tmp_path, monkeypatch):
    # -march=native enables FMA where the CPU has it; -ffp-contract=off must keep every
    # `a * b + c` rounded twice, as Caffe's build did. With contraction allowed, the uniform
    # fills (xavier: u / 2^32 * (max - min) + min) go wrong, which shows the flag matters.
    # The plain SSE2 build (no AVX2 variant picked at load time) must agree too.
    variants = {
        "native": ["-march=native", "-ffp-contract=off"],
        "sse2": ["-DFC_NO_TARGET_CLONES", "-ffp-contract=off"],
        "contracted": ["-march=native", "-ffp-contract=fast"],
    }
    builds = {}
    for name, extra in variants.items():
        path = tmp_path / f"core-{name}.so"
        flags = ["-O3", "-std=c99", *extra, "-fPIC", "-shared"]
        subprocess.run(["cc", *flags, "-o", str(path), *map(str, CORE_SOURCES), "-lm"], check=True)
        builds[name] = core.open_library(path)
    big = _golden_big_cases()
    assert len(big) == 6
    for golden in big:
        expected = golden["result"]["results"][0]["sha256"], golden["result"]["next_raw"]
        for name in ("native", "sse2"):
            assert _fill_with(builds[name], golden["case"], monkeypatch) == expected, (
                name,
                golden["case"]["id"],
            )
    if _has_fma():
        xavier = next(g for g in _golden_big_cases() if "xavier" in g["case"]["fills"][0]["param"])
        wrong = _fill_with(builds["contracted"], xavier["case"], monkeypatch)
        assert wrong[0] != xavier["result"]["results"][0]["sha256"]


@needs_core
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_core_mask_from_generator_uniforms_matches_numpy(dtype):
    generator = np.random.default_rng(4)
    data = generator.standard_normal(10_001).astype(dtype)
    uniforms = generator.random(10_001).astype(dtype)
    expected = data * (uniforms < dtype(0.3))
    core.mask_below(data, uniforms, 0.3)
    _same_bits(data, expected)


def test_a_missing_core_falls_back_to_numpy_with_one_warning(monkeypatch, tmp_path):
    monkeypatch.setattr(core, "_LIBRARY_PATH", tmp_path / "missing.so")
    monkeypatch.setattr(core, "_loaded", False)
    monkeypatch.setattr(core, "_library", None)
    monkeypatch.delenv(core.ENV_VAR, raising=False)
    with pytest.warns(RuntimeWarning, match="numpy backend: same bits"):
        assert fillers.backend() == "numpy"
    assert "missing.so was not built" in core.why_numpy()
    out = fillers.get_filler(fillers.parse('type: "gaussian"')).fill((1000,), rng=CaffeRNG(8))
    expected = np.empty(1000, dtype=np.float32)
    boost.normal(CaffeRNG(8), expected, 0.0, 1.0)
    _same_bits(out, expected)


def test_fillers_backend_core_without_the_core_is_a_filler_error(monkeypatch, tmp_path):
    monkeypatch.setattr(core, "_LIBRARY_PATH", tmp_path / "missing.so")
    monkeypatch.setattr(core, "_loaded", False)
    monkeypatch.setattr(core, "_library", None)
    monkeypatch.setenv(core.ENV_VAR, "core")
    with pytest.raises(FillerError, match="FILLERS_BACKEND=core: the compiled core cannot load"):
        fillers.backend()


@needs_core
def test_fills_on_separate_streams_in_threads_match_sequential_fills():
    # The core keeps no state of its own between calls (the tables are read-only after
    # loading) and releases the GIL: fills in parallel threads give the sequential bits.
    from concurrent.futures import ThreadPoolExecutor

    spec = fillers.parse('type: "gaussian" std: 0.01 sparse: 30')

    def fill(seed: int) -> np.ndarray:
        return fillers.get_filler(spec).fill((64, 4096), dtype=np.float64, rng=CaffeRNG(seed))

    expected = [fill(seed) for seed in range(8)]
    with ThreadPoolExecutor(4) as pool:
        for got, want in zip(pool.map(fill, range(8)), expected, strict=True):
            _same_bits(got, want)
