"""`re:` rule patterns match in linear time, or are refused (issue 20)."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from optional import require

import fillers
from fillers.spec import patterns
from fillers.spec.rules import first_match

FILLER = {"type": "constant"}


@pytest.fixture(params=["re2", "re"])
def engine(request, monkeypatch):
    if request.param == "re2":
        require("re2")
    else:
        monkeypatch.setattr(patterns, "_re2", lambda: None)
    from fillers.spec import rules

    rules._matcher.cache_clear()
    return request.param


def test_catastrophic_backtracking_is_linear_with_re2_or_refused_without(engine):
    rule = {"match": "re:(a+)+$", "filler": FILLER}
    if engine == "re":
        with pytest.raises(fillers.FillerError, match=r"repeat inside a repeat.*fillers\[re2\]"):
            fillers.load_rules([rule])
        return
    rules = fillers.load_rules([rule])
    start = time.perf_counter()
    assert first_match(rules, "a" * 30 + "b") is None
    assert first_match(rules, "a" * 100_000) is rules[0]
    assert time.perf_counter() - start < 1


@pytest.mark.parametrize(
    ("pattern", "match"),
    [
        ("a{4294967296}", "not a regular expression"),
        ("(" * 5000 + "a" + ")" * 5000, "nested more than 100 levels"),
        ("(a)\\1", "backreference"),
        ("(?=a)a", "lookahead"),
        ("[", "not a regular expression"),
    ],
)
def test_bad_patterns_are_filler_errors(engine, pattern, match):
    if engine == "re2" and match in ("backreference", "lookahead"):
        match = "RE2 cannot match"
    with pytest.raises(fillers.FillerError, match=f"rule 0: match: .*{match}"):
        fillers.load_rules([{"match": f"re:{pattern}", "filler": FILLER}])


def test_deep_patterns_in_yaml_files_are_refused(tmp_path, engine):
    path = tmp_path / "rules.yaml"
    path.write_text(f"- match: 're:{'(' * 5000}a{')' * 5000}'\n  filler: {{type: constant}}\n")
    with pytest.raises(fillers.FillerError, match="nested more than"):
        fillers.load_rules(path)


@pytest.mark.parametrize("pattern", ["(a|ab)*c", "(x+y*)+", "a*a*a*a*b", "(?:.*a)*"])
def test_without_re2_patterns_that_backtrack_are_refused(pattern, monkeypatch):
    monkeypatch.setattr(patterns, "_re2", lambda: None)
    with pytest.raises(fillers.FillerError, match="install RE2"):
        patterns.compile_pattern(pattern, "match")


@pytest.mark.parametrize(
    ("pattern", "name", "expected"),
    [
        (r"features\.\d+\.weight", "features.12.weight", True),
        (r"(conv|fc)\d*\.bias", "fc3.bias", True),
        (r".*\.bias", "a.b.weight", False),
        (r"layer[0-9]+\..*", "layer4.conv.weight", True),
    ],
)
def test_ordinary_patterns_match_alike_with_either_engine(engine, pattern, name, expected):
    assert patterns.compile_pattern(pattern, "match")(name) is expected


def test_a_rule_object_with_a_pathological_pattern_is_refused(monkeypatch):
    monkeypatch.setattr(patterns, "_re2", lambda: None)
    rule = fillers.load_rules([{"match": "re:x", "filler": FILLER}])[0]
    bad = type(rule)(0, rule.filler, match="re:(a*)*b")
    with pytest.raises(fillers.FillerError, match="repeat inside a repeat"):
        fillers.load_rules([bad])


_atoms = st.sampled_from(["a", "b", ".", "[ab]", "\\d", "(a)", "(?:ab)"])
_suffixes = st.sampled_from(["", "*", "+", "?", "{2}", "{1,3}"])


@settings(max_examples=150, deadline=None)
@given(
    parts=st.lists(st.tuples(_atoms, _suffixes), max_size=6),
    wrap=st.sampled_from(["{}", "({})*", "({})+", "(?:{}|b)", "{}|a"]),
    name=st.text("ab1.", max_size=40),
)
def test_any_pattern_is_refused_or_matched_quickly_without_re2(parts, wrap, name):
    pattern = wrap.format("".join(atom + suffix for atom, suffix in parts))
    original = patterns._re2
    patterns._re2 = lambda: None
    try:
        matches = patterns.compile_pattern(pattern, "match")
    except fillers.FillerError:
        return
    finally:
        patterns._re2 = original
    start = time.perf_counter()
    matches(name * 5)
    assert time.perf_counter() - start < 0.5
