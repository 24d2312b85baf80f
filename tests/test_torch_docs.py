"""Every ```python block of the framework docs runs as written (docs/frameworks.md,
docs/distributed.md), each in a fresh namespace; the FSDP2 recipe on a one-process gloo group
from torchrun's environment variables."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from frameworks import require

DOCS = Path(__file__).resolve().parent.parent / "docs"
BLOCKS = [
    pytest.param(doc, index, block, id=f"{doc}-{index}")
    for doc in ("frameworks.md", "distributed.md")
    for index, block in enumerate(re.findall(r"```python\n(.*?)```", (DOCS / doc).read_text(), flags=re.S))
]


def test_the_fsdp2_recipe_is_at_most_eight_lines():
    (recipe,) = [block for doc, _, block in (param.values for param in BLOCKS) if "fully_shard(" in block]
    assert len(recipe.strip().splitlines()) <= 8
    assert re.search(r"meta.*fully_shard\(.*to_empty\(.*init_\(", recipe, flags=re.S)


@pytest.mark.parametrize(("doc", "index", "block"), BLOCKS)
def test_a_docs_python_block_runs(doc, index, block, monkeypatch):
    for framework in ("torch", "keras", "jax"):
        if re.search(rf"^import {framework}\b|^import .*\b{framework}\b", block, flags=re.M):
            require(framework)
    torch = require("torch")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for name, value in {
        "MASTER_ADDR": "127.0.0.1",
        "MASTER_PORT": str(port),
        "RANK": "0",
        "WORLD_SIZE": "1",
    }.items():
        monkeypatch.setenv(name, value)
    namespace: dict = {}
    try:
        exec(compile(block, f"docs/{doc}, python block {index}", "exec"), namespace)
        if "fully_shard(" in block:
            _gathers_to_the_unsharded_init(namespace["model"], torch)
    finally:
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()


def _gathers_to_the_unsharded_init(model, torch):
    """The recipe's model, gathered, is the one-process init of the same layers."""
    import fillers
    import fillers.torch as ft

    plain = torch.nn.Sequential(torch.nn.Embedding(1000, 64), torch.nn.Linear(64, 1000))
    ft.init_(plain, [{"match": "*", "filler": {"type": "xavier"}}], rng=fillers.CounterRNG(1701))
    for (name, want), got in zip(plain.named_parameters(), model.parameters(), strict=True):
        assert type(got).__name__ == "DTensor", name
        assert torch.equal(got.full_tensor(), want.detach()), name
