"""Keras 3 bridge: a Caffe filler as a `keras.initializers.Initializer`, usable as
`kernel_initializer=` with any Keras backend (JAX, torch, TensorFlow).

Install with `pip install fillers[keras]`. Only this module imports keras, and only when it
is imported itself: `import fillers` never does.

Keras creates its variables eagerly, so the initializer fills through fillers' own stream
and gives Caffe's bits: with `seed=s`, each call continues the stream Caffe's
`set_random_seed(s)` starts (so a model built twice from the same config is the same
model); without, the global stream (`fillers.set_random_seed`). Kernels are channels-last:
the default layout is "HWIO" for a Conv2D kernel, "IO" for a Dense kernel, "DHWIO" for a
Conv3D kernel, "O" for a bias (`fillers.layout.channels_last`).

>>> import keras, fillers.keras as fk
>>> layer = keras.layers.Dense(10, kernel_initializer=fk.Initializer('type: "xavier"', seed=1))
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from .errors import FillerError
from .fill.blob import shape_of
from .fill.layout import channels_last, check_layout
from .fill.registry import Spec, as_filler
from .spec.parameter import to_dict
from .stream.caffe import CaffeRNG, check_seed


@keras.saving.register_keras_serializable(package="fillers")
class Initializer(keras.initializers.Initializer):
    """A Keras initializer filling with the Caffe filler `spec` names (a Filler,
    FillerParameter, dict of its fields, or protobuf text).

    layout: how the kernel's axes map onto Caffe's blob axes; None: channels-last by rank.
    seed: a uint32 seed for a stream of this initializer's own (Caffe's bits for that
    seed), or None for the global stream. float32 and float64 variables get Caffe's float
    and double bits; other float dtypes are filled in float32 and cast.
    `get_config`/`from_config` round-trip the spec, the layout and the seed.
    """

    def __init__(self, spec: Spec, layout: str | None = None, seed: int | None = None) -> None:
        self.filler = as_filler(spec)
        self.spec = to_dict(self.filler.param)
        self.layout = None if layout is None else check_layout(layout)
        self.seed = None if seed is None else check_seed(seed)
        self._rng = None if seed is None else CaffeRNG(self.seed)

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        dims = shape_of(shape)
        dtype = keras.backend.standardize_dtype(dtype or keras.config.floatx())
        if not keras.backend.is_float_dtype(dtype):
            raise FillerError(f"dtype: {dtype!r} is not a floating dtype")
        fill_dtype = np.float64 if dtype == "float64" else np.float32
        layout = channels_last(len(dims)) if self.layout is None else self.layout
        values = self.filler.fill(dims, fill_dtype, self._rng, layout=layout)
        return keras.ops.convert_to_tensor(values, dtype=dtype)

    def get_config(self) -> dict[str, Any]:
        return {"spec": dict(self.spec), "layout": self.layout, "seed": self.seed}
