"""The README's promises: its Python runs, its set-up commands are the ones CI runs."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import yaml
from frameworks import require

import fillers
from fillers.fill.registry import unregister

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


def test_profile_example_runs(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    (block,) = [b for b in _blocks("python") if "fillers.profiles()" in b]
    exec(compile(block, "README.md", "exec"), namespace)
    assert "caffe-1.0_boost-1.58" in capsys.readouterr().out
    assert namespace["rng"].profile.boost_era == "B"
    assert namespace["w"].shape == (64, 3, 7, 7)
    assert namespace["params"]


def test_yaml_examples_load(tmp_path):
    single, named, *_ = _blocks("yaml")
    (tmp_path / "one.yaml").write_text(single)
    (tmp_path / "set.yaml").write_text(named)
    assert fillers.load(tmp_path / "one.yaml").variance_norm == fillers.FillerParameter.FAN_OUT
    assert list(fillers.load_all(tmp_path / "set.yaml")) == [
        "conv1/weight_filler",
        "conv1/bias_filler",
        "fc/weight",
    ]


def _block_with(text: str) -> str:
    """The one README python block containing `text` (the bridge examples, found by content)."""
    (block,) = [block for block in _blocks("python") if text in block]
    return block


def test_rules_yaml_block_is_the_config_example():
    (block,) = [block for block in _blocks("yaml") if "module: Conv2d" in block]
    assert fillers.load_rules(list(yaml.safe_load(block))) == fillers.load_rules(
        ROOT / "config_examples" / "init_rules.yaml"
    )


def test_torch_example_runs(monkeypatch, capsys):
    require("torch")
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    exec(compile(_block_with("ft.init_("), "README.md", "exec"), namespace)
    out = capsys.readouterr().out
    assert "features.0.weight: rule 0 (match: features.*.weight)" in out
    report = namespace["report"]
    assert {name: rule.index for name, rule in report.filled.items()} == {
        "features.0.weight": 0,
        "features.0.bias": 1,
        "features.2.weight": 0,
        "features.2.bias": 1,
        "classifier.1.weight": 3,
        "classifier.1.bias": 1,
    }
    assert [rule.index for rule in report.unused] == [2]


def test_resnet50_example_loads_caffes_net_into_torchvisions_layout(monkeypatch):
    require("torch")
    import torchvision_resnet

    monkeypatch.chdir(ROOT)
    # torchvision is not installable here: its ResNet-50, same names and shapes, stands in.
    models = types.ModuleType("torchvision.models")
    models.resnet50 = torchvision_resnet.resnet50
    monkeypatch.setitem(sys.modules, "torchvision", types.ModuleType("torchvision"))
    monkeypatch.setitem(sys.modules, "torchvision.models", models)
    block = _block_with("resnet50()")
    user_lines = [line for line in block.splitlines() if line.strip() and not line.startswith("import ")]
    assert len(user_lines) <= 10
    namespace: dict = {}
    exec(compile(block, "README.md", "exec"), namespace)
    model, params = namespace["model"], namespace["params"]
    state = model.state_dict()
    np.testing.assert_array_equal(state["conv1.weight"].numpy(), params["conv1"][0])
    np.testing.assert_array_equal(state["layer1.0.conv2.weight"].numpy(), params["res2a_branch2b"][0])
    np.testing.assert_array_equal(state["layer2.0.downsample.0.weight"].numpy(), params["res3a_branch1"][0])
    np.testing.assert_array_equal(state["layer4.2.bn3.weight"].numpy(), params["scale5c_branch2c"][0])
    np.testing.assert_array_equal(state["fc.weight"].numpy(), params["fc1000"][0])
    assert (state["layer3.5.bn1.running_var"] == 1).all()


def test_jax_example_runs():
    require("flax")
    namespace: dict = {}
    exec(compile(_block_with("fillers.jax"), "README.md", "exec"), namespace)
    assert namespace["params"]["params"]["kernel"].shape == (3, 3, 16, 64)
    caffe = fillers.get_filler({"type": "xavier"}).fill((10, 20), rng=fillers.CaffeRNG(1))
    np.testing.assert_array_equal(np.asarray(namespace["kernel"]), caffe.T)


def test_keras_example_runs():
    keras = require("keras")
    namespace: dict = {}
    exec(compile(_block_with("fillers.keras"), "README.md", "exec"), namespace)
    caffe = fillers.get_filler({"type": "msra"}).fill((64, 16, 3, 3), rng=fillers.CaffeRNG(1))
    kernel = keras.ops.convert_to_numpy(namespace["conv"].kernel)
    np.testing.assert_array_equal(kernel, caffe.transpose(2, 3, 1, 0))


def test_larger_than_one_machine_example_runs(monkeypatch, capsys):
    pytest.importorskip("dask.array", reason="the fillers[dask] extra is not installed")
    monkeypatch.chdir(ROOT)
    exec(compile(_block_with("import fillers.dask"), "README.md", "exec"), {})
    assert "conv1" in capsys.readouterr().out
