"""Caffe nets into torch modules: state_dict from init_net's blobs, and init_net_ in one call."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Union

import numpy as np
import torch

from ..errors import FillerError
from ..net.netparam import PhaseLike, included_layers, net_state, read_net
from ..stream.profiles import Profile
from ..weights.init import init_net
from .tensors import target_of, write

Rename = Union[Mapping[str, Union[str, Callable[[re.Match[str]], str]]], Callable[[str], str], None]  # noqa: UP007


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

    Examples:
        >>> import fillers
        >>> params = fillers.init_net('''
        ...     layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 4 } } }
        ...     layer { name: "fc" type: "InnerProduct" bottom: "data" top: "fc"
        ...             inner_product_param { num_output: 3 weight_filler { type: "xavier" } } }''', seed=1)
        >>> {key: tuple(value.shape) for key, value in state_dict(params, rename={"^fc$": "head"}).items()}
        {'head.weight': (3, 4), 'head.bias': (3,)}
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

    Examples:
        >>> import torch
        >>> net = '''
        ...     layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 4 } } }
        ...     layer { name: "fc" type: "InnerProduct" bottom: "data" top: "fc"
        ...             inner_product_param { num_output: 3 weight_filler { type: "xavier" } } }'''
        >>> model = torch.nn.Sequential(torch.nn.Linear(4, 3))
        >>> init_net_(model, net, seed=1, rename={"^fc$": "0"}).filled
        ['0.weight', '0.bias']
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
        local, region = target_of(target, any_dtype=not target.is_floating_point())
        loads.append((local, region, value.numpy()))
    settings = _batch_norm_settings(module, net, phase, renamer, params, state)
    for local, region, value in loads:
        write(local, value if region is None else value[region])
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
