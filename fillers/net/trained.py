"""Layers without a definition whose blobs a weights file gives (`--weights`, `weights=`).

Caffe would create such a layer's blobs in its own setup, fill them, then copy the file's
values over them (Net::CopyTrainedLayersFrom), so the file says how many blobs there are and
their shapes; its tops come from a shape rule. What the file cannot say is how the layer
filled them first, so how far it moved Caffe's stream: every random fill after it would start
from an unknown position. That is an error unless the weights give those blobs too (or each
blob has a counter stream of its own).
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import FillerError


def check_unknown_fills(plan: object, copied: Iterable[tuple[str, int]], *, keyed: bool = False) -> None:
    """Refuse a fill whose stream position a layer without a definition leaves unknown: after
    the first such layer, every blob a random filler fills must be given by the weights too.
    `keyed`: each blob draws from a counter stream of its own, so positions do not shift."""
    if keyed:
        return
    given = set(copied)
    unknown = None
    shifted: list[str] = []
    for layer in plan.layers:  # type: ignore[attr-defined]
        for blob in layer.blobs:
            if blob.unknown_fill:
                unknown = unknown or layer
            elif unknown is not None and _draws(blob) and (blob.layer, blob.index) not in given:
                shifted.append(f"{blob.layer} blob {blob.index}")
    if shifted:
        names = ", ".join(shifted[:3]) + (f" and {len(shifted) - 3} more" if len(shifted) > 3 else "")
        raise FillerError(
            f"layer {unknown.name!r} ({unknown.type}) takes its blobs from the weights, but how Caffe's "
            f"{unknown.type} fills them first, and so how far it moves the stream, is unknown: the fills "
            f"after it ({names}) would come out of an unknown stream position; define {unknown.type!r} "
            "(a plugin), or give weights for those layers too"
        )


def _draws(blob: object) -> bool:
    filler = blob.filler  # type: ignore[attr-defined]
    return filler is not None and filler.type != "constant"
