"""The three random calls Caffe's fillers make, over either kind of stream.

Caffe's math_functions.cpp wraps Boost as `caffe_rng_uniform(n, a, b, r)`,
`caffe_rng_gaussian(n, mu, sigma, r)` and `caffe_rng_bernoulli(n, p, r)`. `CaffeDraws`
reproduces them bit for bit on a `CaffeRNG`; `GeneratorDraws` samples the same distributions
from a numpy Generator at numpy's speed, with numpy's bits. Fillers see only this interface.

The argument checks Caffe makes inside these calls (a <= b, sigma > 0, 0 <= p <= 1) are
made by the fillers before anything is drawn, so that a failed fill changes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from . import boost, core
from .errors import FillerError
from .stream import CaffeRNG, global_stream

_CHUNK = 1 << 16
"""Elements per chunk for Generator draws: the in-place scaling runs while they are in cache."""


class CaffeDraws:
    """caffe_rng_* on Caffe's engine: Boost's distributions, Caffe's bits, from the compiled
    core when it is the backend (`fillers.backend()`), else from `boost`'s numpy code."""

    def __init__(self, rng: CaffeRNG) -> None:
        self.rng = rng

    def uniform(self, out: np.ndarray, a: float, b: float) -> None:
        """caffe_rng_uniform: Boost's uniform_real on [a, nextafter(b, +max)) in out's dtype."""
        rt = out.dtype.type
        upper = np.nextafter(rt(b), np.finfo(out.dtype).max)
        (core.uniform_real if core.available() else boost.uniform_real)(self.rng, out, rt(a), upper)

    def gaussian(self, out: np.ndarray, mean: float, sigma: float) -> None:
        """caffe_rng_gaussian: Boost's normal_distribution(mean, sigma) in out's dtype."""
        (core.normal if core.available() else boost.normal)(self.rng, out, mean, sigma)

    def bernoulli(self, out: np.ndarray, p: float, dtype: np.dtype) -> None:
        """caffe_rng_bernoulli: Boost's bernoulli_distribution<Dtype>(p) into a bool array."""
        (core.bernoulli if core.available() else boost.bernoulli)(self.rng, out, p, dtype)

    def bernoulli_mask(self, data: np.ndarray, p: float) -> None:
        """GaussianFiller's sparse step: caffe_rng_bernoulli(p) over all of `data`, then
        data[i] *= mask[i] (0 or 1 in data's dtype: a dropped negative becomes -0.0)."""
        if core.available():
            core.bernoulli_mask(self.rng, data, p)
            return
        mask = np.empty(min(len(data), _CHUNK), dtype=bool)
        for chunk in chunks(data):
            keep = mask[: len(chunk)]
            self.bernoulli(keep, p, data.dtype)
            np.multiply(chunk, keep, out=chunk)


class GeneratorDraws:
    """The same distributions from a numpy Generator: fast, not Caffe's bits."""

    def __init__(self, generator: np.random.Generator) -> None:
        self.generator = generator

    def uniform(self, out: np.ndarray, a: float, b: float) -> None:
        """Uniform on [a, b) in out's dtype."""
        rt = out.dtype.type
        # A span wider than the largest float is scaled at half size, then doubled.
        with np.errstate(over="ignore"):
            scale = 1 if np.isfinite(rt(b) - rt(a)) else 2
        low, span = rt(rt(a) / scale), rt(rt(b) / scale - rt(a) / scale)
        for chunk in chunks(out):
            self.generator.random(out=chunk, dtype=out.dtype)
            chunk *= span
            chunk += low
            if scale != 1:
                chunk *= scale

    def gaussian(self, out: np.ndarray, mean: float, sigma: float) -> None:
        """Normal(mean, sigma) in out's dtype."""
        rt = out.dtype.type
        for chunk in chunks(out):
            self.generator.standard_normal(out=chunk, dtype=out.dtype)
            chunk *= rt(sigma)
            chunk += rt(mean)

    def bernoulli(self, out: np.ndarray, p: float, dtype: np.dtype) -> None:
        """True with probability p (compared in `dtype`, as Caffe's mask is)."""
        uniform = np.empty(min(len(out), _CHUNK), dtype=dtype)
        for chunk in chunks(out):
            draws = uniform[: len(chunk)]
            self.generator.random(out=draws, dtype=dtype)
            np.less(draws, p, out=chunk)

    def bernoulli_mask(self, data: np.ndarray, p: float) -> None:
        """data[i] *= (1 with probability p, else 0), in data's dtype."""
        uniform = np.empty(min(len(data), _CHUNK), dtype=data.dtype)
        for chunk in chunks(data):
            draws = uniform[: len(chunk)]
            self.generator.random(out=draws, dtype=data.dtype)
            if core.available():
                core.mask_below(chunk, draws, p)
            else:
                np.multiply(chunk, draws < p, out=chunk)


Draws = CaffeDraws | GeneratorDraws
Stream = CaffeRNG | np.random.Generator


def stream_for(rng: Stream | None) -> Stream:
    """The stream `rng` names: a CaffeRNG or numpy Generator as given, None the global stream."""
    if rng is None:
        return global_stream()
    if not isinstance(rng, (CaffeRNG, np.random.Generator)):
        raise FillerError(f"rng: {rng!r} is not a fillers.CaffeRNG, a numpy Generator or None")
    return rng


def draws_for(rng: Stream | None) -> Draws:
    """The draws for a fill's `rng`: a CaffeRNG, a numpy Generator, or None (the global stream)."""
    stream = stream_for(rng)
    return CaffeDraws(stream) if isinstance(stream, CaffeRNG) else GeneratorDraws(stream)


@contextmanager
def rewound_on_error(stream: Stream) -> Iterator[None]:
    """Run a fill on `stream`; if it raises, for any reason (KeyboardInterrupt included),
    let no background draw outlive it and put the stream back where it stood, then let the
    exception go on. The raw outputs are unchanged, so a retry gives the same bits.

    Caffe has no such state to keep (it aborts); numpy's `Generator` streams are rewound alike.
    """
    holder = stream if isinstance(stream, CaffeRNG) else stream.bit_generator
    saved = holder.state
    try:
        with _generator_in_use(stream):
            yield
    except BaseException:
        boost.settle_background()
        holder.state = saved
        raise


_generators_in_use: dict[int, tuple[int, object]] = {}
"""id(bit generator) -> (how many fills use it, its lock), for the Generators fills draw from."""


@contextmanager
def _generator_in_use(stream: Stream) -> Iterator[None]:
    if isinstance(stream, CaffeRNG):  # CaffeRNG renews its own engines in a forked child
        yield
        return
    key, lock = id(stream.bit_generator), stream.bit_generator.lock
    count, _ = _generators_in_use.get(key, (0, lock))
    _generators_in_use[key] = (count + 1, lock)
    try:
        yield
    finally:
        count, _ = _generators_in_use.pop(key, (1, lock))
        if count > 1:
            _generators_in_use[key] = (count - 1, lock)


def _unlock_generators_in_child() -> None:
    # A child forked while another thread filled from a numpy Generator inherits its lock
    # held, by a thread the child does not have: reset it (threading does the same for its
    # own locks). The Generator's state there is undefined; the fill does not go on.
    for _, lock in _generators_in_use.values():
        reinit = getattr(lock, "_at_fork_reinit", None)
        if reinit is not None:
            reinit()
    _generators_in_use.clear()


os.register_at_fork(after_in_child=_unlock_generators_in_child)


def chunks(data: np.ndarray, size: int = _CHUNK) -> Iterator[np.ndarray]:
    """Consecutive views of at most `size` elements of the flat array `data`."""
    for start in range(0, len(data), size):
        yield data[start : start + size]
