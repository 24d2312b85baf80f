"""A planned net filled on a stream: each layer's setup draws, then its blobs, in net order, as
Caffe's Net constructor fills them; shared blobs then take their owners' values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import FillerError
from ..fill.blob import allocate, counter_mode_limits, supported_dtype
from ..fill.filler import Filler
from ..fill.registry import get_filler
from ..random.draws import Stream, profile_of, rewound_on_error, stream_for
from ..stream.caffe import CaffeRNG
from ..stream.counter import CounterRNG
from ..stream.profiles import DEFAULT_PROFILE, Profile
from .params import NetParams
from .plan import NetPlan, ParamBlob

BlobMaker = Callable[[ParamBlob, "Filler | None", Stream, np.dtype], Any]
"""Makes one blob's values: (blob, its checked filler or None, the stream it fills from, dtype)."""


def filled_blob(blob: ParamBlob, filler: Filler | None, stream: Stream, dtype: np.dtype) -> np.ndarray:
    """The blob filled in memory on `stream`, or zeros where it has no filler."""
    if filler is None:
        return allocate(blob.shape, dtype, zeroed=True)
    return filler.fill(blob.shape, dtype=dtype, rng=stream)


def fill_net(
    plan: NetPlan,
    *,
    seed: int | None = None,
    rng: Stream | None = None,
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
        built = checked_fillers(plan, dtype, build)
    params = NetParams()
    total = sum(1 for layer in plan.layers if layer.blobs)
    done = 0
    with rewound_on_error(stream):
        for layer in plan.layers:
            if layer.setup_draws and isinstance(stream, CaffeRNG):
                stream.random_raw(layer.setup_draws)
            if layer.blobs:
                if progress is not None:
                    progress(done, total, layer.name)
                done += 1
                params.add(
                    layer.name,
                    layer.type,
                    [
                        make_blob(blob, built.get((blob.layer, blob.index)), blob_stream(stream, blob), dtype)
                        for blob in layer.blobs
                    ],
                )
    share_owned_blobs(plan, params)
    return params


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


def blob_stream(stream: Stream, blob: ParamBlob) -> Stream:
    """The stream a blob fills from: a counter stream keyed "<layer>/<index>" under a
    CounterRNG's key, else the net's one sequential stream."""
    return stream.child(f"{blob.layer}/{blob.index}") if isinstance(stream, CounterRNG) else stream


def net_stream(seed: int | None, rng: Stream | None, profile: str | Profile | None = None) -> Stream:
    """The stream a net fills from: a fresh one for `seed` (of `profile`), `rng`, or the
    global stream."""
    if seed is not None and rng is not None:
        raise FillerError("give seed or rng, not both")
    return CaffeRNG(seed, profile) if seed is not None else stream_for(rng)
