"""Regenerate fillers/net/layers/declared/ (one module per fork) from the forks' caffe.proto files:
`python proto/fork_fields.py DIR`, DIR holding each fork's src/caffe/proto/caffe.proto saved
as <key>.proto (keys and commits in FORKS below; `git show COMMIT:src/caffe/proto/caffe.proto`).

Each fork's caffe.proto is compiled with grpcio-tools' protoc (a test dependency) and compared
with ours (BVLC's): a parameter block the fork adds is declared whole, with its types and
defaults; a BVLC block the fork widens is declared with the fields it adds; an enum the fork
widens, with all its values. Which layer types take which blocks is the table LAYERS below,
read from each fork's layer code. The output is plain declarations, reviewed like code.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from google.protobuf import descriptor_pb2, descriptor_pool
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from grpc_tools import protoc

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from fillers._proto import filler_pb2  # noqa: E402
from fillers._proto.pool import is_repeated  # noqa: E402

OUT = REPO / "fillers" / "net" / "layers" / "declared"

# key -> (repository, branch, commit): where each caffe.proto was read.
FORKS = {
    "ssd": ("weiliu89/caffe", "ssd", "4817bf8b4200b35ada8ed0dc378dceaf38c539e4"),
    "segnet": ("alexgkendall/caffe-segnet", "segnet-cleaned", "344c113bf1832886f1cbe9f33ffe28a3beeaf412"),
    "pspnet": ("hszhao/PSPNet", "master", "798bdc907c8630e8c3997ebfdd0d7cae0c5ab03b"),
    "yjxiong": ("yjxiong/caffe", "action_recog", "9831a2b4d67e3f99418b6f2f99b6dde716853672"),
    "rfcn": ("daijifeng001/caffe-rfcn", "r-fcn", "543f8f6a4b7c88256ea1445ae951a12d1ad9cffd"),
    "frcnn": ("rbgirshick/caffe-fast-rcnn", "faster-rcnn", "4115385deb3b907fcd428ac0ab53b694d741a3c4"),
}

# Layer type -> [(fork key, layer field)]: the blocks each built fork layer reads, and the
# BVLC blocks a fork widened that the fork's published nets set on BVLC layer types.
LAYERS = {
    "Normalize": [("ssd", "norm_param")],
    "PriorBox": [("ssd", "prior_box_param")],
    "Permute": [("ssd", "permute_param")],
    "DetectionOutput": [("ssd", "detection_output_param")],
    "MultiBoxLoss": [("ssd", "multibox_loss_param")],
    "AnnotatedData": [("ssd", "annotated_data_param"), ("ssd", "transform_param")],
    "BN": [("segnet", "bn_param"), ("pspnet", "bn_param"), ("yjxiong", "bn_param")],
    "DenseImageData": [("segnet", "dense_image_data_param")],
    "Upsample": [("segnet", "upsample_param")],
    "SoftmaxWithLoss": [("segnet", "loss_param")],
    "Dropout": [("segnet", "dropout_param"), ("frcnn", "dropout_param")],
    "Interp": [("pspnet", "interp_param")],
    "VideoData": [("yjxiong", "video_data_param"), ("yjxiong", "transform_param")],
    "PSROIPooling": [("rfcn", "psroi_pooling_param")],
    "SmoothL1LossOHEM": [("rfcn", "loss_param"), ("rfcn", "smooth_l1_loss_param")],
    "ROIPooling": [("frcnn", "roi_pooling_param")],
    "SmoothL1Loss": [("frcnn", "smooth_l1_loss_param")],
}

_KINDS = {
    FieldDescriptor.CPPTYPE_BOOL: "bool",
    FieldDescriptor.CPPTYPE_STRING: "str",
    FieldDescriptor.CPPTYPE_FLOAT: "float",
    FieldDescriptor.CPPTYPE_DOUBLE: "float",
}


def compiled(path: Path) -> Descriptor:
    """The fork's LayerParameter, from its caffe.proto compiled in a pool of its own."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "set.pb"
        args = ["protoc", f"-I{path.parent}", f"--descriptor_set_out={out}", path.name]
        if protoc.main(args) != 0:
            raise SystemExit(f"protoc failed on {path}")
        files = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())
    pool = descriptor_pool.DescriptorPool()
    for file in files.file:
        pool.Add(file)
    return pool.FindMessageTypeByName("caffe.LayerParameter")


def field_text(item: FieldDescriptor, indent: int) -> str:
    repeated = is_repeated(item)
    if item.message_type is not None:
        if item.message_type.name == "FillerParameter":
            kind = "FillerParameter"
        else:
            kind = block_text(item.message_type, [f.name for f in item.message_type.fields], indent)
        return f"field({kind}, repeated=True)" if repeated else kind
    if item.enum_type is not None:
        names = ", ".join(repr(value.name) for value in item.enum_type.values)
        kind = f"({names},)"
        if repeated:
            return f"field({kind}, repeated=True)"
        return f"field({kind}, {item.enum_type.values_by_number[item.default_value].name!r})"
    kind = _KINDS.get(item.cpp_type, "int")
    if repeated:
        return f"[{kind}]"
    default = item.default_value
    if item.cpp_type == FieldDescriptor.CPPTYPE_FLOAT:
        default = float(str(np.float32(default)))  # the shortest text of caffe.proto's float32
    return f"field({kind}, {default!r})"


def block_text(message: Descriptor, names: list[str], indent: int) -> str:
    pad = "    " * (indent + 1)
    lines = [f"{pad}{name!r}: {field_text(message.fields_by_name[name], indent + 1)}," for name in names]
    return "{\n" + "\n".join(lines) + "\n" + "    " * indent + "}"


def widened(fork: Descriptor, ours: Descriptor) -> list[str]:
    """The fields of a BVLC block the fork adds, or whose enum it widens."""
    names = []
    for item in fork.fields:
        known = ours.fields_by_name.get(item.name)
        added = known is None or (
            known.enum_type is not None
            and bool(set(item.enum_type.values_by_name) - set(known.enum_type.values_by_name))
        )
        if added:
            names.append(item.name)
    return names


def header(summary: str, origin: str) -> list[str]:
    return [
        f'"""{summary}',
        "",
        "Generated by proto/fork_fields.py; regenerate rather than edit.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from ...._proto.filler_pb2 import FillerParameter",
        "from ...fields import declare_fields, field",
        "",
        f"ORIGIN = {origin!r}",
    ]


def write(name: str, lines: list[str]) -> Path:
    """One module; ruff (run after) drops an import it does not use."""
    path = OUT / f"{name}.py"
    path.write_text("\n".join(lines) + "\n")
    return path


def main(proto_dir: str) -> None:
    layers = {key: compiled(Path(proto_dir) / f"{key}.proto") for key in FORKS}
    ours = filler_pb2.LayerParameter.DESCRIPTOR
    OUT.mkdir(exist_ok=True)
    written = []
    for key, (repo, branch, commit) in FORKS.items():
        origin = f"{repo}, branch {branch} @ {commit[:8]}"
        out = header(
            f"The fields {repo}'s layers declare beyond caffe.proto, read from its caffe.proto.", origin
        )
        for layer_type, blocks in LAYERS.items():
            for fork, name in blocks:
                if fork != key:
                    continue
                message = layers[key].fields_by_name[name].message_type
                known = ours.fields_by_name.get(name)
                names = (
                    [f.name for f in message.fields]
                    if known is None
                    else widened(message, known.message_type)
                )
                out.append("")
                body = block_text(message, names, 1)
                out.append(f"declare_fields({layer_type!r}, {{{name!r}: {body}}}, origin=ORIGIN)")
        written.append(write(key, out))
    # ShuffleNet ships no caffe.proto: its README gives the message to add.
    out = header(
        "ShuffleNet's ShuffleChannelParameter, from its README (it ships no caffe.proto).",
        "farmingyard/ShuffleNet README @ 566005eb (ShuffleChannelParameter)",
    )
    out += [
        "",
        'declare_fields("ShuffleChannel", {"shuffle_channel_param": {"group": field(int, 1)}}, '
        "origin=ORIGIN)",
    ]
    written.append(write("shufflenet", out))
    # ceil_mode: BVLC pull request 3057, never merged (BVLC took round_mode), in the caffe that
    # DenseNet-Caffe's nets need; its Reshape rounds down when false, as round_mode FLOOR.
    out = header(
        "Pooling's ceil_mode, from BVLC pull request 3057 (never merged), which DenseNet-Caffe's nets set.",
        "BVLC/caffe pull request 3057 (ceil_mode), as in shicai/DenseNet-Caffe's nets",
    )
    out += [
        "",
        'declare_fields("Pooling", {"pooling_param": {"ceil_mode": field(bool, True)}}, origin=ORIGIN)',
    ]
    written.append(write("ceil_mode", out))
    names = [path.stem for path in written]
    init = [
        '"""The fields the built-in fork layers declare beyond caffe.proto, one module per fork;',
        "each registers its declarations when imported. Generated by proto/fork_fields.py.",
        '"""',
        "",
        f"from . import {', '.join(names)}",
        "",
        f"__all__ = {names!r}",
        "",
    ]
    (OUT / "__init__.py").write_text("\n".join(init))
    subprocess.run([sys.executable, "-m", "ruff", "format", str(OUT)], check=True)
    subprocess.run([sys.executable, "-m", "ruff", "check", "--fix", "-q", str(OUT)], check=True)


if __name__ == "__main__":
    main(sys.argv[1])
