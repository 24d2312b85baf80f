"""A counter-based stream: any 32-bit word of a parameter reachable directly, no state.

`CounterRNG(seed, key)` names an infinite array of 32-bit words (stream version 2, see
docs/counter.md). The key words (s0, s1, s2, s3) are BLAKE2b (16-byte digest, person
"fillers.counter") of the seed as 8 little-endian bytes followed by the UTF-8 key string,
read as four little-endian 32-bit words. Word i is word i mod 4 of Philox4x32-10
(`fillers.philox`) at the counter (b mod 2**32, b // 2**32, s2, s3), b = i // 4, under the key
(s0, s1). So word i depends only on (seed, key, i): a shard computes its own words without
drawing anyone else's.

This is not Caffe's stream and gives none of Caffe's bits; it gives the same values for
every chunking of a tensor, on any machine, from C, numpy or jax.numpy.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import numpy as np

from ..errors import FillerError
from . import philox

STREAM_VERSION = 2
"""Counter mode's values changed once, with Philox4x32-10 and the libm-free normal (issue
22); version 1 was Philox4x64-10 with table-driven Box-Muller. docs/counter.md."""
_SEED_LIMIT = 1 << 64
_CHUNK = 1 << 16


def check_counter_seed(seed: object) -> int:
    """`seed` as an int if it is an unsigned 64-bit integer, else FillerError."""
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise FillerError(f"seed: {seed!r} is not an integer; a counter seed is an unsigned 64-bit int")
    if not 0 <= int(seed) < _SEED_LIMIT:
        raise FillerError(f"seed: {seed} is out of range; a counter seed is an unsigned 64-bit int")
    return int(seed)


class CounterRNG:
    """A counter-based stream: word i of (seed, key) computed directly from i.

    key names the parameter (`init_net` uses "<layer>/<index>", `fillers.torch.init_` the
    parameter's fully qualified name, "features.0.weight"); two keys give independent
    streams from one seed. `child(name)` is the stream keyed "<key>/<name>".

    Examples:
        >>> rng = CounterRNG(1, key="conv1/0")
        >>> bool((rng.words(5, 3) == rng.words(0, 8)[5:]).all())
        True
    """

    def __init__(self, seed: int, key: str | None = None) -> None:
        self.seed = check_counter_seed(seed)
        if key is not None and not isinstance(key, str):
            raise FillerError(f"key: {key!r} is not a string (the parameter's name) or None")
        self.key = "" if key is None else key
        digest = hashlib.blake2b(
            self.seed.to_bytes(8, "little") + self.key.encode("utf-8"),
            digest_size=16,
            person=b"fillers.counter",
        ).digest()
        self.key_words: tuple[int, int, int, int] = tuple(
            int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4)
        )
        """(s0, s1, s2, s3): Philox's key (s0, s1) and its counter's upper words (s2, s3)."""

    def child(self, name: str) -> CounterRNG:
        """The stream of the same seed keyed "<key>/<name>" (just `name` if the key is empty).

        Examples:
            >>> CounterRNG(1, key="fc6/0").child("mask").key
            'fc6/0/mask'
        """
        return CounterRNG(self.seed, f"{self.key}/{name}" if self.key else name)

    def words(self, start: int, count: int) -> np.ndarray:
        """Words start .. start + count - 1, as uint32."""
        out = np.empty(count, dtype=np.uint32)
        position = 0
        for chunk in self.word_chunks(start, count):
            out[position : position + len(chunk)] = chunk
            position += len(chunk)
        return out

    def word_chunks(self, start: int, count: int, size: int = _CHUNK) -> Iterator[np.ndarray]:
        """Words start .. start + count - 1 in consecutive uint32 arrays of at most `size`."""
        if start < 0 or count < 0:
            raise FillerError(f"words: start {start} and count {count} must be >= 0")
        for offset in range(0, count, size):
            yield philox.numpy_words(self.key_words, start + offset, min(size, count - offset))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CounterRNG) and (self.seed, self.key) == (other.seed, other.key)

    def __hash__(self) -> int:
        return hash((CounterRNG, self.seed, self.key))

    def __repr__(self) -> str:
        return f"CounterRNG(seed={self.seed}, key={self.key!r})"
