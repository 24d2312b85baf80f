"""Keras 3 bridge: a Caffe filler as a `keras.initializers.Initializer`, usable as
`kernel_initializer=` with any Keras backend (JAX, torch, TensorFlow).

Install with `pip install fillers[keras]`. Only this module imports keras, and only when it
is imported itself: `import fillers` never does.

Keras creates its variables eagerly, so the initializer fills through fillers' own stream
and gives Caffe's bits. As Keras's own seeded initializers do, one with `seed=s` returns the
same values on every call: those of a fresh stream Caffe's `set_random_seed(s)` starts, so
a model built twice from the same config is the same model. Without a seed, each call
continues the global stream (`fillers.set_random_seed`) and draws new values. Kernels are
channels-last: the default layout is "HWIO" for a Conv2D kernel, "IO" for a Dense kernel,
"DHWIO" for a Conv3D kernel, "O" for a bias (`fillers.fill.layout.channels_last`).

Examples:
    >>> import keras, fillers.keras as fk
    >>> layer = keras.layers.Dense(10, kernel_initializer=fk.Initializer('type: "xavier"', seed=1))
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import keras
import numpy as np

from .errors import FillerError
from .fill.blob import shape_of
from .fill.layout import channels_last, check_layout
from .spec.parameter import to_dict
from .spec.resolve import Spec, as_filler
from .stream.caffe import CaffeRNG, check_seed


# The class name must not be Keras's own "Initializer": a model loaded without this module
# would then deserialize Keras's abstract base class instead of naming fillers.
@keras.saving.register_keras_serializable(package="fillers")
class FillerInitializer(keras.initializers.Initializer):
    """A Keras initializer filling with the Caffe filler `spec` names (a Filler,
    FillerParameter, dict of its fields, or protobuf text).

    layout: how the kernel's axes map onto Caffe's blob axes; None: channels-last by rank.
    seed: a uint32 seed: every call fills from a fresh `CaffeRNG(seed)` (Caffe's bits for
    that seed, the same values each time, as `keras.initializers.HeNormal(seed=1)` repeats
    its own); None: each call continues the global stream. float32 and float64 variables
    get Caffe's float and double bits; other float dtypes are filled in float32 and cast.
    `get_config`/`from_config` round-trip the spec, the layout and the seed. Saved models
    name it "fillers>FillerInitializer": loading one needs `import fillers.keras` first.

    Examples:
        >>> import fillers
        >>> init = Initializer('type: "msra"', seed=1)
        >>> kernel = init((3, 3, 16, 64), dtype="float32")
        >>> caffe = fillers.get_filler({"type": "msra"}).fill((64, 16, 3, 3), rng=fillers.CaffeRNG(1))
        >>> bool((keras.ops.convert_to_numpy(kernel) == caffe.transpose(2, 3, 1, 0)).all())
        True
        >>> bool((keras.ops.convert_to_numpy(init((3, 3, 16, 64))) == caffe.transpose(2, 3, 1, 0)).all())
        True
        >>> Initializer.from_config(init.get_config()).seed
        1
    """

    def __init__(self, spec: Spec, layout: str | None = None, seed: int | None = None) -> None:
        self.filler = as_filler(spec)
        self.spec = to_dict(self.filler.param)
        self.layout = None if layout is None else check_layout(layout)
        self.seed = None if seed is None else check_seed(seed)

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        dims = shape_of(shape)
        try:
            dtype = keras.backend.standardize_dtype(dtype or keras.config.floatx())
        except (TypeError, ValueError, AttributeError) as error:
            raise FillerError(f"dtype: {dtype!r} is not a dtype Keras knows: {error}") from None
        if not keras.backend.is_float_dtype(dtype):
            raise FillerError(f"dtype: {dtype!r} is not a floating dtype")
        fill_dtype = np.float64 if dtype == "float64" else np.float32
        layout = channels_last(len(dims)) if self.layout is None else self.layout
        rng = None if self.seed is None else CaffeRNG(self.seed)
        values = self.filler.fill(dims, fill_dtype, rng, layout=layout)
        return keras.ops.convert_to_tensor(values, dtype=dtype)

    def get_config(self) -> dict[str, Any]:
        return {"spec": dict(self.spec), "layout": self.layout, "seed": self.seed}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> FillerInitializer:
        """The initializer `get_config` describes; FillerError naming a missing or unknown key."""
        if not isinstance(config, Mapping):
            raise FillerError(f"config: {config!r} is not a dict of spec, layout and seed")
        if "spec" not in config:
            raise FillerError(
                f"config: {dict(config)!r} has no 'spec' (the filler, e.g. {{'type': 'xavier'}})"
            )
        unknown = sorted(set(config) - {"spec", "layout", "seed"})
        if unknown:
            raise FillerError(f"config: unknown keys {unknown}; an initializer has spec, layout and seed")
        return cls(**config)


Initializer = FillerInitializer
"""The public name (`fillers.keras.Initializer`)."""

# Files saved before the class took its own name carry "fillers>Initializer".
keras.saving.get_custom_objects().setdefault("fillers>Initializer", FillerInitializer)
