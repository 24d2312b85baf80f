"""Regenerate fillers/_proto from proto/filler.proto: `python proto/generate.py`.

Runs grpcio-tools' bundled protoc (a test dependency), so the result does not depend on a
system protoc. It writes two files:

- filler_pb2.py: the schema's serialized FileDescriptorProto and the names protoc's own
  Python output would define (messages, top-level enums and their values), built by
  fillers/_proto/pool.py in a private descriptor pool. Unlike protoc's Python output it
  carries no runtime version check, so it runs on every protobuf from 3.20.3 on.
- filler_pb2.pyi: protoc's type stubs, for editors and type checkers.

The schema is named "fillers/_proto/filler.proto" (package "fillers"): the path the module
lands on, and a name no user's own caffe.proto takes.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from google.protobuf import descriptor_pb2
from grpc_tools import protoc

REPO = Path(__file__).resolve().parent.parent
PROTO_DIR = REPO / "proto"
# protoc's virtual path: files under proto/ are known as fillers/_proto/<name>.
VIRTUAL_DIR = "fillers/_proto"
SCHEMA = "filler.proto"
MODULE = REPO / VIRTUAL_DIR / "filler_pb2.py"
BYTES_PER_LINE = 64


def run_protoc(*outputs: str) -> None:
    """Compile the schema with the given protoc output flags, e.g. "--pyi_out=DIR"."""
    args = ["protoc", f"-I{VIRTUAL_DIR}={PROTO_DIR}", *outputs, f"{VIRTUAL_DIR}/{SCHEMA}"]
    if protoc.main(args) != 0:
        raise RuntimeError(f"protoc failed: {' '.join(args)}")


def compiled_schema() -> descriptor_pb2.FileDescriptorProto:
    """proto/filler.proto as protoc compiles it (no source info: nothing at run time needs it)."""
    with tempfile.TemporaryDirectory() as tmp:
        descriptor_set = Path(tmp) / "filler.pb"
        run_protoc(f"--descriptor_set_out={descriptor_set}")
        (file,) = descriptor_pb2.FileDescriptorSet.FromString(descriptor_set.read_bytes()).file
    return file


def render_module(file: descriptor_pb2.FileDescriptorProto) -> str:
    """The text of filler_pb2.py for a compiled schema."""
    serialized = file.SerializeToString()
    chunks = [serialized[i : i + BYTES_PER_LINE] for i in range(0, len(serialized), BYTES_PER_LINE)]
    lines = [
        f'"""Generated from proto/{SCHEMA} by proto/generate.py; do not edit by hand.',
        "",
        f"The schema ({file.name}) as a serialized FileDescriptorProto, loaded into a private",
        "descriptor pool by fillers/_proto/pool.py: no protobuf version check, no shared names.",
        '"""',
        "",
        "from fillers._proto.pool import load_schema",
        "",
        "_SERIALIZED_FILE = (",
        *(f"    {chunk!r}" for chunk in chunks),
        ")",
        "_schema = load_schema(_SERIALIZED_FILE, __name__)",
        "",
        "DESCRIPTOR = _schema.file",
        "",
    ]
    for enum in file.enum_type:
        lines.append(f'{enum.name} = _schema.enums["{enum.name}"]')
        lines.extend(f"{value.name} = {value.number}" for value in enum.value)
    lines.append("")
    lines.extend(f'{message.name} = _schema.messages["{message.name}"]' for message in file.message_type)
    return "\n".join(lines) + "\n"


def main() -> int:
    """Write fillers/_proto/filler_pb2.py and its .pyi stub."""
    MODULE.write_text(render_module(compiled_schema()))
    run_protoc(f"--pyi_out={REPO}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
