"""The `fillers` command: each subcommand's output, its files and its exit status."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import fillers
from fillers.cli.commands import main

XAVIER = 'type: "xavier" variance_norm: AVERAGE'

NET = """
name: "tiny"
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 dim: 8 dim: 8 } } }
layer {
  name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
  convolution_param {
    num_output: 4 kernel_size: 3
    weight_filler { type: "gaussian" std: 0.01 }
    bias_filler { type: "constant" value: 0.1 }
  }
}
layer {
  name: "ip" type: "InnerProduct" bottom: "conv1" top: "ip"
  inner_product_param { num_output: 5 weight_filler { type: "xavier" } }
}
layer {
  name: "ip_test" type: "InnerProduct" bottom: "conv1" top: "ip_test"
  include { phase: TEST }
  inner_product_param { num_output: 2 weight_filler { type: "msra" variance_norm: FAN_OUT } }
}
"""
BATCH_NORM = 'layer { name: "bn" type: "BatchNorm" bottom: "ip" top: "ip" }\n'


@pytest.fixture
def net_path(tmp_path):
    path = tmp_path / "tiny.prototxt"
    path.write_text(NET)
    return path


def output_table(text: str) -> list[list[str]]:
    return [line.split() for line in text.strip().splitlines()]


def library_fill(spec: str, shape: tuple[int, ...], seed: int, dtype: str = "float32") -> np.ndarray:
    return fillers.get_filler(fillers.parse(spec)).fill(
        shape, dtype=np.dtype(dtype), rng=fillers.CaffeRNG(seed)
    )


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def test_python_m_fillers_shows_help():
    done = subprocess.run([sys.executable, "-m", "fillers", "--help"], capture_output=True, text=True)
    assert done.returncode == 0
    assert "usage: fillers" in done.stdout
    for command in ("fill", "show", "list", "specs", "net"):
        assert command in done.stdout


@pytest.mark.parametrize("command", ["fill", "show", "list", "specs", "net"])
def test_every_command_has_help(command, capsys):
    assert main([command, "--help"]) == 0
    assert f"usage: fillers {command}" in capsys.readouterr().out


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fill_out_holds_the_librarys_blob_for_the_seed(dtype, tmp_path, capsys):
    out = tmp_path / "w.npy"
    assert (
        main(["fill", XAVIER, "--shape", "6,3,2,2", "--dtype", dtype, "--seed", "1701", "--out", str(out)])
        == 0
    )
    expected = fillers.get_filler(fillers.parse(XAVIER)).fill(
        (6, 3, 2, 2), dtype=dtype, rng=fillers.CaffeRNG(1701)
    )
    assert same_bits(np.load(out), expected)


def test_fill_prints_the_blobs_statistics(capsys):
    assert main(["fill", 'type: "gaussian" std: 0.5', "--shape", "40,7", "--seed", "3"]) == 0
    header, row = output_table(capsys.readouterr().out)
    values = fillers.get_filler(fillers.parse('type: "gaussian" std: 0.5')).fill(
        (40, 7), rng=fillers.CaffeRNG(3)
    )
    printed = dict(zip(header, row, strict=True))
    assert header == ["shape", "dtype", "seed", "min", "max", "mean", "std"]
    assert (printed["shape"], printed["dtype"], printed["seed"]) == ("40,7", "float32", "3")
    moments = {"mean": values.mean(dtype=np.float64), "std": values.std(dtype=np.float64)}
    for name, value in {"min": values.min(), "max": values.max(), **moments}.items():
        assert float(printed[name]) == pytest.approx(float(value), rel=1e-5)


def test_fill_without_seed_prints_a_seed_that_reproduces_it(tmp_path, capsys):
    first, again = tmp_path / "first.npy", tmp_path / "again.npy"
    assert main(["fill", 'type: "uniform"', "--shape", "50", "--out", str(first)]) == 0
    seed = dict(zip(*output_table(capsys.readouterr().out), strict=True))["seed"]
    assert main(["fill", 'type: "uniform"', "--shape", "50", "--seed", seed, "--out", str(again)]) == 0
    assert same_bits(np.load(first), np.load(again))


@pytest.mark.parametrize(
    ("file_name", "text"),
    [("spec.prototxt", XAVIER + "\n"), ("spec.yaml", "type: xavier\nvariance_norm: AVERAGE\n")],
)
def test_fill_reads_the_spec_from_a_file(file_name, text, tmp_path):
    spec, out = tmp_path / file_name, tmp_path / "w.npy"
    spec.write_text(text)
    assert main(["fill", str(spec), "--shape", "5,4", "--seed", "9", "--out", str(out)]) == 0
    assert same_bits(
        np.load(out), fillers.get_filler(fillers.parse(XAVIER)).fill((5, 4), rng=fillers.CaffeRNG(9))
    )


def test_show_prints_the_normalized_spec(capsys):
    assert main(["show", 'type:"xavier"   variance_norm:AVERAGE']) == 0
    printed = capsys.readouterr().out
    assert printed.rstrip("\n") == fillers.to_text(fillers.parse(XAVIER)).rstrip("\n")
    assert fillers.parse(printed) == fillers.parse(XAVIER)


def test_list_prints_the_registered_names(capsys):
    assert main(["list"]) == 0
    names = capsys.readouterr().out.split()
    assert names == fillers.registered()
    assert {"constant", "uniform", "gaussian", "xavier", "msra", "positive_unitball", "bilinear"} <= set(
        names
    )


def test_specs_lists_every_filler_of_the_net(net_path, capsys):
    assert main(["specs", str(net_path)]) == 0
    assert output_table(capsys.readouterr().out) == [
        ["name", "type", "parameters"],
        ["conv1/weight_filler", "gaussian", "std:", "0.01"],
        ["conv1/bias_filler", "constant", "value:", "0.1"],
        ["ip/weight_filler", "xavier"],
        ["ip_test/weight_filler", "msra", "variance_norm:", "FAN_OUT"],
    ]


def test_specs_phase_keeps_the_layers_of_that_phase(net_path, capsys):
    assert main(["specs", str(net_path), "--phase", "TRAIN"]) == 0
    names = [row[0] for row in output_table(capsys.readouterr().out)[1:]]
    assert names == ["conv1/weight_filler", "conv1/bias_filler", "ip/weight_filler"]


def test_net_out_holds_every_blob_of_init_net(net_path, tmp_path, capsys):
    out = tmp_path / "params.npz"
    assert main(["net", str(net_path), "--phase", "TEST", "--seed", "1701", "--out", str(out)]) == 0
    expected = fillers.init_net(str(net_path), phase="TEST", seed=1701)
    with np.load(out) as written:
        assert list(written.keys()) == ["conv1/0", "conv1/1", "ip/0", "ip/1", "ip_test/0", "ip_test/1"]
        for layer, blobs in expected.items():
            for index, blob in enumerate(blobs):
                assert same_bits(written[f"{layer}/{index}"], blob)


def test_net_prints_a_row_per_blob(net_path, capsys):
    assert main(["net", str(net_path), "--seed", "5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "seed 5, phase TRAIN, float32"
    rows = output_table("\n".join(lines[1:]))
    assert rows[0] == ["layer", "blob", "shape", "mean", "std", "filler"]
    assert [row[:3] + row[5:] for row in rows[1:]] == [
        ["conv1", "0", "4,3,3,3", "gaussian", "std:", "0.01"],
        ["conv1", "1", "4", "constant", "value:", "0.1"],
        ["ip", "0", "5,144", "xavier"],
        ["ip", "1", "5", "constant"],
    ]


def test_net_names_the_owner_of_a_shared_blob_and_zeroed_blobs(net_path, capsys):
    shared = NET.replace('name: "ip_test"', 'name: "ip_test" param { name: "w" }').replace(
        'name: "ip" type: "InnerProduct" bottom: "conv1" top: "ip"',
        'name: "ip" type: "InnerProduct" bottom: "conv1" top: "ip" param { name: "w" }',
    )
    net_path.write_text(shared.replace("num_output: 2", "num_output: 5") + BATCH_NORM)
    assert main(["net", str(net_path), "--phase", "TEST", "--seed", "5"]) == 0
    fillers_by_blob = {tuple(row[:2]): row[5:] for row in output_table(capsys.readouterr().out)[2:]}
    assert fillers_by_blob["ip_test", "0"] == ["msra", "variance_norm:", "FAN_OUT", "(values", "of", "ip/0)"]
    assert [fillers_by_blob["bn", index] for index in "012"] == [["zeros"]] * 3


def test_net_takes_input_shapes(tmp_path, capsys):
    net = tmp_path / "data.prototxt"
    net.write_text(
        NET.replace('type: "Input"', 'type: "Data"').replace(
            "input_param { shape { dim: 2 dim: 3 dim: 8 dim: 8 } }", "data_param { batch_size: 1 }"
        )
    )
    assert main(["net", str(net), "--seed", "5", "--input", "data=1,3,6,6"]) == 0
    assert ["ip", "0", "5,64"] in [row[:3] for row in output_table(capsys.readouterr().out)]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["fill", 'type: "foo"', "--shape", "3"], "Unknown filler name: foo"),
        (["fill", 'type: "gaussian" std: 0', "--shape", "3"], "std"),
        (["fill", 'type: "bilinear"', "--shape", "2,3"], "Blob must be 4 dim."),
        (["fill", XAVIER, "--shape", "3,x"], "--shape: '3,x' is not a comma-separated list of integers"),
        (["fill", XAVIER, "--shape", "0,3"], "count"),
        (["fill", XAVIER, "--shape", "3", "--seed", "-1"], "seed"),
        (["fill", "no_such_spec.prototxt", "--shape", "3"], "no_such_spec.prototxt: no such file"),
        (["fill", XAVIER, "--shape", "3", "--out", "no_such_dir/w.npy"], "No such file or directory"),
        (["show", 'type: "gaussian" stdd: 1'], "stdd"),
        (["specs", "no_such_net.prototxt"], "no_such_net.prototxt"),
        (["net", "no_such_net.prototxt"], "no_such_net.prototxt"),
    ],
)
def test_failures_end_with_one_line_on_stderr_and_status_1(argv, message, capsys):
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"fillers {argv[0]}: error: ")
    assert message in captured.err
    assert captured.err.count("\n") == 1


def test_a_malformed_input_shape_is_status_1(net_path, capsys):
    assert main(["net", str(net_path), "--input", "data"]) == 1
    assert "--input: 'data' is not NAME=DIMS" in capsys.readouterr().err


def test_a_failed_fill_writes_no_file(tmp_path):
    out = tmp_path / "w.npy"
    assert main(["fill", 'type: "bilinear"', "--shape", "2,3", "--out", str(out)]) == 1
    assert not out.exists()


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["frobnicate"],
        ["fill", XAVIER],
        ["fill", XAVIER, "--shape", "3", "--dtype", "float16"],
        ["fill", XAVIER, "--shape", "3", "--seed", "abc"],
        ["specs", "net.prototxt", "--phase", "DEPLOY"],
        ["list", "--bogus"],
    ],
)
def test_usage_errors_are_status_2(argv, capsys):
    assert main(argv) == 2
    assert "usage: fillers" in capsys.readouterr().err
