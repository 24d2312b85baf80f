"""Caffe's InsertSplits: the Split layers Net::Init adds where one top feeds several bottoms.

They have no blobs and draw nothing, so filling ignores them; a .caffemodel written for a net
lists them (and the bottoms they rename) because Caffe's Net::ToProto writes the net as built.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from .._proto.filler_pb2 import LayerParameter

Top = tuple[int, int]  # (layer index, top index)


def split_layer_name(layer: str, blob: str, top: int) -> str:
    return f"{blob}_{layer}_{top}_split"


def split_blob_name(layer: str, blob: str, top: int, split: int) -> str:
    return f"{blob}_{layer}_{top}_split_{split}"


def insert_splits(layers: Sequence[LayerParameter]) -> list[tuple[LayerParameter, int | None]]:
    """The layers as Net::Init builds them: each (layer, index of the given layer it is, or
    None for an inserted Split). A top used by more than one bottom (a nonzero loss weight
    counts as a use) gets a Split layer right after its producer, with one top per use, and
    each consumer's bottom is renamed to its own split top."""
    last_top: dict[str, Top] = {}
    source: dict[tuple[int, int], Top] = {}
    uses: Counter[Top] = Counter()
    loss_weights: dict[Top, float] = {}
    for i, layer in enumerate(layers):
        for j, blob in enumerate(layer.bottom):
            source[i, j] = last_top[blob]
            uses[last_top[blob]] += 1
        for j, blob in enumerate(layer.top):
            last_top[blob] = (i, j)
        for j in range(min(len(layer.loss_weight), len(layer.top))):
            top = last_top[layer.top[j]]
            loss_weights[top] = layer.loss_weight[j]
            if loss_weights[top]:
                uses[top] += 1
    next_split: Counter[Top] = Counter()
    built: list[tuple[LayerParameter, int | None]] = []
    for i, given in enumerate(layers):
        layer = LayerParameter()
        layer.CopyFrom(given)
        for j, blob in enumerate(layer.bottom):
            top = source[i, j]
            if uses[top] > 1:
                layer.bottom[j] = split_blob_name(layers[top[0]].name, blob, top[1], next_split[top])
                next_split[top] += 1
        built.append((layer, i))
        for j, blob in enumerate(layer.top):
            if uses[i, j] > 1:
                loss_weight = loss_weights.get((i, j), 0.0)
                split = LayerParameter(
                    name=split_layer_name(layer.name, blob, j), type="Split", bottom=[blob]
                )
                for k in range(uses[i, j]):
                    split.top.append(split_blob_name(layer.name, blob, j, k))
                    if loss_weight:
                        split.loss_weight.append(loss_weight if k == 0 else 0.0)
                if loss_weight:
                    layer.ClearField("loss_weight")
                    next_split[i, j] += 1
                built.append((split, None))
    return built
