"""The `fillers` command with weights files: `net --weights ... --out FILE` and `weights FILE`."""

from __future__ import annotations

import numpy as np
import pytest

import fillers
from fillers.cli.commands import main
from fillers.cli.statistics import statistics

NET = """
name: "tiny"
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 dim: 8 dim: 8 } } }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
        convolution_param { num_output: 4 kernel_size: 3 weight_filler { type: "gaussian" std: 0.01 } } }
layer { name: "bn" type: "BatchNorm" bottom: "conv1" top: "conv1" }
layer { name: "ip" type: "InnerProduct" bottom: "conv1" top: "ip"
        inner_product_param { num_output: 5 weight_filler { type: "xavier" } } }
"""


@pytest.fixture
def net_path(tmp_path):
    path = tmp_path / "tiny.prototxt"
    path.write_text(NET)
    return path


def _rows(text: str) -> list[list[str]]:
    return [line.split() for line in text.strip().splitlines()]


@pytest.mark.parametrize("suffix", [".caffemodel", ".caffemodel.h5", ".npz", ".safetensors"])
def test_net_out_writes_init_nets_blobs_in_the_format_of_the_extension(net_path, tmp_path, suffix):
    out = tmp_path / f"init{suffix}"
    assert main(["net", str(net_path), "--seed", "3", "--out", str(out)]) == 0
    expected = fillers.init_net(net_path, seed=3)
    written = fillers.load_weights(out)
    assert sorted(written) == sorted(expected)
    for layer, blobs in expected.items():
        for got, want in zip(written[layer], blobs, strict=True):
            assert got.tobytes() == want.tobytes()


def test_net_weights_copies_trained_blobs_and_says_so(net_path, tmp_path, capsys):
    trained = fillers.init_net(net_path, seed=99)
    del trained["bn"]
    fillers.save_weights(trained, tmp_path / "trained.caffemodel")
    out = tmp_path / "tuned.caffemodel"
    argv = ["net", str(net_path), "--seed", "3", "--weights", str(tmp_path / "trained.caffemodel")]
    assert main([*argv, "--out", str(out)]) == 0
    expected = fillers.init_net(net_path, seed=3, weights=tmp_path / "trained.caffemodel")
    tuned = fillers.load_weights(out)
    for layer, blobs in expected.items():
        for got, want in zip(tuned[layer], blobs, strict=True):
            assert got.tobytes() == want.tobytes()
    made_by = {tuple(row[:2]): " ".join(row[5:]) for row in _rows(capsys.readouterr().out)[2:]}
    assert made_by["conv1", "0"] == "from weights" and made_by["ip", "1"] == "from weights"
    assert made_by["bn", "0"] == "zeros"


def test_net_weights_shape_mismatch_is_status_1_with_caffes_text(net_path, tmp_path, capsys):
    fillers.save_weights(
        {"ip": [np.zeros((6, 144), np.float32), np.zeros(6, np.float32)]}, tmp_path / "w.npz"
    )
    assert (
        main(["net", str(net_path), "--weights", str(tmp_path / "w.npz"), "--out", str(tmp_path / "o.npz")])
        == 1
    )
    assert "Cannot copy param 0 weights from layer 'ip'; shape mismatch." in capsys.readouterr().err
    assert not (tmp_path / "o.npz").exists()


def test_weights_lists_every_blob_with_type_role_and_statistics(net_path, tmp_path, capsys):
    params = fillers.init_net(net_path, seed=3)
    fillers.save_weights(params, tmp_path / "w.caffemodel", net=net_path)
    assert main(["weights", str(tmp_path / "w.caffemodel")]) == 0
    rows = _rows(capsys.readouterr().out)
    assert rows[0] == ["layer", "type", "blob", "shape", "min", "max", "mean", "std"]
    assert [row[:4] for row in rows[1:]] == [
        ["conv1", "Convolution", "0:weight", "4,3,3,3"],
        ["conv1", "Convolution", "1:bias", "4"],
        ["bn", "BatchNorm", "0:mean", "4"],
        ["bn", "BatchNorm", "1:variance", "4"],
        ["bn", "BatchNorm", "2:scale_factor", "1"],
        ["ip", "InnerProduct", "0:weight", "5,144"],
        ["ip", "InnerProduct", "1:bias", "5"],
    ]
    weight = params["ip"][0].astype(np.float64)
    stats = [float(value) for value in rows[6][4:]]
    np.testing.assert_allclose(stats, [weight.min(), weight.max(), weight.mean(), weight.std()], rtol=1e-5)


def test_chunked_statistics_equal_numpys_over_many_chunks():
    values = np.random.default_rng(0).normal(3.0, 0.5, 12345).astype(np.float32)
    low, high, mean, std = statistics(values, chunk=1000)
    exact = values.astype(np.float64)
    assert (low, high) == (exact.min(), exact.max())
    np.testing.assert_allclose([mean, std], [exact.mean(), exact.std()], rtol=1e-12)


def test_weights_of_a_corrupt_file_is_status_1(tmp_path, capsys):
    (tmp_path / "bad.caffemodel").write_bytes(b"\x0a\xff\xff\xff\x0f")
    assert main(["weights", str(tmp_path / "bad.caffemodel")]) == 1
    err = capsys.readouterr().err
    assert (
        err.startswith("fillers weights: error: Check failed: ReadProtoFromBinaryFile")
        and err.count("\n") == 1
    )


def test_weights_has_help(capsys):
    assert main(["weights", "--help"]) == 0
    assert "usage: fillers weights" in capsys.readouterr().out
