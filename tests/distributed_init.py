"""The work of one rank in tests/test_torch_distributed.py: every sharding scenario on one
gloo process group, each checked against the one-process init. Run by torch.multiprocessing
spawn (one spawn per world size), so it lives in a module the children can import."""

from __future__ import annotations

import datetime
import traceback
from collections.abc import Callable
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn
from torch.distributed.device_mesh import init_device_mesh
from torch.distributed.fsdp import fully_shard
from torch.distributed.tensor import DTensor, Partial, Replicate, Shard, distribute_tensor
from torch.distributed.tensor.parallel import ColwiseParallel, RowwiseParallel, parallelize_module

import fillers
import fillers.torch as ft

RULES = [
    {"module": "Embedding", "filler": {"type": "gaussian", "std": 0.5, "sparse": 3}},
    {"module": "Conv2d", "param": "weight", "filler": {"type": "msra"}},
    {"module": "LayerNorm", "param": "weight", "filler": {"type": "uniform", "min": 0.5, "max": 1.5}},
    {"match": "uneven.weight", "filler": {"type": "positive_unitball"}},
    {"match": "*.weight", "filler": {"type": "xavier"}},
    {"match": "*.bias", "filler": {"type": "gaussian", "std": 0.1}},
]
STREAMS: dict[str, Callable[[], object]] = {
    "counter": lambda: fillers.CounterRNG(5),
    "caffe": lambda: fillers.CaffeRNG(5),
}


class Model(nn.Module):
    """Embedding, Conv, LayerNorm, Linear, a Linear of 7 x 30 that no world size splits evenly,
    and one of 3 rows, which leaves a fourth rank an empty shard."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(37, 12)
        self.conv = nn.Conv2d(3, 8, 3)
        self.norm = nn.LayerNorm(12)
        self.proj = nn.Linear(12, 30)
        self.uneven = nn.Linear(30, 7)
        self.head = nn.Linear(7, 3)


def reference(stream: str) -> dict[str, torch.Tensor]:
    """The one-process init: a plain module, the same rules and stream."""
    model = Model()
    ft.init_(model, RULES, rng=STREAMS[stream](), strict=True)
    return {name: p.detach().clone() for name, p in model.named_parameters()}


def distributed(model: nn.Module, mesh, placements: Callable[[torch.Tensor], list]) -> nn.Module:
    for module in model.modules():
        for name, param in list(module.named_parameters(recurse=False)):
            sharded = distribute_tensor(param.detach(), mesh, placements(param))
            module.register_parameter(name, nn.Parameter(sharded))
    return model


def rows(mesh):
    return distributed(Model().to("meta"), mesh, lambda p: [Shard(0)])


def columns(mesh):
    return distributed(Model().to("meta"), mesh, lambda p: [Shard(1) if p.dim() > 1 else Replicate()])


def fsdp2(mesh):
    with torch.device("meta"):
        model = Model()
    for module in (model.embed, model.conv, model.proj, model.uneven, model.head):
        fully_shard(module, mesh=mesh)
    return fully_shard(model, mesh=mesh)


def mesh_2d(mesh):
    def placements(p):
        return [Shard(0), Shard(1)] if p.dim() > 1 else [Replicate(), Shard(0)]

    return distributed(Model().to("meta"), mesh, placements)


def fsdp2_tp(mesh):
    """Tensor parallel on the inner mesh axis, FSDP2 on the outer: FSDP2 shards what TP sharded
    (strided shards)."""
    with torch.device("meta"):
        model = Model()
    parallelize_module(model, mesh["tp"], {"proj": RowwiseParallel(), "uneven": ColwiseParallel()})
    return fully_shard(model, mesh=mesh["dp"])


def check(label: str, build: Callable[[], nn.Module], want: dict[str, dict[str, torch.Tensor]]) -> list[str]:
    failures = []
    model = build()
    try:
        ft.init_(model, RULES, rng=fillers.CounterRNG(5))
        failures.append(f"{label}: init_ on meta DTensors did not fail")
    except fillers.FillerError as error:
        if "to_empty" not in str(error):
            failures.append(f"{label}: meta message {error}")
    model.to_empty(device="cpu")
    sharded = sum(isinstance(p, DTensor) for p in model.parameters())
    if sharded != len(list(model.parameters())):
        failures.append(f"{label}: only {sharded} DTensor parameters")
    for stream, expected in want.items():
        ft.init_(model, RULES, rng=STREAMS[stream](), strict=True)
        for name, param in model.named_parameters():
            full = param.full_tensor().detach()
            if not torch.equal(full, expected[name]):
                failures.append(f"{label}/{stream}: {name} differs ({param.placements})")
    return failures


def fill_check(mesh) -> list[str]:
    """fill_ on single DTensors: torch's generator (every rank draws the whole tensor), a named
    counter stream, and a layout whose Caffe axes are the tensor's transposed."""
    failures = []
    cases = [
        ({"generator": lambda: torch.Generator().manual_seed(3)}, None, [Shard(0)]),
        ({"rng": lambda: fillers.CounterRNG(1), "name": lambda: "w"}, None, [Shard(0)]),
        ({"rng": lambda: fillers.CounterRNG(1)}, "IO", [Shard(1)]),
        ({"rng": lambda: fillers.CaffeRNG(1)}, "IO", [Shard(1)]),
    ]
    spec = {"type": "gaussian", "std": 2, "sparse": 2}
    for kwargs, layout, placements in cases:
        plain = torch.empty(5, 7)
        ft.fill_(plain, spec, layout=layout, **{key: make() for key, make in kwargs.items()})
        sharded = distribute_tensor(torch.zeros(5, 7), mesh, placements)
        ft.fill_(sharded, spec, layout=layout, **{key: make() for key, make in kwargs.items()})
        if not torch.equal(sharded.full_tensor(), plain):
            failures.append(f"fill_ {sorted(kwargs)} layout {layout} {placements} differs")
    partial = DTensor.from_local(torch.zeros(5, 7), mesh, [Partial()])
    try:
        ft.fill_(partial, spec, rng=fillers.CounterRNG(1))
        failures.append("fill_ on a Partial DTensor did not fail")
    except fillers.FillerError as error:
        if "partial sums" not in str(error):
            failures.append(f"Partial message: {error}")
    return failures


def init_net_check(mesh, prototxt: str) -> list[str]:
    def lenet():
        model = nn.Module()
        model.conv1, model.conv2 = nn.Conv2d(1, 20, 5), nn.Conv2d(20, 50, 5)
        model.ip1, model.ip2 = nn.Linear(800, 500), nn.Linear(500, 10)
        return model

    plain = lenet()
    ft.init_net_(plain, prototxt, seed=1701)
    sharded = distributed(lenet().to("meta"), mesh, lambda p: [Shard(0)]).to_empty(device="cpu")
    report = ft.init_net_(sharded, prototxt, seed=1701)
    failures = [] if report.unmatched == [] else [f"init_net_: unmatched {report.unmatched}"]
    for (name, want), got in zip(plain.named_parameters(), sharded.parameters(), strict=True):
        if not torch.equal(got.full_tensor(), want.detach()):
            failures.append(f"init_net_: {name} differs")
    return failures


def run(rank: int, world: int, port: int, out: str, prototxt: str) -> None:
    """One rank: every scenario its world size allows; failures written to out/rank.txt."""
    dist.init_process_group(
        "gloo",
        init_method=f"tcp://127.0.0.1:{port}",
        rank=rank,
        world_size=world,
        timeout=datetime.timedelta(seconds=60),
    )
    failures: list[str] = []
    try:
        want = {stream: reference(stream) for stream in STREAMS}
        flat = init_device_mesh("cpu", (world,))
        failures += check("rows", lambda: rows(flat), want)
        failures += check("columns", lambda: columns(flat), want)
        failures += check("fsdp2", lambda: fsdp2(flat), want)
        if world == 4:
            square = init_device_mesh("cpu", (2, 2), mesh_dim_names=("dp", "tp"))
            failures += check("mesh_2d", lambda: mesh_2d(square), want)
            failures += check("fsdp2_tp", lambda: fsdp2_tp(square), want)
        failures += fill_check(flat)
        failures += init_net_check(flat, prototxt)
    except Exception:
        failures.append(traceback.format_exc())
    finally:
        Path(out, f"{rank}.txt").write_text("\n".join(failures) if failures else "ok")
        dist.destroy_process_group()
