"""Speed and memory of every filler, next to the bare numpy calls that bound it (issue #5).

    python bench/run.py [--repeat N] [--quick] [--filter TEXT] [--no-big]

Each fill is timed on 4096x4096 blobs (bilinear on 512x1x64x64), float32 and float64, with
Caffe's stream (CaffeRNG) and with a numpy Generator, against baselines timed in the same
run: MT19937.random_raw(n), one raw output per element, for Caffe-exact fills (the targets of
issue 13 depend on the backend, `fillers.backend()`: with the compiled core, the exact rows
are measured again in a child process on the numpy fallback), the Generator call of the same
distribution, np.full for constant and a vectorized formula for bilinear. Peak memory above
the output array is measured in a fresh process with tracemalloc (numpy reports its buffers to it), and a
2^28-element float32 fill(out) must stay within 1.1 GiB of peak RSS. The output is a
markdown table for the README.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context

import numpy as np

import fillers

SEED = 1701
MIB = 1 << 20
MEMORY_TARGET = 64 * MIB
RSS_TARGET = int(1.1 * (1 << 30))
# (square blob, bilinear blob) per size; "big" is the 2^28-element RSS check.
SIZES = {
    "full": ((4096, 4096), (512, 1, 64, 64)),
    "quick": ((1024, 1024), (32, 1, 64, 64)),
    "big": ((16384, 16384), (65536, 1, 64, 64)),
}
# Issue 13's targets for Caffe-exact fills, as ratios to MT19937.random_raw(n) (one raw output
# per element, whatever the fill consumes) timed in the same run, for (float32, float64) and
# the backend in use (`fillers.backend()`); a fill without an entry has no target there.
EXACT_TARGETS = {
    "core": {
        "uniform": (0.5, 0.5),
        "xavier": (0.5, 0.5),
        "gaussian": (1.2, 1.5),
        "msra": (1.2, 1.5),
        "positive_unitball": (1.0, 1.0),
        "sparse gaussian": (2.2, 2.6),
    },
    "numpy": {"uniform": (1.0, 1.0), "xavier": (1.0, 1.0), "gaussian": (2.5, 4.0), "msra": (2.5, 4.0)},
}
STRETCH_TARGETS = {"core": {"uniform": 0.25, "xavier": 0.25}}
# Generator-mode fills against the one numpy call they build on.
GENERATOR_TARGETS = {"positive_unitball": 1.5, "sparse gaussian": 1.5}
GENERATOR_TARGET = 1.1
NO_RNG_TARGET = 1.2


@dataclass(frozen=True)
class RandomFill:
    label: str
    spec: str
    generator_call: str


RANDOM_FILLS = (
    RandomFill("uniform", 'type: "uniform" min: -0.05 max: 0.05', "random"),
    RandomFill("xavier", 'type: "xavier"', "random"),
    RandomFill("gaussian", 'type: "gaussian" std: 0.01', "standard_normal"),
    RandomFill("msra", 'type: "msra"', "standard_normal"),
    RandomFill("positive_unitball", 'type: "positive_unitball"', "random"),
    RandomFill("sparse gaussian", 'type: "gaussian" std: 0.01 sparse: 1000', "standard_normal"),
)


@dataclass(frozen=True)
class Case:
    """One fill to measure and the bare numpy call it is measured against."""

    label: str
    spec: str
    shape: tuple[int, ...]
    dtype: type
    rng: str  # "caffe", "generator" or "none" (constant and bilinear draw nothing)
    baseline: str
    target: float | None
    stretch: float | None = None

    @property
    def name(self) -> str:
        return f"{self.label} {np.dtype(self.dtype).name} {self.rng}"

    @property
    def count(self) -> int:
        return math.prod(self.shape)


def cases(square: tuple[int, ...], bilinear: tuple[int, ...], backend: str) -> list[Case]:
    """Every row of the table, in order, for the given blob shapes and Caffe-exact backend."""
    rows = []
    for dtype in (np.float32, np.float64):
        rows.append(
            Case("constant", 'type: "constant" value: 0.5', square, dtype, "none", "np.full", NO_RNG_TARGET)
        )
        for fill in RANDOM_FILLS:
            targets = EXACT_TARGETS[backend].get(fill.label)
            exact_target = targets[dtype is np.float64] if targets else None
            stretch = STRETCH_TARGETS.get(backend, {}).get(fill.label)
            rows.append(
                Case(fill.label, fill.spec, square, dtype, "caffe", "random_raw(n)", exact_target, stretch)
            )
            generator_target = GENERATOR_TARGETS.get(fill.label, GENERATOR_TARGET)
            rows.append(
                Case(fill.label, fill.spec, square, dtype, "generator", fill.generator_call, generator_target)
            )
        rows.append(Case("bilinear", 'type: "bilinear"', bilinear, dtype, "none", "formula", NO_RNG_TARGET))
    return rows


def filler_and_stream(case: Case) -> tuple[fillers.Filler, fillers.CaffeRNG | np.random.Generator | None]:
    """The filler of `case` and a fresh stream of its kind ("none": the global one, unused)."""
    filler = fillers.get_filler(fillers.parse(case.spec))
    if case.rng == "caffe":
        return filler, fillers.CaffeRNG(SEED)
    if case.rng == "generator":
        return filler, np.random.Generator(np.random.MT19937(SEED))
    return filler, None


def fill_call(case: Case) -> Callable[[], np.ndarray]:
    """A call that fills a new blob of `case`, with its filler and stream built beforehand."""
    filler, rng = filler_and_stream(case)
    return lambda: filler.fill(case.shape, dtype=case.dtype, rng=rng)


def baseline_call(case: Case) -> Callable[[], object]:
    """The bare numpy call that bounds a fill of `case`."""
    if case.baseline.startswith("random_raw"):
        bit_generator = np.random.MT19937(SEED)

        return lambda: bit_generator.random_raw(case.count)
    generator = np.random.Generator(np.random.MT19937(SEED))
    calls = {
        "random": lambda: generator.random(case.count, dtype=case.dtype),
        "standard_normal": lambda: generator.standard_normal(case.count, dtype=case.dtype),
        "np.full": lambda: np.full(case.shape, 0.5, dtype=case.dtype),
        "formula": lambda: bilinear_formula(case.shape, case.dtype),
    }
    return calls[case.baseline]


def bilinear_formula(shape: tuple[int, ...], dtype: type) -> np.ndarray:
    """Caffe's bilinear kernel in plain vectorized numpy: one separable profile per axis,
    the same square kernel for every (output, input) channel pair."""
    width = shape[-1]
    factor = math.ceil(width / 2)
    center = (width - 1) / (2.0 * factor)
    profile = 1 - np.abs(np.arange(width, dtype=dtype) / dtype(factor) - dtype(center))
    out = np.empty(shape, dtype)
    out[...] = np.outer(profile, profile)
    return out


def ns_per_element(calls: Sequence[Callable[[], object]], count: int, repeat: int) -> list[list[float]]:
    """The wall time of each call in ns per element, for `repeat` rounds after a warm-up
    round. The calls take turns within a round, so a change in the machine's load falls on
    a fill and its baseline alike: compare them round by round."""
    rounds = []
    for round_number in range(repeat + 1):
        times = []
        for call in calls:
            start = time.perf_counter_ns()
            call()
            times.append((time.perf_counter_ns() - start) / count)
        if round_number:
            rounds.append(times)
    return rounds


def fill_memory(case: Case) -> tuple[int, int]:
    """In a fresh process: the peak bytes Python and numpy allocate while `fill(out)` fills a
    blob of `case` (numpy reports its buffers to tracemalloc; `out` exists before tracing
    starts, so this is the memory above the output), and the process's peak RSS in bytes."""
    out = np.empty(case.shape, case.dtype)
    filler, rng = filler_and_stream(case)
    tracemalloc.start()
    filler.fill(out, rng=rng)
    above_output = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return above_output, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def in_fresh_process(case: Case) -> tuple[int, int]:
    """`fill_memory(case)`, run in a new process forked from a small server: Linux carries a
    parent's peak RSS across fork+exec into the child's ru_maxrss (so not spawn), and this
    process has held large blobs (so not a plain fork)."""
    with ProcessPoolExecutor(1, mp_context=get_context("forkserver")) as pool:
        return pool.submit(fill_memory, case).result()


def verdict(value: float, limit: float) -> str:
    return "met" if value <= limit else "MISSED"


def machine() -> str:
    """CPU model, cores, Python and numpy versions, for the line under the table."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            cpu = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor() or platform.machine()
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, numpy {np.__version__}"


def speed_table(rows: list[Case], repeat: int) -> None:
    print(
        "| fill | dtype | rng | ns/element | baseline | baseline ns/element | ratio | target | "
        "peak above output | ≤ 64 MiB |"
    )
    print("|---|---|---|--:|---|--:|--:|---|--:|---|")
    for case in rows:
        print(f"measuring {case.name}", file=sys.stderr)
        rounds = ns_per_element([fill_call(case), baseline_call(case)], case.count, repeat)
        fill_ns, baseline_ns = (statistics.median(times) for times in zip(*rounds, strict=True))
        ratio = statistics.median(fill / baseline for fill, baseline in rounds)
        target = f"≤ {case.target}x {verdict(ratio, case.target)}" if case.target else "-"
        if case.stretch:
            target += f", stretch ≤ {case.stretch}x {verdict(ratio, case.stretch)}"
        memory, _ = in_fresh_process(case)
        print(
            f"| {case.label} | {np.dtype(case.dtype).name} | {case.rng} | {fill_ns:.2f} | {case.baseline} | "
            f"{baseline_ns:.2f} | {ratio:.2f}x | {target} | {memory / MIB:.1f} MiB | "
            f"{verdict(memory, MEMORY_TARGET)} |",
            flush=True,
        )


def rss_table(rows: list[Case]) -> None:
    print(
        "\n| fill(out), 2^28 float32 elements (1 GiB) | peak above output | ≤ 64 MiB | peak RSS | ≤ 1.1 GiB |"
    )
    print("|---|--:|---|--:|---|")
    for case in rows:
        print(f"measuring {case.name} at 2^28 elements", file=sys.stderr)
        memory, rss = in_fresh_process(case)
        print(
            f"| {case.label} | {memory / MIB:.1f} MiB | {verdict(memory, MEMORY_TARGET)} | "
            f"{rss / (1 << 30):.3f} GiB | {verdict(rss, RSS_TARGET)} |",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--repeat", type=int, default=7, help="timed rounds per row, after a warm-up round (default: 7)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="1024x1024 blobs, no 2^28-element check: a smoke run"
    )
    parser.add_argument("--filter", default="", help='only rows whose "fill dtype rng" contains this text')
    parser.add_argument("--only-targets", action="store_true", help="only Caffe-exact rows with a target")
    parser.add_argument("--no-big", action="store_true", help="skip the 2^28-element peak RSS check")
    parser.add_argument(
        "--no-fallback",
        action="store_true",
        help="with the compiled core, skip the second table (Caffe-exact fills on FILLERS_BACKEND=numpy)",
    )
    args = parser.parse_args()

    backend = fillers.backend()
    size = SIZES["quick" if args.quick else "full"]
    print(f"Caffe-exact fills (rng caffe) on the {backend} backend (fillers.backend() == {backend!r}).\n")
    rows = [case for case in cases(*size, backend) if args.filter in case.name]
    if args.only_targets:
        rows = [case for case in rows if case.rng == "caffe" and case.target]
    speed_table(rows, args.repeat)
    big = [
        case
        for case in cases(*SIZES["big"], backend)
        if args.filter in case.name and case.dtype is np.float32 and case.rng != "generator"
    ]
    if big and not (args.quick or args.no_big):
        rss_table(big)
    if backend == "core" and not args.no_fallback:
        fallback_table(args)
    if not args.only_targets:
        print(f"\nMachine: {machine()}. Command: `python bench/run.py`; ratios measured in the same run.")


def fallback_table(args: argparse.Namespace) -> None:
    """The Caffe-exact rows that have fallback targets, measured in a child process that
    has FILLERS_BACKEND=numpy (the backend is chosen once per process)."""
    print("\nThe numpy fallback (FILLERS_BACKEND=numpy), in a child process:\n", flush=True)
    command = [sys.executable, __file__, "--no-big", "--no-fallback", "--repeat", str(args.repeat)]
    command += ["--quick"] * args.quick + ["--filter", args.filter or "caffe", "--only-targets"]
    subprocess.run(command, env={**os.environ, "FILLERS_BACKEND": "numpy"}, check=True)


if __name__ == "__main__":
    main()
