"""load_weights / save_weights in every format, and init_net(weights=) beyond the golden cases."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from optional import require

import fillers
from fillers._proto.filler_pb2 import BlobProto, LayerParameter, NetParameter
from fillers.net.params import NetParams

FORMATS = (".caffemodel", ".caffemodel.h5", ".npz", ".safetensors")
LENET = (Path(__file__).parent / "data" / "nets" / "lenet_train_test.prototxt").read_text()
LENET_OPTIONS = {"phase": "TEST", "input_shapes": {"data": (100, 1, 28, 28)}}  # batch_size 100
SMALL = """
name: "Small"
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 } } }
layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip"
        inner_product_param { num_output: 4 weight_filler { type: "gaussian" std: 1 } } }
layer { name: "ip_twin" type: "InnerProduct" bottom: "data" top: "ip_twin"
        param { name: "shared_w" } param { name: "shared_b" }
        inner_product_param { num_output: 4 weight_filler { type: "gaussian" std: 1 } } }
layer { name: "ip_other" type: "InnerProduct" bottom: "data" top: "ip_other"
        param { name: "shared_w" } param { name: "shared_b" }
        inner_product_param { num_output: 4 weight_filler { type: "gaussian" std: 1 } } }
layer { name: "relu" type: "ReLU" bottom: "ip" top: "ip" }
"""


def _bits(params: dict) -> dict:
    # An empty blob has no data field to say float or double: its dtype is not compared.
    return {
        layer: [(blob.shape, blob.dtype.str if blob.size else "", blob.tobytes()) for blob in blobs]
        for layer, blobs in params.items()
    }


layer_names = st.text(alphabet="abcxyz019_-.", min_size=1, max_size=8).filter(lambda name: name != ".")


@st.composite
def net_params(draw: st.DrawFn) -> NetParams:
    """Any params: layers of any known or unknown type, one to three blobs of any shape (0-D
    and empty ones included), float32 or float64, any bits (NaNs and infinities included)."""
    names = draw(st.lists(layer_names, min_size=1, max_size=4, unique=True))
    params = NetParams()
    for name in names:
        layer_blobs = []
        for _ in range(draw(st.integers(1, 3))):
            shape = draw(st.lists(st.integers(0, 3), max_size=4).map(tuple))
            dtype = draw(st.sampled_from([np.dtype("<f4"), np.dtype("<f8")]))
            size = int(np.prod(shape)) * dtype.itemsize
            data = draw(st.binary(min_size=size, max_size=size))
            layer_blobs.append(np.frombuffer(data, dtype).reshape(shape).copy())
        params.add(name, draw(st.sampled_from(["Convolution", "Scale", "MyLayer", ""])), layer_blobs)
    return params


@pytest.mark.parametrize("suffix", FORMATS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=net_params())
def test_every_format_round_trips_bit_for_bit(tmp_path, suffix, params):
    path = tmp_path / f"w{suffix}"
    fillers.save_weights(params, path)
    loaded = fillers.load_weights(path)
    if suffix == ".caffemodel.h5":
        # HDF5 lists groups by name, as Caffe's CopyTrainedLayersFromHDF5 walks them.
        assert sorted(loaded) == sorted(params)
    else:
        assert list(loaded) == list(params)
    assert _bits(loaded) == _bits(params)
    if suffix != ".npz":
        assert loaded.types == params.types and loaded.roles == params.roles


_LAYER_MENU = {
    "Convolution": "convolution_param {{ num_output: {n} kernel_size: 1 bias_term: {bias} "
    'weight_filler {{ type: "xavier" }} bias_filler {{ type: "uniform" }} }}',
    "InnerProduct": "inner_product_param {{ num_output: {n} axis: 1 bias_term: {bias} "
    'weight_filler {{ type: "gaussian" std: 0.1 }} }}',
    "Scale": "scale_param {{ bias_term: {bias} }}",
    "BatchNorm": "",
    "PReLU": "",
    "Bias": "",
}


@st.composite
def small_nets(draw: st.DrawFn) -> str:
    """A chain of learnable layers of random types, sizes and bias terms after an Input,
    some of them sharing their weight with an earlier twin."""
    dims = (draw(st.integers(1, 3)), draw(st.integers(1, 4)), 2, 2)
    shape = " ".join(f"dim: {dim}" for dim in dims)
    text = [f'layer {{ name: "in" type: "Input" top: "x0" input_param {{ shape {{ {shape} }} }} }}']
    for index in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(sorted(_LAYER_MENU)))
        if kind == "InnerProduct" and index:
            kind = "Scale"  # an InnerProduct flattens: keep the chain 4-D for what follows
        options = _LAYER_MENU[kind].format(n=dims[1], bias=draw(st.sampled_from(["true", "false"])))
        # BatchNorm's statistics cannot be named params (Caffe wants lr_mult 0 on them).
        if kind != "BatchNorm" and draw(st.booleans()):
            options = f'param {{ name: "w{index}" }} {options}'
            text.append(
                f'layer {{ name: "twin{index}" type: "{kind}" bottom: "x{index}" top: "y{index}" {options} }}'
            )
        text.append(
            f'layer {{ name: "l{index}" type: "{kind}" bottom: "x{index}" top: "x{index + 1}" {options} }}'
        )
    return "\n".join(text)


@pytest.mark.parametrize("suffix", FORMATS)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(net=small_nets(), seed=st.integers(0, 2**32 - 1))
def test_random_nets_round_trip_through_every_format_into_fine_tuning(tmp_path, suffix, net, seed):
    params = fillers.init_net(net, seed=seed)
    path = tmp_path / f"net{suffix}"
    fillers.save_weights(params, path, net=net)
    rng = fillers.CaffeRNG(seed ^ 1)
    tuned = fillers.init_net(net, rng=rng, weights=path)
    assert _bits(tuned) == _bits(params)
    assert tuned.roles == params.roles
    assert rng.random_raw(1)[0] == _after_fill(net, seed ^ 1)
    loaded = fillers.load_weights(path, net=net)
    # An HDF5 snapshot holds a shared blob only with its owner.
    kept = [layer for layer in params if layer in loaded or suffix != ".caffemodel.h5"]
    assert _bits({layer: loaded[layer] for layer in kept}) == _bits({layer: params[layer] for layer in kept})


def _after_fill(net: str, seed: int) -> int:
    rng = fillers.CaffeRNG(seed)
    fillers.init_net(net, rng=rng)
    return int(rng.random_raw(1)[0])


@pytest.mark.parametrize("suffix", FORMATS)
def test_init_net_takes_its_own_saved_params_back(tmp_path, suffix):
    params = fillers.init_net(LENET, seed=5, **LENET_OPTIONS)
    path = tmp_path / f"lenet{suffix}"
    fillers.save_weights(params, path, net=LENET, **LENET_OPTIONS)
    again = fillers.init_net(LENET, seed=6, weights=path, **LENET_OPTIONS)
    assert _bits(again) == _bits(params)
    assert again.types == params.types


def test_caffemodel_written_with_its_net_carries_every_layer_as_caffe_does(tmp_path):
    params = fillers.init_net(LENET, seed=5, **LENET_OPTIONS)
    fillers.save_weights(params, tmp_path / "lenet.caffemodel", net=LENET, **LENET_OPTIONS)
    written = NetParameter.FromString((tmp_path / "lenet.caffemodel").read_bytes())
    assert written.name == "LeNet"
    # The Split layers Caffe inserts where a top feeds two bottoms (label, ip2) are written too.
    assert [layer.name for layer in written.layer] == [
        "mnist", "label_mnist_1_split", "conv1", "pool1", "conv2", "pool2", "ip1", "relu1", "ip2",
        "ip2_ip2_0_split", "accuracy", "loss",
    ]  # fmt: skip
    assert list(written.layer[-1].bottom) == ["ip2_ip2_0_split_1", "label_mnist_1_split_1"]
    loss = written.layer[-1]
    assert list(loss.loss_weight) == [1.0] and loss.phase == 1  # TEST
    conv1 = written.layer[2]
    assert conv1.convolution_param.weight_filler.type == "xavier"
    assert list(conv1.blobs[0].shape.dim) == [20, 1, 5, 5] and not conv1.blobs[0].double_data


def test_hdf5_snapshot_leaves_shared_blobs_to_their_owner(tmp_path):
    h5py = require("h5py")
    params = fillers.init_net(SMALL, seed=1)
    fillers.save_weights(params, tmp_path / "s.caffemodel.h5", net=SMALL)
    with h5py.File(tmp_path / "s.caffemodel.h5") as file:
        assert sorted(file["data"]) == ["data", "data_data_0_split", "ip", "ip_other", "ip_twin", "relu"]
        assert sorted(file["data/ip_twin"]) == ["0", "1"] and list(file["data/ip_other"]) == []
    loaded = fillers.load_weights(tmp_path / "s.caffemodel.h5")
    assert "ip_other" not in loaded
    again = fillers.init_net(SMALL, seed=2, weights=tmp_path / "s.caffemodel.h5")
    assert _bits(again) == _bits(params)


def test_shared_params_take_the_last_copy_in_file_order():
    params = fillers.init_net(SMALL, seed=1)
    weights = {"ip_twin": [np.ones((4, 3)), np.ones(4)], "ip_other": [np.full((4, 3), 2.0), np.zeros(4)]}
    tuned = fillers.init_net(SMALL, seed=1, weights=weights)
    assert (tuned["ip_twin"][0] == 2).all() and (tuned["ip_other"][0] == 2).all()
    np.testing.assert_array_equal(tuned["ip"][0], params["ip"][0])


def test_weights_list_and_comma_separated_paths_copy_in_order(tmp_path):
    first = fillers.init_net(SMALL, seed=1)
    second = fillers.init_net(SMALL, seed=2)
    fillers.save_weights(first, tmp_path / "a.caffemodel")
    fillers.save_weights(second, tmp_path / "b.npz")
    by_text = fillers.init_net(SMALL, seed=3, weights=f"{tmp_path / 'a.caffemodel'} , {tmp_path / 'b.npz'}")
    by_list = fillers.init_net(SMALL, seed=3, weights=[tmp_path / "b.npz", first])
    assert _bits(by_text) == _bits(second)
    assert _bits(by_list) == _bits(first)


def test_double_data_rounds_to_the_nearest_float():
    weights = {"ip": [np.full((4, 3), 1 / 3), np.full(4, 1e-9)]}
    tuned = fillers.init_net(SMALL, seed=1, weights=weights)
    assert tuned["ip"][0].dtype == np.float32
    assert (tuned["ip"][0] == np.float32(1 / 3)).all() and (tuned["ip"][1] == np.float32(1e-9)).all()


def test_a_failing_copy_leaves_the_stream_untouched():
    rng = fillers.CaffeRNG(9)
    with pytest.raises(fillers.FillerError, match="shape mismatch"):
        fillers.init_net(SMALL, rng=rng, weights={"ip": [np.zeros((3, 4)), np.zeros(4)]})
    assert rng.random_raw(1)[0] == fillers.CaffeRNG(9).random_raw(1)[0]


def test_a_layer_the_net_has_without_blobs_refuses_blobs():
    with pytest.raises(fillers.FillerError, match=r"\(0 vs. 1\) Incompatible number of blobs for layer relu"):
        fillers.init_net(SMALL, seed=1, weights={"relu": [np.zeros(1)]})


def test_load_weights_with_a_net_gives_legacy_blobs_the_nets_shapes(tmp_path):
    blob = BlobProto(num=1, channels=1, height=4, width=3, data=np.arange(12, dtype=np.float32).tolist())
    bias = BlobProto(num=1, channels=1, height=1, width=4, data=[0] * 4)
    net = NetParameter(layer=[LayerParameter(name="ip", type="InnerProduct", blobs=[blob, bias])])
    (tmp_path / "legacy.caffemodel").write_bytes(net.SerializeToString())
    plain = fillers.load_weights(tmp_path / "legacy.caffemodel")
    assert [b.shape for b in plain["ip"]] == [(1, 1, 4, 3), (1, 1, 1, 4)]
    shaped = fillers.load_weights(tmp_path / "legacy.caffemodel", net=SMALL)
    assert [b.shape for b in shaped["ip"]] == [(4, 3), (4,)]
    assert shaped.roles["ip"] == ("weight", "bias")


def _caffemodel(tmp_path: Path, *blobs: BlobProto) -> Path:
    path = tmp_path / "hand.caffemodel"
    path.write_bytes(NetParameter(layer=[LayerParameter(name="ip", blobs=list(blobs))]).SerializeToString())
    return path


def test_data_length_disagreeing_with_shape_names_layer_and_blob(tmp_path):
    path = _caffemodel(tmp_path, BlobProto(shape={"dim": [2, 3]}, data=[1.0] * 5))
    with pytest.raises(
        fillers.FillerError,
        match=r"layer 'ip' blob 0: Check failed: count_ == proto.data_size\(\) \(6 vs. 5\)",
    ):
        fillers.load_weights(path)


def test_double_data_wins_over_data_as_in_caffe(tmp_path):
    path = _caffemodel(tmp_path, BlobProto(shape={"dim": [2]}, data=[1.0, 2.0], double_data=[0.1, 0.2]))
    (blob,) = fillers.load_weights(path)["ip"]
    assert blob.dtype == np.float64 and blob.tolist() == [0.1, 0.2]


def test_unpacked_floats_are_read_too(tmp_path):
    # A proto2 reader accepts a packed field written element by element (key 0x2D = field 5, fixed32).
    values = np.array([1.5, -2.0, 3.25], "<f4")
    unpacked = b"".join(b"\x2d" + value.tobytes() for value in values)
    shape = b"\x3a\x03\x0a\x01\x03"
    blob = b"\x3a" + bytes([len(unpacked) + len(shape)]) + unpacked + shape
    layer = b"\x0a\x02ip" + blob
    (tmp_path / "u.caffemodel").write_bytes(b"\xa2\x06" + bytes([len(layer)]) + layer)
    np.testing.assert_array_equal(fillers.load_weights(tmp_path / "u.caffemodel")["ip"][0], values)


@pytest.mark.parametrize("suffix", FORMATS)
def test_truncated_files_raise_filler_error(tmp_path, suffix):
    params = fillers.init_net(SMALL, seed=1)
    path = tmp_path / f"t{suffix}"
    fillers.save_weights(params, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(fillers.FillerError):
        fillers.load_weights(path)


def test_truncated_caffemodel_error_names_the_layer_and_blob(tmp_path):
    params = fillers.init_net(SMALL, seed=1)
    fillers.save_weights(params, tmp_path / "t.caffemodel")
    data = (tmp_path / "t.caffemodel").read_bytes()
    (tmp_path / "t.caffemodel").write_bytes(data[:40])
    with pytest.raises(fillers.FillerError, match=r"Failed to parse NetParameter file: .*layer 'ip': blob 0"):
        fillers.load_weights(tmp_path / "t.caffemodel")


def test_garbage_is_not_a_caffemodel(tmp_path):
    (tmp_path / "g.caffemodel").write_bytes(b"\xff" * 64)
    with pytest.raises(fillers.FillerError, match="Failed to parse NetParameter file"):
        fillers.load_weights(tmp_path / "g.caffemodel")


def test_missing_file_gives_caffes_text(tmp_path):
    with pytest.raises(fillers.FillerError, match=r"Check failed: file_hid >= 0 \(-1 vs. 0\) Couldn't open"):
        fillers.load_weights(tmp_path / "none.caffemodel")


@pytest.mark.parametrize(
    ("params", "path", "message"),
    [
        ({"ip": [np.zeros(2)]}, "w.pkl", "unknown weights format"),
        ({"ip": [np.zeros(2, int)]}, "w.caffemodel", "dtype int64 is not a float type"),
        ({"ip": np.zeros(2)}, "w.npz", "must map a layer name to a list of arrays"),
        ([np.zeros(2)], "w.npz", "is not a mapping"),
    ],
)
def test_bad_params_are_refused_before_writing(tmp_path, params, path, message):
    with pytest.raises(fillers.FillerError, match=message):
        fillers.save_weights(params, tmp_path / path)
    assert list(tmp_path.iterdir()) == []


def test_params_that_do_not_fit_the_net_are_refused(tmp_path):
    with pytest.raises(fillers.FillerError, match="layer 'ip' has blobs of shapes"):
        fillers.save_weights({"ip": [np.zeros((4, 2)), np.zeros(4)]}, tmp_path / "w.caffemodel", net=SMALL)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "w.caffemodel"
    path.write_bytes(b"old")

    def broken(*args, **kwargs):
        raise OSError("disk full")

    from fillers.weights import caffemodel

    monkeypatch.setattr(caffemodel, "_write_layer", broken)
    with pytest.raises(OSError):
        fillers.save_weights({"ip": [np.zeros(2)]}, path)
    assert path.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["w.caffemodel"]


def test_hdf5_names_with_a_slash_are_refused(tmp_path):
    with pytest.raises(fillers.FillerError, match="cannot be named so"):
        fillers.save_weights({"fire2/squeeze": [np.zeros(2)]}, tmp_path / "w.caffemodel.h5")


def test_importing_fillers_imports_no_optional_dependency():
    code = "import sys, fillers; print(sorted({'h5py', 'safetensors'} & set(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("blobs", "message"),
    [
        (
            {"0": np.zeros((4, 3)), "1": np.zeros(4), "2": np.zeros(1)},
            r"Check failed: num_source_params <= target_blobs.size\(\) \(3 vs. 2\) "
            "Incompatible number of blobs for layer ip",
        ),
        (
            {"0": np.zeros((3, 4)), "1": np.zeros(4)},
            r"Check failed: blob_dims == blob->shape\(\) Cannot load blob from hdf5; shape mismatch. "
            r"Source shape is 3 4 \(12\) target shape is 4 3 \(12\)",
        ),
        ({"1": np.zeros(4)}, "^Incompatible number of blobs for layer ip$"),
    ],
)
def test_hdf5_snapshots_are_checked_as_caffe_checks_them(tmp_path, blobs, message):
    h5py = require("h5py")
    with h5py.File(tmp_path / "w.caffemodel.h5", "w") as file:
        for key, values in blobs.items():
            file.create_dataset(f"data/ip/{key}", data=values)
    with pytest.raises(fillers.FillerError, match=message):
        fillers.init_net(SMALL, seed=1, weights=tmp_path / "w.caffemodel.h5")


def test_hdf5_without_data_group_gives_caffes_text(tmp_path):
    h5py = require("h5py")
    with h5py.File(tmp_path / "w.caffemodel.h5", "w") as file:
        file.create_group("other")
    with pytest.raises(fillers.FillerError, match="Error reading weights from"):
        fillers.load_weights(tmp_path / "w.caffemodel.h5")
