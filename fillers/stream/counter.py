"""A counter-based stream: any 32-bit word of a parameter reachable directly, no state.

`CounterRNG(seed, key)` names an infinite array of 32-bit words. Word i is the (i mod 8)-th
32-bit half of Philox4x64-10 (numpy's `Philox`) applied to the 256-bit counter i // 8 under
a 128-bit key, halves taken low then high. The key is BLAKE2b (16-byte digest,
person "fillers.counter") of the seed as 8 little-endian bytes followed by the UTF-8 key
string, read as two little-endian 64-bit words. So word i depends only on (seed, key, i):
a shard computes its own words without drawing anyone else's.

This is not Caffe's stream and gives none of Caffe's bits; it gives the same values for
every chunking of a tensor, on any machine.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import numpy as np

from ..errors import FillerError

_WORDS_PER_BLOCK = 8
"""32-bit words in one Philox4x64 output block (four 64-bit words)."""
_COUNTER_MODULUS = 1 << 256
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
        self.philox_key = int.from_bytes(digest, "little")
        """The 128-bit Philox key (word 0 is its low 64 bits)."""

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
        block, skip = divmod(start, _WORDS_PER_BLOCK)
        # numpy's Philox increments its counter before each block: counter c yields block c + 1.
        bit_generator = np.random.Philox(key=self.philox_key, counter=(block - 1) % _COUNTER_MODULUS)
        # integers() over the whole uint32 range returns the raw 32-bit halves, low then high.
        generator = np.random.Generator(bit_generator)
        if skip:
            generator.integers(0, 1 << 32, size=skip, dtype=np.uint32)
        for offset in range(0, count, size):
            yield generator.integers(0, 1 << 32, size=min(size, count - offset), dtype=np.uint32)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CounterRNG) and (self.seed, self.key) == (other.seed, other.key)

    def __hash__(self) -> int:
        return hash((CounterRNG, self.seed, self.key))

    def __repr__(self) -> str:
        return f"CounterRNG(seed={self.seed}, key={self.key!r})"
