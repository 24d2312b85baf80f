"""Counter mode in the compiled core (fillers/_core/counter.c) gives the numpy path's bits:
Philox4x32-10's words, the uniform, the Box-Muller normal and the mask, from any position, on
any number of threads and with any instruction set."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import fillers
from fillers.random import compiled as core
from fillers.random import compiled_counter as core_counter
from fillers.random.draws import CounterDraws

pytestmark = pytest.mark.skipif(
    not core.available(), reason=f"the compiled core is not in use: {core.why_numpy()}"
)
STARTS = [0, 1, 7, 8, 1021, 2**40 + 3]
COUNT = 3000


def numpy_path(monkeypatch):
    """From here on, CounterDraws runs its numpy code."""
    monkeypatch.setattr(core, "_library", None)
    monkeypatch.setattr(core, "_loaded", True)


@pytest.mark.parametrize("start", STARTS)
def test_core_words_are_the_numpy_words(start):
    rng = fillers.CounterRNG(2**64 - 1, key="conv1/0")
    assert (core_counter.words(rng.key_words, start, COUNT) == rng.words(start, COUNT)).all()


@pytest.mark.parametrize("start", STARTS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float", "double"])
@pytest.mark.parametrize(
    "draw",
    [
        ("uniform", -1.5, 2.25),
        ("uniform", -3e38, 3e38),  # a span wider than the largest float32 is halved, then doubled
        ("gaussian", 0.5, 3.0),
        ("bernoulli", 0.3),
        ("bernoulli", 1.0),
    ],
    ids=str,
)
def test_core_draws_equal_the_numpy_draws(start, dtype, draw, monkeypatch):
    rng = fillers.CounterRNG(11, key="w")
    name, *arguments = draw
    if name == "uniform" and dtype == np.float64:
        arguments = [a * 5e269 if abs(a) > 1e38 else a for a in arguments]

    def drawn() -> np.ndarray:
        out = np.empty(COUNT, dtype=bool if name == "bernoulli" else dtype)
        getattr(CounterDraws(rng, start), name)(out, *arguments, *([dtype] if name == "bernoulli" else []))
        return out

    from_core = drawn()
    numpy_path(monkeypatch)
    assert from_core.tobytes() == drawn().tobytes()


@pytest.mark.parametrize("spec", ['type: "msra"', 'type: "gaussian" sparse: 3', 'type: "positive_unitball"'])
def test_fill_and_fill_region_agree_across_backends(spec, monkeypatch):
    filler = fillers.get_filler(fillers.parse(spec))
    rng = fillers.CounterRNG(3, key="layer/0")
    shape, region = (6, 5, 33), (slice(1, 4), slice(2, 5), slice(7, 30))
    whole, block = filler.fill(shape, rng=rng), filler.fill_region(shape, region, rng)
    numpy_path(monkeypatch)
    assert whole.tobytes() == filler.fill(shape, rng=rng).tobytes()
    assert block.tobytes() == filler.fill_region(shape, region, rng).tobytes() == whole[region].tobytes()


@pytest.mark.skipif(shutil.which("cc") is None or sys.platform == "win32", reason="needs a Unix C compiler")
@pytest.mark.parametrize(
    "variant", [["-march=native"], ["-DFC_NO_TARGET_CLONES"]], ids=["native", "sse2-only"]
)
def test_builds_for_other_instruction_sets_give_the_same_bits(variant, tmp_path, monkeypatch):
    # -march=native lets the compiler use every vector unit and FMA this CPU has; the SSE2-only
    # build has no AVX2 variant to pick at load time. With contraction off (the build's flag)
    # the counter draws must not change by a bit.
    sources = [str(Path(core.__file__).parent.parent / "_core" / name) for name in ("core.c", "counter.c")]
    path = tmp_path / "variant.so"
    flags = ["-O3", *variant, "-std=c99", "-ffp-contract=off", "-fno-math-errno", "-fPIC", "-shared"]
    subprocess.run(["cc", *flags, "-o", str(path), *sources, "-lm"], check=True)
    library = core.open_library(path)
    rng = fillers.CounterRNG(8, key="w")
    filler = fillers.get_filler({"type": "gaussian", "mean": 1, "std": 2})
    dtypes = (np.float32, np.float64)
    expected = {dtype: filler.fill((5, 999), dtype=dtype, rng=rng).tobytes() for dtype in dtypes}
    monkeypatch.setattr(core, "_library", library)
    monkeypatch.setattr(core_counter, "_constants_set", False)
    for dtype, bits in expected.items():
        assert filler.fill((5, 999), dtype=dtype, rng=rng).tobytes() == bits


@pytest.mark.parametrize("start", [0, 5, 2**33 + 1])
@pytest.mark.parametrize("kind", ["words", "uniform", "gaussian", "bernoulli"])
def test_any_thread_count_gives_the_same_bits(kind, start):
    rng = fillers.CounterRNG(12, key="w")
    n = (1 << 20) + 4 * 259 + 3  # several batches per thread and ragged ends

    def drawn(threads: int) -> bytes:
        if kind == "words":
            return core_counter.words(rng.key_words, start, n, threads).tobytes()
        out = np.empty(n, dtype=bool if kind == "bernoulli" else np.float32)
        if kind == "uniform":
            core_counter.uniform(rng.key_words, start, out, -1.0, 2.0, False, threads)
        elif kind == "gaussian":
            core_counter.normal(rng.key_words, start, out, 0.5, 3.0, threads)
        else:
            core_counter.bernoulli(rng.key_words, start, out, 0.3, np.float32, threads)
        return out.tobytes()

    one = drawn(1)
    for threads in (2, 3, 7):
        assert drawn(threads) == one, threads


def test_set_num_threads_and_the_environment(monkeypatch):
    from fillers.random import threads

    monkeypatch.setattr(threads, "_set", None)
    monkeypatch.setenv("FILLERS_NUM_THREADS", "3")
    assert threads.num_threads() == 3
    monkeypatch.delenv("FILLERS_NUM_THREADS")
    assert threads.num_threads() == len(os.sched_getaffinity(0))
    fillers.set_num_threads(2)
    assert threads.num_threads() == 2
    filler = fillers.get_filler({"type": "gaussian"})
    rng = fillers.CounterRNG(1, key="w")
    two = filler.fill(((1 << 20) + 1,), rng=rng)
    fillers.set_num_threads(1)
    assert two.tobytes() == filler.fill(((1 << 20) + 1,), rng=rng).tobytes()


@pytest.mark.parametrize("bad", [0, -1, 257, 1.5, "2", True, None])
def test_a_bad_thread_count_is_a_filler_error(bad, monkeypatch):

    with pytest.raises(fillers.FillerError, match=r"set_num_threads: .* is not a thread count"):
        fillers.set_num_threads(bad)


@pytest.mark.parametrize("bad", ["0", "-1", "257", "1.5", "two"])
def test_a_bad_thread_environment_is_a_filler_error(bad, monkeypatch):
    from fillers.random import threads

    monkeypatch.setattr(threads, "_set", None)
    monkeypatch.setenv("FILLERS_NUM_THREADS", bad)
    with pytest.raises(fillers.FillerError, match=r"FILLERS_NUM_THREADS: .* is not a thread count"):
        fillers.get_filler({"type": "uniform"}).fill((1 << 20,), rng=fillers.CounterRNG(1))
    # raised before anything is drawn, even where a sparse fill's mask would ask later
    out = np.full((4, 5), 7.0, dtype=np.float32)
    with pytest.raises(fillers.FillerError, match="FILLERS_NUM_THREADS"):
        fillers.get_filler({"type": "gaussian", "sparse": 2}).fill(out, rng=fillers.CounterRNG(1))
    assert (out == 7).all()
