"""The filler registry: case-sensitive names to Filler classes.

Caffe's GetFiller is an if/else chain over the seven names (its own comment wishes for a
registry); here the seven are entries like any user filler.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from .._proto.filler_pb2 import FillerParameter
from ..errors import FillerError, check_failed, did_you_mean
from .builtin import BUILTIN_FILLERS
from .filler import Filler

FillerClass = TypeVar("FillerClass", bound=type[Filler])

_registry: dict[str, type[Filler]] = dict(BUILTIN_FILLERS)


def register(name: str, *, replace: bool = False) -> Callable[[FillerClass], FillerClass]:
    """Class decorator adding a Filler subclass to the registry under `name`.

    A name already registered is an error unless `replace=True`.

    Examples:
        >>> @register("ones")
        ... class Ones(Filler):
        ...     def generate(self, data, shape, draws):
        ...         data.fill(1)
        >>> from fillers import get_filler
        >>> get_filler({"type": "ones"}).fill((2, 3)).sum()
        np.float32(6.0)
        >>> unregister("ones")
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
    """The registered filler names, sorted.

    Examples:
        >>> registered()
        ['bilinear', 'constant', 'gaussian', 'msra', 'positive_unitball', 'uniform', 'xavier']
    """
    return sorted(_registry)


def get_filler(param: FillerParameter) -> Filler:
    """The filler `param.type` names, built with `param`. Names are case sensitive, as in
    Caffe: "Gaussian" is unknown. (`fillers.get_filler` also takes a dict of the fields.)"""
    if not isinstance(param, FillerParameter):
        raise FillerError(f"param: {param!r} is not a FillerParameter or a dict")
    cls = _registry.get(param.type)
    if cls is None:
        hint = did_you_mean(param.type, _registry, otherwise=f"; registered: {', '.join(registered())}")
        error = check_failed(f"type: {param.type!r}", "false", caffe=f"Unknown filler name: {param.type}")
        raise FillerError(f"{error}{hint}")
    return cls(param)
