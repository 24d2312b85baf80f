"""The three random calls Caffe's fillers make, over either kind of stream.

Caffe's math_functions.cpp wraps Boost as `caffe_rng_uniform(n, a, b, r)`,
`caffe_rng_gaussian(n, mu, sigma, r)` and `caffe_rng_bernoulli(n, p, r)`. `CaffeDraws`
reproduces them bit for bit on a `CaffeRNG`; `GeneratorDraws` samples the same distributions
from a numpy Generator at numpy's speed, with numpy's bits; `CounterDraws` samples them from a
`CounterRNG`, element i from word i, so any element is computed without the others. Fillers
see only this interface.

The argument checks Caffe makes inside these calls (a <= b, sigma > 0, 0 <= p <= 1) are
made by the fillers before anything is drawn, so that a failed fill changes nothing.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from ..errors import FillerError, check_failed
from ..stream.caffe import CaffeRNG, global_stream
from ..stream.counter import CounterRNG
from ..stream.philox import NUMPY
from ..stream.profiles import BOX_MULLER, DEFAULT_PROFILE, INVERSION_TAIL, PROFILES, Profile, get_profile
from . import boost, compiled, compiled_counter, eras, prefetch, rowsums, threads
from .counter_normal import bernoulli, bernoulli_threshold, normal_blocks, uniform01

_CHUNK = 1 << 16
"""Elements per chunk for Generator draws: the in-place scaling runs while they are in cache."""


def check_uniform_range(
    dtype: np.dtype, low: np.floating, high: np.floating, subject: str, profile: Profile
) -> None:
    """Raise FillerError where caffe_rng_uniform(low, high) in `dtype` would abort, hang or
    recurse on the Boost.Random of `profile`: Caffe's CHECK_LE(a, b), which NaN fails too."""
    if not low <= high:
        raise check_failed(subject, "a <= b", low, high, "the lower bound must not exceed the upper")
    # Boost halves an infinite range forever (Caffe dies of a stack overflow), and a range
    # [max, max] never yields a value below its bound (Caffe hangs).
    if not (np.isfinite(low) and np.isfinite(high)):
        # Boost 1.54 has no halving: its loop never returns instead.
        fate = "never returns" if profile.boost_era == BOX_MULLER else "recurses until its stack overflows"
        raise FillerError(f"{subject}: uniform bounds must be finite (Caffe {fate})")
    if high == np.finfo(dtype).max and low == high:
        raise FillerError(f"{subject}: uniform on [max, max] never returns (Caffe loops forever)")
    if profile.boost_era == BOX_MULLER:
        eras.check_uniform_span(low, np.nextafter(high, np.finfo(dtype).max), subject)


def check_sigma(sigma: np.floating, subject: str) -> None:
    """Raise FillerError where caffe_rng_gaussian would abort: CHECK_GT(sigma, 0), which NaN
    fails too."""
    if not sigma > 0:
        raise check_failed(subject, "sigma > 0", sigma, 0, "the standard deviation must be > 0")


class _Draws:
    """What every kind of draws carries: the stream it draws from, the profile fills on it
    follow, and the backend, chosen once here (the compiled core when it is in use, see
    `fillers.backend()`, else numpy code) rather than at every call."""

    profile: Profile = DEFAULT_PROFILE
    """Fillers follow Caffe master's code unless the stream is a CaffeRNG of another build."""

    def __init__(self, stream: RNGLike) -> None:
        self.stream = stream
        self.compiled = compiled.available()

    def normalize_rows(self, rows: np.ndarray) -> None:
        """Divide each row of the 2-D array `rows` in place by its sum, added left to right in
        the rows' dtype as Caffe's positive_unitball adds it."""
        (compiled.normalize_rows if self.compiled else rowsums.normalize_rows)(rows)


class CaffeDraws(_Draws):
    """caffe_rng_* on Caffe's engine: Boost's distributions, Caffe's bits, of the Boost.Random
    era the stream's profile names, from the compiled core when it is the backend
    (`fillers.backend()`), else from numpy code (`boost`, `eras`)."""

    def __init__(self, rng: CaffeRNG) -> None:
        super().__init__(rng)
        self.rng = rng
        self.profile = rng.profile

    def uniform(self, out: np.ndarray, a: float, b: float) -> None:
        """caffe_rng_uniform: Boost's uniform_real on [a, nextafter(b, +max)) in out's dtype."""
        rt = out.dtype.type
        upper = np.nextafter(rt(b), np.finfo(out.dtype).max)
        if self.profile.boost_era == BOX_MULLER:
            eras.check_uniform_span(rt(a), upper, f"uniform [{a}, {b}]")
        (compiled.uniform_real if self.compiled else boost.uniform_real)(self.rng, out, rt(a), upper)

    def gaussian(self, out: np.ndarray, mean: float, sigma: float) -> None:
        """caffe_rng_gaussian: Boost's normal_distribution(mean, sigma) in out's dtype."""
        era = self.profile.boost_era
        if self.compiled:
            compiled.normal(self.rng, out, mean, sigma, era=compiled.ERA_CODES[era])
        elif era == BOX_MULLER:
            eras.box_muller_normal(self.rng, out, mean, sigma)
        elif era == INVERSION_TAIL:
            eras.inversion_normal(self.rng, out, mean, sigma)
        else:
            boost.normal(self.rng, out, mean, sigma)

    def bernoulli(self, out: np.ndarray, p: float, dtype: np.dtype) -> None:
        """caffe_rng_bernoulli: Boost's bernoulli_distribution<Dtype>(p) into a bool array."""
        (compiled.bernoulli if self.compiled else boost.bernoulli)(self.rng, out, p, dtype)

    def bernoulli_mask(self, data: np.ndarray, p: float) -> None:
        """GaussianFiller's sparse step: caffe_rng_bernoulli(p) over all of `data`, then
        data[i] *= mask[i] (0 or 1 in data's dtype: a dropped negative becomes -0.0)."""
        if self.compiled:
            compiled.bernoulli_mask(self.rng, data, p)
            return
        _mask_by_bernoulli(self, data, p)


class GeneratorDraws(_Draws):
    """The same distributions from a numpy Generator: fast, not Caffe's bits."""

    def __init__(self, generator: np.random.Generator) -> None:
        super().__init__(generator)
        self.generator = generator

    def uniform(self, out: np.ndarray, a: float, b: float) -> None:
        """Uniform on [a, b) in out's dtype."""
        to_range = UnitToRange(out.dtype, a, b)
        for chunk in chunks(out):
            self.generator.random(out=chunk, dtype=out.dtype)
            to_range(chunk)

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
            if self.compiled:
                compiled.mask_below(chunk, draws, p)
            else:
                np.multiply(chunk, draws < p, out=chunk)


class CounterDraws(_Draws):
    """The same distributions from a CounterRNG, the draws of elements start, start + 1, ...

    Element i's uniform is word i: (w >> 8) / 2**24 in float32, w / 2**32 in float64, then
    scaled to [a, b) in the dtype. Its normal comes from the aligned pair of words 2j, 2j + 1
    holding it (`counter_normal`, in the dtype), times sigma plus mean in the dtype. Its
    Bernoulli mask bit is word i of the sub-stream keyed "<key>/mask" below p * 2**32. Each
    call takes the next elements of its stream: values and mask bits keep separate positions.
    The compiled core, when it is the backend, computes the same bits (fillers/_core/counter.c).
    """

    def __init__(self, rng: CounterRNG, start: int = 0) -> None:
        super().__init__(rng)
        self.rng = rng
        self.position = start
        self.mask_position = start
        if self.compiled:
            threads.num_threads()  # a bad FILLERS_NUM_THREADS fails here, before anything is drawn

    def _take(self, count: int) -> int:
        start, self.position = self.position, self.position + count
        return start

    @functools.cached_property
    def mask_rng(self) -> CounterRNG:
        """The sub-stream of the sparse mask's bits, keyed only when a mask is drawn: a region
        of many short runs makes draws for each run, and most fills draw no mask."""
        return self.rng.child("mask")

    def uniform(self, out: np.ndarray, a: float, b: float) -> None:
        """Uniform on [a, b) in out's dtype, one word per element."""
        to_range = UnitToRange(out.dtype, a, b)
        start = self._take(len(out))
        if _use_core(self, out):
            doubled = to_range.scale != 1
            compiled_counter.uniform(self.rng.key_words, start, out, to_range.low, to_range.span, doubled)
            return
        done = 0
        for words in self.rng.word_chunks(start, len(out)):
            chunk = out[done : done + len(words)]
            done += len(words)
            chunk[:] = uniform01(NUMPY, words, out.dtype)
            to_range(chunk)

    def gaussian(self, out: np.ndarray, mean: float, sigma: float) -> None:
        """Normal(mean, sigma) in out's dtype: Box-Muller over aligned pairs of words."""
        rt = out.dtype.type
        first = self._take(len(out))
        if _use_core(self, out):
            compiled_counter.normal(self.rng.key_words, first, out, mean, sigma)
            return
        # Whole Philox blocks (4 words, 2 pairs) from the one holding element `first`.
        head = first % 4
        done = 0
        for words in self.rng.word_chunks(first - head, head + len(out) + (-(head + len(out)) % 4)):
            blocks = words.reshape(-1, 4)
            with np.errstate(all="ignore"):
                normals = np.stack(normal_blocks(NUMPY, tuple(blocks.T), out.dtype), axis=-1).reshape(-1)
            flat = normals[head : head + len(out) - done]
            out[done : done + len(flat)] = flat
            done += len(flat)
            head = 0
        out *= rt(sigma)
        out += rt(mean)

    def bernoulli(self, out: np.ndarray, p: float, dtype: np.dtype) -> None:
        """True with probability p (p taken in `dtype`, as Caffe's mask compares)."""
        start, self.mask_position = self.mask_position, self.mask_position + len(out)
        if _use_core(self, out):
            compiled_counter.bernoulli(self.mask_rng.key_words, start, out, p, dtype)
            return
        threshold = bernoulli_threshold(p, dtype)
        done = 0
        for words in self.mask_rng.word_chunks(start, len(out)):
            out[done : done + len(words)] = bernoulli(NUMPY, words, threshold)
            done += len(words)

    def bernoulli_mask(self, data: np.ndarray, p: float) -> None:
        """GaussianFiller's sparse step: data[i] *= mask bit i (0 or 1 in data's dtype, so a
        dropped negative becomes -0.0), the bits from `bernoulli`."""
        _mask_by_bernoulli(self, data, p)


def _mask_by_bernoulli(draws: CaffeDraws | CounterDraws, data: np.ndarray, p: float) -> None:
    """data[i] *= bernoulli draw i, chunk by chunk through one bool buffer."""
    mask = np.empty(min(len(data), _CHUNK), dtype=bool)
    for chunk in chunks(data):
        keep = mask[: len(chunk)]
        draws.bernoulli(keep, p, data.dtype)
        np.multiply(chunk, keep, out=chunk)


def _use_core(draws: CounterDraws, out: np.ndarray) -> bool:
    """Whether counter draws into `out` run in the compiled core (its loops write contiguous
    arrays; they give the numpy code's bits)."""
    return draws.compiled and out.flags.c_contiguous


class UnitToRange:
    """Maps values in [0, 1) of a dtype onto [a, b) in place, in that dtype: x -> a + x (b - a)."""

    def __init__(self, dtype: np.dtype, a: float, b: float) -> None:
        rt = dtype.type
        # A span wider than the largest float is scaled at half size, then doubled.
        with np.errstate(over="ignore"):
            self.scale = 1 if np.isfinite(rt(b) - rt(a)) else 2
        self.low = rt(rt(a) / self.scale)
        self.span = rt(rt(b) / self.scale - rt(a) / self.scale)

    def __call__(self, chunk: np.ndarray) -> None:
        chunk *= self.span
        chunk += self.low
        if self.scale != 1:
            chunk *= self.scale


Draws = CaffeDraws | GeneratorDraws | CounterDraws
RNGLike = CaffeRNG | np.random.Generator | CounterRNG
"""What a fill's `rng=` takes (besides None, the global stream): the stream it draws from."""


def stream_for(rng: RNGLike | None) -> RNGLike:
    """The stream `rng` names: a CaffeRNG or numpy Generator as given, None the global stream."""
    if rng is None:
        return global_stream()
    if not isinstance(rng, (CaffeRNG, np.random.Generator, CounterRNG)):
        raise FillerError(
            f"rng: {rng!r} is not a fillers.CaffeRNG, a fillers.CounterRNG, a numpy Generator or None"
        )
    return rng


def profile_of(stream: RNGLike, profile: str | Profile | None = None) -> Profile:
    """The profile fills on `stream` follow: a CaffeRNG's own, the default for a numpy
    Generator or a CounterRNG. A `profile` given as well must be that one, else FillerError
    listing the names."""
    own = stream.profile if isinstance(stream, CaffeRNG) else DEFAULT_PROFILE
    if profile is not None and get_profile(profile) != own:
        which = (
            "a numpy Generator (Caffe master's code)"
            if isinstance(stream, np.random.Generator)
            else repr(stream)
        )
        raise FillerError(
            f"profile: {str(get_profile(profile))!r} contradicts the stream's, {which} follows "
            f"{own.name!r}; the profiles are {', '.join(PROFILES)}"
        )
    return own


def draws_for(rng: RNGLike | None) -> Draws:
    """The draws for a fill's `rng`: a CaffeRNG, a numpy Generator, a CounterRNG (from element
    0), or None (the global stream)."""
    stream = stream_for(rng)
    if isinstance(stream, CaffeRNG):
        return CaffeDraws(stream)
    if isinstance(stream, CounterRNG):
        return CounterDraws(stream)
    return GeneratorDraws(stream)


@contextmanager
def rewound_on_error(stream: RNGLike) -> Iterator[None]:
    """Run a fill on `stream`; if it raises, for any reason (KeyboardInterrupt included),
    let no background draw outlive it and put the stream back where it stood, then let the
    exception go on. The raw outputs are unchanged, so a retry gives the same bits.

    Caffe has no such state to keep (it aborts); numpy's `Generator` streams are rewound alike.
    A CaffeRNG is held for the whole fill (`CaffeRNG.exclusive`): fills from several threads
    on one CaffeRNG run one at a time, and a rewind never undoes another thread's draws. A
    numpy Generator is not held so (numpy locks it per call only): share one across threads
    only for fills that cannot fail.
    """
    if isinstance(stream, CounterRNG):  # no state: a counter stream has nothing to rewind
        yield
        return
    if isinstance(stream, CaffeRNG):
        with stream.exclusive():
            saved = stream.state
            try:
                yield
            except BaseException:
                prefetch.settle_background()
                stream.state = saved
                raise
        return
    holder = stream.bit_generator
    saved = holder.state
    try:
        with _generator_in_use(stream):
            yield
    except BaseException:
        prefetch.settle_background()
        holder.state = saved
        raise


_generators_in_use: dict[int, tuple[int, object]] = {}
"""id(bit generator) -> (how many fills use it, its lock), for the Generators fills draw from."""


@contextmanager
def _generator_in_use(stream: np.random.Generator) -> Iterator[None]:
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
