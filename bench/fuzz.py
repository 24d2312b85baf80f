"""Fuzz the public API: random specs, random fills, mutated nets and every kind of malformed
file (issue #9).

    python bench/fuzz.py [--specs N] [--nets N] [--files N] [--seed S] [--workers W] [--timeout S]

Every case must end in a result or a FillerError. Cases run in worker processes, each case
under signal.alarm(--timeout) and an address-space limit: an alarm is counted as a hang, a
worker that dies (a crash in C) as one crash for the batch it ran (the rest run again), any
other exception as "other" (the first few are printed).
A CLI case succeeds when the command exits 0 or 1 (a FillerError reported on one line). Prints the
counts per group, and exits 1 unless other, hang and crash are all 0.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import re
import resource
import signal
import sys
import tempfile
import traceback
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from fractions import Fraction
from multiprocessing import get_context
from pathlib import Path

import numpy as np

import fillers
from fillers.cli.commands import main as cli_main
from fillers.io.limits import MAX_FILE_BYTES

_BATCH = 500
_FIELDS = ["type", "value", "min", "max", "mean", "std", "sparse", "variance_norm"]
_TYPES = ["constant", "gaussian", "uniform", "xavier", "msra", "bilinear", "positive_unitball"]


class _Hang(BaseException):
    """Raised by the alarm: the case ran past its time."""


def _on_alarm(signum, frame):
    raise _Hang


# --- random specs --------------------------------------------------------------------------


def _random_text(r: random.Random) -> str:
    alphabet = "abc :{}<>\"'#\n\\0123456789.-+eE_\x00\ud800\udcff\u0085é[]"
    return "".join(r.choice(alphabet) for _ in range(r.randrange(12)))


def _random_number(r: random.Random) -> object:
    return r.choice(
        [
            lambda: r.uniform(-10, 10),
            lambda: r.choice([0.0, -0.0, 1e-45, 3e38, -3e38, 3.5e38, 1e300, float("inf"), float("nan")]),
            lambda: r.randint(-5, 40),
            lambda: r.choice([2**31, -(2**31) - 1, 2**40, 2**64, 10**400, -(10**400)]),
            lambda: Fraction(r.randint(-9, 9), r.randint(1, 9)),
            lambda: Fraction(10**400),
            lambda: r.choice([True, False, None]),
            lambda: np.float32(r.uniform(-3, 3)),
            lambda: np.int64(r.randint(-3, 30)),
        ]
    )()


def _random_value(r: random.Random, depth: int = 0) -> object:
    kind = r.random()
    if kind < 0.35:
        return r.choice([r.uniform(-2, 2), r.uniform(0.001, 1), r.randint(-1, 8)])
    if kind < 0.55:
        return _random_number(r)
    if kind < 0.75:
        return r.choice([*_TYPES, "FAN_IN", "FAN_OUT", "AVERAGE", _random_text(r)])
    if kind < 0.85 and depth < 3:
        return [_random_value(r, depth + 1) for _ in range(r.randrange(3))]
    if kind < 0.9 and depth < 3:
        return {_random_text(r): _random_value(r, depth + 1)}
    return r.choice([b"\x02\x03", bytearray(b"x"), object(), 1j, ...])


def _random_dict(r: random.Random) -> dict:
    spec: dict = {}
    if r.random() < 0.9:
        spec["type"] = r.choice(_TYPES) if r.random() < 0.85 else _random_value(r)
    for _ in range(r.randrange(3)):
        key = r.choice(_FIELDS) if r.random() < 0.95 else r.choice([_random_text(r), 3, None, (1,)])
        spec[key] = _random_value(r)
    return spec


def _random_shape(r: random.Random) -> object:
    kind = r.random()
    if kind < 0.8:
        dims = [r.randrange(0, 9) for _ in range(r.randrange(0, 5))]
        return tuple(dims) if r.random() < 0.7 else dims
    return r.choice(
        [
            (-1, 3),
            (2**31,),
            (2**40, 0),
            (0, 2**40),
            (65536, 65536),
            (1.5, 2),
            (True, 2),
            b"\x02\x03",
            memoryview(b"\x02"),
            "23",
            {2, 3},
            {"a": 1},
            3,
            None,
            tuple(range(40)),
            np.array([2, 3]),
        ]
    )


def _random_target(r: random.Random) -> object:
    if r.random() < 0.75:
        return _random_shape(r)
    shape = tuple(r.randrange(0, 7) for _ in range(r.randrange(0, 4)))
    out = np.zeros(shape, dtype=r.choice([np.float32, np.float64, np.float16, np.int32]))
    twist = r.randrange(4)
    if twist == 1 and out.ndim == 2:
        out = np.asmatrix(out)
    elif twist == 2:
        out.flags.writeable = False
    elif twist == 3 and out.ndim and out.shape[-1] > 1:
        out = out[..., ::2]
    return out


def _plausible_dict(r: random.Random) -> dict:
    """A spec a user might write: a known type, fields of the right kinds, values near the edges."""
    spec: dict = {"type": r.choice(_TYPES)}
    for name in r.sample(_FIELDS[1:], r.randrange(4)):
        if name == "sparse":
            spec[name] = r.randint(-2, 10)
        elif name == "variance_norm":
            spec[name] = r.choice(["FAN_IN", "FAN_OUT", "AVERAGE", 0, 1, 2])
        else:
            spec[name] = r.choice([r.uniform(-3, 3), r.uniform(0, 1), 3e38, -3e38, 1e-45, 0.0])
    return spec


def _plausible_case(r: random.Random, seed: int) -> None:
    param = fillers.from_dict(_plausible_dict(r))
    shape = tuple(r.randrange(1, 9) for _ in range(r.randrange(1, 5)))
    dtype = r.choice([np.float32, np.float64])
    rng = fillers.CaffeRNG(seed % 2**32) if r.random() < 0.7 else np.random.default_rng(seed)
    with np.errstate(all=r.choice(["raise", "warn", "ignore"])):
        result = fillers.get_filler(param).fill(shape, dtype=dtype, rng=rng)
    assert result.shape == shape and result.dtype == dtype


def _spec_case(seed: int) -> None:
    r = random.Random(seed)
    how = r.random()
    if how < 0.5:
        _plausible_case(r, seed)
        return
    if how < 0.8:
        param = fillers.from_dict(_random_dict(r))
    elif how < 0.95:
        fields = _random_dict(r)
        text = " ".join(f"{k}: {v!r}" if isinstance(v, str) else f"{k}: {v}" for k, v in fields.items())
        param = fillers.parse(text)
    else:
        param = fillers.parse(_random_text(r) * r.randrange(1, 5))
    filler = fillers.get_filler(param)
    dtype = r.choice([np.float32, np.float64, None, None, "float64", np.float16, "x"])
    rng = r.choice(
        [lambda: fillers.CaffeRNG(seed % 2**32), lambda: np.random.default_rng(seed), lambda: None, lambda: 5]
    )()
    target = _random_target(r)
    with np.errstate(all=r.choice(["raise", "warn", "ignore"])):
        result = filler.fill(target, dtype=dtype, rng=rng)
    if isinstance(target, np.ndarray):
        assert result is target
    else:
        assert result.shape == tuple(target) and result.dtype in (np.float32, np.float64)
    fillers.to_dict(param)
    fillers.to_text(param)


# --- mutated nets --------------------------------------------------------------------------

_ROOT = Path(__file__).resolve().parent.parent
_DATA = _ROOT / "tests" / "data"
_NETS = [
    path.read_text()
    for path in [*sorted((_DATA / "layer_nets").glob("*.prototxt")), _DATA / "nets" / "resnet_block.prototxt"]
]
_NET_NUMBERS = [*range(-2, 9), 16, 64, 2**31, 2**32 + 1, 10**30, "1e40", "-1e40", "nan", "0x10"]
_NET_JUNK = ["{", "}", "<", ">", ":", '"', "#", "layer {", 'name: "x"', 'bottom: "data"', 'top: "data"']


def _mutated_net(r: random.Random) -> str:
    # Comments dropped: the tokens are joined on one line.
    tokens = re.sub(r"#[^\n]*", "", r.choice(_NETS)).split()
    for _ in range(r.randrange(4)):
        at = r.randrange(len(tokens))
        action = r.randrange(4)
        if action == 0:
            del tokens[at]
        elif action == 1:
            tokens.insert(at, tokens[r.randrange(len(tokens))])
        elif action == 2 and tokens[at].lstrip("-").isdigit():
            tokens[at] = str(r.choice(_NET_NUMBERS))
        else:
            tokens.insert(at, r.choice([*_NET_JUNK, _random_text(r)]))
    return " ".join(tokens)


def _net_case(seed: int) -> None:
    r = random.Random(seed)
    text = _mutated_net(r)
    kwargs = {"seed": seed % 2**32}
    for name, values in {
        "phase": ["TRAIN", "TEST", 0, 1, 2, "train", None, [1]],
        "level": [0, 1, -1, 2**40, "x"],
        "stages": [(), ["a"], "ab", 5, ["\ud800"]],
        "input_shapes": [{"data": (2, 3)}, {"data": (2, 3, 4, 4)}, {None: (2,)}, {"data": b"\x02"}, 5],
        "dtype": [np.float32, np.float64, np.float16],
        "shape_rules": [{"Foo": "same"}, {"Foo": 3}, 5],
        "rng": [np.random.default_rng(seed), 3],
    }.items():
        if r.random() < 0.15:
            kwargs[name] = r.choice(values)
    if "rng" in kwargs:
        del kwargs["seed"]
    with np.errstate(all=r.choice(["raise", "warn", "ignore"])):
        params = fillers.init_net(text, **kwargs)
    assert all(isinstance(blob, np.ndarray) for blobs in params.values() for blob in blobs)


# --- malformed files -----------------------------------------------------------------------

_SUFFIXES = [".prototxt", ".pbtxt", ".txt", ".yaml", ".yml", ".json", ".pb"]
_CONTENTS = {
    "deep_yaml": "type: " + "[" * 500 + "]" * 500,
    "deep_yaml_block": "".join(f"{' ' * i}k{i}:\n" for i in range(300)),
    "deep_json": "[" * 1000 + "]" * 1000,
    "deep_json_object": '{"a": ' * 1000 + "1" + "}" * 1000,
    "deep_prototxt": 'name: "n" ' + "x { " * 400 + "}" * 400,
    "deep_prototxt_angle": "type: 'x' " + "x < " * 400 + ">" * 400,
    "complex_key": "? [a]\n: 1\n",
    "bad_date": "type: 2001-13-45\n",
    "big_int_yaml": "sparse: " + "1" * 5000 + "\n",
    "big_int_json": '{"sparse": ' + "1" * 5000 + "}",
    "big_int_text": "sparse: " + "1" * 5000,
    "alias_bomb": "a: &a [x,x,x,x,x,x,x,x,x]\n"
    + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)),
    "recursive_alias": "type: &a [*a]\n",
    "surrogate_key_json": '{"\\udcff": 1}',
    "nul_text": 'type: "a\x00b"\n',
    "huge_line": "type: 'x' " + "foo" * 1_000_000,
    "net_text": 'layer { name: "a" type: "InnerProduct" bottom: "d" top: "a" '
    "inner_product_param { num_output: 2 } }",
}
_BYTES = {
    "invalid_utf8": b"\xff\xfe\xfd",
    "binary_bad_string": b"\n\x02\xff\xfe",
    "truncated_pb": b"\n\x05ab",
}


def _file_kinds(root: Path) -> list[Path]:
    """One path for every malformed-file kind, in every extension."""
    paths = []
    for suffix in _SUFFIXES:
        for name, text in _CONTENTS.items():
            path = root / f"{name}{suffix}"
            path.write_text(text, encoding="utf-8", errors="surrogatepass")
            paths.append(path)
        for name, data in _BYTES.items():
            (root / f"{name}{suffix}").write_bytes(data)
            paths.append(root / f"{name}{suffix}")
        fifo = root / f"fifo{suffix}"
        os.mkfifo(fifo)
        zero = root / f"zero{suffix}"
        zero.symlink_to("/dev/zero")
        directory = root / f"directory{suffix}"
        directory.mkdir()
        huge = root / f"huge{suffix}"
        with open(huge, "wb") as file:
            file.truncate(MAX_FILE_BYTES + 1)
        paths += [fifo, zero, directory, huge, root / f"missing{suffix}", Path(f"{root}/nul\x00{suffix}")]
    return paths


def _readers(path: Path) -> list:
    quiet = contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO())

    def cli(*argv):
        def run():
            with quiet[0], quiet[1]:
                status = cli_main(list(argv))
            if status not in (0, 1):
                raise AssertionError(f"exit status {status}")

        return run

    return [
        lambda: fillers.load(path),
        lambda: fillers.load(str(path)),
        lambda: fillers.load_all(path),
        lambda: fillers.init_net(path, seed=1),
        lambda: fillers.init_net(str(path), seed=1),
        cli("fill", str(path), "--shape", "2,3", "--seed", "1"),
        cli("show", str(path)),
        cli("specs", str(path)),
        cli("net", str(path), "--seed", "1"),
    ]


def _random_file_case(root: Path, seed: int) -> None:
    r = random.Random(seed)
    path = root / f"random{seed}{r.choice([*_SUFFIXES, '', '.npy'])}"
    if r.random() < 0.5:
        path.write_bytes(bytes(r.randrange(256) for _ in range(r.randrange(64))))
    else:
        path.write_text(_random_text(r) * r.randrange(1, 8), encoding="utf-8", errors="surrogatepass")
    try:
        r.choice(_readers(path))()
    finally:
        path.unlink()


# --- running -------------------------------------------------------------------------------


def _classify(case) -> tuple[str, str | None]:
    signal.alarm(_timeout)
    try:
        case()
    except fillers.FillerError:
        return "filler_error", None
    except _Hang:
        return "hang", traceback.format_exc(limit=-3)
    except BaseException:
        return "other", traceback.format_exc(limit=4)
    finally:
        signal.alarm(0)
    return "success", None


_timeout = 10
_first_seed = 0


_MEMORY_LIMIT = 3 << 30
"""Address space per worker: a blob too large for it is a MemoryError at once (which fillers
reports as a FillerError) rather than a kill by the kernel's OOM killer."""


def _init_worker(timeout: int) -> None:
    global _timeout
    _timeout = timeout
    signal.signal(signal.SIGALRM, _on_alarm)
    resource.setrlimit(resource.RLIMIT_AS, (_MEMORY_LIMIT, _MEMORY_LIMIT))


def _run_batch(group: str, start: int, stop: int, root: str) -> tuple[Counter, list[str]]:
    counts: Counter = Counter()
    samples: list[str] = []
    for seed in range(start, stop):
        if group == "specs":
            case = lambda seed=seed: _spec_case(seed)  # noqa: E731
        elif group == "nets":
            case = lambda seed=seed: _net_case(seed)  # noqa: E731
        elif group == "random_files":
            case = lambda seed=seed: _random_file_case(Path(root), seed)  # noqa: E731
        else:
            path = _PATHS[(seed - _first_seed) // 9]
            case = _readers(path)[seed % 9]
        outcome, sample = _classify(case)
        counts[outcome] += 1
        if sample and len(samples) < 3:
            where = (
                f" ({_PATHS[(seed - _first_seed) // 9].name!r}, reader {seed % 9})"
                if group == "malformed_files"
                else ""
            )
            samples.append(f"{group} case {seed}{where}: {outcome}\n{sample}")
    return counts, samples


_PATHS: list[Path] = []
"""The malformed-file kinds, made before the workers fork (they inherit the list)."""


def _pool(workers: int, timeout: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        workers, mp_context=get_context("fork"), initializer=_init_worker, initargs=(timeout,)
    )


def run_group(
    group: str, count: int, seed: int, workers: int, timeout: int, root: Path
) -> tuple[Counter, list[str]]:
    counts: Counter = Counter()
    samples: list[str] = []
    todo = [(seed + i, seed + min(i + _BATCH, count)) for i in range(0, count, _BATCH)]
    while todo:
        pool = _pool(workers, timeout)
        futures = [(pool.submit(_run_batch, group, a, b, str(root)), (a, b)) for a, b in todo]
        todo, crashed = [], False
        for future, batch in futures:
            try:
                batch_counts, batch_samples = future.result()
            except BrokenProcessPool:
                # A worker died, failing every unfinished batch. With one worker the first of
                # them is the one that ran: it counts as a crash. With more, any running one
                # may have died: all run again, one at a time.
                if workers == 1 and not crashed:
                    counts["crash"] += 1
                    samples.append(f"{group}: a worker died running cases {batch[0]}..{batch[1] - 1}")
                else:
                    todo.append(batch)
                crashed = True
                continue
            counts.update(batch_counts)
            samples += batch_samples
        pool.shutdown()
        workers = 1 if crashed else workers
    return counts, samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--specs", type=int, default=100_000, help="random spec-and-fill cases")
    parser.add_argument("--nets", type=int, default=10_000, help="mutated nets through init_net")
    parser.add_argument("--files", type=int, default=5_000, help="random files in random extensions")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=10, help="seconds before a case counts as a hang")
    parser.add_argument("--only", help="run only this group (specs, nets, malformed_files or random_files)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "kinds").mkdir()
        kinds = _file_kinds(root / "kinds")
        _PATHS[:] = kinds
        global _first_seed
        _first_seed = args.seed
        groups = [
            ("specs", args.specs),
            ("nets", args.nets),
            ("malformed_files", len(kinds) * 9),
            ("random_files", args.files),
        ]
        total: Counter = Counter()
        header = ("group", "cases", "success", "FillerError", "other", "hang", "crash")
        print(f"{header[0]:<16} " + " ".join(f"{h:>11}" for h in header[1:]))
        for group, count in groups:
            if args.only and group != args.only:
                continue
            counts, samples = run_group(group, count, args.seed, args.workers, args.timeout, root)
            total.update(counts)
            row = [count, *(counts[k] for k in ("success", "filler_error", "other", "hang", "crash"))]
            print(f"{group:<16} " + " ".join(f"{v:>11}" for v in row))
            for sample in samples:
                print(sample, file=sys.stderr)
    bad = total["other"] + total["hang"] + total["crash"]
    print(f"file kinds: {len(kinds) // len(_SUFFIXES)} kinds x {len(_SUFFIXES)} extensions, 9 readers each")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
