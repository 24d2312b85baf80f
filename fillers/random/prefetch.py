"""Raw outputs of a CaffeRNG drawn in blocks on a background thread, one block ahead of the
numpy code that turns the previous block into samples (numpy releases the GIL for both).

A failed or interrupted fill must leave no draw running: `settle_background` waits for the
thread, and a closed `raw_blocks` waits for its pending block.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from contextlib import closing
from typing import TypeVar

import numpy as np

from ..stream.caffe import CaffeRNG

BLOCK = 1 << 17
"""Raw outputs per vectorized block: large enough to amortize numpy's per-call cost over
the rare-path bookkeeping, small enough for the temporaries to stay in cache."""

_background: ThreadPoolExecutor | None = None


def _forget_background() -> None:
    # A forked child inherits the pool object but not its thread: start afresh there.
    global _background
    _background = None


os.register_at_fork(after_in_child=_forget_background)
T = TypeVar("T")


def settle_background() -> None:
    """Return once the background thread has run every block it was given, so that nothing
    draws from a stream after a failed fill returns. A KeyboardInterrupt arriving meanwhile
    is held until then (the exception being handled goes on)."""
    pool = _background
    if pool is None:
        return
    try:
        # One worker runs tasks in order: when this one has run, so have all before it.
        barrier = pool.submit(identity, None)
    except RuntimeError:  # the pool is shut down (interpreter exit): its tasks have run
        return
    _wait_uninterrupted(barrier)


def _wait_uninterrupted(future: Future) -> None:
    while True:
        try:
            futures_wait([future])
            return
        except KeyboardInterrupt:
            continue


def _draw_in_background(rng: CaffeRNG, size: int, prepare: Callable[[np.ndarray], T]) -> T:
    # The numpy error state is per thread: the caller's np.seterr must not reach this one.
    with np.errstate(all="ignore"):
        return prepare(rng.random_raw(size))


def identity(raw: np.ndarray) -> np.ndarray:
    return raw


def raw_blocks(rng: CaffeRNG, total: int, prepare: Callable[[np.ndarray], T] = identity) -> Iterator[T]:
    """The next `total` raw outputs of `rng`, in blocks, each drawn (and passed through
    `prepare`) on a background thread while the caller works on the previous one: numpy
    releases the GIL for both."""
    global _background
    sizes = [BLOCK] * (total // BLOCK) + ([total % BLOCK] if total % BLOCK else [])
    if len(sizes) < 2:
        yield from (prepare(rng.random_raw(size)) for size in sizes)
        return
    if _background is None:
        _background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fillers-raw")
    pending = _background.submit(_draw_in_background, rng, sizes[0], prepare)
    try:
        for size in sizes[1:]:
            block = pending.result()
            pending = _background.submit(_draw_in_background, rng, size, prepare)
            yield block
        yield pending.result()
    finally:
        # Closed early (the caller failed or was interrupted): no draw may outlive the fill.
        _wait_uninterrupted(pending)


def draw_until_done(
    rng: CaffeRNG,
    owed: Callable[[], int],
    take: Callable[[T], None],
    prepare: Callable[[np.ndarray], T] = identity,
) -> None:
    """Feed `take` blocks of raw outputs until `owed()` is 0.

    `owed()` is a count of raw outputs Boost is sure to consume before the fill is done;
    drawing no more than that, block by block, keeps the engine from ever getting ahead
    of Boost's, and keeps memory at a few blocks whatever the blob size.
    """
    while (count := owed()) > 0:
        with closing(raw_blocks(rng, count, prepare)) as blocks:
            for block in blocks:
                take(block)
