"""Regenerate fillers/_proto from proto/filler.proto: `python proto/generate.py`.

Runs grpcio-tools' bundled protoc (a test dependency), so the result does not depend on a
system protoc. The schema is registered as "fillers/_proto/filler.proto": a name no user's
own caffe.proto can take in the process-wide descriptor pool, and the path the module lands on.
"""

from __future__ import annotations

import sys
from pathlib import Path

from grpc_tools import protoc

REPO = Path(__file__).resolve().parent.parent
PROTO_DIR = REPO / "proto"
# protoc's virtual path: files under proto/ are known as fillers/_proto/<name>.
VIRTUAL_DIR = "fillers/_proto"
SCHEMA = "filler.proto"


def run_protoc(*outputs: str) -> None:
    """Compile the schema with the given protoc output flags, e.g. "--python_out=DIR"."""
    args = ["protoc", f"-I{VIRTUAL_DIR}={PROTO_DIR}", *outputs, f"{VIRTUAL_DIR}/{SCHEMA}"]
    if protoc.main(args) != 0:
        raise RuntimeError(f"protoc failed: {' '.join(args)}")


def main() -> int:
    """Write fillers/_proto/filler_pb2.py and its .pyi stub."""
    run_protoc(f"--python_out={REPO}", f"--pyi_out={REPO}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
