"""A Caffe net as written in its file: the parsed NetParameter plus, for each layer, where it
is (file:line:column) and every field it sets, fork fields included.

Caffe forks add parameter messages our caffe.proto lacks (SSD's `norm_param`, SegNet's
`bn_param`, Faster R-CNN's `roi_pooling_param`, ...). Protobuf can only skip them, so the
net is also read as a schema-free tree (`textproto`): each layer's fields become `Fields`
(scalars, enum names, nested blocks, repeated fields as lists) that layer definitions read.

Every block that holds a FillerParameter is read with the strict FillerParameter rules,
wherever it is: a field of that type in our schema, or, in fields the schema does not know,
a block named `*_filler` or `filler`. So `stdd: 0.01` inside a fork layer's filler is an
error, as Caffe built from that fork would make it.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from google.protobuf import text_encoding, text_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor

from .._proto import filler_pb2
from .._proto.pool import is_repeated
from ..errors import FillerError, did_you_mean
from ..io import formats
from ..io.textformat import float32_as_stored, parse_text
from ..io.texttree import Block, Enum, Field, parse_tree

NetParameter = filler_pb2.NetParameter
LayerParameter = filler_pb2.LayerParameter
FillerParameter = filler_pb2.FillerParameter

_FILLER = FillerParameter.DESCRIPTOR
_FILLER_FIELDS = tuple(_FILLER.fields_by_name)
# Fork fields known to hold a FillerParameter without ending in `_filler` (PReLU-style).
FILLER_FIELD_NAMES = frozenset({"filler"})
# Solver fields that hold the net, in the order Caffe's Solver::InitTrainNet checks them.
_SOLVER_NET_FIELDS = ("net_param", "net", "train_net_param", "train_net")
_SOLVER_ONLY_FIELDS = frozenset(
    {"base_lr", "lr_policy", "max_iter", "solver_mode", "snapshot_prefix", "test_iter", "solver_type"}
)
SOLVER_FIELDS = frozenset(_SOLVER_NET_FIELDS) | _SOLVER_ONLY_FIELDS


class Fields:
    """The fields a layer (or one of its blocks) sets, as written, schema or not.

    `fields["norm_param"]` / `fields.get(name, default)`: the value of a field set once; a
    field written several times gives a list (a repeated field), `all(name)` always a list.
    Values: str, int, float, bool, an enum's name (str), a nested `Fields`, or a
    FillerParameter for a filler block.

    Examples:
        >>> from fillers.io.texttree import parse_tree
        >>> f = Fields(parse_tree('min_size: 30 aspect_ratio: 2 aspect_ratio: 3 flip: true'))
        >>> f["min_size"], f["aspect_ratio"], f.all("min_size"), f.get("clip", False)
        (30, [2, 3], [30], False)
    """

    def __init__(self, block: Block, path: str = "") -> None:
        self._block = block
        self._path = path

    @property
    def line(self) -> int:
        """The 1-based line the block starts on."""
        return self._block.line

    @property
    def block(self) -> Block:
        """The block as parsed, with every field's position."""
        return self._block

    def all(self, name: str) -> list[Any]:
        """Every value of field `name`, in file order ([] when it is not set)."""
        return [self._value(item) for item in self._block.named(name)]

    def get(self, name: str, default: Any = None) -> Any:
        """The value of `name` (a list when written more than once), or `default`."""
        values = self.all(name)
        if not values:
            return default
        return values[0] if len(values) == 1 else values

    def __getitem__(self, name: str) -> Any:
        if name not in self:
            raise KeyError(name)
        return self.get(name)

    def __contains__(self, name: object) -> bool:
        return any(item.name == name for item in self._block)

    def keys(self) -> list[str]:
        """The field names set, in first-appearance order."""
        return list(dict.fromkeys(item.name for item in self._block))

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def to_dict(self) -> dict[str, Any]:
        """Plain Python: nested blocks as dicts, fillers as FillerParameter."""
        return {
            name: [v.to_dict() if isinstance(v, Fields) else v for v in values]
            if len(values := self.all(name)) > 1
            else (values[0].to_dict() if isinstance(values[0], Fields) else values[0])
            for name in self.keys()
        }

    def __repr__(self) -> str:
        return f"Fields({self.to_dict()!r})"

    def _value(self, item: Field) -> Any:
        if isinstance(item.value, Block):
            if is_filler_name(item.name):
                return filler_from_block(item.value)
            return Fields(item.value, f"{self._path}{item.name}.")
        return item.value


def is_filler_name(name: str) -> bool:
    """A field outside our schema that holds a FillerParameter: `*_filler` or `filler`."""
    return name.endswith("_filler") or name in FILLER_FIELD_NAMES


@dataclass(frozen=True)
class LayerSource:
    """Where a layer is written and everything it sets.

    `path`: the file ("" for text or a message); `line`, `column`: 1-based, 0 when unknown;
    `fields`: the layer block's fields, known and fork ones alike.
    """

    path: str
    line: int
    column: int
    fields: Fields

    @property
    def where(self) -> str:
        """ "file:line:column" ("line L:C" for text without a file; "" for a message)."""
        if not self.line:
            return self.path
        return f"{self.path}:{self.line}:{self.column}" if self.path else f"line {self.line}:{self.column}"


@dataclass(frozen=True)
class NetFile:
    """A net as read: Caffe's NetParameter (V1 form upgraded) and each layer's source, aligned
    with `param.layer`. `taken_from`: for a solver file, which field the net came from."""

    param: NetParameter
    layers: tuple[LayerSource, ...]
    path: str = ""
    taken_from: str = ""

    def fillers(self, index: int) -> list[tuple[str, FillerParameter]]:
        """Every FillerParameter layer `index` writes, fork fields included, named by field
        ("weight_filler", "data_filler.1"; a name two blocks share takes its block's path)."""
        return layer_fillers_in(self.layers[index].fields.block)


def read_net_file(source: object) -> NetFile:
    """Read a net (a NetParameter, a prototxt path, or prototxt text) with every layer's
    position and fields. A solver file gives the net it names or embeds, as Caffe's Solver
    reads it (net_param, net, train_net_param, train_net). Errors name file:line:column."""
    from .netparam import read_net  # netproto parses the schema part; we add positions

    if isinstance(source, NetFile):
        return source
    if isinstance(source, os.PathLike) or (isinstance(source, str) and os.path.isfile(source)):
        path = os.fspath(source)
        return read_net_text(formats.read_text(path), path)
    if isinstance(source, str) and ("\n" in source or any(mark in source for mark in "{:")):
        return read_net_text(source, "")
    param = read_net(source)  # a message; anything else raises the FillerError that says why
    empty = Fields(Block())
    return NetFile(param, tuple(LayerSource("", 0, 0, empty) for _ in param.layer))


def read_net_text(text: str, path: str, *, in_solver: bool = False) -> NetFile:
    from .netparam import upgrade_net_as_needed

    try:
        tree = parse_tree(text)
    except FillerError as error:
        raise FillerError(f"{path}:{error}" if path else f"line {error}") from None
    tree, taken_from = _net_of_solver(tree, path)
    if taken_from and in_solver:
        raise FillerError(f"{path}: the net a solver names is itself a solver")
    if taken_from.startswith(("net:", "train_net:")):
        field, net_path = taken_from.split(":", 1)
        net = read_net_text(formats.read_text(net_path), net_path, in_solver=True)
        return dataclasses.replace(net, taken_from=f"{field} ({net_path})")
    layer_blocks = [
        item for item in tree if item.name in ("layer", "layers") and isinstance(item.value, Block)
    ]
    sources = tuple(LayerSource(path, item.line, item.column, Fields(item.value)) for item in layer_blocks)
    for item, source in zip(layer_blocks, sources, strict=True):
        descriptor = (
            LayerParameter.DESCRIPTOR if item.name == "layer" else filler_pb2.V1LayerParameter.DESCRIPTOR
        )
        _check_fillers(item.value, descriptor, source, _layer_label(item.value))
    param = NetParameter()
    fill_message(tree, param, f"{path}:" if path else "line ")
    try:
        param = upgrade_net_as_needed(param)
    except FillerError as error:
        raise FillerError(f"{path}: {error}" if path else str(error)) from None
    if len(param.layer) != len(sources):
        # Each `layer`/`layers` block is one layer, upgraded in order; anything else would
        # cut the fork fields off their layers, so it is refused rather than guessed.
        raise FillerError(f"{path or 'net'}: {len(sources)} layer blocks gave {len(param.layer)} layers")
    return NetFile(param, sources, path, taken_from)


# Enum fields whose value decides shapes, fillers or which layers a net keeps: a name the
# schema lacks there is a typo to report, not a fork's extra value to pass over.
_DECISIVE_ENUMS = frozenset(
    {"phase", "pool", "operation", "share_mode", "variance_norm", "round_mode", "norm_region", "type"}
)
_INT_RANGES = {
    FieldDescriptor.CPPTYPE_INT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.CPPTYPE_INT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.CPPTYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.CPPTYPE_UINT64: (0, 2**64 - 1),
}
_SKIP = object()


def fill_message(block: Block, message: Any, where: str) -> None:
    """Set `message`'s fields from a tree, as protobuf's text parser would, except that fields
    the schema lacks, and names a fork added to an enum we know, are passed over (they stay
    in the tree). A value of the wrong kind is a FillerError naming where:line:column."""
    pending = [(block, message, "")]
    while pending:
        current, target, label = pending.pop()
        descriptor = target.DESCRIPTOR
        seen: set[str] = set()
        for item in current:
            field = descriptor.fields_by_name.get(item.name)
            if field is None:
                continue
            item_label = label or (_layer_label(item.value) if isinstance(item.value, Block) else "")
            if not is_repeated(field):
                if item.name in seen:
                    raise _tree_error(
                        where, item, label, f'{descriptor.name} should not have multiple "{item.name}" fields'
                    )
                seen.add(item.name)
            if field.message_type is not None:
                if not isinstance(item.value, Block):
                    raise _tree_error(where, item, label, f"{item.name}: expected a block {{ ... }}")
                child = getattr(target, item.name).add() if is_repeated(field) else getattr(target, item.name)
                child.SetInParent()
                pending.append((item.value, child, item_label if item.name in ("layer", "layers") else label))
                continue
            if isinstance(item.value, Block):
                raise _tree_error(where, item, label, f"{item.name}: expected a value, found a block")
            value = _scalar_for(field, item, where, label)
            if value is _SKIP:
                continue
            if is_repeated(field):
                getattr(target, item.name).append(value)
            else:
                setattr(target, item.name, value)


def _scalar_for(field: FieldDescriptor, item: Field, where: str, label: str) -> Any:
    value = item.value
    kind = field.cpp_type

    def bad(expected: str) -> FillerError:
        return _tree_error(where, item, label, f"{item.name}: {value!r} is not {expected}")

    if kind == FieldDescriptor.CPPTYPE_STRING:
        if not isinstance(value, str) or isinstance(value, Enum):
            raise bad("a quoted string")
        return value
    if kind == FieldDescriptor.CPPTYPE_BOOL:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        raise bad("true or false")
    if kind == FieldDescriptor.CPPTYPE_ENUM:
        values = field.enum_type.values_by_name
        if isinstance(value, Enum) and value in values:
            return values[value].number
        if (
            isinstance(value, int)
            and not isinstance(value, bool)
            and value in field.enum_type.values_by_number
        ):
            return value
        if isinstance(value, Enum) and item.name not in _DECISIVE_ENUMS:
            return _SKIP  # a value a fork added to this enum; it stays in the tree
        listed = f"; {field.enum_type.name} values: {', '.join(values)}"
        hint = did_you_mean(str(value), values, otherwise=listed, quoted=False)
        raise _tree_error(where, item, label, f"{item.name}: {value!r} is not a {field.enum_type.name}{hint}")
    if kind in (FieldDescriptor.CPPTYPE_FLOAT, FieldDescriptor.CPPTYPE_DOUBLE):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if kind == FieldDescriptor.CPPTYPE_DOUBLE:
                return float(value)
            return float32_as_stored(float(value))
        raise bad("a number")
    low, high = _INT_RANGES[kind]
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
        return value
    raise bad(f"an integer in [{low}, {high}]")


def _tree_error(where: str, item: Field, label: str, message: str) -> FillerError:
    return FillerError(f"{where}{item.line}:{item.column}: {label + ': ' if label else ''}{message}")


def _net_of_solver(tree: Block, path: str) -> tuple[Block, str]:
    """A solver file's net: the first of net_param, net, train_net_param, train_net set.
    Not a solver (it has layers, or none of those fields): the tree as it is."""
    names = {item.name for item in tree}
    if "layer" in names or "layers" in names or not names & SOLVER_FIELDS:
        return tree, ""
    given = [name for name in _SOLVER_NET_FIELDS if name in names]
    if len(given) > 1:
        raise FillerError(
            f"{path or 'solver'}: the solver sets {' and '.join(given)}; Caffe takes exactly one "
            "[SolverParameter must specify exactly one of train_net_param, train_net, net_param or net]"
        )
    if not given:
        raise FillerError(
            f"{path or 'solver'}: this is a solver file without a training net "
            "(net, net_param, train_net or train_net_param)"
        )
    item = tree.named(given[0])[-1]
    if isinstance(item.value, Block):
        return item.value, given[0]
    if not isinstance(item.value, str):
        raise FillerError(f"{path}:{item.line}:{item.column}: {given[0]}: {item.value!r} is not a file name")
    # Caffe resolves the net file against the working directory; a path beside the solver
    # is the common case when run from elsewhere.
    target = item.value
    if not os.path.isfile(target) and path:
        beside = os.path.join(os.path.dirname(path), os.path.basename(target))
        target = beside if os.path.isfile(beside) else target
    if not os.path.isfile(target):
        raise FillerError(f"{path}:{item.line}:{item.column}: {given[0]}: no such net file: {item.value}")
    return tree, f"{given[0]}:{target}"


def _layer_label(block: Block) -> str:
    names = [item.value for item in block.named("name") if isinstance(item.value, str)]
    return f"layer {names[-1]!r}" if names else "layer"


def _sub_blocks(
    block: Block, message: Descriptor | None
) -> Iterator[tuple[Field, FieldDescriptor | None, Descriptor | None, bool]]:
    """Each block-valued field of `block`, with its schema field and message type (None for a
    field our schema lacks: a fork's) and whether it holds a FillerParameter, by the schema or,
    in a fork's block, by its name (`*_filler`)."""
    for item in block:
        if not isinstance(item.value, Block):
            continue
        field = message.fields_by_name.get(item.name) if message is not None else None
        child = field.message_type if field is not None else None
        yield item, field, child, child is _FILLER or (field is None and is_filler_name(item.name))


def _check_fillers(block: Block, descriptor: Descriptor | None, source: LayerSource, label: str) -> None:
    """Read every filler block under `block` strictly (FillerError names file:line:col and layer)."""
    pending = [(block, descriptor)]
    while pending:
        current, message = pending.pop()
        for item, _, child, holds_filler in _sub_blocks(current, message):
            if holds_filler:
                try:
                    filler_from_block(item.value)
                except _FieldError as error:
                    where = f"{source.path}:" if source.path else "line "
                    raise FillerError(
                        f"{where}{error.line}:{error.column}: {label}: {item.name}: {error.message}"
                    ) from None
            else:
                pending.append((item.value, child))


class _FieldError(FillerError):
    """A bad field inside a filler block, with its position kept apart for the caller."""

    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(f"{line}:{column}: {message}")
        self.line, self.column, self.message = line, column, message


def filler_from_block(block: Block) -> FillerParameter:
    """A FillerParameter from a tree block, by FillerParameter's strict rules: an unknown
    field is an error (with the closest field name), values as protobuf's parser takes them."""
    for item in block:
        if item.name not in _FILLER.fields_by_name:
            hint = did_you_mean(
                item.name,
                _FILLER_FIELDS,
                otherwise=f"; FillerParameter fields are: {', '.join(_FILLER_FIELDS)}",
            )
            raise _FieldError(
                item.line, item.column, f'FillerParameter has no field named "{item.name}"{hint}'
            )
        if isinstance(item.value, Block):
            raise _FieldError(item.line, item.column, f"{item.name}: expected a value, found a block")
    param = FillerParameter()
    try:
        parse_text(block_to_text(block), param)
    except text_format.ParseError as error:
        raise _FieldError(block.line, block.column, str(error)) from None
    return param


def block_to_text(block: Block) -> str:
    """A tree block back in text format (strings re-escaped, enum names bare)."""
    lines: list[str] = []
    pending: list[tuple[Any, int]] = [(item, 0) for item in reversed(block.fields)]
    while pending:
        item, depth = pending.pop()
        indent = "  " * depth
        if item is None:
            lines.append(indent + "}")
        elif isinstance(item.value, Block):
            lines.append(f"{indent}{item.name} {{")
            pending.append((None, depth))
            pending.extend((child, depth + 1) for child in reversed(item.value.fields))
        else:
            lines.append(f"{indent}{item.name}: {scalar_text(item.value)}")
    return "\n".join(lines) + "\n"


def scalar_text(value: Any) -> str:
    """One scalar as text format writes it: enum names bare, strings quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value)
    if isinstance(value, str):
        return '"' + text_encoding.CEscape(value, as_utf8=True) + '"'
    return repr(value) if isinstance(value, float) else str(value)


def layer_fillers_in(
    block: Block, descriptor: Descriptor | None = LayerParameter.DESCRIPTOR
) -> list[tuple[str, FillerParameter]]:
    """Every filler block under a layer block, in file order, named by field (see NetFile.fillers)."""
    found: list[tuple[str, str, FillerParameter]] = []  # (short name, path, filler)
    _collect_fillers(block, descriptor, "", found)
    shorts = [short for short, _, _ in found]
    return [(short if shorts.count(short) == 1 else full, filler) for short, full, filler in found]


_MAX_DEPTH = 16


def block_holds_filler(block: Block, descriptor: Descriptor | None = LayerParameter.DESCRIPTOR) -> bool:
    """Whether any filler block lies under a layer block, as `layer_fillers_in` finds them,
    without reading one (the strict check already has, when the net was read)."""
    pending = [(block, descriptor, 0)]
    while pending:
        current, message, depth = pending.pop()
        for item, _, child, is_filler in _sub_blocks(current, message):
            if is_filler:
                return True
            if depth < _MAX_DEPTH:
                pending.append((item.value, child, depth + 1))
    return False


def _collect_fillers(
    block: Block, message: Descriptor | None, path: str, found: list[tuple[str, str, FillerParameter]]
) -> None:
    counts: dict[str, int] = {}
    for item, field, child, holds_filler in _sub_blocks(block, message):
        if holds_filler:
            repeated = (field is not None and is_repeated(field)) or len(block.named(item.name)) > 1
            index = counts.get(item.name, 0)
            counts[item.name] = index + 1
            short = f"{item.name}.{index}" if repeated else item.name
            found.append((short, f"{path}{short}", filler_from_block(item.value)))
        elif path.count(".") < _MAX_DEPTH:
            _collect_fillers(item.value, child, f"{path}{item.name}.", found)
