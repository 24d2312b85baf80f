"""Defined behaviour when a fill fails midway: interrupts, forks, numpy's error modes."""

from __future__ import annotations

import _thread
import os
import random
import signal
import threading
import time

import numpy as np
import pytest

import fillers
from fillers.fill.builtin import BUILTIN_FILLERS
from fillers.fill.registry import unregister

_BIG = 1 << 26


@pytest.fixture(autouse=True)
def _sigint_raises_keyboard_interrupt():
    """interrupt_main does nothing while SIGINT is ignored, as it is for a job a
    non-interactive shell starts in the background: Python's own handler, for these tests."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def _interrupted_fill(filler, rng, delay):
    """Fill 2^26 elements, KeyboardInterrupt after `delay` s; True if the interrupt hit the fill."""
    timer = threading.Timer(delay, _thread.interrupt_main)
    try:
        timer.start()
        try:
            filler.fill((_BIG,), rng=rng)
        except KeyboardInterrupt:
            return True
        timer.cancel()
        timer.join()
        return False
    except KeyboardInterrupt:  # landed just after the fill returned
        return False


@pytest.mark.parametrize(
    "spec", [{"type": "gaussian"}, {"type": "uniform"}, {"type": "gaussian", "sparse": 3}]
)
def test_an_interrupted_fill_leaves_the_stream_where_it_was_and_nothing_running(spec):
    filler = fillers.get_filler(spec)
    rng = fillers.CaffeRNG(7)
    started = time.perf_counter()
    filler.fill((1 << 22,), rng=rng)  # also measures the speed of this machine now
    duration = (time.perf_counter() - started) * 16
    chooser = random.Random(9)
    hits = 0
    for _ in range(3):
        before = rng.state
        if not _interrupted_fill(filler, rng, chooser.uniform(0, 0.7 * duration)):
            continue
        hits += 1
        after = rng.state
        time.sleep(0.1)  # a draw still running in the background would move the stream now
        for state in (after, rng.state):
            assert state["state"]["pos"] == before["state"]["pos"]
            np.testing.assert_array_equal(state["state"]["key"], before["state"]["key"])
    assert hits >= 1
    # A retry gives Caffe's bits: the same raw outputs as a stream that was never interrupted.
    fresh = fillers.CaffeRNG(7)
    filler.fill((1 << 22,), rng=fresh)
    np.testing.assert_array_equal(rng.random_raw(8), fresh.random_raw(8))


class _FailsAfterDrawing(fillers.Filler):
    def generate(self, data, shape, draws):
        draws.gaussian(data, 0.0, 1.0)
        raise fillers.FillerError("failed after drawing")


@pytest.fixture
def failing_filler():
    fillers.register("fails_after_drawing")(_FailsAfterDrawing)
    yield
    unregister("fails_after_drawing")


@pytest.mark.parametrize("rng", [fillers.CaffeRNG(3), np.random.default_rng(3)], ids=["caffe", "numpy"])
def test_a_fill_failing_after_drawing_rewinds_the_stream(failing_filler, rng):
    expected = np.random.default_rng(3).random(4) if isinstance(rng, np.random.Generator) else None
    reference = fillers.CaffeRNG(3).random_raw(4)
    with pytest.raises(fillers.FillerError, match="after drawing"):
        fillers.get_filler({"type": "fails_after_drawing"}).fill((1 << 20,), rng=rng)
    if expected is None:
        np.testing.assert_array_equal(rng.random_raw(4), reference)
    else:
        np.testing.assert_array_equal(rng.random(4), expected)


def test_a_net_failing_midway_rewinds_the_stream_to_before_the_net(failing_filler):
    net = """
    layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 } } }
    layer { name: "ok" type: "InnerProduct" bottom: "data" top: "ok"
            inner_product_param { num_output: 4 weight_filler { type: "gaussian" } } }
    layer { name: "bad" type: "InnerProduct" bottom: "ok" top: "bad"
            inner_product_param { num_output: 4 weight_filler { type: "fails_after_drawing" } } }
    """
    rng = fillers.CaffeRNG(5)
    with pytest.raises(fillers.FillerError, match="after drawing"):
        fillers.init_net(net, rng=rng)
    np.testing.assert_array_equal(rng.random_raw(4), fillers.CaffeRNG(5).random_raw(4))


def test_forked_children_never_hang_while_another_thread_fills():
    caffe, numpy_rng = fillers.CaffeRNG(1), np.random.default_rng(1)
    stop = threading.Event()

    def fill_until_stopped():
        filler = fillers.get_filler({"type": "gaussian"})
        while not stop.is_set():
            filler.fill((1 << 18,), rng=caffe)
            filler.fill((1 << 16,), rng=numpy_rng)

    worker = threading.Thread(target=fill_until_stopped)
    worker.start()
    failures = 0
    try:
        for i in range(50):
            time.sleep(0.003 * (i % 7))
            pid = os.fork()
            if pid == 0:  # the child: a small fill on each stream the thread was using
                signal.alarm(20)
                try:
                    for rng in (caffe, numpy_rng, fillers.CaffeRNG(2)):
                        fillers.get_filler({"type": "gaussian"}).fill((1 << 18,), rng=rng)
                finally:
                    os._exit(0)
            _, status = os.waitpid(pid, 0)
            failures += status != 0
    finally:
        stop.set()
        worker.join()
    assert failures == 0


_CASES = [
    ({"type": "gaussian", "mean": 3e38, "std": 3e38}, (1 << 16,)),
    ({"type": "gaussian", "mean": -3e38, "std": 3e38, "sparse": 2}, (4, 1 << 14)),
    ({"type": "uniform", "min": -3.4e38, "max": 3.4e38}, (1 << 16,)),
    ({"type": "constant", "value": 1e-45}, (8,)),
    ({"type": "positive_unitball"}, (3, 1 << 14)),
    ({"type": "positive_unitball"}, (3, 0, 2)),
    ({"type": "xavier", "variance_norm": "AVERAGE"}, (1, 1)),
    ({"type": "msra", "variance_norm": "FAN_OUT"}, (64, 64, 3, 3)),
    ({"type": "bilinear"}, (2, 2, 5, 5)),
]


@pytest.mark.parametrize(("spec", "shape"), _CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["caffe", "numpy"])
def test_numpy_error_modes_change_nothing(spec, shape, dtype, kind):
    def fill():
        rng = fillers.CaffeRNG(11) if kind == "caffe" else np.random.default_rng(11)
        try:
            return fillers.get_filler(spec).fill(shape, dtype=dtype, rng=rng)
        except fillers.FillerError as error:
            return str(error)

    with np.errstate(all="raise"):
        trapped = fill()
    plain = fill()
    if isinstance(plain, str):
        assert trapped == plain
    else:
        np.testing.assert_array_equal(trapped, plain)


def test_an_overflowing_gaussian_writes_inf_as_caffe_does():
    with np.errstate(all="raise"):
        w = fillers.get_filler({"type": "gaussian", "mean": 3e38, "std": 3e38}).fill(
            (1 << 16,), rng=fillers.CaffeRNG(1)
        )
    assert np.isposinf(w).any() and np.isfinite(w).any()


def test_every_builtin_filler_fills_under_numpy_raise():
    assert {spec["type"] for spec, _ in _CASES} == set(BUILTIN_FILLERS)
