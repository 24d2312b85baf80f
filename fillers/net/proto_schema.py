"""A fork's own caffe.proto as declarations, for a fork fillers does not know.

Caffe built from a fork parses a net with the fork's caffe.proto: every field its
LayerParameter adds is accepted on every layer, with its type and default. `declare_proto`
declares exactly that (for every layer type, `fields.ANY_TYPE`), so a net of that fork is
read strictly and its fillers are listed, fork blocks included (`fillers specs NET --proto
caffe.proto`). Layer semantics still come from definitions and shape rules.

A field the fork defines differently from BVLC's caffe.proto keeps BVLC's rules; the names
of those fields are returned.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from google.protobuf import descriptor_pb2, descriptor_pool
from google.protobuf.descriptor import Descriptor
from google.protobuf.message import DecodeError

from ..errors import FillerError
from ..io import formats
from .fields import ANY_TYPE, declare_compatible, spec_of_field


def declare_proto(
    source: str | os.PathLike[str] | bytes | Descriptor, *, origin: str | None = None
) -> list[str]:
    """Declare every field a fork's LayerParameter adds to caffe.proto, for every layer type.

    `source`: the fork's caffe.proto (compiled with grpcio-tools' protoc, if installed), a
    FileDescriptorSet it compiles to (`protoc --descriptor_set_out=fork.pb caffe.proto`) or
    its bytes, or the fork's LayerParameter Descriptor. Returns the fields left to
    caffe.proto's rules because the fork defines them differently.
    """
    layer = source if isinstance(source, Descriptor) else _layer_parameter(source)
    if layer.name != "LayerParameter":
        raise FillerError(f"declare_proto: {layer.full_name} is not a LayerParameter")
    origin = origin or (layer.file.name if isinstance(source, Descriptor) else _shown(source))
    fields = {item.name: spec_of_field(item) for item in layer.fields}
    return declare_compatible(ANY_TYPE, fields, origin=origin)


def _shown(source: object) -> str:
    return "the proto bytes" if isinstance(source, bytes) else os.fspath(source)  # type: ignore[arg-type]


def _layer_parameter(source: str | os.PathLike[str] | bytes) -> Descriptor:
    """The LayerParameter of a compiled descriptor set (bytes or file) or a .proto file."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        # A descriptor set through the guarded reader: a missing file is a FillerError.
        data = _compiled(path) if path.suffix == ".proto" else formats.read_bytes(path)
    elif isinstance(source, bytes):
        data = source
    else:
        raise FillerError(f"declare_proto: {source!r} is not a caffe.proto, a descriptor set or a Descriptor")
    try:
        files = descriptor_pb2.FileDescriptorSet.FromString(data)
    except DecodeError as error:
        raise FillerError(f"{_shown(source)}: not a compiled descriptor set ({error})") from None
    pool = descriptor_pool.DescriptorPool()  # a pool of its own: every fork calls its package caffe
    try:
        for file in files.file:
            pool.Add(file)
        names = [
            f"{file.package}.LayerParameter" if file.package else "LayerParameter"
            for file in files.file
            if any(message.name == "LayerParameter" for message in file.message_type)
        ]
        if not names:
            raise FillerError(f"{_shown(source)}: no LayerParameter message in it")
        return pool.FindMessageTypeByName(names[-1])
    except (TypeError, KeyError) as error:
        raise FillerError(f"{_shown(source)}: not a usable descriptor set ({error})") from None


def _compiled(path: Path) -> bytes:
    """A .proto file compiled to a FileDescriptorSet by grpcio-tools' bundled protoc."""
    if not path.is_file():
        raise FillerError(f"{path}: no such file")
    try:
        from grpc_tools import protoc
    except ImportError:
        raise FillerError(
            f"{path}: compiling a .proto needs protoc: run `protoc --descriptor_set_out=fork.pb "
            f"-I{path.parent} {path}` and pass fork.pb, or pip install 'fillers[proto]'"
        ) from None
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "set.pb"
        args = ["protoc", f"-I{path.parent.resolve()}", f"--descriptor_set_out={out}", path.name]
        if protoc.main(args) != 0 or not out.is_file():
            raise FillerError(f"{path}: protoc could not compile it (its messages are above)")
        return out.read_bytes()
