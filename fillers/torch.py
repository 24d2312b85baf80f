"""PyTorch bridge: fill tensors with Caffe's fillers, initialize modules by rules, and turn a
Caffe net's parameters into a state dict.

Install with `pip install fillers[torch]`. Only this module imports torch, and only when it
is imported itself: `import fillers` never does.

torch keeps Caffe's axis order ("OIHW" for Conv2d, "OI" for Linear), so the default layout
is Caffe's own. A ConvTranspose weight is (C_in, C_out / groups, kh, kw), exactly Caffe's
Deconvolution blob: fill it as is and the fans are Caffe's Deconvolution fans.

>>> import torch, fillers, fillers.torch as ft
>>> conv = torch.nn.Conv2d(3, 8, 3)
>>> w = ft.fill_(conv.weight, 'type: "xavier"', rng=fillers.CaffeRNG(1))
>>> bool((w.detach().numpy() == fillers.get_filler({"type": "xavier"}).fill((8, 3, 3, 3),
...      rng=fillers.CaffeRNG(1))).all())
True
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Union

import numpy as np
import torch

from . import _torch_counter
from .errors import FillerError
from .fill.layout import caffe_shape
from .fill.registry import Spec, as_filler
from .random.draws import Stream, stream_for
from .spec.rules import Rule, RuleSource, first_match, load_rules
from .stream.counter import CounterRNG

Rename = Union[Mapping[str, Union[str, Callable[[re.Match[str]], str]]], Callable[[str], str], None]  # noqa: UP007

_EXACT = {torch.float32: np.float32, torch.float64: np.float64}
_ROUNDED = (torch.float16, torch.bfloat16)


def fill_(
    tensor: torch.Tensor, spec: Spec, *, rng: Stream | None = None, layout: str | None = None
) -> torch.Tensor:
    """Fill `tensor` in place with the filler `spec` names, and return it (like torch.nn.init).

    spec: a Filler, a FillerParameter, a dict of its fields, or protobuf text
    ('type: "msra" variance_norm: FAN_OUT'). rng: a CaffeRNG (Caffe's bits), a numpy
    Generator, or None (the global stream). layout: how the tensor's axes map onto Caffe's
    blob axes; None is Caffe's own, which is torch's ("OIHW", "OI").

    float32 and float64 tensors get Caffe's bits for float and double. float16 and bfloat16
    tensors are filled in float32 (Caffe's float) and then rounded to nearest-even: the same
    values Caffe gives, rounded once. CPU tensors that are contiguous are filled through
    their own memory (no copy); other tensors, CUDA ones included, through a CPU staging
    buffer (pinned for CUDA) copied in once the fill has succeeded. Bad input raises
    FillerError before the tensor or the stream is touched.
    """
    filler = as_filler(spec)
    _checked_tensor(tensor)
    with torch.no_grad():
        if _counter_on_device(tensor, rng):
            tensor.copy_(_torch_counter.fill_tensor(filler, tensor.shape, layout, rng, tensor.device))
            return tensor
        if _fills_in_place(tensor):
            filler.fill(tensor.detach().numpy(), rng=rng, layout=layout)
            return tensor
        # Half precision is filled as Caffe's float, then rounded by copy_.
        staging_dtype = tensor.dtype if tensor.dtype in _EXACT else torch.float32
        staging = torch.empty(tensor.shape, dtype=staging_dtype, pin_memory=tensor.device.type == "cuda")
        filler.fill(staging.numpy(), rng=rng, layout=layout)
        tensor.copy_(staging)
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
    module: torch.nn.Module, rules: RuleSource, *, rng: Stream | None = None, strict: bool = False
) -> InitReport:
    """Fill `module`'s parameters by `rules` (see `fillers.load_rules`): each parameter, in
    `module.named_parameters()` order, gets the filler of the first rule matching its dotted
    name and its owner's class name, all on one stream, so the same seed gives the same model.

    strict=True raises FillerError if a parameter matches no rule or a rule matches nothing.
    Every parameter's fill is checked (shape, layout, dtype) before any is filled, so a bad
    rule leaves the module and the stream as they were. Returns an InitReport.
    """
    if not isinstance(module, torch.nn.Module):
        raise FillerError(f"module: {module!r} is not a torch.nn.Module")
    rule_list = load_rules(rules)
    stream = stream_for(rng)
    owners = {name: type(sub).__name__ for name, sub in module.named_modules()}
    report = InitReport()
    plan = []
    for name, parameter in module.named_parameters():
        rule = first_match(rule_list, name, owners.get(name.rpartition(".")[0]))
        if rule is None:
            report.unmatched.append(name)
            continue
        report.filled[name] = rule
        plan.append((name, parameter, rule, as_filler(rule.filler)))
    used = {id(rule) for rule in report.filled.values()}
    report.unused = [rule for rule in rule_list if id(rule) not in used]
    if strict and (report.unmatched or report.unused):
        raise FillerError(f"init_(strict=True): {_strict_problem(report)}")
    for name, parameter, rule, filler in plan:
        try:
            target = _checked_tensor(parameter)
            filler.checked_for(caffe_shape(tuple(target.shape), rule.layout), _fill_dtype(target), stream)
        except FillerError as error:
            raise FillerError(f"{name} (rule {rule.index}, {rule.describe()}): {error}") from None
    for _, parameter, rule, filler in plan:
        fill_(parameter, filler, rng=stream, layout=rule.layout)
    return report


def state_dict(
    params: Mapping[str, Sequence[np.ndarray]], *, rename: Rename = None
) -> dict[str, torch.Tensor]:
    """A state dict for `model.load_state_dict` from `init_net`'s (or `load_weights`') result.

    Keys are "<layer>.<name>": Convolution, Deconvolution, InnerProduct and Embed give
    "weight" and "bias"; PReLU its slope as "weight"; Bias "bias". A BatchNorm followed by
    a Scale (Caffe's way to write one torch BatchNorm) becomes one BatchNorm under the
    BatchNorm layer's name: running_mean = mean * s and running_var = variance * s with
    s = 1 / scale_factor as Caffe's BatchNorm computes it, s = 0 for a factor of 0 (as at
    init), where torch's own defaults (0 and 1) are given instead; weight and bias from the
    Scale (bias 0 if it has none; weight 1 and bias 0 with no Scale at all); and
    num_batches_tracked 0. A layer of another type gives "<layer>.blobN".

    rename maps Caffe layer names to module names: a {regex: replacement} dict applied in
    order with re.sub (a replacement may be a function of the match), or a function of the
    name. Tensors are float copies; the params are left alone.
    """
    types = getattr(params, "types", None)
    roles = getattr(params, "roles", None)
    if not isinstance(params, Mapping) or types is None or roles is None:
        raise FillerError(
            "params: need init_net's (or load_weights') result, which carries each layer's type and roles"
        )
    renamer = _renamer(rename)
    out: dict[str, torch.Tensor] = {}
    layers = list(params)
    skip = set()
    for position, layer in enumerate(layers):
        if layer in skip:
            continue
        blobs = dict(zip(roles[layer], params[layer], strict=True))
        prefix = renamer(layer)
        if types[layer] == "BatchNorm":
            following = layers[position + 1] if position + 1 < len(layers) else None
            scale = None
            if following is not None and types[following] == "Scale":
                scale = dict(zip(roles[following], params[following], strict=True))
                skip.add(following)
            _add(out, prefix, _batch_norm(layer, blobs, scale))
        elif types[layer] == "PReLU":
            _add(out, prefix, {"weight": blobs["slope"]})
        elif types[layer] == "Scale":
            _add(
                out,
                prefix,
                {"weight": blobs["scale"], **({"bias": blobs["bias"]} if "bias" in blobs else {})},
            )
        else:
            _add(out, prefix, blobs)
    return out


def _batch_norm(
    layer: str, blobs: dict[str, np.ndarray], scale: dict[str, np.ndarray] | None
) -> dict[str, Any]:
    if set(blobs) != {"mean", "variance", "scale_factor"}:
        raise FillerError(f"layer {layer!r} (BatchNorm): expected mean, variance and scale_factor blobs")
    mean, variance, factor = blobs["mean"], blobs["variance"], blobs["scale_factor"]
    channels = mean.shape[0]
    # Caffe's BatchNorm: scale = factor == 0 ? 0 : 1 / factor, multiplied in Dtype.
    rt = mean.dtype.type
    if factor.reshape(-1)[0] == 0:
        running_mean, running_var = np.zeros_like(mean), np.ones_like(variance)
    else:
        inverse = rt(1) / rt(factor.reshape(-1)[0])
        running_mean, running_var = mean * inverse, variance * inverse
    weight = scale["scale"] if scale is not None else np.ones(channels, mean.dtype)
    bias = scale.get("bias") if scale is not None else None
    return {
        "weight": weight,
        "bias": np.zeros(channels, mean.dtype) if bias is None else bias,
        "running_mean": running_mean,
        "running_var": running_var,
        "num_batches_tracked": torch.tensor(0, dtype=torch.long),
    }


def _add(out: dict[str, torch.Tensor], prefix: str, blobs: Mapping[str, Any]) -> None:
    for role, blob in blobs.items():
        key = f"{prefix}.{role}"
        if key in out:
            raise FillerError(f"state_dict: two layers give the key {key!r}; check rename")
        out[key] = blob if isinstance(blob, torch.Tensor) else torch.from_numpy(np.array(blob, copy=True))


def _renamer(rename: Rename) -> Callable[[str], str]:
    if rename is None:
        return lambda name: name
    if callable(rename) and not isinstance(rename, Mapping):
        return rename
    if not isinstance(rename, Mapping):
        raise FillerError(f"rename: {rename!r} is not a {{regex: replacement}} dict or a function")
    compiled = []
    for pattern, replacement in rename.items():
        if not (isinstance(replacement, str) or callable(replacement)):
            raise FillerError(
                f"rename: {pattern!r}: {replacement!r} is not a string or a function of the match"
            )
        try:
            compiled.append((re.compile(pattern), replacement))
        except (re.error, TypeError) as error:
            raise FillerError(f"rename: {pattern!r} is not a regular expression: {error}") from None

    def renamed(name: str) -> str:
        for pattern, replacement in compiled:
            name = pattern.sub(replacement, name)
        return name

    return renamed


def _counter_on_device(tensor: torch.Tensor, rng: Stream | None) -> bool:
    # Issue 22's hook: counter mode off the CPU is computed on the tensor's device, in torch
    # ops giving the core's bits (fillers/_torch_counter.py; float32 only).
    return isinstance(rng, CounterRNG) and tensor.device.type != "cpu" and tensor.dtype == torch.float32


def _checked_tensor(tensor: object) -> torch.Tensor:
    if not isinstance(tensor, torch.Tensor):
        raise FillerError(f"tensor: {tensor!r} is not a torch.Tensor")
    if tensor.dtype not in _EXACT and tensor.dtype not in _ROUNDED:
        raise FillerError(
            f"tensor: dtype {tensor.dtype} is not supported; use float32, float64, float16 or bfloat16"
        )
    if tensor.layout != torch.strided or tensor.device.type == "meta":
        raise FillerError(f"tensor: a {tensor.layout} tensor on {tensor.device} holds no values to fill")
    return tensor


def _fill_dtype(tensor: torch.Tensor) -> np.dtype:
    """The Caffe Dtype a tensor is filled in: its own for float32/float64, float (then
    rounded) for half precision."""
    return np.dtype(_EXACT.get(tensor.dtype, np.float32))


def _fills_in_place(tensor: torch.Tensor) -> bool:
    return tensor.device.type == "cpu" and tensor.dtype in _EXACT and tensor.is_contiguous()


def _strict_problem(report: InitReport) -> str:
    problems = [f"parameter {name!r} matches no rule" for name in report.unmatched]
    problems += [f"rule {rule.index} ({rule.describe()}) matches no parameter" for rule in report.unused]
    return "; ".join(problems)
