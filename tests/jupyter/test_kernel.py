"""dlspec in a real Jupyter kernel: check() and %dlspec_grade, figures inline, lab notebooks.

Each notebook runs in an ipykernel started from this interpreter (``python3`` is the kernel
that ships with ipykernel; jupyter_client starts it with ``sys.executable``), offline.
"""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from dlspec.notebooks import lab_notebook, template_notebook

nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

RIGHT_SIGMOID = "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))"
WRONG_ZEROS = "def initialize_with_zeros(dim):\n    return np.zeros((dim, 1)), 1.0  # b should be 0"
LOOPING = "def predict(w, b, X):\n    while True:\n        pass"
GENERATOR = "numbers = (i for i in range(3))\n\ndef uses_numbers(x):\n    return next(numbers)"


def _execute(nb: nbformat.NotebookNode, cwd) -> nbformat.NotebookNode:
    client = nbclient.NotebookClient(
        nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(cwd)}}
    )
    client.execute()
    return nb


def _text(cell) -> str:
    parts = []
    for output in cell.outputs:
        parts.append(output.get("text", ""))
        parts.append(output.get("data", {}).get("text/plain", ""))
        parts.append(output.get("evalue", ""))
    return "\n".join(parts)


def _html(cell) -> str:
    return "".join(o.get("data", {}).get("text/html", "") for o in cell.outputs)


def _code(source: str, *tags: str):
    cell = new_code_cell(source)
    cell.metadata["tags"] = list(tags)
    return cell


def _template_with_answers() -> nbformat.NotebookNode:
    """The c1w2-logreg template, cut to two functions: one right, one wrong."""
    nb = template_notebook("c1w2-logreg")
    setup = [c for c in nb.cells[:3] if c.cell_type == "code"]
    nb.cells = [
        *setup,
        new_code_cell(RIGHT_SIGMOID),
        new_code_cell("check(sigmoid, lab=LAB)"),
        new_code_cell(WRONG_ZEROS),
        new_code_cell("check(initialize_with_zeros, lab=LAB)"),
        new_code_cell("%dlspec_grade {LAB}"),
        new_code_cell(LOOPING),
        new_code_cell("check(predict, lab=LAB, timeout=1)"),
        new_code_cell("print('kernel alive', 6 * 7)"),
        new_code_cell(GENERATOR),
        _code("check(uses_numbers, lab=LAB)", "raises-exception"),
        new_code_cell("import matplotlib\nimport dlspec.viz\nprint(matplotlib.get_backend())"),
        new_code_cell("dlspec.viz.plot_costs([0.7, 0.5, 0.3])"),
    ]
    return nb


def test_template_graded_in_the_kernel(tmp_path):
    cells = _execute(_template_with_answers(), tmp_path).cells
    right, wrong, everything, loop, alive, ship, backend, figure = (
        cells[i] for i in (3, 5, 6, 8, 9, 11, 12, 13)
    )
    assert "<td>sigmoid</td>" in _html(right) and ">passed<" in _html(right)
    assert "All 3 cases passed." in _text(right)
    assert ">failed<" in _html(wrong) and "wrong value" in _html(wrong)
    assert "initialize_with_zeros  FAILED" in _text(wrong)
    html = _html(everything)
    assert "<td>sigmoid</td>" in html and "<td>initialize_with_zeros</td>" in html
    assert "timeout" in _html(loop) and "no result within 1 s" in _text(loop)
    assert "kernel alive 42" in _text(alive)
    assert ship.outputs[0]["ename"] == "CannotShip"
    assert "'numbers', a generator" in ship.outputs[0]["evalue"]
    assert "matplotlib_inline" in _text(backend)
    assert any("image/png" in o.get("data", {}) for o in figure.outputs)


@pytest.mark.slow
@pytest.mark.parametrize("lab_id", ["c1w2-numpy-basics", "c1w4-deep-nn-step"])
def test_lab_notebook_runs_end_to_end(tmp_path, lab_id):
    nb = _execute(lab_notebook(lab_id, quick=True), tmp_path)
    cells = [c for c in nb.cells if c.cell_type == "code"]
    assert "golden cases passed" in _text(cells[-1])
    if lab_id == "c1w2-numpy-basics":  # its last step draws the sigmoid: shown inline
        assert any("image/png" in o.get("data", {}) for c in cells for o in c.outputs)
        assert list((tmp_path / "reports" / lab_id).glob("*.png"))
