"""Layers that rearrange shapes: Concat, Slice, Flatten, Reshape, Crop, Tile, Reduction, ArgMax, Im2col."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from ..._proto.filler_pb2 import LayerParameter
from .blob import LayerSetup, Shape, c_div, canonical_axis, count, require, shape_string
from .learnable import _per_axis


def _joint_axis(layer: LayerParameter, param_name: str, legacy_field: str, bottom: Shape) -> int:
    """Concat's and Slice's axis: `axis`, or the legacy unsigned concat_dim/slice_dim."""
    param = getattr(layer, param_name)
    require(
        not (param.HasField("axis") and param.HasField(legacy_field)),
        f"Either axis or {legacy_field} should be specified; not both.",
    )
    if param.HasField(legacy_field):
        axis = getattr(param, legacy_field)
        require(axis < len(bottom), f"{legacy_field} out of range.")
        return axis
    return canonical_axis(bottom, param.axis)


def concat(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """ConcatLayer: bottoms agree on every axis but the concat axis, where they add up."""
    first = bottoms[0]
    axis = _joint_axis(layer, "concat_param", "concat_dim", first)
    for bottom in bottoms[1:]:
        require(len(bottom) == len(first), "All inputs must have the same #axes.")
        require(
            all(a == b for j, (a, b) in enumerate(zip(first, bottom, strict=True)) if j != axis),
            "All inputs must have the same shape, except at concat_axis.",
        )
    joined = sum(bottom[axis] for bottom in bottoms)
    return LayerSetup(tops=((*first[:axis], joined, *first[axis + 1 :]),))


def slice_(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """SliceLayer: cut the axis at slice_point, or into num_tops equal parts."""
    bottom = bottoms[0]
    axis = _joint_axis(layer, "slice_param", "slice_dim", bottom)
    points = list(layer.slice_param.slice_point)
    length = bottom[axis]
    if points:
        require(len(points) == num_tops - 1, f"{len(points)} slice points for {num_tops} tops")
        require(num_tops <= length, f"{num_tops} tops exceed the sliced axis ({length})")
        require(
            all(b > a for a, b in itertools.pairwise([0, *points])),
            f"slice points {points} must increase from 1",
        )
        sizes = [b - a for a, b in itertools.pairwise([0, *points, length])]
    else:
        require(
            length % num_tops == 0,
            f"Number of top blobs ({num_tops}) should evenly divide input slice axis ({length})",
        )
        sizes = [length // num_tops] * num_tops
    return LayerSetup(tops=tuple((*bottom[:axis], size, *bottom[axis + 1 :]) for size in sizes))


def flatten(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """FlattenLayer: the axes from `axis` to `end_axis` (inclusive) become one."""
    _check_not_in_place(layer)
    bottom = bottoms[0]
    start = canonical_axis(bottom, layer.flatten_param.axis)
    end = canonical_axis(bottom, layer.flatten_param.end_axis)
    # Blob::count(start, end + 1) needs start <= end + 1; start == end + 1 inserts a 1.
    require(start <= end + 1, f"axis {start} is past end_axis {end} + 1")
    return LayerSetup(tops=((*bottom[:start], count(bottom, start, end + 1), *bottom[end + 1 :]),))


def reshape(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """ReshapeLayer: replace axes [axis, axis + num_axes) by `shape`, where 0 copies the
    bottom's dim and a single -1 takes what the count leaves."""
    _check_not_in_place(layer)
    param = layer.reshape_param
    bottom = bottoms[0]
    dims = list(param.shape.dim)
    require(
        dims.count(-1) <= 1,
        "new shape contains multiple -1 dims; at most a single (1) value of -1 may be specified",
    )
    start = param.axis if param.axis >= 0 else len(bottom) + param.axis + 1
    require(start >= 0, f"axis {param.axis} out of range")
    require(start <= len(bottom), f"axis {param.axis} out of range for {len(bottom)}-D input blob")
    require(param.num_axes >= -1, "num_axes must be >= 0, or -1 for all")
    end = len(bottom) if param.num_axes == -1 else start + param.num_axes
    require(end <= len(bottom), "end_axis = axis + num_axes is out of range")
    for i, dim in enumerate(dims):
        if dim == 0:
            require(
                start + i < len(bottom),
                "new shape contains a 0, but there was no corresponding bottom axis to copy",
            )
            dims[i] = bottom[start + i]
    if -1 in dims:
        explicit = count(bottom, 0, start) * count(bottom, end) * count(tuple(d for d in dims if d != -1))
        require(
            explicit != 0 and count(bottom) % explicit == 0,
            f"bottom count ({count(bottom)}) must be divisible by the product of "
            f"the specified dimensions ({explicit})",
        )
        dims[dims.index(-1)] = count(bottom) // explicit
    top = (*bottom[:start], *dims, *bottom[end:])
    require(count(top) == count(bottom), "output count must match input count")
    return LayerSetup(tops=(top,))


def _check_not_in_place(layer: LayerParameter) -> None:
    """Flatten and Reshape share the bottom's data under a new shape, so never in place."""
    require(
        not (layer.top and layer.bottom and layer.top[0] == layer.bottom[0]),
        f"{layer.type} Layer does not allow in-place computation.",
    )


def crop(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """CropLayer: from `axis` on, bottom[0] takes bottom[1]'s size (offsets must fit)."""
    param = layer.crop_param
    data, reference = bottoms
    start = canonical_axis(data, param.axis)
    offsets = list(param.offset)
    if len(offsets) > 1:
        require(
            start + len(offsets) == len(data),
            "number of offset values specified must be equal to the number of dimensions following axis.",
        )
    # No offset crops from 0; one offset serves every cropped axis; else one per axis.
    offsets = offsets * (len(data) - start) if len(offsets) == 1 else offsets or [0] * (len(data) - start)
    top = list(data)
    for i, offset in enumerate(offsets, start):
        size = reference[canonical_axis(reference, i)]
        require(
            data[i] - offset >= size,
            f"the crop for dimension {i} is out-of-bounds with size {size} and offset {offset}",
        )
        top[i] = size
    return LayerSetup(tops=(tuple(top),))


def tile(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """TileLayer: the axis repeats `tiles` times."""
    param = layer.tile_param
    bottom = bottoms[0]
    axis = canonical_axis(bottom, param.axis)
    require(param.HasField("tiles"), "Number of tiles must be specified")
    require(param.tiles > 0, "Number of tiles must be positive.")
    return LayerSetup(tops=((*bottom[:axis], bottom[axis] * param.tiles, *bottom[axis + 1 :]),))


def reduction(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """ReductionLayer: every axis from `axis` on is reduced away."""
    bottom = bottoms[0]
    return LayerSetup(tops=(bottom[: canonical_axis(bottom, layer.reduction_param.axis)],))


def argmax(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """ArgMaxLayer: top_k along `axis`; without an axis, (N, 1 or 2, top_k, ...) over each item."""
    param = layer.argmax_param
    bottom = bottoms[0]
    require(param.top_k >= 1, "top k must not be less than 1.")
    if param.HasField("axis"):
        axis = canonical_axis(bottom, param.axis)
        require(param.top_k <= bottom[axis], "top_k must be less than or equal to the dimension of the axis.")
        return LayerSetup(tops=((*bottom[:axis], param.top_k, *bottom[axis + 1 :]),))
    require(
        param.top_k <= count(bottom, 1),
        "top_k must be less than or equal to the dimension of the flattened bottom blob per instance.",
    )
    top = [1] * max(len(bottom), 3)
    top[0] = bottom[canonical_axis(bottom, 0)]
    top[1] = 2 if param.out_max_val else 1
    top[2] = param.top_k
    return LayerSetup(tops=(tuple(top),))


def im2col(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """Im2colLayer: each kernel window becomes a column, as a convolution sees its input.

    The channel axis grows to C * prod(kernel); each spatial axis becomes the convolution's
    output size (size + 2 * pad - (dilation * (kernel - 1) + 1)) / stride + 1 (C++ division).
    kernel, stride, pad and dilation are read from convolution_param as Convolution reads them.

    >>> from fillers._proto.filler_pb2 import LayerParameter
    >>> layer = LayerParameter(type="Im2col")
    >>> layer.convolution_param.kernel_size.append(3)
    >>> layer.convolution_param.stride.append(2)
    >>> im2col(layer, [(2, 3, 9, 9)], 1).tops
    ((2, 27, 4, 4),)
    """
    param = layer.convolution_param
    bottom = bottoms[0]
    channel_axis = canonical_axis(bottom, param.axis)
    num_spatial = len(bottom) - channel_axis - 1
    require(
        num_spatial >= 1,
        f"no spatial axis after the channel axis {channel_axis} of bottom {shape_string(bottom)} "
        "[Check failed: num_spatial_axes_ >= 1]",
    )
    kernel = _per_axis(param, "kernel_size", "kernel", num_spatial, default=None)
    require(all(k > 0 for k in kernel), "Filter dimensions must be nonzero.")
    # Caffe checks a stride given as stride_h/stride_w only by dividing by it.
    stride = _per_axis(param, "stride", "stride", num_spatial, default=1)
    require(all(s > 0 for s in stride), "Stride dimensions must be nonzero.")
    pad = _per_axis(param, "pad", "pad", num_spatial, default=0)
    dilation = _per_axis(param, "dilation", None, num_spatial, default=1)
    top = list(bottom)
    for i, (k, s, p, d) in enumerate(zip(kernel, stride, pad, dilation, strict=True)):
        top[channel_axis] *= k
        size = bottom[channel_axis + 1 + i]
        top[channel_axis + 1 + i] = c_div(size + 2 * p - (d * (k - 1) + 1), s) + 1
    return LayerSetup(tops=(tuple(top),))
