"""JAX bridge: Caffe's fillers as `jax.nn.initializers`-style functions, for Flax's
`kernel_init=` and anything else that calls `init(key, shape, dtype)`.

Install with `pip install fillers[jax]`. Only this module imports jax, and only when it is
imported itself: `import fillers` never does.

Two modes:
- JAX-native (the default): Caffe's semantics computed in jax.numpy from `key`: the
  distribution, fans from Caffe's axes and variance_norm, gaussian's sparse mask,
  positive_unitball's rows, the bilinear kernel. Traceable under `jax.jit`, numpy-free,
  and NOT Caffe's bits: jax.random draws them.
- Exact: `initializer(spec, rng=fillers.CaffeRNG(seed))` fills with Caffe's own stream and
  returns Caffe's bits (transposed into the layout). It runs eagerly, outside jit: each
  call continues the stream, and `key` is ignored.
- Counter mode: `initializer(spec, rng=fillers.CounterRNG(seed, key=...))` computes counter
  mode's values (the bits of `Filler.fill(..., rng=CounterRNG(seed, key))` and of the compiled
  core) in jax.numpy: jit-able, shardable with `out_shardings`, no host callback; `key` (the
  jax one) is ignored, the CounterRNG's key names the parameter. float64 needs jax_enable_x64.

Layouts: Flax and JAX kernels are channels-last, so the default layout is "HWIO" for a 4-D
kernel, "IO" for a Dense kernel, "DHWIO" for 5-D, "O" for a bias (`fillers.fill.layout.
channels_last`). An explicit layout must fit the shape.

Examples:
    >>> import flax.linen as nn, fillers.jax as fj
    >>> dense = nn.Dense(10, kernel_init=fj.initializer('type: "xavier"'))
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ._proto.filler_pb2 import FillerParameter
from .errors import FillerError
from .fill import counter_arrays
from .fill.blob import fans, shape_of
from .fill.builtin import BUILTIN_FILLERS
from .fill.filler import Filler
from .fill.layout import caffe_shape, channels_last, check_layout, layout_axes
from .spec.resolve import Spec, as_filler
from .stream.caffe import CaffeRNG
from .stream.counter import CounterRNG
from .stream.philox import Ops

Initializer = Callable[..., jax.Array]


def initializer(
    spec: Spec, *, layout: str | None = None, rng: CaffeRNG | CounterRNG | None = None
) -> Initializer:
    """`init(key, shape, dtype=jnp.float32)` filling an array of `shape` in `layout` with the
    filler `spec` names (a Filler, FillerParameter, dict of its fields, or protobuf text).

    layout: how the array's axes map onto Caffe's blob axes; None: channels-last by rank
    ("HWIO", "IO", "DHWIO", "O"). rng: None for the JAX-native mode (from `key`, jit-able,
    not Caffe's bits); a CaffeRNG for Caffe's exact bits, eagerly, outside jit; a CounterRNG
    for counter mode's bits, jit-able (Caffe's seven fillers).

    JAX-native formulas, with fan_in = count / O and fan_out = count / I over Caffe's axes:
    constant: value; uniform: U[min, max); gaussian: mean + std * N(0, 1), times a
    Bernoulli(sparse / O) mask when sparse >= 0; positive_unitball: U[0, 1) divided by the
    sum of its O-row; xavier: U[-sqrt(3 / n), sqrt(3 / n)); msra: N(0, 2 / n), with
    n = fan_in, fan_out or their mean (variance_norm); bilinear: Caffe's kernel (no draw).

    Examples:
        >>> import jax, fillers
        >>> native = initializer('type: "msra"')  # JAX-native: jit-able, not Caffe's bits
        >>> jax.jit(native, static_argnums=(1,))(jax.random.key(0), (3, 3, 16, 64)).shape
        (3, 3, 16, 64)
        >>> exact = initializer('type: "xavier"', layout="IO", rng=fillers.CaffeRNG(1))  # Caffe's bits
        >>> caffe = fillers.get_filler({"type": "xavier"}).fill((10, 20), rng=fillers.CaffeRNG(1))
        >>> bool((jax.device_get(exact(jax.random.key(0), (20, 10))) == caffe.T).all())
        True
    """
    filler = as_filler(spec)
    if layout is not None:
        check_layout(layout)
    if isinstance(rng, CounterRNG):
        return _counter(filler, layout, rng)
    if rng is not None:
        if not isinstance(rng, CaffeRNG):
            raise FillerError(
                f"rng: {rng!r} is not a fillers.CaffeRNG (for Caffe's bits), a fillers.CounterRNG "
                "(counter mode) or None (JAX-native)"
            )
        return _exact(filler, layout, rng)
    kind = _native_kind(filler)
    return _native(filler, kind, layout)


def _native_kind(filler: Filler) -> str:
    for name, cls in BUILTIN_FILLERS.items():
        if type(filler) is cls:
            return name
    raise FillerError(
        f"type: {filler.param.type!r}: the JAX-native mode knows Caffe's seven fillers only; "
        "pass rng=fillers.CaffeRNG(seed) for this filler's own (exact, eager) fill"
    )


def _resolved(layout: str | None, shape: tuple[int, ...]) -> str:
    return channels_last(len(shape)) if layout is None else layout


def _dtype_of(dtype: Any) -> Any:
    resolved = jnp.dtype(jnp.float32 if dtype is None else dtype)
    if not jnp.issubdtype(resolved, jnp.floating):
        raise FillerError(f"dtype: {dtype!r} is not a floating dtype")
    return resolved


def _exact(filler: Filler, layout: str | None, rng: CaffeRNG) -> Initializer:
    def init(key: Any, shape: Any, dtype: Any = jnp.float32) -> jax.Array:
        if isinstance(key, jax.core.Tracer):
            raise FillerError(
                f"rng: Caffe's exact bits are drawn eagerly, and this call is traced by "
                f"{_transform_of(key)}; call this initializer outside it (or use the JAX-native "
                "mode, rng=None)"
            )
        dims = shape_of(shape)
        out_dtype = _dtype_of(dtype)
        fill_dtype = np.float64 if out_dtype == jnp.float64 else np.float32
        values = filler.fill(dims, fill_dtype, rng, layout=_resolved(layout, dims))
        return jnp.asarray(values, dtype=out_dtype)

    return init


_JAX_OPS = Ops(jnp, jax.lax.bitcast_convert_type, wide_multiply=False, fuses=True)
"""Counter mode's array operations in jax.numpy: 32-bit products by 16-bit halves (no uint64
without x64), each product kept out of XLA's fused multiply-adds."""


def _sequential_sum(rows: jax.Array) -> jax.Array:
    # Left to right, as Caffe and the core add positive_unitball's rows: a scan, which XLA
    # does not reorder (jnp.sum would add pairwise).
    total, _ = jax.lax.scan(
        lambda t, column: (t + column, None), jnp.zeros(rows.shape[:1], rows.dtype), rows.T
    )
    return total


def _counter(filler: Filler, layout: str | None, rng: CounterRNG) -> Initializer:
    if not any(type(filler) is cls for cls in BUILTIN_FILLERS.values()):
        raise FillerError(
            f"type: {filler.param.type!r}: counter mode in jax.numpy knows Caffe's seven fillers only; "
            "fill with numpy (Filler.fill(shape, rng=CounterRNG(...))) and pass the array"
        )

    def init(key: Any, shape: Any, dtype: Any = jnp.float32) -> jax.Array:
        dims = shape_of(shape)
        array_layout = _resolved(layout, dims)
        axes = layout_axes(array_layout, len(dims))
        blob = caffe_shape(dims, array_layout)
        out_dtype = _dtype_of(dtype)
        fill_dtype = np.dtype(np.float64 if out_dtype == jnp.float64 else np.float32)
        if fill_dtype == np.float64 and not jax.config.jax_enable_x64:
            raise FillerError(
                "dtype: float64 needs jax_enable_x64 (jax.config.update('jax_enable_x64', True))"
            )
        # Every check fill makes (counter mode's limits included), at trace time.
        checked = filler.checked_for(blob, fill_dtype, rng)
        values = counter_arrays.fill(_JAX_OPS, checked, blob, fill_dtype, rng, _sequential_sum)
        return jnp.transpose(values, axes).astype(out_dtype)

    return init


# The transform a tracer belongs to, by the tracer's class: jit and eval_shape both stage out
# a jaxpr through the same tracer, so that one names both.
_TRANSFORMS = {
    "BatchTracer": "jax.vmap",
    "DynamicJaxprTracer": "jax.jit or jax.eval_shape (or another transform that stages out a jaxpr)",
    "JVPTracer": "jax.jvp or jax.grad",
    "LinearizeTracer": "jax.grad or jax.linearize",
}


def _transform_of(tracer: Any) -> str:
    kind = type(tracer).__name__
    return _TRANSFORMS.get(kind, f"a JAX transform ({kind})")


def _native(filler: Filler, kind: str, layout: str | None) -> Initializer:
    param = filler.param

    def init(key: Any, shape: Any, dtype: Any = jnp.float32) -> jax.Array:
        dims = shape_of(shape)
        array_layout = _resolved(layout, dims)
        axes = layout_axes(array_layout, len(dims))
        blob = caffe_shape(dims, array_layout)
        out_dtype = _dtype_of(dtype)
        # Caffe's checks on Caffe's shape: a bad shape fails here, at trace time.
        filler.check(blob, np.dtype(np.float64 if out_dtype == jnp.float64 else np.float32))
        try:
            values = _NATIVE[kind](key, blob, out_dtype, param)
        except FillerError:
            raise
        except (TypeError, ValueError) as error:
            raise FillerError(f"key: {key!r} is not a jax.random key: {error}") from None
        return jnp.transpose(values, axes)

    return init


def _constant(key: Any, blob: tuple[int, ...], dtype: Any, param: FillerParameter) -> jax.Array:
    return jnp.full(blob, param.value, dtype)


def _uniform(key: Any, blob: tuple[int, ...], dtype: Any, param: FillerParameter) -> jax.Array:
    return jax.random.uniform(key, blob, dtype, param.min, param.max)


def _gaussian(key: Any, blob: tuple[int, ...], dtype: Any, param: FillerParameter) -> jax.Array:
    normal_key, mask_key = jax.random.split(key)
    values = param.mean + param.std * jax.random.normal(normal_key, blob, dtype)
    if param.sparse < 0:
        return values
    keep = jax.random.bernoulli(mask_key, param.sparse / blob[0], blob)
    return values * keep.astype(dtype)


def _positive_unitball(key: Any, blob: tuple[int, ...], dtype: Any, param: FillerParameter) -> jax.Array:
    values = jax.random.uniform(key, blob, dtype)
    return values / jnp.sum(values, axis=tuple(range(1, len(blob))), keepdims=True)


def _variance_n(blob: tuple[int, ...], param: FillerParameter) -> float:
    fan_in, fan_out = fans(blob)
    if param.variance_norm == FillerParameter.AVERAGE:
        return (fan_in + fan_out) / 2
    return fan_out if param.variance_norm == FillerParameter.FAN_OUT else fan_in


def _xavier(key: Any, blob: tuple[int, ...], dtype: Any, param: FillerParameter) -> jax.Array:
    scale = math.sqrt(3 / _variance_n(blob, param))
    return jax.random.uniform(key, blob, dtype, -scale, scale)


def _msra(key: Any, blob: tuple[int, ...], dtype: Any, param: FillerParameter) -> jax.Array:
    return math.sqrt(2 / _variance_n(blob, param)) * jax.random.normal(key, blob, dtype)


def _bilinear(key: Any, blob: tuple[int, ...], dtype: Any, param: FillerParameter) -> jax.Array:
    width = blob[3]
    f = math.ceil(width / 2)
    c = (width - 1) / (2 * f)
    line = 1 - jnp.abs(jnp.arange(width, dtype=dtype) / f - c)
    return jnp.broadcast_to(line[:, None] * line[None, :], blob)


_NATIVE: dict[str, Callable[[Any, tuple[int, ...], Any, FillerParameter], jax.Array]] = {
    "constant": _constant,
    "uniform": _uniform,
    "gaussian": _gaussian,
    "positive_unitball": _positive_unitball,
    "xavier": _xavier,
    "msra": _msra,
    "bilinear": _bilinear,
}
