"""Data shapes read from a data layer's source on disk, the way Caffe's setup reads them.

Caffe's data layers size their image top from the first record: DataLayer from the first
Datum of its LMDB or LevelDB (DataTransformer::InferBlobShape: the Datum's channels, height
and width, or the decoded image's for an encoded one), ImageDataLayer from the first image of
its list, HDF5DataLayer from the first file's datasets. Each reader is an optional extra,
imported only here: lmdb, plyvel (LevelDB), Pillow, h5py (`pip install 'fillers[data]'`).

Paths are taken as Caffe takes them: relative to the working directory. A source that is not
there gives None, and the caller asks for the shape (`--input`/input_shapes).
"""

from __future__ import annotations

import io
import os
from typing import Any

from ...errors import FillerError

Dims = tuple[int, int, int]  # (channels, height, width)


def _need(module: str, package: str, source: str) -> Any:
    try:
        return __import__(module)
    except ImportError:
        raise FillerError(
            f"reading the shape of {source} needs the {package} package: pip install 'fillers[data]' "
            "(or give the top's shape with --input / input_shapes)"
        ) from None


def first_datum_dims(
    source: str, backend: str, force_color: bool = False, force_gray: bool = False
) -> Dims | None:
    """(C, H, W) of the first Datum of an LMDB ("LMDB") or LevelDB ("LEVELDB") database, as
    DataTransformer::InferBlobShape sees it; None when `source` does not exist."""
    if not os.path.isdir(source):
        return None
    value = _first_lmdb_value(source) if backend == "LMDB" else _first_leveldb_value(source)
    if value is None:
        raise FillerError(f"{source}: the database is empty")
    return datum_dims(value, source, force_color, force_gray)


def _first_lmdb_value(source: str) -> bytes | None:
    lmdb = _need("lmdb", "lmdb", source)
    try:
        env = lmdb.open(source, readonly=True, lock=False, readahead=False, max_readers=1)
    except lmdb.Error as error:
        raise FillerError(f"{source}: not an LMDB database: {error}") from None
    try:
        with env.begin() as txn:
            cursor = txn.cursor()
            return bytes(cursor.value()) if cursor.first() else None
    finally:
        env.close()


def _first_leveldb_value(source: str) -> bytes | None:
    plyvel = _need("plyvel", "plyvel", source)
    try:
        db = plyvel.DB(source, create_if_missing=False)
    except plyvel.Error as error:
        raise FillerError(f"{source}: not a LevelDB database: {error}") from None
    try:
        for _, value in db.iterator():
            return bytes(value)
        return None
    finally:
        db.close()


def datum_dims(value: bytes, source: str, force_color: bool = False, force_gray: bool = False) -> Dims:
    """(C, H, W) of a serialized caffe.Datum (channels 1, height 2, width 3, data 4, encoded 7);
    an encoded Datum's image is decoded for its size, its channels as Caffe's decode gives
    them (force_color 3, force_gray 1, else the image's own)."""
    fields = _wire_fields(value, source)
    if fields.get(7):
        image = _image_dims(fields.get(4, b""), source)
        channels = 3 if force_color else 1 if force_gray else image[0]
        return channels, image[1], image[2]
    dims = (fields.get(1, 0), fields.get(2, 0), fields.get(3, 0))
    if dims[0] <= 0:
        raise FillerError(f"{source}: the first Datum has no channels [Check failed: datum_channels > 0]")
    return dims


def first_annotated_datum(source: str, backend: str) -> tuple[bytes, int, bool] | None:
    """The Datum inside the first AnnotatedDatum of an SSD database, how many boxes its
    annotation groups hold, and whether it sets its type (AnnotatedDatum: datum 1, type 2,
    annotation_group 3; AnnotationGroup: annotation 2); None when `source` does not exist."""
    if not os.path.isdir(source):
        return None
    value = _first_lmdb_value(source) if backend == "LMDB" else _first_leveldb_value(source)
    if value is None:
        raise FillerError(f"{source}: the database is empty")
    fields = _wire_fields(value, source, repeated=True)
    datum = fields.get(1, [b""])[-1]
    boxes = sum(len(_wire_fields(group, source, repeated=True).get(2, [])) for group in fields.get(3, []))
    return datum, boxes, 2 in fields


def _wire_fields(value: bytes, source: str, repeated: bool = False) -> dict[int, Any]:
    """The varint and length-delimited fields of a protobuf message: the last value of each,
    or with `repeated` the list of all."""
    fields: dict[int, Any] = {}
    position = 0
    try:
        while position < len(value):
            key, position = _varint(value, position)
            number, wire = key >> 3, key & 7
            if wire == 0:
                item, position = _varint(value, position)
            elif wire == 2:
                length, position = _varint(value, position)
                item = value[position : position + length]
                position += length
                if position > len(value):
                    raise ValueError("truncated field")
            elif wire == 5:
                position += 4
            elif wire == 1:
                position += 8
            else:
                raise ValueError(f"wire type {wire}")
            if wire in (0, 2):
                if repeated:
                    fields.setdefault(number, []).append(item)
                else:
                    fields[number] = item
    except (IndexError, ValueError) as error:
        raise FillerError(f"{source}: the first record is not a Datum ({error})") from None
    return fields


def _varint(data: bytes, position: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, position
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def _image_dims(data: bytes | str, where: str) -> Dims:
    """(channels, height, width) of an image as OpenCV's native decode gives them."""
    pil = _need("PIL.Image", "Pillow", where)
    image_module = pil.Image if hasattr(pil, "Image") else pil
    try:
        source = io.BytesIO(data) if isinstance(data, bytes) else data
        with image_module.open(source) as image:
            bands = len(image.getbands())
            width, height = image.size
    except (OSError, ValueError) as error:
        raise FillerError(f"{where}: cannot read the image: {error}") from None
    # OpenCV decodes palette images to 3 channels and drops no alpha natively.
    return (3 if bands == 1 and image.mode == "P" else bands), height, width


def first_image_dims(source: str, root_folder: str) -> tuple[int, int] | None:
    """(height, width) of the first image an ImageData list names; None without the list or
    the image. (With shuffle, Caffe takes whichever image comes first after shuffling; all
    images of a list usually share one size.)"""
    if not os.path.isfile(source):
        return None
    try:
        with open(source, encoding="utf-8") as lines:
            first = next((line.split() for line in lines if line.strip()), None)
    except (OSError, UnicodeDecodeError) as error:
        raise FillerError(f"{source}: cannot read the image list: {error}") from None
    if not first:
        raise FillerError(f"{source}: the image list is empty")
    path = root_folder + first[0]
    if not os.path.isfile(path):
        return None
    _, height, width = _image_dims(path, path)
    return height, width


def hdf5_top_shapes(source: str, tops: list[str]) -> list[tuple[int, ...]] | None:
    """Each top's dataset shape in the first HDF5 file the source list names (HDF5DataLayer
    reads `top` datasets of the first file; the batch axis is then batch_size)."""
    if not os.path.isfile(source):
        return None
    try:
        with open(source, encoding="utf-8") as lines:
            files = [line.strip() for line in lines if line.strip()]
    except (OSError, UnicodeDecodeError) as error:
        raise FillerError(f"{source}: cannot read the HDF5 file list: {error}") from None
    if not files:
        raise FillerError(f"{source}: the HDF5 file list is empty [Check failed: num_files_ >= 1]")
    if not os.path.isfile(files[0]):
        return None
    h5py = _need("h5py", "h5py", source)
    try:
        with h5py.File(files[0], "r") as data:
            shapes = []
            for top in tops:
                if top not in data:
                    raise FillerError(f"{files[0]}: no dataset {top!r} for the top of that name")
                shapes.append(tuple(int(dim) for dim in data[top].shape))
    except OSError as error:
        raise FillerError(f"{files[0]}: not an HDF5 file: {error}") from None
    return shapes
