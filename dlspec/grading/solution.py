"""Load a learner's solution (``.py`` or ``.ipynb``) and point at its lines when it fails.

Runs inside the grader's worker process (:mod:`dlspec.grading.worker`), never in the
``dlspec`` process itself. A ``.py`` file runs top to bottom like an import: an exception there
is a load error. A notebook runs like "Run All" that keeps going: each top-level statement of
each code cell runs on its own, and one that fails (a missing ``public_tests`` module, a data
file that is not there, a cell with a syntax error) becomes a warning naming the cell and line,
so the functions defined elsewhere are still graded.
"""

from __future__ import annotations

import ast
import contextlib
import linecache
import os
import re
import sys
import tokenize
import traceback
import types
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dlspec.grading.notebook import read_code_cells

__all__ = ["LoadedSolution", "load_solution", "locate"]

MODULE_NAME = "dlspec_solution"
_DEF = re.compile(r"^(?:async\s+)?def\s+(\w+)\s*\(", re.MULTILINE)


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
    """

    path: Path
    namespace: dict[str, Any] = field(default_factory=dict)
    error: dict | None = None
    warnings: list[dict] = field(default_factory=list)
    sources: dict[str, tuple[str, int | None]] = field(default_factory=dict)

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
) -> LoadedSolution:
    """Run the solution's top-level code in a fresh module named ``dlspec_solution``.

    Args:
        path: a ``.py`` file or a ``.ipynb`` notebook.
        guard: a context manager wrapped around the whole ``.py`` file, or around each notebook
            statement (the worker's time limit, whose exception is reported like any other).

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
        _run_notebook(loaded, guard)
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


def _run_notebook(loaded: LoadedSolution, guard) -> None:
    try:
        cells = read_code_cells(loaded.path)
    except ValueError as err:
        loaded.error = {"message": str(err), "location": None}
        return
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
            try:
                with guard():
                    exec(code, loaded.namespace)
            except BaseException as err:  # keep going, as the learner would with the next cell
                loaded.warnings.append({**_error(err, loaded.sources), "defines": []})
