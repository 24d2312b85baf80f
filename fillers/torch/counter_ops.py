"""Counter mode in torch ops, on any device: the bits of `Filler.fill(shape, dtype,
CounterRNG)` and of the compiled core, computed where a tensor lives (a GPU shard is filled
on its GPU). Internal: `fillers.torch.init` calls `fill_tensor` (see docs/counter.md).

torch has too few uint32 operations, so the words are int64 tensors holding values below
2**32; the shared math (`stream.philox`, `random.counter_normal`, `fill.counter_arrays`)
keeps every intermediate below 2**32 and runs here unchanged through `TorchNamespace`.
Eager torch ops round every operation on its own (no fused multiply-add), so the math's
`Ops.rounded` has nothing to do.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..errors import FillerError
from ..fill import counter_arrays
from ..fill.filler import Filler
from ..fill.layout import caffe_shape, layout_axes
from ..stream.counter import CounterRNG
from ..stream.philox import Ops


class _Unsigned:
    """uint32 / uint64 for the math: called on an int, the int; as a dtype, int64."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, value: int) -> int:
        return int(value)

    def __repr__(self) -> str:
        return f"TorchNamespace.{self.name}"


class TorchNamespace:
    """The array functions the counter-mode math calls, as torch ops on one device."""

    uint32 = _Unsigned("uint32")
    uint64 = _Unsigned("uint64")
    float32 = np.float32
    float64 = np.float64
    inf = float("inf")

    def __init__(self, device: torch.device) -> None:
        self.device = device

    @staticmethod
    def dtype(dtype: Any) -> torch.dtype:
        if isinstance(dtype, torch.dtype):
            return dtype
        if isinstance(dtype, _Unsigned):
            return torch.int64
        if dtype is bool:
            return torch.bool
        return {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}[np.dtype(dtype)]

    def full(self, shape: Any, value: Any, dtype: Any) -> torch.Tensor:
        return torch.full(tuple(shape), value, dtype=self.dtype(dtype), device=self.device)

    def arange(self, n: int, dtype: Any) -> torch.Tensor:
        return torch.arange(n, dtype=self.dtype(dtype), device=self.device)

    def zeros(self, shape: Any, dtype: Any) -> torch.Tensor:
        return torch.zeros(shape, dtype=self.dtype(dtype), device=self.device)

    def ones(self, shape: Any, dtype: Any) -> torch.Tensor:
        return torch.ones(tuple(shape), dtype=self.dtype(dtype), device=self.device)

    def asarray(self, values: Any) -> torch.Tensor:
        return torch.as_tensor(np.ascontiguousarray(values), device=self.device)

    def stack(self, arrays: Any, axis: int) -> torch.Tensor:
        return torch.stack(tuple(arrays), dim=axis)

    @staticmethod
    def where(condition: Any, a: Any, b: Any) -> torch.Tensor:
        return torch.where(condition, a, b)

    @staticmethod
    def sqrt(x: torch.Tensor) -> torch.Tensor:
        return torch.sqrt(x)

    @staticmethod
    def max(x: torch.Tensor) -> torch.Tensor:
        return torch.max(x)

    @staticmethod
    def broadcast_to(x: torch.Tensor, shape: Any) -> torch.Tensor:
        return torch.broadcast_to(x, tuple(shape))


class TorchOps(Ops):
    """`Ops` for torch: int64 words, bit casts through int32 / int64 views, and a correctly
    rounded float32 sqrt."""

    def __init__(self, device: torch.device) -> None:
        super().__init__(TorchNamespace(device), None, wide_multiply=False)

    def sqrt(self, x: torch.Tensor) -> torch.Tensor:
        """torch.sqrt is within an ulp, not correctly rounded (SLEEF's u05 on CPU: 0.8% of
        float64 and 0.7% of float32 results differ from IEEE's). For float32: the float64
        root rounded, then moved to a neighbour where the midpoint test says so, the midpoints
        and their squares being exact in float64 (25 and 50 bits); float32's root never lies
        on a midpoint. float64 has no such check here: `fill` refuses it."""
        if x.dtype != torch.float32:
            raise FillerError("dtype: float64 counter mode in torch ops is not available; use float32")
        y = torch.sqrt(x.double()).float()
        wide = x.double()
        up = torch.nextafter(y, torch.full_like(y, float("inf")))
        down = torch.nextafter(y, torch.full_like(y, float("-inf")))
        middle_up = (y.double() + up.double()) * 0.5
        middle_down = (y.double() + down.double()) * 0.5
        y = torch.where(middle_up * middle_up < wide, up, y)
        return torch.where((middle_down * middle_down > wide) & (y > 0), down, y)

    def astype(self, x: Any, dtype: Any) -> Any:
        return x.to(TorchNamespace.dtype(dtype))

    def bitcast(self, x: torch.Tensor, dtype: Any) -> torch.Tensor:
        if x.dtype == torch.float32:
            return x.view(torch.int32).to(torch.int64) & 0xFFFFFFFF
        if x.dtype == torch.float64:
            return x.view(torch.int64)  # counter mode's doubles are positive: below 2**63
        if dtype in (np.float32, TorchNamespace.float32):
            return torch.where(x >= 2**31, x - 2**32, x).to(torch.int32).view(torch.float32)
        return x.view(torch.float64)


def fill(
    filler: Filler, shape: tuple[int, ...], dtype: torch.dtype, rng: CounterRNG, device: Any
) -> torch.Tensor:
    """`filler.fill(shape, dtype, rng)` as a float32 tensor computed on `device` (Caffe's
    shape). The filler's checks run first."""
    if dtype != torch.float32:
        raise FillerError(
            f"dtype: {dtype}: counter mode in torch ops fills float32 only (torch's float64 sqrt is "
            "not correctly rounded); fill float64 on the CPU with numpy or the core"
        )
    fill_dtype = np.dtype(np.float32)
    checked = filler.checked_for(shape, fill_dtype, rng)
    return counter_arrays.fill(
        TorchOps(torch.device(device)), checked, shape, fill_dtype, rng, _sequential_sum
    )


def fill_tensor(filler: Filler, shape: Any, layout: str | None, rng: CounterRNG, device: Any) -> torch.Tensor:
    """A float32 tensor of `shape` in `layout` (None: Caffe's own), filled on `device` with
    the values `filler.fill(shape, rng=rng, layout=layout)` gives: `fillers.torch.fill_`'s
    counter mode for tensors off the CPU."""
    shape = tuple(int(n) for n in shape)
    blob = caffe_shape(shape, layout)
    values = fill(filler, blob, torch.float32, rng, device)
    if layout is None:
        return values
    return values.permute(layout_axes(layout, len(shape)))


def _sequential_sum(rows: torch.Tensor) -> torch.Tensor:
    # Left to right, column by column (torch.cumsum may add in another order on a GPU).
    total = torch.zeros(rows.shape[0], dtype=rows.dtype, device=rows.device)
    for column in range(rows.shape[1]):
        total = total + rows[:, column]
    return total
