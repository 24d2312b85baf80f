"""Caffe's own weights files against real Caffe: tests/data/caffemodels holds .caffemodel files
Caffe wrote and what Caffe did when fine-tuning from them (see ../shared/golden/caffemodels/
README.md). Every case goes through the public API: load_weights must give exactly the blobs
Caffe wrote, and init_net(weights=) every blob of `caffe train --weights`, with the stream
stopping where Caffe's did, or Caffe's error text."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

import fillers

DATA = Path(__file__).parent / "data" / "caffemodels"


def _cases(name: str, kinds: tuple[str, ...]) -> list[dict]:
    lines = (DATA / name).read_text().splitlines()
    return [case for case in map(json.loads, lines) if case["case"]["kind"] in kinds]


WRITTEN = _cases("caffemodels.jsonl", ("write",))
FINETUNED = _cases("finetune.jsonl", ("finetune", "load"))
READ = _cases("finetune.jsonl", ("read",))


def _id(case: dict) -> str:
    return case["case"]["id"]


def _digest(blob: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(blob, blob.dtype.newbyteorder("<")).tobytes()).hexdigest()


def _blobs(params: dict) -> list[tuple[str, int, list[int], str]]:
    return [
        (layer, index, list(blob.shape), _digest(blob))
        for layer, blobs in params.items()
        for index, blob in enumerate(blobs)
    ]


def _expected(entries: list[dict]) -> list[tuple[str, int, list[int], str]]:
    return [(entry["layer"], entry["index"], entry["shape"], entry["sha256"]) for entry in entries]


@pytest.fixture
def in_data(monkeypatch):
    """Run where the cases' file names resolve, so errors name files as Caffe's did."""
    monkeypatch.chdir(DATA)


@pytest.mark.parametrize("golden", WRITTEN, ids=map(_id, WRITTEN))
def test_load_weights_gives_exactly_the_blobs_caffe_wrote(golden):
    case, result = golden["case"], golden["result"]
    params = fillers.load_weights(DATA / case["path"])
    assert _blobs(params) == _expected(result["params"])
    assert {layer: params.types[layer] for layer in params} == {
        entry["layer"]: entry["layer_type"] for entry in result["params"]
    }


@pytest.mark.parametrize("golden", WRITTEN, ids=map(_id, WRITTEN))
def test_caffes_file_holds_init_nets_blobs_for_the_same_seed(golden):
    case, result = golden["case"], golden["result"]
    params = fillers.init_net(
        case["prototxt"], phase=case["phase"], seed=case["seed"], input_shapes=result["inputs"]
    )
    loaded = fillers.load_weights(DATA / case["path"], net=case["prototxt"], input_shapes=result["inputs"])
    assert _blobs(loaded) == _blobs(params)
    assert loaded.roles == params.roles


@pytest.mark.parametrize("golden", WRITTEN, ids=map(_id, WRITTEN))
def test_save_weights_with_the_net_writes_caffes_file_byte_for_byte(golden, tmp_path):
    # Net::ToProto's layout: every layer as built (Split layers included) with its parameters
    # after setup, its blobs' packed data before their shapes.
    case, result = golden["case"], golden["result"]
    options = {"phase": case["phase"], "input_shapes": result["inputs"]}
    params = fillers.init_net(case["prototxt"], seed=case["seed"], **options)
    fillers.save_weights(params, tmp_path / "net.caffemodel", net=case["prototxt"], **options)
    assert (tmp_path / "net.caffemodel").read_bytes() == (DATA / case["path"]).read_bytes()


@pytest.mark.parametrize("golden", FINETUNED, ids=map(_id, FINETUNED))
def test_finetuning_matches_caffe_train_weights(golden, in_data):
    case, result = golden["case"], golden["result"]
    rng = fillers.CaffeRNG(case["seed"])
    # `weights` as given to `caffe train --weights`: comma-separated names included.
    options = {"rng": rng, "input_shapes": result.get("inputs"), "weights": case["weights"]}
    if not result["ok"]:
        with pytest.raises(fillers.FillerError) as raised:
            fillers.init_net(case["prototxt"], phase=case["phase"], **options)
        assert result["error"] in str(raised.value)
        assert int(rng.random_raw(1)[0]) == fillers.CaffeRNG(case["seed"]).random_raw(1)[0]
        return
    params = fillers.init_net(case["prototxt"], phase=case["phase"], **options)
    assert _blobs(params) == _expected(result["params"])
    if "solver" in case:
        # SGDSolver builds the TEST net after the train net has its weights, on the same stream.
        test_params = fillers.init_net(case["prototxt"], phase="TEST", **options)
        assert _blobs(test_params) == _expected(result["test_params"][0])
    else:
        assert result["next_raw_before_copy"] == result["next_raw"]
    assert int(rng.random_raw(1)[0]) == result["next_raw"]


PLAIN = [case for case in FINETUNED if "solver" not in case["case"] and case["result"]["ok"]]


@pytest.mark.parametrize("golden", PLAIN, ids=map(_id, PLAIN))
def test_fresh_fill_is_the_net_without_weights(golden):
    case, result = golden["case"], golden["result"]
    fresh = fillers.init_net(
        case["prototxt"], phase=case["phase"], seed=case["seed"], input_shapes=result["inputs"]
    )
    assert [digest for *_, digest in _blobs(fresh)] == [entry["fresh_sha256"] for entry in result["params"]]


@pytest.mark.parametrize("golden", READ, ids=map(_id, READ))
def test_derived_files_read_as_caffe_parsed_them(golden, in_data):
    case, result = golden["case"], golden["result"]
    if not result["ok"]:
        with pytest.raises(fillers.FillerError) as raised:
            fillers.load_weights(case["weights"])
        assert result["error"] in str(raised.value)
        return
    params = fillers.load_weights(case["weights"])
    (file,) = result["files"]
    with_blobs = [layer for layer in file["layers"] if layer["blobs"]]
    assert list(params) == [layer["name"] for layer in with_blobs]
    for layer in with_blobs:
        assert params.types[layer["name"]] == layer["type"]
        for blob, want in zip(params[layer["name"]], layer["blobs"], strict=True):
            assert list(blob.shape) == want.get("shape", want.get("legacy"))
            assert blob.size == want["data"] + want["double_data"]
            assert _digest(blob) == want["sha256"]
