"""What `--plugin FILE.py`, `--proto FILE` and `--shape-rule TYPE=same` give the library: the
plugin files run (they register fillers and layer types), a fork's caffe.proto declared, and
shape rules by layer type."""

from __future__ import annotations

import os
import runpy
import sys
from collections.abc import Sequence

from ..errors import FillerError


def load_plugins(paths: Sequence[str]) -> None:
    """Run each --plugin file, which registers layers (or fillers) as it is imported."""
    for path in paths:
        if not os.path.isfile(path):
            raise FillerError(f"--plugin {path}: no such file")
        try:
            runpy.run_path(path, run_name="fillers_plugin")
        except FillerError as error:
            raise FillerError(f"--plugin {path}: {error}") from None
        except Exception as error:  # a plugin is user code: any failure is reported, not raised
            raise FillerError(f"--plugin {path}: {type(error).__name__}: {error}") from None


def load_protos(paths: Sequence[str], command: str) -> None:
    """Declare each --proto file's fields (a fork's caffe.proto) for every layer type."""
    from ..net.proto_schema import declare_proto

    for path in paths:
        try:
            kept = declare_proto(path, origin=f"--proto {path}")
        except FillerError as error:
            message = str(error)
            raise FillerError(message if message.startswith(path) else f"--proto {path}: {message}") from None
        for line in kept:
            print(
                f"fillers {command}: note: --proto {path}: kept caffe.proto's rules for {line}",
                file=sys.stderr,
            )


def shape_rules(texts: Sequence[str]) -> dict[str, str]:
    """`--shape-rule TYPE=RULE` flags as shape_rules: RULE is "same" (each top shaped like
    bottom 0), "bottom:K" (like bottom K) or the top's dims ("1,3,224,224")."""
    rules = {}
    for text in texts:
        layer_type, equals, rule = text.partition("=")
        well_formed = rule == "same" or (rule.startswith("bottom:") and rule[7:].isdigit())
        well_formed = well_formed or (bool(rule) and all(part.strip().isdigit() for part in rule.split(",")))
        if not equals or not layer_type or not well_formed:
            raise FillerError(
                f"--shape-rule: {text!r} is not TYPE=same (each top shaped like bottom 0), "
                "TYPE=bottom:K (like bottom K) or TYPE=DIMS (the top's shape, e.g. 1,3,224,224); "
                "other mappings need --plugin FILE.py"
            )
        rules[layer_type] = rule
    return rules
