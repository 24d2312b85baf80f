"""Profiles: the bits of other real Caffe builds, through the public API.

tests/data/golden/profiles/<name>/{fills,nets}.jsonl are ../shared/golden/profiles, unchanged:
the same 340 fill cases and 3 nets as tests/data/golden, run by real builds of Caffe 1.0 with
Boost.Random 1.54 (Box-Muller), 1.58 (the inversion-exponential tail) and 1.65, and of Caffe
master with Boost.Random 1.58 (each folder's README gives the build). They were made with
glibc 2.36 on x86-64, whose libm the Box-Muller and tail values carry: on another libm a few
of them may differ (docs/exactness.md).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from optional import require
from test_compiled import scripted

import fillers
from fillers.cli.commands import main
from fillers.random import boost, boost_reference, eras, libm
from fillers.random import compiled as core

needs_core = pytest.mark.skipif(
    not core.available(), reason=f"the compiled core is not in use: {core.why_numpy()}"
)

GOLDEN = Path(__file__).parent / "data" / "golden" / "profiles"
NAMES = (
    "caffe-master_boost-1.74",
    "caffe-1.0_boost-1.54",
    "caffe-1.0_boost-1.58",
    "caffe-1.0_boost-1.65",
    "caffe-master_boost-1.58",
)
BUILDS = NAMES[1:]
DTYPES = {"float": np.float32, "double": np.float64}


def _rows(profile: str, kind: str) -> list[dict]:
    return [json.loads(line) for line in (GOLDEN / profile / f"{kind}.jsonl").read_text().splitlines()]


FILLS = [(profile, row) for profile in BUILDS for row in _rows(profile, "fills")]
NETS = [(profile, row) for profile in BUILDS for row in _rows(profile, "nets")]


def _id(item: tuple[str, dict]) -> str:
    return f"{item[0]}:{item[1]['case']['id']}"


def _digest(array: np.ndarray) -> str:
    return hashlib.sha256(array.astype(array.dtype.newbyteorder("<")).tobytes()).hexdigest()


def _fill_all(case: dict, rng: fillers.CaffeRNG) -> list[np.ndarray]:
    return [
        fillers.get_filler(fillers.parse(f["param"])).fill(
            tuple(f["shape"]), dtype=DTYPES[case["dtype"]], rng=rng
        )
        for f in case["fills"]
    ]


def test_every_profile_has_the_shared_cases():
    for profile in BUILDS:
        assert len(_rows(profile, "fills")) == 340
        assert len(_rows(profile, "nets")) == 3


@pytest.mark.parametrize("item", [i for i in FILLS if i[1]["result"]["ok"]], ids=_id)
def test_fill_matches_the_builds_bits_and_stream_position(item):
    profile, golden = item
    rng = fillers.CaffeRNG(golden["case"]["seed"], profile=profile)
    arrays = _fill_all(golden["case"], rng)
    for array, expected in zip(arrays, golden["result"]["results"], strict=True):
        assert list(array.shape) == expected["shape"]
        assert _digest(array) == expected["sha256"]
    assert int(rng.random_raw(1)[0]) == golden["result"]["next_raw"]


@pytest.mark.parametrize("item", [i for i in FILLS if not i[1]["result"]["ok"]], ids=_id)
def test_build_abort_raises_filler_error_and_draws_nothing(item):
    profile, golden = item
    seed = golden["case"]["seed"]
    rng = fillers.CaffeRNG(seed, profile=profile)
    with pytest.raises(fillers.FillerError) as raised:
        _fill_all(golden["case"], rng)
    error = golden["result"]["error"]
    for text in (
        "Cannot use legacy accessors on Blobs with > 4 axes.",
        "Unknown filler name",
        "Filter must be square",
    ):
        if text in error:
            assert text in str(raised.value)
    if golden["result"].get("error_kind") == "timeout":
        assert "never returns" in str(raised.value)
    assert len(golden["case"]["fills"]) == 1
    assert rng.random_raw(1)[0] == fillers.CaffeRNG(seed).random_raw(1)[0]


@pytest.mark.parametrize("item", NETS, ids=_id)
@pytest.mark.parametrize("how", ["seed", "rng"])
def test_net_matches_the_build_with_stream_position(item, how):
    profile, golden = item
    case = golden["case"]
    rng = fillers.CaffeRNG(case["seed"], profile=profile)
    given = {"seed": case["seed"], "profile": profile} if how == "seed" else {"rng": rng, "profile": profile}
    params = fillers.init_net(case["prototxt"], phase=case["phase"], dtype=DTYPES[case["dtype"]], **given)
    actual = [(layer, index, blob) for layer, blobs in params.items() for index, blob in enumerate(blobs)]
    expected = golden["result"]["params"]
    assert [(layer, index) for layer, index, _ in actual] == [(p["layer"], p["index"]) for p in expected]
    for (_, _, blob), want in zip(actual, expected, strict=True):
        assert _digest(blob) == want["sha256"], f"{want['layer']} blob {want['index']}"
    if how == "rng":
        assert int(rng.random_raw(1)[0]) == golden["result"]["next_raw"]


def test_profiles_lists_every_build_with_a_description():
    listed = fillers.profiles()
    assert tuple(listed) == NAMES
    assert fillers.CaffeRNG(1).profile is listed["caffe-master_boost-1.74"]
    assert {p.boost_era for p in listed.values()} == {"A", "B", "C"}
    assert [p.caffe for p in listed.values()] == ["master", "1.0", "1.0", "1.0", "master"]
    for profile in listed.values():
        assert profile.boost in profile.name and profile.caffe in profile.name
        assert "Ubuntu" in profile.description or "Debian" in profile.description


def test_the_default_profile_is_todays_behaviour():
    spec = fillers.parse('type: "gaussian" std: 0.1')
    by_default = fillers.get_filler(spec).fill((1000,), rng=fillers.CaffeRNG(7))
    named = fillers.get_filler(spec).fill((1000,), rng=fillers.CaffeRNG(7, profile="caffe-master_boost-1.74"))
    np.testing.assert_array_equal(by_default, named)


@pytest.mark.parametrize("bad", ["caffe-1.0", "CAFFE-1.0_BOOST-1.54", "", 154])
def test_unknown_profile_raises_filler_error_listing_the_names(bad):
    for make in (
        lambda: fillers.CaffeRNG(1, profile=bad),
        lambda: fillers.set_random_seed(1, profile=bad),
        lambda: fillers.init_net(_NET, seed=1, profile=bad),
    ):
        with pytest.raises(fillers.FillerError) as raised:
            make()
        assert all(name in str(raised.value) for name in NAMES)


_NET = """
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 } } }
layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip"
        inner_product_param { num_output: 5 weight_filler { type: "gaussian" std: 0.1 } } }
"""


def test_a_profile_contradicting_the_stream_raises_before_drawing():
    rng = fillers.CaffeRNG(3, profile="caffe-1.0_boost-1.58")
    with pytest.raises(fillers.FillerError) as raised:
        fillers.init_net(_NET, rng=rng, profile="caffe-1.0_boost-1.54")
    assert all(name in str(raised.value) for name in NAMES)
    assert rng.random_raw(1)[0] == fillers.CaffeRNG(3).random_raw(1)[0]
    with pytest.raises(fillers.FillerError):
        fillers.init_net(_NET, rng=np.random.default_rng(0), profile="caffe-1.0_boost-1.54")
    # The stream's own profile, named again, is no contradiction.
    fillers.init_net(_NET, rng=rng, profile="caffe-1.0_boost-1.58")


def test_global_stream_follows_its_profile():
    spec = fillers.parse('type: "gaussian"')
    fillers.set_random_seed(11, profile="caffe-1.0_boost-1.54")
    try:
        got = fillers.get_filler(spec).fill((9,))
        with pytest.raises(fillers.FillerError):
            fillers.init_net(_NET, profile="caffe-master_boost-1.74")
    finally:
        fillers.set_random_seed(0)
    want = fillers.get_filler(spec).fill((9,), rng=fillers.CaffeRNG(11, profile="caffe-1.0_boost-1.54"))
    np.testing.assert_array_equal(got, want)


def test_one_filler_follows_each_streams_profile():
    filler = fillers.get_filler(fillers.parse('type: "bilinear"'))
    old = filler.fill((1, 1, 3, 3), rng=fillers.CaffeRNG(1, profile="caffe-1.0_boost-1.65"))
    new = filler.fill((1, 1, 3, 3), rng=fillers.CaffeRNG(1))
    assert not np.array_equal(old, new)
    assert filler.profile.name == "caffe-master_boost-1.74"
    # Caffe 1.0: f = 2, c = (2f - 1 - f % 2) / (2f) = 3/4, so the kernel's rows are 1/4, 3/4, 3/4.
    np.testing.assert_array_equal(old[0, 0, 0], np.float32([0.25, 0.75, 0.75]) * np.float32(0.25))


def test_caffe_1_0_fans_come_from_the_legacy_accessors():
    xavier = fillers.get_filler(fillers.parse('type: "xavier"'))
    with pytest.raises(fillers.FillerError, match="Cannot use legacy accessors on Blobs with > 4 axes"):
        xavier.fill((2, 2, 2, 2, 2), rng=fillers.CaffeRNG(1, profile="caffe-1.0_boost-1.65"))
    # A 0-D blob has fan_in 1: scale sqrt(3) (master refuses it).
    value = xavier.fill((), rng=fillers.CaffeRNG(1, profile="caffe-1.0_boost-1.65"))
    assert abs(float(value)) <= np.sqrt(np.float32(3))
    with pytest.raises(fillers.FillerError, match="out of range for 0-D Blob"):
        xavier.fill((), rng=fillers.CaffeRNG(1))


def test_era_a_uniform_with_an_overflowing_width_raises_before_drawing():
    spec = fillers.parse('type: "uniform" min: -3e38 max: 3e38')
    rng = fillers.CaffeRNG(5, profile="caffe-1.0_boost-1.54")
    out = np.full(4, 7, dtype=np.float32)
    with pytest.raises(fillers.FillerError, match="never returns"):
        fillers.get_filler(spec).fill(out, rng=rng)
    np.testing.assert_array_equal(out, 7)
    assert rng.random_raw(1)[0] == fillers.CaffeRNG(5).random_raw(1)[0]
    # Later eras halve the range: the same fill succeeds.
    fillers.get_filler(spec).fill(out, rng=fillers.CaffeRNG(5, profile="caffe-1.0_boost-1.58"))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("count", [1, 2, 7, 5000])
def test_box_muller_matches_the_scalar_reference(dtype, count):
    raw = fillers.CaffeRNG(42).random_raw(3 * count + 8)
    # uniform_01 redraws a float value that rounds to 1: plant such raw outputs.
    raw[[0, 3, 10]] = 0xFFFFFFFF
    want, used = eras.reference_box_muller(raw, count, dtype)
    rng = _replaying(raw)
    got = np.empty(count, dtype=dtype)
    eras.box_muller_normal(rng, got, 0.0, 1.0)
    np.testing.assert_array_equal(got, want)
    assert rng.position == used
    # Two uniforms per pair, an odd count's last pair included, plus float's redraws.
    redraws = sum(1 for p in (0, 3, 10) if p < used) if dtype == np.float32 else 0
    assert used == 2 * ((count + 1) // 2) + redraws


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_inversion_tail_vectorized_matches_the_scalar_reference(dtype):
    # Enough normals that the tail (about 1 in 1750) is drawn dozens of times.
    count = 100_000
    raw = fillers.CaffeRNG(9).random_raw(3 * count)
    want, used = boost_reference.reference_normal(raw, count, dtype, tail=eras.inversion_tail)
    default, _ = boost_reference.reference_normal(raw, count, dtype)
    assert not np.array_equal(want, default)
    rng = _replaying(raw)
    got = np.empty(count, dtype=dtype)
    boost.normal(rng, got, 0.0, 1.0, tail=eras.inversion_tail)
    np.testing.assert_array_equal(got, want)
    assert rng.position == used


def test_cli_fill_and_net_take_a_profile(tmp_path, capsys):
    for profile in BUILDS:
        out = tmp_path / f"{profile}.npy"
        spec = 'type: "gaussian" std: 0.01'
        assert (
            main(["fill", spec, "--shape", "3,4", "--seed", "2", "--profile", profile, "--out", str(out)])
            == 0
        )
        want = fillers.get_filler(fillers.parse(spec)).fill((3, 4), rng=fillers.CaffeRNG(2, profile=profile))
        np.testing.assert_array_equal(np.load(out), want)
        assert f"profile {profile}" in capsys.readouterr().out
    net = tmp_path / "net.prototxt"
    net.write_text(_NET)
    assert (
        main(
            [
                "net",
                str(net),
                "--seed",
                "2",
                "--profile",
                "caffe-1.0_boost-1.54",
                "--out",
                str(tmp_path / "n.npz"),
            ]
        )
        == 0
    )
    want = fillers.init_net(_NET, seed=2, profile="caffe-1.0_boost-1.54")["ip"][0]
    np.testing.assert_array_equal(np.load(tmp_path / "n.npz")["ip/0"], want)
    assert main(["fill", 'type: "gaussian"', "--shape", "3", "--profile", "caffe-2.0"]) == 1
    assert "caffe-1.0_boost-1.58" in capsys.readouterr().err


def _tail_and_redraw_words(seed: int) -> np.ndarray:
    """624 raw outputs rich in the eras' rare paths: ziggurat layer-0 pairs beyond the tail
    start (era B's inversion tail), and outputs whose float uniform_01 rounds to 1 (a redraw
    in both eras)."""
    rng = np.random.default_rng(seed)
    raw = rng.integers(0, 1 << 32, size=624, dtype=np.uint32)
    kind = rng.integers(0, 6, size=624)
    high = rng.integers(0xFFF000, 1 << 24, size=624, dtype=np.uint32) << np.uint32(8)
    raw[kind == 0] = (high | rng.integers(0, 2, size=624, dtype=np.uint32))[kind == 0]
    raw[kind == 1] = rng.integers(0xFFFFFF80, 1 << 32, size=624, dtype=np.uint32)[kind == 1]
    return raw


@needs_core
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("era", ["A", "B"])
def test_core_eras_match_the_scalar_references_on_rare_paths(dtype, era):
    for seed in range(30):
        count = 101
        out = np.empty(count, dtype=dtype)
        rng = scripted(_tail_and_redraw_words(seed))
        core.normal(rng, out, 0.0, 1.0, era=core.ERA_CODES[era])
        raw = scripted(_tail_and_redraw_words(seed)).random_raw(5000)
        if era == "A":
            expected, used = eras.reference_box_muller(raw, count, dtype)
        else:
            expected, used = boost_reference.reference_normal(raw, count, dtype, tail=eras.inversion_tail)
        np.testing.assert_array_equal(out.view(np.uint8), expected.view(np.uint8))
        assert rng.random_raw(1)[0] == raw[used]


@needs_core
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("era", ["A", "B"])
def test_core_eras_match_the_numpy_path(dtype, era):
    # 2**20 + 3 crosses the core's chunk boundary (Box-Muller's pair must not be split) and
    # ends on an odd count.
    for seed, count, mean, sigma in ((1, (1 << 20) + 3, 0.5, 0.01), (4294967295, 999, -3.0, 1e-30)):
        ours, theirs = fillers.CaffeRNG(seed), fillers.CaffeRNG(seed)
        a, b = np.empty(count, dtype=dtype), np.empty(count, dtype=dtype)
        core.normal(ours, a, mean, sigma, era=core.ERA_CODES[era])
        if era == "A":
            eras.box_muller_normal(theirs, b, mean, sigma)
        else:
            boost.normal(theirs, b, mean, sigma, tail=eras.inversion_tail)
        np.testing.assert_array_equal(a.view(np.uint8), b.view(np.uint8))
        np.testing.assert_array_equal(ours.random_raw(5), theirs.random_raw(5))


class _Replay(fillers.CaffeRNG):
    """A CaffeRNG that hands out given raw outputs, counting them."""

    def __init__(self, raw: np.ndarray) -> None:
        super().__init__(0)
        self.raw, self.position = raw, 0

    def random_raw(self, n: int) -> np.ndarray:
        start, self.position = self.position, self.position + n
        assert self.position <= len(self.raw), "drew past the raw outputs given"
        return self.raw[start : self.position].copy()


def _replaying(raw: np.ndarray) -> _Replay:
    return _Replay(np.asarray(raw, dtype=np.uint32))


@pytest.mark.parametrize("normal", [eras.box_muller_normal, eras.inversion_normal])
def test_a_missing_libm_fails_before_drawing(monkeypatch, normal):
    def no_library():
        raise fillers.FillerError("this profile needs the platform's C math library (libm)")

    monkeypatch.setattr(libm, "_library", no_library)
    libm.function.cache_clear()
    try:
        rng = fillers.CaffeRNG(8)
        with pytest.raises(fillers.FillerError, match="libm"):
            normal(rng, np.empty(10, dtype=np.float32), 0.0, 1.0)
        assert rng.random_raw(1)[0] == fillers.CaffeRNG(8).random_raw(1)[0]
    finally:
        libm.function.cache_clear()


def test_net_planning_checks_fillers_as_the_profiles_caffe_does():
    # A Scale layer with num_axes 0 has a 0-D blob: Caffe 1.0's xavier fills it (fan_in 1),
    # master's refuses it, already while the net is planned.
    net = """
    layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 } } }
    layer { name: "s" type: "Scale" bottom: "data" top: "s"
            scale_param { num_axes: 0 filler { type: "xavier" } } }
    """
    rng = fillers.CaffeRNG(1, profile="caffe-1.0_boost-1.65")
    params = fillers.init_net(net, rng=rng)
    assert params["s"][0].shape == ()
    assert abs(float(params["s"][0])) <= np.sqrt(np.float32(3))
    with pytest.raises(fillers.FillerError, match="out of range for 0-D Blob"):
        fillers.init_net(net, seed=1)


def test_torch_init_checks_and_fills_as_the_streams_profile():
    torch = require("torch")
    import fillers.torch as ft

    model = torch.nn.Linear(3, 4)
    rules = [{"match": "weight", "filler": {"type": "gaussian", "std": 0.1}}]
    ft.init_(model, rules, rng=fillers.CaffeRNG(1, profile="caffe-1.0_boost-1.54"), strict=False)
    want = fillers.get_filler(fillers.parse('type: "gaussian" std: 0.1')).fill(
        (4, 3), rng=fillers.CaffeRNG(1, profile="caffe-1.0_boost-1.54")
    )
    np.testing.assert_array_equal(model.weight.detach().numpy(), want)
    # A 0-D parameter: Caffe 1.0's xavier fills it (fan_in 1), master's refuses it.
    scalar = torch.nn.Module()
    scalar.scale = torch.nn.Parameter(torch.zeros(()))
    xavier = [{"match": "scale", "filler": {"type": "xavier"}}]
    ft.init_(scalar, xavier, rng=fillers.CaffeRNG(2, profile="caffe-1.0_boost-1.65"))
    assert 0 < abs(float(scalar.scale)) <= np.sqrt(np.float32(3))
    with pytest.raises(fillers.FillerError, match="out of range for 0-D Blob"):
        ft.init_(scalar, xavier, rng=fillers.CaffeRNG(2))
