"""fill_ and init_: one tensor, or a module's parameters by rules, on any stream, sharded or not."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

import numpy as np
import torch

from ..errors import FillerError
from ..fill.filler import Filler
from ..fill.layout import caffe_shape, layout_axes
from ..random.draws import RNGLike, stream_for
from ..spec.resolve import Spec, as_filler
from ..spec.rules import Rule, RuleSource, first_match, load_rules
from ..stream.counter import CounterRNG
from ..stream.profiles import DEFAULT_PROFILE
from . import counter_ops
from .draws import drawn_by_torch
from .tensors import Region, fill_dtype, fills_in_place, target_of, write


def fill_(
    tensor: torch.Tensor,
    spec: Spec,
    *,
    rng: RNGLike | None = None,
    layout: str | None = None,
    generator: torch.Generator | None = None,
    name: str | None = None,
) -> torch.Tensor:
    """Fill `tensor` in place with the filler `spec` names, and return it (like torch.nn.init).

    spec: a Filler, a FillerParameter, a dict of its fields, or protobuf text
    ('type: "msra" variance_norm: FAN_OUT'). rng: a CaffeRNG (Caffe's bits), a CounterRNG,
    a numpy Generator, or None (fillers' global stream, `fillers.set_random_seed`; not
    torch's). generator: a torch.Generator on the tensor's device instead of rng: the spec's
    distribution drawn by torch (`uniform_`, `normal_`), torch's bits. An int or a
    torch.Generator passed as rng is refused: say which stream it seeds. layout: how the
    tensor's axes map onto Caffe's blob axes; None is Caffe's own, which is torch's.
    name: with a CounterRNG, fill from `rng.child(name)`, as `init_` keys each parameter by
    its fully qualified name (e.g. "features.0.weight").

    A DTensor (FSDP2's parameters, tensor parallel) is filled shard by shard: with a
    CounterRNG each rank computes only its local shard (`Filler.fill_region` at the shard's
    global offsets); with a sequential stream (CaffeRNG, numpy or torch Generator, the
    global stream) each rank draws the whole tensor and keeps its shard, so every rank must
    hold the same stream. Either way the gathered tensor equals the one-process fill.

    float32 and float64 tensors get Caffe's bits for float and double. float16 and bfloat16
    tensors are filled in float32 (Caffe's float) and then rounded to nearest-even: the same
    values Caffe gives, rounded once. CPU tensors that are contiguous are filled through
    their own memory (no copy); other tensors, CUDA ones included, through a CPU staging
    buffer (pinned for CUDA) copied in once the fill has succeeded. A tensor fillers cannot
    write (meta, fake, nested, sparse, overlapping, read-only memory, an inference tensor
    outside `torch.inference_mode()`) and every other bad input raise FillerError before the
    tensor or the stream is touched.

    Examples:
        >>> import torch, fillers
        >>> w = torch.empty(4, 3)
        >>> a = fill_(w, {"type": "gaussian"}, rng=fillers.CounterRNG(1), name="fc.weight").clone()
        >>> b = fill_(w, {"type": "gaussian"}, rng=fillers.CounterRNG(1, key="fc.weight"))
        >>> torch.equal(a, b)
        True
    """
    filler = as_filler(spec)
    source = _source(rng, generator)
    local, region = target_of(tensor)
    keyed = _keyed(source, name)
    _fill(tensor, local, region, _checked_filler(filler, tensor, local, layout, keyed), keyed, layout)
    return tensor


@dataclass
class InitReport:
    """What `init_` did: for each parameter filled, the rule that filled it (in
    `named_parameters()` order), the parameters no rule matched, and the rules that matched
    nothing."""

    filled: dict[str, Rule] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)
    unused: list[Rule] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"{name}: rule {rule.index} ({rule.describe()})" for name, rule in self.filled.items()]
        lines += [f"{name}: no rule (left as it was)" for name in self.unmatched]
        lines += [f"rule {rule.index} ({rule.describe()}): matched nothing" for rule in self.unused]
        return "\n".join(lines)


def init_(
    module: torch.nn.Module,
    rules: RuleSource,
    *,
    rng: RNGLike | None = None,
    strict: bool = False,
    generator: torch.Generator | None = None,
) -> InitReport:
    """Fill `module`'s parameters by `rules` (see `fillers.load_rules`): each parameter, in
    `module.named_parameters()` order, gets the filler of the first rule matching its dotted
    name and its owner's class name, all on one stream, so the same seed gives the same model.

    rng, generator: as for `fill_`. With a CounterRNG each parameter is filled from
    `rng.child(name)`, its fully qualified name: a value depends only on the seed, the
    name, the spec and the element's index in the full tensor, never on the order of the
    parameters or on how they are sharded (`init_net` keys its blobs "<layer>/<index>").
    DTensor parameters (FSDP2's `fully_shard`, tensor parallel) are filled shard by shard
    (see `fill_`); materialize a meta-device module with `to_empty` first.

    strict=True raises FillerError if a parameter matches no rule or a rule matches nothing.
    Every parameter's fill is checked (shape, layout, dtype, the tensor) before any is
    filled, so a bad rule leaves the module and the stream as they were. Returns an
    InitReport.

    Examples:
        >>> import torch, fillers
        >>> model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
        >>> rules = [{"match": "*.weight", "filler": {"type": "xavier"}},
        ...          {"match": "*.bias", "filler": {"type": "constant", "value": 0.1}}]
        >>> print(init_(model, rules, rng=fillers.CaffeRNG(1), strict=True))
        0.weight: rule 0 (match: *.weight)
        0.bias: rule 1 (match: *.bias)
        2.weight: rule 0 (match: *.weight)
        2.bias: rule 1 (match: *.bias)
    """
    if not isinstance(module, torch.nn.Module):
        raise FillerError(f"module: {module!r} is not a torch.nn.Module")
    rule_list = load_rules(rules)
    source = _source(rng, generator)
    owners = {name: _class_name(sub) for name, sub in module.named_modules()}
    report = InitReport()
    matched = []
    for name, parameter in module.named_parameters():
        rule = first_match(rule_list, name, owners.get(name.rpartition(".")[0]))
        if rule is None:
            report.unmatched.append(name)
            continue
        report.filled[name] = rule
        matched.append((name, parameter, rule))
    used = {id(rule) for rule in report.filled.values()}
    report.unused = [rule for rule in rule_list if id(rule) not in used]
    if strict and (report.unmatched or report.unused):
        raise FillerError(f"init_(strict=True): {_strict_problem(report)}")
    plan = []
    for name, parameter, rule in matched:
        try:
            local, region = target_of(parameter)
            keyed = _keyed(source, name)
            filler = _checked_filler(as_filler(rule.filler), parameter, local, rule.layout, keyed)
        except FillerError as error:
            raise FillerError(f"{name} (rule {rule.index}, {rule.describe()}): {error}") from None
        plan.append((parameter, local, region, filler, keyed, rule.layout))
    for parameter, local, region, filler, keyed, layout in plan:
        _fill(parameter, local, region, filler, keyed, layout)
    return report


# What a stream argument is, checked once per call: a fillers stream or a torch.Generator.
Source = Union[RNGLike, torch.Generator]  # noqa: UP007


def _source(rng: object, generator: object) -> Source:
    if generator is not None:
        if rng is not None:
            raise FillerError("rng and generator: pass one stream, not both")
        if not isinstance(generator, torch.Generator):
            raise FillerError(f"generator: {generator!r} is not a torch.Generator")
        return generator
    if isinstance(rng, torch.Generator):
        raise FillerError(
            "rng: a torch.Generator draws torch's bits; pass it as generator=g, or pass a fillers "
            "stream as rng (fillers.CaffeRNG(seed) for Caffe's bits, fillers.CounterRNG(seed) for "
            "values that do not depend on sharding)"
        )
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        raise FillerError(
            f"rng: {rng!r} is a seed, and three streams take one: rng=fillers.CaffeRNG({rng}) "
            f"(Caffe's bits), rng=fillers.CounterRNG({rng}) (the same values however the tensor is "
            f"sharded) or generator=torch.Generator().manual_seed({rng}) (torch's bits)"
        )
    return stream_for(rng)


def _keyed(source: Source, name: str | None) -> Source:
    if name is not None and not isinstance(name, str):
        raise FillerError(f"name: {name!r} is not a string (the parameter's fully qualified name)")
    if isinstance(source, CounterRNG) and name:
        return source.child(name)
    return source


def _checked_filler(
    filler: Filler, tensor: torch.Tensor, local: torch.Tensor, layout: str | None, source: Source
) -> Filler:
    """The filler as the fill will run it, every check passed; nothing is drawn."""
    shape = caffe_shape(tuple(tensor.shape), layout)
    if isinstance(source, torch.Generator):
        if source.device.type != local.device.type:
            raise FillerError(
                f"generator: a torch.Generator on {source.device} for a tensor on {local.device}; "
                "use a generator on the tensor's device"
            )
        checked = filler.for_profile(DEFAULT_PROFILE)
        with np.errstate(all="ignore"):
            checked.check(shape, fill_dtype(local))
        return checked
    return filler.checked_for(shape, fill_dtype(local), source)


def _fill(
    tensor: torch.Tensor,
    local: torch.Tensor,
    region: Region | None,
    filler: Filler,
    source: Source,
    layout: str | None,
) -> None:
    with torch.no_grad():
        if region is None and _counter_on_device(local, source):
            local.copy_(counter_ops.fill_tensor(filler, tuple(tensor.shape), layout, source, local.device))
            return
        if region is None and not isinstance(source, torch.Generator) and fills_in_place(local):
            filler.fill(local.detach().numpy(), rng=source, layout=layout)
            return
        write(local, _values(filler, tuple(tensor.shape), fill_dtype(local), source, layout, region))


def _counter_on_device(tensor: torch.Tensor, source: Source) -> bool:
    # Issue 22's hook: a whole float32 tensor off the CPU in counter mode is computed on its
    # device, in torch ops giving the core's bits (fillers/torch/counter_ops.py).
    return isinstance(source, CounterRNG) and tensor.device.type != "cpu" and tensor.dtype == torch.float32


def _values(
    filler: Filler,
    shape: tuple[int, ...],
    dtype: np.dtype,
    source: Source,
    layout: str | None,
    region: Region | None,
) -> np.ndarray:
    """The values of `region` (None: all) of a tensor of `shape` in `layout`."""
    axes = tuple(range(len(shape))) if layout is None else layout_axes(layout, len(shape))
    blob_shape = caffe_shape(shape, layout)
    if isinstance(source, CounterRNG) and region is not None:
        # Only this shard is computed: the blob's region is the tensor's, axes permuted.
        blob_region = [slice(None)] * len(shape)
        for axis, caffe_axis in enumerate(axes):
            blob_region[caffe_axis] = region[axis]
        return filler.fill_region(blob_shape, tuple(blob_region), source, dtype).transpose(axes)
    if isinstance(source, torch.Generator):
        blob = drawn_by_torch(filler, blob_shape, dtype, source)
    else:
        blob = filler.fill(blob_shape, dtype, source)
    values = blob.transpose(axes)
    return values if region is None else values[region]


def _class_name(module: torch.nn.Module) -> str:
    """The module's own class name, under the subclass FSDP2's fully_shard swaps in
    ("FSDPLinear" for a Linear), so that rules naming "Linear" still match."""
    wrapper = _fsdp_module_type()
    if wrapper is None or not isinstance(module, wrapper):
        return type(module).__name__
    return next(cls for cls in type(module).__mro__ if not issubclass(cls, wrapper)).__name__


def _fsdp_module_type() -> type | None:
    """FSDP2's wrapper class; None where this torch has no FSDP2 (before 2.6)."""
    if not torch.distributed.is_available():
        return None
    try:
        from torch.distributed.fsdp import FSDPModule
    except ImportError:
        return None
    return FSDPModule


def _strict_problem(report: InitReport) -> str:
    problems = [f"parameter {name!r} matches no rule" for name in report.unmatched]
    problems += [f"rule {rule.index} ({rule.describe()}) matches no parameter" for rule in report.unused]
    return "; ".join(problems)
