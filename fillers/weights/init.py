"""`init_net`: a Caffe net's learnable blobs as `caffe train [--weights]` starts from them, the
net planned and filled (`fillers.net`), then the trained layers of weights files copied over
it (fine-tuning). It lives with the weights, above the net, because it reads weights files;
`fillers net` and `fillers.dask.init_net` run the same steps through `prepare_net`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..fill.blob import counter_mode_limits, supported_dtype
from ..net.fill import BlobMaker, fill_net, filled_blob, net_stream
from ..net.layers import ShapeRule
from ..net.netparam import NetSource, PhaseLike
from ..net.params import NetParams
from ..net.plan import NetPlan, plan_net
from ..net.trained import check_unknown_fills
from ..random.draws import RNGLike, profile_of
from ..stream.counter import CounterRNG
from ..stream.profiles import Profile
from .finetune import (
    Copy,
    TargetLayer,
    WeightsLike,
    apply_copies,
    planned_copies,
    trained_shapes,
    weight_files,
)


def init_net(
    net: NetSource,
    *,
    phase: PhaseLike = "TRAIN",
    seed: int | None = None,
    rng: RNGLike | None = None,
    input_shapes: Mapping[str, Sequence[int]] | None = None,
    dtype: object = np.float32,
    level: int = 0,
    stages: Iterable[str] = (),
    shape_rules: Mapping[str, ShapeRule] | None = None,
    weights: WeightsLike | None = None,
    profile: str | Profile | None = None,
    forks: Iterable[str] = (),
) -> NetParams:
    """Every learnable blob of a Caffe net, with the values Caffe's Net constructor gives them,
    then, with `weights`, the trained blobs `caffe train --weights` copies over them.

    Args:
      net: a NetParameter, a path (str or os.PathLike) of a prototxt file, or prototxt text.
      phase: the NetState's phase ("TRAIN" or "TEST"), which include/exclude rules are
        checked against, as are `level` and `stages`.
      level: the NetState's level.
      stages: the NetState's stages.
      seed: fill on a fresh stream, the one Caffe::set_random_seed(seed) installs; the global
        stream is left alone.
      rng: a CaffeRNG to continue, or a numpy Generator (numpy's
        bits and speed; data layers' setup draws are then skipped), or a CounterRNG (each
        blob from its own counter stream keyed "<layer>/<index>", `rng.child`, so every
        blob, and every block of one, can be computed alone: see `fillers.dask.init_net`).
        Neither: the global stream (see `fillers.set_random_seed`).
      input_shapes: shapes for the tops of layers without bottoms, by top name, e.g.
        {"data": (64, 1, 28, 28)}. Required for data that Caffe reads from files (a Data
        layer's images, an HDF5Data layer's tops) where a layer needs its shape and the
        source is not on disk. A shape that contradicts a dimension the prototxt fixes
        (batch_size, crop_size, an Input or MemoryData shape) is an error naming both, and
        so is a name no such top has.
      dtype: np.float32 (Net<float>) or np.float64 (Net<double>).
      shape_rules: how layer types fillers does not know map shapes, by type: "same" (each
        top shaped like bottom 0), "bottom:K" (like bottom K), the top's dims ((1, 3, 224, 224)
        or "1,3,224,224"), or a function (layer, bottom_shapes) -> top_shapes, called with the
        LayerParameter and a list of shape tuples. An error about a type without a definition
        offers only the rules the rest of the net accepts. Only for types without learnable
        blobs, and refused for a layer whose parameters hold a filler. A layer of an unknown
        type without bottoms needs no rule when input_shapes gives all its tops (a Python data
        layer, say). Layer types of forks and plugins: `fillers.register_layer`.
      weights: trained blobs to start from, as `caffe train --weights` gives them: a path
        (.caffemodel, .caffemodel.h5, .npz, .safetensors), a mapping {layer: [array, ...]},
        a list of these, or comma-separated paths, copied in order. Every layer is filled
        first (the stream moves exactly as without weights); then each layer of a weights
        file whose name the net has takes the file's blobs (Net::CopyTrainedLayersFrom:
        the first net layer of that name, whatever its type; layers the net lacks are
        ignored; blob counts and shapes must match, else Caffe's error text). Every file is
        read and checked before the first draw. A shared blob takes the value last copied
        into it. A layer whose type has no definition takes its blobs (count, shapes, values)
        from the weights, its tops from a shape rule; as how it would fill them first is
        unknown, every random fill after it must then come from the weights too (or from a
        CounterRNG's own keyed streams), else FillerError.
      forks: names of Caffe forks (`fillers.net.layers.forks.FORKS`: "ssd", "caffe-windows",
        ...) whose version to take of a layer type several forks define differently. Without
        one, the layer's fields, its bottom count and the net's other layer types decide, then
        which version the rest of the net accepts; where nothing decides, a FillerError names
        the candidates.
      profile: the Caffe build to reproduce (see `fillers.profiles()`): the fresh stream's
        for `seed`; with `rng` or the global stream it must be theirs (else FillerError).

    Returns:
      {layer name: [blob, ...]} in net order, for each layer that has blobs, in Caffe's blobs
      order (weight, bias, ...). A blob that shares a named param is a view of its owner's.
      The mapping is a `NetParams`: `.types[layer]` is the layer's type ("Convolution") and
      `.roles[layer]` names its blobs (("weight", "bias"); see `fillers.net.params.blob_roles`).

    Examples:
        >>> params = init_net('''
        ...     layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 } } }
        ...     layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip"
        ...             inner_product_param { num_output: 4 weight_filler { type: "xavier" } } }''', seed=1)
        >>> [blob.shape for blob in params["ip"]], params.types["ip"], params.roles["ip"]
        ([(4, 3), (4,)], 'InnerProduct', ('weight', 'bias'))
    """
    return prepare_net(
        net,
        phase=phase,
        seed=seed,
        rng=rng,
        input_shapes=input_shapes,
        dtype=dtype,
        level=level,
        stages=stages,
        shape_rules=shape_rules,
        weights=weights,
        profile=profile,
        forks=forks,
    ).fill()


def prepare_net(
    net: NetSource,
    *,
    phase: PhaseLike = "TRAIN",
    seed: int | None = None,
    rng: RNGLike | None = None,
    input_shapes: Mapping[str, Sequence[int]] | None = None,
    dtype: object = np.float32,
    level: int = 0,
    stages: Iterable[str] = (),
    shape_rules: Mapping[str, ShapeRule] | None = None,
    weights: WeightsLike | None = None,
    profile: str | Profile | None = None,
    forks: Iterable[str] = (),
) -> PreparedNet:
    """`init_net` up to its first draw: the stream chosen, the net planned, every weights file
    read and checked against it. Arguments as for `init_net`; `.fill()` finishes it."""
    stream = net_stream(seed, rng, profile)
    build = profile_of(stream, profile)
    files = [] if weights is None else weight_files(weights)  # read once, before the first draw
    keyed = isinstance(stream, CounterRNG)
    with counter_mode_limits(keyed):
        plan = plan_net(
            net,
            phase=phase,
            level=level,
            stages=stages,
            input_shapes=input_shapes,
            shape_rules=shape_rules,
            profile=build,
            forks=forks,
            given_blobs=trained_shapes(files),
        )
    copies = planned_copies(target_layers(plan), files)
    check_unknown_fills(plan, ((copy.layer, copy.index) for copy in copies), keyed=keyed)
    return PreparedNet(plan, stream, build, supported_dtype(dtype), copies)


@dataclass(frozen=True)
class PreparedNet:
    """A net ready to fill: its plan, the stream and build it fills on, its dtype, and the
    trained blobs to copy over it."""

    plan: NetPlan
    stream: RNGLike
    profile: Profile
    dtype: np.dtype
    copies: list[Copy]

    def fill(
        self, *, progress: Callable[[int, int, str], None] | None = None, make_blob: BlobMaker = filled_blob
    ) -> NetParams:
        """Fill the net (`fill_net`: `progress` and `make_blob` as there), then copy the trained
        blobs over it. A failure before the copies leaves the stream where it stood."""
        params = fill_net(
            self.plan,
            rng=self.stream,
            dtype=self.dtype,
            profile=self.profile,
            progress=progress,
            make_blob=make_blob,
        )
        apply_copies(params, self.copies)
        return params


def target_layers(plan: NetPlan) -> list[TargetLayer]:
    """The net's layers as weights files see them: name, blob shapes, shared blobs."""
    return [
        TargetLayer(
            layer.name,
            tuple(blob.shape for blob in layer.blobs),
            tuple(blob.owner is not None for blob in layer.blobs),
        )
        for layer in plan.layers
    ]
