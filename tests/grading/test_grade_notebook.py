"""Notebook solutions: magics stripped, cells numbered, failing statements become warnings."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

from dlspec.grading.notebook import read_code_cells, strip_magics
from dlspec.grading.solution import load_solution

FIXTURES = Path(__file__).parent / "fixtures"
NOTEBOOK = FIXTURES / "c1w2_logreg.ipynb"


@pytest.fixture(autouse=True)
def _isolated_imports(monkeypatch):
    """load_solution runs here in the test process: undo its sys.path and sys.modules changes."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    yield
    sys.modules.pop("dlspec_solution", None)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("%matplotlib inline\nx = 1", "pass\nx = 1"),
        ("!pip install h5py", "pass"),
        ("files = !ls\nx = 1", "pass\nx = 1"),
        ("np.dot?", "pass"),
        ("np.dot??", "pass"),
        ("if True:\n    %time f()\n", "if True:\n    pass"),
        ("x = 5 % 3\ny = a != b\n# why?\ns = 'a?'", "x = 5 % 3\ny = a != b\n# why?\ns = 'a?'"),
    ],
)
def test_strip_magics(source, expected):
    assert strip_magics(source) == expected


def test_code_cells_are_numbered_among_all_cells():
    cells = read_code_cells(NOTEBOOK)
    assert [c.index for c in cells] == [2, 4, 5, 6, 8, 9, 10, 11, 13]  # 12 is %%bash
    assert cells[0].source.splitlines()[3:] == ["pass", "pass"]


def test_python_cell_magics_keep_their_code(tmp_path):
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("%%time\nx = 1"),
            nbformat.v4.new_code_cell("%%html\n<b>no</b>"),
        ]
    )
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    assert [(c.index, c.source) for c in read_code_cells(path)] == [(1, "pass\nx = 1")]


def test_a_broken_notebook_is_named(tmp_path):
    path = tmp_path / "broken.ipynb"
    path.write_text("{not json")
    with pytest.raises(ValueError, match="broken.ipynb is not a readable Jupyter notebook"):
        read_code_cells(path)
    assert "not a readable" in load_solution(path).error["message"]


def test_loading_keeps_going_past_failing_statements():
    loaded = load_solution(NOTEBOOK)
    assert loaded.error is None
    assert callable(loaded.namespace["sigmoid"]) and "copy" in loaded.namespace  # after the error
    assert "optimize" not in loaded.namespace
    found = [(w["location"]["cell"], w["location"]["line"], w["message"]) for w in loaded.warnings]
    assert found == [
        (2, 2, "ModuleNotFoundError: No module named 'public_tests'"),
        (5, 1, "NameError: name 'sigmoid_test' is not defined"),
        (9, 4, "SyntaxError: expected ':'"),
        (11, 1, "NameError: name 'load_dataset' is not defined"),
        (11, 2, "NameError: name 'train_set_x_orig' is not defined"),
    ]
    assert loaded.warnings[2]["defines"] == ["optimize"]
    assert loaded.warnings[2]["location"]["code"].startswith("def optimize(")


def test_exceptions_point_at_the_cell_and_line():
    loaded = load_solution(NOTEBOOK)
    import numpy as np

    with pytest.raises(ValueError) as info:
        loaded.namespace["predict"](np.zeros((2, 1)), 0.0, np.zeros((2, 3)))
    assert loaded.locate(info.value) == {
        "file": str(NOTEBOOK.resolve()),
        "line": 5,
        "cell": 10,
        "function": "predict",
        "code": "A = sigmoid(np.dot(w, X) + b)  # w, not w.T",
    }
