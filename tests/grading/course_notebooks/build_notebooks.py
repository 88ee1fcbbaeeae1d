"""Write the course-style solution notebooks of the grader tests from their ``.cells`` sources.

Each lab folder holds ``<Notebook name>.cells``: a notebook written as plain text, one cell after
each marker line ``# %% [markdown]`` or ``# %%`` (code). ``python build_notebooks.py`` turns every
source into the ``.ipynb`` beside it (nbformat 4); ``tests/grading/test_course_notebooks.py``
checks that the two agree, so edit the ``.cells`` file and rebuild.

Example:
    >>> cells = parse_cells("# %% [markdown]\\n## Exercise 1\\n# %%\\nx = 1\\n")
    >>> [(c.cell_type, c.source) for c in cells]
    [('markdown', '## Exercise 1'), ('code', 'x = 1')]
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
_MARKDOWN, _CODE = "# %% [markdown]", "# %%"


def parse_cells(text: str) -> list[nbformat.NotebookNode]:
    """The cells of a ``.cells`` source, in order (text before the first marker is ignored)."""
    cells: list[nbformat.NotebookNode] = []
    kind, lines = None, []

    def flush() -> None:
        if kind is not None:
            source = "\n".join(lines).strip("\n")
            make = (
                nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
            )
            cells.append(make(source))

    for line in text.splitlines():
        if line.rstrip() in (_MARKDOWN, _CODE):
            flush()
            kind, lines = ("markdown" if line.rstrip() == _MARKDOWN else "code"), []
        else:
            lines.append(line)
    flush()
    return cells


def notebook_text(source: Path) -> str:
    """The ``.ipynb`` JSON of one ``.cells`` source (stable: no ids that change between runs).

    Example:
        >>> import json, tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = Path(tmp) / "N.cells"
        ...     _ = path.write_text("# %%\\nimport numpy as np\\n")
        ...     json.loads(notebook_text(path))["nbformat"]
        4
    """
    notebook = nbformat.v4.new_notebook(cells=parse_cells(source.read_text(encoding="utf-8")))
    notebook.metadata["kernelspec"] = {
        "display_name": "Python 3",
        "language": "python",
        "name": "python3",
    }
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{index}"
    return nbformat.writes(notebook) + "\n"


def sources() -> list[Path]:
    """Every ``.cells`` source under this folder."""
    return sorted(HERE.glob("*/*.cells"))


def main() -> int:
    """Rebuild every notebook; prints the ones that changed."""
    for source in sources():
        target = source.with_suffix(".ipynb")
        text = notebook_text(source)
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target.relative_to(HERE)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
