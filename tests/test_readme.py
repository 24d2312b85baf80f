"""The README's promises: its Python runs, its set-up commands are the ones CI runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import fillers
from fillers.registry import unregister

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_python_example_runs(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    exec(compile(_blocks("python")[0], "README.md", "exec"), {})
    assert "conv1" in capsys.readouterr().out


def test_custom_filler_example_registers():
    namespace = {"fillers": fillers}
    exec(compile(_blocks("python")[1], "README.md", "exec"), namespace)
    try:
        assert (fillers.get_filler({"type": "ones"}).fill((2, 2)) == 1).all()
    finally:
        unregister("ones")


def test_ci_runs_the_readme_set_up_commands():
    install, test = _blocks("bash")[0].strip().splitlines()
    ci = (ROOT / ".ci" / "run").read_text()
    assert install.split(" && fillers fill")[0] in ci
    assert re.search(rf"^{re.escape(test)}$", ci, flags=re.M)


def test_yaml_examples_load(tmp_path):
    single, named = _blocks("yaml")
    (tmp_path / "one.yaml").write_text(single)
    (tmp_path / "set.yaml").write_text(named)
    assert fillers.load(tmp_path / "one.yaml").variance_norm == fillers.FillerParameter.FAN_OUT
    assert list(fillers.load_all(tmp_path / "set.yaml")) == [
        "conv1/weight_filler",
        "conv1/bias_filler",
        "fc/weight",
    ]


def _block_with(text: str) -> str:
    [block] = [block for block in _blocks("python") if text in block]
    return block


def test_larger_than_one_machine_example_runs(monkeypatch, capsys):
    pytest.importorskip("dask.array", reason="the fillers[dask] extra is not installed")
    monkeypatch.chdir(ROOT)
    exec(compile(_block_with("import fillers.dask"), "README.md", "exec"), {})
    assert "conv1" in capsys.readouterr().out
