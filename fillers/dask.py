"""Filled tensors as Dask arrays, the same values whatever the chunks (counter mode).

Each block is `Filler.fill_region` of the block's location on a `CounterRNG`, so a block
depends only on (seed, key, spec, its location): any chunking, scheduler or worker gives the
values `fill(shape, rng=CounterRNG(seed, key))` gives in memory. Not Caffe's bits.
Needs the `fillers[dask]` extra (dask; dask.distributed to run on a cluster).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from .errors import FillerError
from .fill.blob import counter_mode_limits, shape_of, supported_dtype
from .fill.filler import Filler
from .io.limits import echo
from .net.layers import ShapeRule
from .net.netparam import NetSource, PhaseLike
from .net.params import NetParams
from .net.plan import ParamBlob
from .spec.resolve import Spec, as_filler
from .stream.counter import CounterRNG
from .weights.init import prepare_net

if TYPE_CHECKING:
    import dask.array

MAX_BLOCKS = 1 << 20
"""The most blocks one array is cut into: each is a task of dask's graph, and a graph of
millions of tasks costs more than the fill. Bounded before anything is built."""


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
    """dask's normalized chunks, checked: whole numbers (no floats, no bools), each block at
    least one element long (zero only along an empty axis), together exactly `shape`, and
    at most MAX_BLOCKS blocks (each is a task in dask's graph; counted before dask builds
    the list of them). Else FillerError naming them."""
    from dask.array.core import normalize_chunks

    shown = echo(repr(chunks))
    _check_numbers(chunks, shown)
    blocks = max(_block_count(chunks, shape), _sized_block_count(chunks, shape, dtype))
    if blocks > MAX_BLOCKS:
        raise FillerError(
            f"chunks: {shown} cut shape {shape} into {blocks} blocks, more than {MAX_BLOCKS} (the limit); "
            "use larger chunks"
        )
    try:
        normalized = normalize_chunks(chunks, shape, dtype=dtype)
    except (ValueError, TypeError, ZeroDivisionError, OverflowError, MemoryError) as error:
        raise FillerError(f"chunks: {shown} do not fit shape {shape}: {echo(str(error))}") from None
    if len(normalized) != len(shape):
        raise FillerError(f"chunks: {shown} do not fit shape {shape}")
    if math.prod(len(axis) for axis in normalized) > MAX_BLOCKS:
        raise FillerError(f"chunks: {shown} cut shape {shape} into more than {MAX_BLOCKS} blocks (the limit)")
    for axis, (sizes, length) in enumerate(zip(normalized, shape, strict=True)):
        whole = all(type(size) is int for size in sizes)
        if not whole or sum(sizes) != length or (any(size < 1 for size in sizes) and length):
            raise FillerError(
                f"chunks: {shown}: axis {axis} of length {length} is cut into {echo(str(sizes))}; "
                "blocks are whole numbers of at least 1 that add up to the axis"
            )
    return normalized


def _check_numbers(chunks: object, shown: str) -> None:
    """Only ints (and dask's words, None, and byte sizes as text) in `chunks`."""
    for item in _leaves(chunks):
        if isinstance(item, (bool, np.bool_)) or not (
            item is None or isinstance(item, (int, np.integer, str))
        ):
            raise FillerError(f"chunks: {shown}: {echo(repr(item))} is not a whole number of elements")


def _leaves(chunks: object) -> Iterator[object]:
    """The sizes a chunks spec holds, however nested in tuples, lists and {axis: size}."""
    pending = [chunks]
    while pending:
        item = pending.pop()
        if isinstance(item, Mapping):
            pending.extend(item.values())
        elif isinstance(item, (tuple, list)):
            pending.extend(item)
        else:
            yield item


def _block_count(chunks: object, shape: tuple[int, ...]) -> int:
    """How many blocks `chunks` makes of `shape`, where it says so without dask (an int
    per axis, or explicit sizes); 1 for what dask sizes itself ("auto", byte sizes)."""
    if isinstance(chunks, (int, np.integer)):
        per_axis: list[object] = [chunks] * len(shape)
    elif isinstance(chunks, Mapping):
        per_axis = [chunks.get(axis, chunks.get(axis - len(shape))) for axis in range(len(shape))]
    elif isinstance(chunks, (tuple, list)) and len(chunks) == len(shape):
        per_axis = list(chunks)
    else:
        return 1
    count = 1
    for size, length in zip(per_axis, shape, strict=True):
        if isinstance(size, (int, np.integer)) and size > 0:
            count *= -(-length // int(size))
        elif isinstance(size, (tuple, list)):
            count *= len(size)
        elif isinstance(size, (int, np.integer)) and size != -1:
            raise FillerError(
                f"chunks: {echo(repr(chunks))}: a block size of {size} (at least 1, or -1 for the axis)"
            )
    return count


def _sized_block_count(chunks: object, shape: tuple[int, ...], dtype: np.dtype) -> int:
    """At least how many blocks dask makes where it sizes them ("auto", or a byte size such
    as "64 MiB", for the whole array or an axis): the array's bytes over the block's."""
    from dask import config
    from dask.utils import parse_bytes

    sizes = [
        config.get("array.chunk-size") if item == "auto" else item
        for item in _leaves(chunks)
        if isinstance(item, str)
    ]
    if not sizes:
        return 1
    try:
        block_bytes = max(1, min(int(parse_bytes(size)) for size in sizes))
    except (ValueError, TypeError):
        return 1  # dask refuses it, with its own words
    return -(-math.prod(shape) * dtype.itemsize // block_bytes)


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
