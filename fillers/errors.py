"""The one exception every failure of the package raises."""


class FillerError(ValueError):
    """A fill, a spec or a shape that Caffe would reject (Caffe aborts; we raise).

    The message carries Caffe's own check text where Caffe has one
    ("Unknown filler name: foo", "Sparsity not supported by this Filler.", ...)
    and names the offending field and value.
    """
