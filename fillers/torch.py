"""PyTorch bridge: fill tensors with Caffe's fillers, initialize modules by rules, and turn a
Caffe net's parameters into a state dict, on one process or on DTensor/FSDP2 shards.

Install with `pip install fillers[torch]`. Only this module imports torch, and only when it
is imported itself: `import fillers` never does.

torch keeps Caffe's axis order ("OIHW" for Conv2d, "OI" for Linear), so the default layout
is Caffe's own. A ConvTranspose weight is (C_in, C_out / groups, kh, kw), exactly Caffe's
Deconvolution blob: fill it as is and the fans are Caffe's Deconvolution fans.

Streams: `rng=` a fillers stream (CaffeRNG: Caffe's bits; CounterRNG: keyed by each
parameter's name, the same values however the tensor is sharded; numpy Generator; None:
fillers' global stream, `fillers.set_random_seed`, which `torch.manual_seed` does not
touch), or `generator=` a torch.Generator (the spec's distribution, torch's bits).

>>> import torch, fillers, fillers.torch as ft
>>> conv = torch.nn.Conv2d(3, 8, 3)
>>> w = ft.fill_(conv.weight, 'type: "xavier"', rng=fillers.CaffeRNG(1))
>>> bool((w.detach().numpy() == fillers.get_filler({"type": "xavier"}).fill((8, 3, 3, 3),
...      rng=fillers.CaffeRNG(1))).all())
True
"""

from __future__ import annotations

import ctypes
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Union

import numpy as np
import torch

from .errors import FillerError
from .fill.filler import Filler
from .fill.layout import caffe_shape, layout_axes
from .fill.registry import Spec, as_filler
from .net.netparam import PhaseLike, included_layers, net_state, read_net
from .random.draws import Stream, _Draws, stream_for
from .spec.rules import Rule, RuleSource, first_match, load_rules
from .stream.counter import CounterRNG
from .stream.profiles import DEFAULT_PROFILE, Profile
from .weights.init import init_net

Rename = Union[Mapping[str, Union[str, Callable[[re.Match[str]], str]]], Callable[[str], str], None]  # noqa: UP007
Region = tuple[slice, ...]

_EXACT = {torch.float32: np.float32, torch.float64: np.float64}
_ROUNDED = (torch.float16, torch.bfloat16)
_PLAIN = (torch.Tensor, torch.nn.Parameter)


def fill_(
    tensor: torch.Tensor,
    spec: Spec,
    *,
    rng: Stream | None = None,
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
    """
    filler = as_filler(spec)
    source = _source(rng, generator)
    local, region = _target(tensor)
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
    rng: Stream | None = None,
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
            local, region = _target(parameter)
            keyed = _keyed(source, name)
            filler = _checked_filler(as_filler(rule.filler), parameter, local, rule.layout, keyed)
        except FillerError as error:
            raise FillerError(f"{name} (rule {rule.index}, {rule.describe()}): {error}") from None
        plan.append((parameter, local, region, filler, keyed, rule.layout))
    for parameter, local, region, filler, keyed, layout in plan:
        _fill(parameter, local, region, filler, keyed, layout)
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
    num_batches_tracked 0. A layer of another type gives "<layer>.blobN". A layer whose
    blob count its type cannot have (a PReLU with two blobs, a BatchNorm with two) is a
    FillerError naming it.

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
        blobs = _blobs_by_role(layer, params, types, roles)
        prefix = renamer(layer)
        if types[layer] == "BatchNorm":
            following = layers[position + 1] if position + 1 < len(layers) else None
            scale = None
            if following is not None and types.get(following) == "Scale":
                scale = _blobs_by_role(following, params, types, roles)
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


# The roles state_dict reads by name: a layer of these types must carry them.
_REQUIRED_ROLES = {
    "BatchNorm": ("mean", "variance", "scale_factor"),
    "PReLU": ("slope",),
    "Scale": ("scale",),
}


def _blobs_by_role(
    layer: str, params: Mapping[str, Sequence[np.ndarray]], types: Mapping[str, str], roles: Mapping[str, Any]
) -> dict[str, np.ndarray]:
    layer_type, layer_roles, blobs = types.get(layer, ""), tuple(roles.get(layer, ())), list(params[layer])
    if len(layer_roles) != len(blobs):
        raise FillerError(
            f"layer {layer!r} ({layer_type}): {len(blobs)} blobs but {len(layer_roles)} roles "
            f"{layer_roles}; build params with NetParams.add (or init_net, load_weights)"
        )
    missing = [role for role in _REQUIRED_ROLES.get(layer_type, ()) if role not in layer_roles]
    if missing:
        raise FillerError(
            f"layer {layer!r} ({layer_type}): {len(blobs)} blobs, which a Caffe {layer_type} cannot have "
            f"(its blobs: {', '.join(_REQUIRED_ROLES[layer_type])})"
        )
    return dict(zip(layer_roles, blobs, strict=True))


def _batch_norm(
    layer: str, blobs: dict[str, np.ndarray], scale: dict[str, np.ndarray] | None
) -> dict[str, Any]:
    mean, variance, factor = (np.asarray(blobs[role]) for role in ("mean", "variance", "scale_factor"))
    if factor.size != 1 or mean.ndim != 1 or variance.shape != mean.shape:
        raise FillerError(
            f"layer {layer!r} (BatchNorm): blob shapes {mean.shape}, {variance.shape}, {factor.shape}; "
            "Caffe's are (C,), (C,) and (1,)"
        )
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


@dataclass
class NetReport:
    """What `init_net_` did: the module's entries it loaded (state-dict keys, in the net's
    order), the module's parameters and buffers the net gave nothing (`unmatched`), the
    net's entries the module has no place for (`unused`), and the BatchNorm modules whose
    `momentum` and `eps` it set from the net, as {module name: (momentum, eps)}."""

    filled: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)
    batch_norm: dict[str, tuple[float, float]] = field(default_factory=dict)

    def __str__(self) -> str:
        lines = [f"{key}: loaded" for key in self.filled]
        lines += [f"{key}: not in the net (left as it was)" for key in self.unmatched]
        lines += [f"{key}: no such parameter or buffer in the module" for key in self.unused]
        lines += [f"{name}: momentum {m:g}, eps {e:g}" for name, (m, e) in self.batch_norm.items()]
        return "\n".join(lines)


_BATCH_NORMS = (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d, torch.nn.BatchNorm3d, torch.nn.SyncBatchNorm)


def init_net_(
    module: torch.nn.Module,
    net: Any,
    *,
    seed: int,
    phase: PhaseLike = "TRAIN",
    rename: Rename = None,
    input_shapes: Mapping[str, Sequence[int]] | None = None,
    weights: Any = None,
    profile: str | Profile | None = None,
    strict: bool = True,
) -> NetReport:
    """Initialize `module` as Caffe initializes `net`: `fillers.init_net(net, seed=seed, ...)`
    (Caffe's bits, data layers' setup draws and the net's order included), then
    `state_dict(params, rename=rename)` loaded into the module's parameters and buffers,
    in one call.

    DTensor parameters (FSDP2, tensor parallel) take their local shard on each rank. Each
    torch BatchNorm that a Caffe BatchNorm layer loads takes `momentum` =
    1 - `moving_average_fraction` (Caffe's running average keeps that fraction; torch's
    momentum is the new batch's share) and `eps` from `batch_norm_param`.

    strict (the default): every parameter and buffer of the module must be loaded and every
    entry of the net must land, else FillerError listing what did not; strict=False loads
    what matches and reports the rest. Shapes must match exactly. Everything is checked
    before the module is touched. Returns a NetReport (filled, unmatched, unused).
    """
    if not isinstance(module, torch.nn.Module):
        raise FillerError(f"module: {module!r} is not a torch.nn.Module")
    renamer = _renamer(rename)
    params = init_net(
        net, phase=phase, seed=seed, input_shapes=input_shapes, weights=weights, profile=profile
    )
    state = state_dict(params, rename=renamer)
    targets = dict(module.named_parameters())
    targets.update(module.named_buffers())
    report = NetReport(
        filled=[key for key in state if key in targets],
        unmatched=[key for key in targets if key not in state],
        unused=[key for key in state if key not in targets],
    )
    if strict and (report.unmatched or report.unused):
        problems = [f"the net gives no {key!r}" for key in report.unmatched]
        problems += [f"the module has no {key!r}" for key in report.unused]
        raise FillerError(f"init_net_(strict=True): {'; '.join(problems)}; check rename")
    loads = []
    for key in report.filled:
        target, value = targets[key], state[key]
        if tuple(target.shape) != tuple(value.shape):
            raise FillerError(
                f"{key}: the module's shape {tuple(target.shape)} is not the net's {tuple(value.shape)}"
            )
        local, region = _target(target, any_dtype=not target.is_floating_point())
        loads.append((local, region, value.numpy()))
    settings = _batch_norm_settings(module, net, phase, renamer, params, state)
    for local, region, value in loads:
        _write(local, value if region is None else value[region])
    for name, (momentum, eps) in settings.items():
        batch_norm = module.get_submodule(name)
        batch_norm.momentum, batch_norm.eps = momentum, eps
    report.batch_norm = settings
    return report


def _batch_norm_settings(
    module: torch.nn.Module,
    net: Any,
    phase: PhaseLike,
    renamer: Callable[[str], str],
    params: Mapping[str, Any],
    state: Mapping[str, torch.Tensor],
) -> dict[str, tuple[float, float]]:
    """{module name: (momentum, eps)} for each torch BatchNorm a Caffe BatchNorm loads."""
    types = getattr(params, "types", {})
    if "BatchNorm" not in types.values():
        return {}
    parsed = read_net(net)
    settings = {}
    for layer in included_layers(parsed, net_state(parsed, phase)):
        if layer.type != "BatchNorm" or layer.name not in params:
            continue
        name = renamer(layer.name)
        if f"{name}.running_mean" not in state:
            continue
        try:
            batch_norm = module.get_submodule(name)
        except AttributeError:
            continue
        if isinstance(batch_norm, _BATCH_NORMS):
            param = layer.batch_norm_param
            settings[name] = (1.0 - float(param.moving_average_fraction), float(param.eps))
    return settings


# What a stream argument is, checked once per call: a fillers stream or a torch.Generator.
Source = Union[Stream, torch.Generator]  # noqa: UP007


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


def _dtensor_type() -> type | None:
    if not torch.distributed.is_available():
        return None
    from torch.distributed.tensor import DTensor

    return DTensor


def _target(tensor: object, *, any_dtype: bool = False) -> tuple[torch.Tensor, Region | None]:
    """The plain tensor a fill writes (a DTensor's local shard) and, for a DTensor, the
    region of the full tensor it holds; FillerError for anything fillers cannot write."""
    if not isinstance(tensor, torch.Tensor):
        raise FillerError(f"tensor: {tensor!r} is not a torch.Tensor")
    if type(tensor) in _PLAIN:
        return _checked_plain(tensor, any_dtype), None
    dtensor = _dtensor_type()
    if dtensor is None or not isinstance(tensor, dtensor):
        raise FillerError(
            f"tensor: a {type(tensor).__name__} holds no values fillers can write; pass a plain "
            "tensor, a Parameter or a DTensor"
        )
    if any(placement.is_partial() for placement in tensor.placements):
        raise FillerError(
            f"tensor: a DTensor with placements {tensor.placements} holds partial sums, not values; "
            "redistribute it to Shard or Replicate first"
        )
    local = _checked_plain(tensor.to_local(), any_dtype)
    # The DTensor's own account of its shard, the one torch's distributed checkpoint writes.
    chunks = tensor.__create_chunk_list__()
    if len(chunks) != 1 or tuple(chunks[0].sizes) != tuple(local.shape):
        raise FillerError(
            f"tensor: a DTensor with placements {tensor.placements} whose local shard is not one block "
            "of the full tensor"
        )
    region = tuple(
        slice(offset, offset + size) for offset, size in zip(chunks[0].offsets, chunks[0].sizes, strict=True)
    )
    return local, region


def _checked_plain(tensor: torch.Tensor, any_dtype: bool = False) -> torch.Tensor:
    if type(tensor) not in _PLAIN:
        raise FillerError(f"tensor: a {type(tensor).__name__} holds no values fillers can write")
    if tensor.is_nested:
        raise FillerError("tensor: a nested tensor has no one shape to fill; fill each of its components")
    if tensor.device.type == "meta":
        raise FillerError(
            "tensor: a meta tensor holds no values; call module.to_empty(device=...) first, then fill"
        )
    if tensor.layout != torch.strided:
        raise FillerError(f"tensor: a {tensor.layout} tensor on {tensor.device} holds no values to fill")
    if not any_dtype and tensor.dtype not in _EXACT and tensor.dtype not in _ROUNDED:
        raise FillerError(
            f"tensor: dtype {tensor.dtype} is not supported; use float32, float64, float16 or bfloat16"
        )
    if tensor.is_inference() and not torch.is_inference_mode_enabled():
        raise FillerError(
            "tensor: an inference tensor is written only inside torch.inference_mode(), as torch rules"
        )
    if _overlaps(tensor):
        raise FillerError(
            f"tensor: shape {tuple(tensor.shape)} with strides {tensor.stride()} has elements that share "
            "memory (an expanded view?); fill a tensor that owns each element, e.g. after .clone()"
        )
    if not _writable_memory(tensor):
        raise FillerError(
            "tensor: its memory is read-only (a read-only memmap?); fill a writable copy (.clone())"
        )
    return tensor


def _overlaps(tensor: torch.Tensor) -> bool:
    """Whether two elements share memory. Usually settled by the strides alone: each axis's
    stride, smallest first, steps past every offset the smaller axes reach. Strides that
    interleave (shape (2, 3), strides (3, 2)) are settled by counting distinct offsets, at a
    cost of one int64 per element, paid only for such views."""
    dims = [(stride, size) for stride, size in zip(tensor.stride(), tensor.shape, strict=True) if size > 1]
    reach = 0
    for stride, size in sorted(dims):
        if stride <= reach:
            break
        reach += stride * (size - 1)
    else:
        return False
    if any(stride == 0 for stride, _ in dims):
        return True
    offsets = torch.zeros((), dtype=torch.int64)
    for stride, size in dims:
        offsets = offsets.unsqueeze(-1) + torch.arange(size, dtype=torch.int64) * stride
    return offsets.unique().numel() < offsets.numel()


def _writable_memory(tensor: torch.Tensor) -> bool:
    """Whether a CPU tensor's first and last bytes can be written. The kernel writes each byte
    back over itself from a pipe: read-only memory gives EFAULT, not the SIGSEGV a store would."""
    if tensor.device.type != "cpu" or tensor.numel() == 0 or not hasattr(os, "readv"):
        return True
    span = sum(stride * (size - 1) for stride, size in zip(tensor.stride(), tensor.shape, strict=True))
    first = tensor.data_ptr()
    for address in {first, first + span * tensor.element_size()}:
        byte = (ctypes.c_char * 1).from_address(address)
        read_end, write_end = os.pipe()
        try:
            os.write(write_end, bytes(byte))
            os.readv(read_end, [byte])
        except OSError:
            return False
        finally:
            os.close(read_end)
            os.close(write_end)
    return True


def _fill_dtype(tensor: torch.Tensor) -> np.dtype:
    """The Caffe Dtype a tensor is filled in: its own for float32/float64, float (then
    rounded) for half precision."""
    return np.dtype(_EXACT.get(tensor.dtype, np.float32))


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
            checked.check(shape, _fill_dtype(local))
        return checked
    return filler.checked_for(shape, _fill_dtype(local), source)


def _fill(
    tensor: torch.Tensor,
    local: torch.Tensor,
    region: Region | None,
    filler: Filler,
    source: Source,
    layout: str | None,
) -> None:
    with torch.no_grad():
        if region is None and not isinstance(source, torch.Generator) and _fills_in_place(local):
            filler.fill(local.numpy(), rng=source, layout=layout)
            return
        _write(local, _values(filler, tuple(tensor.shape), _fill_dtype(local), source, layout, region))


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
        blob = _drawn_by_torch(filler, blob_shape, dtype, source)
    else:
        blob = filler.fill(blob_shape, dtype, source)
    values = blob.transpose(axes)
    return values if region is None else values[region]


def _drawn_by_torch(
    filler: Filler, shape: tuple[int, ...], dtype: np.dtype, generator: torch.Generator
) -> np.ndarray:
    blob = np.empty(shape, dtype)
    state = generator.get_state()
    try:
        with np.errstate(all="ignore"):
            filler.generate(blob.reshape(-1), shape, _TorchDraws(generator))
    except BaseException as error:
        generator.set_state(state)
        if isinstance(error, RuntimeError):
            raise FillerError(f"generator: torch refused a draw for {filler!r}: {error}") from None
        raise
    return blob


class _TorchDraws(_Draws):
    """The draws a filler asks for (see fillers.random.draws), from a torch.Generator on its
    own device: torch's `uniform_`, `normal_` and a uniform compared with p, torch's bits.
    The profile is Caffe master's, as for a numpy Generator."""

    def __init__(self, generator: torch.Generator) -> None:
        super().__init__(generator)
        self.generator = generator

    def _drawn(self, out: np.ndarray, method: str, *args: float) -> None:
        values = torch.empty(len(out), dtype=torch.from_numpy(out[:0]).dtype, device=self.generator.device)
        getattr(values, method)(*args, generator=self.generator)
        out[:] = values.cpu().numpy()

    def uniform(self, out: np.ndarray, a: float, b: float) -> None:
        self._drawn(out, "uniform_", a, b)

    def gaussian(self, out: np.ndarray, mean: float, sigma: float) -> None:
        self._drawn(out, "normal_", mean, sigma)

    def bernoulli(self, out: np.ndarray, p: float, dtype: np.dtype) -> None:
        uniform = np.empty(len(out), dtype)
        self.uniform(uniform, 0.0, 1.0)
        np.less(uniform, np.dtype(dtype).type(p), out=out)

    def bernoulli_mask(self, data: np.ndarray, p: float) -> None:
        keep = np.empty(len(data), bool)
        self.bernoulli(keep, p, data.dtype)
        np.multiply(data, keep, out=data)


def _write(local: torch.Tensor, values: np.ndarray) -> None:
    """Copy `values` into `local` (rounding to its dtype), through pinned memory for CUDA."""
    staging = torch.from_numpy(np.asarray(values, order="C"))
    if local.device.type == "cuda":
        staging = staging.pin_memory()
    with torch.no_grad():
        local.copy_(staging)


def _fills_in_place(tensor: torch.Tensor) -> bool:
    return tensor.device.type == "cpu" and tensor.dtype in _EXACT and tensor.is_contiguous()


def _class_name(module: torch.nn.Module) -> str:
    """The module's own class name, under the subclass FSDP2's fully_shard swaps in
    ("FSDPLinear" for a Linear), so that rules naming "Linear" still match."""
    wrapper = _fsdp_module_type()
    if wrapper is None or not isinstance(module, wrapper):
        return type(module).__name__
    return next(cls for cls in type(module).__mro__ if not issubclass(cls, wrapper)).__name__


def _fsdp_module_type() -> type | None:
    if not torch.distributed.is_available():
        return None
    from torch.distributed.fsdp import FSDPModule

    return FSDPModule


def _strict_problem(report: InitReport) -> str:
    problems = [f"parameter {name!r} matches no rule" for name in report.unmatched]
    problems += [f"rule {rule.index} ({rule.describe()}) matches no parameter" for rule in report.unused]
    return "; ".join(problems)
