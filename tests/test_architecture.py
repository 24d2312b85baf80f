"""The house as DESIGN.md draws it: one folder per layer, imports pointing down, no cycle, and
small modules.

Layers, bottom up: errors and the schema; io; stream; random; fill; spec; net; weights; then
the command line and the framework bridges, which nothing else imports.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "fillers"
LAYERS = ["errors", "_core", "_proto", "io", "stream", "random", "fill", "spec", "net", "weights"]
TOP = {"cli", "torch", "jax", "keras", "dask", "__init__", "__main__"}
BRIDGES = {"torch", "jax", "keras", "dask"}
MAX_LINES = 450
DATA_TABLES = {"random/_tables.py", "_proto/filler_pb2.py"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    # fillers/conftest.py is pytest's (the doctests' settings), not a module of the package.
    paths = (path for path in sorted(PACKAGE.rglob("*.py")) if path.name != "conftest.py")
    return {_module_name(path): path for path in paths}


def _imports(name: str, path: Path) -> set[str]:
    """Every fillers module `name` imports, at module level or inside a function."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target.split(".")[0] != "fillers":
                continue
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("fillers"))
    return found & set(_modules()) - {name}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _rank(module: str) -> int:
    layer = _layer(module)
    return len(LAYERS) if layer in TOP else LAYERS.index(layer)


def test_every_module_sits_in_a_known_layer():
    unknown = {module for module in _modules() if _layer(module) not in {*LAYERS, *TOP}}
    assert unknown == set()


def test_imports_point_down_the_layers():
    upward = [
        f"{module} ({_layer(module)}) imports {target} ({_layer(target)})"
        for module, path in _modules().items()
        for target in _imports(module, path)
        if _layer(module) not in TOP and _rank(target) > _rank(module)
    ]
    assert upward == []


def test_nothing_below_the_top_imports_a_bridge_or_the_cli():
    offenders = [
        f"{module} imports {target}"
        for module, path in _modules().items()
        for target in _imports(module, path)
        if _layer(target) in BRIDGES | {"cli"} and _layer(module) not in TOP
    ]
    assert offenders == []


def test_no_import_cycle():
    graph = {module: _imports(module, path) for module, path in _modules().items()}
    # A package's __init__ that re-exports its modules is not a cycle with them.
    graph = {m: {t for t in targets if not m.startswith(t + ".")} for m, targets in graph.items()}
    state: dict[str, int] = {}
    cycles = []

    def visit(module: str, trail: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                cycles.append(" -> ".join([*trail[trail.index(target) :], target]))
            elif target not in state:
                visit(target, [*trail, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


HAND_WRITTEN = [
    path for path in sorted(PACKAGE.rglob("*.py")) if str(path.relative_to(PACKAGE)) not in DATA_TABLES
]


@pytest.mark.parametrize("path", HAND_WRITTEN, ids=lambda path: str(path.relative_to(PACKAGE)))
def test_hand_written_modules_stay_small(path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(PACKAGE)}: {lines} lines; split it by job"


def test_optional_packages_are_skipped_by_one_policy():
    """Every test that needs an optional package asks tests/optional.py, so that
    FILLERS_REQUIRE_FRAMEWORKS turns every such skip into a failure in CI."""
    tests = Path(__file__).resolve().parent
    offenders = [
        path.name
        for path in sorted(tests.glob("*.py"))
        if path.name not in ("optional.py", "test_architecture.py") and "importorskip(" in path.read_text()
    ]
    assert offenders == []


# Where a module's tests live when no tests/test_<module>.py is named after it. Modules that
# only re-export, data tables and generated declarations have no entry.
TESTED_IN = {
    "errors.py": ["test_golden_fills.py", "test_robustness.py"],
    "cli/commands.py": ["test_cli.py", "test_cli_nets.py", "test_cli_weights.py"],
    "cli/plugins.py": ["test_cli_nets.py"],
    "cli/progress.py": ["test_cli_nets.py"],
    "cli/plot.py": ["test_cli_nets.py", "test_atomic.py"],
    "fill/blob.py": ["test_fillers.py", "test_robustness.py"],
    "fill/builtin.py": ["test_fillers.py", "test_golden_fills.py"],
    "fill/filler.py": ["test_fillers.py", "test_interrupts.py", "test_counter.py"],
    "fill/registry.py": ["test_fillers.py"],
    "io/formats.py": ["test_parameter.py", "test_robustness.py"],
    "io/limits.py": ["test_robustness.py"],
    "io/textformat.py": ["test_schema.py", "test_parameter.py"],
    "io/texttree.py": ["test_strict_nets.py", "test_fuzz_nets.py"],
    "net/filler_blocks.py": ["test_strict_nets.py", "test_specs.py"],
    "net/filler_reader.py": ["test_strict_nets.py"],
    "net/fill.py": ["test_net.py", "test_golden_nets.py", "test_recurrent.py"],
    "net/plan.py": ["test_net.py", "test_layers.py"],
    "net/schema.py": ["test_fields.py", "test_strict_nets.py"],
    "net/settle.py": ["test_fork_choice.py"],
    "net/source.py": ["test_strict_nets.py", "test_netparam.py"],
    "net/splits.py": ["test_caffemodels.py"],
    "net/strict.py": ["test_strict_nets.py", "test_fuzz_nets.py"],
    "net/trained.py": ["test_fork_choice.py"],
    "net/upgrade.py": ["test_netparam.py", "test_golden_nets.py"],
    "net/layers/blob.py": ["test_layers.py"],
    "net/layers/catalog.py": ["test_layers.py"],
    "net/layers/elementwise.py": ["test_layers.py"],
    "net/layers/learnable.py": ["test_layers.py"],
    "net/layers/pooling.py": ["test_layers.py"],
    "net/layers/registry.py": ["test_layers.py", "test_fork_fields.py"],
    "net/layers/reshaping.py": ["test_layers.py"],
    "net/layers/sources.py": ["test_layers.py", "test_datasources.py"],
    # every fork's module: its published nets, blob by blob, and the choice between forks
    "net/layers/forks/": ["test_forks.py", "test_fork_nets.py", "test_fork_choice.py"],
    "random/boost_reference.py": ["test_boost.py"],
    "random/counter_normal.py": ["test_counter.py", "test_compiled_counter.py"],
    "random/draws.py": ["test_compiled.py", "test_threads.py", "test_statistics.py"],
    "random/eras.py": ["test_profiles.py"],
    "random/libm.py": ["test_profiles.py"],
    "random/prefetch.py": ["test_boost.py", "test_interrupts.py"],
    "random/real.py": ["test_boost.py"],
    "random/rowsums.py": ["test_fillers.py", "test_compiled.py"],
    "random/ziggurat.py": ["test_boost.py"],
    "random/threads.py": ["test_compiled_counter.py"],
    "stream/philox.py": ["test_counter_kat.py"],
    "fill/counter_arrays.py": ["test_counter_kat.py", "test_jax_counter.py", "test_torch_counter.py"],
    "torch/counter_ops.py": ["test_torch_counter.py"],
    "spec/resolve.py": ["test_fillers.py", "test_torch.py"],
    "spec/sets.py": ["test_specs.py"],
    "stream/caffe.py": ["test_golden_fills.py", "test_threads.py", "test_interrupts.py"],
    "torch/caffe.py": ["test_torch.py", "test_torch_distributed.py"],
    "torch/draws.py": ["test_torch_conventions.py"],
    "torch/init.py": ["test_torch.py", "test_torch_conventions.py", "test_torch_distributed.py"],
    "torch/tensors.py": ["test_torch_conventions.py", "test_torch_distributed.py"],
    "weights/arrays.py": ["test_weights.py", "test_hostile_files.py"],
    "weights/caffemodel.py": ["test_caffemodels.py", "test_hostile_files.py"],
    "weights/files.py": ["test_weights.py"],
    "weights/finetune.py": ["test_caffemodels.py", "test_finetune_recipe.py"],
    "weights/hdf5.py": ["test_hostile_files.py", "test_weights.py"],
    "weights/init.py": ["test_net.py", "test_caffemodels.py"],
    "weights/source.py": ["test_hostile_files.py"],
    "weights/wire.py": ["test_caffemodels.py", "test_hostile_files.py"],
}
NO_TESTS_OF_THEIR_OWN = ("__init__.py", "__main__.py", "_core/", "_proto/", "net/layers/declared/")


def test_every_module_with_behaviour_has_its_tests_named():
    """A newcomer finds a module's tests: tests/test_<module>.py, or the files TESTED_IN names."""
    tests = Path(__file__).resolve().parent
    missing = []
    for path in HAND_WRITTEN:
        relative = str(path.relative_to(PACKAGE))
        if relative.endswith(NO_TESTS_OF_THEIR_OWN) or relative.startswith(NO_TESTS_OF_THEIR_OWN):
            continue
        named = [f"test_{path.stem}.py", f"test_{path.parent.name}_{path.stem}.py"]
        found = [name for name in named if (tests / name).exists()]
        entries = [files for module, files in TESTED_IN.items() if relative.startswith(module)]
        listed = [name for files in entries for name in files if (tests / name).exists()]
        if not found and not listed:
            missing.append(relative)
    assert missing == []
