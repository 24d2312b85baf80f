"""Type names that several forks define differently (BN, Normalize, Upsample, PriorBox, ...):
each fork's version is a variant, and a layer takes the one the evidence names.

Evidence, in order: the forks the caller named (`--fork`, `forks=`); the layer itself (its
bottom and top counts, the fork parameter blocks and the fields it sets, which a fork's
caffe.proto must declare); then the net (layer types only one candidate fork defines).
Candidates that make the same tops and blobs are one answer. Anything still undecided is an
`AmbiguousFork`, which planning settles by trying each candidate on the rest of the net,
else reports with the candidates and the flag that names one. Never a silent pick.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ...._proto.filler_pb2 import LayerParameter
from ....errors import FillerError
from ..blob import LayerSetup, Shape
from ..catalog import check_count
from ..registry import (
    CountLike,
    Layer,
    LayerDefinition,
    SetupFunction,
    Undecided,
    chosen_forks,
    define,
    fork_flag,
    parse_count,
)
from .base import Fork

_SCHEMA_FIELDS = frozenset(LayerParameter.DESCRIPTOR.fields_by_name)


class AmbiguousFork(Undecided):
    """A layer type that several candidate forks define differently, the layer and the net
    not telling which; `candidates` are the fork names that fit the layer."""


@dataclass(frozen=True)
class Variant:
    """One fork's version of a shared type name.

    `blocks`: the parameter blocks this version reads, each with the fields the fork's
    caffe.proto declares in it; `makes`: what it makes, in words, for the error that asks.
    """

    fork: Fork
    definition: LayerDefinition
    blocks: Mapping[str, frozenset[str]]
    makes: str


_variants: dict[str, list[Variant]] = {}


def register_variant(
    layer_type: str,
    fork: Fork,
    *,
    blocks: Mapping[str, Sequence[str]],
    makes: str,
    bottoms: CountLike = 1,
    tops: CountLike = 1,
    tops_follow_bottoms: bool = False,
    shape_free: bool = False,
) -> Callable[[SetupFunction], SetupFunction]:
    """Decorator: `setup` is `fork`'s version of `layer_type`, one of several."""
    bottom_count, top_count = parse_count(bottoms, "bottoms"), parse_count(tops, "tops")
    frozen_blocks = {name: frozenset(fields) for name, fields in blocks.items()}

    def add(setup: SetupFunction) -> SetupFunction:
        definition = LayerDefinition(
            setup, bottom_count, top_count, tops_follow_bottoms, shape_free, fork.origin
        )
        _variants.setdefault(layer_type, []).append(Variant(fork, definition, frozen_blocks, makes))
        define(layer_type, _dispatcher(layer_type), replace=True)
        return setup

    return add


def variants_of(layer_type: str) -> tuple[Variant, ...]:
    """The forks' versions of a shared type name, in registration order."""
    return tuple(_variants.get(layer_type, ()))


def _dispatcher(layer_type: str) -> LayerDefinition:
    """One registry entry for the type: counts wide enough for every variant (each variant
    checks its own), the setup of the variant the evidence names."""
    variants = _variants[layer_type]
    least = min(v.definition.bottoms[0] for v in variants)
    mosts = [v.definition.bottoms[1] for v in variants]
    top_least = min(v.definition.tops[0] for v in variants)
    top_mosts = [v.definition.tops[1] for v in variants]

    def setup(layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
        variant, made = _resolve(layer_type, layer, bottoms, num_tops)
        return made if made is not None else _run(variant, layer, bottoms, num_tops)

    origins = "; ".join(v.fork.origin for v in variants)
    return LayerDefinition(
        setup,
        (least, None if None in mosts else max(mosts)),  # type: ignore[type-var]
        (top_least, None if None in top_mosts else max(top_mosts)),  # type: ignore[type-var]
        shape_free=all(v.definition.shape_free for v in variants),
        origin=f"shared by forks: {origins}",
    )


def _run(variant: Variant, layer: Layer, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """The variant's Layer::SetUp: its own blob counts, then its setup."""
    kind = variant.definition
    check_count(f"{layer.type} Layer takes", "bottom blob(s) as input.", len(bottoms), kind.bottoms)
    check_count(f"{layer.type} Layer produces", "top blob(s) as output.", num_tops, kind.tops)
    if kind.tops_follow_bottoms and num_tops != len(bottoms):
        raise FillerError(f"{layer.type} Layer produces one top blob as output for each bottom blob input.")
    return kind.setup(layer, bottoms, num_tops)


def _resolve(
    layer_type: str, layer: Layer, bottoms: Sequence[Shape], num_tops: int
) -> tuple[Variant, LayerSetup | None]:
    variants = _variants[layer_type]
    named = [v for v in variants if v.fork.name in chosen_forks.get()]
    if len(named) > 1:
        names = " and ".join(v.fork.name for v in named)
        raise FillerError(f"the forks named ({names}) both define {layer_type!r}: name one of them")
    if named:
        return named[0], None
    fitting = [v for v in variants if not _misfit(v, layer, len(bottoms), num_tops)]
    if not fitting:
        reasons = "; ".join(f"{v.fork.name}: {_misfit(v, layer, len(bottoms), num_tops)}" for v in variants)
        raise FillerError(f"no fork's {layer_type!r} takes this layer ({reasons})")
    supported = [v for v in fitting if _net_support(v, fitting, layer)]
    candidates = supported or fitting
    if len(candidates) == 1:
        return candidates[0], None
    made: list[tuple[Variant, LayerSetup]] = []
    refused: list[str] = []
    for variant in candidates:
        try:
            made.append((variant, _run(variant, layer, bottoms, num_tops)))
        except FillerError as error:
            refused.append(f"as {variant.fork.name}'s: {error}")
    if not made:
        raise FillerError("; ".join(refused))
    if len(made) == 1 or all(result == made[0][1] for _, result in made[1:]):
        return made[0]
    found = [variant for variant, _ in made]
    what = "; ".join(f"{v.fork.name} ({v.fork.repo}: {v.makes})" for v in found)
    flags = " or ".join(fork_flag(v.fork.name) for v in found)
    raise AmbiguousFork(
        f"layer type {layer_type!r} is defined differently by {len(found)} forks: {what}; nothing in "
        f"the layer or the net tells which one this net was written for: name it with {flags}",
        layer_type,
        tuple(v.fork.name for v in found),
    )


def _misfit(variant: Variant, layer: Layer, num_bottoms: int, num_tops: int) -> str:
    """Why the layer cannot be this variant's (its counts, a block or field the fork's
    caffe.proto lacks), or "" when it can."""
    kind = variant.definition
    for what, given, (least, most) in (("bottoms", num_bottoms, kind.bottoms), ("tops", num_tops, kind.tops)):
        if given < least or (most is not None and given > most):
            return f"takes {least}{'' if most == least else '+' if most is None else f'-{most}'} {what}"
    for block in layer.fields:
        if block in _SCHEMA_FIELDS or not block.endswith("_param"):
            continue
        if block not in variant.blocks:
            return f"has no {block}"
        for value in layer.fields.all(block):
            unknown = [name for name in getattr(value, "keys", list)() if name not in variant.blocks[block]]
            if unknown:
                return f"its {block} has no {unknown[0]}"
    return ""


def _net_support(variant: Variant, fitting: Sequence[Variant], layer: Layer) -> bool:
    """Whether the net uses a layer type this variant's fork defines and no other candidate's."""
    others = frozenset().union(*(v.fork.types for v in fitting if v.fork is not variant.fork))
    return bool(layer.net_types & (variant.fork.types - others))
