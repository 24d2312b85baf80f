"""The seven Caffe fillers (include/caffe/filler.hpp, BVLC master), and their checks.

A fill runs in two steps: `check` makes every check Caffe's `Fill` makes, in Caffe's order,
and raises FillerError with Caffe's text; only then does `generate` touch the output and the
stream. Caffe makes some of its checks after drawing (the sparse checks, the 0-D axis
checks); making them first changes no result Caffe produces, since Caffe aborts there.

Arithmetic on parameters happens in the blob's Dtype (np.float32 for Caffe's float,
np.float64 for double), as in the C++ templates.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet

import numpy as np

from . import core
from ._proto.filler_pb2 import FillerParameter
from .draws import Draws, Stream, draws_for, rewound_on_error, stream_for
from .errors import FillerError
from .layout import caffe_shape, is_caffe_order, layout_axes
from .limits import echo

Shape = tuple[int, ...]
Target = Sequence[int] | np.ndarray

_INT_MAX = 0x7FFFFFFF
_MAX_BLOB_AXES = 32
_SUPPORTED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_ROW_CHUNK = 1 << 16
"""Elements per chunk when summing positive_unitball rows."""


def check_failed(
    subject: str, condition: str, lhs: object, rhs: object, explanation: str = ""
) -> FillerError:
    """A FillerError for a failed Caffe CHECK: the field and value first, then Caffe's text."""
    caffe = f"Check failed: {condition} ({lhs} vs. {rhs})"
    return FillerError(f"{subject}: {explanation} [{caffe}]" if explanation else f"{subject} [{caffe}]")


def count_of(shape: Shape) -> int:
    """The blob's element count, checked as Caffe's Blob::Reshape checks it.

    Every dimension must be >= 0, and the running count may not pass INT_MAX (Caffe checks
    `shape[i] <= INT_MAX / count` only while the count so far is non-zero).
    """
    if len(shape) > _MAX_BLOB_AXES:
        raise check_failed(f"shape {shape}", "shape.size() <= kMaxBlobAxes", len(shape), _MAX_BLOB_AXES)
    count = 1
    for dim in shape:
        if dim < 0:
            raise check_failed(f"shape {shape}", "shape[i] >= 0", dim, 0, "dimensions must be >= 0")
        if count != 0 and dim > _INT_MAX // count:
            raise check_failed(
                f"shape {shape}",
                "shape[i] <= 0x7fffffff / count_",
                dim,
                _INT_MAX // count,
                "blob size exceeds INT_MAX",
            )
        count *= dim
    return count


def fans(shape: Shape) -> tuple[int, int]:
    """Caffe's fan_in and fan_out of a blob.

    fan_in = count / shape[0]; fan_out = count / shape[1] if the blob has 2+ axes, else
    count (integer division). For a (num_output, channels, kh, kw) weight that is
    channels * kh * kw and num_output * kh * kw.
    """
    count = math.prod(shape)
    fan_in = count // shape[0]
    fan_out = count // shape[1] if len(shape) > 1 else count
    return fan_in, fan_out


def shape_of(target: Sequence[int]) -> Shape:
    """`target` as a tuple of ints, or FillerError naming it.

    Bytes, bytearrays, memoryviews and strings iterate as numbers or characters, sets and
    mappings in no order of dimensions: none of them is meant as a shape, and all are refused.
    """
    if isinstance(target, (str, bytes, bytearray, memoryview, AbstractSet, Mapping)):
        raise FillerError(f"shape: {echo(repr(target))} is not a sequence of ints")
    try:
        dims = tuple(target)
    except TypeError:
        raise FillerError(f"shape: {echo(repr(target))} is not a sequence of ints") from None
    if not all(isinstance(d, (int, np.integer)) and not isinstance(d, (bool, np.bool_)) for d in dims):
        raise FillerError(f"shape: {echo(repr(target))} is not a sequence of ints")
    return tuple(int(d) for d in dims)


def allocate(shape: Shape, dtype: np.dtype, *, zeroed: bool = False) -> np.ndarray:
    """A new blob (of zeros if `zeroed`), or FillerError if memory cannot hold it."""
    try:
        return np.zeros(shape, dtype=dtype) if zeroed else np.empty(shape, dtype=dtype)
    except MemoryError:
        raise FillerError(f"shape {shape}: {math.prod(shape)} {dtype} values do not fit in memory") from None


def supported_dtype(dtype: object) -> np.dtype:
    """float32 or float64 as a numpy dtype; any other dtype is a FillerError naming both."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved is None or resolved not in _SUPPORTED_DTYPES:
        raise FillerError(
            f"dtype: {dtype!r} is not supported; "
            "fillers write float32 (Caffe's float) or float64 (Caffe's double)"
        )
    return resolved


class Filler:
    """A Caffe filler: a FillerParameter and a `fill` that writes a blob.

    Subclasses implement `generate` (and `check` for their own preconditions); register
    them with `fillers.register(name)` so `get_filler` finds them by `param.type`.
    """

    supports_sparse = False

    def __init__(self, param: FillerParameter | None = None) -> None:
        self.param = FillerParameter() if param is None else param

    def fill(
        self,
        target: Target,
        dtype: object = None,
        rng: Stream | None = None,
        *,
        layout: str | None = None,
    ) -> np.ndarray:
        """Fill a new array of shape `target`, or the array `target` in place, and return it.

        dtype: float32 (Caffe's float, the default) or float64 (double); for an array
        target it must match the array. rng: a CaffeRNG (Caffe's bits), a numpy Generator
        (numpy's speed and bits) or None (the global stream, see `set_random_seed`).
        layout: how the array's axes map onto Caffe's blob axes ("HWIO", "IO", ...; see
        `fillers.layout`); the result is Caffe's blob, filled in Caffe's shape, transposed
        into the layout. None: the array is in Caffe's own layout.
        Every check runs before the output or the stream is touched. If the fill fails
        anyway (an interrupt, a failing custom filler), the stream is rewound to where it
        stood and the contents of `out` are unspecified.
        """
        if layout is not None:
            return self._fill_in_layout(target, dtype, rng, layout)
        if isinstance(target, np.ndarray):
            # A subclass (np.matrix: reshape(-1) stays 2-D) is filled through its plain view.
            out = target.view(np.ndarray)
            if dtype is not None and supported_dtype(dtype) != out.dtype:
                raise FillerError(f"dtype: {dtype!r} does not match the output array's dtype {out.dtype}")
            if out.dtype.kind in "iu" and out.ndim == 1:
                raise FillerError(
                    f"out: an integer array {out[:8].tolist()} is filled in place only if float32 or "
                    "float64; pass a shape as a tuple"
                )
            supported_dtype(out.dtype)
            if not out.flags.c_contiguous or not out.flags.writeable:
                raise FillerError("out: the output array must be C-contiguous and writable")
            shape, out_dtype = out.shape, out.dtype
        else:
            out = None
            shape, out_dtype = shape_of(target), supported_dtype(np.float32 if dtype is None else dtype)
        # Caffe's arithmetic overflows to inf without a trap: so must ours, whatever np.seterr says.
        with np.errstate(all="ignore"):
            self.check(shape, out_dtype)
            stream = stream_for(rng)
            if out is None:
                out = target = allocate(shape, out_dtype)
            with rewound_on_error(stream):
                self.generate(out.reshape(-1), shape, draws_for(stream))
        return target

    def _fill_in_layout(self, target: Target, dtype: object, rng: Stream | None, layout: str) -> np.ndarray:
        # Caffe's blob is filled in Caffe's shape, then transposed: the one extra copy a
        # layout other than Caffe's own costs.
        shape = target.shape if isinstance(target, np.ndarray) else shape_of(target)
        axes = layout_axes(layout, len(shape))
        if is_caffe_order(axes):
            return self.fill(target, dtype, rng)
        blob_shape = caffe_shape(shape, layout)
        if isinstance(target, np.ndarray):
            if dtype is not None and supported_dtype(dtype) != target.dtype:
                raise FillerError(f"dtype: {dtype!r} does not match the output array's dtype {target.dtype}")
            supported_dtype(target.dtype)
            if not target.flags.writeable:
                raise FillerError("out: the output array must be writable")
            target[...] = self.fill(blob_shape, target.dtype, rng).transpose(axes)
            return target
        return np.ascontiguousarray(self.fill(blob_shape, dtype, rng).transpose(axes))

    def check(self, shape: Shape, dtype: np.dtype) -> None:
        """Raise FillerError where Caffe's Fill would abort for this shape and Dtype."""
        count_of(shape)
        if not self.supports_sparse:
            self._check_no_sparse()

    def generate(self, data: np.ndarray, shape: Shape, draws: Draws) -> None:
        """Write the blob's values into the flat array `data` (shape `shape`)."""
        raise NotImplementedError(f"{type(self).__name__} must implement generate()")

    def _check_count(self, shape: Shape, check_text: str) -> None:
        # Caffe checks an empty blob either by CHECK(count) or, for fillers that ask for the
        # data pointer first, inside mutable_cpu_data(): which text it prints depends on that.
        if count_of(shape) == 0:
            raise check_failed(f"shape {shape}", check_text, 0, 0, "the blob is empty")

    def _check_no_sparse(self) -> None:
        sparse = self.param.sparse
        if sparse != -1:
            raise check_failed(
                f"sparse: {sparse}",
                "this->filler_param_.sparse() == -1",
                sparse,
                -1,
                "Sparsity not supported by this Filler.",
            )

    def _check_has_axis(self, shape: Shape) -> None:
        if len(shape) == 0:
            raise check_failed(
                "shape ()", "axis_index < num_axes()", 0, 0, "axis 0 out of range for 0-D Blob with shape (1)"
            )

    def __repr__(self) -> str:
        fields = " ".join(str(self.param).split())
        return f"{type(self).__name__}({fields})"


def _check_uniform_bounds(dtype: np.dtype, low: np.floating, high: np.floating, subject: str) -> None:
    # caffe_rng_uniform's CHECK_LE(a, b), which NaN fails too.
    if not low <= high:
        raise check_failed(subject, "a <= b", low, high, "the lower bound must not exceed the upper")
    # Boost halves an infinite range forever (Caffe dies of a stack overflow), and a range
    # [max, max] never yields a value below its bound (Caffe hangs).
    if not (np.isfinite(low) and np.isfinite(high)):
        raise FillerError(
            f"{subject}: uniform bounds must be finite (Caffe recurses until its stack overflows)"
        )
    if high == np.finfo(dtype).max and low == high:
        raise FillerError(f"{subject}: uniform on [max, max] never returns (Caffe loops forever)")


def _check_sigma(sigma: np.floating, subject: str) -> None:
    # caffe_rng_gaussian's CHECK_GT(sigma, 0), which NaN fails too.
    if not sigma > 0:
        raise check_failed(subject, "sigma > 0", sigma, 0, "the standard deviation must be > 0")


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
        _check_uniform_bounds(
            dtype, rt(self.param.min), rt(self.param.max), f"min: {self.param.min}, max: {self.param.max}"
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
        _check_sigma(dtype.type(self.param.std), f"std: {self.param.std}")
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
        self._check_has_axis(shape)
        self._check_no_sparse()

    def generate(self, data: np.ndarray, shape: Shape, draws: Draws) -> None:
        draws.uniform(data, 0, 1)
        rows = data.reshape(shape[0], -1)
        if core.available():
            core.normalize_rows(rows)
            return
        for block in _row_blocks(rows):
            block /= _sequential_row_sums(block)[:, None]


def _row_blocks(rows: np.ndarray) -> Iterator[np.ndarray]:
    per_block = max(1, _ROW_CHUNK // max(1, rows.shape[1]))
    for start in range(0, rows.shape[0], per_block):
        yield rows[start : start + per_block]


def _sequential_row_sums(rows: np.ndarray) -> np.ndarray:
    """Each row's sum added left to right in the rows' dtype (np.sum adds pairwise, which
    rounds differently). Long rows are summed a chunk at a time, the running sum added to
    each chunk's first element as Caffe's loop would (0 + x = x for the first)."""
    sums = np.zeros(rows.shape[0], dtype=rows.dtype)
    for start in range(0, rows.shape[1], _ROW_CHUNK):
        running = np.array(rows[:, start : start + _ROW_CHUNK])
        if start:
            running[:, 0] += sums
        np.add.accumulate(running, axis=1, out=running)
        sums = running[:, -1]
    return sums


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
        self._check_has_axis(shape)
        scale = self._scale(shape, dtype)
        subject = (
            f"variance_norm: {FillerParameter.VarianceNorm.Name(self.param.variance_norm)}, shape {shape}"
        )
        if self.distribution == "uniform":
            _check_uniform_bounds(dtype, -scale, scale, subject)
        else:
            _check_sigma(scale, subject)
        self._check_no_sparse()

    def _scale(self, shape: Shape, dtype: np.dtype) -> np.floating:
        rt = dtype.type
        fan_in, fan_out = fans(shape)
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
    (1 - |x / f - c|) * (1 - |y / f - c|).
    """

    def check(self, shape: Shape, dtype: np.dtype) -> None:
        if len(shape) != 4:
            raise check_failed(
                f"shape {shape}", "blob->num_axes() == 4", len(shape), 4, "Blob must be 4 dim."
            )
        if shape[3] != shape[2]:
            raise check_failed(
                f"shape {shape}",
                "blob->width() == blob->height()",
                shape[3],
                shape[2],
                "Filter must be square",
            )
        self._check_count(shape, "data_")
        self._check_no_sparse()

    def generate(self, data: np.ndarray, shape: Shape, draws: Draws) -> None:
        rt = data.dtype.type
        width = shape[3]
        f = math.ceil(width / 2.0)
        c = rt((width - 1) / (2.0 * f))
        line = 1 - np.abs(np.arange(width).astype(data.dtype) / rt(f) - c)
        data.reshape(-1, width, width)[:] = line[:, None] * line[None, :]


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
