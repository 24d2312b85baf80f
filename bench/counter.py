"""Counter mode at scale: a tensor larger than memory, the speed of one core against torch, and
of two threads against one (issues #14 and #22).

    python bench/counter.py [--elements N] [--spec TEXT] [--chunk-elements N] [--workers N]
                            [--skip-big] [--skip-torch] [--repeat N]

1. Builds a float32 dask array of N elements (default 2^33: 32 GiB, more than this machine's
   memory) with fillers.dask.array, shaped (N / 2^16, 2^16) in chunks of whole rows, and
   computes its mean and std on the threaded scheduler in one pass. Prints the time, the
   throughput in elements per second per worker thread, and the process's peak RSS (target:
   under 2 GiB).
2. Times counter-mode uniform and gaussian fills of a 4096x4096 float32 blob on one thread
   (fillers.set_num_threads(1)) next to numpy's Generator and, when torch is installed,
   torch.nn.init.uniform_ / normal_ on one thread (torch.set_num_threads(1)), all in the same
   run: medians of --repeat runs. Targets: counter / torch at most 0.35x (uniform) and 0.5x
   (normal).
3. Times the same counter-mode fills with 1 and with --threads threads (wall time): target a
   speed-up of at least 1.6x with 2 threads.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np

import fillers

ROW = 1 << 16
RSS_TARGET_GIB = 2.0


def peak_rss_gib() -> float:
    # ru_maxrss is in KiB on Linux, in bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / (1 << 30)


def big_reduction(elements: int, spec: str, chunk_elements: int, workers: int) -> None:
    import dask
    import dask.array as da

    import fillers.dask as fd

    rows, chunk_rows = elements // ROW, max(1, chunk_elements // ROW)
    x = fd.array(spec, (rows, ROW), chunks=(chunk_rows, ROW), seed=1, key="big", dtype=np.float32)
    start = time.perf_counter()
    with dask.config.set(scheduler="threads", num_workers=workers):
        mean, std = da.compute(x.mean(dtype=np.float64), x.std(dtype=np.float64))
    seconds = time.perf_counter() - start
    gib = x.nbytes / (1 << 30)
    rss = peak_rss_gib()
    print(f"## {elements} float32 elements ({gib:.0f} GiB), spec {spec!r}")
    mib = chunk_rows * ROW * 4 / (1 << 20)
    print(f"chunks: {chunk_rows} x {ROW} ({mib:.0f} MiB), {x.npartitions} blocks")
    print(f"threaded scheduler, {workers} worker threads: mean {mean:.6f}, std {std:.6f}")
    print(f"time {seconds:.1f} s; {elements / seconds / workers / 1e6:.1f} M elements/s per worker thread")
    verdict = "met" if rss < RSS_TARGET_GIB else "MISSED"
    print(f"peak RSS {rss:.2f} GiB (target < {RSS_TARGET_GIB} GiB: {verdict})")
    print()


def median_ns(run: Callable[[], object], elements: int, repeat: int) -> float:
    # The calling thread's CPU time: every candidate runs on this one thread, and CPU time is
    # less disturbed than wall time by other processes on a shared machine.
    run()
    times = []
    for _ in range(repeat):
        start = time.thread_time()
        run()
        times.append(time.thread_time() - start)
    return statistics.median(times) / elements * 1e9


TARGETS = {"uniform": 0.35, "normal": 0.5}
SPEED_UP_TARGET = 1.6


def one_core(repeat: int, with_torch: bool) -> None:
    shape = (4096, 4096)
    n = shape[0] * shape[1]
    out = np.empty(shape, dtype=np.float32)
    generator = np.random.default_rng(1)
    uniform = fillers.get_filler({"type": "uniform", "min": -1, "max": 1})
    gaussian = fillers.get_filler({"type": "gaussian", "std": 1})
    rng = fillers.CounterRNG(1, key="w")
    rows = {
        "uniform": [
            ("fillers counter mode", lambda: uniform.fill(out, rng=rng)),
            ("numpy Generator (fillers, generator mode)", lambda: uniform.fill(out, rng=generator)),
        ],
        "normal": [
            ("fillers counter mode", lambda: gaussian.fill(out, rng=rng)),
            ("numpy Generator (fillers, generator mode)", lambda: gaussian.fill(out, rng=generator)),
        ],
    }
    if with_torch:
        import torch

        torch.set_num_threads(1)
        tensor = torch.empty(shape, dtype=torch.float32)
        rows["uniform"].append(("torch.nn.init.uniform_", lambda: torch.nn.init.uniform_(tensor, -1, 1)))
        rows["normal"].append(("torch.nn.init.normal_", lambda: torch.nn.init.normal_(tensor, 0, 1)))
    fillers.set_num_threads(1)
    print(f"## One core, {shape[0]}x{shape[1]} float32, thread CPU time, medians of {repeat} runs, same run")
    print("| distribution | implementation | ns/element | vs torch | target |")
    print("|---|---|--:|--:|---|")
    for distribution, candidates in rows.items():
        timings = [(label, median_ns(run, n, repeat)) for label, run in candidates]
        torch_ns = timings[-1][1] if with_torch else None
        for label, ns in timings:
            ratio = f"{ns / torch_ns:.2f}x" if torch_ns else "-"
            target = ""
            if torch_ns and label == "fillers counter mode":
                met = "met" if ns / torch_ns <= TARGETS[distribution] else "MISSED"
                target = f"<= {TARGETS[distribution]}x: {met}"
            print(f"| {distribution} | {label} | {ns:.2f} | {ratio} | {target} |")
    print()


def median_wall_ns(run: Callable[[], object], elements: int, repeat: int) -> tuple[float, float]:
    """The median wall time per element, and the process's CPU time over its wall time (how
    many cores the run kept busy: below the thread count when other processes hold them)."""
    run()
    times, busy = [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        run()
        wall = time.perf_counter() - start
        times.append(wall)
        busy.append((time.process_time() - cpu) / wall)
    return statistics.median(times) / elements * 1e9, statistics.median(busy)


def thread_speed_up(repeat: int, threads: int) -> None:
    shape = (4096, 4096)
    n = shape[0] * shape[1]
    out = np.empty(shape, dtype=np.float32)
    rng = fillers.CounterRNG(1, key="w")
    fills = {
        "uniform": fillers.get_filler({"type": "uniform", "min": -1, "max": 1}),
        "normal": fillers.get_filler({"type": "gaussian", "std": 1}),
    }
    print(
        f"## Threads, {shape[0]}x{shape[1]} float32 counter-mode fills, wall time, medians of {repeat} runs"
    )
    print(
        f"| distribution | 1 thread ns/element | {threads} threads ns/element | cores busy | speed-up "
        "| target |"
    )
    print("|---|--:|--:|--:|--:|---|")
    for distribution, filler in fills.items():
        timings = []
        for count in (1, threads):
            fillers.set_num_threads(count)
            timings.append(median_wall_ns(lambda f=filler: f.fill(out, rng=rng), n, repeat))
        (one, _), (many, busy) = timings
        speed_up = one / many
        met = "met" if speed_up >= SPEED_UP_TARGET else "MISSED"
        print(
            f"| {distribution} | {one:.2f} | {many:.2f} | {busy:.2f} | {speed_up:.2f}x "
            f"| >= {SPEED_UP_TARGET}x: {met} |"
        )
    print(
        f"(cores available to this process: {len(os.sched_getaffinity(0))}; os.getloadavg(): "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())})"
    )
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--elements", type=int, default=1 << 33)
    parser.add_argument("--spec", default='type: "gaussian" std: 1')
    parser.add_argument("--chunk-elements", type=int, default=1 << 23)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-big", action="store_true")
    parser.add_argument("--skip-torch", action="store_true")
    parser.add_argument("--threads", type=int, default=2, help="the thread count compared with one")
    args = parser.parse_args()
    with_torch = not args.skip_torch and importlib.util.find_spec("torch") is not None
    one_core(args.repeat, with_torch)
    thread_speed_up(args.repeat, args.threads)
    if not args.skip_big:
        big_reduction(args.elements, args.spec, args.chunk_elements, args.workers)
    versions = f"Python {platform.python_version()}, numpy {np.__version__}"
    if with_torch:
        import torch

        versions += f", torch {torch.__version__}"
    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, {versions}.")


if __name__ == "__main__":
    main()
