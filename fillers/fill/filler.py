"""The filler base class: `fill` (checks first, then one pass over the stream's draws) and
`fill_region` (counter mode).

A fill runs in two steps: `check` makes every check Caffe's `Fill` makes, in Caffe's order,
and raises FillerError with Caffe's text; only then does `generate` touch the output and the
stream. Caffe makes some of its checks after drawing (the sparse checks, the 0-D axis
checks); making them first changes no result Caffe produces, since Caffe aborts there.

A fill follows the Caffe release of its stream's profile (`Filler.profile`): Caffe 1.0 takes
fans from the legacy 4-D accessors num() and channels(), and centres bilinear differently.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np

from .._proto.filler_pb2 import FillerParameter
from ..errors import FillerError
from ..random.draws import CounterDraws, Draws, RNGLike, draws_for, rewound_on_error
from ..stream.counter import CounterRNG
from ..stream.profiles import CAFFE_1_0, DEFAULT_PROFILE, Profile
from .blob import (
    Bounds,
    Shape,
    Target,
    allocate,
    check_failed,
    check_legacy_axes,
    contiguous_runs,
    count_of,
    counter_mode_limits,
    region_bounds,
    shape_of,
    supported_dtype,
)
from .layout import caffe_shape, is_caffe_order, layout_axes


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
        rng: RNGLike | None = None,
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
            draws = draws_for(rng)
            filler = self._checked(shape, out_dtype, draws)
            if out is None:
                out = target = allocate(shape, out_dtype)
            with rewound_on_error(draws.stream):
                filler.generate(out.reshape(-1), shape, draws)
        return target

    def checked_for(self, shape: Shape, dtype: np.dtype, rng: RNGLike | None) -> Filler:
        """The filler of the stream's Caffe release (Caffe 1.0 or master; see
        `fillers.profiles()`), with every check `fill(shape, dtype, rng)` makes passed:
        FillerError otherwise. Nothing is drawn."""
        return self._checked(shape, np.dtype(dtype), draws_for(rng))

    def _checked(self, shape: Shape, dtype: np.dtype, draws: Draws) -> Filler:
        filler = self.for_profile(draws.profile)
        with np.errstate(all="ignore"), counter_mode_limits(isinstance(draws, CounterDraws)):
            filler.check(shape, dtype)
        return filler

    def _fill_in_layout(self, target: Target, dtype: object, rng: RNGLike | None, layout: str) -> np.ndarray:
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

        Cost: proportional to the region, except for positive_unitball, whose row sums draw
        every row the region touches whole (rows of at most INT_MAX values, its `check`'s limit).

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
            raise check_failed(f"shape {shape}", check_text, explanation="the blob is empty")

    def _check_no_sparse(self) -> None:
        sparse = self.param.sparse
        if sparse != -1:
            raise check_failed(
                f"sparse: {sparse}",
                "this->filler_param_.sparse() == -1",
                sparse,
                -1,
                caffe="Sparsity not supported by this Filler.",
            )

    def _check_fan_axes(self, shape: Shape) -> None:
        """The axes fans are read from: Caffe 1.0's legacy num()/channels() refuse more than 4;
        master's shape(0) refuses a 0-D blob."""
        if self.caffe_1_0:
            check_legacy_axes(shape)
        elif len(shape) == 0:
            raise check_failed(
                "shape ()",
                "axis_index < num_axes()",
                0,
                0,
                caffe="axis 0 out of range for 0-D Blob with shape (1)",
            )

    def __repr__(self) -> str:
        fields = " ".join(str(self.param).split())
        return f"{type(self).__name__}({fields})"
