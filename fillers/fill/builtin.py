"""The seven Caffe fillers (include/caffe/filler.hpp, BVLC master and 1.0), and their checks.

Arithmetic on parameters happens in the blob's Dtype (np.float32 for Caffe's float,
np.float64 for double), as in the C++ templates.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from .._proto.filler_pb2 import FillerParameter
from ..random import rowsums
from ..random.draws import CounterDraws, Draws, check_sigma, check_uniform_range, draws_for
from ..stream.counter import CounterRNG
from .blob import Bounds, Shape, check_failed, contiguous_runs, fans, legacy_fans
from .filler import Filler


class ConstantFiller(Filler):
    """x = value."""

    def check(self, shape: Shape, dtype: np.dtype) -> None:
        self._check_count(shape, "data_")
        self._check_no_sparse()

    def generate(self, data: np.ndarray, shape: Shape, draws: Draws) -> None:
        data.fill(data.dtype.type(self.param.value))


class UniformFiller(Filler):
    """x ~ U[min, max], drawn on [min, nextafter(max)) as Caffe does."""

    def check(self, shape: Shape, dtype: np.dtype) -> None:
        self._check_count(shape, "blob->count()")
        rt = dtype.type
        check_uniform_range(
            dtype,
            rt(self.param.min),
            rt(self.param.max),
            f"min: {self.param.min}, max: {self.param.max}",
            self.profile,
        )
        self._check_no_sparse()

    def generate(self, data: np.ndarray, shape: Shape, draws: Draws) -> None:
        draws.uniform(data, self.param.min, self.param.max)


class GaussianFiller(Filler):
    """x ~ N(mean, std**2); with sparse = s >= 0, each x is then kept with probability
    p = s / shape[0] (a Bernoulli mask drawn after all the normals) and zeroed otherwise."""

    supports_sparse = True

    def check(self, shape: Shape, dtype: np.dtype) -> None:
        self._check_count(shape, "data_")
        check_sigma(dtype.type(self.param.std), f"std: {self.param.std}")
        sparse = self.param.sparse
        if sparse < -1:
            raise check_failed(
                f"sparse: {sparse}", "sparse >= -1", sparse, -1, "sparse must be -1 (dense) or >= 0"
            )
        if sparse >= 0:
            if len(shape) == 0:
                raise check_failed(
                    f"sparse: {sparse}, shape ()", "blob->num_axes() >= 1", 0, 1, "needs an axis"
                )
            p = self._keep_probability(shape, dtype)
            if not p <= 1:
                raise check_failed(
                    f"sparse: {sparse}, shape[0]: {shape[0]}",
                    "p <= 1",
                    p,
                    1,
                    "sparse may not exceed shape[0]",
                )

    def _keep_probability(self, shape: Shape, dtype: np.dtype) -> np.floating:
        rt = dtype.type
        return rt(self.param.sparse) / rt(shape[0])

    def generate(self, data: np.ndarray, shape: Shape, draws: Draws) -> None:
        draws.gaussian(data, self.param.mean, self.param.std)
        if self.param.sparse < 0:
            return
        # Caffe multiplies by the 0/1 mask: a dropped negative normal becomes -0.0.
        draws.bernoulli_mask(data, self._keep_probability(shape, data.dtype))


class PositiveUnitballFiller(Filler):
    """x ~ U[0, 1], then each row (the count / shape[0] elements of one shape[0] index)
    divided by its sum, the sum accumulated left to right in Dtype as Caffe does."""

    def check(self, shape: Shape, dtype: np.dtype) -> None:
        # Caffe's own count check is a DCHECK (debug builds only); release Caffe fails in
        # mutable_cpu_data() for an empty blob, as here.
        self._check_count(shape, "data_")
        self._check_fan_axes(shape)
        self._check_no_sparse()

    def generate(self, data: np.ndarray, shape: Shape, draws: Draws) -> None:
        draws.uniform(data, 0, 1)
        # Caffe 1.0's num() reads a 0-D blob as one row.
        draws.normalize_rows(data.reshape(shape[0] if shape else 1, -1))

    def generate_region(self, out: np.ndarray, shape: Shape, bounds: Bounds, rng: CounterRNG) -> None:
        # The row sums are a reduction over whole rows: each touched row's uniforms are drawn
        # again (any element is reachable), summed as `generate` sums them.
        for start, run in contiguous_runs(shape, bounds, out):
            CounterDraws(rng, start).uniform(run, 0, 1)
        first, last = bounds[0]
        row_length = math.prod(shape[1:])
        per_block = max(1, rowsums.ROW_CHUNK // row_length)
        sums = np.empty(last - first, dtype=out.dtype)
        for row in range(first, last, per_block):
            rows = min(per_block, last - row)
            pieces = _drawn_column_chunks(rng, row * row_length, rows, row_length, out.dtype)
            sums[row - first : row - first + rows] = rowsums.running_row_sums(pieces, rows, out.dtype)
        out /= sums.reshape((-1,) + (1,) * (len(shape) - 1))


def _drawn_column_chunks(
    rng: CounterRNG, start: int, rows: int, row_length: int, dtype: np.dtype
) -> Iterator[np.ndarray]:
    """The U[0, 1) draws of `rows` whole rows from flat index `start`, as `_column_chunks` of
    them would give (a block of rows is drawn at once only when it fits in one chunk)."""
    draws = CounterDraws(rng, start)
    for column in range(0, row_length, rowsums.ROW_CHUNK):
        piece = np.empty((rows, min(rowsums.ROW_CHUNK, row_length - column)), dtype=dtype)
        draws.uniform(piece.reshape(-1), 0, 1)
        yield piece


class VarianceScaledFiller(Filler):
    """Caffe's xavier and msra: variance scaled by n, where n is fan_in (FAN_IN), fan_out
    (FAN_OUT) or (fan_in + fan_out) / 2 (AVERAGE).

    xavier: x ~ U[-sqrt(3 / n), sqrt(3 / n)]; msra: x ~ N(0, 2 / n).
    Unlike Glorot's "xavier" in other frameworks, the default n is fan_in alone.
    """

    numerator = 3
    distribution = "uniform"

    def check(self, shape: Shape, dtype: np.dtype) -> None:
        self._check_count(shape, "blob->count()")
        self._check_fan_axes(shape)
        scale = self._scale(shape, dtype)
        subject = (
            f"variance_norm: {FillerParameter.VarianceNorm.Name(self.param.variance_norm)}, shape {shape}"
        )
        if self.distribution == "uniform":
            check_uniform_range(dtype, -scale, scale, subject, self.profile)
        else:
            check_sigma(scale, subject)
        self._check_no_sparse()

    def _scale(self, shape: Shape, dtype: np.dtype) -> np.floating:
        rt = dtype.type
        fan_in, fan_out = legacy_fans(shape) if self.caffe_1_0 else fans(shape)
        norm = self.param.variance_norm
        if norm == FillerParameter.AVERAGE:
            # Caffe adds the two ints in int32: the sum wraps for blobs near INT_MAX.
            fan_sum = (fan_in + fan_out + 2**31) % 2**32 - 2**31
            n = rt(fan_sum) / rt(2)
        elif norm == FillerParameter.FAN_OUT:
            n = rt(fan_out)
        else:
            n = rt(fan_in)
        with np.errstate(invalid="ignore"):
            return np.sqrt(rt(self.numerator) / n)

    def generate(self, data: np.ndarray, shape: Shape, draws: Draws) -> None:
        scale = self._scale(shape, data.dtype)
        if self.distribution == "uniform":
            draws.uniform(data, -scale, scale)
        else:
            draws.gaussian(data, 0, scale)


class XavierFiller(VarianceScaledFiller):
    """x ~ U[-sqrt(3 / n), sqrt(3 / n)], n from variance_norm (default fan_in)."""


class MSRAFiller(VarianceScaledFiller):
    """x ~ N(0, 2 / n), n from variance_norm (default fan_in)."""

    numerator = 2
    distribution = "gaussian"


class BilinearFiller(Filler):
    """The bilinear upsampling kernel of a (out, in, k, k) Deconvolution weight.

    f = ceil(k / 2), c = (k - 1) / (2 f), and element (y, x) of every kernel is
    (1 - |x / f - c|) * (1 - |y / f - c|). Caffe 1.0 centres at c = (2 f - 1 - f % 2) / (2 f)
    and computes in float for either Dtype.
    """

    def check(self, shape: Shape, dtype: np.dtype) -> None:
        if len(shape) != 4:
            raise check_failed(
                f"shape {shape}", "blob->num_axes() == 4", len(shape), 4, caffe="Blob must be 4 dim."
            )
        if shape[3] != shape[2]:
            raise check_failed(
                f"shape {shape}",
                "blob->width() == blob->height()",
                shape[3],
                shape[2],
                caffe="Filter must be square",
            )
        self._check_count(shape, "data_")
        self._check_no_sparse()

    def generate(self, data: np.ndarray, shape: Shape, draws: Draws) -> None:
        width = shape[3]
        f = math.ceil(width / 2.0)
        if self.caffe_1_0:
            # `float c = (2 * f - 1 - f % 2) / (2. * f)`, and float x, y: float for double too.
            rt = np.float32
            c = rt((2 * f - 1 - f % 2) / (2.0 * f))
        else:
            rt = data.dtype.type
            c = rt((width - 1) / (2.0 * f))
        line = 1 - np.abs(np.arange(width).astype(rt) / rt(f) - c)
        data.reshape(-1, width, width)[:] = line[:, None] * line[None, :]

    def generate_region(self, out: np.ndarray, shape: Shape, bounds: Bounds, rng: CounterRNG) -> None:
        kernel = np.empty(shape[2:], dtype=out.dtype)
        self.generate(kernel.reshape(-1), (1, 1, *shape[2:]), draws_for(rng))
        (y0, y1), (x0, x1) = bounds[2:]
        out[:] = kernel[y0:y1, x0:x1]


BUILTIN_FILLERS: dict[str, type[Filler]] = {
    "constant": ConstantFiller,
    "gaussian": GaussianFiller,
    "positive_unitball": PositiveUnitballFiller,
    "uniform": UniformFiller,
    "xavier": XavierFiller,
    "msra": MSRAFiller,
    "bilinear": BilinearFiller,
}
"""Caffe's seven fillers under the names GetFiller knows them by."""
