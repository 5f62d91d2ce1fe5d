"""The layer contract: lower layers never import upper ones, and there is no import cycle.

Layers, lowest first (docs/architecture.md):

1. data          raw files -> validated tidy tables, registers, the context
2. methods       indicators and disclosure control
3. computation   the steps' own logic (tidy frames, English, no I/O)
3.5 publication  every local-source number of a collaboration, protected together
4. presentation  Swedish tables, captions, notices, charts, the report frame
5. orchestration runner, batch, PDF, command line, connectors

The imports are read from the source with :mod:`ast` (function-level imports included),
so the contract holds for lazy imports too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "vpanalysis"

#: Module (dotted, without ``vpanalysis.``) or package prefix -> layer. The longest
#: matching prefix wins.
LAYERS = {
    "": 1,  # vpanalysis/__init__.py (the version)
    "config": 1,
    "errors": 1,
    "atomic": 1,
    "catalogue": 1,
    "io": 1,
    "cleaning": 1,
    "schema": 1,
    "pipeline": 1,
    "geography": 1,
    "definitions": 1,
    "registers": 1,
    "registers.excel": 1,  # the registers as one workbook, register.xlsx (openpyxl)
    "data": 1,
    "context": 1,
    "enrolment": 1,  # pupils per grade, for survey response rates
    "fetch.provenance": 1,  # provenance files of fetched raw data, read by the build
    "workspace": 1,  # a collaboration's folder and configuration (vpanalysis init)
    "indicators": 2,
    "verdicts": 2,
    "disclosure": 2,
    "steps": 3,
    "publication": 3.5,
    "presentation": 4,
    "report": 4,
    "plots": 4,
    "runner": 5,
    "baseline": 5,  # the frozen baseline, a stage of a report run
    "batch": 5,
    "kernels": 5,
    "zygote": 5,
    "pdf": 5,
    "cli": 5,
    "audit": 5,  # the attacker's audit of a run's reports
    "fetch": 5,
    "lab": 5,  # vpanalysis lab: JupyterLab in a workspace
}
NAMES = {
    1: "data",
    2: "methods",
    3: "computation",
    3.5: "publication",
    4: "presentation",
    5: "orchestration",
}

#: Modules allowed to import the package lazily (measured start-up cost: `vpanalysis
#: --help` must not import pandas or papermill).
LAZY_ALLOWED = {"cli"}

#: Calls that read or write files; computation modules make none of them.
FILE_CALLS = {
    "open",
    "read_text",
    "read_bytes",
    "write_text",
    "write_bytes",
    "read_parquet",
    "to_parquet",
    "read_csv",
    "to_csv",
    "read_excel",
    "to_excel",
    "savefig",
    "mkdir",
}


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def layer_of(module: str) -> int:
    best = ""
    for prefix in LAYERS:
        if (module == prefix or module.startswith(prefix + ".") or prefix == "") and len(
            prefix
        ) >= len(best):
            best = prefix
    return LAYERS[best]


def modules() -> dict[str, ast.Module]:
    return {
        module_name(p): ast.parse(p.read_text(encoding="utf-8"), filename=str(p))
        for p in sorted(PACKAGE.rglob("*.py"))
    }


def imports(tree: ast.Module, current: str, *, lazy_only: bool = False) -> list[tuple[str, int]]:
    """``(imported vpanalysis module, line)`` for every import in ``tree``."""
    found = []
    is_package = (PACKAGE.joinpath(*current.split(".")) / "__init__.py").exists()
    top_level = set(map(id, tree.body))
    for node in ast.walk(tree):
        if lazy_only and id(node) in top_level:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = current.split(".")
                if not is_package:
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
                target = "vpanalysis." + target if target else "vpanalysis"
            else:
                target = node.module or ""
            if target == "vpanalysis" or target.startswith("vpanalysis."):
                short = target.removeprefix("vpanalysis").lstrip(".")
                for alias in node.names:
                    sub = f"{short}.{alias.name}" if short else alias.name
                    found.append((sub if is_module(sub) else short, node.lineno))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("vpanalysis"):
                    found.append((alias.name.removeprefix("vpanalysis").lstrip("."), node.lineno))
    if lazy_only:
        found = [(m, line) for m, line in found if line not in _top_lines(tree)]
    return found


def _top_lines(tree: ast.Module) -> set[int]:
    return {n.lineno for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)}


def is_module(dotted: str) -> bool:
    path = PACKAGE.joinpath(*dotted.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


MODULES = modules()


def test_every_module_has_a_layer():
    for name in MODULES:
        assert layer_of(name) in NAMES, name


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_imports_a_higher_layer(name):
    own = layer_of(name)
    bad = [
        f"line {line}: imports vpanalysis.{target} ({NAMES[layer_of(target)]})"
        for target, line in imports(MODULES[name], name)
        if layer_of(target) > own
    ]
    assert not bad, f"vpanalysis.{name} ({NAMES[own]}) " + "; ".join(bad)


def test_no_import_cycle():
    graph = {
        name: {t for t, _ in imports(tree, name) if t in MODULES and t != name}
        for name, tree in MODULES.items()
    }
    # A package's __init__ re-exporting its submodules is not a cycle with them.
    for name in graph:
        graph[name] = {t for t in graph[name] if not (t and name.startswith(t + "."))}
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt) :] + [nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n not in LAZY_ALLOWED))
def test_package_imports_are_at_module_top(name):
    lazy = imports(MODULES[name], name, lazy_only=True)
    assert not lazy, f"vpanalysis.{name} imports vpanalysis modules inside functions: " + ", ".join(
        f"{t} (line {line})" for t, line in lazy
    )


@pytest.mark.parametrize("name", sorted(n for n in MODULES if layer_of(n) == 3))
def test_computation_reads_and_writes_no_files(name):
    calls = []
    for node in ast.walk(MODULES[name]):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in FILE_CALLS:
                calls.append(f"{called} (line {node.lineno})")
    assert not calls, f"vpanalysis.{name} does file I/O: " + ", ".join(calls)


def test_the_contract_catches_a_violation(tmp_path):
    """The checker itself: a computation module importing the report layer is caught."""
    tree = ast.parse("from vpanalysis import report\nfrom vpanalysis.plots import trend\n")
    found = imports(tree, "steps.example")
    assert ("report", 1) in found and ("plots", 2) in found
    assert all(layer_of(t) > layer_of("steps.example") for t, _ in found)
    lazy = ast.parse("def f():\n    from vpanalysis import data\n")
    assert imports(lazy, "steps.example", lazy_only=True) == [("data", 2)]
