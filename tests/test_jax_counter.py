"""Counter mode in jax.numpy (fillers.jax.initializer(spec, rng=CounterRNG(...))): jnp code,
jit-able and shardable, equal bit for bit to the numpy fill and the compiled core, with the
known-answer vectors of tests/test_counter_kat.py; sharded on 4 CPU devices with no callback."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from optional import require
from test_counter_kat import FILLS, KEY, SEED, SHAPE, kat_summary

jax = require("jax")

import jax.numpy as jnp  # noqa: E402

import fillers  # noqa: E402
import fillers.jax as fj  # noqa: E402

LAYOUTS = {2: ["OI", "IO"], 4: ["OIHW", "HWIO", "IHWO"]}


@pytest.mark.parametrize("spec", list(FILLS))
def test_known_answers_from_jnp_under_jit(spec):
    init = fj.initializer(spec, layout="OIHW", rng=fillers.CounterRNG(SEED, KEY))
    values = np.asarray(jax.jit(init, static_argnums=1)(jax.random.key(0), SHAPE))
    digest, first = FILLS[spec]["float32"]
    assert kat_summary(values) == (digest, tuple(float.fromhex(x).hex() for x in first))


@pytest.mark.parametrize("spec", list(FILLS))
@given(data=st.data())
@settings(max_examples=4, deadline=None)
def test_any_shape_and_layout_equals_the_numpy_fill(spec, data):
    rank = 4 if "bilinear" in spec else data.draw(st.sampled_from([2, 4]))
    layout = data.draw(st.sampled_from(LAYOUTS[rank]))
    if "bilinear" in spec:
        k = data.draw(st.integers(1, 5))
        blob = (data.draw(st.integers(1, 5)), data.draw(st.integers(1, 4)), k, k)
    else:
        blob = tuple(data.draw(st.integers(2 if "sparse" in spec and i == 0 else 1, 40)) for i in range(rank))
    shape = tuple(blob["OIHW"[:rank].index(axis)] if rank == 4 else blob["OI".index(axis)] for axis in layout)
    rng = fillers.CounterRNG(data.draw(st.integers(0, 2**64 - 1)), key="layer/0")
    init = fj.initializer(spec, layout=layout, rng=rng)
    values = np.asarray(jax.jit(init, static_argnums=1)(jax.random.key(1), shape))
    expected = fillers.get_filler(fillers.parse(spec)).fill(shape, rng=rng, layout=layout)
    assert values.tobytes() == np.ascontiguousarray(expected).tobytes()


def test_eager_and_bfloat16():
    rng = fillers.CounterRNG(3, key="w")
    init = fj.initializer('type: "msra"', rng=rng)
    eager = init(None, (3, 3, 8, 16))
    expected = fillers.get_filler({"type": "msra"}).fill((3, 3, 8, 16), rng=rng, layout="HWIO")
    assert np.asarray(eager).tobytes() == expected.tobytes()
    half = init(None, (3, 3, 8, 16), jnp.bfloat16)
    assert half.dtype == jnp.bfloat16 and np.array_equal(np.asarray(half), expected.astype(jnp.bfloat16))


def test_a_custom_filler_or_float64_without_x64_is_a_filler_error():
    class Doubled(fillers.Filler):
        def generate(self, data, shape, draws):
            draws.uniform(data, 0, 2)

    with pytest.raises(fillers.FillerError, match="Caffe's seven fillers only"):
        fj.initializer(Doubled(), rng=fillers.CounterRNG(1))
    if not jax.config.jax_enable_x64:
        init = fj.initializer('type: "uniform"', rng=fillers.CounterRNG(1))
        with pytest.raises(fillers.FillerError, match="float64 needs jax_enable_x64"):
            init(None, (4, 4), jnp.float64)
    with pytest.raises(fillers.FillerError, match="sparse may not exceed"):
        fj.initializer('type: "gaussian" sparse: 9', layout="OI", rng=fillers.CounterRNG(1))(None, (4, 4))


SCRIPT = textwrap.dedent(
    """
    import jax
    jax.config.update("jax_enable_x64", True)
    import numpy as np
    from jax.sharding import Mesh, NamedSharding, PartitionSpec as P
    import fillers, fillers.jax as fj
    from test_counter_kat import FILLS, KEY, SEED, SHAPE, kat_summary

    devices = jax.devices()
    assert len(devices) == 4, devices
    mesh = Mesh(np.array(devices).reshape(2, 2), ("a", "b"))
    splits = (P("a", "b"), P(None, ("a", "b")), P(("a", "b")))
    checked = 0
    for index, spec in enumerate(FILLS):
        rng = fillers.CounterRNG(SEED, KEY)
        filler = fillers.get_filler(fillers.parse(spec))
        for dtype in (np.float32, np.float64):
            init = fj.initializer(spec, layout="OIHW", rng=rng)
            jaxpr = str(jax.make_jaxpr(init, static_argnums=(1, 2))(jax.random.key(0), (16, 8, 4, 4), dtype))
            assert "callback" not in jaxpr, spec
            expected = filler.fill((16, 8, 4, 4), dtype=dtype, rng=rng)
            # rows split, then columns, then the first axis four ways, in turn
            split = splits[(index + (dtype == np.float64)) % len(splits)]
            jitted = jax.jit(init, static_argnums=(1, 2), out_shardings=NamedSharding(mesh, split))
            sharded = jitted(jax.random.key(0), (16, 8, 4, 4), dtype)
            assert len({s.device for s in sharded.addressable_shards}) == 4
            assert {s.data.shape for s in sharded.addressable_shards} != {(16, 8, 4, 4)}
            assert np.asarray(sharded).tobytes() == expected.tobytes(), (spec, dtype, split)
            checked += 1
        # float64 in jnp (x64) gives the known answers too
        small = np.asarray(jax.jit(init, static_argnums=(1, 2))(jax.random.key(0), SHAPE, np.float64))
        digest, first = FILLS[spec]["float64"]
        assert kat_summary(small) == (digest, tuple(float.fromhex(x).hex() for x in first)), spec
    print("sharded on 4 devices == numpy fill:", checked)
    """
)


def test_a_sharded_jit_on_4_cpu_devices_equals_the_numpy_fill_with_no_callback():
    env = {
        **os.environ,
        "XLA_FLAGS": "--xla_force_host_platform_device_count=4",
        "JAX_PLATFORMS": "cpu",
        "PYTHONPATH": os.pathsep.join([os.path.dirname(__file__), *sys.path]),
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"sharded on 4 devices == numpy fill: {len(FILLS) * 2}" in result.stdout
