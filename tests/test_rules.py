"""Initialization rules: ordered, first match wins, strict about what they say."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fillers
from fillers.spec.rules import first_match

YAML = """
- match: "features.*.weight"
  filler: {type: xavier, variance_norm: AVERAGE}
- match: "*.bias"
  filler: {type: constant, value: 0}
- module: Conv2d
  param: weight
  filler: {type: msra}
  layout: OIHW
- match: "re:classifier\\\\.(\\\\d+)\\\\.weight"
  filler: 'type: "gaussian" std: 0.01'
"""


@pytest.fixture
def rules(tmp_path):
    path = tmp_path / "init.yaml"
    path.write_text(YAML)
    return fillers.load_rules(path)


def test_yaml_rules_load_in_order(rules):
    assert [rule.index for rule in rules] == [0, 1, 2, 3]
    assert rules[0].filler.variance_norm == fillers.FillerParameter.AVERAGE
    assert (rules[2].module, rules[2].param, rules[2].layout) == ("Conv2d", "weight", "OIHW")
    assert rules[3].filler.std == pytest.approx(0.01)


def test_first_match_wins(rules):
    assert first_match(rules, "features.0.weight", "Conv2d").index == 0
    assert first_match(rules, "features.0.bias", "Conv2d").index == 1
    assert first_match(rules, "stem.weight", "Conv2d").index == 2
    assert first_match(rules, "stem.weight", "Linear") is None
    assert first_match(rules, "classifier.3.weight", "Linear").index == 3
    assert first_match(rules, "classifier.3.weight.x", "Linear") is None  # a regex matches whole names


def test_json_and_python_lists_give_the_same_rules(rules, tmp_path):
    as_python = [
        {"match": "features.*.weight", "filler": {"type": "xavier", "variance_norm": "AVERAGE"}},
        {"match": "*.bias", "filler": {"type": "constant", "value": 0}},
        {"module": "Conv2d", "param": "weight", "filler": {"type": "msra"}, "layout": "OIHW"},
        {"match": r"re:classifier\.(\d+)\.weight", "filler": {"type": "gaussian", "std": 0.01}},
    ]
    path = tmp_path / "init.json"
    path.write_text(json.dumps(as_python))
    assert fillers.load_rules(path) == rules == fillers.load_rules(as_python)
    assert fillers.load_rules(rules) == rules


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"match": "*", "filler": {"type": "xavier", "std": "x"}}, r"rule 1: filler: .*std"),
        ({"match": "*", "filler": {"type": "xavier", "stdd": 1}}, r"rule 1: filler: unknown field 'stdd'"),
        ({"match": "*", "filler": {"type": "nope"}}, r"rule 1: filler: .*Unknown filler name: nope"),
        ({"match": "*"}, r"rule 1: filler: missing"),
        ({"filler": {"type": "xavier"}}, r"rule 1: match: missing"),
        ({"match": "*", "filler": {"type": "xavier"}, "layout": "HWI"}, r"rule 1: layout: 'HWI' has no 'O'"),
        (
            {"match": "re:(", "filler": {"type": "xavier"}},
            r"rule 1: match: 're:\(' is not a regular expression",
        ),
        ({"match": 3, "filler": {"type": "xavier"}}, r"rule 1: match: 3 is not a non-empty string"),
        ({"mtch": "*", "filler": {"type": "xavier"}}, r"rule 1: unknown field 'mtch'"),
        ("xavier", r"rule 1: expected a mapping"),
    ],
)
def test_a_bad_rule_names_its_index_and_field(entry, message):
    with pytest.raises(fillers.FillerError, match=message):
        fillers.load_rules([{"match": "*.bias", "filler": {"type": "constant"}}, entry])


def test_bad_documents(tmp_path):
    (tmp_path / "map.yaml").write_text("match: x\n")
    with pytest.raises(fillers.FillerError, match=r"map.yaml: rules: expected a list"):
        fillers.load_rules(tmp_path / "map.yaml")
    (tmp_path / "bad.yaml").write_text("- match: [\n")
    with pytest.raises(fillers.FillerError, match=r"bad.yaml: cannot parse YAML"):
        fillers.load_rules(tmp_path / "bad.yaml")
    with pytest.raises(fillers.FillerError, match=r"unknown extension '.txt'"):
        fillers.load_rules(tmp_path / "rules.txt")
    with pytest.raises(fillers.FillerError, match=r"cannot read"):
        fillers.load_rules(tmp_path / "missing.yaml")
    assert fillers.load_rules([]) == []


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
_ENTRY = st.fixed_dictionaries(
    {},
    optional={
        "match": st.one_of(st.text(max_size=6), _JSON),
        "module": st.one_of(st.text(max_size=6), _JSON),
        "param": _JSON,
        "layout": st.one_of(st.sampled_from(["HWIO", "IO", "OIHW", "X", ""]), _JSON),
        "filler": st.one_of(st.just({"type": "xavier"}), _JSON),
        "extra": _JSON,
    },
)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.lists(_ENTRY, max_size=3), _JSON))
def test_any_document_loads_or_raises_a_filler_error(document):
    try:
        rules = fillers.load_rules(document)
    except fillers.FillerError:
        return
    for rule in rules:
        rule.matches("a.b.weight", "Conv2d")
