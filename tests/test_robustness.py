"""Hostile or mistaken input: always a FillerError, quickly, never a crash or a hang."""

from __future__ import annotations

import multiprocessing
import time
from fractions import Fraction

import numpy as np
import pytest

import fillers
from fillers.net.fields import declared_fields, restore_fields
from fillers.spec.parameter import from_dict


def _fill_in_child(queue) -> None:
    w = fillers.get_filler({"type": "gaussian"}).fill((1 << 21,), rng=fillers.CaffeRNG(3))
    queue.put(float(w[-1]))


def test_large_fills_work_in_a_forked_child_after_the_parent_filled():
    parent = fillers.get_filler({"type": "gaussian"}).fill((1 << 21,), rng=fillers.CaffeRNG(3))
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_fill_in_child, args=(queue,))
    child.start()
    child.join(timeout=60)
    alive = child.is_alive()
    if alive:
        child.kill()
    assert not alive, "the forked child hung"
    assert queue.get(timeout=5) == float(parent[-1])


def test_yaml_alias_bombs_and_recursive_aliases_fail_fast(tmp_path):
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
    (tmp_path / "bomb.yaml").write_text("\n".join(lines) + "\n")
    (tmp_path / "loop.yaml").write_text("type: &a [*a]\n")
    for name in ("bomb.yaml", "loop.yaml"):
        started = time.perf_counter()
        with pytest.raises(fillers.FillerError):
            fillers.load(tmp_path / name)
        assert time.perf_counter() - started < 5


@pytest.mark.parametrize(
    "spec",
    [{"std": 10**400}, {"type": "\ud800"}, {"type": ["x"] * 10_000}, {10**400: 1}, {"max": -(10**400)}],
)
def test_dict_values_beyond_any_float_or_text_are_filler_errors(spec):
    with pytest.raises(fillers.FillerError) as raised:
        from_dict(spec)
    assert len(str(raised.value)) < 400


def test_misspelled_filler_field_in_a_net_is_an_error_as_in_caffe():
    net = """
    input: "data" input_dim: 1 input_dim: 3 input_dim: 1 input_dim: 1
    layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip"
      inner_product_param { num_output: 2 weight_filler { type: "gaussian" stdd: 0.01 } } }
    """
    with pytest.raises(fillers.FillerError, match='no field named "stdd"'):
        fillers.init_net(net, seed=1)


def test_fields_of_caffe_forks_are_refused_unless_declared():
    net = """
    input: "data" input_dim: 1 input_dim: 3 input_dim: 1 input_dim: 1
    layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" fork_only_param { x: 1 }
      inner_product_param { num_output: 2 weight_filler { type: "gaussian" std: 0.5 } } }
    """
    with pytest.raises(fillers.FillerError, match=r'line 3:70: .*no field named "fork_only_param"'):
        fillers.init_net(net, seed=1)
    built_in = declared_fields("InnerProduct")  # caffe-windows' inner_product_param.normalize
    fillers.declare_fields("InnerProduct", {"fork_only_param": {"x": 0}}, origin="a fork")
    try:
        assert fillers.init_net(net, seed=1)["ip"][0].shape == (2, 3)
    finally:
        restore_fields("InnerProduct", built_in)


def test_a_filler_spec_is_not_a_net():
    with pytest.raises(fillers.FillerError, match='"type"; is this a filler spec rather than a net'):
        fillers.init_net('type: "xavier"', seed=1)
    with pytest.raises(fillers.FillerError, match="no layers"):
        fillers.init_net('name: "empty"', seed=1)


@pytest.mark.parametrize(
    "kwargs", [{"input_shapes": [("data", (1, 3))]}, {"level": "x"}, {"stages": "ab"}, {"rng": 3}]
)
def test_init_net_arguments_are_checked(kwargs):
    with pytest.raises(fillers.FillerError):
        fillers.init_net("tests/data/nets/resnet_block.prototxt", **kwargs)


@pytest.mark.parametrize("count", [-1, 1.5, "3", True])
def test_random_raw_takes_a_count(count):
    with pytest.raises(fillers.FillerError, match="count"):
        fillers.CaffeRNG(1).random_raw(count)


@pytest.mark.parametrize(("call", "arg"), [(fillers.parse, None), (fillers.load, 3), (fillers.load, None)])
def test_loaders_reject_non_text_and_non_paths(call, arg):
    with pytest.raises(fillers.FillerError):
        call(arg)


def test_dtype_given_with_an_array_is_checked():
    with pytest.raises(fillers.FillerError, match="float32"):
        fillers.get_filler({"type": "constant"}).fill(np.zeros(3, dtype=np.float32), dtype="foo")


def test_an_integer_array_as_shape_gets_a_hint():
    with pytest.raises(fillers.FillerError, match="tuple"):
        fillers.get_filler({"type": "constant"}).fill(np.array([2, 3]))


def test_generator_uniform_over_more_than_the_float_range_stays_finite():
    w = fillers.get_filler({"type": "uniform", "min": -3e38, "max": 3e38}).fill(
        (10_000,), rng=np.random.default_rng(0)
    )
    assert np.isfinite(w).all() and w.min() < -1e38 and w.max() > 1e38


# --- Every reproducer of issue 9, part 2: a FillerError (or a correct result) --------------


def _deep_yaml(path):
    path.write_text("type: " + "[" * 500 + "]" * 500)
    return path


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("deep.yaml", "type: " + "[" * 500 + "]" * 500),
        ("block.yaml", "".join(f"{' ' * i}k{i}:\n" for i in range(200)) + " " * 200 + "v: 1\n"),
        ("deep.json", "[" * 1000 + "]" * 1000),
        ("deep.prototxt", "type: 'x' " + "a { " * 400 + "}" * 400),
    ],
)
def test_deep_nesting_is_refused_with_the_limit(tmp_path, name, text):
    (tmp_path / name).write_text(text)
    with pytest.raises(fillers.FillerError, match="nested more than 100 levels deep"):
        fillers.load(tmp_path / name)


def test_a_net_of_deeply_nested_unknown_blocks_is_refused_with_the_limit():
    with pytest.raises(fillers.FillerError, match="nested more than 100 levels"):
        fillers.init_net('name: "n" ' + "x { " * 400 + "}" * 400)
    with pytest.raises(fillers.FillerError, match="nested more than 100 levels"):
        fillers.parse("type: 'x' " + "< " * 400 + ">" * 400)


def test_nesting_up_to_the_limit_still_parses(tmp_path):
    (tmp_path / "ok.json").write_text('{"type": "constant", "x": ' + "[" * 98 + "]" * 98 + "}")
    with pytest.raises(fillers.FillerError, match="unknown field 'x'"):
        fillers.load(tmp_path / "ok.json")
    braces_in_strings = 'type: "' + "{" * 500 + '" # ' + "{" * 500
    assert fillers.parse(braces_in_strings).type == "{" * 500


def test_the_cli_reports_deep_nesting_on_one_line(tmp_path, capsys):
    from fillers.cli.commands import main

    path = _deep_yaml(tmp_path / "deep.yaml")
    assert main(["fill", str(path), "--shape", "2"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nested more than 100 levels" in err


def _special_files(tmp_path, suffix):
    """A FIFO and a link to /dev/zero, each under a name with `suffix`."""
    import os

    fifo = tmp_path / f"fifo{suffix}"
    os.mkfifo(fifo)
    zero = tmp_path / f"zero{suffix}"
    zero.symlink_to("/dev/zero")
    directory = tmp_path / f"dir{suffix}"
    directory.mkdir()
    return [fifo, zero, directory]


@pytest.mark.parametrize("suffix", [".yaml", ".json", ".prototxt", ".pb"])
def test_fifos_and_devices_are_refused_before_reading(tmp_path, suffix):
    for path in _special_files(tmp_path, suffix):
        started = time.perf_counter()
        with pytest.raises(fillers.FillerError, match="not a regular file"):
            fillers.load(path)
        assert time.perf_counter() - started < 5


def test_fifos_and_devices_are_refused_by_every_reader(tmp_path, capsys):
    from pathlib import Path

    from fillers.cli.commands import main

    fifo, zero, _ = _special_files(tmp_path, ".prototxt")
    for path in (fifo, zero):
        for read in (fillers.load, fillers.load_all, lambda p: fillers.init_net(Path(p))):
            with pytest.raises(fillers.FillerError, match="not a regular file"):
                read(path)
        with pytest.raises(fillers.FillerError, match="not a regular file"):
            fillers.init_net(str(path))
        assert main(["fill", str(path), "--shape", "2"]) == 1
        assert main(["net", str(path)]) == 1
        assert main(["specs", str(path)]) == 1
        assert capsys.readouterr().err.count("not a regular file") == 3


def test_files_over_the_limit_are_refused_before_reading(tmp_path):
    import os

    from fillers.io.limits import MAX_FILE_BYTES

    huge = tmp_path / "huge.pb"
    with open(huge, "wb") as file:
        file.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk used
    started = time.perf_counter()
    with pytest.raises(fillers.FillerError, match=f"larger than {MAX_FILE_BYTES} bytes"):
        fillers.load(huge)
    assert time.perf_counter() - started < 5
    os.remove(huge)


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
def test_ndarray_subclasses_are_filled_through_their_base_view():
    filler = fillers.get_filler({"type": "gaussian"})
    matrix = np.asmatrix(np.zeros((4, 6), np.float32))
    result = filler.fill(matrix, rng=fillers.CaffeRNG(1))
    assert result is matrix
    expected = filler.fill((4, 6), rng=fillers.CaffeRNG(1))
    np.testing.assert_array_equal(np.asarray(matrix), expected)
    masked = np.ma.masked_array(np.zeros(24, np.float64), mask=[True] * 24)
    filler.fill(masked, rng=fillers.CaffeRNG(1))
    np.testing.assert_array_equal(masked.data, filler.fill((24,), dtype=np.float64, rng=fillers.CaffeRNG(1)))


@pytest.mark.parametrize(
    "spec",
    [
        {"\udcff": 1},
        {"value\x00": 1},
        {"variance_norm": 2**40},
        {"variance_norm": -(2**70)},
        {"variance_norm": "\ud800"},
        {"sparse": Fraction(10**400)},
        {"sparse": Fraction(1, 3)},
        {"sparse": float("inf")},
        {"sparse": float("nan")},
    ],
)
def test_protobuf_lookups_and_odd_numbers_are_filler_errors(spec):
    for _ in range(2):  # a surrogate used to break protobuf's lookups from the second call on
        with pytest.raises(fillers.FillerError):
            from_dict(spec)


def test_text_that_is_not_valid_unicode_is_a_filler_error():
    for text in ["variance_norm: \ud800", 'type: "\udcff"', "\udcff: 1"]:
        with pytest.raises(fillers.FillerError, match="not valid Unicode"):
            fillers.parse(text)
    with pytest.raises(fillers.FillerError, match="not valid Unicode"):
        fillers.init_net('layer { name: "\ud800" }')


def test_a_json_key_that_is_a_lone_surrogate_is_a_filler_error(tmp_path):
    (tmp_path / "s.json").write_text('{"\\udcff": 1}')
    with pytest.raises(fillers.FillerError, match="unknown field"):
        fillers.load(tmp_path / "s.json")


@pytest.mark.parametrize(
    ("name", "text", "match"),
    [
        ("key.yaml", "? [a]\n: 1\n", "a key must be a plain value"),
        ("date.yaml", "type: 2001-13-45\n", "cannot parse YAML"),
        ("date2.yaml", "type: 2001-12-14\n", "is not a string"),
        ("int.yaml", "sparse: " + "1" * 5000 + "\n", "cannot parse YAML"),
        ("int.json", '{"sparse": ' + "1" * 5000 + "}", "cannot parse JSON"),
        ("int.prototxt", "sparse: " + "1" * 5000, "cannot parse"),
    ],
)
def test_odd_yaml_and_json_values_are_filler_errors(tmp_path, name, text, match):
    (tmp_path / name).write_text(text)
    with pytest.raises(fillers.FillerError, match=match) as raised:
        fillers.load(tmp_path / name)
    assert len(str(raised.value)) < 600


def test_a_spec_holding_invalid_utf8_is_refused_when_loaded(tmp_path):
    (tmp_path / "bad.pb").write_bytes(b"\n\x02\xff\xfe")  # type: 2 bytes, not UTF-8
    with pytest.raises(fillers.FillerError, match="not UTF-8"):
        fillers.load(tmp_path / "bad.pb")


def test_a_spec_holding_invalid_utf8_is_refused_when_dumped(tmp_path):
    try:
        param = fillers.FillerParameter.FromString(b"\n\x02\xff\xfe")
    except UnicodeDecodeError:
        pytest.skip("protobuf's pure-Python backend cannot hold such a message at all")
    for suffix in (".json", ".yaml", ".prototxt", ".pb"):
        with pytest.raises(fillers.FillerError, match="not UTF-8"):
            fillers.dump(param, tmp_path / f"bad{suffix}")


def test_paths_with_nul_are_filler_errors(tmp_path):
    from pathlib import Path

    for call in (fillers.load, fillers.load_all, lambda p: fillers.init_net(Path(p))):
        with pytest.raises(fillers.FillerError, match="null"):
            call(f"{tmp_path}/a\x00b.prototxt")
    with pytest.raises(fillers.FillerError, match="null"):
        fillers.dump(fillers.FillerParameter(), f"{tmp_path}/a\x00b.yaml")


def test_random_raw_beyond_memory_is_a_filler_error_and_draws_nothing():
    rng = fillers.CaffeRNG(1)
    with pytest.raises(fillers.FillerError, match="memory"):
        rng.random_raw(2**62)
    assert rng.random_raw(1)[0] == fillers.CaffeRNG(1).random_raw(1)[0]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"input_shapes": {None: (2,)}},
        {"input_shapes": {"data": b"\x02\x03"}},
        {"stages": 5},
        {"stages": ["\ud800"]},
        {"level": 2**40},
        {"shape_rules": 5},
        {"phase": [1]},
    ],
)
def test_odd_init_net_arguments_are_filler_errors(kwargs):
    with pytest.raises(fillers.FillerError):
        fillers.init_net("tests/data/nets/resnet_block.prototxt", **kwargs)


@pytest.mark.parametrize(
    "shape", [b"\x02\x03", bytearray(b"\x02\x03"), memoryview(b"\x02\x03"), "23", 3, {2, 3}]
)
def test_bytes_and_other_non_sequences_are_not_shapes(shape):
    with pytest.raises(fillers.FillerError, match="not a sequence of ints"):
        fillers.get_filler({"type": "constant"}).fill(shape)


def test_a_huge_one_line_spec_echoes_at_most_200_characters():
    for text in ["type: 'x' " + "foo" * 3_000_000, "std: " + "x" * 10_000_000, "type: '" + "a" * 10_000_000]:
        with pytest.raises(fillers.FillerError) as raised:
            fillers.parse(text)
        assert len(str(raised.value)) < 300 and "…" in str(raised.value)
    with pytest.raises(fillers.FillerError) as raised:
        fillers.init_net("x" * 10_000_000)
    assert len(str(raised.value)) < 300


def test_a_blob_too_large_for_memory_is_a_filler_error(monkeypatch):
    def out_of_memory_for_blobs(allocate):
        def allocate_small(shape, *args, **kwargs):
            if isinstance(shape, tuple) and 1031 in shape:  # the blobs below, no array numpy makes
                raise MemoryError
            return allocate(shape, *args, **kwargs)

        return allocate_small

    rng = fillers.CaffeRNG(1)
    before = rng.state
    monkeypatch.setattr(np, "empty", out_of_memory_for_blobs(np.empty))
    monkeypatch.setattr(np, "zeros", out_of_memory_for_blobs(np.zeros))
    with pytest.raises(fillers.FillerError, match="do not fit in memory"):
        fillers.get_filler({"type": "gaussian"}).fill((1031, 4), rng=rng)
    assert repr(rng.state) == repr(before)
    net = (
        'layer { name: "bn" type: "BatchNorm" bottom: "d" top: "d" } input: "d" input_dim: 1 input_dim: 1031'
    )
    with pytest.raises(fillers.FillerError, match="do not fit in memory"):
        fillers.init_net(net + " input_dim: 1 input_dim: 1", rng=rng)
