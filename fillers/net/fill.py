"""A planned net filled on a stream: each layer's setup draws, then its blobs, in net order, as
Caffe's Net constructor fills them; shared blobs then take their owners' values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import FillerError
from ..fill.blob import allocate, counter_mode_limits, supported_dtype
from ..fill.filler import Filler
from ..fill.registry import get_filler
from ..random.draws import RNGLike, profile_of, rewound_on_error, stream_for
from ..stream.caffe import CaffeRNG
from ..stream.counter import CounterRNG
from ..stream.profiles import DEFAULT_PROFILE, Profile
from .params import NetParams
from .plan import LayerPlan, NetPlan, ParamBlob

BlobMaker = Callable[[ParamBlob, "Filler | None", RNGLike, np.dtype], Any]
"""Makes one blob's values: (blob, its checked filler or None, the stream it fills from, dtype)."""


def filled_blob(blob: ParamBlob, filler: Filler | None, stream: RNGLike, dtype: np.dtype) -> np.ndarray:
    """The blob filled in memory on `stream`, or zeros where it has no filler."""
    if filler is None:
        return allocate(blob.shape, dtype, zeroed=True)
    return filler.fill(blob.shape, dtype=dtype, rng=stream)


def fill_net(
    plan: NetPlan,
    *,
    seed: int | None = None,
    rng: RNGLike | None = None,
    dtype: object = np.float32,
    progress: Callable[[int, int, str], None] | None = None,
    profile: str | Profile | None = None,
    make_blob: BlobMaker = filled_blob,
) -> NetParams:
    """Fill a planned net: each layer's setup draws, then its blobs, in net order; shared
    blobs then take their owners' values. `seed`, `rng`, `dtype` and `profile` as for `init_net`;
    `progress(done, total, layer_name)` is called before each layer with blobs; `make_blob`
    makes each blob's values (`filled_blob`; `fillers.dask` makes lazy arrays).

    Every filler is built and checked against its blob before the first draw, so a failure
    leaves the stream as it was. A failure after that (an interrupt) rewinds the stream to
    where it stood before the net, as a failed fill does.
    """
    stream = net_stream(seed, rng, profile)
    build = profile_of(stream, profile)
    dtype = supported_dtype(dtype)
    with counter_mode_limits(isinstance(stream, CounterRNG)):
        built = _checked_filler_tree(plan, dtype, build)
    params = NetParams()
    total = sum(1 for layer in plan.layers if layer.blobs)
    done = 0
    with rewound_on_error(stream):
        for layer in plan.layers:
            if layer.blobs and progress is not None:
                progress(done, total, layer.name)
            values = _filled(layer, stream, built, dtype, make_blob)
            if layer.blobs:
                done += 1
                params.add(layer.name, layer.type, values)
    share_owned_blobs(plan, params)
    return params


@dataclass(frozen=True)
class _FillerTree:
    """The checked fillers of a plan's blobs by (layer, index), and of each inner net's by
    the name of the layer that builds it."""

    own: dict[tuple[str, int], Filler]
    inner: dict[str, _FillerTree]


def _checked_filler_tree(plan: NetPlan, dtype: np.dtype, build: Profile) -> _FillerTree:
    """`checked_fillers` of the plan and, below each layer that builds one, of its inner net."""
    own = checked_fillers(plan, dtype, build)
    inner = {}
    for layer in plan.layers:
        if layer.inner is not None:
            try:
                inner[layer.name] = _checked_filler_tree(layer.inner, dtype, build)
            except FillerError as error:
                raise FillerError(f"layer {layer.name!r} ({layer.type}): its inner net: {error}") from None
    return _FillerTree(own, inner)


def _filled(
    layer: LayerPlan, stream: RNGLike, built: _FillerTree, dtype: np.dtype, make_blob: BlobMaker
) -> list[Any]:
    """What one layer's Layer::SetUp draws: its setup draws, then its blobs' values.

    A layer with an inner net (LSTM, RNN) fills, on a sequential stream, every blob of every
    inner layer in order, shared copies included, as the inner Net's constructor does, and
    keeps its owned params. On a CounterRNG each blob has its own stream, so only the kept
    ones are filled, keyed by this layer's name, as any layer's.
    """
    if layer.setup_draws and isinstance(stream, CaffeRNG):
        stream.random_raw(layer.setup_draws)
    if layer.inner is not None and not isinstance(stream, CounterRNG):
        values = {}
        for inner in layer.inner.layers:
            filled = _filled(inner, stream, built.inner[layer.name], dtype, make_blob)
            if inner.blobs:
                values[inner.name] = filled
        return [values[blob.layer][blob.index] for blob in layer.inner.blobs if blob.owner is None]
    return [
        make_blob(blob, built.own.get((blob.layer, blob.index)), blob_stream(stream, blob), dtype)
        for blob in layer.blobs
    ]


def share_owned_blobs(plan: NetPlan, params: NetParams) -> None:
    """Point each shared blob (a named `param` another layer owns) at its owner's values,
    reshaped to its own shape, as Net::ShareWeights does; `params` holds the owners' values."""
    for blob in plan.blobs:
        if blob.owner is not None:
            owner_layer, owner_index = blob.owner
            params[blob.layer][blob.index] = params[owner_layer][owner_index].reshape(blob.shape)


def checked_fillers(
    plan: NetPlan, dtype: np.dtype, build: Profile = DEFAULT_PROFILE
) -> dict[tuple[str, int], Filler]:
    """The filler of every blob that has one, by (layer, index), as the build `build` runs it,
    each checked against its blob (a failure names the layer and blob)."""
    built = {}
    for blob in plan.blobs:
        if blob.filler is not None:
            filler = built[blob.layer, blob.index] = get_filler(blob.filler).for_profile(build)
            try:
                filler.check(blob.shape, dtype)
            except FillerError as error:
                raise FillerError(
                    f"layer {blob.layer!r} ({blob.layer_type}) blob {blob.index}: {error}"
                ) from None
    return built


def blob_stream(stream: RNGLike, blob: ParamBlob) -> RNGLike:
    """The stream a blob fills from: a counter stream keyed "<layer>/<index>" under a
    CounterRNG's key, else the net's one sequential stream."""
    return stream.child(f"{blob.layer}/{blob.index}") if isinstance(stream, CounterRNG) else stream


def net_stream(seed: int | None, rng: RNGLike | None, profile: str | Profile | None = None) -> RNGLike:
    """The stream a net fills from: a fresh one for `seed` (of `profile`), `rng`, or the
    global stream."""
    if seed is not None and rng is not None:
        raise FillerError("give seed or rng, not both")
    return CaffeRNG(seed, profile) if seed is not None else stream_for(rng)
