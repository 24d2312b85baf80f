"""Caffe's random stream: one boost::mt19937 that every filler draws from, in order.

`CaffeRNG(seed)` is the engine `Caffe::set_random_seed(seed)` installs. boost::mt19937(s)
and numpy's MT19937 with legacy seeding (the one `RandomState(s)` uses) run the standard
Mersenne Twister from the standard `init_genrand` seeding, so they give the same 32-bit
outputs; we drive numpy's generator rather than write a twister.
"""

from __future__ import annotations

import os
import weakref

import numpy as np

from ..errors import FillerError
from .profiles import DEFAULT_PROFILE, Profile, get_profile

_UINT32_MAX = 0xFFFFFFFF
_MT_STATE_WORDS = 624


def check_seed(seed: object) -> int:
    """Return `seed` as an int if it is an unsigned 32-bit integer, else raise FillerError.

    Caffe's seed is `unsigned int`; a larger or negative value would wrap silently in C++,
    so we refuse it rather than guess.
    """
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise FillerError(f"seed: {seed!r} is not an integer; Caffe's seed is an unsigned 32-bit int")
    if not 0 <= int(seed) <= _UINT32_MAX:
        raise FillerError(
            f"seed: {seed} is out of range; Caffe's seed is an unsigned 32-bit int (0..4294967295)"
        )
    return int(seed)


def _init_genrand(seed: int) -> np.ndarray:
    """The 624-word state of mt19937 after the standard seeding `mt19937(seed)`."""
    key = np.empty(_MT_STATE_WORDS, dtype=np.uint32)
    word = seed
    key[0] = word
    for i in range(1, _MT_STATE_WORDS):
        word = (1812433253 * (word ^ (word >> 30)) + i) & _UINT32_MAX
        key[i] = word
    return key


class CaffeRNG:
    """The stream `Caffe::set_random_seed(seed)` gives: boost::mt19937(seed).

    Every Caffe-exact draw takes raw 32-bit outputs from it in order, so filling blob A
    then blob B continues one stream, as in Caffe.

    `profile` names the Caffe build whose bits the fills on this stream reproduce (see
    `fillers.profiles()`); the engine is the same for all of them.

    Examples:
        >>> rng = CaffeRNG(5489)
        >>> int(rng.random_raw(1)[0])   # the first output of the standard mt19937
        3499211612
    """

    def __init__(self, seed: int | None = None, profile: str | Profile | None = None) -> None:
        self.profile = get_profile(profile)
        if seed is None:
            seed = int.from_bytes(os.urandom(4), "little")
        self.seed = check_seed(seed)
        self._engine(
            {"bit_generator": "MT19937", "state": {"key": _init_genrand(self.seed), "pos": _MT_STATE_WORDS}}
        )
        _live_streams.add(self)

    def _engine(self, state: dict) -> None:
        """A new numpy engine (with its own lock) at `state`."""
        self._bit_generator = np.random.MT19937()
        self._bit_generator.state = state
        # Generator.integers over the full uint32 range returns the raw outputs unchanged,
        # straight into a uint32 array (random_raw widens them to uint64).
        self._generator = np.random.Generator(self._bit_generator)

    def random_raw(self, n: int) -> np.ndarray:
        """The next `n` raw 32-bit outputs of the engine, as uint32 (diagnostics).

        Examples:
            >>> CaffeRNG(5489).random_raw(3)  # the standard mt19937's first outputs
            array([3499211612,  581869302, 3890346734], dtype=uint32)
        """
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 0:
            raise FillerError(f"n: {n!r} is not a count of raw outputs (an int >= 0)")
        try:
            # numpy allocates the result before it draws: a refusal leaves the stream as it was.
            return self._generator.integers(0, 1 << 32, size=int(n), dtype=np.uint32)
        except (ValueError, MemoryError) as error:
            raise FillerError(f"n: {n} raw outputs do not fit in memory ({error})") from None

    @property
    def state(self) -> dict:
        """The engine's position: its 624 state words and the index of the next one to use.

        Assign a state taken earlier to rewind the stream to it (a failed fill does so).
        """
        return self._bit_generator.state

    @state.setter
    def state(self, value: dict) -> None:
        self._bit_generator.state = value

    @property
    def bit_generator(self) -> np.random.MT19937:
        """The numpy MT19937 that holds the engine's state (the compiled core advances it in place)."""
        return self._bit_generator

    def __repr__(self) -> str:
        if self.profile == DEFAULT_PROFILE:
            return f"CaffeRNG(seed={self.seed})"
        return f"CaffeRNG(seed={self.seed}, profile={self.profile.name!r})"


_live_streams: weakref.WeakSet[CaffeRNG] = weakref.WeakSet()


def _new_engines_in_child() -> None:
    # numpy's engine holds a lock while it draws; a child forked meanwhile (by another
    # thread) inherits it locked, with no thread to release it. Each stream gets a new
    # engine at the same state (undefined for a stream that was mid-draw: that fill does
    # not go on in the child).
    for stream in list(_live_streams):
        stream._engine(stream.state)


os.register_at_fork(after_in_child=_new_engines_in_child)

_global_stream: CaffeRNG | None = None


def set_random_seed(seed: int, profile: str | Profile | None = None) -> None:
    """Reset the global stream to `mt19937(seed)`, like `caffe.set_random_seed(seed)`, for
    the build `profile` names (default: the reference).

    Examples:
        >>> from fillers import get_filler
        >>> set_random_seed(1701)
        >>> w = get_filler({"type": "xavier"}).fill((4, 3))  # no rng: the global stream
        >>> bool((w == get_filler({"type": "xavier"}).fill((4, 3), rng=CaffeRNG(1701))).all())
        True
    """
    global _global_stream
    _global_stream = CaffeRNG(check_seed(seed), profile)


def global_stream() -> CaffeRNG:
    """The stream fills use when given no `rng`; seeded from the OS until `set_random_seed`."""
    global _global_stream
    if _global_stream is None:
        _global_stream = CaffeRNG()
    return _global_stream
