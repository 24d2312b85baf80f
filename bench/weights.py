"""Writing and reading a CaffeNet-sized .caffemodel (issue #10).

    python bench/weights.py [--repeat N] [--dir DIR]

The net is tests/data/nets/caffenet_train_val.prototxt (BVLC's reference CaffeNet, 61M
parameters, a 233 MiB file), initialized by init_net. Targets: `save_weights` in < 2 s with
peak memory above the params < 1.2x the file size; `load_weights` in < 2 s with peak memory
< 2x the file size. Times are the best of --repeat runs. Peak memory is measured twice:
tracemalloc (numpy reports its buffers to it; what Python and numpy allocate) and, where
Linux lets a process reset its high-water mark (/proc/self/clear_refs), peak RSS above the
RSS before the call, which also counts whatever the C libraries underneath allocate.
"""

from __future__ import annotations

import argparse
import gc
import os
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import fillers

NET = Path(__file__).resolve().parent.parent / "tests" / "data" / "nets" / "caffenet_train_val.prototxt"
INPUTS = {"data": (256, 3, 227, 227), "label": (256,)}
SECONDS = 2.0
WRITE_MEMORY, READ_MEMORY = 1.2, 2.0


def _status(field: str) -> int | None:
    """A /proc/self/status field in bytes (VmRSS, VmHWM), or None off Linux."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _rss_peak_above_start(run: Callable[[], object]) -> int | None:
    """Peak RSS during `run` above the RSS before it, or None where it cannot be reset."""
    gc.collect()
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return None
    start = _status("VmRSS")
    result = run()
    peak = _status("VmHWM")
    del result
    return None if start is None or peak is None else peak - start


def _traced_peak(run: Callable[[], object]) -> int:
    """Peak bytes Python and numpy allocate during `run` (what it returns included)."""
    gc.collect()
    tracemalloc.start()
    try:
        result = run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return peak


def _best_seconds(run: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--dir", default=None, help="where to write the file (default: a temporary directory)"
    )
    args = parser.parse_args()

    params = fillers.init_net(NET, seed=1701, input_shapes=INPUTS)
    count = sum(blob.size for blobs in params.values() for blob in blobs)
    with tempfile.TemporaryDirectory(dir=args.dir) as directory:
        path = Path(directory) / "caffenet.caffemodel"
        fillers.save_weights(params, path)
        size = os.path.getsize(path)
        mib = size / 2**20

        def write() -> None:
            fillers.save_weights(params, path)

        def read() -> fillers.NetParams:
            return fillers.load_weights(path)

        loaded = read()
        assert all(
            (a == b).all() for layer in params for a, b in zip(params[layer], loaded[layer], strict=True)
        )
        del loaded
        write_seconds, read_seconds = _best_seconds(write, args.repeat), _best_seconds(read, args.repeat)
        write_traced, read_traced = _traced_peak(write), _traced_peak(read)
        write_rss, read_rss = _rss_peak_above_start(write), _rss_peak_above_start(read)

    print(f"CaffeNet: {count / 1e6:.1f}M parameters, float32; .caffemodel {size:,} bytes ({mib:.0f} MiB)")
    rows = [
        ("write", write_seconds, write_traced, write_rss, WRITE_MEMORY),
        ("read", read_seconds, read_traced, read_rss, READ_MEMORY),
    ]
    for name, seconds, traced, rss, memory_target in rows:
        memory = max(traced, rss or 0)
        print(
            f"{name:5}: {seconds:.3f} s ({_verdict(seconds < SECONDS)}, target < {SECONDS} s); "
            f"peak memory {traced / size:.3f}x the file (tracemalloc)"
            + ("" if rss is None else f", {rss / size:.3f}x (RSS)")
            + f" ({_verdict(memory < memory_target * size)}, target < {memory_target}x)"
        )


if __name__ == "__main__":
    main()
