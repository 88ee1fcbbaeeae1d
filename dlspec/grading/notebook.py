"""Read a learner's Jupyter notebook as Python: code cells, IPython magics and shell lines out.

Example:
    >>> strip_magics("%matplotlib inline\\nimport numpy as np\\n!pip install h5py")
    'pass\\nimport numpy as np\\npass'
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

__all__ = ["NotebookCell", "read_code_cells", "strip_magics"]

# Cell magics whose body is still Python: the magic line goes, the code stays.
_PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun"}
_SHELL_ASSIGNMENT = re.compile(r"^\s*[\w.,\s\[\]]+=\s*[!%]")
_HELP = re.compile(r"^[\w.]+\?{1,2}$")  # np.dot? or np.dot??


@dataclass(frozen=True)
class NotebookCell:
    """A code cell: its position among all cells of the notebook (1-based) and its source."""

    index: int
    source: str


def strip_magics(source: str) -> str:
    """Replace IPython-only lines by ``pass`` (same indentation), keeping line numbers.

    Line magics (``%matplotlib inline``), shell escapes (``!pip install``), assignments from
    them (``files = !ls``) and help queries (``np.dot?``) go; everything else stays.
    """
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        ipython_only = (
            stripped.startswith(("%", "!", "?"))
            or _SHELL_ASSIGNMENT.match(line) is not None
            or _HELP.match(stripped) is not None
        )
        lines.append(f"{indent}pass" if ipython_only else line)
    return "\n".join(lines)


def _cell_source(source: str) -> str | None:
    """The Python of one code cell, or ``None`` for a cell in another language (``%%bash``)."""
    first, _, rest = source.lstrip("\n").partition("\n")
    if first.startswith("%%"):
        magic = first[2:].split()[0] if first[2:].split() else ""
        if magic not in _PYTHON_CELL_MAGICS:
            return None
        offset = source.count("\n", 0, len(source) - len(source.lstrip("\n")))
        return "\n" * offset + "pass\n" + strip_magics(rest)
    return strip_magics(source)


def read_code_cells(path: str | os.PathLike) -> list[NotebookCell]:
    """The code cells of a ``.ipynb`` file, magics stripped (see :func:`strip_magics`).

    Cells in another language (``%%bash``, ``%%html``...) are left out; numbering counts every
    cell, markdown included, from 1, as the cells appear top to bottom.

    Raises:
        ValueError: the file is not a readable notebook (the message names it).

    Example:
        >>> [c.index for c in read_code_cells("tests/grading/fixtures/c1w2_logreg.ipynb")]
        ...     # doctest: +SKIP
        [2, 4, 5, 7]
    """
    import nbformat

    try:
        notebook = nbformat.read(os.fspath(path), as_version=4)
    except Exception as err:  # nbformat raises several kinds for a broken file
        raise ValueError(f"{path} is not a readable Jupyter notebook: {err}") from err
    cells = []
    for index, cell in enumerate(notebook.cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        source = _cell_source(cell.get("source", ""))
        if source is not None and source.strip():
            cells.append(NotebookCell(index, source))
    return cells
