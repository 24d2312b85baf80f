"""The FSDP2 recipe of docs/distributed.md: at most 8 lines, and, run on a one-process gloo
group from torchrun's environment variables, a sharded model that gathers to the unsharded
init. (tests/test_docs.py runs every other block of the docs; this one needs the process
group's environment, so it is marked not run there.)"""

from __future__ import annotations

import re
import socket
from pathlib import Path

from optional import require

torch = require("torch")

import fillers  # noqa: E402
import fillers.torch as ft  # noqa: E402

PAGE = Path(__file__).resolve().parent.parent / "docs" / "distributed.md"


def _recipe() -> str:
    (recipe,) = [
        block
        for block in re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S)
        if "fully_shard(" in block
    ]
    return recipe


def test_the_fsdp2_recipe_is_meta_fully_shard_to_empty_init_in_eight_lines():
    recipe = _recipe()
    assert len(recipe.strip().splitlines()) <= 8
    assert re.search(r"meta.*fully_shard\(.*to_empty\(.*init_\(", recipe, flags=re.S)


def test_the_fsdp2_recipe_gathers_to_the_unsharded_init(monkeypatch):
    require("torch.distributed.fsdp")
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
        exec(compile(_recipe(), str(PAGE), "exec"), namespace)
        plain = torch.nn.Sequential(torch.nn.Embedding(1000, 64), torch.nn.Linear(64, 1000))
        ft.init_(plain, [{"match": "*", "filler": {"type": "xavier"}}], rng=fillers.CounterRNG(1701))
        for (name, want), got in zip(plain.named_parameters(), namespace["model"].parameters(), strict=True):
            assert type(got).__name__ == "DTensor", name
            assert torch.equal(got.full_tensor(), want.detach()), name
    finally:
        if torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()
