"""The filler blocks of a layer as written: found wherever they sit (a caffe.proto filler field,
a declared fork filler field, or, in a block nobody declared, a field named `*_filler`), each
read by FillerParameter's strict rules (`filler_reader`) and named by its field."""

from __future__ import annotations

from collections.abc import Iterator

from .._proto import filler_pb2
from .._proto.pool import is_repeated
from ..io.texttree import Block, Field
from .filler_reader import filler_from_block
from .schema import Schema, layer_schema

FillerParameter = filler_pb2.FillerParameter
_MAX_DEPTH = 16


def _sub_blocks(block: Block, schema: Schema) -> Iterator[tuple[Field, Schema, bool]]:
    """Each block-valued field of `block`, with its schema and whether it holds a filler."""
    for item in block:
        if isinstance(item.value, Block):
            yield item, schema.child(item.name), schema.holds_filler(item.name)


def layer_fillers_in(block: Block, schema: Schema | None = None) -> list[tuple[str, FillerParameter]]:
    """Every filler block under a layer block, in file order, named by field: "weight_filler",
    "data_filler.1"; a name two blocks share takes its block's path."""
    found: list[tuple[str, str, FillerParameter]] = []  # (short name, path, filler)
    _collect_fillers(block, schema or layer_schema(""), "", found)
    shorts = [short for short, _, _ in found]
    return [(short if shorts.count(short) == 1 else full, filler) for short, full, filler in found]


def block_holds_filler(block: Block, schema: Schema | None = None) -> bool:
    """Whether any filler block lies under a layer block, as `layer_fillers_in` finds them,
    without reading one (the strict reader already has, when the net was read)."""
    pending = [(block, schema or layer_schema(""), 0)]
    while pending:
        current, at, depth = pending.pop()
        for item, child, is_filler in _sub_blocks(current, at):
            if is_filler:
                return True
            if depth < _MAX_DEPTH:
                pending.append((item.value, child, depth + 1))
    return False


def _collect_fillers(
    block: Block, schema: Schema, path: str, found: list[tuple[str, str, FillerParameter]]
) -> None:
    counts: dict[str, int] = {}
    for item, child, holds_filler in _sub_blocks(block, schema):
        if holds_filler:
            caffe = schema.message.fields_by_name.get(item.name) if schema.message is not None else None
            spec = schema.declared.get(item.name)
            repeated = (
                (caffe is not None and is_repeated(caffe))
                or (spec is not None and spec.repeated)
                or len(block.named(item.name)) > 1
            )
            index = counts.get(item.name, 0)
            counts[item.name] = index + 1
            short = f"{item.name}.{index}" if repeated else item.name
            found.append((short, f"{path}{short}", filler_from_block(item.value)))
        elif path.count(".") < _MAX_DEPTH:
            _collect_fillers(item.value, child, f"{path}{item.name}.", found)
