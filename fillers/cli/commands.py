"""The `fillers` command: fill, show, list, specs, net and weights, over the public API.

A failure the library reports (FillerError: a bad spec, shape or net) or an unreadable file
(OSError) ends the command with one line on stderr and exit status 1; argparse owns usage
errors (status 2) and --help (status 0).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ..errors import FillerError
from ..fill.registry import get_filler, registered
from ..io import atomic
from ..io.formats import FORMAT_BY_SUFFIX, errors_in, read_text
from ..net.layers.registry import cli_hints
from ..net.params import blob_roles
from ..net.plan import ParamBlob
from ..net.settle import checked_forks
from ..net.source import NetFile, read_net_file
from ..net.specs import is_net_file, load_all, net_file_fillers
from ..spec.parameter import FillerParameter, load, parse, to_text
from ..stream.caffe import CaffeRNG
from ..stream.profiles import DEFAULT_PROFILE, PROFILES
from ..weights.files import save_weights, weights_format
from ..weights.finetune import opened_weights
from ..weights.init import prepare_net
from .output import is_closed_output, print_table, quiet_when_closed, shape_text
from .plot import PlotBlob, check_plot, plot_blobs
from .plugins import load_plugins, load_protos, shape_rules
from .progress import Progress
from .statistics import moments, statistics

_DTYPES = {"float32": np.float32, "float64": np.float64}
_PHASES = ("TRAIN", "TEST")
_MAX_ROLES = 64


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `fillers` command on `argv` (default: sys.argv[1:]) and return its exit status.

    `main(["fill", 'type: "xavier"', "--shape", "96,3,11,11", "--seed", "1701"])` prints
    the statistics of the blob Caffe fills for that seed and returns 0.
    """
    parser = _parser()
    with quiet_when_closed():
        try:
            args = parser.parse_args(argv)
        except SystemExit as done:
            return int(done.code or 0)
        try:
            with cli_hints():
                args.run(args)
            sys.stdout.flush()
        except (FillerError, OSError) as error:
            if is_closed_output(error):
                raise
            message = " ".join(str(error).split())
            print(f"fillers {args.command}: error: {message}", file=sys.stderr)
            return 1
        return 0
    return 0  # stdout went away: the reader has what it wanted


def _fill(args: argparse.Namespace) -> None:
    filler = get_filler(_read_spec(args.spec))
    shape = _dims(args.shape, "--shape")
    if args.out is not None:
        _check_out(args.out, (".npy",))
    # Unseeded, CaffeRNG draws its seed from the OS as Caffe does; printing it lets any run
    # be repeated with --seed.
    rng = CaffeRNG(args.seed, profile=args.profile)
    values = filler.fill(shape, dtype=_DTYPES[args.dtype], rng=rng)
    if args.out is not None:
        with atomic.opened(args.out) as out:
            np.save(out, values)
    if rng.profile != DEFAULT_PROFILE:
        print(f"profile {rng.profile.name}")
    print_table(
        ("shape", "dtype", "seed", "min", "max", "mean", "std"),
        [(shape_text(values.shape), args.dtype, rng.seed, values.min(), values.max(), *moments(values))],
    )


def _show(args: argparse.Namespace) -> None:
    print(to_text(_read_spec(args.spec)).rstrip("\n"))


def _list(args: argparse.Namespace) -> None:
    for name in registered():
        print(name)


def _specs(args: argparse.Namespace) -> None:
    load_plugins(args.plugin)
    load_protos(args.proto, "specs")
    shape_rules(args.shape_rule)  # checked, as `net` would; listing fillers needs no shapes
    checked_forks(args.fork)
    filtered = args.phase is not None or args.stage or args.level
    if is_net_file(args.net):
        net = _read_net(args)
        phase = (args.phase or "TRAIN") if filtered else None
        specs = net_file_fillers(net, phase=phase, level=args.level, stages=args.stage)
    else:
        if args.stage or args.level:
            raise FillerError(
                f"{args.net}: --stage and --level apply to Caffe nets; this file is a named set"
            )
        specs = load_all(Path(args.net), phase=args.phase)
    print_table(
        ("name", "type", "parameters"),
        [(name, param.type, _set_fields_except_type(param)) for name, param in specs.items()],
    )


def _net(args: argparse.Namespace) -> None:
    # Where the results go is checked before anything is filled.
    if args.out is not None:
        weights_format(args.out)
    if args.plot is not None:
        check_plot(args.plot)
    input_shapes = dict(_input_shape(text) for text in args.input)
    load_plugins(args.plugin)
    load_protos(args.proto, "net")
    rules = shape_rules(args.shape_rule)
    net = _read_net(args)
    # init_net in its steps, so that the table can say which filler (or file) made each blob.
    prepared = prepare_net(
        net,
        phase=args.phase,
        level=args.level,
        stages=args.stage,
        # Unseeded, CaffeRNG draws its seed from the OS as Caffe does (printed below).
        rng=CaffeRNG(args.seed, profile=args.profile),
        dtype=_DTYPES[args.dtype],
        input_shapes=input_shapes,
        shape_rules=rules,
        weights=args.weights,
        forks=args.fork,
    )
    plan, copies, rng = prepared.plan, prepared.copies, prepared.stream
    no_fillers = not net_file_fillers(net, phase=args.phase, level=args.level, stages=args.stage)
    if plan.blobs and no_fillers and args.weights is None:
        print(
            f"fillers net: note: {args.net} writes no fillers, so every blob takes its layer's default "
            "(constant 0 for weights and biases); is this a deploy file?",
            file=sys.stderr,
        )
    progress = Progress()
    try:
        params = prepared.fill(progress=progress)
    finally:
        progress.close()
    copied = {(copy.layer, copy.index): copy.source for copy in copies}
    blobs = [(blob, params[blob.layer][blob.index]) for blob in plan.blobs]
    if args.plot is not None:
        plot_blobs(_plotted(blobs), args.plot, progress=sys.stderr)
    if args.out is not None:
        save_weights(params, args.out, net=plan, phase=args.phase, input_shapes=input_shapes)
    print(f"seed {rng.seed}, phase {args.phase}, {args.dtype}{_profile_note(rng)}")
    print_table(
        ("layer", "blob", "shape", "mean", "std", "filler"),
        [
            (
                blob.layer,
                blob.index,
                shape_text(blob.shape),
                *moments(values),
                "from weights" if (blob.layer, blob.index) in copied else _made_by(blob),
            )
            for blob, values in blobs
        ],
    )


def _read_net(args: argparse.Namespace) -> NetFile:
    """The net of NET (any file name); for a solver, say which of its fields gave the net."""
    net = read_net_file(Path(args.net))
    if net.taken_from:
        print(f"fillers {args.command}: {args.net} is a solver; its net is {net.taken_from}", file=sys.stderr)
    return net


def _plotted(blobs: Sequence[tuple[ParamBlob, np.ndarray]]) -> list[PlotBlob]:
    """Each blob labelled "layer/role" (conv1/weight), with its filler."""
    per_layer: dict[str, int] = {}
    for blob, _ in blobs:
        per_layer[blob.layer] = max(per_layer.get(blob.layer, 0), blob.index + 1)
    plotted = []
    for blob, values in blobs:
        role = blob_roles(blob.layer_type, per_layer[blob.layer])[blob.index]
        plotted.append(PlotBlob(f"{blob.layer}/{role}", values, blob.filler))
    return plotted


def _weights(args: argparse.Namespace) -> None:
    # One open file; a .caffemodel's or .safetensors' values stay in it and are reduced a
    # chunk at a time: memory stays bounded by the chunk size however big the file.
    rows = []
    with opened_weights(args.file, stored=True) as file:
        for layer in file.layers:
            numbered = layer.numbered()
            # An HDF5 layer may skip indices (shared blobs): roles by index, positional past a few.
            count = numbered[-1][0] + 1 if numbered else 0
            roles = blob_roles(layer.type, count) if count <= _MAX_ROLES else ()
            for index, blob in numbered:
                role = roles[index] if roles else f"blob{index}"
                stats = statistics(blob.values)
                rows.append((layer.name, layer.type, f"{index}:{role}", shape_text(blob.shape), *stats))
    print_table(("layer", "type", "blob", "shape", "min", "max", "mean", "std"), rows)


def _check_out(path: str, suffixes: Sequence[str]) -> None:
    """--out names a file of one of `suffixes` that can be written; checked before filling."""
    if not path.lower().endswith(suffixes):
        raise FillerError(f"--out: {atomic.shown(path)} must end in {' or '.join(suffixes)}")
    atomic.check_destination(path)


def _read_spec(spec: str) -> FillerParameter:
    """SPEC names a file when one exists by that name; otherwise it is text format. A file
    whose extension names no format is read as text format, as Caffe reads any prototxt."""
    if os.path.exists(spec):
        if os.path.splitext(spec)[1].lower() not in FORMAT_BY_SUFFIX:
            with errors_in(spec):
                return parse(read_text(spec))
        return load(spec)
    if ":" not in spec:
        # Text format writes every FillerParameter field as `name: value`: a SPEC without a
        # colon was meant as a file.
        raise FillerError(f"{spec}: no such file (and not a spec in text format)")
    return parse(spec)


def _dims(text: str, option: str) -> tuple[int, ...]:
    """Comma-separated dimensions, e.g. "96,3,11,11"; their values are the filler's to check."""
    try:
        return tuple(int(dim) for dim in text.split(","))
    except ValueError:
        raise FillerError(
            f"{option}: {text!r} is not a comma-separated list of integers, e.g. 96,3,11,11"
        ) from None


def _input_shape(text: str) -> tuple[str, tuple[int, ...]]:
    """`--input data=1,3,227,227` as ("data", (1, 3, 227, 227))."""
    name, equals, dims = text.partition("=")
    if not equals or not name:
        raise FillerError(f"--input: {text!r} is not NAME=DIMS, e.g. data=1,3,227,227")
    return name, _dims(dims, f"--input {name}")


def _set_fields_except_type(param: FillerParameter) -> str:
    """The fields a spec sets besides `type`, in text format on one line: "std: 0.01 sparse: 5"."""
    return " ".join(line for line in to_text(param).splitlines() if not line.startswith("type:"))


def _made_by(blob: ParamBlob) -> str:
    """The filler of a net blob with the fields it sets; a shared blob holds its owner's values."""
    words = ["zeros"] if blob.filler is None else [blob.filler.type, _set_fields_except_type(blob.filler)]
    if blob.owner is not None:
        words.append("(values of {}/{})".format(*blob.owner))
    return " ".join(word for word in words if word)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fillers",
        description="Caffe's weight fillers: the same bits Caffe writes for the same seed, without Caffe.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    fill = _add_command(
        commands,
        _fill,
        "fill one blob and print its statistics",
        "Fill a blob of --shape from SPEC on the stream Caffe::set_random_seed(--seed) gives, "
        "and print its shape, dtype, seed, min, max, mean and std.",
    )
    _add_spec_argument(fill)
    fill.add_argument(
        "--shape", required=True, help="the blob's dimensions, comma-separated, e.g. 96,3,11,11"
    )
    _add_dtype_and_seed(fill)
    fill.add_argument("--out", metavar="FILE.npy", help="also write the array to this .npy file")

    show = _add_command(
        commands, _show, "print a spec, normalized", "Print SPEC in protobuf text format, normalized."
    )
    _add_spec_argument(show)

    _add_command(
        commands, _list, "list the registered filler names", "Print the registered filler names, sorted."
    )

    specs = _add_command(
        commands,
        _specs,
        "list every filler of a net",
        'Print a table of every filler of a Caffe net prototxt: its name ("<layer>/<field>"), '
        "its type and the parameters it sets.",
    )
    specs.add_argument("net", metavar="NET.prototxt", help="a Caffe net or solver prototxt (any file name)")
    specs.add_argument(
        "--phase", choices=_PHASES, help="only the layers Caffe builds in this phase (default: all)"
    )
    _add_net_state_and_plugins(specs)

    net = _add_command(
        commands,
        _net,
        "initialize every learnable blob of a net",
        "Initialize every learnable blob of a Caffe net as Caffe's Net::Init does for --seed, "
        "print a table of them, and write them with --out.",
    )
    net.add_argument("net", metavar="NET.prototxt", help="a Caffe net or solver prototxt (any file name)")
    net.add_argument("--phase", choices=_PHASES, default="TRAIN", help="the phase to build (default: TRAIN)")
    _add_net_state_and_plugins(net)
    net.add_argument(
        "--input",
        action="append",
        default=[],
        metavar="NAME=DIMS",
        help="the shape of a top the net does not give, e.g. data=1,3,227,227 (repeat for each)",
    )
    _add_dtype_and_seed(net)
    net.add_argument(
        "--weights",
        metavar="W.caffemodel",
        help="then copy the blobs of these trained weights, as `caffe train --weights` does "
        "(comma-separated files are copied in order)",
    )
    net.add_argument(
        "--out",
        metavar="FILE",
        help="write the blobs to FILE: .caffemodel, .caffemodel.h5, .npz or .safetensors, by extension",
    )

    net.add_argument(
        "--plot",
        metavar="FILE.png",
        help="draw the learnable blobs as histograms, 24 a page: FILE, FILE-2... (matplotlib: fillers[plot])",
    )

    weights = _add_command(
        commands,
        _weights,
        "list the blobs of a weights file",
        "Print every blob of a weights file (.caffemodel, .caffemodel.h5, .npz, .safetensors) "
        "with its layer, type, role, shape, min, max, mean and std.",
    )
    weights.add_argument("file", metavar="FILE", help="a weights file")
    return parser


def _add_net_state_and_plugins(command: argparse.ArgumentParser) -> None:
    """The flags `net` and `specs` share: the NetState, shape rules and plugins."""
    command.add_argument(
        "--stage", action="append", default=[], metavar="STAGE", help="a NetState stage (repeat for each)"
    )
    command.add_argument("--level", type=int, default=0, help="the NetState level (default: 0)")
    command.add_argument(
        "--shape-rule",
        action="append",
        default=[],
        metavar="TYPE=RULE",
        help="a layer type fillers does not know, without learnable blobs: RULE is same (each top "
        "shaped like bottom 0), bottom:K (like bottom K) or DIMS (the top's shape, e.g. 1,3,224,224)",
    )
    command.add_argument(
        "--fork",
        action="append",
        default=[],
        metavar="NAME",
        help="the Caffe fork whose version to take of a layer type several forks define differently "
        "(fillers names the candidates when the net does not tell)",
    )
    command.add_argument(
        "--plugin",
        action="append",
        default=[],
        metavar="FILE.py",
        help="a Python file that defines layers with @fillers.register_layer (repeat for each)",
    )
    command.add_argument(
        "--proto",
        action="append",
        default=[],
        metavar="FILE",
        help="the net's fork's caffe.proto (or its protoc --descriptor_set_out): its fields are "
        "read strictly on every layer",
    )


def _add_command(
    commands: argparse._SubParsersAction,
    run: Callable[[argparse.Namespace], None],
    summary: str,
    description: str,
) -> argparse.ArgumentParser:
    """A subcommand named after its `run` function (`_fill` is `fill`)."""
    command = commands.add_parser(run.__name__.lstrip("_"), help=summary, description=description)
    command.set_defaults(run=run)
    return command


def _add_spec_argument(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "spec",
        metavar="SPEC",
        help="a spec file (.prototxt, .pbtxt, .txt, .yaml, .yml, .json, .pb) or a spec in text format, "
        "e.g. 'type: \"gaussian\" std: 0.01'",
    )


def _profile_note(rng: CaffeRNG) -> str:
    return "" if rng.profile == DEFAULT_PROFILE else f", profile {rng.profile.name}"


def _add_dtype_and_seed(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--dtype",
        choices=tuple(_DTYPES),
        default="float32",
        help="float32 (Caffe's float) or float64 (double)",
    )
    command.add_argument(
        "--seed",
        type=int,
        help="the seed of Caffe::set_random_seed, an unsigned 32-bit int (default: one from the OS, printed)",
    )
    command.add_argument(
        "--profile",
        metavar="NAME",
        help=f"the Caffe build to reproduce: {', '.join(PROFILES)} (default: {DEFAULT_PROFILE.name})",
    )
