"""Fuzzing the net readers: a mutated net, or a fork layer whose declared fields are repeated,
left out, nested wrongly or of the wrong kind, gives a plan or a FillerError, never another
exception (issue 19, "No traceback")."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fillers
from fillers.net.fields import FieldSpec, declared_fields
from fillers.net.layers.registry import definition_of
from fillers.net.plan import plan_net
from fillers.net.source import read_net_file

NETS = Path(__file__).parent / "data" / "nets"
FORKS = Path(__file__).parent / "data" / "forks"


def head(path: Path, size: int = 6000) -> str:
    """The net's first layers, cut at a layer boundary: a short net, still whole."""
    text = path.read_text()
    return text[: text.rfind("\nlayer", 0, size) + 1] if len(text) > size else text


# (net, the input shapes its data layers need)
SEEDS = [
    (head(NETS / "lenet_train_test.prototxt"), {"data": (64, 1, 28, 28), "label": (64,)}),
    (head(NETS / "lenet_v1.prototxt"), None),
    (head(FORKS / "segnet_train.prototxt"), {"data": (4, 3, 360, 480), "label": (4, 1, 360, 480)}),
    (head(FORKS / "MobileNetSSD_train.prototxt"), {"data": (24, 3, 300, 300), "label": (1, 1, 4, 8)}),
]
TOKENS = [
    "{", "}", ":", "layer", "layers", "name", "type", '"x"', "bottom", "top", "convolution_param",
    "num_output", "weight_filler", "std", "-1", "0", "3.5", "1e40", "true", "MAX", "PRE_FIXED",
    "include", "phase", "TEST", "bn_param", "norm_param", "prior_box_param", "\n", "#", "[", "]", ",",
]  # fmt: skip
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def plan_or_error(text: str, input_shapes: dict | None = None) -> bool:
    """Reading and planning `text` ends in a plan (True) or a FillerError, nothing else."""
    try:
        read_net_file(text)
        plan_net(text, input_shapes=input_shapes)
    except fillers.FillerError:
        return False
    return True


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, dict | None]:
    text, shapes = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["delete", "insert", "repeat"]))
        if kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)) :]
        elif kind == "insert":
            text = text[:at] + " " + draw(st.sampled_from(TOKENS)) + " " + text[at:]
        else:
            end = text.find("\n", at)
            line_start = text.rfind("\n", 0, at) + 1
            text = text[:end] + "\n" + text[line_start:end] + text[end:] if end > 0 else text
    return text, shapes


@FUZZ
@given(mutated())
def test_a_mutated_net_gives_a_plan_or_a_filler_error(net):
    plan_or_error(*net)


def test_the_seeds_plan_unmutated():
    assert all(plan_or_error(text, shapes) for text, shapes in SEEDS)


FORK_TYPES = sorted(
    name for name in fillers.registered_layers() if declared_fields(name) and definition_of(name)
)


def scalar_values(spec: FieldSpec) -> st.SearchStrategy[str]:
    """A value for a declared field as text: mostly of its kind, sometimes not."""
    right = {
        "bool": st.sampled_from(["true", "false", "1", "0"]),
        "int": st.integers(-3, 700).map(str),
        "float": st.floats(-5, 1000, allow_nan=False).map(lambda v: f"{v:.3g}"),
        "string": st.sampled_from(['"a"', '"x.lmdb"', '""', '"scales: [4]"']),
        "enum": st.sampled_from(spec.choices or ("X",)),
    }.get(spec.kind, st.just("1"))
    wrong = st.sampled_from(["1.5", '"s"', "NOPE", "-1", "1e40"])
    return st.one_of(right, right, right, wrong)


@st.composite
def block_text(draw: st.DrawFn, declared: dict[str, FieldSpec], depth: int = 0) -> str:
    """Some of a block's declared fields, each once, twice or with a block where a value goes."""
    parts = []
    names = draw(st.lists(st.sampled_from(sorted(declared)), max_size=5, unique=True)) if declared else []
    for name in names:
        spec = declared[name]
        # Repeated where it may not be: at the layer's own level, rarely, so most nets get further.
        repeats = draw(st.sampled_from([1, 1, 1, 2] if depth else [1] * 9 + [2]))
        for _ in range(repeats):
            if spec.kind == "block" and depth < 2:
                parts.append(f"{name} {{ {draw(block_text(dict(spec.fields), depth + 1))} }}")
            elif spec.kind == "filler":
                parts.append(
                    f'{name} {{ type: "{draw(st.sampled_from(["constant", "gaussian", "xavier"]))}" }}'
                )
            elif draw(st.integers(0, 9)) == 0:
                parts.append(f"{name} {{ }}")  # a block where a value goes
            else:
                parts.append(f"{name}: {draw(scalar_values(spec))}")
    return " ".join(parts)


@st.composite
def fork_layer_nets(draw: st.DrawFn) -> str:
    layer_type = draw(st.sampled_from(FORK_TYPES))
    definition = definition_of(layer_type)
    least, most = definition.bottoms
    count = draw(st.integers(least, least if most is None else min(most, least + 1)))
    bottoms = " ".join('bottom: "data"' for _ in range(count))
    tops = " ".join(f'top: "t{i}"' for i in range(definition.tops[0] or 1))
    body = draw(block_text(dict(declared_fields(layer_type))))
    return (
        'layer { name: "data" type: "Input" top: "data"\n'
        "  input_param { shape { dim: 2 dim: 12 dim: 6 dim: 6 } } }\n"
        f'layer {{ name: "f" type: "{layer_type}" {bottoms} {tops} {body} }}\n'
    )


@FUZZ
@given(fork_layer_nets())
def test_a_fork_layer_with_any_declared_fields_gives_a_plan_or_a_filler_error(text):
    plan_or_error(text)
