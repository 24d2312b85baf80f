"""Known-answer vectors for counter mode, stream version 2 (docs/counter.md), in the manner of
Random123's kat_vectors: Philox4x32-10 itself, a CounterRNG's words and keys, and every
builtin filler's fill, on each path that computes them (the compiled core, the numpy code;
jax.numpy in tests/test_jax_counter.py). A change to any of these values is a new stream
version, to be recorded in docs/counter.md."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

import fillers
from fillers.random import compiled as core
from fillers.random import compiled_counter as counter_core
from fillers.stream import philox

PHILOX4X32_10 = [
    # Random123 kat_vectors: counter, key, output
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    (
        (0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344),
        (0xA4093822, 0x299F31D0),
        (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1),
    ),
]
SEED, KEY = 1701, "conv1/0"
KEY_WORDS = (2851205080, 1355756234, 2697021775, 2296419885)
WORDS = (0xC500B827, 0x0C5F4615, 0x0E2CE96A, 0x7473EF65, 0x902F677F, 0x9BF5C0FC, 0x20C5151C, 0x5F7340CC)
SHAPE = (3, 4, 5, 5)
FILLS = {
    # spec: {dtype: (sha256 of the fill's bytes, first 16 hex digits; its first three values)}
    'type: "constant" value: 0.25': {
        "float32": ("971253403b9cc736", ("0x1p-2", "0x1p-2", "0x1p-2")),
        "float64": ("57e23f315047077c", ("0x1p-2", "0x1p-2", "0x1p-2")),
    },
    'type: "uniform" min: -2 max: 3': {
        "float32": ("92ae88ac6b033a38", ("0x1.d90398p+0", "-0x1.c223a2p+0", "-0x1.b91f74p+0")),
        "float64": ("d1d8f7f807767bbf", ("0x1.d90398c3p+0", "-0x1.c223a197p+0", "-0x1.b91f70eep+0")),
    },
    'type: "gaussian" mean: 0.5 std: 2': {
        "float32": ("8287d13980203902", ("0x1.e1a45p+0", "0x1.dda082p-1", "-0x1.07a4e2p+2")),
        "float64": (
            "3db4ca1ca39035ef",
            ("0x1.e1a45133f6a5cp+0", "0x1.dda08186e4d76p-1", "-0x1.07a4e25f1e241p+2"),
        ),
    },
    'type: "gaussian" std: 1 sparse: 2': {
        "float32": ("5b277736ff387086", ("0x1.61a45p-1", "0x1.bb4104p-3", "-0x1.27a4e2p+1")),
        "float64": (
            "40a27bdad24b207b",
            ("0x1.61a45133f6a5cp-1", "0x1.bb41030dc9aecp-3", "-0x1.27a4e25f1e241p+1"),
        ),
    },
    'type: "positive_unitball"': {
        "float32": ("4651088d5a0007e4", ("0x1.fcdb5ep-7", "0x1.ff50bap-11", "0x1.24eb9ap-10")),
        "float64": (
            "f05cdfa8e19ff670",
            ("0x1.fcdb630884097p-7", "0x1.ff50c2d54e934p-11", "0x1.24eba4ffdf3cbp-10"),
        ),
    },
    'type: "xavier" variance_norm: AVERAGE': {
        "float32": ("afb66d62cb5d267d", ("0x1.98dbdcp-4", "-0x1.568fd4p-3", "-0x1.51382cp-3")),
        "float64": (
            "a3f520019168eea7",
            ("0x1.98dbdab01d0dep-4", "-0x1.568fd4d8c8b1fp-3", "-0x1.51382be23a3eap-3"),
        ),
    },
    'type: "msra"': {
        "float32": ("804ad9e710a2d6c6", ("0x1.90199cp-4", "0x1.f57c0ep-6", "-0x1.4e7baap-2")),
        "float64": (
            "9d0a848205a224a3",
            ("0x1.90199fe9404c2p-4", "0x1.f57c0ed59a145p-6", "-0x1.4e7babfd51bc2p-2"),
        ),
    },
    'type: "bilinear"': {
        "float32": ("a6301a89ce9536da", ("0x1.c71c6ep-4", "0x1.c71c6ep-3", "0x1.555554p-2")),
        "float64": (
            "7782c5b5eb9828ac",
            ("0x1.c71c71c71c71ep-4", "0x1.c71c71c71c71ep-3", "0x1.5555555555556p-2"),
        ),
    },
}
PATHS = ["core", "numpy"]


@pytest.fixture(params=PATHS)
def path(request, monkeypatch):
    """Runs the test on one path: the compiled core, or the numpy code."""
    if request.param == "core":
        if not core.available():
            pytest.skip(f"the compiled core is not in use: {core.why_numpy()}")
    else:
        monkeypatch.setattr(core, "_library", None)
        monkeypatch.setattr(core, "_loaded", True)
    return request.param


def kat_summary(values: np.ndarray) -> tuple[str, tuple[str, ...]]:
    digest = hashlib.sha256(np.ascontiguousarray(values).tobytes()).hexdigest()[:16]
    return digest, tuple(float(x).hex() for x in values.reshape(-1)[:3])


@pytest.mark.parametrize(("counter", "key", "expected"), PHILOX4X32_10)
def test_philox4x32_10_matches_random123(counter, key, expected):
    low, high = (np.array([c], dtype=np.uint32) for c in counter[:2])
    for ops in (philox.NUMPY, philox.Ops(np, lambda x, dtype: x.view(dtype), wide_multiply=False)):
        out = philox.blocks(ops, (*key, *counter[2:]), low, high)
        assert tuple(int(word[0]) for word in out) == expected
    if core.available() and counter[:2] == (0, 0):
        # the core's block 0 of a stream whose key words are (key, counter's upper words)
        assert tuple(counter_core.words((*key, *counter[2:]), 0, 4)) == expected


def test_stream_key_and_words():
    rng = fillers.CounterRNG(SEED, key=KEY)
    digest = hashlib.blake2b(
        SEED.to_bytes(8, "little") + KEY.encode(), digest_size=16, person=b"fillers.counter"
    ).digest()
    assert (
        rng.key_words
        == KEY_WORDS
        == tuple(int.from_bytes(digest[i : i + 4], "little") for i in (0, 4, 8, 12))
    )
    assert tuple(rng.words(0, 8)) == WORDS
    if core.available():
        assert tuple(counter_core.words(rng.key_words, 0, 8)) == WORDS


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("spec", list(FILLS))
def test_every_filler_on_every_path(spec, dtype, path):
    values = fillers.get_filler(fillers.parse(spec)).fill(
        SHAPE, dtype=dtype, rng=fillers.CounterRNG(SEED, KEY)
    )
    digest, first = FILLS[spec][dtype]
    assert kat_summary(values) == (digest, tuple(float.fromhex(x).hex() for x in first))
