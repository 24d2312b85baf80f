"""FillerParameter through text format, dicts, YAML, JSON and binary files."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from strategies import filler_parameters, same_message

from fillers.errors import FillerError
from fillers.spec.parameter import FillerParameter, dump, from_dict, load, parse, to_dict, to_text

EXTENSIONS = [".prototxt", ".pbtxt", ".txt", ".yaml", ".yml", ".json", ".pb"]


# No deadline: the first examples pay for imports and caches, and a slow run is no failure here.
@settings(deadline=None)
@given(filler_parameters())
def test_any_spec_round_trips_through_text_format(param):
    assert same_message(parse(to_text(param)), param)


@settings(deadline=None)
@given(filler_parameters())
def test_any_spec_round_trips_through_a_dict(param):
    assert same_message(from_dict(to_dict(param)), param)


@pytest.mark.parametrize("extension", EXTENSIONS)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60, deadline=None)
@given(param=filler_parameters())
def test_any_spec_round_trips_through_a_file(tmp_path, extension, param):
    path = tmp_path / f"spec{extension}"
    dump(param, path)
    assert same_message(load(path), param)


def test_floats_are_written_as_the_shortest_float32_decimal():
    param = FillerParameter(std=0.01, min=1e-45, max=np.float32(3.4028235e38), mean=0.1)
    assert to_dict(param) == {"min": 1e-45, "max": 3.4028235e38, "mean": 0.1, "std": 0.01}
    assert to_text(param) == "min: 1e-45\nmax: 3.4028235e+38\nmean: 0.1\nstd: 0.01\n"


def test_presence_is_kept_for_fields_at_their_default():
    param = from_dict({"type": "constant", "std": 1.0, "sparse": -1})
    assert [field.name for field, _ in param.ListFields()] == ["type", "std", "sparse"]
    assert to_dict(param) == {"type": "constant", "std": 1.0, "sparse": -1}
    assert to_text(param) == 'type: "constant"\nstd: 1.0\nsparse: -1\n'


def test_an_empty_spec_writes_nothing_and_reads_as_caffe_defaults():
    assert to_dict(FillerParameter()) == {}
    assert to_text(FillerParameter()) == ""
    assert parse("").type == "constant"


def test_variance_norm_is_written_by_name_and_read_by_name_or_number():
    assert to_dict(FillerParameter(variance_norm=2)) == {"variance_norm": "AVERAGE"}
    assert from_dict({"variance_norm": "FAN_OUT"}).variance_norm == FillerParameter.FAN_OUT
    assert from_dict({"variance_norm": 2}).variance_norm == FillerParameter.AVERAGE


def test_integral_float_is_accepted_for_sparse():
    assert from_dict({"sparse": 15.0}).sparse == 15


def test_nan_and_infinities_in_each_format(tmp_path):
    param = FillerParameter(value=math.nan, min=-math.inf, max=math.inf)
    assert to_text(param) == "value: nan\nmin: -inf\nmax: inf\n"
    dump(param, tmp_path / "spec.yaml")
    assert (tmp_path / "spec.yaml").read_text() == "value: .nan\nmin: -.inf\nmax: .inf\n"
    dump(param, tmp_path / "spec.json")
    assert '"value": NaN' in (tmp_path / "spec.json").read_text()
    assert '"min": -Infinity' in (tmp_path / "spec.json").read_text()


def test_text_format_reads_a_finite_overflow_as_infinity_as_caffe_does():
    assert parse("std: 1e39").std == math.inf


def test_hand_written_yaml_and_json_load(tmp_path):
    (tmp_path / "w.yaml").write_text("# conv1\ntype: gaussian\nstd: 0.01\nsparse: 3\n")
    (tmp_path / "w.json").write_text('{"type": "gaussian", "std": 0.01, "sparse": 3}')
    expected = {"type": "gaussian", "std": 0.01, "sparse": 3}
    assert to_dict(load(tmp_path / "w.yaml")) == expected
    assert to_dict(load(str(tmp_path / "w.json"))) == expected


def test_text_file_is_written_in_text_format(tmp_path):
    dump(FillerParameter(type="xavier", variance_norm=FillerParameter.AVERAGE), tmp_path / "x.prototxt")
    assert (tmp_path / "x.prototxt").read_text() == 'type: "xavier"\nvariance_norm: AVERAGE\n'


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"stdev": 0.1},
            "unknown field 'stdev' (value 0.1); FillerParameter fields are: type, value, min, max",
        ),
        ({"std": True}, "std: True is not a number; std is a float"),
        ({"std": "0.1"}, "std: '0.1' is not a number; std is a float (write the number unquoted"),
        ({"std": None}, "std: None is not a number"),
        ({"std": 1e39}, "std: 1e+39 overflows float32; std is a float (finite values up to ±3.4028235e+38)"),
        ({"sparse": 2.5}, "sparse: 2.5 is not an integer; sparse is an int32"),
        ({"sparse": True}, "sparse: True is not an integer"),
        (
            {"sparse": 2**31},
            "sparse: 2147483648 is out of range; sparse is an int32 (-2147483648..2147483647)",
        ),
        ({"sparse": -(2**31) - 1}, "sparse: -2147483649 is out of range"),
        (
            {"variance_norm": "AVG"},
            "variance_norm: 'AVG' is not a VarianceNorm; allowed: FAN_IN, FAN_OUT, AVERAGE (or 0, 1, 2)",
        ),
        ({"variance_norm": 3}, "variance_norm: 3 is not a VarianceNorm"),
        ({"variance_norm": "fan_in"}, "variance_norm: 'fan_in' is not a VarianceNorm"),
        ({"type": 7}, "type: 7 is not a string"),
        ({3: 1.0}, "unknown field 3"),
    ],
)
def test_bad_dict_values_name_the_key_the_value_and_what_is_allowed(spec, message):
    with pytest.raises(FillerError) as caught:
        from_dict(spec)
    assert str(caught.value).startswith(message)


def test_a_finite_value_rounding_to_the_largest_float32_is_not_an_overflow():
    assert from_dict({"max": 3.4028235e38}).max == float(np.finfo(np.float32).max)


def test_a_dict_spec_must_be_a_mapping():
    with pytest.raises(FillerError, match="must be a mapping"):
        from_dict(["type", "xavier"])


def test_text_format_errors_carry_the_parser_message():
    with pytest.raises(FillerError, match=r'cannot parse filler spec: 1:1 : .*has no field named "stdd"'):
        parse("stdd: 1")
    with pytest.raises(FillerError, match="Value out of range: 3000000000"):
        parse("sparse: 3000000000")


def test_load_names_the_file_in_every_error(tmp_path):
    (tmp_path / "bad.yaml").write_text("type: gaussian\nstd: one\n")
    with pytest.raises(FillerError, match=r"bad\.yaml: std: 'one' is not a number"):
        load(tmp_path / "bad.yaml")
    (tmp_path / "bad.prototxt").write_text("std: one")
    with pytest.raises(FillerError, match=r"bad\.prototxt: cannot parse filler spec"):
        load(tmp_path / "bad.prototxt")
    with pytest.raises(FillerError, match=r"cannot read .*missing\.json"):
        load(tmp_path / "missing.json")


def test_unknown_extension_is_named_with_the_supported_ones(tmp_path):
    with pytest.raises(FillerError, match=r"unknown extension '\.toml'; use one of \.prototxt, \.pbtxt"):
        load(tmp_path / "spec.toml")
    with pytest.raises(FillerError, match=r"unknown extension '\(none\)'"):
        dump(FillerParameter(), tmp_path / "spec")


def test_malformed_files_raise_filler_error(tmp_path):
    (tmp_path / "a.json").write_text('{"type": ')
    (tmp_path / "b.yaml").write_text("type: [unclosed\n")
    (tmp_path / "c.pb").write_bytes(b"\x0a\xff")
    (tmp_path / "d.yaml").write_text("- gaussian\n")
    (tmp_path / "e.yaml").write_text("std: 0.1\nstd: 0.2\n")
    for name, message in [
        ("a.json", "cannot parse JSON"),
        ("b.yaml", "cannot parse YAML"),
        ("c.pb", "not a binary FillerParameter"),
        ("d.yaml", "expected a mapping at the top level, got a list"),
        ("e.yaml", "key 'std' appears more than once"),
    ]:
        with pytest.raises(FillerError, match=message):
            load(tmp_path / name)


def test_yaml_is_read_safely(tmp_path):
    (tmp_path / "evil.yaml").write_text("type: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(FillerError, match="cannot parse YAML"):
        load(tmp_path / "evil.yaml")


def test_only_filler_parameters_are_written(tmp_path):
    with pytest.raises(FillerError, match=r"expected a fillers\.FillerParameter, got a dict"):
        dump({"type": "xavier"}, tmp_path / "x.yaml")
