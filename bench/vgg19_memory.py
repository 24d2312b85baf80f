"""Peak memory of `fillers net` on VGG19 (143.7M parameters) against the size of its output.

    python bench/vgg19_memory.py

Writes a VGG19 train prototxt (the model zoo's layer sizes, xavier weights, constant biases)
to a temporary directory, runs `/usr/bin/time -v fillers net` on it, and prints the peak
resident memory over the bytes of the float32 blobs; issue #12 asks for <= 1.2x.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

TARGET = 1.2
# (block, convolutions, channels)
BLOCKS = ((1, 2, 64), (2, 2, 128), (3, 4, 256), (4, 4, 512), (5, 4, 512))


def vgg19() -> tuple[str, int]:
    """The prototxt and its parameter count."""
    lines = ['name: "VGG19"', 'input: "data" input_shape { dim: 1 dim: 3 dim: 224 dim: 224 }']
    bottom, channels, params = "data", 3, 0
    for block, convs, outputs in BLOCKS:
        for i in range(1, convs + 1):
            name = f"conv{block}_{i}"
            lines.append(
                f'layer {{ name: "{name}" type: "Convolution" bottom: "{bottom}" top: "{name}" '
                f"convolution_param {{ num_output: {outputs} kernel_size: 3 pad: 1 "
                'weight_filler { type: "xavier" } bias_filler { type: "constant" } } }'
            )
            params += outputs * channels * 9 + outputs
            bottom, channels = name, outputs
        lines.append(
            f'layer {{ name: "pool{block}" type: "Pooling" bottom: "{bottom}" top: "pool{block}" '
            "pooling_param { pool: MAX kernel_size: 2 stride: 2 } }"
        )
        bottom = f"pool{block}"
    inputs = channels * 7 * 7
    for name, outputs in (("fc6", 4096), ("fc7", 4096), ("fc8", 1000)):
        lines.append(
            f'layer {{ name: "{name}" type: "InnerProduct" bottom: "{bottom}" top: "{name}" '
            f"inner_product_param {{ num_output: {outputs} "
            'weight_filler { type: "gaussian" std: 0.005 } bias_filler { type: "constant" value: 0.1 } } }'
        )
        params += outputs * inputs + outputs
        bottom, inputs = name, outputs
    return "\n".join(lines) + "\n", params


def main() -> int:
    text, params = vgg19()
    with tempfile.TemporaryDirectory() as directory:
        net = Path(directory) / "vgg19.prototxt"
        net.write_text(text)
        command = ["/usr/bin/time", "-v", sys.executable, "-m", "fillers", "net", str(net), "--seed", "1"]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
    peak_kib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))
    output = params * 4
    ratio = peak_kib * 1024 / output
    print(
        f"VGG19: {params:,} parameters, output {output / 2**20:.0f} MiB, peak RSS {peak_kib / 1024:.0f} MiB"
    )
    print(f"peak / output = {ratio:.2f}x (target <= {TARGET}x)")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
