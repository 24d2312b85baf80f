"""fillers.keras against real Keras 3 (the JAX backend, set in conftest.py): kernels filled
exactly are Caffe's blobs transposed; the config round-trips."""

from __future__ import annotations

import numpy as np
import pytest
from optional import require

keras = require("keras")

import fillers  # noqa: E402
import fillers.keras as fk  # noqa: E402


def _caffe(spec, shape, seed):
    return fillers.get_filler(spec).fill(shape, rng=fillers.CaffeRNG(seed))


def test_a_conv2d_kernel_is_caffes_blob_in_hwio():
    layer = keras.layers.Conv2D(16, 5, kernel_initializer=fk.Initializer('type: "msra"', seed=4))
    layer.build((None, 9, 9, 3))
    kernel = keras.ops.convert_to_numpy(layer.kernel)
    np.testing.assert_array_equal(kernel, _caffe({"type": "msra"}, (16, 3, 5, 5), 4).transpose(2, 3, 1, 0))


def test_a_dense_kernel_is_caffes_inner_product_weight_transposed():
    spec = {"type": "xavier", "variance_norm": "AVERAGE"}
    layer = keras.layers.Dense(
        10,
        kernel_initializer=fk.Initializer(spec, seed=2),
        bias_initializer=fk.Initializer('type: "constant" value: 0.5'),
    )
    layer.build((None, 20))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer.kernel), _caffe(spec, (10, 20), 2).T)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer.bias), np.full(10, 0.5, np.float32))


def test_config_round_trips_through_keras_serialization():
    init = fk.Initializer({"type": "gaussian", "std": 0.01, "sparse": 3}, layout="HWIO", seed=7)
    config = keras.initializers.serialize(init)
    again = keras.initializers.deserialize(config)
    assert isinstance(again, fk.Initializer)
    assert (
        again.get_config()
        == init.get_config()
        == {
            "spec": {"type": "gaussian", "std": 0.01, "sparse": 3},
            "layout": "HWIO",
            "seed": 7,
        }
    )
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(again((3, 3, 4, 8))), keras.ops.convert_to_numpy(init((3, 3, 4, 8)))
    )
    layer = keras.layers.Dense(4, kernel_initializer=init)
    rebuilt = keras.layers.Dense.from_config(layer.get_config())
    assert rebuilt.kernel_initializer.get_config() == init.get_config()


def test_without_a_seed_the_global_stream_is_used():
    fillers.set_random_seed(11)
    values = keras.ops.convert_to_numpy(fk.Initializer({"type": "uniform"})((3, 2)))
    np.testing.assert_array_equal(values, _caffe({"type": "uniform"}, (2, 3), 11).T)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: fk.Initializer({"type": "bilinear"})((3, 3)), "Blob must be 4 dim"),
        (lambda: fk.Initializer({"type": "xavier"}, layout="OIHW")((3, 3)), "has 4 axes"),
        (lambda: fk.Initializer({"type": "xavier"})((3, 3), "int32"), "not a floating dtype"),
        (lambda: fk.Initializer({"type": "xavier"}, seed=-1), "seed"),
        (lambda: fk.Initializer({"type": "xavier", "stdd": 1}), "unknown field 'stdd'"),
    ],
)
def test_bad_input_is_a_filler_error(make, message):
    with pytest.raises(fillers.FillerError, match=message):
        make()


def test_a_seeded_initializer_repeats_its_values_as_keras_own_do():
    init = fk.Initializer({"type": "gaussian", "std": 2}, seed=5)
    first, second = (keras.ops.convert_to_numpy(init((4, 3))) for _ in range(2))
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(first, _caffe({"type": "gaussian", "std": 2}, (3, 4), 5).T)
    he = keras.initializers.HeNormal(seed=1)  # the convention followed
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(he((4, 3))), keras.ops.convert_to_numpy(he((4, 3)))
    )


def test_an_unseeded_initializer_draws_new_values_from_the_global_stream():
    init = fk.Initializer({"type": "gaussian"})
    fillers.set_random_seed(6)
    first, second = (keras.ops.convert_to_numpy(init((5,))) for _ in range(2))
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(np.concatenate([first, second]), _caffe({"type": "gaussian"}, (10,), 6))


def test_it_is_registered_under_fillers_own_name():
    config = keras.initializers.serialize(fk.Initializer({"type": "xavier"}, seed=1))
    assert config["registered_name"] == "fillers>FillerInitializer"
    assert config["class_name"] != "Initializer"  # Keras's own base class: never deserialized instead
    assert keras.saving.get_registered_object("fillers>Initializer") is fk.Initializer  # older files


def test_a_model_loaded_without_fillers_keras_gets_kerass_message_naming_fillers(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "m.keras"
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(3, kernel_initializer=fk.Initializer({"type": "xavier"}, seed=1)),
        ]
    )
    model.save(path)
    loaded = keras.saving.load_model(path)  # with the import: the same initializer back
    assert loaded.layers[0].kernel_initializer.get_config() == {
        "spec": {"type": "xavier"},
        "layout": None,
        "seed": 1,
    }
    script = (
        f"import keras\ntry:\n    keras.saving.load_model({str(path)!r})\n"
        "except Exception as error:\n    print(error)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert "fillers>FillerInitializer" in run.stdout
    assert "takes no arguments" not in run.stdout


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({}, r"has no 'spec'"),
        ({"spec": {"type": "xavier"}, "sed": 1}, r"unknown keys \['sed'\]"),
        ([1], "is not a dict"),
        ({"spec": {"type": "nope"}}, "Unknown filler name"),
    ],
)
def test_from_config_errors_are_clear(config, message):
    with pytest.raises(fillers.FillerError, match=message):
        fk.Initializer.from_config(config)


@pytest.mark.parametrize("dtype", ["nonsense", "int32", object()])
def test_a_bad_dtype_is_a_filler_error(dtype):
    with pytest.raises(fillers.FillerError, match="dtype"):
        fk.Initializer({"type": "xavier"})((3, 3), dtype)
