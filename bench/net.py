"""init_net on a CaffeNet-sized net (61M parameters), next to the same fills done directly.

    python bench/net.py [--repeat N]

Both sides fill the same blobs with the same fillers on a fresh CaffeRNG: the baseline is a
loop of `get_filler(param).fill(shape, rng=rng)` over the net's blobs, so the ratio is what
init_net adds (parsing, shape inference, checks, sharing). Issue #4 asks for < 2x.

With the compiled core, init_net is also timed on the numpy fallback (the path fillers had
before the core), in a child process with FILLERS_BACKEND=numpy, one run per round between
the core's: issue #13 asks for at most half that time.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import fillers
from fillers import init_net
from fillers.net.plan import plan_net

SEED = 1701
TARGET = 2.0
CORE_TARGET = 0.5


def _conv(name: str, bottom: str, outputs: int, kernel: int, bias: float, **options: int) -> str:
    extra = " ".join(f"{key}: {value}" for key, value in options.items())
    return (
        f'layer {{ name: "{name}" type: "Convolution" bottom: "{bottom}" top: "{name}"\n'
        f"  convolution_param {{ num_output: {outputs} kernel_size: {kernel} {extra}\n"
        '    weight_filler { type: "gaussian" std: 0.01 }\n'
        f'    bias_filler {{ type: "constant" value: {bias} }} }} }}\n'
        f'layer {{ name: "relu_{name}" type: "ReLU" bottom: "{name}" top: "{name}" }}\n'
    )


def _pool(name: str, bottom: str) -> str:
    return (
        f'layer {{ name: "{name}" type: "Pooling" bottom: "{bottom}" top: "{name}"\n'
        "  pooling_param { pool: MAX kernel_size: 3 stride: 2 } }\n"
    )


def _norm(name: str, bottom: str) -> str:
    return (
        f'layer {{ name: "{name}" type: "LRN" bottom: "{bottom}" top: "{name}"\n'
        "  lrn_param { local_size: 5 alpha: 0.0001 beta: 0.75 } }\n"
    )


def _fc(name: str, bottom: str, outputs: int, std: float, bias: float) -> str:
    return (
        f'layer {{ name: "{name}" type: "InnerProduct" bottom: "{bottom}" top: "{name}"\n'
        f'  inner_product_param {{ num_output: {outputs} weight_filler {{ type: "gaussian" std: {std} }}\n'
        f'    bias_filler {{ type: "constant" value: {bias} }} }} }}\n'
    )


# BVLC's reference CaffeNet (models/bvlc_reference_caffenet), with an Input layer for its data.
CAFFENET = (
    'name: "CaffeNet"\n'
    'layer { name: "data" type: "Input" top: "data"\n'
    "  input_param { shape { dim: 10 dim: 3 dim: 227 dim: 227 } } }\n"
    + _conv("conv1", "data", 96, 11, 0, stride=4)
    + _pool("pool1", "conv1")
    + _norm("norm1", "pool1")
    + _conv("conv2", "norm1", 256, 5, 1, pad=2, group=2)
    + _pool("pool2", "conv2")
    + _norm("norm2", "pool2")
    + _conv("conv3", "norm2", 384, 3, 0, pad=1)
    + _conv("conv4", "conv3", 384, 3, 1, pad=1, group=2)
    + _conv("conv5", "conv4", 256, 3, 1, pad=1, group=2)
    + _pool("pool5", "conv5")
    + _fc("fc6", "pool5", 4096, 0.005, 1)
    + 'layer { name: "drop6" type: "Dropout" bottom: "fc6" top: "fc6" }\n'
    + _fc("fc7", "fc6", 4096, 0.005, 1)
    + 'layer { name: "drop7" type: "Dropout" bottom: "fc7" top: "fc7" }\n'
    + _fc("fc8", "fc7", 1000, 0.01, 0)
)


def _seconds(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--one-run", action="store_true", help="print the seconds of one init_net and exit")
    args = parser.parse_args()
    if args.one_run:
        plan_net(CAFFENET)  # imports and first-use set-up, outside the timing
        print(_seconds(lambda: init_net(CAFFENET, seed=SEED)))
        return
    backend = fillers.backend()

    blobs = [(blob.filler, blob.shape) for blob in plan_net(CAFFENET).blobs]
    count = sum(math.prod(shape) for _, shape in blobs)

    def direct() -> None:
        rng = fillers.CaffeRNG(SEED)
        for param, shape in blobs:
            fillers.get_filler(param).fill(shape, rng=rng)

    def whole_net() -> None:
        init_net(CAFFENET, seed=SEED)

    # Interleaved, so that both sides see the same machine state.
    direct_times, net_times, fallback_times = [], [], []
    for _ in range(args.repeat):
        direct_times.append(_seconds(direct))
        net_times.append(_seconds(whole_net))
        if backend == "core":
            fallback_times.append(_fallback_seconds())
    planning = min(_seconds(lambda: plan_net(CAFFENET)) for _ in range(args.repeat))
    best_ratio = min(net_times) / min(direct_times)
    median_ratio = statistics.median(net_times) / statistics.median(direct_times)
    print(f"CaffeNet: {len(blobs)} blobs, {count / 1e6:.1f}M parameters, float32, CaffeRNG({SEED})")
    print(f"direct fills : best {min(direct_times):.3f} s, median {statistics.median(direct_times):.3f} s")
    print(f"init_net     : best {min(net_times):.3f} s, median {statistics.median(net_times):.3f} s")
    print(f"plan_net only: best {planning * 1e3:.1f} ms")
    print(f"ratio init_net / direct: best {best_ratio:.3f}, median {median_ratio:.3f} (target < {TARGET})")
    if fallback_times:
        ratio = statistics.median(net_times) / statistics.median(fallback_times)
        verdict = "met" if ratio <= CORE_TARGET else "MISSED"
        print(
            f"init_net, numpy fallback: best {min(fallback_times):.3f} s, "
            f"median {statistics.median(fallback_times):.3f} s"
        )
        print(f"ratio core / fallback: median {ratio:.3f} (target <= {CORE_TARGET}: {verdict})")
    else:
        print(f"backend {backend}: no core to compare with the fallback")


def _fallback_seconds() -> float:
    """One init_net of CaffeNet on the numpy fallback, timed in a child process."""
    result = subprocess.run(
        [sys.executable, __file__, "--one-run"],
        env={**os.environ, "FILLERS_BACKEND": "numpy"},
        capture_output=True,
        text=True,
        check=True,
    )
    return float(result.stdout)


if __name__ == "__main__":
    main()
