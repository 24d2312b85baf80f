"""What `--plugin FILE.py` and `--shape-rule TYPE=same` give the library: the plugin files
run (they register fillers and layer types), and shape rules by layer type."""

from __future__ import annotations

import os
import runpy
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


def shape_rules(texts: Sequence[str]) -> dict[str, str]:
    """`--shape-rule TYPE=same` flags as shape_rules; "same" is the rule a flag can give."""
    rules = {}
    for text in texts:
        layer_type, equals, rule = text.partition("=")
        if not equals or not layer_type or rule != "same":
            raise FillerError(
                f"--shape-rule: {text!r} is not TYPE=same (each top shaped like bottom 0); "
                "other mappings need --plugin FILE.py"
            )
        rules[layer_type] = rule
    return rules
