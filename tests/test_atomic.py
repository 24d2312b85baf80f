"""Every file fillers writes appears whole or not at all (fillers.io.atomic, issue 20)."""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from optional import require

import fillers
from fillers.cli import main
from fillers.io import atomic

FORMATS = [".caffemodel", ".caffemodel.h5", ".npz", ".safetensors"]
PARAMS = {"ip": [np.ones((2, 3), np.float32), np.zeros(2, np.float32)]}


@pytest.mark.parametrize("suffix", FORMATS)
def test_a_new_file_gets_the_umasks_mode(tmp_path, suffix):
    mask = os.umask(0o027)
    try:
        fillers.save_weights(PARAMS, tmp_path / f"w{suffix}")
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / f"w{suffix}").stat().st_mode) == 0o640


@pytest.mark.parametrize("suffix", FORMATS)
def test_a_replaced_file_keeps_its_mode(tmp_path, suffix):
    path = tmp_path / f"w{suffix}"
    path.write_bytes(b"old")
    path.chmod(0o604)
    fillers.save_weights(PARAMS, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o604
    assert fillers.load_weights(path)["ip"][0].shape == (2, 3)


@pytest.mark.parametrize("suffix", FORMATS)
def test_a_symlink_is_written_through_to_its_target(tmp_path, suffix):
    target = tmp_path / "real" / f"w{suffix}"
    target.parent.mkdir()
    target.write_bytes(b"old")
    link = tmp_path / f"link{suffix}"
    link.symlink_to(target)
    fillers.save_weights(PARAMS, link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert fillers.load_weights(target)["ip"][1].shape == (2,)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["real", link.name])


def test_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.npz"
    link.symlink_to(tmp_path / "made.npz")
    fillers.save_weights(PARAMS, link)
    assert link.is_symlink() and (tmp_path / "made.npz").is_file()


def test_fill_out_that_fails_keeps_the_old_file(tmp_path, monkeypatch, capsys):
    out = tmp_path / "w.npy"
    np.save(out, np.arange(3.0))
    before = out.read_bytes()

    def full_disk(file, values):
        file.write(b"\x93NUMPY partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "save", full_disk)
    assert main(["fill", 'type: "uniform"', "--shape", "1000", "--seed", "1", "--out", str(out)]) == 1
    assert "No space left on device" in capsys.readouterr().err
    assert out.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["w.npy"]


@pytest.mark.parametrize(
    ("out", "match"),
    [("w.txt", "must end in .npy"), ("missing/w.npy", "No such file"), ("d.npy", "a directory")],
)
def test_fill_out_is_checked_before_the_fill(tmp_path, out, match, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.npy").mkdir()
    rng_state = fillers.CaffeRNG(1).state
    assert main(["fill", 'type: "uniform"', "--shape", "3", "--seed", "1", "--out", out]) == 1
    captured = capsys.readouterr()
    assert match in captured.err and captured.out == ""
    assert fillers.CaffeRNG(1).state["state"]["pos"] == rng_state["state"]["pos"]


def test_net_out_and_plot_are_checked_before_anything_is_filled(tmp_path, capsys, monkeypatch):
    net = tmp_path / "net.prototxt"
    net.write_text(
        'layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 } } }\n'
        'layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" '
        'inner_product_param { num_output: 2 weight_filler { type: "xavier" } } }\n'
    )
    from fillers.cli import commands

    (tmp_path / "d.npz").mkdir()
    calls = []
    monkeypatch.setattr(commands, "prepare_net", lambda *a, **k: calls.append(1))
    for extra, match in [
        (["--out", str(tmp_path / "w.pkl")], "unknown weights format"),
        (["--out", str(tmp_path / "d.npz")], "a directory"),
        (["--plot", ""], "not an image file name"),
        (["--plot", str(tmp_path / "h.nope")], "unknown image format"),
        (["--plot", str(tmp_path / "missing" / "h.png")], "No such file"),
    ]:
        assert main(["net", str(net), "--seed", "1", *extra]) == 1
        captured = capsys.readouterr()
        assert match in captured.err and captured.err.count("\n") == 1
    assert calls == [] and sorted(p.name for p in tmp_path.iterdir()) == ["d.npz", "net.prototxt"]


def _run(script: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )


@pytest.mark.parametrize("suffix", FORMATS)
def test_sigterm_during_a_save_removes_the_temporary_file_and_ends_the_process(tmp_path, suffix):
    path = tmp_path / f"w{suffix}"
    path.write_bytes(b"old")
    done = _run(
        f"""
        import os, signal
        import numpy as np
        import fillers
        from fillers.io import atomic
        original = atomic._finish
        def finish(temporary, target):
            os.kill(os.getpid(), signal.SIGTERM)
            original(temporary, target)
        atomic._finish = finish
        fillers.save_weights({{"ip": [np.ones(1000, np.float32)]}}, {str(path)!r})
        print("survived")
        """
    )
    assert done.returncode == -signal.SIGTERM and "survived" not in done.stdout
    assert path.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == [path.name]


def test_sigint_swallowed_by_c_code_during_an_h5_save_is_raised_after_it(tmp_path, monkeypatch):
    h5py = require("h5py")
    path = tmp_path / "w.caffemodel.h5"
    path.write_bytes(b"old")
    create = h5py.Group.create_dataset

    def swallowing(self, *args, **kwargs):
        # What a library's C callback does with an exception it cannot pass on.
        with contextlib.suppress(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)
        return create(self, *args, **kwargs)

    monkeypatch.setattr(h5py.Group, "create_dataset", swallowing)
    with pytest.raises(KeyboardInterrupt):
        fillers.save_weights(PARAMS, path)
    assert path.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == [path.name]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_keyboard_interrupt_during_a_save_keeps_the_old_file(tmp_path, monkeypatch):
    from fillers.weights import caffemodel

    path = tmp_path / "w.caffemodel"
    path.write_bytes(b"old")

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(caffemodel, "_write_layer", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fillers.save_weights(PARAMS, path)
    assert path.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == [path.name]


def test_spec_files_are_written_whole(tmp_path, monkeypatch):
    path = tmp_path / "s.prototxt"
    path.write_text("old")
    path.chmod(0o640)
    fillers.dump(fillers.parse('type: "xavier"'), path)
    assert 'type: "xavier"' in path.read_text() and stat.S_IMODE(path.stat().st_mode) == 0o640


_names = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\0/"), min_size=1, max_size=12
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    parts=st.lists(
        st.sampled_from(["a", "..", ".", "", "b.npz", "link", "dir", "\0", "x" * 300]), max_size=4
    ),
    suffix=st.sampled_from([*FORMATS, ".npy", ".txt", ""]),
    name=_names,
)
def test_any_save_path_writes_whole_or_raises_filler_error(tmp_path, parts, suffix, name):
    (tmp_path / "dir").mkdir(exist_ok=True)
    if not (tmp_path / "link").exists():
        (tmp_path / "link").symlink_to(tmp_path / "dir")
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    path = os.path.join(str(tmp_path), *parts, name + suffix) if parts else str(tmp_path / (name + suffix))
    try:
        fillers.save_weights(PARAMS, path)
    except fillers.FillerError:
        after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
        assert after == before
        return
    assert fillers.load_weights(path)["ip"][0].shape == (2, 3)
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".fillers-tmp")]
    os.unlink(os.path.realpath(path))


def test_check_destination_names_the_target_of_a_symlink(tmp_path):
    (tmp_path / "link").symlink_to(tmp_path / "real.npz")
    assert atomic.check_destination(tmp_path / "link") == str(tmp_path / "real.npz")
