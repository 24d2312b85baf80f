"""Initialization rules: which filler each parameter of a model gets, by name.

An ordered list, as mmengine's `init_cfg` or MXNet's `Mixed` initializer; the first rule
that matches a parameter wins. In YAML:

    - match: "features.*.weight"      # glob on the parameter's dotted name ("re:" for a regex)
      filler: {type: xavier, variance_norm: AVERAGE}
    - match: "*.bias"
      filler: {type: constant, value: 0}
    - module: Conv2d                   # the owning module's class name (a glob too)
      param: weight                    # the parameter's own name within it (a glob)
      filler: {type: msra}
      layout: OIHW                     # optional: how the array's axes map onto Caffe's

A rule names `match`, or `module` and/or `param`; every condition it names must hold. Globs
are `fnmatch`'s, case sensitive, and `*` crosses dots; a "re:" pattern must match the whole
name. Nothing here knows a framework: a bridge gives each parameter's dotted name and its
owner's class name.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Union

from .._proto.filler_pb2 import FillerParameter
from ..errors import FillerError
from ..fill.layout import check_layout
from ..fill.registry import get_filler
from ..io import formats
from .parameter import from_dict, parse

_FIELDS = ("match", "module", "param", "filler", "layout")
RuleSource = Union[formats.PathLike, Sequence[Union[Mapping[str, Any], "Rule"]]]  # noqa: UP007


@dataclass(frozen=True)
class Rule:
    """One rule: the conditions a parameter must meet, and the filler (and layout) it gets.

    `index` is the rule's place in its list, which error messages and reports name.
    """

    index: int
    filler: FillerParameter
    match: str | None = None
    module: str | None = None
    param: str | None = None
    layout: str | None = None

    def matches(self, name: str, module_type: str | None = None) -> bool:
        """Whether the parameter with dotted `name`, owned by a module of class `module_type`,
        meets every condition of this rule."""
        if self.match is not None and not _name_matches(self.match, name):
            return False
        if self.module is not None and (
            module_type is None or not fnmatch.fnmatchcase(module_type, self.module)
        ):
            return False
        return self.param is None or fnmatch.fnmatchcase(name.rpartition(".")[2], self.param)

    def describe(self) -> str:
        """The rule's conditions as written: 'match: "*.bias"', 'module: Conv2d, param: weight'."""
        return ", ".join(
            f"{field}: {value}"
            for field, value in (("match", self.match), ("module", self.module), ("param", self.param))
            if value is not None
        )


def load_rules(source: RuleSource) -> list[Rule]:
    """An ordered list of Rules from a .yaml/.yml/.json file, or from a Python list of dicts
    (or Rules) with the same fields.

    Each rule has `filler` (a dict of FillerParameter fields, checked as `from_dict` checks
    them, or protobuf text), optional `layout`, and `match`, or `module` and/or `param`.
    A bad rule raises FillerError naming its index and field.

    Examples:
        >>> [rule.match for rule in load_rules([{"match": "*.bias", "filler": {"type": "constant"}}])]
        ['*.bias']
    """
    if isinstance(source, (str, os.PathLike)):
        path = source
        fmt = formats.format_of(path, (formats.YAML, formats.JSON))
        with formats.errors_in(path):
            document = formats.load_document(formats.read_text(path), fmt, path)
            return _rules_of(document)
    return _rules_of(source)


def first_match(rules: Sequence[Rule], name: str, module_type: str | None = None) -> Rule | None:
    """The first rule matching the parameter, or None."""
    return next((rule for rule in rules if rule.matches(name, module_type)), None)


def _rules_of(document: object) -> list[Rule]:
    if document is None:
        return []
    if isinstance(document, (str, bytes, Mapping)) or not isinstance(document, Sequence):
        raise FillerError(f"rules: expected a list of rules, got a {type(document).__name__}")
    return [_rule(index, entry) for index, entry in enumerate(document)]


def _rule(index: int, entry: object) -> Rule:
    where = f"rule {index}"
    if isinstance(entry, Rule):
        return Rule(index, entry.filler, entry.match, entry.module, entry.param, entry.layout)
    if not isinstance(entry, Mapping):
        raise FillerError(f"{where}: expected a mapping with 'filler' and 'match' or 'module', got {entry!r}")
    unknown = [key for key in entry if key not in _FIELDS]
    if unknown:
        raise FillerError(f"{where}: unknown field {unknown[0]!r}; rule fields are: {', '.join(_FIELDS)}")
    if "filler" not in entry:
        raise FillerError(f"{where}: filler: missing (a filler spec, e.g. {{type: xavier}})")
    strings = {
        field: _string(where, field, entry.get(field)) for field in ("match", "module", "param", "layout")
    }
    if strings["match"] is None and strings["module"] is None and strings["param"] is None:
        raise FillerError(f"{where}: match: missing; a rule needs 'match', or 'module' and/or 'param'")
    if strings["match"] is not None and strings["match"].startswith("re:"):
        try:
            re.compile(strings["match"][3:])
        except re.error as error:
            raise FillerError(
                f"{where}: match: {strings['match']!r} is not a regular expression: {error}"
            ) from None
    if strings["layout"] is not None:
        try:
            check_layout(strings["layout"])
        except FillerError as error:
            raise FillerError(f"{where}: {error}") from None
    return Rule(index, _filler(where, entry["filler"]), **strings)


def _string(where: str, field: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise FillerError(f"{where}: {field}: {value!r} is not a non-empty string")
    return value


def _filler(where: str, value: object) -> FillerParameter:
    try:
        if isinstance(value, FillerParameter):
            param = value
        elif isinstance(value, str):
            param = parse(value)
        else:
            param = from_dict(value)  # type: ignore[arg-type]
        get_filler(param)  # an unknown type fails here, not at the first fill
        return param
    except FillerError as error:
        raise FillerError(f"{where}: filler: {error}") from None


def _name_matches(pattern: str, name: str) -> bool:
    if pattern.startswith("re:"):
        return re.fullmatch(pattern[3:], name) is not None
    return fnmatch.fnmatchcase(name, pattern)
