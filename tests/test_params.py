"""What init_net's result says about each layer: its type and the role of each blob."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import fillers
from fillers.net.params import NetParams, blob_roles

NET = """
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 dim: 5 dim: 5 } } }
layer { name: "ids" type: "Input" top: "ids" input_param { shape { dim: 2 dim: 4 } } }
layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
        convolution_param { num_output: 4 kernel_size: 3 } }
layer { name: "conv_nb" type: "Convolution" bottom: "conv" top: "conv_nb"
        convolution_param { num_output: 4 kernel_size: 1 bias_term: false } }
layer { name: "deconv" type: "Deconvolution" bottom: "conv_nb" top: "deconv"
        convolution_param { num_output: 4 kernel_size: 2 } }
layer { name: "bn" type: "BatchNorm" bottom: "deconv" top: "bn" }
layer { name: "scale" type: "Scale" bottom: "bn" top: "scale" scale_param { bias_term: true } }
layer { name: "scale_only" type: "Scale" bottom: "scale" top: "scale_only" }
layer { name: "bias" type: "Bias" bottom: "scale_only" top: "bias" }
layer { name: "prelu" type: "PReLU" bottom: "bias" top: "prelu" }
layer { name: "ip" type: "InnerProduct" bottom: "prelu" top: "ip" inner_product_param { num_output: 3 } }
layer { name: "embed" type: "Embed" bottom: "ids" top: "embed" embed_param { num_output: 3 input_dim: 7 } }
layer { name: "param" type: "Parameter" top: "param" parameter_param { shape { dim: 2 } } }
"""

EXPECTED = {
    "conv": ("Convolution", ("weight", "bias")),
    "conv_nb": ("Convolution", ("weight",)),
    "deconv": ("Deconvolution", ("weight", "bias")),
    "bn": ("BatchNorm", ("mean", "variance", "scale_factor")),
    "scale": ("Scale", ("scale", "bias")),
    "scale_only": ("Scale", ("scale",)),
    "bias": ("Bias", ("bias",)),
    "prelu": ("PReLU", ("slope",)),
    "ip": ("InnerProduct", ("weight", "bias")),
    "embed": ("Embed", ("weight", "bias")),
    "param": ("Parameter", ("blob0",)),
}


@pytest.fixture(scope="module")
def params() -> NetParams:
    return fillers.init_net(NET, seed=1)


def test_init_net_result_is_a_plain_layer_to_blobs_dict(params):
    assert isinstance(params, dict)
    assert isinstance(params, fillers.NetParams)
    assert list(params) == list(EXPECTED)
    assert all(isinstance(blob, np.ndarray) for blobs in params.values() for blob in blobs)


@pytest.mark.parametrize("layer", list(EXPECTED))
def test_each_layer_has_its_type_and_one_role_per_blob(params, layer):
    layer_type, roles = EXPECTED[layer]
    assert params.types[layer] == layer_type
    assert params.roles[layer] == roles
    assert len(params.roles[layer]) == len(params[layer])


def test_unknown_types_and_counts_get_positional_roles():
    assert blob_roles("MyForkLayer", 3) == ("blob0", "blob1", "blob2")
    assert blob_roles("PReLU", 2) == ("blob0", "blob1")
    assert blob_roles("Convolution", 0) == ()


def test_types_and_roles_survive_copy_and_pickle(params):
    for clone in (copy.copy(params), copy.deepcopy(params), pickle.loads(pickle.dumps(params))):
        assert clone.types == params.types
        assert clone.roles == params.roles
        assert list(clone) == list(params)


def test_net_params_of_derives_roles_from_types():
    made = NetParams.of([("s", [np.ones(2)])], {"s": "Scale"})
    assert made.types == {"s": "Scale"} and made.roles == {"s": ("scale",)}
    assert "'s' (Scale): [(2,)]" in repr(made)
