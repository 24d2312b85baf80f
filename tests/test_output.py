"""The command's output when nobody reads it, or a terminal cannot show it (issue 20)."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import numpy as np

import fillers
from fillers.cli import main
from fillers.cli.statistics import statistics


def _shell(command: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-c", command],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": os.getcwd(), **env},
    )


def test_a_closed_stdout_ends_every_command_quietly(tmp_path):
    path = tmp_path / "w.npz"
    fillers.save_weights({"ip": [np.ones(3, np.float32)]}, path)
    for argv in ("list", f"weights {path}", "fill 'type: \"xavier\"' --shape 3,4 --seed 1"):
        done = _shell(f"{sys.executable} -m fillers {argv} >&-")
        assert (done.returncode, done.stderr) == (0, ""), argv


def test_a_broken_pipe_ends_quietly(tmp_path):
    path = tmp_path / "many.caffemodel"
    fillers.save_weights({f"layer{index}": [np.ones(2, np.float32)] for index in range(5000)}, path)
    done = _shell(f"{sys.executable} -m fillers weights {path} | head -1; echo ${{PIPESTATUS[0]}}")
    assert done.stdout.splitlines()[-1] == "0" and done.stderr == ""
    assert done.stdout.startswith("layer")


def test_statistics_of_a_blob_with_nan_are_nan(tmp_path, capsys):
    assert all(math.isnan(value) for value in statistics(np.array([1, 2, np.nan], np.float32)))
    assert all(math.isnan(value) for value in statistics(np.array([np.nan, 1], np.float32), chunk=1))
    path = tmp_path / "w.npz"
    fillers.save_weights({"ip": [np.array([1, 2, np.nan], np.float32)]}, path)
    assert main(["weights", str(path)]) == 0
    row = capsys.readouterr().out.splitlines()[1].split()
    assert row[-4:] == ["nan"] * 4


def test_names_a_terminal_cannot_show_are_printed_escaped(tmp_path):
    path = tmp_path / "w.npz"
    fillers.save_weights(
        {"caf\u00e9": [np.ones(2, np.float32)], "red\x1b[31m": [np.ones(2, np.float32)]}, path
    )
    done = _shell(f"{sys.executable} -m fillers weights {path}", PYTHONIOENCODING="ascii", LC_ALL="C")
    assert done.returncode == 0, done.stderr
    assert "caf\\xe9" in done.stdout and "red\\x1b[31m" in done.stdout and "\x1b" not in done.stdout
