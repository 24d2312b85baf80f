"""The seven Caffe fillers (include/caffe/filler.hpp, BVLC master and 1.0), and their checks.

A fill runs in two steps: `check` makes every check Caffe's `Fill` makes, in Caffe's order,
and raises FillerError with Caffe's text; only then does `generate` touch the output and the
stream. Caffe makes some of its checks after drawing (the sparse checks, the 0-D axis
checks); making them first changes no result Caffe produces, since Caffe aborts there.

Arithmetic on parameters happens in the blob's Dtype (np.float32 for Caffe's float,
np.float64 for double), as in the C++ templates.

A fill follows the Caffe release of its stream's profile (`Filler.profile`): Caffe 1.0 takes
fans from the legacy 4-D accessors num() and channels(), and centres bilinear differently.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet

import numpy as np

from .._proto.filler_pb2 import FillerParameter
from ..errors import FillerError
from ..io.limits import echo
from ..random import compiled, eras
from ..random.draws import CounterDraws, Draws, Stream, draws_for, profile_of, rewound_on_error, stream_for
from ..stream.counter import CounterRNG
from ..stream.profiles import BOX_MULLER, CAFFE_1_0, DEFAULT_PROFILE, Profile
from .layout import caffe_shape, is_caffe_order, layout_axes

Shape = tuple[int, ...]
Target = Sequence[int] | np.ndarray
Bounds = tuple[tuple[int, int], ...]
"""A region as (start, stop) per axis."""

_INT_MAX = 0x7FFFFFFF
_COUNTER_COUNT_LIMIT = 2**63 - 1
_count_limit: contextvars.ContextVar[int] = contextvars.ContextVar("count_limit", default=_INT_MAX)
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


@contextlib.contextmanager
def counter_mode_limits(active: bool = True) -> Iterator[None]:
    """Within this block (if `active`), a blob may hold up to 2**63 - 1 elements rather than
    Caffe's INT_MAX: counter mode addresses elements by 64-bit index and is made for tensors
    larger than one machine, which Caffe never fills. Every other check stays Caffe's."""
    token = _count_limit.set(_COUNTER_COUNT_LIMIT if active else _count_limit.get())
    try:
        yield
    finally:
        _count_limit.reset(token)


def count_of(shape: Shape) -> int:
    """The blob's element count, checked as Caffe's Blob::Reshape checks it.

    Every dimension must be >= 0, and the running count may not pass INT_MAX (Caffe checks
    `shape[i] <= INT_MAX / count` only while the count so far is non-zero); in counter mode
    (`counter_mode_limits`), 2**63 - 1.
    """
    limit = _count_limit.get()
    if len(shape) > _MAX_BLOB_AXES:
        raise check_failed(f"shape {shape}", "shape.size() <= kMaxBlobAxes", len(shape), _MAX_BLOB_AXES)
    count = 1
    for dim in shape:
        if dim < 0:
            raise check_failed(f"shape {shape}", "shape[i] >= 0", dim, 0, "dimensions must be >= 0")
        if count != 0 and dim > limit // count:
            raise check_failed(
                f"shape {shape}",
                f"shape[i] <= {limit:#x} / count_",
                dim,
                limit // count,
                "blob size exceeds INT_MAX" if limit == _INT_MAX else "blob size exceeds 2**63 - 1",
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


def legacy_fans(shape: Shape) -> tuple[int, int]:
    """Caffe 1.0's fan_in and fan_out: count / num() and count / channels(), the legacy
    accessors reading a missing axis as 1 (a 0-D blob has fans 1 and 1). Call
    `check_legacy_axes` first: they refuse blobs of more than 4 axes."""
    count = math.prod(shape)
    num = shape[0] if len(shape) > 0 else 1
    channels = shape[1] if len(shape) > 1 else 1
    return count // num, count // channels


def check_legacy_axes(shape: Shape) -> None:
    """Blob::LegacyShape's check, made by Caffe 1.0's num() and channels()."""
    if len(shape) > 4:
        raise check_failed(
            f"shape {shape}",
            "num_axes() <= 4",
            len(shape),
            4,
            "Cannot use legacy accessors on Blobs with > 4 axes.",
        )


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
    profile: Profile = DEFAULT_PROFILE
    """The build whose filler code and distributions this filler follows; `fill` takes it
    from its stream (see `for_profile`)."""

    def __init__(self, param: FillerParameter | None = None) -> None:
        self.param = FillerParameter() if param is None else param

    def for_profile(self, profile: Profile) -> Filler:
        """This filler as the build `profile` runs it: itself, or a copy whose `profile` is
        `profile` (a filler may be shared between streams of different profiles)."""
        if profile == self.profile:
            return self
        variant = copy.copy(self)
        variant.profile = profile
        return variant

    @property
    def caffe_1_0(self) -> bool:
        """Whether this fill follows Caffe 1.0's filler.hpp rather than master's."""
        return self.profile.caffe == CAFFE_1_0

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
        `fillers.fill.layout`); the result is Caffe's blob, filled in Caffe's shape, transposed
        into the layout. None: the array is in Caffe's own layout.
        Every check runs before the output or the stream is touched. If the fill fails
        anyway (an interrupt, a failing custom filler), the stream is rewound to where it
        stood and the contents of `out` are unspecified.

        Examples:
            >>> import numpy as np, fillers
            >>> uniform = fillers.get_filler({"type": "uniform", "min": -1, "max": 1})
            >>> uniform.fill((2, 3), rng=fillers.CaffeRNG(1701))  # Caffe's first six draws for seed 1701
            array([[-0.82113355,  0.03747821, -0.7692446 ],
                   [ 0.61336017,  0.03748786,  0.06374049]], dtype=float32)
            >>> out = np.zeros((4, 5, 3, 3), dtype=np.float64)  # Caffe's double, filled in place
            >>> uniform.fill(out, rng=fillers.CaffeRNG(1701)) is out
            True
            >>> uniform.fill((3, 3, 5, 4), rng=fillers.CaffeRNG(1), layout="HWIO").shape  # Caffe's (4,5,3,3)
            (3, 3, 5, 4)
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
            stream = stream_for(rng)
            filler = self.checked_for(shape, out_dtype, stream)
            if out is None:
                out = target = allocate(shape, out_dtype)
            with rewound_on_error(stream):
                filler.generate(out.reshape(-1), shape, draws_for(stream))
        return target

    def checked_for(self, shape: Shape, dtype: np.dtype, rng: Stream | None) -> Filler:
        """The filler of the stream's Caffe release (Caffe 1.0 or master; see
        `fillers.profiles()`), with every check `fill(shape, dtype, rng)` makes passed:
        FillerError otherwise. Nothing is drawn."""
        stream = stream_for(rng)
        filler = self.for_profile(profile_of(stream))
        with np.errstate(all="ignore"), counter_mode_limits(isinstance(stream, CounterRNG)):
            filler.check(shape, np.dtype(dtype))
        return filler

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

    def fill_region(
        self, shape: Sequence[int], region: Sequence[slice], rng: CounterRNG, dtype: object = np.float32
    ) -> np.ndarray:
        """The values of `region` of the tensor `fill(shape, dtype, rng)` fills, without the rest.

        region: one slice per axis (step 1; missing trailing axes are whole), e.g.
        `(slice(0, 64), slice(None))`. Equal bit for bit to `fill(shape, dtype=dtype,
        rng=rng)[region]` for every region: element i (in C order) takes the counter stream's
        draws for position i. rng must be a `fillers.CounterRNG`. For example
        `fill_region((1000, 1000), (slice(10, 20),), CounterRNG(1, key="w"))` is rows 10 to 19,
        a (10, 1000) array, computed without rows 0 to 9.

        Examples:
            >>> import fillers
            >>> gaussian = fillers.get_filler({"type": "gaussian", "std": 0.01})
            >>> rng = fillers.CounterRNG(1, key="w")
            >>> rows = gaussian.fill_region((1000, 100), (slice(10, 20),), rng)
            >>> rows.shape, bool((rows == gaussian.fill((1000, 100), rng=rng)[10:20]).all())
            ((10, 100), True)
        """
        if not isinstance(rng, CounterRNG):
            raise FillerError(
                f"rng: {rng!r} is not a fillers.CounterRNG; fill_region needs a counter stream, since on "
                "a sequential stream (CaffeRNG, numpy Generator) an element's value depends on every "
                "draw before it"
            )
        shape, dtype = shape_of(shape), supported_dtype(dtype)
        bounds = region_bounds(shape, region)
        with counter_mode_limits():
            self.check(shape, dtype)
        out = allocate(tuple(stop - start for start, stop in bounds), dtype)
        if out.size:
            self.generate_region(out, shape, bounds, rng)
        return out

    def check(self, shape: Shape, dtype: np.dtype) -> None:
        """Raise FillerError where Caffe's Fill would abort for this shape and Dtype."""
        count_of(shape)
        if not self.supports_sparse:
            self._check_no_sparse()

    def generate(self, data: np.ndarray, shape: Shape, draws: Draws) -> None:
        """Write the blob's values into the flat array `data` (shape `shape`)."""
        raise NotImplementedError(f"{type(self).__name__} must implement generate()")

    def generate_region(self, out: np.ndarray, shape: Shape, bounds: Bounds, rng: CounterRNG) -> None:
        """Write the values of the region `bounds` of the tensor of `shape` into `out`.

        This default is exact for element-wise fillers, whose element i takes the i-th draws
        of the stream: `generate` runs on each contiguous run of the region, its draws
        starting at the run's first element. Fillers that combine elements override it.
        """
        for start, run in contiguous_runs(shape, bounds, out):
            self.generate(run, shape, CounterDraws(rng, start))

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

    def _check_fan_axes(self, shape: Shape) -> None:
        """The axes fans are read from: Caffe 1.0's legacy num()/channels() refuse more than 4;
        master's shape(0) refuses a 0-D blob."""
        if self.caffe_1_0:
            check_legacy_axes(shape)
        elif len(shape) == 0:
            raise check_failed(
                "shape ()", "axis_index < num_axes()", 0, 0, "axis 0 out of range for 0-D Blob with shape (1)"
            )

    def __repr__(self) -> str:
        fields = " ".join(str(self.param).split())
        return f"{type(self).__name__}({fields})"


def region_bounds(shape: Shape, region: Sequence[slice]) -> Bounds:
    """`region` (slices, step 1, at most one per axis) as (start, stop) per axis of `shape`."""
    if isinstance(region, slice):
        region = (region,)
    try:
        region = tuple(region)
    except TypeError:
        raise FillerError(f"region: {region!r} is not a tuple of slices") from None
    if len(region) > len(shape):
        raise FillerError(f"region: {region!r} has {len(region)} slices for a {len(shape)}-D shape {shape}")
    bounds = []
    for axis, dim in enumerate(shape):
        part = region[axis] if axis < len(region) else slice(None)
        if not isinstance(part, slice):
            raise FillerError(f"region[{axis}]: {part!r} is not a slice")
        try:
            start, stop, step = part.indices(dim)
        except TypeError:
            raise FillerError(f"region[{axis}]: {part!r} has a bound that is not an int") from None
        if step != 1:
            raise FillerError(f"region[{axis}]: {part!r} has step {step}; a region is a block (step 1)")
        bounds.append((start, max(start, stop)))
    return tuple(bounds)


def contiguous_runs(shape: Shape, bounds: Bounds, out: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
    """The region `bounds` of a C-order tensor of `shape` as runs of consecutive elements:
    (the run's first flat index in the full tensor, the flat view of `out` it fills)."""
    ndim = len(shape)
    full_from = ndim
    while full_from > 0 and bounds[full_from - 1] == (0, shape[full_from - 1]):
        full_from -= 1
    # Axes from full_from on are whole, so a run spans them and the partial axis before them.
    run_axis = max(full_from - 1, 0)
    strides = [math.prod(shape[axis + 1 :]) for axis in range(ndim)]
    extents = [stop - start for start, stop in bounds]
    run_length = math.prod(extents[run_axis:])
    if run_length == 0:
        return
    runs = out.reshape(-1, run_length)
    offset = bounds[run_axis][0] * strides[run_axis] if ndim else 0
    for row, index in zip(runs, np.ndindex(*extents[:run_axis]), strict=True):
        start = offset + sum((bounds[axis][0] + i) * strides[axis] for axis, i in enumerate(index))
        yield start, row


def _check_uniform_bounds(
    dtype: np.dtype, low: np.floating, high: np.floating, subject: str, profile: Profile
) -> None:
    # caffe_rng_uniform's CHECK_LE(a, b), which NaN fails too.
    if not low <= high:
        raise check_failed(subject, "a <= b", low, high, "the lower bound must not exceed the upper")
    # Boost halves an infinite range forever (Caffe dies of a stack overflow), and a range
    # [max, max] never yields a value below its bound (Caffe hangs).
    if not (np.isfinite(low) and np.isfinite(high)):
        # Boost 1.54 has no halving: its loop never returns instead.
        fate = "never returns" if profile.boost_era == BOX_MULLER else "recurses until its stack overflows"
        raise FillerError(f"{subject}: uniform bounds must be finite (Caffe {fate})")
    if high == np.finfo(dtype).max and low == high:
        raise FillerError(f"{subject}: uniform on [max, max] never returns (Caffe loops forever)")
    if profile.boost_era == BOX_MULLER:
        eras.check_uniform_span(low, np.nextafter(high, np.finfo(dtype).max), subject)


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
        self._check_fan_axes(shape)
        self._check_no_sparse()

    def generate(self, data: np.ndarray, shape: Shape, draws: Draws) -> None:
        draws.uniform(data, 0, 1)
        # Caffe 1.0's num() reads a 0-D blob as one row.
        rows = data.reshape(shape[0] if shape else 1, -1)
        if compiled.available():
            compiled.normalize_rows(rows)
            return
        for block in _row_blocks(rows):
            block /= _sequential_row_sums(block)[:, None]

    def generate_region(self, out: np.ndarray, shape: Shape, bounds: Bounds, rng: CounterRNG) -> None:
        # The row sums are a reduction over whole rows: each touched row's uniforms are drawn
        # again (any element is reachable), summed as `generate` sums them.
        for start, run in contiguous_runs(shape, bounds, out):
            CounterDraws(rng, start).uniform(run, 0, 1)
        first, last = bounds[0]
        row_length = math.prod(shape[1:])
        per_block = max(1, _ROW_CHUNK // row_length)
        sums = np.empty(last - first, dtype=out.dtype)
        for row in range(first, last, per_block):
            rows = min(per_block, last - row)
            pieces = _drawn_column_chunks(rng, row * row_length, rows, row_length, out.dtype)
            sums[row - first : row - first + rows] = _running_row_sums(pieces, rows, out.dtype)
        out /= sums.reshape((-1,) + (1,) * (len(shape) - 1))


def _row_blocks(rows: np.ndarray) -> Iterator[np.ndarray]:
    per_block = max(1, _ROW_CHUNK // max(1, rows.shape[1]))
    for start in range(0, rows.shape[0], per_block):
        yield rows[start : start + per_block]


def _column_chunks(rows: np.ndarray) -> Iterator[np.ndarray]:
    """Copies of consecutive column ranges of `rows`, at most _ROW_CHUNK columns each."""
    for start in range(0, rows.shape[1], _ROW_CHUNK):
        yield np.array(rows[:, start : start + _ROW_CHUNK])


def _drawn_column_chunks(
    rng: CounterRNG, start: int, rows: int, row_length: int, dtype: np.dtype
) -> Iterator[np.ndarray]:
    """The U[0, 1) draws of `rows` whole rows from flat index `start`, as `_column_chunks` of
    them would give (a block of rows is drawn at once only when it fits in one chunk)."""
    draws = CounterDraws(rng, start)
    for column in range(0, row_length, _ROW_CHUNK):
        piece = np.empty((rows, min(_ROW_CHUNK, row_length - column)), dtype=dtype)
        draws.uniform(piece.reshape(-1), 0, 1)
        yield piece


def _sequential_row_sums(rows: np.ndarray) -> np.ndarray:
    """Each row's sum added left to right in the rows' dtype (np.sum adds pairwise, which
    rounds differently), a chunk of columns at a time."""
    return _running_row_sums(_column_chunks(rows), len(rows), rows.dtype)


def _running_row_sums(column_chunks: Iterable[np.ndarray], rows: int, dtype: np.dtype) -> np.ndarray:
    """The left-to-right row sums of rows given as consecutive column chunks (writable
    copies). The running sum is added to each chunk's first element as Caffe's loop would
    (0 + x = x for the first), so the chunking does not change a bit."""
    sums = np.zeros(rows, dtype=dtype)
    for index, running in enumerate(column_chunks):
        if index:
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
        self._check_fan_axes(shape)
        scale = self._scale(shape, dtype)
        subject = (
            f"variance_norm: {FillerParameter.VarianceNorm.Name(self.param.variance_norm)}, shape {shape}"
        )
        if self.distribution == "uniform":
            _check_uniform_bounds(dtype, -scale, scale, subject, self.profile)
        else:
            _check_sigma(scale, subject)
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
