"""Settling what one layer cannot tell by trying each way out on the rest of the net.

A type name several forks define differently (`AmbiguousFork`), and a type without a
definition (`UnknownType`, whose ways out are shape rules), are decided or reported only
after each candidate has been tried on the whole net: a candidate the rest of the net
refuses (a shape check of a later layer) is never taken and never offered. A candidate that
fails only on something else still undecided (another such type, a shape only data knows)
is kept. Planning draws nothing, so trying is cheap and has no effect.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from ..errors import FillerError, did_you_mean
from ..io.limits import echo
from .layers import LayerDefinition, Shape
from .layers.forks import FORKS, AmbiguousFork
from .layers.registry import Undecided, UnknownType, fork_flag, using_forks, ways_forward

Planner = Callable[[Mapping[str, object]], object]


def settled(plan: Planner, forks: frozenset[str], rules: Mapping[str, object]) -> object:
    """`plan(rules)` under the forks named, with each undecided fork choice taken from the
    only candidate the rest of the net accepts; else the error, with only the candidates
    (forks or shape rules) that fit the rest of the net. An error that is still undecided
    stays an `Undecided`; one no candidate gets past is a plain FillerError."""
    try:
        with using_forks(forks):
            return plan(rules)
    except AmbiguousFork as error:
        fitting = tuple(name for name in error.candidates if _fits(plan, forks | {name}, rules))
        if len(fitting) == 1:
            return settled(plan, forks | {fitting[0]}, rules)
        if not fitting:
            raise FillerError(f"{error}; none of them fits the rest of the net") from None
        same = _same_fill(plan, forks, rules, fitting)
        if same is not None:
            return same
        raise _narrowed(error, fitting) from None
    except UnknownType as error:
        if not error.candidates:
            raise
        rule_sets = {rule: {**rules, error.layer_type: rule} for rule in error.candidates}
        fitting = tuple(rule for rule, trial in rule_sets.items() if _fits(plan, forks, trial))
        message = str(error)
        at = message.rfind(error.ways)
        ways = ways_forward(error.layer_type, has_bottoms=True, rules=fitting)
        raise error.retitled(message[:at] + ways + message[at + len(error.ways) :]) from None


def _fits(plan: Planner, forks: frozenset[str], rules: Mapping[str, object]) -> bool:
    """Whether the net plans with these choices, settling later choices alike, up to what
    is still undecided elsewhere (another type without a definition, a shape only data
    knows, a choice several candidates still fit)."""
    try:
        settled(plan, forks, rules)
    except Undecided:
        return True
    except FillerError:
        return False
    return True


def _same_fill(
    plan: Planner, forks: frozenset[str], rules: Mapping[str, object], names: tuple[str, ...]
) -> object | None:
    """The plan of the first candidate when every candidate gives the net the same blobs
    (shapes, fillers, sharing) and the same setup draws: what is filled is then the same
    whichever fork the net was written for. Else None."""
    plans = []
    for name in names:
        try:
            plans.append(settled(plan, forks | {name}, rules))
        except FillerError:
            return None
    first = plans[0]
    for other in plans[1:]:
        if other.blobs != first.blobs or _draws(other) != _draws(first):  # type: ignore[attr-defined]
            return None
    return first


def _draws(plan: object) -> list[int]:
    return [layer.setup_draws for layer in plan.layers]  # type: ignore[attr-defined]


def _narrowed(error: AmbiguousFork, fitting: tuple[str, ...]) -> AmbiguousFork:
    """The ambiguity, naming only the forks that fit the rest of the net."""
    if len(fitting) == len(error.candidates):
        return error
    flags = " or ".join(fork_flag(name) for name in fitting)
    narrowed = error.retitled(
        f"{error}; of these, only {', '.join(fitting)} fit the rest of the net: {flags}"
    )
    narrowed.candidates = fitting
    return narrowed  # type: ignore[return-value]


def checked_forks(forks: Iterable[str]) -> frozenset[str]:
    """The fork names the caller gave, each one `fillers` knows."""
    if isinstance(forks, str):
        forks = (forks,)
    if not isinstance(forks, Iterable):
        raise FillerError(f"forks: {echo(repr(forks))} is not a list of fork names")
    names = frozenset(forks)
    if not all(isinstance(name, str) for name in names):
        raise FillerError(f"forks: {echo(repr(sorted(map(repr, names))))} are not all fork names")
    for name in sorted(names):
        if name not in FORKS:
            raise FillerError(
                f"fork {echo(repr(name))}: not a fork fillers knows{did_you_mean(str(name), sorted(FORKS))} "
                f"(known: {', '.join(sorted(FORKS))})"
            )
    return names


ANY_SHAPES = LayerDefinition(lambda layer, bottoms, num_tops: None, (0, None), (0, None))  # type: ignore[arg-type, return-value]


def rules_to_try(bottoms: Sequence[Shape | None]) -> tuple[str, ...]:
    """The shape rules a layer without a definition could follow: each bottom whose shape
    differs from the ones before it ("same" for bottom 0)."""
    rules, seen = [], []
    for index, shape in enumerate(bottoms):
        if shape not in seen:
            seen.append(shape)
            rules.append("same" if index == 0 else f"bottom:{index}")
    return tuple(rules)
