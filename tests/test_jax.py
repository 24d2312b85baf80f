"""fillers.jax against real JAX and Flax: the JAX-native mode has Caffe's distributions with
fans from the layout (statistical tests), traces under jit; the exact mode gives Caffe's bits."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from optional import require

jax = require("jax")
flax_linen = require("flax.linen")
stats = require("scipy.stats")  # jax depends on scipy

import jax.numpy as jnp  # noqa: E402

import fillers  # noqa: E402
import fillers.jax as fj  # noqa: E402

KEY = jax.random.key(1701)
SHAPE = (3, 3, 96, 128)  # HWIO: Caffe blob (128, 96, 3, 3); fan_in 864, fan_out 1152
FAN_IN, FAN_OUT = 96 * 9, 128 * 9
ALPHA = 1e-3  # KS: a correct sampler fails 1 run in 1000


def _ks(values, cdf):
    assert stats.kstest(np.asarray(values, np.float64).ravel(), cdf).pvalue > ALPHA


@pytest.mark.parametrize(
    ("norm", "n"), [("FAN_IN", FAN_IN), ("FAN_OUT", FAN_OUT), ("AVERAGE", (FAN_IN + FAN_OUT) / 2)]
)
def test_msra_is_normal_with_fans_from_the_layout(norm, n):
    values = fj.initializer({"type": "msra", "variance_norm": norm})(KEY, SHAPE)
    assert values.shape == SHAPE and values.dtype == jnp.float32
    std = math.sqrt(2 / n)
    assert abs(float(values.mean())) < 5 * std / math.sqrt(values.size)
    assert abs(float(values.std()) / std - 1) < 0.02
    _ks(values, stats.norm(0, std).cdf)


def test_xavier_is_uniform_with_fans_from_the_layout():
    values = fj.initializer('type: "xavier"')(KEY, SHAPE)
    bound = math.sqrt(3 / FAN_IN)
    assert float(jnp.abs(values).max()) <= bound
    _ks(values, stats.uniform(-bound, 2 * bound).cdf)


def test_a_dense_kernel_takes_fans_from_caffes_axes_not_the_arrays():
    # The case: a (512, 10) Flax Dense kernel is Caffe's (10, 512) blob: fan_in 512.
    values = fj.initializer({"type": "msra"})(KEY, (512, 10))
    assert abs(float(values.std()) / math.sqrt(2 / 512) - 1) < 0.05
    wrong_layout = fj.initializer({"type": "msra"}, layout="OI")(KEY, (512, 10))
    assert abs(float(wrong_layout.std()) / math.sqrt(2 / 10) - 1) < 0.05


def test_gaussian_and_uniform_and_constant():
    gaussian = fj.initializer({"type": "gaussian", "mean": 1, "std": 0.5})(KEY, (200, 300))
    _ks(gaussian, stats.norm(1, 0.5).cdf)
    uniform = fj.initializer({"type": "uniform", "min": -2, "max": 3})(KEY, (200, 300))
    _ks(uniform, stats.uniform(-2, 5).cdf)
    constant = fj.initializer({"type": "constant", "value": 0.25})(KEY, (4,))
    np.testing.assert_array_equal(constant, np.full(4, 0.25, np.float32))


def test_sparse_gaussian_keeps_sparse_over_o_of_each_value():
    values = fj.initializer({"type": "gaussian", "std": 1, "sparse": 16})(KEY, (3, 3, 256, 64))  # O = 64
    kept = float((values != 0).mean())
    p = 16 / 64
    assert abs(kept - p) < 5 * math.sqrt(p * (1 - p) / values.size)


def test_positive_unitball_rows_run_along_caffes_axis_0():
    values = fj.initializer({"type": "positive_unitball"})(KEY, (3, 3, 8, 5))  # HWIO: rows are O
    np.testing.assert_allclose(values.sum(axis=(0, 1, 2)), np.ones(5), rtol=1e-5)
    assert float(values.min()) >= 0


def test_bilinear_is_caffes_kernel_in_the_layout():
    values = fj.initializer({"type": "bilinear"})(KEY, (4, 4, 3, 2))
    caffe = fillers.get_filler({"type": "bilinear"}).fill((2, 3, 4, 4))
    np.testing.assert_allclose(np.transpose(values, (3, 2, 0, 1)), caffe, rtol=1e-6)


def test_native_mode_traces_under_jit():
    init = fj.initializer({"type": "gaussian", "std": 0.1, "sparse": 2})
    jitted = jax.jit(init, static_argnums=(1, 2))
    # The same draws; XLA may fuse mean + std * x into one rounding under jit.
    np.testing.assert_allclose(
        jitted(KEY, (3, 3, 4, 8), jnp.float32), init(KEY, (3, 3, 4, 8), jnp.float32), rtol=1e-6, atol=1e-7
    )
    module = flax_linen.Conv(8, (3, 3), kernel_init=fj.initializer('type: "msra"'))
    params = jax.jit(module.init)(KEY, jnp.ones((1, 8, 8, 4)))
    assert params["params"]["kernel"].shape == (3, 3, 4, 8)


def test_flax_dense_and_conv_kernels_filled_exactly_are_caffes_blobs():
    spec = {"type": "xavier", "variance_norm": "AVERAGE"}
    dense = flax_linen.Dense(10, kernel_init=fj.initializer(spec, rng=fillers.CaffeRNG(3)))
    kernel = dense.init(KEY, jnp.ones((1, 20)))["params"]["kernel"]
    caffe = fillers.get_filler(spec).fill((10, 20), rng=fillers.CaffeRNG(3))
    np.testing.assert_array_equal(np.asarray(kernel), caffe.T)
    conv = flax_linen.Conv(16, (5, 5), kernel_init=fj.initializer('type: "msra"', rng=fillers.CaffeRNG(4)))
    kernel = conv.init(KEY, jnp.ones((1, 9, 9, 3)))["params"]["kernel"]
    caffe = fillers.get_filler({"type": "msra"}).fill((16, 3, 5, 5), rng=fillers.CaffeRNG(4))
    np.testing.assert_array_equal(np.asarray(kernel), caffe.transpose(2, 3, 1, 0))


def test_exact_mode_continues_its_stream_and_refuses_jit():
    rng = fillers.CaffeRNG(9)
    init = fj.initializer({"type": "uniform"}, rng=rng)
    first, second = init(KEY, (4,)), init(KEY, (4,))
    want = fillers.get_filler({"type": "uniform"}).fill((8,), rng=fillers.CaffeRNG(9))
    np.testing.assert_array_equal(np.concatenate([first, second]), want)
    with pytest.raises(fillers.FillerError, match=r"traced by jax\.jit or jax\.eval_shape"):
        jax.jit(init, static_argnums=(1,))(KEY, (4,))


@pytest.mark.parametrize(
    ("transform", "named"),
    [
        (lambda init: jax.vmap(lambda key: init(key, (4,)))(jax.random.split(KEY, 2)), "jax.vmap"),
        (lambda init: jax.eval_shape(lambda key: init(key, (4,)), KEY), "jax.eval_shape"),
    ],
)
def test_exact_mode_under_a_transform_names_it_and_draws_nothing(transform, named):
    rng = fillers.CaffeRNG(9)
    with pytest.raises(
        fillers.FillerError, match=rf"traced by .*{re.escape(named)}.*call this initializer outside"
    ):
        transform(fj.initializer({"type": "uniform"}, rng=rng))
    assert rng.random_raw(1)[0] == fillers.CaffeRNG(9).random_raw(1)[0]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: fj.initializer({"type": "bilinear"})(KEY, (3, 3)), "Blob must be 4 dim"),
        (
            lambda: fj.initializer({"type": "xavier"}, layout="HWIO")(KEY, (3, 3)),
            "has 4 axes, but the array has 2",
        ),
        (lambda: fj.initializer({"type": "xavier"}, layout="hwio"), "upper-case"),
        (lambda: fj.initializer({"type": "xavier"})(KEY, (3, 3), jnp.int32), "not a floating dtype"),
        (lambda: fj.initializer({"type": "gaussian", "sparse": 9})(KEY, (3, 4)), "sparse may not exceed"),
        (lambda: fj.initializer({"type": "xavier"}, rng=np.random.default_rng()), "not a fillers.CaffeRNG"),
        (lambda: fj.initializer({"type": "nope"}), "Unknown filler name"),
        (lambda: fj.initializer({"type": "msra"})("key", (3, 3)), "is not a jax.random key"),
        (lambda: fj.initializer({"type": "msra"})(KEY, (-1, 3)), "dimensions must be >= 0"),
    ],
)
def test_bad_input_is_a_filler_error(make, message):
    with pytest.raises(fillers.FillerError, match=message):
        make()


def test_a_custom_filler_needs_the_exact_mode():
    class Ones(fillers.Filler):
        def generate(self, data, shape, draws):
            data.fill(1)

    with pytest.raises(fillers.FillerError, match="JAX-native mode knows Caffe's seven"):
        fj.initializer(Ones())
    ones = fj.initializer(Ones(), rng=fillers.CaffeRNG(1))(KEY, (2, 3))
    np.testing.assert_array_equal(ones, np.ones((2, 3)))
