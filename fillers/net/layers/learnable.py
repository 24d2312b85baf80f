"""Layers with learnable blobs: their shapes and fillers as each layer's LayerSetUp makes them.

Each function takes the layer, its bottom shapes and its top count, and returns the
LayerSetup: the blobs in Caffe's blobs_ order (the order they are filled in) with the filler
Caffe's layer code uses, its own default where the net gives none.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..._proto.filler_pb2 import ConvolutionParameter, LayerParameter
from .blob import (
    BlobSpec,
    LayerSetup,
    Shape,
    c_div,
    canonical_axis,
    constant_filler,
    count,
    legacy_dim,
    one_or_each,
    require,
)


def convolution(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """ConvolutionLayer: weight (num_output, C/group, *kernel), then bias (num_output,)."""
    return _conv(layer, bottoms, reverse=False)


def deconvolution(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """DeconvolutionLayer: the roles of C and num_output swap: weight (C, num_output/group, *kernel)."""
    return _conv(layer, bottoms, reverse=True)


def _conv(layer: LayerParameter, bottoms: Sequence[Shape], reverse: bool) -> LayerSetup:
    """BaseConvolutionLayer::LayerSetUp and Reshape (2-D and N-D, group, dilation, axis)."""
    param = layer.convolution_param
    bottom = bottoms[0]
    channel_axis = canonical_axis(bottom, param.axis)
    num_spatial = len(bottom) - channel_axis - 1
    kernel = _per_axis(param, "kernel_size", "kernel", num_spatial, default=None)
    require(all(k > 0 for k in kernel), "Filter dimensions must be nonzero.")
    stride = _per_axis(param, "stride", "stride", num_spatial, default=1)
    require(all(s > 0 for s in stride), "Stride dimensions must be nonzero.")
    pad = _per_axis(param, "pad", "pad", num_spatial, default=0)
    dilation = _per_axis(param, "dilation", None, num_spatial, default=1)

    channels = bottom[channel_axis]
    num_output = param.num_output
    group = param.group
    require(num_output > 0, f"num_output must be positive (Caffe: num_output_ > 0); got {num_output}")
    require(
        group > 0 and channels % group == 0, f"channels ({channels}) must be a multiple of group ({group})"
    )
    require(num_output % group == 0, "Number of output should be multiples of group.")
    out_channels, in_channels = (channels, num_output) if reverse else (num_output, channels)
    blobs = [BlobSpec((out_channels, in_channels // group, *kernel), param.weight_filler)]
    if param.bias_term:
        blobs.append(BlobSpec((num_output,), param.bias_filler))

    for other in bottoms[1:]:
        require(other == bottom, "All inputs must have the same shape.")
    spatial = []
    for k, s, p, d, size in zip(kernel, stride, pad, dilation, bottom[channel_axis + 1 :], strict=True):
        extent = d * (k - 1) + 1
        spatial.append(s * (size - 1) + extent - 2 * p if reverse else c_div(size + 2 * p - extent, s) + 1)
    top = (*bottom[:channel_axis], num_output, *spatial)
    return LayerSetup(tops=(top,) * len(bottoms), blobs=tuple(blobs))


def _per_axis(
    param: ConvolutionParameter,
    repeated: str,
    prefix: str | None,
    num_spatial: int,
    default: int | None,
) -> tuple[int, ...]:
    """One convolution setting per spatial axis, as BaseConvolutionLayer reads it.

    `prefix_h`/`prefix_w` (2-D only) or the repeated field, given once for every axis or
    once per axis; with a `default` it may also be left out.
    """
    if prefix is not None and (param.HasField(f"{prefix}_h") or param.HasField(f"{prefix}_w")):
        require(num_spatial == 2, f"{prefix}_h & {prefix}_w can only be used for 2D convolution.")
        require(
            not getattr(param, repeated), f"Either {repeated} or {prefix}_h/w should be specified; not both."
        )
        return (getattr(param, f"{prefix}_h"), getattr(param, f"{prefix}_w"))
    values = list(getattr(param, repeated))
    allowed = (1, num_spatial) if default is None else (0, 1, num_spatial)
    require(
        len(values) in allowed,
        f"{repeated} must be specified once, or once per spatial dimension "
        f"({repeated} specified {len(values)} times; {num_spatial} spatial dims).",
    )
    if not values:
        return (default,) * num_spatial
    return tuple(one_or_each(values, i) for i in range(num_spatial))


def inner_product(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """InnerProductLayer: axes from `axis` on flatten to K; weight (N, K), or (K, N) transposed."""
    param = layer.inner_product_param
    bottom = bottoms[0]
    axis = canonical_axis(bottom, param.axis)
    inputs, outputs = count(bottom, axis), param.num_output
    weight = (inputs, outputs) if param.transpose else (outputs, inputs)
    blobs = [BlobSpec(weight, param.weight_filler)]
    if param.bias_term:
        blobs.append(BlobSpec((outputs,), param.bias_filler))
    return LayerSetup(tops=((*bottom[:axis], outputs),), blobs=tuple(blobs))


def embed(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """EmbedLayer: weight (input_dim, num_output), transposed from InnerProduct; bias (num_output,)."""
    param = layer.embed_param
    require(param.num_output > 0, "EmbedLayer num_output must be positive.")
    require(param.input_dim > 0, "EmbedLayer input_dim must be positive.")
    blobs = [BlobSpec((param.input_dim, param.num_output), param.weight_filler)]
    if param.bias_term:
        blobs.append(BlobSpec((param.num_output,), param.bias_filler))
    return LayerSetup(tops=((*bottoms[0], param.num_output),), blobs=tuple(blobs))


def prelu(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """PReLULayer: one slope per channel, or a single 0-axis slope; 0.25 unless a filler is given."""
    param = layer.prelu_param
    bottom = bottoms[0]
    require(len(bottom) >= 2, "Number of axes of bottom blob must be >=2.")
    channels = legacy_dim(bottom, 1)
    shape = () if param.channel_shared else (channels,)
    filler = param.filler if param.HasField("filler") else constant_filler(0.25)
    return LayerSetup(tops=(bottom,), blobs=(BlobSpec(shape, filler),))


def scale(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """ScaleLayer: the scale (constant 1 by default) unless a second bottom gives it, then
    with bias_term the blob of the internal BiasLayer, filled after the scale."""
    param = layer.scale_param
    bottom = bottoms[0]
    blobs = []
    if len(bottoms) == 1:
        filler = param.filler if param.HasField("filler") else constant_filler(1)
        blobs.append(BlobSpec(_operand_shape(bottom, param.axis, param.num_axes, "scale"), filler))
    else:
        _check_operand(bottom, bottoms[1], param.axis, "scale")
    if param.bias_term:
        # Caffe builds a BiasLayer on bottom[0] alone, spanning the scale's axes.
        num_axes = len(bottoms[1]) if len(bottoms) > 1 else param.num_axes
        blobs.append(BlobSpec(_operand_shape(bottom, param.axis, num_axes, "bias"), param.bias_filler))
    return LayerSetup(tops=(bottom,), blobs=tuple(blobs))


def bias(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """BiasLayer: a learned bias (constant 0 by default) unless a second bottom gives it."""
    param = layer.bias_param
    bottom = bottoms[0]
    if len(bottoms) > 1:
        _check_operand(bottom, bottoms[1], param.axis, "bias")
        return LayerSetup(tops=(bottom,))
    shape = _operand_shape(bottom, param.axis, param.num_axes, "bias")
    return LayerSetup(tops=(bottom,), blobs=(BlobSpec(shape, param.filler),))


def _operand_shape(bottom: Shape, axis: int, num_axes: int, name: str) -> Shape:
    """The axes of bottom[0] a learned scale or bias spans: num_axes from `axis`, -1 to the end."""
    start = canonical_axis(bottom, axis)
    require(num_axes >= -1, "num_axes must be non-negative, or -1 to extend to the end of bottom[0]")
    require(
        num_axes == -1 or len(bottom) >= start + num_axes,
        f"{name} blob's shape extends past bottom[0]'s shape when applied "
        f"starting with bottom[0] axis = {start}",
    )
    return bottom[start:] if num_axes == -1 else bottom[start : start + num_axes]


def _check_operand(bottom: Shape, operand: Shape, axis: int, name: str) -> None:
    """Scale/Bias Reshape: a scale or bias given as bottom[1] must match bottom[0]'s axes."""
    start = canonical_axis(bottom, axis) if operand else 0
    require(
        len(bottom) >= start + len(operand),
        f"{name} blob's shape extends past bottom[0]'s shape when applied "
        f"starting with bottom[0] axis = {start}",
    )
    for i, dim in enumerate(operand):
        require(
            bottom[start + i] == dim,
            f"dimension mismatch between bottom[0]->shape({start + i}) and {name}->shape({i})",
        )


def batch_norm(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """BatchNormLayer: mean (C,), variance (C,) and the moving-average factor (1,), all zeroed
    without a filler, so the stream does not move."""
    # The statistics are not learned: Caffe refuses a ParamSpec that would let them learn,
    # except that UpgradeNetBatchNorm has already zeroed the lr_mult of a layer giving all three.
    if len(layer.param) != 3:
        require(
            all(spec.lr_mult == 0 for spec in layer.param[:3]),
            "Cannot configure batch normalization statistics as layer parameters.",
        )
    bottom = bottoms[0]
    channels = bottom[canonical_axis(bottom, 1)]
    zeroed = (BlobSpec((channels,), None), BlobSpec((channels,), None), BlobSpec((1,), None))
    return LayerSetup(tops=(bottom,), blobs=zeroed)


def parameter(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """ParameterLayer: one blob of the given shape, never filled (Caffe's fresh memory is zero)."""
    shape = tuple(layer.parameter_param.shape.dim)
    return LayerSetup(tops=(shape,), blobs=(BlobSpec(shape, None),))
