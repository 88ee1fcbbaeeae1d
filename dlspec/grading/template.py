"""``dlspec grade LAB --template``: a starter file with the graded functions to fill in.

Each graded function gets the course's signature and dlspec's docstring (without its examples)
and a ``raise NotImplementedError`` body, which the grader reports as "not implemented". The
helpers the course gives learners (``PROVIDED`` in the lab's golden module) are imported from
dlspec.
"""

from __future__ import annotations

import inspect
import os
import re
import tempfile
import textwrap
from pathlib import Path

from dlspec.grading.cases import CaseSource

__all__ = ["template_source", "write_template"]

_SECTION = re.compile(r"^(Example|Examples):\s*$")


def _signature(func) -> str:
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return "(*args, **kwargs)"
    params = [p.replace(annotation=inspect.Parameter.empty) for p in signature.parameters.values()]
    return str(signature.replace(parameters=params, return_annotation=inspect.Signature.empty))


def _docstring(func) -> str:
    doc = inspect.getdoc(func) or ""
    kept = []
    for line in doc.splitlines():
        if _SECTION.match(line):
            break
        kept.append(line)
    return "\n".join(kept).strip()


def _stub(name: str, func) -> str:
    lines = [f"def {name}{_signature(func)}:"]
    doc = _docstring(func).replace('"""', "'''").replace("\\", "\\\\")
    if doc:
        body = doc.splitlines()
        lines.append(f'    """{body[0]}')
        lines += [f"    {line}".rstrip() for line in body[1:]]
        lines[-1] += '\n    """' if len(body) > 1 else '"""'
    lines.append("    # YOUR CODE STARTS HERE")
    lines.append(f'    raise NotImplementedError("{name}: write your solution here")')
    lines.append("    # YOUR CODE ENDS HERE")
    return "\n".join(lines)


def template_source(lab_id: str, filename: str = "solution.py") -> str:
    """The text of the starter file for ``lab_id`` (``filename`` appears in its instructions).

    Example:
        >>> text = template_source("c1w2-logreg")
        >>> "def propagate(w, b, X, Y):" in text and "NotImplementedError" in text
        True
    """
    source = CaseSource.for_lab(lab_id)
    functions = source.functions()
    header = [
        f'"""Your solution to {lab_id}: {source.title}.',
        "",
        "Replace each `raise NotImplementedError(...)` with your code, then grade the file:",
        "",
        f"    dlspec grade {lab_id} --solution {filename}",
        "",
        *textwrap.wrap(f"Graded functions: {', '.join(functions)}.", 99),
        '"""',
        "",
        "import copy",
        "import math",
        "",
        "import numpy as np",
    ]
    provided = source.provided()
    if provided:
        header += ["", "# Helpers the course provides (not graded):"]
        for module, names in provided.items():
            header.append(f"from {module} import (  # noqa: F401")
            header += [f"    {name}," for name in names]
            header.append(")")
    stubs = [_stub(name, source.reference_function(name)) for name in functions]
    return "\n".join(header) + "\n\n\n" + "\n\n\n".join(stubs) + "\n"


def write_template(lab_id: str, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Write the starter file of ``lab_id`` to ``path`` (atomically: temp file, then rename).

    Raises:
        FileExistsError: ``path`` exists and ``overwrite`` is false.

    Example:
        >>> write_template("c1w2-logreg", "c1w2_logreg_solution.py")  # doctest: +SKIP
        PosixPath('c1w2_logreg_solution.py')
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass --force to overwrite it.")
    text = template_source(lab_id, path.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
