"""Layers with no bottoms: Input, DummyData and the data layers, with their setup stream use.

Data layers read their data shapes from files we never open: those tops are None (unknown)
unless the layer's own parameters fix them; `fillers.init_net` takes them from input_shapes.

Stream use at setup: BVLC Caffe's data layers seed private generators from the global
stream, one caffe_rng_rand() (one raw 32-bit output) each:
- DataTransformer::InitRand, when the transform mirrors or (in TRAIN) crops at random;
  BaseDataLayer::LayerSetUp calls it, and BasePrefetchingDataLayer::LayerSetUp again;
- InternalThread::StartInternalThread, once per prefetching layer (Data, ImageData,
  WindowData), for the prefetch thread's seed;
- ImageData's shuffle and rand_skip, WindowData's prefetch generator (mirror or crop_size).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..._proto.filler_pb2 import TRAIN, DataParameter, LayerParameter
from ...fill.registry import get_filler
from . import datasources
from .blob import LayerSetup, Shape, one_or_each, require

_LEGACY_DIMS = ("num", "channels", "height", "width")


def input_(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """InputLayer: `shape` once for every top, once per top, or not at all (shapes unknown)."""
    shapes = layer.input_param.shape
    require(
        len(shapes) in (0, 1, num_tops),
        f"Must specify 'shape' once, once per top blob, or not at all: "
        f"{num_tops} tops vs. {len(shapes)} shapes.",
    )
    if not shapes:
        return LayerSetup(tops=(None,) * num_tops)
    return LayerSetup(tops=tuple(tuple(one_or_each(shapes, i).dim) for i in range(num_tops)))


def dummy_data(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """DummyDataLayer: shapes from `shape` or the legacy num/channels/height/width.

    Its data fillers fill tops, never parameters: constant ones once at setup, the others at
    every Forward, so setup draws nothing. Setup does build every filler, so an unknown
    filler type fails here as in Caffe.
    """
    param = layer.dummy_data_param
    fillers = param.data_filler
    require(
        len(fillers) in (0, 1, num_tops),
        f"Number of data fillers must be 0, 1 or equal to the number of tops: {num_tops}; "
        f"you specified {len(fillers)} data fillers.",
    )
    legacy = [getattr(param, name) for name in _LEGACY_DIMS]
    if any(legacy):
        require(not param.shape, "Both shape and legacy fields were specified")
        for name, values in zip(_LEGACY_DIMS, legacy, strict=True):
            require(
                len(values) in (1, num_tops),
                f"Must specify '{name}' once, or once per top blob ({num_tops}); specified {len(values)}.",
            )
        tops = tuple(tuple(one_or_each(values, i) for values in legacy) for i in range(num_tops))
    else:
        require(
            len(param.shape) in (1, num_tops),
            f"Must specify 'shape' once, or once per top blob ({num_tops}); specified {len(param.shape)}.",
        )
        tops = tuple(tuple(one_or_each(param.shape, i).dim) for i in range(num_tops))
    for filler in fillers:
        get_filler(filler)
    return LayerSetup(tops=tops)


def _transform_draws(layer: LayerParameter) -> int:
    """DataTransformer::InitRand draws once when the transform needs randomness."""
    transform = layer.transform_param
    return int(transform.mirror or (layer.phase == TRAIN and transform.crop_size > 0))


def memory_data(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """MemoryDataLayer: (batch_size, channels, height, width) and (batch_size,), from its param."""
    param = layer.memory_data_param
    require(
        param.batch_size * param.channels * param.height * param.width > 0,
        "batch_size, channels, height, and width must be specified and positive in memory_data_param",
    )
    data = (param.batch_size, param.channels, param.height, param.width)
    return LayerSetup(tops=(data, (param.batch_size,)), setup_draws=_transform_draws(layer))


def data(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """DataLayer: images of a shape only its database knows; labels (batch_size,)."""
    param = layer.data_param
    batch_size = param.batch_size
    transform = layer.transform_param
    crop = transform.crop_size or None
    # Datum images are (C, H, W): batch_size and a crop are fixed here, the rest is data,
    # read from the database's first Datum when it is at hand.
    images: tuple[int | None, ...] = (batch_size, None, crop, crop)
    backend = DataParameter.DB.Name(param.backend)
    dims = datasources.first_datum_dims(param.source, backend, transform.force_color, transform.force_gray)
    if dims is not None:
        channels, height, width = dims
        require(
            height >= (crop or 0) and width >= (crop or 0),
            f"crop_size {crop} exceeds the data's {height}x{width}",
        )
        images = (batch_size, channels, crop or height, crop or width)
    return LayerSetup(tops=(images, (batch_size,))[:num_tops], setup_draws=2 * _transform_draws(layer) + 1)


def image_data(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """ImageDataLayer: 3 (is_color) or 1 channel, and the crop or the resize when one is set."""
    param = layer.image_data_param
    require(
        (param.new_height == 0 and param.new_width == 0) or (param.new_height > 0 and param.new_width > 0),
        "Current implementation requires new_height and new_width to be set at the same time.",
    )
    require(param.batch_size > 0, "Positive batch size required")
    crop_size = layer.transform_param.crop_size
    if crop_size:
        size = (crop_size, crop_size)
    elif param.new_height:
        size = (param.new_height, param.new_width)
    else:
        size = datasources.first_image_dims(param.source, param.root_folder)
    channels = 3 if param.is_color else 1
    images = (param.batch_size, channels, *(size or (None, None)))
    transform = _transform_draws(layer)
    draws = transform + int(param.shuffle) + int(param.rand_skip > 0) + transform + 1
    return LayerSetup(tops=(images, (param.batch_size,)), setup_draws=draws)


def window_data(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """WindowDataLayer: crops of channels its window file knows; labels (batch_size,)."""
    transform = layer.transform_param
    require(transform.crop_size > 0, f"crop_size must be positive; got {transform.crop_size}")
    # Its own prefetch generator (needed for mirror or crop_size, so always) and the thread's.
    draws = 2 * _transform_draws(layer) + 2
    batch_size = layer.window_data_param.batch_size
    images = (batch_size, None, transform.crop_size, transform.crop_size)
    return LayerSetup(tops=(images, (batch_size,)), setup_draws=draws)


def hdf5_data(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """HDF5DataLayer: each top is (batch_size, *its dataset's shape[1:]) in the first file of
    the source list; unknown when the files are not at hand. Its shuffle uses std::rand,
    not Caffe's stream."""
    param = layer.hdf5_data_param
    shapes = datasources.hdf5_top_shapes(param.source, list(layer.top))
    if shapes is None:
        return LayerSetup(tops=(None,) * num_tops)
    for top, shape in zip(layer.top, shapes, strict=True):
        require(len(shape) >= 1, f"dataset {top!r} has no axes")
    return LayerSetup(tops=tuple((param.batch_size, *shape[1:]) for shape in shapes))


def unknown_shapes(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """A source whose every top shape only its data knows: HDF5DataLayer (whose shuffle uses
    std::rand, not Caffe's stream), or a layer type fillers does not know whose tops the
    caller gives in input_shapes."""
    return LayerSetup(tops=(None,) * num_tops)
