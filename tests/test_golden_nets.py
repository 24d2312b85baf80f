"""Whole nets against real Caffe: tests/data/golden/nets.jsonl holds what BVLC Caffe's Net
constructor gave for LeNet, an FCN upsampling net and a ResNet block (see
../shared/golden/README.md). Every blob must match bit for bit, in Caffe's order, and the
stream must stop where Caffe's did."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

import fillers
from fillers import init_net

GOLDEN = Path(__file__).parent / "data" / "golden" / "nets.jsonl"
CASES = [json.loads(line) for line in GOLDEN.read_text().splitlines() if line.strip()]
IDS = [case["case"]["id"] for case in CASES]
DTYPES = {"float": np.float32, "double": np.float64}


def _run(case: dict) -> tuple[dict, fillers.CaffeRNG]:
    rng = fillers.CaffeRNG(case["seed"])
    params = init_net(case["prototxt"], phase=case["phase"], rng=rng, dtype=DTYPES[case["dtype"]])
    return params, rng


@pytest.mark.parametrize("golden", CASES, ids=IDS)
def test_every_blob_matches_caffe_bit_for_bit(golden):
    params, _ = _run(golden["case"])
    expected = golden["result"]["params"]
    actual = [(layer, index, blob) for layer, blobs in params.items() for index, blob in enumerate(blobs)]
    assert [(layer, index) for layer, index, _ in actual] == [(p["layer"], p["index"]) for p in expected]
    for (_, _, blob), want in zip(actual, expected, strict=True):
        assert list(blob.shape) == want["shape"], want["layer"]
        digest = hashlib.sha256(blob.astype(blob.dtype.newbyteorder("<"), copy=False).tobytes()).hexdigest()
        assert digest == want["sha256"], f"{want['layer']} blob {want['index']}"


@pytest.mark.parametrize("golden", CASES, ids=IDS)
def test_stream_stops_where_caffes_did(golden):
    _, rng = _run(golden["case"])
    assert int(rng.random_raw(1)[0]) == golden["result"]["next_raw"]


@pytest.mark.parametrize("golden", CASES, ids=IDS)
def test_seed_gives_the_same_net_as_a_seeded_stream(golden):
    case = golden["case"]
    by_seed = init_net(case["prototxt"], phase=case["phase"], seed=case["seed"])
    by_stream, _ = _run(case)
    for layer, blobs in by_stream.items():
        for got, want in zip(by_seed[layer], blobs, strict=True):
            np.testing.assert_array_equal(got, want)
