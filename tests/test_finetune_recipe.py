"""The fine-tuning recipe of docs/weights.md, run as written: a finetune_flickr_style-like pair of nets
(tests/data/finetune) through init_net(weights=), save_weights, load_weights and the CLI."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import numpy as np
import pytest

import fillers
from fillers.cli.commands import main

ROOT = Path(__file__).resolve().parent.parent
PAGE = (ROOT / "docs" / "weights.md").read_text()
STYLE = "tests/data/finetune/style_train_val.prototxt"


def _block(language: str, marker: str) -> str:
    (block,) = [text for text in re.findall(rf"```{language}\n(.*?)```", PAGE, flags=re.S) if marker in text]
    return block


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A directory holding the recipe's nets where the page names them."""
    shutil.copytree(ROOT / "tests" / "data" / "finetune", tmp_path / "tests" / "data" / "finetune")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_recipe_runs_and_renamed_layer_keeps_its_fresh_fill(workdir, capsys):
    namespace: dict = {}
    exec(compile(_block("python", "caffe train --solver"), "docs/weights.md", "exec"), namespace)
    out = capsys.readouterr().out
    assert "InnerProduct ('weight', 'bias') (20, 64)" in out
    style, base = namespace["style"], namespace["base"]
    fresh = fillers.init_net(STYLE, seed=1701)
    np.testing.assert_array_equal(style["fc8_flickr"][0], fresh["fc8_flickr"][0])
    for layer in ("conv1", "conv2", "fc7"):
        for tuned, trained in zip(style[layer], base[layer], strict=True):
            np.testing.assert_array_equal(tuned, trained)
    saved = fillers.load_weights("style_init.caffemodel")
    assert list(saved) == ["conv1", "conv2", "fc7", "fc8_flickr"]


def test_cli_lines_for_weights_run(workdir, capsys):
    exec(compile(_block("python", "caffe train --solver"), "docs/weights.md", "exec"), {})
    lines = _block("bash", "fillers weights").replace("\\\n", " ").splitlines()
    assert [line.split()[1] for line in lines] == ["net", "net", "weights"]
    for line in lines:
        argv = shlex.split(line.split("#")[0])[1:]
        assert main(argv) == 0, line
    assert "fc8_flickr  InnerProduct  0:weight" in capsys.readouterr().out
    expected = fillers.init_net(STYLE, seed=1701, weights="base.caffemodel")
    written = fillers.load_weights("style_init.caffemodel")
    for layer, blobs in expected.items():
        for got, want in zip(written[layer], blobs, strict=True):
            np.testing.assert_array_equal(got, want)
