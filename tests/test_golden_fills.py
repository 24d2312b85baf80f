"""Every fill real Caffe made, reproduced bit for bit through the public API.

tests/data/golden/fills.jsonl is ../shared/golden/fills.jsonl, unchanged: results produced
by BVLC Caffe master built against Boost 1.74 (see its README). What the groups cover:

- "s-NNNN" (300 cases, float and double): every filler with assorted parameters, shapes of
  rank 1 to 5 (including 0-D), every variance_norm; seeds 0 to 2**32 - 1. Small blobs, so
  each element's bits are stored. Ten cases chain 4 or 6 fills on one stream: filling blob
  A then blob B must continue the stream exactly.
- "s-big-*" (6 cases): 2**20-element gaussian, uniform and xavier fills in float and double.
  Over a million normals reach every rare path of Boost's ziggurat: rejected wedge attempts,
  the tail and its exponential draws, double's two raw outputs per attempt; uniform reaches
  its redraw at the upper bound. sha256 and next_raw pin every bit and the stream position.
- "s-err-*" (34 cases, float): every check Caffe makes (unknown and case-mismatched names,
  std <= 0 or NaN, min > max or NaN, sparse < -1, sparse > shape[0], sparse on the six
  fillers without it, bilinear rank and squareness, empty blobs, negative dimensions,
  INT_MAX, 0-D blobs, infinite uniform bounds) must raise FillerError holding glog's whole
  check line, operands printed as C++ prints them,
  and s-err-032 (a range wider than the largest float) must fill exactly.
After every successful case the next raw output of the stream must equal Caffe's.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

import fillers

GOLDEN = Path(__file__).parent / "data" / "golden" / "fills.jsonl"
DTYPES = {"float": np.float32, "double": np.float64}
# How we word what Caffe does instead of a CHECK ("signal": it crashed).
CAFFE_FATES = {"signal": "Caffe recurses until its stack overflows"}


def _cases() -> list:
    return [json.loads(line) for line in GOLDEN.read_text().splitlines()]


CASES = _cases()


def _run(case: dict) -> tuple[list[np.ndarray], int]:
    rng = fillers.CaffeRNG(case["seed"])
    arrays = [
        fillers.get_filler(fillers.parse(f["param"])).fill(
            tuple(f["shape"]), dtype=DTYPES[case["dtype"]], rng=rng
        )
        for f in case["fills"]
    ]
    return arrays, int(rng.random_raw(1)[0])


def test_golden_file_holds_every_case():
    assert len(CASES) == 340
    assert sum(not c["result"]["ok"] for c in CASES) == 33


@pytest.mark.parametrize("golden", [c for c in CASES if c["result"]["ok"]], ids=lambda c: c["case"]["id"])
def test_fill_matches_caffe_bits_and_stream_position(golden):
    arrays, next_raw = _run(golden["case"])
    for array, expected in zip(arrays, golden["result"]["results"], strict=True):
        assert list(array.shape) == expected["shape"]
        assert (
            hashlib.sha256(array.astype(array.dtype.newbyteorder("<")).tobytes()).hexdigest()
            == expected["sha256"]
        )
    assert next_raw == golden["result"]["next_raw"]


@pytest.mark.parametrize("golden", [c for c in CASES if not c["result"]["ok"]], ids=lambda c: c["case"]["id"])
def test_caffe_abort_raises_filler_error_with_caffe_text(golden):
    rng = fillers.CaffeRNG(golden["case"]["seed"])
    with pytest.raises(fillers.FillerError) as raised:
        for f in golden["case"]["fills"]:
            fillers.get_filler(fillers.parse(f["param"])).fill(
                tuple(f["shape"]), dtype=DTYPES[golden["case"]["dtype"]], rng=rng
            )
    result = golden["result"]
    # glog's whole line, word for word and number for number ("Check failed: sigma > 0 (0 vs.
    # 0) "; glog ends a line without a message in a space).
    expected = (
        result["error"].strip() if result["error_kind"] == "check" else CAFFE_FATES[result["error_kind"]]
    )
    assert expected in str(raised.value)
    # The failed fill drew nothing: the stream is where set_random_seed left it.
    assert rng.random_raw(1)[0] == fillers.CaffeRNG(golden["case"]["seed"]).random_raw(1)[0]
