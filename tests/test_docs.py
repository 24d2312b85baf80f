"""Every code block of README.md and docs/*.md runs, each complete on its own.

- A ```python block runs in a fresh scratch directory (the test's tmp_path, as the working
  directory), where `config_examples/` and `tests/data/` of this repository are reachable
  by their usual relative paths, so a block reads the repository's files as a reader at the
  root would, and writes only in the scratch directory.
- A ```bash/```console block whose first command starts with `fillers ` runs every command
  through `python -m fillers`, in order, in a scratch directory of its own; each must exit 0.
- A ```yaml block is a spec, a named set or initialization rules: one of the readers takes it.
- A block that cannot run has `<!-- not run: WHY -->` on the line right above it; there
  may be only a few of those.
- The README's "Set up" commands are the ones CI runs, and every page is in the site's nav.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import types
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from optional import require

import fillers
from fillers.fill.registry import unregister
from fillers.stream import caffe as caffe_stream

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Blocks that cannot run here (several processes, a GPU): each says why, and they stay rare.
MAX_NOT_RUN = 5
_FENCE = re.compile(r"^```([\w-]*)[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S)
_NOT_RUN = re.compile(r"<!--\s*not run:\s*(.*?)\s*-->")
# The package a block's import needs -> the module `require` checks (the one skip policy).
_NEEDS = {
    "torch": "torch",
    "fillers.torch": "torch",
    "jax": "jax",
    "fillers.jax": "flax",
    "flax": "flax",
    "keras": "keras",
    "fillers.keras": "keras",
    "dask": "dask.array",
    "fillers.dask": "dask.array",
}


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    language: str
    code: str
    not_run: str | None

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def _blocks(page: Path) -> list[Block]:
    text = page.read_text(encoding="utf-8")
    blocks = []
    for match in _FENCE.finditer(text):
        before = text[: match.start()].rstrip("\n").rpartition("\n")[2]
        mark = _NOT_RUN.fullmatch(before.strip())
        line = text.count("\n", 0, match.start()) + 1
        blocks.append(Block(page, line, match[1], match[2], mark[1] if mark else None))
    return blocks


BLOCKS = [block for page in PAGES for block in _blocks(page)]
PYTHON = [block for block in BLOCKS if block.language == "python" and not block.not_run]
SHELL = [
    block
    for block in BLOCKS
    if block.language in ("bash", "console", "sh", "shell")
    and not block.not_run
    and block.code.lstrip().removeprefix("$ ").startswith("fillers ")
]
YAML = [block for block in BLOCKS if block.language in ("yaml", "yml") and not block.not_run]


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """A fresh working directory where the repository's example files are where a reader at
    the root finds them."""
    (tmp_path / "config_examples").symlink_to(ROOT / "config_examples", target_is_directory=True)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "data").symlink_to(ROOT / "tests" / "data", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _torchvision_stand_in(monkeypatch) -> None:
    # torchvision has no wheel for this CI's torch: its ResNet-50 (same names, same shapes)
    # stands in where it is not installed.
    try:
        import torchvision.models  # noqa: F401
    except ImportError:
        import torchvision_resnet

        models = types.ModuleType("torchvision.models")
        models.resnet50 = torchvision_resnet.resnet50
        monkeypatch.setitem(sys.modules, "torchvision", types.ModuleType("torchvision"))
        monkeypatch.setitem(sys.modules, "torchvision.models", models)


@pytest.mark.parametrize("block", PYTHON, ids=[block.where for block in PYTHON])
def test_python_block_runs(block, scratch, monkeypatch):
    imported = set(re.findall(r"^\s*(?:from|import)\s+([\w.]+)", block.code, flags=re.M))
    for module in sorted({_NEEDS[name] for name in imported if name in _NEEDS}):
        require(module)
    if any(name.startswith("torchvision") for name in imported):
        require("torch")
        _torchvision_stand_in(monkeypatch)
    # A block starts from a fresh global stream and leaves the registries as it found them.
    monkeypatch.setattr(caffe_stream, "_global_stream", None)
    fillers_before, layers_before = set(fillers.registered()), set(fillers.registered_layers())
    try:
        exec(compile(block.code, block.where, "exec"), {"__name__": "__docs__"})
    finally:
        for name in set(fillers.registered()) - fillers_before:
            unregister(name)
        for name in set(fillers.registered_layers()) - layers_before:
            fillers.unregister_layer(name)


def _commands(code: str) -> list[list[str]]:
    """The commands of a shell block: continuation lines joined, comments and prompts dropped."""
    joined = re.sub(r"\\\n", " ", code)
    commands = []
    for line in joined.splitlines():
        words = shlex.split(line.strip().removeprefix("$ "), comments=True)
        if words:
            commands.append(words)
    return commands


@pytest.mark.parametrize("block", SHELL, ids=[block.where for block in SHELL])
def test_fillers_commands_run(block, scratch):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    env["MPLBACKEND"] = "Agg"
    for words in _commands(block.code):
        assert words[0] == "fillers", f"{block.where}: a fillers block runs only fillers commands: {words}"
        done = subprocess.run(
            [sys.executable, "-m", "fillers", *words[1:]],
            cwd=scratch,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, f"{block.where}: {shlex.join(words)}\n{done.stderr}"


@pytest.mark.parametrize("block", YAML, ids=[block.where for block in YAML])
def test_yaml_block_loads(block, scratch):
    path = scratch / "block.yaml"
    path.write_text(block.code)
    document = yaml.safe_load(block.code)
    if isinstance(document, list):
        assert fillers.load_rules(path)
    elif "type" in document:
        assert fillers.load(path).type == document["type"]
    else:
        assert list(fillers.load_all(path)) == list(document)


def test_rules_block_is_the_config_example():
    (block,) = [block for block in YAML if "module: Conv2d" in block.code]
    assert fillers.load_rules(list(yaml.safe_load(block.code))) == fillers.load_rules(
        ROOT / "config_examples" / "init_rules.yaml"
    )


def test_blocks_are_found():
    assert len(PYTHON) >= 20 and len(SHELL) >= 6 and len(YAML) >= 3
    readme = [block.language for block in BLOCKS if block.page.name == "README.md"]
    assert readme.count("python") == 3  # a spec, a net, a framework


def test_not_run_marks_are_few_and_each_sits_on_a_block():
    marks = sum(len(_NOT_RUN.findall(page.read_text(encoding="utf-8"))) for page in PAGES)
    not_run = [block for block in BLOCKS if block.not_run]
    assert marks == len(not_run), "a <!-- not run: ... --> mark must sit on the line right above a block"
    assert all(block.not_run.strip() for block in not_run)
    assert len(not_run) <= MAX_NOT_RUN, [block.where for block in not_run]


def test_readme_is_short_and_links_pages_that_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 250
    for link in re.findall(r"\]\((docs/[^)#]*)", readme):
        assert (ROOT / link).exists(), link


def test_repository_paths_named_in_the_docs_exist():
    # The layout moves modules: a page must not send a reader to one that is gone.
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        named = re.findall(r"(?<![\w/.])((?:fillers|tests|bench|proto|config_examples)/[\w./-]*[\w/])", text)
        missing = sorted({path for path in named if not (ROOT / path).exists()})
        assert not missing, f"{page.relative_to(ROOT)} names paths that do not exist: {missing}"


def test_ci_runs_the_readme_set_up_commands():
    (set_up,) = [block for block in BLOCKS if block.page.name == "README.md" and block.language == "bash"][:1]
    install, test = set_up.code.strip().splitlines()
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(rf"^{re.escape(install)}$", ci, flags=re.M)
    assert re.search(rf"^{re.escape(test)}$", ci, flags=re.M)


def test_every_page_is_in_the_site_nav():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    nav = [next(iter(entry.values())) for entry in config["nav"]]
    pages = sorted(page.name for page in (ROOT / "docs").glob("*.md"))
    assert sorted(nav) == pages
