"""fillers.dask: the same values for every chunking, on the threaded scheduler and on a real
dask.distributed cluster, equal to the in-memory counter-mode fill."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from optional import require

import fillers

da = require("dask.array", reason="the fillers[dask] extra is not installed")
distributed = require("distributed", reason="the fillers[dask] extra is not installed")
fd = require("fillers.dask")

NET = """
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 dim: 8 dim: 8 } } }
layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
        param { name: "shared" } convolution_param { num_output: 16 kernel_size: 3
        weight_filler { type: "msra" } bias_filler { type: "constant" value: 0.1 } } }
layer { name: "conv2" type: "Convolution" bottom: "data" top: "conv2"
        param { name: "shared" } convolution_param { num_output: 16 kernel_size: 3
        weight_filler { type: "msra" } bias_filler { type: "gaussian" std: 0.01 } } }
layer { name: "bn" type: "BatchNorm" bottom: "conv" top: "bn" }
layer { name: "ip" type: "InnerProduct" bottom: "conv" top: "ip"
        inner_product_param { num_output: 10 weight_filler { type: "positive_unitball" }
        bias_filler { type: "uniform" min: -1 max: 1 } } }
"""
SPECS = [
    'type: "gaussian" mean: 1 std: 0.5 sparse: 3',
    'type: "positive_unitball"',
    'type: "xavier"',
    'type: "uniform" min: -3 max: 3',
]


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


@st.composite
def shapes_and_chunks(draw: st.DrawFn):
    shape = tuple(draw(st.lists(st.integers(3, 12), min_size=1, max_size=3)))
    chunks = tuple(draw(st.integers(1, dim)) for dim in shape)
    return shape, chunks


@pytest.mark.parametrize("spec", SPECS)
@given(shape_and_chunks=shapes_and_chunks(), seed=st.integers(0, 2**64 - 1))
@settings(max_examples=15, deadline=None)
def test_any_chunking_gives_the_in_memory_fill(spec, shape_and_chunks, seed):
    shape, chunks = shape_and_chunks
    whole = fillers.get_filler(fillers.parse(spec)).fill(shape, rng=fillers.CounterRNG(seed, key="w"))
    lazy = fd.array(spec, shape, chunks=chunks, seed=seed, key="w")
    assert lazy.chunksize == chunks
    assert same_bits(lazy.compute(scheduler="threads"), whole)


def test_chunks_do_not_change_the_graph_name_only_the_blocks():
    a = fd.array({"type": "msra"}, (64, 32), chunks=(8, 32), seed=1, key="w", dtype=np.float64)
    b = fd.array({"type": "msra"}, (64, 32), chunks=(64, 5), seed=1, key="w", dtype=np.float64)
    assert a.name != b.name and a.dtype == np.float64
    assert same_bits(a.compute(), b.compute())
    assert a.name == fd.array({"type": "msra"}, (64, 32), chunks=(8, 32), seed=1, key="w", dtype="f8").name


def test_the_spec_is_checked_before_any_block_is_built():
    with pytest.raises(fillers.FillerError, match="sparse may not exceed shape"):
        fd.array('type: "gaussian" sparse: 9', (4, 4), chunks=2, seed=1)
    with pytest.raises(fillers.FillerError, match="chunks"):
        fd.array('type: "gaussian"', (4, 4), chunks=(2, 2, 2), seed=1)
    with pytest.raises(fillers.FillerError, match="not a FillerParameter"):
        fd.array(3, (4, 4), chunks=2, seed=1)


def test_init_net_gives_dask_arrays_equal_to_counter_mode_init_net():
    lazy = fd.init_net(NET, seed=5, chunks=7)
    eager = fillers.init_net(NET, rng=fillers.CounterRNG(5))
    assert list(lazy) == list(eager) == ["conv", "conv2", "bn", "ip"]
    for layer, blobs in eager.items():
        for blob, array in zip(blobs, lazy[layer], strict=True):
            assert isinstance(array, da.Array)
            assert same_bits(array.compute(), blob)
    assert same_bits(lazy["conv2"][0].compute(), lazy["conv"][0].compute())


def test_init_net_names_the_layer_of_a_bad_filler():
    bad = NET.replace("min: -1 max: 1", "min: 1 max: -1")
    with pytest.raises(fillers.FillerError, match="layer 'ip'"):
        fd.init_net(bad, seed=5)


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def test_a_distributed_cluster_computes_the_same_values(client):
    shape = (300, 7, 11)
    lazy = fd.array('type: "gaussian" std: 2 sparse: 50', shape, chunks=(70, 3, 11), seed=9, key="big")
    whole = fillers.get_filler({"type": "gaussian", "std": 2, "sparse": 50}).fill(
        shape, rng=fillers.CounterRNG(9, key="big")
    )
    computed = client.compute(lazy).result()
    assert same_bits(computed, whole)
    workers = client.run(lambda: True)
    assert len(workers) == 2
    mean, std = client.compute([lazy.mean(), lazy.std()], sync=True)
    assert mean == pytest.approx(whole.mean(dtype=np.float64), rel=1e-5)
    assert std == pytest.approx(whole.std(dtype=np.float64), rel=1e-5)
