"""Declaring fork fields: kinds and defaults, shorthands, descriptors, merging, conflicts, and
what a layer's setup reads through them."""

from __future__ import annotations

import pytest

import fillers
from fillers.io.texttree import parse_tree
from fillers.net.fields import (
    Fields,
    FieldSpec,
    declare_fields,
    declared_fields,
    field,
    fields_of,
    undeclare_fields,
)


@pytest.fixture
def scratch_type():
    yield "ScratchType"
    undeclare_fields("ScratchType")


def test_shorthands_give_kinds_and_defaults():
    specs = fields_of(
        {
            "flag": True,
            "count": 3,
            "eps": 1e-10,
            "label": "x",
            "mode": ("L2", "L1"),
            "sizes": [int],
            "scale_filler": fillers.FillerParameter,
            "inner": {"k": 2},
            "kind": float,
        }
    )
    assert [(name, spec.kind, spec.default, spec.repeated) for name, spec in specs.items()] == [
        ("flag", "bool", True, False),
        ("count", "int", 3, False),
        ("eps", "float", 1e-10, False),
        ("label", "string", "x", False),
        ("mode", "enum", "L2", False),
        ("sizes", "int", None, True),
        ("scale_filler", "filler", None, False),
        ("inner", "block", None, False),
        ("kind", "float", 0.0, False),
    ]
    assert specs["inner"].fields["k"] == FieldSpec("int", 2)


def test_field_checks_its_default():
    assert field(float, 1).default == 1.0
    with pytest.raises(fillers.FillerError, match="default 'x' is not a int"):
        field(int, "x")
    with pytest.raises(fillers.FillerError, match="default 'L3' is not one of L2, L1"):
        field(("L2", "L1"), "L3")
    with pytest.raises(fillers.FillerError, match="is not a field kind"):
        field(complex)


def test_a_message_descriptor_declares_a_block_with_its_defaults():
    specs = fields_of(fillers.FillerParameter.DESCRIPTOR)
    assert specs["type"] == FieldSpec("string", "constant")
    assert specs["max"].default == 1.0 and specs["sparse"].default == -1
    assert specs["variance_norm"].choices == ("FAN_IN", "FAN_OUT", "AVERAGE")
    nested = fields_of({"shape": fillers.FillerParameter.DESCRIPTOR})
    assert nested["shape"].kind == "filler"


def test_declarations_add_up_and_must_agree(scratch_type):
    declare_fields(scratch_type, {"a_param": {"x": 1}}, origin="fork A")
    declare_fields(scratch_type, {"a_param": {"y": 2.0}, "b_param": {"z": True}}, origin="fork B")
    declared = declared_fields(scratch_type)
    assert set(declared["a_param"].fields) == {"x", "y"} and "b_param" in declared
    declare_fields(scratch_type, {"a_param": {"x": 1}}, origin="fork C")  # the same again: fine
    with pytest.raises(fillers.FillerError, match=r"a_param\.x is already declared as int.*fork A"):
        declare_fields(scratch_type, {"a_param": {"x": 1.5}}, origin="fork C")


def test_a_declaration_adds_to_caffe_proto_and_never_changes_it(scratch_type):
    declare_fields(scratch_type, {"pooling_param": {"ceil_mode": True}})
    declare_fields(
        scratch_type, {"loss_param": {"normalization": ("FULL", "VALID", "BATCH_SIZE", "NONE", "X")}}
    )
    with pytest.raises(fillers.FillerError, match=r"pooling_param\.pool is caffe\.proto's field"):
        declare_fields(scratch_type, {"pooling_param": {"pool": 3}})
    with pytest.raises(fillers.FillerError, match=r"values \['NONE'\] are missing"):
        declare_fields(scratch_type, {"loss_param": {"normalization": ("FULL", "VALID", "BATCH_SIZE")}})
    with pytest.raises(fillers.FillerError, match=r"is caffe\.proto's field"):
        declare_fields(scratch_type, {"name": 3})


def test_fields_read_declared_defaults_and_convert_values():
    declared = fields_of({"flip": True, "eps": 1e-10, "sizes": [float], "inner": {"k": 2}})
    fields = Fields(parse_tree("eps: 1 sizes: 1 sizes: 2.5"), declared)
    assert fields["eps"] == 1.0 and isinstance(fields["eps"], float)
    assert fields.get("flip") is True and "flip" not in fields
    assert fields["sizes"] == [1.0, 2.5]
    assert fields["inner"].get("k") == 2
    assert fields.get("flip", False) is False  # an explicit default wins over the declared one
    with pytest.raises(KeyError):
        fields["undeclared"]


def test_register_layer_declares_fields_and_unregister_forgets_them():
    @fillers.register_layer("Scratch", fields={"scratch_param": {"scale": 2.0}})
    def setup(layer, bottoms, num_tops):
        return fillers.LayerSetup(tops=(bottoms[0],))

    try:
        assert declared_fields("Scratch")["scratch_param"].fields["scale"].default == 2.0
        with pytest.raises(fillers.FillerError, match="already registered"):
            fillers.register_layer("Scratch", fields={"other_param": {"x": 1}})(setup)
        assert "other_param" not in declared_fields("Scratch")  # a refused registration changes nothing
    finally:
        fillers.unregister_layer("Scratch")
    assert declared_fields("Scratch") == {}


def test_a_bad_declaration_registers_nothing():
    with pytest.raises(fillers.FillerError, match=r"fields: x_param: .*not a field kind"):
        fillers.register_layer("Scratch2", fields={"x_param": {"bad": object()}})(lambda *args: None)
    assert "Scratch2" not in fillers.registered_layers()


def test_a_forks_whole_message_for_a_caffe_block_adds_only_what_caffe_lacks(scratch_type):
    # A fork's compiled TransformationParameter repeats caffe.proto's fields: those stay caffe's.
    transform = fillers.FillerParameter.DESCRIPTOR.file.message_types_by_name["TransformationParameter"]
    declare_fields(scratch_type, {"transform_param": transform})
    assert declared_fields(scratch_type) == {}
    declare_fields(
        scratch_type, {"transform_param": {"crop_size": int, "mirror": bool, "resize_param": {"h": 0}}}
    )
    added = declared_fields(scratch_type)["transform_param"].fields
    assert list(added) == ["resize_param"]
    with pytest.raises(fillers.FillerError, match=r"transform_param\.mirror is caffe\.proto's field"):
        declare_fields(scratch_type, {"transform_param": {"mirror": 1.5}})
