"""Weights files in and out: `load_weights` and `save_weights`.

Formats, by extension: .caffemodel (Caffe's binary NetParameter, V1 and V2 forms),
.caffemodel.h5 / .h5 / .hdf5 (Caffe's HDF5 snapshot; extra `fillers[hdf5]`), .npz and
.safetensors (extra `fillers[safetensors]`; keys "<layer>/<index>"). Reading an HDF5 file
is decided by its content, as Caffe decides it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import numpy as np

from .._proto.filler_pb2 import LayerParameter
from ..errors import FillerError
from ..net.layers.catalog import LOSS_TYPES
from ..net.netparam import NetSource, PhaseLike, phase_number
from ..net.params import NetParams
from ..net.plan import LayerPlan, NetPlan, plan_net
from ..net.splits import insert_splits
from . import arrays
from .caffemodel import write_caffemodel
from .finetune import TargetLayer, planned_copies, read_weights
from .init import target_layers

PathLike = str | os.PathLike[str]

_CAFFEMODEL, _HDF5, _NPZ, _SAFETENSORS = ".caffemodel", ".caffemodel.h5", ".npz", ".safetensors"
_SUFFIXES = {
    ".caffemodel": _CAFFEMODEL,
    ".caffemodel.h5": _HDF5,
    ".h5": _HDF5,
    ".hdf5": _HDF5,
    ".npz": _NPZ,
    ".safetensors": _SAFETENSORS,
}


def load_weights(
    path: PathLike,
    *,
    net: NetSource | NetParams | None = None,
    phase: PhaseLike = "TRAIN",
    input_shapes: Mapping[str, Sequence[int]] | None = None,
) -> NetParams:
    """The blobs of a weights file, `{layer: [blob, ...]}` in file order.

    Each blob has the file's shape (a legacy num/channels/height/width blob is 4-D, as Caffe
    reads it) and dtype (float32 `data`, float64 `double_data`). `.types` holds the file's
    layer types and `.roles` the blob roles they imply. Layers without blobs are left out;
    an HDF5 snapshot lists a blob shared with another layer only with its owner, so such a
    layer's list stops before its first blob left out.

    net: a net (prototxt path or text, or NetParameter, built for `phase` with
    `input_shapes` as `init_net` builds it) or an `init_net` result. The file is then checked
    as `caffe train --weights` checks it against that net (blob counts and shapes, Caffe's
    texts), each blob takes its net layer's shape (legacy 4-D blobs included), and types
    and roles come from the net.

    A missing, truncated or corrupt file, or a blob whose value count is not its shape's,
    raises FillerError naming the file, layer and blob.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise FillerError(f"load_weights: {path!r} is not a file path")
    file = read_weights(path)
    targets: dict[str, tuple[str, tuple[tuple[int, ...], ...]]] = {}
    if net is not None:
        layers, types = _net_layers(net, phase, input_shapes)
        planned_copies(layers, [file])
        for layer in reversed(layers):
            targets[layer.name] = (types[layer.name], layer.shapes)
    params = NetParams()
    for layer in file.layers:
        present = []
        for blob in layer.blobs:
            if blob is None:
                break
            present.append(blob)
        if not present:
            continue
        if layer.name in params:
            raise FillerError(f"{file.path}: two layers named {layer.name!r} have blobs")
        layer_type, shapes = targets.get(layer.name, (layer.type, ()))
        blobs = [
            blob.values.reshape(shapes[index]) if index < len(shapes) else blob.shaped()
            for index, blob in enumerate(present)
        ]
        params.add(layer.name, layer_type, blobs)
    return params


def save_weights(
    params: Mapping[str, Sequence[np.ndarray]],
    path: PathLike,
    *,
    net: NetSource | NetPlan | None = None,
    phase: PhaseLike = "TRAIN",
    input_shapes: Mapping[str, Sequence[int]] | None = None,
) -> None:
    """Write `{layer: [blob, ...]}` in the format the extension of `path` names.

    .caffemodel: a NetParameter laid out as Caffe's Net::ToProto writes it, which Caffe's
    CopyTrainedLayersFrom loads: per layer its name, its type (`params.types`), and its
    blobs as packed float32 `data` (float64 blobs as `double_data`) with `shape`.
    .caffemodel.h5 (.h5, .hdf5): Caffe's HDF5 snapshot, /data/<layer>/<index>.
    .npz, .safetensors: one array per blob, keyed "<layer>/<index>".

    net: the net the params belong to (as for `load_weights`). Every blob is then checked
    against it, and the file holds what Caffe would write for that net: its name, every
    layer in net order with its full LayerParameter (blob-less ones too), and in HDF5 a
    shared blob only with its owner.

    The file appears whole or not at all; bad input raises FillerError before writing.

    Examples:
        >>> import os, tempfile
        >>> from fillers import init_net
        >>> net = '''layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 } } }
        ...          layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip"
        ...                  inner_product_param { num_output: 2 weight_filler { type: "xavier" } } }'''
        >>> params = init_net(net, seed=1)
        >>> path = os.path.join(tempfile.mkdtemp(), "init.caffemodel")
        >>> save_weights(params, path, net=net)
        >>> saved = load_weights(path)
        >>> saved.types["ip"], saved.roles["ip"], [blob.shape for blob in saved["ip"]]
        ('InnerProduct', ('weight', 'bias'), [(2, 3), (2,)])
        >>> bool((saved["ip"][0] == params["ip"][0]).all())
        True
    """
    form = _format_of(path)
    checked = _checked_params(params)
    types = getattr(params, "types", {})
    if net is None:
        name = None
        layers = [
            (LayerParameter(name=layer, type=types.get(layer, "")), blobs) for layer, blobs in checked.items()
        ]
        shared: dict[tuple[str, int], bool] = {}
    else:
        # A NetPlan already made (the CLI's, with its stages, shape rules and plugins) is used as it is.
        plan = net if isinstance(net, NetPlan) else plan_net(net, phase=phase, input_shapes=input_shapes)
        name, layers, shared = plan.name, _net_layer_blobs(plan, checked, phase), _shared_blobs(plan)
    if form == _CAFFEMODEL:
        write_caffemodel(path, name, layers)
        return
    if form == _HDF5:
        # Net::ToHDF5 saves a shared blob only with the layer that owns it.
        layers = [
            (fields, [None if shared.get((fields.name, index)) else blob for index, blob in enumerate(blobs)])
            for fields, blobs in layers
        ]
    else:
        layers = [(fields, blobs) for fields, blobs in layers if blobs]
    _WRITERS[form](path, [(fields.name, fields.type, blobs) for fields, blobs in layers])


_WRITERS = {
    _HDF5: arrays.write_hdf5,
    _NPZ: arrays.write_npz,
    _SAFETENSORS: arrays.write_safetensors,
}


def _format_of(path: PathLike) -> str:
    if not isinstance(path, (str, os.PathLike)):
        raise FillerError(f"save_weights: {path!r} is not a file path")
    lowered = os.fspath(path).lower()
    for suffix in sorted(_SUFFIXES, key=len, reverse=True):
        if lowered.endswith(suffix):
            return _SUFFIXES[suffix]
    raise FillerError(f"{os.fspath(path)}: unknown weights format; use one of {', '.join(_SUFFIXES)}")


def _checked_params(params: Mapping[str, Sequence[np.ndarray]]) -> dict[str, list[np.ndarray]]:
    """`params` as {layer: [float array, ...]}, else FillerError naming the layer and blob."""
    if not isinstance(params, Mapping):
        raise FillerError(f"params: {type(params).__name__} is not a mapping of layer names to blobs")
    checked = {}
    for layer, blobs in params.items():
        if not isinstance(layer, str) or isinstance(blobs, (str, bytes, np.ndarray)):
            raise FillerError(f"params: {layer!r} must map a layer name to a list of arrays")
        checked[layer] = [
            arrays.float_array(blob, f"params: layer {layer!r} blob {index}")
            for index, blob in enumerate(blobs)
        ]
    return checked


def _net_layers(
    net: NetSource | NetParams, phase: PhaseLike, input_shapes: Mapping[str, Sequence[int]] | None
) -> tuple[list[TargetLayer], dict[str, str]]:
    """The net's layers as targets of a weights file, and their types."""
    if isinstance(net, NetParams):
        layers = [
            TargetLayer(name, tuple(np.shape(blob) for blob in blobs), (False,) * len(blobs))
            for name, blobs in net.items()
        ]
        return layers, {name: net.types.get(name, "") for name in net}
    plan = plan_net(net, phase=phase, input_shapes=input_shapes)
    return target_layers(plan), {layer.name: layer.type for layer in plan.layers}


def _net_layer_blobs(
    plan: NetPlan, params: dict[str, list[np.ndarray]], phase: PhaseLike
) -> list[tuple[LayerParameter, list[np.ndarray]]]:
    """Every layer of the net as Caffe builds it (Split layers included) with its params,
    which must be the net's blobs exactly."""
    extra = set(params) - {layer.name for layer in plan.layers if layer.blobs}
    if extra:
        raise FillerError(f"params: layers {sorted(extra)} have no blobs in the net")
    layers = []
    given = [
        LayerParameter(name=layer.name, type=layer.type) if layer.param is None else layer.param
        for layer in plan.layers
    ]
    for fields, index in insert_splits(given):
        if index is None:
            fields.phase = phase_number(phase)
            layers.append((fields, []))
            continue
        layer = plan.layers[index]
        blobs = params.get(layer.name, []) if layer.blobs else []
        shapes = [blob.shape for blob in layer.blobs]
        if [tuple(blob.shape) for blob in blobs] != shapes:
            raise FillerError(
                f"params: layer {layer.name!r} has blobs of shapes {[tuple(b.shape) for b in blobs]}; "
                f"the net's are {shapes}"
            )
        layers.append((_as_set_up(fields, layer), blobs))
    return layers


def _as_set_up(fields: LayerParameter, layer: LayerPlan) -> LayerParameter:
    """The layer's LayerParameter as Caffe holds it after setup, which Layer::ToProto writes:
    a loss layer without loss_weight gains `loss_weight: 1` (LossLayer::LayerSetUp), a
    BatchNorm gains `param { lr_mult: 0 }` for each statistic it has none for."""
    if layer.type in LOSS_TYPES and not fields.loss_weight:
        fields.loss_weight.append(1.0)
    if layer.type == "BatchNorm":
        while len(fields.param) < len(layer.blobs):
            fields.param.add(lr_mult=0.0)
    return fields


def _shared_blobs(plan: NetPlan) -> dict[tuple[str, int], bool]:
    """The blobs that take another layer's param (Caffe's HDF5 snapshot leaves them out)."""
    return {(blob.layer, blob.index): blob.owner is not None for blob in plan.blobs}
