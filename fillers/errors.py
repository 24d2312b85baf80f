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
    subject: str, condition: str, lhs: object, rhs: object, explanation: str = ""
) -> FillerError:
    """A FillerError for a failed Caffe CHECK: the field and value first, then Caffe's text.

    >>> str(check_failed("std: 0.0", "sigma > 0", 0.0, 0, "the standard deviation must be > 0"))
    'std: 0.0: the standard deviation must be > 0 [Check failed: sigma > 0 (0.0 vs. 0)]'
    """
    caffe = f"Check failed: {condition} ({lhs} vs. {rhs})"
    return FillerError(f"{subject}: {explanation} [{caffe}]" if explanation else f"{subject} [{caffe}]")


def did_you_mean(name: str, choices: Iterable[str], *, otherwise: str = "", quoted: bool = True) -> str:
    """ "; did you mean 'X'?" for the closest of `choices` (difflib's similarity of at least 0.6,
    or the same name in another case), else `otherwise`. `quoted=False` gives the name as it is
    typed where a bare word is expected (an enum value in text format: `pool: MAX`).

    >>> did_you_mean("weight_filer", ["weight_filler", "bias_filler"])
    "; did you mean 'weight_filler'?"
    >>> did_you_mean("Xavier", ["xavier", "msra"])
    "; did you mean 'xavier'?"
    """
    choices = list(choices)
    close = difflib.get_close_matches(name, choices, n=1)
    if not close:
        lowered = {choice.lower(): choice for choice in choices}
        close = [lowered[name.lower()]] if name.lower() in lowered else []
    if not close:
        return otherwise
    return f"; did you mean {close[0]!r}?" if quoted else f"; did you mean {close[0]}?"
