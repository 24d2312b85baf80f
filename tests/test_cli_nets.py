"""The `net` and `specs` commands on fork nets: NetState flags, shape rules, plugins, solver
files, any file name, broken pipes, notices, progress, plots and bounded statistics."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from optional import require

import fillers
from fillers.cli.commands import main
from fillers.cli.progress import Progress
from fillers.cli.statistics import moments

FORKS = Path(__file__).parent / "data" / "forks"
NETS = Path(__file__).parent / "data" / "nets"

STAGED = """
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 } } }
layer { name: "a" type: "InnerProduct" bottom: "data" top: "a"
  include { stage: "deploy" } inner_product_param { num_output: 4 weight_filler { type: "xavier" } } }
layer { name: "b" type: "InnerProduct" bottom: "data" top: "b"
  include { min_level: 2 } inner_product_param { num_output: 5 weight_filler { type: "msra" } } }
"""

UNKNOWN = """
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 } } }
layer { name: "sq" type: "Square" bottom: "data" top: "sq" }
layer { name: "ip" type: "InnerProduct" bottom: "sq" top: "ip" inner_product_param { num_output: 2 } }
"""


def rows(text: str) -> list[list[str]]:
    return [line.split() for line in text.strip().splitlines()]


def test_stage_and_level_choose_the_layers(tmp_path, capsys):
    net = tmp_path / "staged.prototxt"
    net.write_text(STAGED)
    assert main(["net", str(net), "--seed", "1"]) == 0
    assert [row[0] for row in rows(capsys.readouterr().out)[2:]] == []
    assert main(["net", str(net), "--seed", "1", "--stage", "deploy", "--level", "2"]) == 0
    assert [row[0] for row in rows(capsys.readouterr().out)[2:]] == ["a", "a", "b", "b"]
    assert main(["specs", str(net), "--stage", "deploy"]) == 0
    assert [row[0] for row in rows(capsys.readouterr().out)[1:]] == ["a/weight_filler"]


def test_unknown_layer_type_suggests_cli_flags(tmp_path, capsys):
    net = tmp_path / "unknown.prototxt"
    net.write_text(UNKNOWN)
    assert main(["net", str(net)]) == 1
    error = capsys.readouterr().err
    assert "unknown.prototxt:3:1: layer 'sq' (Square)" in error
    assert "--shape-rule Square=same" in error and "--plugin FILE.py" in error
    assert "shape_rules=" not in error
    assert main(["net", str(net), "--seed", "1", "--shape-rule", "Square=same"]) == 0
    assert ["ip", "0", "2,3"] in [row[:3] for row in rows(capsys.readouterr().out)]


def test_a_bad_shape_rule_flag_is_an_error(tmp_path, capsys):
    net = tmp_path / "unknown.prototxt"
    net.write_text(UNKNOWN)
    assert main(["net", str(net), "--shape-rule", "Square"]) == 1
    assert "TYPE=same" in capsys.readouterr().err


def test_plugin_file_registers_a_layer(tmp_path, capsys):
    net = tmp_path / "unknown.prototxt"
    net.write_text(UNKNOWN)
    plugin = tmp_path / "square.py"
    plugin.write_text(
        "import fillers\n"
        "@fillers.register_layer('Square', replace=True)\n"
        "def square(layer, bottoms, num_tops):\n"
        "    return fillers.LayerSetup(tops=(bottoms[0],))\n"
    )
    try:
        assert main(["net", str(net), "--seed", "1", "--plugin", str(plugin)]) == 0
        assert ["ip", "0", "2,3"] in [row[:3] for row in rows(capsys.readouterr().out)]
    finally:
        fillers.unregister_layer("Square")


def test_a_broken_plugin_is_one_line_and_status_1(tmp_path, capsys):
    plugin = tmp_path / "broken.py"
    plugin.write_text("raise RuntimeError('boom')\n")
    assert main(["net", str(NETS / "lenet_train_test.prototxt"), "--plugin", str(plugin)]) == 1
    assert "--plugin" in capsys.readouterr().err


def test_solver_file_gives_its_net(tmp_path, capsys):
    train = (FORKS / "vgg16_faster_rcnn_end2end_train.pt").read_text()
    (tmp_path / "train.pt").write_text(train)
    solver = tmp_path / "solver.pt"
    solver.write_text('train_net: "train.pt"\nbase_lr: 0.001\n')
    assert main(["net", str(solver), "--seed", "1"]) == 0
    captured = capsys.readouterr()
    assert "its net is train_net" in captured.err
    assert ["fc6", "0", "4096,25088"] in [row[:3] for row in rows(captured.out)]
    embedded = tmp_path / "embedded.prototxt"
    embedded.write_text(
        "base_lr: 0.01\nnet_param {\n" + (NETS / "lenet_train_test.prototxt").read_text() + "}\n"
    )
    assert main(["specs", str(embedded), "--phase", "TRAIN"]) == 0
    captured = capsys.readouterr()
    assert "its net is net_param" in captured.err
    assert "conv1/weight_filler" in captured.out


def test_any_file_name_for_every_command(tmp_path, capsys):
    assert main(["specs", str(FORKS / "vgg16_faster_rcnn_end2end_train.pt")]) == 0
    assert "bbox_pred/weight_filler" in capsys.readouterr().out
    spec = tmp_path / "xavier.pt"
    spec.write_text('type: "xavier"')
    assert main(["show", str(spec)]) == 0
    assert capsys.readouterr().out.strip() == 'type: "xavier"'
    assert main(["fill", str(spec), "--shape", "2,3", "--seed", "1"]) == 0


def test_fork_nets_from_the_cli_with_at_most_input(capsys):
    runs = [
        ["net", str(FORKS / "segnet_train.prototxt"), "--input", "data=4,3,360,480"],
        ["net", str(FORKS / "MobileNetSSD_train.prototxt"), "--input", "data=24,3,300,300"],
        ["net", str(FORKS / "vgg16_faster_rcnn_end2end_train.pt")],
        ["net", str(FORKS / "tsn_bn_inception_rgb_train_val.prototxt")],
        ["specs", str(FORKS / "bayesian_segnet_basic_inference.prototxt")],
    ]
    for argv in runs:
        assert main([*argv, "--seed", "1"] if argv[0] == "net" else argv) == 0, capsys.readouterr().err


def test_missing_data_shape_names_the_flag_to_type(capsys):
    assert main(["net", str(FORKS / "MobileNetSSD_train.prototxt")]) == 1
    assert "--input data=DIMS (the prototxt fixes 24,?,300,300)" in capsys.readouterr().err
    assert main(["net", str(FORKS / "MobileNetSSD_train.prototxt"), "--input", "data=24,3,227,227"]) == 1
    assert "--input data=24,3,227,227 contradicts the prototxt" in capsys.readouterr().err


def test_a_net_without_fillers_gets_a_notice(tmp_path, capsys):
    net = tmp_path / "deploy.prototxt"
    net.write_text(
        'layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 } } }\n'
        'layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip"\n'
        "  inner_product_param { num_output: 2 } }\n"
    )
    assert main(["net", str(net), "--seed", "1"]) == 0
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "writes no fillers" in error


def test_broken_pipe_exits_quietly():
    command = f"{sys.executable} -m fillers specs {FORKS / 'segnet_train.prototxt'} | head -n 2"
    done = subprocess.run(command, shell=True, capture_output=True, text=True, check=False)
    assert len(done.stdout.splitlines()) == 2
    assert done.stderr == ""


def test_progress_shows_only_on_a_terminal_after_the_delay():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    quiet = io.StringIO()
    Progress(quiet, delay=0)(1, 2, "conv1")
    assert quiet.getvalue() == ""
    terminal = Terminal()
    progress = Progress(terminal, delay=0)
    progress(1, 2, "conv1")
    progress.close()
    assert "filling 1/2: conv1" in terminal.getvalue() and terminal.getvalue().endswith("\r")
    late = Terminal()
    Progress(late, delay=60)(1, 2, "conv1")
    assert late.getvalue() == ""


def test_chunked_moments_match_numpy():
    values = np.random.default_rng(0).normal(3, 2, size=10_001).astype(np.float32)
    mean, std = moments(values, chunk=1000)
    assert mean == pytest.approx(values.mean(dtype=np.float64), rel=1e-12)
    assert std == pytest.approx(values.std(dtype=np.float64), rel=1e-9)


def test_plot_writes_a_png(tmp_path, capsys):
    require("matplotlib")
    out = tmp_path / "lenet.png"
    argv = ["net", str(NETS / "lenet_train_test.prototxt"), "--seed", "1", "--input", "data=64,1,28,28"]
    assert main([*argv, "--plot", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"plotted page 1/1 (8/8 blobs): {out}" in capsys.readouterr().err


def test_plot_pages_label_blobs_by_role_and_group_constants(tmp_path, capsys, monkeypatch):
    require("matplotlib")
    from fillers.cli import plot

    drawn = []
    real_histogram, real_constants = plot._histogram_panel, plot._constants_panel
    monkeypatch.setattr(plot, "PANELS_PER_PAGE", 3)
    monkeypatch.setattr(
        plot, "_histogram_panel", lambda axis, blob: drawn.append(blob.label) or real_histogram(axis, blob)
    )
    monkeypatch.setattr(
        plot,
        "_constants_panel",
        lambda axis, blobs: drawn.append([b.label for b in blobs]) or real_constants(axis, blobs),
    )
    out = tmp_path / "lenet.png"
    argv = ["net", str(NETS / "lenet_train_test.prototxt"), "--seed", "1", "--input", "data=64,1,28,28"]
    assert main([*argv, "--plot", str(out)]) == 0
    # lenet: four weights (xavier) vary; its four biases are constant 0 and share one panel
    assert drawn == ["conv1/weight", "conv2/weight", "ip1/weight", "ip2/weight",
                     ["conv1/bias", "conv2/bias", "ip1/bias", "ip2/bias"]]  # fmt: skip
    pages = [out, tmp_path / "lenet-2.png"]
    assert all(page.read_bytes()[:4] == b"\x89PNG" for page in pages)
    assert not (tmp_path / "lenet-3.png").exists()
    assert f"plotted page 2/2 (8/8 blobs): {pages[1]}" in capsys.readouterr().err


def test_expected_densities_are_the_fillers():
    from fillers.cli.plot import expected_density

    parse = fillers.parse

    x = np.linspace(-5, 5, 200_001)
    step = x[1] - x[0]

    def area(spec, shape):
        return float(expected_density(parse(spec), shape, x).sum() * step)

    assert area('type: "uniform" min: -1 max: 2', (4,)) == pytest.approx(1, rel=1e-3)
    assert area('type: "gaussian" std: 0.5', (4,)) == pytest.approx(1, rel=1e-3)
    assert area('type: "gaussian" std: 0.5 sparse: 1', (4, 3)) == pytest.approx(0.25, rel=1e-3)
    # msra over a (16, 8, 3, 3) blob: fan_in 72, so std sqrt(2 / 72); xavier: U[+-sqrt(3 / 72)]
    msra = expected_density(parse('type: "msra"'), (16, 8, 3, 3), x)
    assert float((msra * x * x).sum() * step) == pytest.approx(2 / 72, rel=1e-3)
    xavier = expected_density(parse('type: "xavier"'), (16, 8, 3, 3), x)
    assert float(x[xavier > 0].max()) == pytest.approx((3 / 72) ** 0.5, abs=1e-4)
    assert expected_density(parse('type: "positive_unitball"'), (4, 3), x) is None
    assert expected_density(None, (4, 3), x) is None


def test_a_solver_naming_a_solver_is_an_error(tmp_path, capsys):
    solver = tmp_path / "solver.prototxt"
    solver.write_text(f'net: "{solver}"\nbase_lr: 0.1\n')
    assert main(["net", str(solver)]) == 1
    assert "itself a solver" in capsys.readouterr().err
