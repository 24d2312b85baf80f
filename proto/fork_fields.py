"""Regenerate fillers/net/layers/declared/ (one module per fork) from the forks' caffe.proto files:
`python proto/fork_fields.py DIR`, DIR holding each fork's src/caffe/proto/caffe.proto saved
as <key>.proto (keys and commits in FORKS below; `git show COMMIT:src/caffe/proto/caffe.proto`,
under caffe/ for CTPN and tools/caffe-sphereface/ for SphereFace).

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
import textwrap
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
    "refinedet": ("sfzhang15/RefineDet", "master", "52b6fe23dc1a160fe710b7734576dca509bf4fae"),
    "ctpn": ("tianzhi0549/CTPN (caffe/)", "master", "f77ec9e7c4c010c8834cf0f87111370b14a00f33"),
    "hed": ("s9xie/hed", "master", "912632b986acc6dd6cc33b95603b2f279d7bd9f2"),
    "caffe_face": ("ydwen/caffe-face", "caffe-face", "48ff38e30dd303511ac6b5f9455474453fef2644"),
    "sphereface": (
        "wy1iu/sphereface (tools/caffe-sphereface)",
        "master",
        "f20b130a6e080bb51d2e46a9e157686df622bef3",
    ),
    "caffe_windows": ("happynear/caffe-windows", "ms", "967eedf25009e334b7f6f933bb5e17aaaff5bef6"),
    "textboxes": ("MhLiao/TextBoxes", "master", "fd4d7a96dce686938a8485ea5c2e895df592610a"),
    "textboxes_pp": ("MhLiao/TextBoxes_plusplus", "master", "39d4898de1504c53a2ed3d67966a57b3595836d0"),
    "openpose": (
        "CMU-Perceptual-Computing-Lab/caffe_train",
        "master",
        "76dd9563fb24cb1702d0245cda7cc36ec2aed43b",
    ),
    "enet": ("TimoSaemann/caffe-enet", "master", "22d356c956cdc5e752e6d40612e4f6c60fc8f471"),
    "microsoft": ("Microsoft/caffe", "master", "1a2be8ecf9ba318d516d79187845e90ac6e73197"),
    "yolo": ("eric612/MobileNet-YOLO", "master", "69b4441cb3ec8d553fbdef788ad033e246f901bd"),
}

# Layer type -> [(fork key, layer field)]: the blocks each built fork layer reads, and the
# BVLC blocks a fork widened that the fork's published nets set on BVLC layer types.
LAYERS = {
    "Normalize": [("ssd", "norm_param"), ("caffe_windows", "normalize_param")],
    "PriorBox": [("ssd", "prior_box_param"), ("textboxes_pp", "prior_box_param")],
    "Permute": [("ssd", "permute_param")],
    "DetectionOutput": [
        ("ssd", "detection_output_param"),
        ("refinedet", "detection_output_param"),
        ("textboxes_pp", "detection_output_param"),
    ],
    "MultiBoxLoss": [
        ("ssd", "multibox_loss_param"),
        ("refinedet", "multibox_loss_param"),
        ("textboxes_pp", "multibox_loss_param"),
    ],
    "AnnotatedData": [
        ("ssd", "annotated_data_param"),
        ("ssd", "transform_param"),
        ("yolo", "annotated_data_param"),
        ("yolo", "transform_param"),
    ],
    "BN": [
        ("segnet", "bn_param"),
        ("pspnet", "bn_param"),
        ("yjxiong", "bn_param"),
        ("caffe_windows", "bn_param"),
    ],
    "DenseImageData": [("segnet", "dense_image_data_param"), ("enet", "dense_image_data_param")],
    "Upsample": [("segnet", "upsample_param")],
    "SoftmaxWithLoss": [("segnet", "loss_param")],
    "Dropout": [("segnet", "dropout_param"), ("frcnn", "dropout_param")],
    "Interp": [("pspnet", "interp_param")],
    "VideoData": [("yjxiong", "video_data_param"), ("yjxiong", "transform_param")],
    "PSROIPooling": [("rfcn", "psroi_pooling_param")],
    "SmoothL1LossOHEM": [("rfcn", "loss_param"), ("rfcn", "smooth_l1_loss_param")],
    "ROIPooling": [("frcnn", "roi_pooling_param")],
    "SmoothL1Loss": [("frcnn", "smooth_l1_loss_param")],
    "ImageSegData": [("pspnet", "image_data_param"), ("pspnet", "transform_param")],
    "DetectionEvaluate": [("ssd", "detection_evaluate_param")],
    "LargeMarginInnerProduct": [("caffe_windows", "largemargin_inner_product_param")],
    "SegAccuracy": [("pspnet", "seg_accuracy_param")],
    "BoxAnnotatorOHEM": [("rfcn", "box_annotator_ohem_param")],
    "CPMData": [("openpose", "cpm_transform_param")],
    "Lstm": [("ctpn", "lstm_param")],
    "Reverse": [("ctpn", "reverse_param")],
    "Transpose": [("ctpn", "transpose_param")],
    "ImageLabelmapData": [("hed", "image_data_param")],
    "CenterLoss": [("caffe_face", "center_loss_param"), ("caffe_windows", "center_loss_param")],
    "MarginInnerProduct": [("sphereface", "margin_inner_product_param")],
    "LabelSpecificAdd": [("caffe_windows", "label_specific_add_param")],
    "ChannelScale": [("caffe_windows", "channel_scale_param")],
    "Flip": [("caffe_windows", "flip_param")],
    "InnerDistance": [("caffe_windows", "inner_distance_param")],
    "InnerProduct": [("caffe_windows", "inner_product_param")],
    "Reorg": [("yolo", "reorg_param")],
    "Yolov3": [("yolo", "yolov3_param")],
    "RegionLoss": [("yolo", "region_loss_param")],
    "Yolov3DetectionOutput": [("yolo", "yolov3_detection_output_param")],
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
        '"""' + textwrap.fill(summary, 96),
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
    # Per layer type, a later fork declares only the fields an earlier one did not: a fork built
    # on another (MobileNet-YOLO on SSD) may widen an enum the first declared; the first stays.
    declarations: dict[str, list[str]] = {key: [] for key in FORKS}
    for layer_type, blocks in LAYERS.items():
        taken: dict[str, set[str]] = {}
        for key, name in blocks:
            message = layers[key].fields_by_name[name].message_type
            known = ours.fields_by_name.get(name)
            names = (
                [f.name for f in message.fields] if known is None else widened(message, known.message_type)
            )
            seen = taken.setdefault(name, set())
            names = [item for item in names if item not in seen]
            seen.update(names)
            body = block_text(message, names, 1)
            declarations[key] += ["", f"declare_fields({layer_type!r}, {{{name!r}: {body}}}, origin=ORIGIN)"]
    for key, (repo, branch, commit) in FORKS.items():
        origin = f"{repo}, branch {branch} @ {commit[:8]}"
        summary = f"The fields {repo}'s layers declare beyond caffe.proto, read from its caffe.proto."
        written.append(write(key, header(summary, origin) + declarations[key]))
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
