"""fillers.torch on real gloo process groups (loopback, 2 and 4 processes): FSDP2, 1-D row and
column shards, a 2-D mesh and FSDP2 over tensor parallel, each gathered parameter equal to the
one-process init, with a CounterRNG and a CaffeRNG, and init_net_ on a sharded module. One
spawn per world size runs every scenario (tests/distributed_init.py)."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest
from optional import require

torch = require("torch")
require("torch.distributed.fsdp")

import distributed_init  # noqa: E402
import torch.multiprocessing as mp  # noqa: E402

GOLDEN = Path(__file__).parent / "data" / "golden" / "nets.jsonl"
DEADLINE_S = 240


def _lenet_prototxt() -> str:
    for line in GOLDEN.read_text().splitlines():
        case = json.loads(line)["case"]
        if case["id"] == "s-net-lenet-TRAIN-1701":
            return case["prototxt"]
    raise AssertionError("golden lenet case missing")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("world", [2, 4])
def test_every_sharding_gathers_to_the_one_process_init(world, tmp_path):
    context = mp.start_processes(
        distributed_init.run,
        args=(world, _free_port(), str(tmp_path), _lenet_prototxt()),
        nprocs=world,
        join=False,
        start_method="spawn",
    )
    deadline = time.monotonic() + DEADLINE_S
    try:
        while not context.join(timeout=1):
            if time.monotonic() > deadline:
                pytest.fail(f"{world} ranks did not finish in {DEADLINE_S} s")
    finally:
        for process in context.processes:
            if process.is_alive():
                process.terminate()
                process.join(5)
    reports = {rank: (tmp_path / f"{rank}.txt").read_text() for rank in range(world)}
    assert reports == dict.fromkeys(range(world), "ok")
