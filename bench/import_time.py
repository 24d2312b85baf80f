"""How long `import fillers` takes next to `import numpy` (issue #13: at most 1.5x).

    python bench/import_time.py [--runs N]

Each statement runs in a fresh interpreter (`python -c ...`), the statements taking turns
so that both see the same machine load; the figure is the median wall time of N runs, the
interpreter's own start-up included, as a user sees it. Under the target line, for
information, what the first use of the package costs: loading the schema (protobuf) and a
whole spec round trip. `python -X importtime -c "import fillers"` shows where time goes.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

TARGET = 1.5
BASELINE = "import numpy"
MEASURED = "import fillers"
FIRST_USES = {
    "from fillers import FillerParameter": "the schema: protobuf and the descriptor pool",
    "import fillers; fillers.get_filler(fillers.parse('type: \"xavier\"'))": "a spec parsed, a filler made",
}


def wall_time(statement: str) -> float:
    """Seconds for a fresh interpreter to run `statement` and exit."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", statement], check=True)
    return time.perf_counter() - start


def median_times(statements: list[str], runs: int) -> dict[str, float]:
    """The median wall time of each statement, over `runs` interleaved rounds."""
    for statement in statements:
        wall_time(statement)  # warm the file system cache before timing
    samples: dict[str, list[float]] = {statement: [] for statement in statements}
    for _ in range(runs):
        for statement in statements:
            samples[statement].append(wall_time(statement))
    return {statement: statistics.median(times) for statement, times in samples.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="fresh interpreters per statement")
    args = parser.parse_args()
    medians = median_times([BASELINE, MEASURED, *FIRST_USES], args.runs)
    baseline = medians[BASELINE]
    ratio = medians[MEASURED] / baseline
    verdict = "met" if ratio <= TARGET else "MISSED"
    print(f"median of {args.runs} fresh interpreters each, {sys.executable}")
    print(f"{BASELINE:<16} {baseline * 1e3:7.1f} ms")
    measured = medians[MEASURED]
    print(f"{MEASURED:<16} {measured * 1e3:7.1f} ms  {ratio:.2f}x numpy (target <= {TARGET}x: {verdict})")
    print("first use, for information:")
    for statement, what in FIRST_USES.items():
        print(f"  {medians[statement] * 1e3:7.1f} ms  {medians[statement] / baseline:.2f}x numpy  {what}")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
