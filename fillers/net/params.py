"""A net's learnable blobs by layer, with what each layer is and what each of its blobs means.

`NetParams` is what `init_net` and `load_weights` return: a plain `{layer: [blob, ...]}`
dict (so every dict idiom works on it) that also carries `types[layer]` (Caffe's layer type,
e.g. "Convolution") and `roles[layer]` (one name per blob, in Caffe's blobs order). Framework
bridges read the roles to tell a BatchNorm's statistics from a Scale's factors without
knowing Caffe's layer code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from .layers import definition_of


def blob_roles(layer_type: str, blob_count: int) -> tuple[str, ...]:
    """The role of each of a layer's `blob_count` blobs.

    A type whose layer definition names its blobs (see `fillers.register_layer(roles=...)`)
    gives those roles ("weight", "bias"; BatchNorm's "mean", "variance", "scale_factor"; ...),
    cut to the blobs the layer has. Any other type, or a count the type cannot have, gives
    positional names: "blob0", "blob1", ...

    Examples:
        >>> blob_roles("Scale", 1), blob_roles("MyLayer", 2)
        (('scale',), ('blob0', 'blob1'))
    """
    definition = definition_of(layer_type)
    known = definition.roles if definition is not None else ()
    if 0 < blob_count <= len(known):
        return known[:blob_count]
    return tuple(f"blob{index}" for index in range(blob_count))


class NetParams(dict[str, list[np.ndarray]]):
    """`{layer: [blob, ...]}` in net (or file) order, with each layer's type and blob roles.

    `types[layer]`: the layer's Caffe type, e.g. "Convolution" ("" when unknown).
    `roles[layer]`: one role per blob, e.g. ("weight", "bias"); see `blob_roles`.

    Examples:
        >>> params = NetParams.of({"ip": [np.zeros((4, 3)), np.zeros(4)]}, {"ip": "InnerProduct"})
        >>> params.types["ip"], params.roles["ip"]
        ('InnerProduct', ('weight', 'bias'))
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.types: dict[str, str] = {}
        self.roles: dict[str, tuple[str, ...]] = {}

    @classmethod
    def of(
        cls,
        blobs: Mapping[str, Iterable[np.ndarray]] | Iterable[tuple[str, Iterable[np.ndarray]]],
        types: Mapping[str, str],
    ) -> NetParams:
        """Params from `{layer: blobs}` (or (layer, blobs) pairs) and `{layer: type}`; each
        layer's roles follow from its type and blob count."""
        params = cls()
        for layer, layer_blobs in blobs.items() if isinstance(blobs, Mapping) else blobs:
            params.add(layer, types.get(layer, ""), list(layer_blobs))
        return params

    def add(self, layer: str, layer_type: str, blobs: list[np.ndarray]) -> None:
        """Set a layer's blobs with its type, and roles derived from both."""
        self[layer] = blobs
        self.types[layer] = layer_type
        self.roles[layer] = blob_roles(layer_type, len(blobs))

    def __repr__(self) -> str:
        layers = ", ".join(
            f"{layer!r} ({self.types.get(layer, '')}): {[blob.shape for blob in blobs]}"
            for layer, blobs in self.items()
        )
        return f"NetParams({{{layers}}})"
