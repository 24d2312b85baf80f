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
