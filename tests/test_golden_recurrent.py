"""LSTM, RNN, LSTMUnit and Im2col against real Caffe, on both backends.

tests/data/golden/recurrent/nets.jsonl (copied from ../shared/golden/recurrent; its README says
what Caffe ran) holds what BVLC Caffe's Net constructor gave: a recurrent layer's blobs come
from the unrolled inner net it builds and fills in its own setup, so the blobs' bits and the
stream position after the net pin the inner net's layers, their order, shapes and draws.
Each case runs on the compiled core and on the numpy fallback (FILLERS_BACKEND=numpy).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

import fillers
from fillers import init_net
from fillers.random import compiled

GOLDEN = Path(__file__).parent / "data" / "golden" / "recurrent" / "nets.jsonl"
CASES = [json.loads(line) for line in GOLDEN.read_text().splitlines() if line.strip()]
IDS = [case["case"]["id"] for case in CASES]
DTYPES = {"float": np.float32, "double": np.float64}


@pytest.fixture(params=["core", "numpy"])
def backend(request, monkeypatch):
    """Caffe-exact fills on the named backend for the test, as FILLERS_BACKEND chooses it."""
    if request.param == "core" and not compiled._LIBRARY_PATH.exists():
        pytest.skip(f"the compiled core is not built ({compiled._LIBRARY_PATH})")
    monkeypatch.setattr(compiled, "_loaded", False)
    monkeypatch.setattr(compiled, "_library", None)
    monkeypatch.setattr(compiled, "_why_not", "")
    monkeypatch.setenv(compiled.ENV_VAR, request.param)
    assert fillers.backend() == request.param
    return request.param


def _run(case: dict) -> tuple[fillers.NetParams, fillers.CaffeRNG]:
    rng = fillers.CaffeRNG(case["seed"])
    params = init_net(case["prototxt"], phase=case["phase"], rng=rng, dtype=DTYPES[case["dtype"]])
    return params, rng


def _bits(blob: np.ndarray) -> list[str]:
    width = 8 if blob.dtype == np.float32 else 16
    view = blob.reshape(-1).view(np.uint32 if width == 8 else np.uint64)
    return [f"{int(word):0{width}x}" for word in view[:64]]


@pytest.mark.parametrize("golden", CASES, ids=IDS)
def test_every_blob_matches_caffe_bit_for_bit(golden, backend):
    params, _ = _run(golden["case"])
    expected = golden["result"]["params"]
    actual = [(layer, index, blob) for layer, blobs in params.items() for index, blob in enumerate(blobs)]
    assert [(layer, index) for layer, index, _ in actual] == [(p["layer"], p["index"]) for p in expected]
    for (layer, _, blob), want in zip(actual, expected, strict=True):
        assert params.types[layer] == want["layer_type"]
        assert list(blob.shape) == want["shape"], want["layer"]
        assert _bits(blob) == want["bits"][:64], f"{want['layer']} blob {want['index']}"
        digest = hashlib.sha256(blob.astype(blob.dtype.newbyteorder("<"), copy=False).tobytes()).hexdigest()
        assert digest == want["sha256"], f"{want['layer']} blob {want['index']}"


@pytest.mark.parametrize("golden", CASES, ids=IDS)
def test_stream_stops_where_caffes_did(golden, backend):
    _, rng = _run(golden["case"])
    assert int(rng.random_raw(1)[0]) == golden["result"]["next_raw"]


def test_the_cases_cover_every_new_layer_type():
    types = {p["layer_type"] for case in CASES for p in case["result"]["params"]}
    text = "".join(case["case"]["prototxt"] for case in CASES)
    assert {"LSTM", "RNN"} <= types
    assert 'type: "LSTMUnit"' in text and 'type: "Im2col"' in text and 'bottom: "xs"' in text
