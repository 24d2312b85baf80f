"""What every fork module shares: the fork's record (name, repository, commit, its own layer
types) and the readers of fork fields with the fork's defaults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...._proto.filler_pb2 import TRAIN, FillerParameter
from ....errors import FillerError
from ..registry import Layer


@dataclass(frozen=True)
class Fork:
    """A Caffe fork whose layers fillers mirrors.

    `name` is what `--fork NAME` (`forks=(NAME,)`) calls it; `repo` and `commit` the code read;
    `types` every layer type the fork adds to BVLC Caffe's (built here or not): a net that uses
    one of them is evidence for the fork where a type name is shared.
    """

    name: str
    repo: str
    commit: str
    types: frozenset[str] = frozenset()

    @property
    def origin(self) -> str:
        """ "repo @ commit", as definitions and docs/forks.md cite it."""
        return f"{self.repo} @ {self.commit[:8]}"


FORKS: dict[str, Fork] = {}


def fork(name: str, repo: str, commit: str, types: str = "") -> Fork:
    """Record a fork (once per name) and return it; `types`: its own layer types, by spaces."""
    record = Fork(name, repo, commit, frozenset(words(types)))
    FORKS[name] = record
    return record


def words(text: str) -> tuple[str, ...]:
    """Names written as one string, separated by spaces."""
    return tuple(text.split())


def as_filler(value: Any, what: str) -> FillerParameter:
    """A fork field that must be a filler block."""
    if not isinstance(value, FillerParameter):
        raise FillerError(f"{what}: {value!r} is not a filler block")
    return value


def filler_or(fields: Any, name: str, default: FillerParameter | None = None) -> FillerParameter:
    """The filler block `name` of `fields`, else `default` (FillerParameter's own: constant 0)."""
    value = one(fields, name, None)
    if value is None:
        return default if default is not None else FillerParameter()
    return as_filler(value, name)


def one(fields: Any, name: str, default: Any) -> Any:
    """A field set at most once (an optional field of the fork's caffe.proto), or `default`."""
    value = fields.get(name, default)
    if isinstance(value, list):
        raise FillerError(f"{name}: set {len(value)} times; the fork's caffe.proto takes it once")
    return value


def transform_draws(layer: Layer) -> int:
    """DataTransformer::InitRand: one draw when the transform mirrors or crops in TRAIN."""
    transform = layer.transform_param
    return int(transform.mirror or (layer.phase == TRAIN and transform.crop_size > 0))
