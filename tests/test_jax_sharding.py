"""fillers.jax's JAX-native initializers give the same values sharded as unsharded.

jax.random's partitionable threefry (`jax_threefry_partitionable`, the default since JAX
0.5) computes each element's bits from the key and the element's index, so an initializer
jitted with its output split across devices draws exactly what one device draws. One
exception: positive_unitball divides by row sums, and when a row itself is split across
devices XLA adds partial sums, in another order: equal within rounding, not bit for bit.
The test runs in a subprocess because the two CPU devices (XLA_FLAGS) must be set before
JAX starts.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from optional import require

SCRIPT = textwrap.dedent(
    """
    import jax
    jax.config.update("jax_threefry_partitionable", True)
    import numpy as np
    from jax.sharding import Mesh, NamedSharding, PartitionSpec as P
    import fillers.jax as fj

    devices = jax.devices()
    assert len(devices) == 2, devices
    mesh = Mesh(np.array(devices), ("shards",))
    specs = [
        'type: "gaussian" std: 0.5 sparse: 8',
        'type: "uniform" min: -2 max: 3',
        'type: "xavier" variance_norm: AVERAGE',
        'type: "msra"',
        'type: "positive_unitball"',
        'type: "bilinear"',
    ]
    shape = (16, 8, 4, 4)  # OIHW
    key = jax.random.key(1701)
    for spec in specs:
        init = fj.initializer(spec, layout="OIHW")
        whole = np.asarray(jax.jit(init, static_argnums=1)(key, shape))
        # P("shards") splits the rows (O); P(None, "shards") splits every row in two.
        for split in (P("shards"), P(None, "shards")):
            sharded = jax.jit(init, static_argnums=1, out_shardings=NamedSharding(mesh, split))(key, shape)
            assert {s.data.shape for s in sharded.addressable_shards} != {shape}
            if "unitball" in spec and split == P(None, "shards"):
                np.testing.assert_allclose(np.asarray(sharded), whole, rtol=1e-6)
            else:
                assert np.asarray(sharded).tobytes() == whole.tobytes(), (spec, split)
    print("sharded == unsharded:", len(specs), "specs")
    """
)


def test_a_sharded_jit_gives_the_unsharded_values():
    require("jax")
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=2", "JAX_PLATFORMS": "cpu"}
    run = [sys.executable, "-c", SCRIPT]
    result = subprocess.run(run, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "sharded == unsharded: 6 specs" in result.stdout
