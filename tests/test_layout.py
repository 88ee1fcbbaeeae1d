"""The package's structure as docs/design.md describes it: layers, no import cycles, lazy
imports only with a reason, one copy of each shared helper, reference modules apart from runners.
"""

from __future__ import annotations

import ast
import importlib
import re
from functools import cache
from pathlib import Path

import pytest

import dlspec
from dlspec.labs import all_labs

ROOT = Path(dlspec.__file__).parent
CORE = (
    "dlspec.data",
    "dlspec.training",
    "dlspec.viz",
    "dlspec.validation",
    "dlspec.weights",
    "dlspec.io",
    "dlspec._lazy",
    "dlspec.saving",
)
# What golden modules and registries build on: case types and the Lab record.
CASE_TYPES = (
    "dlspec.labs",
    "dlspec.grading.golden",
    "dlspec.grading.generated",
    "dlspec.grading.model_summary",
)
COURSES = ("dlspec.foundations", "dlspec.optimization", "dlspec.strategy", "dlspec.cnn")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _owner(name: str) -> str:
    modules = _modules()
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name


@cache
def _imports(module: str) -> tuple[tuple[str, int, bool], ...]:
    """``(imported dlspec module, line, inside a function)`` for each import of ``module``."""
    source = _modules()[module].read_text()
    tree = ast.parse(source)
    local = {
        id(node)
        for func in ast.walk(tree)
        if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(func)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            target = _owner(name) if name.startswith("dlspec") else ""
            if target and target != module and not module.startswith(target + "."):
                found.append((target, node.lineno, id(node) in local))
    return tuple(found)


def _graph() -> dict[str, set[str]]:
    return {m: {t for t, _, _ in _imports(m)} for m in _modules()}


def test_no_import_cycles():
    graph, index, low, stack, on_stack, cycles = _graph(), {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while (w := stack.pop()) != v:
                on_stack.discard(w)
                group.append(w)
            on_stack.discard(v)
            if group:
                cycles.append(sorted([v, *group]))

    for module in graph:
        if module not in index:
            visit(module)
    assert cycles == []


def _comment_above(lines: list[str], line: int) -> str:
    """The block of comment lines right above line number ``line`` (1-based)."""
    block, i = [], line - 2
    while i >= 0 and lines[i].strip().startswith("#"):
        block.append(lines[i])
        i -= 1
    return " ".join(reversed(block))


def test_function_local_dlspec_imports_say_why():
    unexplained = []
    for module, path in _modules().items():
        lines = path.read_text().splitlines()
        for _, line, local in _imports(module):
            if local and "# lazy:" not in lines[line - 1] + _comment_above(lines, line):
                unexplained.append(f"{path.relative_to(ROOT.parent)}:{line}")
    assert unexplained == []


def _layer(module: str) -> str:
    if module.startswith(CORE):
        return "core"
    for course in COURSES:
        if module == course or module.startswith(course + "."):
            if ".runs" in module:
                return "runner"
            if ".golden" in module or module == f"{course}.labs":
                return "cases"
            return course
    return "top"


@pytest.mark.parametrize("module", sorted(_modules()))
def test_layers_import_downwards(module):
    layer = _layer(module)
    for target, line, _ in _imports(module):
        target_layer = _layer(target)
        if layer == "core":
            assert target_layer == "core", f"{module}:{line} (core) imports {target}"
        elif layer in COURSES:
            assert target_layer == "core" or (
                target_layer in COURSES
                and COURSES.index(target_layer) <= COURSES.index(layer)
                and not target.startswith(layer + ".runs")
            ), f"{module}:{line} ({layer}) imports {target}"
        elif layer == "cases":
            assert target_layer != "runner" and (
                target_layer != "top" or target.startswith(CASE_TYPES)
            ), f"{module}:{line} (golden cases / registry) imports {target}"


def _sources() -> dict[str, str]:
    return {str(p.relative_to(ROOT.parent)): p.read_text() for p in _modules().values()}


@pytest.mark.parametrize(
    ("pattern", "home"),
    [
        (r"_flatten_layers\(", {"dlspec/training/layers.py"}),
        (r"\.cache\(\)", {"dlspec/data/arrays.py"}),
        (r"isinstance\([^)]*np\.integer", {"dlspec/validation.py"}),
        (r"def _check_input_shape|def check_input_shape", {"dlspec/validation.py"}),
        (r"DESIGN\.md", set()),
    ],
)
def test_one_copy_of_each_helper(pattern, home):
    where = {path for path, text in _sources().items() if re.search(pattern, text)}
    assert where <= home, f"{pattern!r} outside {sorted(home)}: {sorted(where - home)}"


@pytest.mark.parametrize("lab", list(all_labs().values()), ids=lambda lab: lab.id)
def test_reference_modules_hold_no_runner(lab):
    reference = importlib.import_module(lab.reference)
    assert not hasattr(reference, "run") and not hasattr(reference, "STEPS")
    source = Path(reference.__file__).read_text()
    assert "LabResult" not in source and "dlspec.viz" not in source
    runner = importlib.import_module(lab.runner)
    assert runner.STEPS and all(callable(step) and step.__doc__ for step in runner.STEPS)
