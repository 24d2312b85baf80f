"""Hypothesis strategies shared by the spec tests."""

from __future__ import annotations

import math

from hypothesis import strategies as st

from fillers.spec.parameter import FillerParameter

FLOAT_FIELDS = ["value", "min", "max", "mean", "std"]

# Every float32, the edges included (subnormals, the largest finite, -0.0, the infinities);
# NaN only as the canonical quiet NaN, since no format keeps a NaN's sign or payload.
float32s = st.floats(width=32, allow_nan=False) | st.just(math.nan)


@st.composite
def filler_parameters(draw: st.DrawFn) -> FillerParameter:
    """Any FillerParameter: each field present or not, with any value its type allows."""
    values = {
        "type": st.text(),
        **dict.fromkeys(FLOAT_FIELDS, float32s),
        "sparse": st.integers(-(2**31), 2**31 - 1),
        "variance_norm": st.sampled_from([0, 1, 2]),
    }
    present = draw(st.lists(st.sampled_from(list(values)), unique=True))
    return FillerParameter(**{name: draw(values[name]) for name in present})


def same_message(a: FillerParameter, b: FillerParameter) -> bool:
    """Equal fields and presence; bytes compare NaN fields as equal, unlike ==."""
    return a.SerializeToString() == b.SerializeToString()
