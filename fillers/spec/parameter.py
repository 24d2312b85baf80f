"""FillerParameter to and from protobuf text format, dicts, YAML, JSON and binary files.

Every form carries the same message: keys are caffe.proto's field names, a field set to its
default stays set (presence is part of the spec, as in Caffe), and only set fields are
written. Numbers are float32, as Caffe stores them; we write each as the shortest decimal
that reads back to the same float32 (`std: 0.01`, not 0.009999999776482582), and nan and
the infinities as each format spells them. A NaN keeps being NaN, not its sign or payload.

Examples:
    >>> p = from_dict({"type": "xavier", "variance_norm": "AVERAGE"})
    >>> to_text(p)
    'type: "xavier"\\nvariance_norm: AVERAGE\\n'
    >>> to_dict(parse("type: 'gaussian' std: 0.01"))
    {'type': 'gaussian', 'std': 0.01}
"""

from __future__ import annotations

import math
import numbers
import reprlib
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from google.protobuf import text_encoding, text_format
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import DecodeError, Message

from .._proto import filler_pb2
from ..errors import FillerError
from ..io import formats
from ..io.textformat import parse_into

FillerParameter = filler_pb2.FillerParameter

# Names are looked up in plain dicts made once: protobuf's own maps raise SystemError,
# AttributeError or ValueError for keys UTF-8 cannot encode, keys with NUL, or huge numbers.
_FIELDS: dict[str, FieldDescriptor] = dict(FillerParameter.DESCRIPTOR.fields_by_name)
_FIELD_LIST = ", ".join(_FIELDS)
_STRING_FIELDS = [f.name for f in _FIELDS.values() if f.cpp_type == FieldDescriptor.CPPTYPE_STRING]
_ENUM_VALUES: dict[str, tuple[dict[str, int], dict[int, str]]] = {
    field.name: (
        {value.name: value.number for value in field.enum_type.values},
        {value.number: value.name for value in field.enum_type.values},
    )
    for field in _FIELDS.values()
    if field.cpp_type == FieldDescriptor.CPPTYPE_ENUM
}
_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1
_short_repr = reprlib.Repr()
_short_repr.maxstring = _short_repr.maxother = 60
_brief = _short_repr.repr
"""repr() cut short: a value built from YAML aliases can print exponentially long."""


def parse(text: str) -> FillerParameter:
    """A FillerParameter from protobuf text format, as Caffe reads a prototxt.

    A finite number too large for float32 reads as an infinity, as in Caffe's parser.

    Examples:
        >>> parse('type: "msra" variance_norm: FAN_OUT').variance_norm == FillerParameter.FAN_OUT
        True
    """
    if not isinstance(text, str):
        raise FillerError(f"text: {_brief(text)} is not protobuf text format")
    param = FillerParameter()
    parse_into(text, param, "cannot parse filler spec")
    return param


def from_dict(spec: Mapping[str, Any]) -> FillerParameter:
    """A FillerParameter from a mapping of field names to values (what YAML and JSON give).

    Floats take ints or floats, `sparse` an int (or an integral float), `variance_norm` a name
    ("AVERAGE") or a number, `type` a string. Anything else, an unknown key, a value out of
    range for float32 or int32, raises FillerError naming the key, the value and what is allowed.

    Examples:
        >>> from_dict({"type": "uniform", "min": -1, "max": 1}).max
        1.0
    """
    if not isinstance(spec, Mapping):
        raise FillerError(f"a filler spec must be a mapping of field names to values, not {_brief(spec)}")
    param = FillerParameter()
    for key, value in spec.items():
        field = _FIELDS.get(key) if isinstance(key, str) else None
        if field is None:
            raise FillerError(
                f"unknown field {_brief(key)} (value {_brief(value)}); "
                f"FillerParameter fields are: {_FIELD_LIST}"
            )
        setattr(param, key, _COERCE[field.cpp_type](field, value))
    return param


def to_dict(param: FillerParameter) -> dict[str, Any]:
    """The set fields of `param`, in field-number order, as plain Python values.

    Floats are the shortest decimal that reads back as the same float32; the enum is its name.

    Examples:
        >>> to_dict(FillerParameter(type="constant", value=0.1))
        {'type': 'constant', 'value': 0.1}
    """
    as_filler_parameter(param)
    return {field.name: _plain_value(field, value) for field, value in param.ListFields()}


def to_text(param: FillerParameter) -> str:
    """`param` in protobuf text format, one set field per line, floats written shortest.

    Examples:
        >>> print(to_text(from_dict({"type": "gaussian", "std": 0.01, "sparse": 15})), end="")
        type: "gaussian"
        std: 0.01
        sparse: 15
    """
    return message_to_text(as_filler_parameter(param))


def load(path: formats.PathLike) -> FillerParameter:
    """Read one spec from a file, in the format its extension names.

    .prototxt/.pbtxt/.txt: text format; .yaml/.yml: YAML; .json: JSON; .pb: binary.

    Examples:
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "msra.yaml")
        >>> dump(from_dict({"type": "msra", "variance_norm": "FAN_OUT"}), path)
        >>> print(open(path).read(), end="")
        type: msra
        variance_norm: FAN_OUT
        >>> load(path) == parse('type: "msra" variance_norm: FAN_OUT')
        True
    """
    fmt = formats.format_of(path)
    if fmt == formats.BINARY:
        data = formats.read_bytes(path)
        try:
            param = FillerParameter.FromString(data)
        except DecodeError as error:
            raise FillerError(f"{formats.shown(path)}: not a binary FillerParameter: {error}") from error
        except UnicodeDecodeError as error:
            # protobuf's pure-Python backend checks UTF-8 as it parses; upb hands back bytes,
            # which as_filler_parameter refuses below.
            raise FillerError(f"{formats.shown(path)}: a string field is not UTF-8 text: {error}") from None
        with formats.errors_in(path):
            return as_filler_parameter(param)
    text = formats.read_text(path)
    if fmt == formats.TEXT:
        with formats.errors_in(path):
            return parse(text)
    mapping = formats.load_mapping(text, fmt, path)
    with formats.errors_in(path):
        return from_dict(mapping)


def dump(param: FillerParameter, path: formats.PathLike) -> None:
    """Write `param` to a file in the format its extension names (the set that `load` reads).

    Examples:
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "gaussian.json")
        >>> dump(from_dict({"type": "gaussian", "std": 0.01}), path)
        >>> print(open(path).read(), end="")
        {
          "type": "gaussian",
          "std": 0.01
        }
    """
    as_filler_parameter(param)
    fmt = formats.format_of(path)
    if fmt == formats.BINARY:
        formats.write_bytes(path, param.SerializeToString())
    elif fmt == formats.TEXT:
        formats.write_text(path, to_text(param))
    else:
        formats.write_text(path, formats.dump_mapping(to_dict(param), fmt))


def message_to_text(message: Message) -> str:
    """Any message in text format, with every FillerParameter inside it written as `to_text` does."""
    return text_format.MessageToString(message, as_utf8=True, message_formatter=_format_filler)


def as_filler_parameter(param: object) -> FillerParameter:
    """`param` itself if it is a fillers.FillerParameter, else FillerError."""
    if not isinstance(param, FillerParameter):
        raise FillerError(f"expected a fillers.FillerParameter, got a {type(param).__name__}")
    for name in _STRING_FIELDS:
        # protobuf hands back bytes for a string field whose wire bytes are not UTF-8.
        value = getattr(param, name)
        if not isinstance(value, str):
            raise FillerError(f"{name}: {_brief(value)} is not UTF-8 text")
    return param


def _format_filler(message: Message, indent: int, as_one_line: bool) -> str | None:
    """text_format's hook: our lines for a non-empty FillerParameter, None for the default printer.

    protobuf's own printer writes float32 with at least six significant digits
    (1.4013e-45 where 1e-45 reads back the same), so we format the fields ourselves.
    """
    if message.DESCRIPTOR is not FillerParameter.DESCRIPTOR or not message.ListFields():
        return None
    lines = [f"{field.name}: {_text_value(field, value)}" for field, value in message.ListFields()]
    return (" " if as_one_line else "\n" + " " * indent).join(lines)


def _shortest_float32(value: float) -> str:
    """The shortest decimal that reads back as float32(value): '0.01', '1e-45', 'nan', '-inf'."""
    return str(np.float32(value))


def _plain_value(field: FieldDescriptor, value: Any) -> Any:
    if field.cpp_type == FieldDescriptor.CPPTYPE_FLOAT:
        return float(_shortest_float32(value))
    if field.cpp_type == FieldDescriptor.CPPTYPE_ENUM:
        # An unknown number (from a newer schema's bytes) stays a number.
        return _ENUM_VALUES[field.name][1].get(value, value)
    return value


def _text_value(field: FieldDescriptor, value: Any) -> str:
    if field.cpp_type == FieldDescriptor.CPPTYPE_STRING:
        return '"' + text_encoding.CEscape(value, as_utf8=True) + '"'
    if field.cpp_type == FieldDescriptor.CPPTYPE_FLOAT:
        return _shortest_float32(value)
    return str(_plain_value(field, value))


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _as_string(field: FieldDescriptor, value: object) -> str:
    if not isinstance(value, str):
        raise FillerError(
            f"{field.name}: {_brief(value)} is not a string; {field.name} is a name such as 'xavier'"
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise FillerError(f"{field.name}: {_brief(value)} is not valid Unicode text") from None
    return value


def _as_float32(field: FieldDescriptor, value: object) -> float:
    if not _is_number(value):
        hint = ""
        if isinstance(value, str) and _reads_as_number(value):
            # YAML 1.1 (PyYAML) reads 1e-2 as a string: its floats need a dot, 1.0e-2.
            hint = " (write the number unquoted; in YAML put a dot before the exponent: 1.0e-2)"
        raise FillerError(f"{field.name}: {_brief(value)} is not a number; {field.name} is a float{hint}")
    try:
        as_double = float(value)
    except OverflowError:
        as_double = math.inf  # an integer beyond any float: reported as an overflow below
    if math.isnan(as_double):
        # One NaN for every source: YAML's .nan, for one, is negative on x86.
        return math.nan
    with np.errstate(over="ignore"):
        as_float32 = np.float32(as_double)
    if not np.isfinite(as_float32) and not (isinstance(value, float) and math.isinf(value)):
        raise FillerError(
            f"{field.name}: {_brief(value)} overflows float32; {field.name} is a float "
            f"(finite values up to ±{_shortest_float32(np.finfo(np.float32).max)})"
        )
    return float(as_float32)


def _reads_as_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _integral(value: object) -> int | None:
    """`value` as an int if it is a number with an integral value (2, 2.0, Fraction(4, 2))."""
    if not _is_number(value):
        return None
    try:
        number = int(value)  # exact for any Rational; OverflowError/ValueError for inf/nan
    except (OverflowError, ValueError):
        return None
    return number if isinstance(value, numbers.Integral) or number == value else None


def _as_int32(field: FieldDescriptor, value: object) -> int:
    number = _integral(value)
    if number is None:
        raise FillerError(f"{field.name}: {_brief(value)} is not an integer; {field.name} is an int32")
    if not _INT32_MIN <= number <= _INT32_MAX:
        raise FillerError(
            f"{field.name}: {_brief(value)} is out of range; "
            f"{field.name} is an int32 ({_INT32_MIN}..{_INT32_MAX})"
        )
    return number


def _as_enum(field: FieldDescriptor, value: object) -> int:
    by_name, by_number = _ENUM_VALUES[field.name]
    if isinstance(value, str) and value in by_name:
        return by_name[value]
    if _is_number(value) and isinstance(value, numbers.Integral) and int(value) in by_number:
        return int(value)
    allowed = ", ".join(by_name)
    numbers_allowed = ", ".join(str(n) for n in by_number)
    raise FillerError(
        f"{field.name}: {_brief(value)} is not a {field.enum_type.name}; "
        f"allowed: {allowed} (or {numbers_allowed})"
    )


_COERCE: dict[int, Callable[[FieldDescriptor, Any], Any]] = {
    FieldDescriptor.CPPTYPE_STRING: _as_string,
    FieldDescriptor.CPPTYPE_FLOAT: _as_float32,
    FieldDescriptor.CPPTYPE_INT32: _as_int32,
    FieldDescriptor.CPPTYPE_ENUM: _as_enum,
}
