"""Filled tensors as Dask arrays, the same values whatever the chunks (counter mode).

Each block is `Filler.fill_region` of the block's location on a `CounterRNG`, so a block
depends only on (seed, key, spec, its location): any chunking, scheduler or worker gives the
values `fill(shape, rng=CounterRNG(seed, key))` gives in memory. Not Caffe's bits.
Needs the `fillers[dask]` extra (dask; dask.distributed to run on a cluster).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from .errors import FillerError
from .fill.blob import counter_mode_limits, shape_of, supported_dtype
from .fill.filler import Filler
from .net.layers import ShapeRule
from .net.netparam import NetSource, PhaseLike
from .net.params import NetParams
from .net.plan import ParamBlob
from .spec.resolve import Spec, as_filler
from .stream.counter import CounterRNG
from .weights.init import prepare_net

if TYPE_CHECKING:
    import dask.array


def array(
    spec: Spec,
    shape: Sequence[int],
    *,
    chunks: object = "auto",
    seed: int,
    key: str | None = None,
    dtype: object = np.float32,
) -> dask.array.Array:
    """A dask array of `shape` filled by `spec` from the counter stream (seed, key).

    spec: a Filler, a FillerParameter, a dict of its fields, or text format
    ('type: "msra"'). chunks: any dask chunks ("auto", (1024, 1024), ...). Block values
    equal `get_filler(spec).fill(shape, dtype=dtype, rng=CounterRNG(seed, key))[block]` bit
    for bit, for every chunking. The spec is checked against the whole shape here, before
    anything is computed.

    For example `array('type: "msra"', (65536, 65536), chunks=(4096, 65536), seed=1, key="w")`
    is a 16 GiB tensor in 16 blocks of 1 GiB, each computed where dask runs it.

    Examples:
        >>> import fillers
        >>> w = array('type: "msra"', (1024, 512), chunks=(256, 512), seed=1, key="w")
        >>> w.numblocks
        (4, 1)
        >>> msra = fillers.get_filler({"type": "msra"})
        >>> block = msra.fill_region((1024, 512), (slice(256, 512),), fillers.CounterRNG(1, key="w"))
        >>> bool((w.blocks[1].compute() == block).all())
        True
    """
    filler = as_filler(spec)
    shape, dtype = shape_of(shape), supported_dtype(dtype)
    with counter_mode_limits():
        filler.check(shape, dtype)
    return _blocks(filler, shape, chunks, CounterRNG(seed, key), dtype)


def init_net(
    net: NetSource,
    *,
    seed: int,
    key: str | None = None,
    chunks: object = "auto",
    phase: PhaseLike = "TRAIN",
    input_shapes: Mapping[str, Sequence[int]] | None = None,
    dtype: object = np.float32,
    level: int = 0,
    stages: Iterable[str] = (),
    shape_rules: Mapping[str, ShapeRule] | None = None,
) -> NetParams:
    """Every learnable blob of a net as a dask array, {layer: [weight, bias, ...]} (a
    `NetParams`, with `.types` and `.roles` as `fillers.init_net` gives).

    The values are those of `fillers.init_net(net, rng=CounterRNG(seed, key))`: blob `index`
    of `layer` from the counter stream keyed "<layer>/<index>" (under `key` if given). chunks
    applies to every blob ("auto", a byte size such as "64 MiB", or an int per axis); blobs
    without a filler are zeros; shared blobs are their owner's array. Other arguments as for
    `fillers.init_net`. Every filler is checked against its blob before this returns.

    Examples:
        >>> import fillers
        >>> net = '''layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 64 } } }
        ...          layer { name: "fc" type: "InnerProduct" bottom: "data" top: "fc"
        ...                  inner_product_param { num_output: 32 weight_filler { type: "msra" } } }'''
        >>> params = init_net(net, seed=1701, chunks=16)  # 16 per axis, for every blob
        >>> params["fc"][0].numblocks, params["fc"][1].numblocks
        ((2, 4), (2,))
        >>> eager = fillers.init_net(net, rng=fillers.CounterRNG(1701))
        >>> bool((params["fc"][0].compute() == eager["fc"][0]).all())
        True
    """
    prepared = prepare_net(
        net,
        phase=phase,
        rng=CounterRNG(seed, key),
        input_shapes=input_shapes,
        dtype=dtype,
        level=level,
        stages=stages,
        shape_rules=shape_rules,
    )
    return prepared.fill(make_blob=functools.partial(_blob_array, chunks=chunks))


def _blob_array(
    blob: ParamBlob, filler: Filler | None, rng: CounterRNG, dtype: np.dtype, *, chunks: object
) -> dask.array.Array:
    """A blob's lazy values: its filler's blocks on the blob's own counter stream, or zeros."""
    import dask.array as da

    if filler is None:
        return da.zeros(blob.shape, chunks=_chunks(chunks, blob.shape, dtype), dtype=dtype)
    return _blocks(filler, blob.shape, chunks, rng, dtype)


def _chunks(chunks: object, shape: tuple[int, ...], dtype: np.dtype) -> tuple[tuple[int, ...], ...]:
    """dask's normalized chunks, or FillerError naming them."""
    from dask.array.core import normalize_chunks

    try:
        return normalize_chunks(chunks, shape, dtype=dtype)
    except (ValueError, TypeError) as error:
        raise FillerError(f"chunks: {chunks!r} do not fit shape {shape}: {error}") from None


def _blocks(
    filler: Filler, shape: tuple[int, ...], chunks: object, rng: CounterRNG, dtype: np.dtype
) -> dask.array.Array:
    import dask.array as da
    from dask.base import tokenize

    normalized = _chunks(chunks, shape, dtype)
    name = "fillers-" + tokenize(
        type(filler).__qualname__,
        filler.param.SerializeToString(deterministic=True),
        shape,
        normalized,
        rng.seed,
        rng.key,
        dtype.str,
    )
    return da.map_blocks(
        _block,
        filler,
        shape,
        rng,
        dtype,
        chunks=normalized,
        dtype=dtype,
        name=name,
        meta=np.empty((0,) * len(shape), dtype=dtype),
    )


def _block(
    filler: Filler, shape: tuple[int, ...], rng: CounterRNG, dtype: np.dtype, block_info: dict | None = None
) -> np.ndarray:
    """One block: the region at the block's array-location."""
    location = block_info[None]["array-location"]
    return filler.fill_region(shape, tuple(slice(start, stop) for start, stop in location), rng, dtype)
