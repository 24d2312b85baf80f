"""A Caffe net as written in its file: the NetParameter, and for each layer where it is
(file:line:column) and every field it sets, fork fields included.

The file is parsed once into a field tree (`io.texttree`) and decoded strictly (`strict`):
every field is one caffe.proto or a definition of the layer's type declares (a fork's
`norm_param`, SegNet's `loss_param { class_weighting }`), else a FillerError names it with
file:line:column, as Caffe's own parser would refuse the file. The caffe.proto part becomes
the NetParameter; each layer's fields, fork ones included, are read through `Fields`, with
the defaults their declarations give. A solver file gives the net it names or embeds.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass

from google.protobuf import text_format
from google.protobuf.message import Message

from .._proto import filler_pb2
from ..errors import FillerError
from ..io import formats
from ..io.texttree import Block, parse_tree
from .fields import Fields, declared_fields
from .filler_blocks import layer_fillers_in
from .schema import Schema, layer_schema
from .strict import decode_net
from .upgrade import upgrade_net_as_needed

NetParameter = filler_pb2.NetParameter
LayerParameter = filler_pb2.LayerParameter
FillerParameter = filler_pb2.FillerParameter

# Solver fields that hold the net, in the order Caffe's Solver::InitTrainNet checks them.
_SOLVER_NET_FIELDS = ("net_param", "net", "train_net_param", "train_net")
_SOLVER_ONLY_FIELDS = frozenset(
    {"base_lr", "lr_policy", "max_iter", "solver_mode", "snapshot_prefix", "test_iter", "solver_type"}
)
SOLVER_FIELDS = frozenset(_SOLVER_NET_FIELDS) | _SOLVER_ONLY_FIELDS


@dataclass(frozen=True)
class LayerSource:
    """Where a layer is written and everything it sets.

    `path`: the file ("" for text or a message); `line`, `column`: 1-based, 0 when unknown;
    `fields`: the layer block's fields, caffe.proto's and declared fork ones alike;
    `schema`: what the block was read by (caffe.proto's message and the declared fields).
    """

    path: str
    line: int
    column: int
    fields: Fields
    schema: Schema | None = None

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
        source = self.layers[index]
        return layer_fillers_in(source.fields.block, source.schema)


def read_net_file(source: object) -> NetFile:
    """Read a net (a NetParameter, a prototxt path, or prototxt text) with every layer's
    position and fields, strictly (see the module). A solver file gives the net it names or
    embeds, as Caffe's Solver reads it (net_param, net, train_net_param, train_net). Errors
    name file:line:column.

    >>> read_net_file('layer { name: "ip" inner_product_param { num_ouput: 2 } }')  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    fillers.errors.FillerError: line 1:42: layer 'ip': inner_product_param: InnerProductParameter has no \
field named "num_ouput"; did you mean 'num_output'?...
    """
    if isinstance(source, NetFile):
        return source
    if isinstance(source, os.PathLike) or (
        isinstance(source, str) and "\n" not in source and os.path.exists(source)
    ):
        # Through the guarded reader, which refuses a FIFO or a device path with FillerError.
        path = os.fspath(source)
        return read_net_text(formats.read_text(path), path)
    if isinstance(source, Message) and source.DESCRIPTOR.name == "NetParameter":
        return _read_message(source)
    if not isinstance(source, str):
        raise FillerError(
            f"a net is a NetParameter, a prototxt path or prototxt text; got {type(source).__name__}"
        )
    if "\n" not in source and not any(mark in source for mark in "{:"):
        # One line without a single field in it was meant as a path.
        from ..io.limits import echo

        raise FillerError(f"no such net file: {echo(source)}")
    return read_net_text(source, "")


def _read_message(message: Message) -> NetFile:
    """Our own NetParameter holds caffe.proto's fields only: copied, then upgraded. Another
    package's (a fork's caffe_pb2) may hold fields ours lacks: its text is read strictly."""
    if message.DESCRIPTOR is NetParameter.DESCRIPTOR:
        param = upgrade_net_as_needed(NetParameter.FromString(message.SerializeToString()))
        sources = (
            LayerSource("", 0, 0, Fields(Block(), declared_fields(layer.type)), layer_schema(layer.type))
            for layer in param.layer
        )
        return NetFile(param, tuple(sources))
    return read_net_text(text_format.MessageToString(message), f"<{message.DESCRIPTOR.full_name} message>")


def read_net_text(text: str, path: str, *, in_solver: bool = False) -> NetFile:
    """A net from prototxt `text` read from `path` ("" for text given as such)."""
    where = f"{path}:" if path else "line "
    try:
        tree = parse_tree(text)
    except FillerError as error:
        raise FillerError(f"{where}{error}") from None
    tree, taken_from = _net_of_solver(tree, path)
    if taken_from and in_solver:
        raise FillerError(f"{path}: the net a solver names is itself a solver")
    if taken_from.startswith(("net:", "train_net:")):
        field, net_path = taken_from.split(":", 1)
        net = read_net_text(formats.read_text(net_path), net_path, in_solver=True)
        return dataclasses.replace(net, taken_from=f"{field} ({net_path})")
    param, layer_blocks = decode_net(tree, where)
    sources = tuple(
        LayerSource(path, item.line, item.column, Fields(item.value, schema.declared), schema)
        for item, schema in layer_blocks
    )
    try:
        param = upgrade_net_as_needed(param)
    except FillerError as error:
        raise FillerError(f"{path}: {error}" if path else str(error)) from None
    if len(param.layer) != len(sources):
        # Each `layer`/`layers` block is one layer, upgraded in order; anything else would
        # cut the fork fields off their layers, so it is refused rather than guessed.
        raise FillerError(f"{path or 'net'}: {len(sources)} layer blocks gave {len(param.layer)} layers")
    return NetFile(param, sources, path, taken_from)


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
