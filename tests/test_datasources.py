"""Data-layer shapes as Caffe gets them: from the prototxt where it fixes them, else from the
first record of the source on disk (LMDB, LevelDB, an image list, HDF5), else an error that
says which flag to type."""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pytest
from optional import require

import fillers
from fillers.cli.commands import main
from fillers.net.plan import plan_net


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def datum(
    channels: int = 0, height: int = 0, width: int = 0, data: bytes = b"", encoded: bool = False
) -> bytes:
    """A serialized caffe.Datum (channels 1, height 2, width 3, data 4, label 5, encoded 7)."""
    fields = b""
    for number, value in ((1, channels), (2, height), (3, width)):
        if value:
            fields += varint(number << 3) + varint(value)
    fields += varint(4 << 3 | 2) + varint(len(data)) + data + varint(5 << 3) + varint(7)
    if encoded:
        fields += varint(7 << 3) + varint(1)
    return fields


def png(width: int, height: int, mode: str = "RGB") -> bytes:
    image_module = require("PIL.Image")
    buffer = io.BytesIO()
    image_module.new(mode, (width, height)).save(buffer, format="PNG")
    return buffer.getvalue()


def data_net(source: str, backend: str, crop: int = 0) -> str:
    transform = f"transform_param {{ crop_size: {crop} mirror: true }}" if crop else ""
    return f"""
layer {{ name: "data" type: "Data" top: "data" top: "label" {transform}
  data_param {{ source: "{source}" backend: {backend} batch_size: 8 }} }}
layer {{ name: "ip" type: "InnerProduct" bottom: "data" top: "ip"
  inner_product_param {{ num_output: 2 weight_filler {{ type: "xavier" }} }} }}
"""


def test_lmdb_first_datum_gives_the_shape(tmp_path):
    lmdb = require("lmdb")
    path = tmp_path / "train_lmdb"
    env = lmdb.open(str(path), map_size=1 << 20)
    with env.begin(write=True) as txn:
        txn.put(b"00000000", datum(3, 32, 30, bytes(3 * 32 * 30)))
    env.close()
    plan = plan_net(data_net(str(path), "LMDB"))
    assert plan.layers[0].tops[0] == ("data", (8, 3, 32, 30))
    assert plan.blobs[0].shape == (2, 3 * 32 * 30)
    cropped = plan_net(data_net(str(path), "LMDB", crop=28))
    assert cropped.layers[0].tops[0] == ("data", (8, 3, 28, 28))
    with pytest.raises(fillers.FillerError, match=r"\(8, 1, 32, 30\) contradicts.*8,3,32,30"):
        plan_net(data_net(str(path), "LMDB"), input_shapes={"data": (8, 1, 32, 30)})


def test_leveldb_encoded_datum_is_decoded_for_its_size(tmp_path):
    plyvel = require("plyvel")
    path = tmp_path / "train_leveldb"
    db = plyvel.DB(str(path), create_if_missing=True)
    db.put(b"0", datum(data=png(20, 10), encoded=True))
    db.close()
    plan = plan_net(data_net(str(path), "LEVELDB"))
    assert plan.layers[0].tops[0] == ("data", (8, 3, 10, 20))


def test_image_data_first_image(tmp_path):
    (tmp_path / "a.png").write_bytes(png(17, 13, mode="L"))
    listing = tmp_path / "list.txt"
    listing.write_text("a.png 0\n")
    net = f"""
layer {{ name: "data" type: "ImageData" top: "data" top: "label"
  image_data_param {{ source: "{listing}" root_folder: "{tmp_path}/" batch_size: 2 is_color: false }} }}
layer {{ name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param {{ num_output: 2 }} }}
"""
    plan = plan_net(net)
    assert plan.layers[0].tops[0] == ("data", (2, 1, 13, 17))


def test_hdf5_data_datasets(tmp_path):
    h5py = require("h5py")
    with h5py.File(tmp_path / "a.h5", "w") as data:
        data["data"] = np.zeros((100, 4, 5), np.float32)
        data["label"] = np.zeros((100,), np.float32)
    listing = tmp_path / "files.txt"
    listing.write_text(f"{tmp_path / 'a.h5'}\n")
    net = f"""
layer {{ name: "data" type: "HDF5Data" top: "data" top: "label"
  hdf5_data_param {{ source: "{listing}" batch_size: 10 }} }}
layer {{ name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param {{ num_output: 3 }} }}
"""
    plan = plan_net(net)
    assert plan.layers[0].tops == (("data", (10, 4, 5)), ("label", (10,)))
    assert plan.blobs[0].shape == (3, 20)


def test_missing_source_asks_for_the_exact_flag(tmp_path, capsys):
    net = tmp_path / "net.prototxt"
    net.write_text(data_net(str(tmp_path / "absent_lmdb"), "LMDB", crop=227))
    assert main(["net", str(net)]) == 1
    assert "give it as --input data=DIMS (the prototxt fixes 8,?,227,227)" in capsys.readouterr().err
    assert main(["net", str(net), "--input", "data=8,3,128,128"]) == 1
    assert "--input data=8,3,128,128 contradicts the prototxt" in capsys.readouterr().err
    assert main(["net", str(net), "--seed", "1", "--input", "data=8,3,227,227"]) == 0


def test_import_fillers_imports_no_reader():
    code = (
        "import sys, fillers, fillers.cli\n"
        "fillers.init_net('layer { name: \\'d\\' type: \\'Input\\' top: \\'d\\' '\n"
        "                 'input_param { shape { dim: 1 } } }')\n"
        "print(sorted({'lmdb', 'plyvel', 'PIL', 'h5py', 'matplotlib'} & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("layer", "fixed"),
    [
        (
            'type: "MemoryData" top: "data" top: "label" '
            "memory_data_param { batch_size: 4 channels: 3 height: 8 width: 8 }",
            "4,3,8,8",
        ),
        (
            'type: "DummyData" top: "data" dummy_data_param { shape { dim: 4 dim: 3 dim: 8 dim: 8 } }',
            "4,3,8,8",
        ),
        ('type: "Input" top: "data" input_param { shape { dim: 4 dim: 3 dim: 8 dim: 8 } }', "4,3,8,8"),
    ],
)
def test_an_input_shape_that_contradicts_the_prototxt_names_both(layer, fixed):
    net = f'layer {{ name: "data" {layer} }}'
    with pytest.raises(fillers.FillerError, match=rf"\(4, 3, 9, 8\) contradicts.*{fixed}"):
        plan_net(net, input_shapes={"data": (4, 3, 9, 8)})
    assert plan_net(net, input_shapes={"data": (4, 3, 8, 8)}).layers[0].tops[0] == ("data", (4, 3, 8, 8))


def test_annotated_data_reads_its_first_annotated_datum(tmp_path):
    lmdb = require("lmdb")
    from pathlib import Path

    path = tmp_path / "trainval_lmdb"
    image = datum(data=png(500, 375), encoded=True)
    # AnnotatedDatum: datum 1, type 2 (BBOX), annotation_group 3 { annotation 2 {...} x3 }
    group = b"".join(varint(2 << 3 | 2) + varint(2) + varint(1 << 3) + varint(i) for i in range(3))
    record = varint(1 << 3 | 2) + varint(len(image)) + image + varint(2 << 3) + varint(0)
    record += varint(3 << 3 | 2) + varint(len(group)) + group
    env = lmdb.open(str(path), map_size=1 << 20)
    with env.begin(write=True) as txn:
        txn.put(b"0", record)
    env.close()
    text = (Path(__file__).parent / "data" / "forks" / "MobileNetSSD_train.prototxt").read_text()
    net = tmp_path / "ssd.prototxt"
    net.write_text(text.replace('source: "trainval_lmdb/"', f'source: "{path}"'))
    plan = plan_net(net)
    # resize_param WARP 300x300; channels from the decoded image; 3 boxes.
    assert plan.layers[0].tops == (("data", (24, 3, 300, 300)), ("label", (1, 1, 3, 8)))
