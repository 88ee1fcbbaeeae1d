"""The `dlspec grade` command."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from dlspec.cli import main
from dlspec.grading.report import REPORT_SCHEMA

FIXTURES = Path(__file__).parent / "fixtures"


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- dlspec grade ------------------------------------------------------------------------


def test_list_shows_labs_functions_and_case_counts(capsys):
    code, out, _ = _run(capsys, "grade", "--list")
    assert code == 0
    rows = [line.split() for line in out.splitlines()]
    assert ["c1w2-logreg", "sigmoid", "0", "1"] in rows
    assert ["propagate", "1", "1"] in rows
    assert ["c1w4-deep-nn-app", "two_layer_model", "1", "1"] in rows


def test_template_is_reported_as_not_implemented(capsys, tmp_path):
    path = tmp_path / "sol.py"
    code, out, _ = _run(capsys, "grade", "c1w4-deep-nn-step", "--template", str(path))
    assert code == 0 and f"dlspec grade c1w4-deep-nn-step --solution {path}" in out
    text = path.read_text()
    assert "def L_model_backward(AL, Y, caches):" in text
    assert "def update_parameters(params, grads, learning_rate):" in text
    assert "from dlspec.foundations.deep_nn_step_by_step import (" in text  # the helpers
    assert "Example" not in text and ">>>" not in text

    code, _, err = _run(capsys, "grade", "c1w4-deep-nn-step", "--template", str(path))
    assert code == 2 and "--force" in err

    code, out, _ = _run(
        capsys, "grade", "c1w4-deep-nn-step", "--solution", str(path), "--seed", "1"
    )
    assert code == 1
    assert "all 3 cases not implemented: still raises NotImplementedError (" in out
    code, out, _ = _run(
        capsys, "grade", "c1w4-deep-nn-step", "--solution", str(path), "--json", "--repeats", "1"
    )
    report = json.loads(out)
    jsonschema.validate(report, REPORT_SCHEMA)
    assert {f["status"] for f in report["functions"]} == {"not implemented"}
    assert report["summary"]["passed"] == 0


def test_a_template_filled_in_passes(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = _run(capsys, "grade", "c1w2-numpy-basics", "--template")
    path = tmp_path / "c1w2_numpy_basics_solution.py"
    assert code == 0 and path.exists()
    path.write_text(
        path.read_text()
        + "\n\nfrom dlspec.foundations.numpy_basics import (  # noqa: E402\n"
        + "    L1, L2, basic_sigmoid, image2vector, normalizeRows, sigmoid, sigmoid_derivative,\n"
        + "    softmax,\n)\n"
    )
    code, out, _ = _run(capsys, "grade", "c1w2-numpy-basics", "--solution", path.name)
    assert code == 0, out
    assert out.rstrip().endswith("cases passed.") and "All " in out


def test_function_option_and_verbose(capsys):
    wrong = str(FIXTURES / "c1w2_logreg_wrong.py")
    code, out, _ = _run(
        capsys, "grade", "c1w2-logreg", "--solution", wrong, "--function", "initialize_with_zeros",
        "--function", "propagate", "-v", "--seed", "2",
    )  # fmt: skip
    assert code == 1
    assert "sigmoid " not in out and "predict" not in out
    assert "initialize_with_zeros    fixed      pass" in out  # -v lists the passing case
    assert "hard-coded" in out and "wrong shape" in out


def test_notebook_through_the_command(capsys):
    code, out, _ = _run(
        capsys, "grade", "c1w2-logreg", "--solution", str(FIXTURES / "c1w2_logreg.ipynb"),
        "--json", "--seed", "0", "--timeout", "2",
    )  # fmt: skip
    assert code == 1
    report = json.loads(out)
    jsonschema.validate(report, REPORT_SCHEMA)
    predict = next(f for f in report["functions"] if f["name"] == "predict")
    assert predict["results"][0]["location"]["cell"] == 10


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["grade"], "Name a lab"),
        (["grade", "c1w2-logreg"], "Give --solution"),
        (["grade", "c9w9-nothing", "--solution", "x.py"], "Known labs"),
        (["grade", "c1w2-logreg", "--solution", "no/such/file.py"], "No solution file"),
        (
            ["grade", "c1w2-logreg", "--solution", str(FIXTURES / "hostile.py"), "--function", "x"],
            "'x' is not graded in c1w2-logreg",
        ),
    ],
)
def test_usage_errors_exit_with_2(capsys, argv, message):
    code, _, err = _run(capsys, *argv)
    assert code == 2 and message in err
