"""The "re:" patterns of initialization rules, matched in time linear in the name.

Python's `re` backtracks: `re:(a+)+$` against 30 characters runs for minutes. A rules file
may be a stranger's, so a pattern is

- matched with RE2 (`pip install fillers[re2]`, the google-re2 package) when it is
  installed: linear time for every pattern RE2 accepts; RE2 refuses backreferences and
  lookaround, and so do we;
- otherwise matched with `re` only if it cannot backtrack badly: no backreferences or
  lookaround, no repeat inside a repeat (`(a+)+`), no alternation inside a repeat
  (`(a|ab)*`), and at most `MAX_REPEATS` repeats in all, which keeps the worst case a
  low-degree polynomial in the name's length. Anything else is refused, with the advice
  to install RE2.

Either way the pattern nests at most `MAX_NESTING` groups deep, and must parse as a Python
regular expression (the syntax the rules document).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import FillerError
from ..io.limits import MAX_NESTING, echo, nesting_error

try:  # Python 3.11 moved the parser; 3.10 has it under its old name
    import re._constants as _sre
    import re._parser as _parser
except ImportError:  # pragma: no cover
    import sre_constants as _sre  # type: ignore[no-redef]
    import sre_parse as _parser  # type: ignore[no-redef]

MAX_REPEATS = 3
"""Repeats a pattern may hold when `re` matches it (RE2 absent)."""

_REPEATS = {_sre.MAX_REPEAT, _sre.MIN_REPEAT, getattr(_sre, "POSSESSIVE_REPEAT", _sre.MAX_REPEAT)}
_REFUSED = {
    _sre.GROUPREF: "a backreference",
    _sre.GROUPREF_EXISTS: "a conditional group",
    _sre.ASSERT: "a lookahead or lookbehind",
    _sre.ASSERT_NOT: "a lookahead or lookbehind",
}


def compile_pattern(pattern: str, where: str) -> Callable[[str], bool]:
    """A function telling whether a name matches all of `pattern` (a Python regular
    expression), in time linear in the name (see the module's docstring); FillerError
    naming `where` for a pattern that is malformed or could take longer.

    >>> compile_pattern(r"layer\\d+\\.weight", "rule 0: match")("layer12.weight")
    True
    """
    _check_nesting(pattern, where)
    try:
        tree = _parser.parse(pattern)
    except (_sre.error, OverflowError, RecursionError, ValueError) as error:
        raise FillerError(
            f"{where}: {echo(repr('re:' + pattern))} is not a regular expression: {error}"
        ) from None
    re2 = _re2()
    if re2 is not None:
        options = re2.Options()
        options.log_errors = False
        try:
            compiled = re2.compile(pattern, options)
        except Exception as error:  # re2.error: what RE2 cannot match in linear time
            raise FillerError(
                f"{where}: {echo(repr('re:' + pattern))} uses what RE2 cannot match in linear time: {error}"
            ) from None
        return lambda name: compiled.fullmatch(name) is not None
    _check_backtracking(tree, pattern, where)
    import re

    compiled = re.compile(pattern)
    return lambda name: compiled.fullmatch(name) is not None


def _re2() -> Any:
    try:
        import re2
    except ImportError:
        return None
    return re2


def _check_nesting(pattern: str, where: str) -> None:
    """Groups nest at most MAX_NESTING deep (Python's parser recurses once per group)."""
    depth = 0
    escaped = in_class = False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
            if depth > MAX_NESTING:
                raise nesting_error(f"{where}: {echo(repr('re:' + pattern))}")
        elif char == ")":
            depth -= 1


def _check_backtracking(tree: Any, pattern: str, where: str) -> None:
    """Refuse what makes `re` backtrack more than polynomially (RE2 absent)."""
    repeats = 0

    def refuse(reason: str) -> FillerError:
        return FillerError(
            f"{where}: {echo(repr('re:' + pattern))} holds {reason}, which Python's re may take "
            "exponential time to match; simplify it, or install RE2 (pip install 'fillers[re2]') to "
            "match any pattern in linear time"
        )

    def walk(items: Any, inside_repeat: bool) -> None:
        nonlocal repeats
        for op, value in items:
            if op in _REFUSED:
                raise refuse(_REFUSED[op])
            if op in _REPEATS:
                _, high, body = value
                if high > 1:
                    if inside_repeat:
                        raise refuse("a repeat inside a repeat")
                    repeats += 1
                    if repeats > MAX_REPEATS:
                        raise refuse(f"more than {MAX_REPEATS} repeats")
                walk(body, inside_repeat or high > 1)
            elif op == _sre.BRANCH:
                if inside_repeat:
                    raise refuse("an alternation inside a repeat")
                for branch in value[1]:
                    walk(branch, inside_repeat)
            elif op == _sre.SUBPATTERN:
                walk(value[-1], inside_repeat)
            elif op == getattr(_sre, "ATOMIC_GROUP", None):
                walk(value, inside_repeat)

    walk(tree, False)
