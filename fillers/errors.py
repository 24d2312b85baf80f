"""The one exception every failure of the package raises, and the pieces its messages share:
Caffe's CHECK text (`check_failed`) and the closest valid name (`did_you_mean`)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class FillerError(ValueError):
    """A fill, a spec or a shape that Caffe would reject (Caffe aborts; we raise).

    The message carries Caffe's own check text where Caffe has one
    ("Unknown filler name: foo", "Sparsity not supported by this Filler.", ...)
    and names the offending field and value.
    """


def check_failed(
    subject: str,
    condition: str,
    lhs: object = None,
    rhs: object = None,
    explanation: str = "",
    *,
    caffe: str = "",
) -> FillerError:
    """A FillerError for a failed Caffe CHECK: the field and value first, our `explanation` if
    any, then, in brackets, the line glog prints, word for word: "Check failed: <condition>
    (<lhs> vs. <rhs>) <caffe>", the operands printed as C++'s ostream prints them (CHECK_GT and
    the like; a plain CHECK(condition) has none) and `caffe` the message Caffe streams after it.

    Examples:
        >>> str(check_failed("std: 0.0", "sigma > 0", 0.0, 0, "the standard deviation must be > 0"))
        'std: 0.0: the standard deviation must be > 0 [Check failed: sigma > 0 (0 vs. 0)]'
        >>> str(check_failed("shape (0,)", "blob->count()", explanation="the blob is empty"))
        'shape (0,): the blob is empty [Check failed: blob->count()]'
    """
    operands = "" if lhs is None else f" ({_ostream(lhs)} vs. {_ostream(rhs)})"
    glog = f"Check failed: {condition}{operands}" + (f" {caffe}" if caffe else "")
    return FillerError(f"{subject}: {explanation} [{glog}]" if explanation else f"{subject} [{glog}]")


def _ostream(value: object) -> str:
    """`value` as `std::ostream << value` prints it: integers whole, floating point with six
    significant digits (%g: 0, -1, 2.25, 1e+30, nan, inf)."""
    if isinstance(value, (int, str)) or value is None:
        return str(value)
    number = float(value)  # numpy floats of either width print alike at six digits
    return "nan" if number != number else f"{number:g}"


def did_you_mean(
    name: str, choices: Iterable[str], *, otherwise: str = "", quoted: bool = True, ignore_suffix: str = ""
) -> str:
    """ "; did you mean 'X'?" for the closest of `choices` (difflib's similarity of at least 0.6,
    or the same name in another case), else `otherwise`. `quoted=False` gives the name as it is
    typed where a bare word is expected (an enum value in text format: `pool: MAX`).
    `ignore_suffix`: a suffix names share, compared without it (Caffe's parameter blocks all
    end in "_param", which would make any two look alike).

    Examples:
        >>> did_you_mean("weight_filer", ["weight_filler", "bias_filler"])
        "; did you mean 'weight_filler'?"
        >>> did_you_mean("Xavier", ["xavier", "msra"])
        "; did you mean 'xavier'?"
        >>> did_you_mean("convolutoin_param", ["convolution_param", "pooling_param"], ignore_suffix="_param")
        "; did you mean 'convolution_param'?"
    """
    choices = list(choices)
    if ignore_suffix and name.endswith(ignore_suffix):
        cut = len(ignore_suffix)
        stems = {choice[:-cut]: choice for choice in choices if choice.endswith(ignore_suffix)}
        stem = _closest(name[:-cut], list(stems))
        close = None if stem is None else stems[stem]
    else:
        close = _closest(name, choices)
    if close is None:
        return otherwise
    return f"; did you mean {close!r}?" if quoted else f"; did you mean {close}?"


def _closest(name: str, choices: list[str]) -> str | None:
    close = difflib.get_close_matches(name, choices, n=1)
    if close:
        return close[0]
    return {choice.lower(): choice for choice in choices}.get(name.lower())
