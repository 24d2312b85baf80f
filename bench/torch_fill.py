"""fillers.torch.fill_ next to the same fill into a numpy array, and a fill in a layout.

    python bench/torch_fill.py [--repeat N]

A contiguous CPU tensor is filled through its own memory, so fill_ should cost what
Filler.fill(out) costs (ratio ~1); a fill in "HWIO" adds one transposed copy of the blob.
The last lines are what one of 8 ranks pays for its row shard of a DTensor: with a
CounterRNG only the shard (fill_region, ~1/8 of a full counter fill), with a CaffeRNG the
whole tensor's draws (docs/distributed.md).
Timings are the best of N on a fresh CaffeRNG each time; compare ratios from one run only.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import torch

import fillers
import fillers.torch as ft

SHAPE = (512, 512, 3, 3)
SPEC = {"type": "msra"}


def best(run: Callable[[], object], repeat: int) -> float:
    """The fastest of `repeat` runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    filler = fillers.get_filler(SPEC)
    array, tensor = np.empty(SHAPE, np.float32), torch.empty(SHAPE)
    baseline = best(lambda: filler.fill(array, rng=fillers.CaffeRNG(1)), repeat)
    in_place = best(lambda: ft.fill_(tensor, filler, rng=fillers.CaffeRNG(1)), repeat)
    hwio = SHAPE[2:] + SHAPE[1::-1]
    layout = best(lambda: filler.fill(hwio, rng=fillers.CaffeRNG(1), layout="HWIO"), repeat)
    print(f"msra {SHAPE}: numpy in place {baseline * 1e3:.1f} ms")
    print(f"  fill_ on a CPU tensor {in_place * 1e3:.1f} ms (x{in_place / baseline:.2f})")
    print(f"  Filler.fill in HWIO   {layout * 1e3:.1f} ms (x{layout / baseline:.2f})")
    shard = (slice(0, SHAPE[0] // 8),)
    counter_full = best(lambda: filler.fill(SHAPE, rng=fillers.CounterRNG(1, key="w")), repeat)
    counter_shard = best(lambda: filler.fill_region(SHAPE, shard, fillers.CounterRNG(1, key="w")), repeat)
    print(
        f"one of 8 row shards: CounterRNG {counter_shard * 1e3:.1f} ms "
        f"(full tensor {counter_full * 1e3:.1f} ms)"
    )
    print(f"  CaffeRNG: every rank draws the full tensor, {baseline * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
