"""Each fill is atomic on its CaffeRNG (issue 20): fills from several threads give what some
serial order gives, and a failed fill never rewinds another thread's draws."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import textwrap
import threading

import numpy as np

import fillers
from fillers.fill.filler import Filler

UNIFORM = fillers.get_filler(fillers.parse('type: "uniform"'))


class _DrawsThenFails(Filler):
    """Draws a blob's worth of values, then fails: its draws must all be undone."""

    def check(self, shape, dtype):
        pass

    def generate(self, data, shape, draws):
        draws.uniform(data, 0, 1)
        raise RuntimeError("a custom filler failing after it drew")


def test_a_failing_fill_on_one_thread_never_rewinds_another_threads_draws():
    rng, fills, size = fillers.CaffeRNG(7), 300, 2000
    taken: list[np.ndarray] = []
    stop = threading.Event()

    def fill_many():
        for _ in range(fills):
            taken.append(UNIFORM.fill((size,), rng=rng))
        stop.set()

    def fail_many():
        failing = _DrawsThenFails()
        while not stop.is_set():
            with contextlib.suppress(RuntimeError):
                failing.fill((size,), rng=rng)

    threads = [threading.Thread(target=fill_many), threading.Thread(target=fail_many)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    serial = fillers.CaffeRNG(7)
    expected = [UNIFORM.fill((size,), rng=serial) for _ in range(fills)]
    assert all(np.array_equal(got, want) for got, want in zip(taken, expected, strict=True))


def test_concurrent_fills_give_what_some_serial_order_gives():
    rng, size = fillers.CaffeRNG(11), 5000
    results: dict[int, list[np.ndarray]] = {0: [], 1: [], 2: []}

    def fill(which):
        for _ in range(40):
            results[which].append(UNIFORM.fill((size,), rng=rng))

    threads = [threading.Thread(target=fill, args=(which,)) for which in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    serial = fillers.CaffeRNG(11)
    expected = {UNIFORM.fill((size,), rng=serial).tobytes() for _ in range(120)}
    assert {blob.tobytes() for blobs in results.values() for blob in blobs} == expected


def test_fills_on_the_numpy_fallback_draw_in_the_background_while_holding_the_stream():
    """The numpy fallback draws big blobs on a background thread: the fill holds the stream,
    and that thread must not wait for it (it would wait forever)."""
    script = textwrap.dedent(
        """
        import threading
        import numpy as np
        import fillers
        assert fillers.backend() == "numpy"
        gaussian = fillers.get_filler(fillers.parse('type: "gaussian"'))
        rng, taken = fillers.CaffeRNG(3), []
        threads = [
            threading.Thread(target=lambda: taken.append(gaussian.fill((1_000_000,), rng=rng)))
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        serial = fillers.CaffeRNG(3)
        expected = [gaussian.fill((1_000_000,), rng=serial).tobytes() for _ in range(2)]
        assert sorted(blob.tobytes() for blob in taken) == sorted(expected)
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "FILLERS_BACKEND": "numpy", "PYTHONPATH": os.getcwd()},
    )
    assert done.stdout.strip() == "ok", done.stderr
