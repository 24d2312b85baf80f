"""Weights files from strangers (issue 20): read only from the file itself, in bounded
memory, every bad input a FillerError before any side effect."""

from __future__ import annotations

import contextlib
import json
import os
import struct
import subprocess
import sys
import textwrap
import time
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from optional import require

import fillers
from fillers.cli import main
from fillers.cli.statistics import statistics
from fillers.weights.finetune import opened_weights
from fillers.weights.wire import encode_key as _key
from fillers.weights.wire import encode_varint as _varint

h5py = require("h5py")
SECRET = b"secret bytes of another file\n" * 4


def _layer(name: bytes, *blobs: bytes) -> bytes:
    body = _key(1, 2) + _varint(len(name)) + name + b"".join(_key(7, 2) + _varint(len(b)) + b for b in blobs)
    return _key(100, 2) + _varint(len(body)) + body


def _shape(*dims: int) -> bytes:
    packed = b"".join(_varint(dim) for dim in dims)
    inner = _key(1, 2) + _varint(len(packed)) + packed
    return _key(7, 2) + _varint(len(inner)) + inner


def _refused(path, match: str) -> None:
    with pytest.raises(fillers.FillerError, match=match):
        fillers.load_weights(path)


# --- 1. HDF5 reads only the file itself -------------------------------------------------------


def test_hdf5_external_storage_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_bytes(SECRET)
    path = tmp_path / "evil.caffemodel.h5"
    with h5py.File(path, "w") as file:
        file.create_group("data/ip").create_dataset(
            "0", shape=(8,), dtype="<f4", external=[(str(secret), 0, 32)]
        )
    _refused(path, "external files")


def test_hdf5_virtual_datasets_are_refused(tmp_path):
    source = tmp_path / "other.h5"
    with h5py.File(source, "w") as file:
        file["values"] = np.arange(4, dtype=np.float32)
    layout = h5py.VirtualLayout(shape=(4,), dtype="<f4")
    layout[:] = h5py.VirtualSource(str(source), "values", shape=(4,))
    path = tmp_path / "evil.h5"
    with h5py.File(path, "w") as file:
        file.create_group("data/ip").create_virtual_dataset("0", layout)
    _refused(path, "virtual dataset")


@pytest.mark.parametrize("where", ["data", "data/ip", "data/ip/0"])
def test_hdf5_external_links_are_refused_wherever_they_are(tmp_path, where):
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as file:
        file["data/ip/0"] = np.ones(3, np.float32)
    path = tmp_path / "evil.h5"
    with h5py.File(path, "w") as file:
        parent, _, name = where.rpartition("/")
        group = file.require_group(parent) if parent else file
        group[name] = h5py.ExternalLink(str(other), "/" + where)
    _refused(path, "link to another file")


def test_hdf5_soft_links_inside_the_file_are_followed_and_through_external_links_refused(tmp_path):
    inside = tmp_path / "inside.h5"
    with h5py.File(inside, "w") as file:
        file["stash/values"] = np.ones(3, np.float32)
        file.create_group("data/ip")["0"] = h5py.SoftLink("/stash/values")
    assert fillers.load_weights(inside)["ip"][0].tolist() == [1, 1, 1]
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as file:
        file["values"] = np.ones(3, np.float32)
    through = tmp_path / "through.h5"
    with h5py.File(through, "w") as file:
        file["elsewhere"] = h5py.ExternalLink(str(other), "/")
        file.create_group("data/ip")["0"] = h5py.SoftLink("/elsewhere/values")
    _refused(through, "link to another file")


def test_hdf5_soft_link_loops_end(tmp_path):
    path = tmp_path / "loop.h5"
    with h5py.File(path, "w") as file:
        group = file.create_group("data/ip")
        group["0"] = h5py.SoftLink("/data/ip/1")
        group["1"] = h5py.SoftLink("/data/ip/0")
    _refused(path, "more than")


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda g: g.create_dataset("0", data=np.zeros(3, np.float16)), "float16 is not float32"),
        (lambda g: g.create_dataset("0", data=np.zeros(3, np.int32)), "int32 is not float32"),
        (lambda g: g.create_dataset("0", data="text"), "not float32"),
        (lambda g: g.create_dataset("0", shape=(2**20, 2**12), dtype="<f4"), "exceeds INT_MAX"),
        # Never written: HDF5 would return its fill value, 400 MB of it from a 2 KB file.
        (lambda g: g.create_dataset("0", shape=(10**8,), dtype="<f4"), "more than the file holds"),
        (lambda g: g.create_dataset("0", shape=(10**8,), dtype="<f4", chunks=(10**6,)), "more than the file"),
        (
            lambda g: g.create_dataset("0", shape=(10**7,), dtype="<f4", chunks=(10**5,), compression="gzip"),
            "more than the file",
        ),
        (lambda g: g.create_dataset("01", data=np.zeros(3, np.float32)), "named by its index"),
        (lambda g: g.create_dataset("100000000", data=np.zeros(1, np.float32)), "blob index 100000000"),
    ],
)
def test_hdf5_datasets_are_checked_before_they_are_read(tmp_path, make, match):
    path = tmp_path / "w.h5"
    with h5py.File(path, "w") as file:
        make(file.create_group("data/ip"))
    assert path.stat().st_size < 64 * 1024
    _refused(path, match)
    assert main(["weights", str(path)]) == 1


def test_hdf5_compressed_datasets_are_read(tmp_path):
    path = tmp_path / "w.h5"
    values = np.linspace(0, 1, 5000, dtype=np.float32)
    with h5py.File(path, "w") as file:
        file.create_group("data/ip").create_dataset("0", data=values, compression="gzip", shuffle=True)
    assert np.array_equal(fillers.load_weights(path)["ip"][0], values)


def test_hdf5_layer_names_that_are_not_utf8_are_refused(tmp_path):
    path = tmp_path / "w.h5"
    with h5py.File(path, "w") as file:
        file.create_group("data").create_group(b"\xff\xfe")["0"] = np.zeros(2, np.float32)
    _refused(path, "not UTF-8")


def test_hdf5_shared_blobs_keep_their_index(tmp_path):
    path = tmp_path / "w.h5"
    with h5py.File(path, "w") as file:
        file["data/owner/0"] = np.ones(2, np.float32)
        file["data/owner/1"] = np.ones(1, np.float32)
        file["data/sharer/1"] = np.full(1, 5, np.float32)
    params = fillers.load_weights(path)
    assert list(params) == ["owner"]  # sharer's blob 0 is left out: its list stops before it
    with opened_weights(path) as weights:
        assert [index for index, _ in weights.layers[1].numbered()] == [1]


# --- 2. bounded memory and time ----------------------------------------------------------------


def test_a_shape_whose_count_overflows_int64_is_refused(tmp_path, capsys):
    path = tmp_path / "w.caffemodel"
    path.write_bytes(_layer(b"ip", _shape(2**40, 2**40)))
    assert path.stat().st_size < 64
    _refused(path, "exceeds INT_MAX")
    assert main(["weights", str(path)]) == 1
    assert "exceeds INT_MAX" in capsys.readouterr().err


def test_unpacked_floats_are_decoded_in_a_stream(tmp_path):
    count = 300_000
    values = np.arange(count, dtype="<f4")
    unpacked = b"".join(b"\x2d" + value.tobytes() for value in values[:5])
    records = np.empty((count - 5, 5), np.uint8)
    records[:, 0] = 0x2D
    records[:, 1:] = values[5:].view(np.uint8).reshape(-1, 4)
    path = tmp_path / "w.caffemodel"
    path.write_bytes(_layer(b"ip", unpacked + records.tobytes() + _shape(count)))
    start = time.perf_counter()
    loaded = fillers.load_weights(path)["ip"][0]
    assert np.array_equal(loaded, values)
    assert time.perf_counter() - start < 5  # the value-by-value walk took 3.8 s for 1M values


def test_packed_and_unpacked_runs_mix_in_order(tmp_path):
    packed = np.array([1, 2], "<f4").tobytes()
    blob = (
        _key(5, 2) + _varint(len(packed)) + packed
        + b"\x2d" + np.float32(3).tobytes() + b"\x2d" + np.float32(4).tobytes()
        + _key(5, 2) + _varint(len(packed)) + packed
        + _shape(6)
    )  # fmt: skip
    path = tmp_path / "w.caffemodel"
    path.write_bytes(_layer(b"ip", blob))
    assert fillers.load_weights(path)["ip"][0].tolist() == [1, 2, 3, 4, 1, 2]


def test_weights_command_reads_through_one_open_file(tmp_path):
    path = tmp_path / "many.caffemodel"
    fillers.save_weights({f"l{index}": [np.zeros(2, np.float32)] for index in range(1100)}, path)
    script = textwrap.dedent(
        f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
        from fillers.cli import main
        sys.exit(main(["weights", {str(path)!r}]))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1101


@pytest.mark.parametrize("suffix", [".caffemodel", ".safetensors"])
def test_a_file_cut_short_while_it_is_read_is_a_filler_error(tmp_path, suffix):
    path = tmp_path / f"w{suffix}"
    fillers.save_weights({"ip": [np.ones(1 << 16, np.float32)]}, path)
    with opened_weights(path, stored=True) as weights:
        os.truncate(path, 100)
        with pytest.raises(fillers.FillerError, match="changed while it was read"):
            statistics(weights.layers[0].blobs[0].values)


def _npz_claiming(shape: tuple[int, ...], dtype: str = "<f4") -> bytes:
    header = {"descr": dtype, "fortran_order": False, "shape": shape}
    text = repr(header).encode("latin1")
    text += b" " * (63 - (10 + len(text)) % 64) + b"\n"
    npy = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + b"\0" * 16
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("ip/0.npy", npy)
    return buffer.getvalue()


def _safetensors(header: dict, data: bytes = b"") -> bytes:
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("huge.npz", _npz_claiming((10**8,)), "claims more values than the file holds"),
        ("overflow.npz", _npz_claiming((2**40, 2**40)), "exceeds INT_MAX"),
        ("object.npz", _npz_claiming((2,), "|O"), "not float32"),
        ("half.npz", _npz_claiming((2,), "<f2"), "not float32"),
        (
            "huge.safetensors",
            _safetensors({"ip/0": {"dtype": "F32", "shape": [10**8], "data_offsets": [0, 4 * 10**8]}}),
            "inside the file",
        ),
        (
            "bf16.safetensors",
            _safetensors({"ip/0": {"dtype": "BF16", "shape": [1], "data_offsets": [0, 2]}}, b"\0\0"),
            "not F32 or F64",
        ),
        (
            "overlap.safetensors",
            _safetensors(
                {
                    "ip/0": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                    "ip/1": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]},
                },
                b"\0" * 12,
            ),
            "overlaps",
        ),
        (
            "meta.safetensors",
            _safetensors({"__metadata__": {"fillers.layers": "[1, 2]"}}),
            "not a list of",
        ),
        ("meta2.safetensors", _safetensors({"__metadata__": {"fillers.layers": "{"}}), "not JSON"),
        ("meta3.safetensors", _safetensors({"__metadata__": [1]}), "not a mapping"),
        ("header.safetensors", struct.pack("<Q", 2**40) + b"{}", "beyond the file"),
    ],
)
def test_array_files_are_checked_before_anything_is_allocated(tmp_path, name, content, match, capsys):
    path = tmp_path / name
    path.write_bytes(content)
    _refused(path, match)
    assert main(["weights", str(path)]) == 1
    assert capsys.readouterr().err.count("\n") == 1


def test_layer_names_from_files_are_checked(tmp_path):
    path = tmp_path / "w.safetensors"
    path.write_bytes(
        _safetensors({"\ud800/0": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 4)
    )
    _refused(path, "surrogate")


# --- 3. bad inputs to save_weights: FillerError before anything is written ---------------------


@pytest.mark.parametrize("suffix", [".caffemodel", ".caffemodel.h5", ".npz", ".safetensors"])
@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"a\0b": [np.zeros(2)]}, "NUL"),
        ({"\udcff": [np.zeros(2)]}, "surrogate"),
        ({b"ip": [np.zeros(2)]}, "must map a layer name"),
        ({1: [np.zeros(2)]}, "must map a layer name"),
        ({"ip": [np.zeros(2, np.float16)]}, "float16 is not float32 or float64"),
        ({"ip": [np.zeros(2, np.longdouble)]}, "is not float32 or float64"),
        ({"ip": [np.zeros(2, object)]}, "is not float32 or float64"),
        ({"ip": [[1.0, "x"]]}, "is not float32 or float64"),
        ({"ip": 5}, "must map a layer name"),
    ],
)
def test_bad_params_are_filler_errors_before_writing(tmp_path, suffix, params, match):
    path = tmp_path / f"w{suffix}"
    path.write_bytes(b"old")
    with pytest.raises(fillers.FillerError, match=match):
        fillers.save_weights(params, path)
    assert path.read_bytes() == b"old" and len(list(tmp_path.iterdir())) == 1


def test_bad_layer_types_are_filler_errors(tmp_path):
    params = fillers.NetParams.of({"ip": [np.zeros(2)]}, {"ip": "Inner\udcffProduct"})
    with pytest.raises(fillers.FillerError, match="surrogate"):
        fillers.save_weights(params, tmp_path / "w.caffemodel")


@pytest.mark.parametrize(
    ("destination", "match"),
    [
        ("folder.npz", "a directory"),
        ("missing/w.npz", "No such file or directory"),
        ("w.pkl", "unknown weights format"),
        ("file.npz/w.npz", "not a directory"),
    ],
)
def test_bad_destinations_are_filler_errors(tmp_path, destination, match):
    (tmp_path / "folder.npz").mkdir()
    (tmp_path / "file.npz").write_bytes(b"")
    with pytest.raises(fillers.FillerError, match=match):
        fillers.save_weights({"ip": [np.zeros(2)]}, tmp_path / destination)


# --- the memory bound ---------------------------------------------------------------------------


def _hostile_files(folder) -> list:
    """Files of at most 64 KiB that claim far more than they hold, in every format."""
    files = {}
    for name, make in {
        "index.h5": lambda g: g.create_dataset("100000000", data=np.zeros(1, np.float32)),
        "unwritten.h5": lambda g: g.create_dataset("0", shape=(2**29,), dtype="<f4"),
        "chunks.h5": lambda g: g.create_dataset("0", shape=(2**29,), dtype="<f4", chunks=(2**20,)),
    }.items():
        with h5py.File(folder / name, "w") as file:
            make(file.create_group("data/ip"))
        files[name] = None
    one = _key(5, 5) + b"\0\0\0\0" + _shape(1)
    files["overflow.caffemodel"] = _layer(b"ip", _shape(2**40, 2**40))
    files["claims.caffemodel"] = _layer(b"ip", _shape(2**29))
    files["length.caffemodel"] = _layer(b"ip", _key(5, 2) + _varint(2**31 - 8))[:40]
    files["unpacked.caffemodel"] = _layer(b"ip", (b"\x2d" + b"\0" * 4) * 12000 + _shape(12000))
    files["layers.caffemodel"] = b"".join(_layer(b"l%d" % index, one) for index in range(3000))
    files["huge.npz"] = _npz_claiming((2**29,))
    files["huge.safetensors"] = _safetensors(
        {"ip/0": {"dtype": "F32", "shape": [2**29], "data_offsets": [0, 2**31]}}
    )
    for name, content in files.items():
        if content is not None:
            (folder / name).write_bytes(content)
        assert (folder / name).stat().st_size <= 64 * 1024, name
    return sorted(files)


def test_hostile_files_of_64_kib_peak_under_64_mib(tmp_path):
    names = _hostile_files(tmp_path)
    script = textwrap.dedent(
        f"""
        import contextlib, io, resource, sys
        import h5py, numpy
        import fillers
        from fillers.cli import main
        from fillers.weights import arrays, caffemodel, files, hdf5
        fillers.load_weights  # the lazy surface, resolved
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        outcomes = []
        for name in {names!r}:
            path = {str(tmp_path)!r} + "/" + name
            try:
                fillers.load_weights(path)
                outcomes.append("loaded")
            except fillers.FillerError:
                outcomes.append("refused")
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                outcomes.append(main(["weights", path]))
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print((after - before) // 1024, outcomes)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    grown, outcomes = done.stdout.split(" ", 1)
    assert int(grown) < 64, done.stdout
    assert outcomes.count("refused") == len(names) - 2  # all but the 3,000 layers and the unpacked floats


# --- fuzzing -----------------------------------------------------------------------------------

_FUZZ_PARAMS = {
    "conv": [np.arange(24, dtype=np.float32).reshape(2, 3, 2, 2), np.ones(2)],
    "ip": [np.zeros((3, 4))],
}


def _valid_file(folder, suffix: str) -> bytes:
    path = folder / f"valid{suffix}"
    if not path.exists():
        fillers.save_weights(_FUZZ_PARAMS, path)
    return path.read_bytes()


_mutations = st.lists(
    st.tuples(
        st.sampled_from(["flip", "cut", "insert", "zero"]), st.integers(0, 1 << 16), st.binary(max_size=9)
    ),
    min_size=1,
    max_size=4,
)


def _mutated(data: bytes, mutations) -> bytes:
    data = bytearray(data)
    for kind, where, payload in mutations:
        where %= max(1, len(data))
        if kind == "flip" and data:
            data[where] ^= 1 << (where % 8)
        elif kind == "cut":
            del data[where:]
        elif kind == "insert":
            data[where:where] = payload
        elif kind == "zero":
            data[where : where + len(payload)] = bytes(len(payload))[: len(data) - where]
    return bytes(data)


@pytest.mark.parametrize("suffix", [".caffemodel", ".caffemodel.h5", ".npz", ".safetensors"])
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutations=_mutations)
def test_mutated_weights_files_load_or_raise_filler_error(tmp_path, suffix, mutations):
    path = tmp_path / f"mutated{suffix}"
    path.write_bytes(_mutated(_valid_file(tmp_path, suffix), mutations))
    for read in (fillers.load_weights, lambda p: main(["weights", str(p)])):
        with contextlib.suppress(fillers.FillerError):
            read(path)


_hdf5_objects = st.sampled_from(
    ["plain", "external", "virtual", "external_link", "soft_link", "soft_through"]
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kinds=st.lists(_hdf5_objects, min_size=1, max_size=4),
    shape=st.lists(st.integers(0, 5), max_size=3),
    dtype=st.sampled_from(["<f4", ">f8", "<f2", "<i4"]),
)
def test_hdf5_files_built_with_h5pys_own_apis_read_only_themselves(tmp_path, kinds, shape, dtype):
    """External storage, virtual datasets and links built with h5py's APIs are always
    refused; plain datasets load when their dtype is float32 or float64."""
    other = tmp_path / "other.h5"
    secret = tmp_path / "secret.bin"
    secret.write_bytes(SECRET * 8)
    count = int(np.prod(shape))
    with h5py.File(other, "w") as file:
        file["values"] = np.ones(shape, dtype)
    path = tmp_path / "built.h5"
    with h5py.File(path, "w") as file:
        group = file.create_group("data/layer")
        for index, kind in enumerate(kinds):
            name = str(index)
            if kind == "plain":
                group.create_dataset(name, data=np.ones(shape, dtype))
            elif kind == "external":
                group.create_dataset(
                    name, shape=shape, dtype=dtype, external=[(str(secret), 0, max(1, count) * 8)]
                )
            elif kind == "virtual":
                layout = h5py.VirtualLayout(shape=tuple(shape), dtype=dtype)
                layout[...] = h5py.VirtualSource(str(other), "values", shape=tuple(shape))
                group.create_virtual_dataset(name, layout)
            elif kind == "external_link":
                group[name] = h5py.ExternalLink(str(other), "/values")
            elif kind == "soft_link":
                file[f"stash{index}"] = np.ones(shape, dtype)
                group[name] = h5py.SoftLink(f"/stash{index}")
            else:
                if "away" not in file:
                    file["away"] = h5py.ExternalLink(str(other), "/")
                group[name] = h5py.SoftLink("/away/values")
    leaves = {"external", "virtual", "external_link", "soft_through"}
    try:
        params = fillers.load_weights(path)
    except fillers.FillerError:
        assert leaves & set(kinds) or dtype in ("<f2", "<i4")
        return
    assert not leaves & set(kinds) and dtype in ("<f4", ">f8")
    assert all(np.array_equal(blob, np.ones(shape)) for blob in params["layer"])


_blob_dtypes = st.sampled_from(["<f4", ">f4", "<f8", ">f8", "<f2", "<i4", "|b1", "<c8", "O"])


@st.composite
def _saved_blobs(draw):
    dtype = draw(_blob_dtypes)
    shape = tuple(draw(st.lists(st.integers(0, 3), max_size=4)))
    values = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    array = values.astype(dtype) if dtype != "O" else values.astype(object)
    if draw(st.booleans()) and array.ndim:
        array = array[..., ::-1]  # not C-contiguous
    return array


@pytest.mark.parametrize("suffix", [".caffemodel", ".caffemodel.h5", ".npz", ".safetensors"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    layers=st.dictionaries(st.text(max_size=6), st.lists(_saved_blobs(), max_size=3), min_size=1, max_size=3)
)
def test_any_params_save_and_load_back_or_raise_filler_error_leaving_the_old_file(tmp_path, suffix, layers):
    path = tmp_path / f"w{suffix}"
    path.write_bytes(b"old")
    try:
        fillers.save_weights(layers, path)
    except fillers.FillerError:
        assert path.read_bytes() == b"old" and len(list(tmp_path.iterdir())) == 1
        return
    loaded = fillers.load_weights(path)
    for name, blobs in layers.items():
        if not blobs and name not in loaded:
            continue
        if not blobs:
            continue
        assert [np.asarray(b, np.float64).tolist() for b in loaded[name]] == [
            np.asarray(b, np.float64).tolist() for b in blobs
        ]


def test_net_weights_from_an_hdf5_file_pointing_elsewhere_writes_nothing(tmp_path, capsys):
    secret = tmp_path / "secret.txt"
    secret.write_bytes(SECRET)
    evil = tmp_path / "evil.h5"
    with h5py.File(evil, "w") as file:
        file.create_group("data/ip").create_dataset(
            "0", shape=(2, 3), dtype="<f4", external=[(str(secret), 0, 24)]
        )
    net = tmp_path / "net.prototxt"
    net.write_text(
        'layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 } } }\n'
        'layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" '
        "inner_product_param { num_output: 2 bias_term: false } }\n"
    )
    out = tmp_path / "o.caffemodel"
    assert main(["net", str(net), "--weights", str(evil), "--out", str(out)]) == 1
    assert "external files" in capsys.readouterr().err and not out.exists()
