"""The one exception every failure of the package raises."""


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
