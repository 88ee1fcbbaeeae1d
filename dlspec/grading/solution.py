"""Load a learner's solution (``.py`` or ``.ipynb``) and point at its lines when it fails.

Runs inside the grader's worker process (:mod:`dlspec.grading.worker`), never in the
``dlspec`` process itself. A ``.py`` file runs top to bottom like an import: an exception there
is a load error. A notebook runs like "Run All" that keeps going: each top-level statement of
each code cell runs on its own, and one that fails (a missing ``public_tests`` module, a data
file that is not there, a cell with a syntax error) becomes a warning naming the cell and line,
so the functions defined elsewhere are still graded.

Loading a notebook is not a graded call: with :class:`LoadLimits` each top-level statement gets
a cap (``statement``, default 30 s) and all of them a budget (``budget``, default 180 s). A
statement stopped by the cap (a training cell, a plot) is *skipped*, not failed, and its id
(``"<cell>:<line>"``) goes to ``hung`` so that a restarted worker does not run it again
(``skip``). Once the budget is spent only definitions (``def``, ``class``) still run. A notebook
that imports TensorFlow or Keras gets them imported before its first statement, outside every
limit: a slow import on a busy machine never fails a notebook.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import linecache
import os
import re
import sys
import time
import tokenize
import traceback
import types
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dlspec.grading.notebook import read_code_cells

__all__ = ["LoadLimits", "LoadedSolution", "load_solution", "locate"]

MODULE_NAME = "dlspec_solution"
_DEF = re.compile(r"^(?:async\s+)?def\s+(\w+)\s*\(", re.MULTILINE)
_HEAVY_IMPORT = re.compile(r"^\s*(?:import|from)\s+(tensorflow|keras|matplotlib)\b", re.MULTILINE)
_HEAVY_MODULES = {"tensorflow": "tensorflow", "keras": "keras", "matplotlib": "matplotlib.pyplot"}
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@dataclass(frozen=True)
class LoadLimits:
    """Time limits of a notebook's top-level statements (see the module docstring).

    Attributes:
        timer: ``timer(seconds)`` is a context manager raising ``timeout_error`` after that
            long (the worker's ``time_limit``).
        timeout_error: the exception ``timer`` raises.
        statement: the cap of one statement, in seconds.
        budget: the total for all statements, in seconds.
        skip: ids of statements not to run (known to hang).
    """

    timer: Callable[[float], AbstractContextManager]
    timeout_error: type[BaseException]
    statement: float = 30.0
    budget: float = 180.0
    skip: frozenset[str] = frozenset()


@dataclass
class LoadedSolution:
    """A loaded solution.

    Attributes:
        path: the solution file.
        namespace: its globals (the functions to grade).
        error: ``{"message", "location"}`` when a ``.py`` file failed to load, else ``None``.
        warnings: ``{"message", "location", "defines"}`` per notebook statement that failed;
            ``defines`` lists the functions a skipped cell would have defined.
        sources: compiled file name → ``(file, cell)``, to map tracebacks to the learner's code.
        skipped: ``{"statement", "cell", "line", "reason"}`` per notebook statement not run
            or stopped by a :class:`LoadLimits` limit.
        hung: ids of the statements stopped by the per-statement cap.
    """

    path: Path
    namespace: dict[str, Any] = field(default_factory=dict)
    error: dict | None = None
    warnings: list[dict] = field(default_factory=list)
    sources: dict[str, tuple[str, int | None]] = field(default_factory=dict)
    skipped: list[dict] = field(default_factory=list)
    hung: list[str] = field(default_factory=list)

    def locate(self, err: BaseException) -> dict | None:
        """Where in the solution ``err`` was raised (see :func:`locate`)."""
        return locate(err, self.sources)


def locate(err: BaseException, sources: dict[str, tuple[str, int | None]]) -> dict | None:
    """The deepest frame of ``err``'s traceback that is in the learner's code.

    Returns:
        ``{"file", "line", "cell", "function", "code"}`` (``cell`` is ``None`` for a ``.py``
        file), or ``None`` when no frame is the learner's (e.g. a call with the wrong number
        of arguments fails before entering the function).

    Example:
        >>> try:
        ...     exec(compile("1 / 0", "sol.py", "exec"))
        ... except ZeroDivisionError as err:
        ...     locate(err, {"sol.py": ("sol.py", None)})["line"]
        1
    """
    if isinstance(err, SyntaxError) and err.filename in sources:
        file, cell = sources[err.filename]
        code = (err.text or "").strip() or None
        return {"file": file, "line": err.lineno, "cell": cell, "function": None, "code": code}
    found = None
    for frame in traceback.extract_tb(err.__traceback__):
        if frame.filename in sources:
            found = frame
    if found is None:
        return None
    file, cell = sources[found.filename]
    return {
        "file": file,
        "line": found.lineno,
        "cell": cell,
        "function": None if found.name == "<module>" else found.name,
        "code": (found.line or "").strip() or None,
    }


def _error(err: BaseException, sources: dict) -> dict:
    text = err.msg if isinstance(err, SyntaxError) else err  # the location is reported apart
    return {"message": f"{type(err).__name__}: {text}", "location": locate(err, sources)}


def load_solution(
    path: str | os.PathLike,
    *,
    guard: Callable[[], AbstractContextManager] = contextlib.nullcontext,
    limits: LoadLimits | None = None,
) -> LoadedSolution:
    """Run the solution's top-level code in a fresh module named ``dlspec_solution``.

    Args:
        path: a ``.py`` file or a ``.ipynb`` notebook.
        guard: a context manager wrapped around the whole ``.py`` file, or around each notebook
            statement (the worker's time limit, whose exception is reported like any other).
        limits: a notebook's statement cap, load budget and statements to skip.

    Example:
        >>> import tempfile
        >>> with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        ...     _ = f.write("def f(x):\\n    return 2 * x\\n")
        >>> load_solution(f.name).namespace["f"](3)
        6
        >>> os.unlink(f.name)
    """
    path = Path(path).resolve()
    loaded = LoadedSolution(path)
    module = types.ModuleType(MODULE_NAME)
    module.__file__ = str(path)
    sys.modules[MODULE_NAME] = module
    loaded.namespace = module.__dict__
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))
    if path.suffix == ".ipynb":
        _run_notebook(loaded, guard, limits)
    else:
        _run_file(loaded, guard)
    return loaded


def _run_file(loaded: LoadedSolution, guard) -> None:
    filename = str(loaded.path)
    loaded.sources[filename] = (filename, None)
    try:
        with tokenize.open(filename) as f:
            source = f.read()
        code = compile(source, filename, "exec", dont_inherit=True)
        with guard():
            exec(code, loaded.namespace)
    except BaseException as err:  # the learner's code: SystemExit and friends are results too
        loaded.error = _error(err, loaded.sources)


def _import_heavy(cells: list) -> None:
    """Import TensorFlow, Keras, matplotlib if the notebook does, before any limit starts (an
    import stopped half-way would leave a broken module behind)."""
    found = {m for cell in cells for m in _HEAVY_IMPORT.findall(cell.source)}
    for module in sorted(found, reverse=True):  # tensorflow before keras
        with contextlib.suppress(Exception):  # the notebook's own import reports any problem
            importlib.import_module(_HEAVY_MODULES[module])


def _run_notebook(loaded: LoadedSolution, guard, limits: LoadLimits | None) -> None:
    try:
        cells = read_code_cells(loaded.path)
    except ValueError as err:
        loaded.error = {"message": str(err), "location": None}
        return
    if limits is not None:
        _import_heavy(cells)
    start = time.monotonic()
    for cell in cells:
        filename = f"{loaded.path} (cell {cell.index})"
        loaded.sources[filename] = (str(loaded.path), cell.index)
        lines = cell.source.splitlines(keepends=True)
        linecache.cache[filename] = (len(cell.source), None, lines, filename)
        try:
            tree = ast.parse(cell.source, filename)
        except SyntaxError as err:
            warning = _error(err, loaded.sources)
            warning["defines"] = _DEF.findall(cell.source)
            loaded.warnings.append(warning)
            continue
        for statement in tree.body:
            code = compile(ast.Module([statement], []), filename, "exec", dont_inherit=True)
            where = (cell.index, statement.lineno)
            if limits is None:
                _run_statement(loaded, code, guard)
                continue
            cap = _cap(limits, statement, time.monotonic() - start, where, loaded)
            if cap is None:
                continue
            try:
                with limits.timer(cap):
                    _run_statement(loaded, code, guard, limits.timeout_error)
            except limits.timeout_error:
                loaded.hung.append(f"{where[0]}:{where[1]}")
                _skip(loaded, where, f"stopped after {cap:g} s (the per-statement cap)")


def _skip(loaded: LoadedSolution, where: tuple[int, int], reason: str) -> None:
    loaded.skipped.append(
        {
            "statement": f"{where[0]}:{where[1]}",
            "cell": where[0],
            "line": where[1],
            "reason": reason,
        }
    )


def _cap(
    limits: LoadLimits, statement: ast.stmt, spent: float, where: tuple[int, int], loaded
) -> float | None:
    """Seconds this statement may run, or ``None`` (skipped, with the reason recorded)."""
    if f"{where[0]}:{where[1]}" in limits.skip:
        _skip(loaded, where, "known to hang (stopped by the cap in an earlier worker)")
        return None
    left = limits.budget - spent
    if left > 0:
        return min(limits.statement, left)
    if isinstance(statement, _DEFINITIONS):
        return limits.statement  # definitions are quick, and graded
    _skip(loaded, where, f"the load budget of {limits.budget:g} s was spent")
    return None


def _run_statement(
    loaded: LoadedSolution, code, guard, passthrough: type[BaseException] | None = None
) -> None:
    try:
        with guard():
            exec(code, loaded.namespace)
    except BaseException as err:  # keep going, as the learner would with the next cell
        if passthrough is not None and isinstance(err, passthrough):
            raise
        loaded.warnings.append({**_error(err, loaded.sources), "defines": []})
