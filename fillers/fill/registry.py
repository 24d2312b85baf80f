"""The filler registry: case-sensitive names to Filler classes.

Caffe's GetFiller is an if/else chain over the seven names (its own comment wishes for a
registry); here the seven are entries like any user filler.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, Union

from .._proto.filler_pb2 import FillerParameter
from ..errors import FillerError
from .builtin import BUILTIN_FILLERS
from .filler import Filler

FillerClass = TypeVar("FillerClass", bound=type[Filler])

_registry: dict[str, type[Filler]] = dict(BUILTIN_FILLERS)


def register(name: str, *, replace: bool = False) -> Callable[[FillerClass], FillerClass]:
    """Class decorator adding a Filler subclass to the registry under `name`.

    >>> @register("ones")
    ... class Ones(Filler):
    ...     def generate(self, data, shape, draws):
    ...         data.fill(1)

    A name already registered is an error unless `replace=True`.
    """
    if not isinstance(name, str) or not name:
        raise FillerError(f"name: {name!r} is not a non-empty string")

    def add(cls: FillerClass) -> FillerClass:
        if not (isinstance(cls, type) and issubclass(cls, Filler)):
            raise FillerError(f"register({name!r}): {cls!r} is not a subclass of fillers.Filler")
        if name in _registry and not replace:
            raise FillerError(
                f"type: {name!r} is already registered (to {_registry[name].__name__}); pass replace=True"
            )
        _registry[name] = cls
        return cls

    return add


def unregister(name: str) -> None:
    """Remove a filler from the registry (the seven built-in names included)."""
    if name not in _registry:
        raise FillerError(f"Unknown filler name: {name}")
    del _registry[name]


def registered() -> list[str]:
    """The registered filler names, sorted."""
    return sorted(_registry)


def get_filler(param: FillerParameter | Mapping[str, Any]) -> Filler:
    """The filler `param.type` names, built with `param` (a FillerParameter or a dict of
    its fields). Names are case sensitive, as in Caffe: "Gaussian" is unknown."""
    if isinstance(param, Mapping):
        from ..spec.parameter import from_dict

        param = from_dict(param)
    if not isinstance(param, FillerParameter):
        raise FillerError(f"param: {param!r} is not a FillerParameter or a dict")
    cls = _registry.get(param.type)
    if cls is None:
        close = difflib.get_close_matches(param.type, list(_registry), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else f"; registered: {', '.join(registered())}"
        raise FillerError(
            f"type: {param.type!r}: Unknown filler name: {param.type} [Check failed: false]{hint}"
        )
    return cls(param)


GetFiller = get_filler
"""Caffe's name for `get_filler`."""


Spec = Union[Filler, FillerParameter, Mapping[str, Any], str]  # noqa: UP007
"""What the framework bridges accept as a filler spec (see `as_filler`)."""


def as_filler(spec: Spec) -> Filler:
    """A Filler from what framework bridges accept as a spec: a Filler (as is), a
    FillerParameter or dict (`get_filler`), or protobuf text ('type: "xavier"')."""
    if isinstance(spec, Filler):
        return spec
    if isinstance(spec, str):
        from ..spec.parameter import parse

        return get_filler(parse(spec))
    return get_filler(spec)
