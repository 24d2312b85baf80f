"""From a spec in any form to its filler: `get_filler` (Caffe's GetFiller, over a
FillerParameter or a dict of its fields) and `as_filler`, what the framework bridges accept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Union

from .._proto.filler_pb2 import FillerParameter
from ..fill import registry
from ..fill.filler import Filler
from .parameter import from_dict, parse


def get_filler(param: FillerParameter | Mapping[str, Any]) -> Filler:
    """The filler `param.type` names, built with `param` (a FillerParameter or a dict of
    its fields). Names are case sensitive, as in Caffe: "Gaussian" is unknown.

    Examples:
        >>> get_filler({"type": "gaussian", "std": 0.01})
        GaussianFiller(type: "gaussian" std: 0.01)
        >>> from fillers import FillerError
        >>> try:
        ...     get_filler({"type": "Gaussian"})
        ... except FillerError as error:
        ...     print(error)
        type: 'Gaussian' [Check failed: false Unknown filler name: Gaussian]; did you mean 'gaussian'?
    """
    if isinstance(param, Mapping):
        param = from_dict(param)
    return registry.get_filler(param)


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
        return get_filler(parse(spec))
    return get_filler(spec)
