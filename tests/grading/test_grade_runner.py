"""`dlspec grade` end to end: the solution in a worker process, every failure kind reported."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from dlspec.grading.cases import CaseSource
from dlspec.grading.report import REPORT_SCHEMA, format_report
from dlspec.grading.runner import grade, grade_many, grade_source

FIXTURES = Path(__file__).parent / "fixtures"
COURSE1 = {
    "c1w2-numpy-basics": "dlspec.foundations.numpy_basics",
    "c1w2-logreg": "dlspec.foundations.logistic_regression",
    "c1w3-planar": "dlspec.foundations.planar_classification",
    "c1w4-deep-nn-step": "dlspec.foundations.deep_nn_step_by_step",
    "c1w4-deep-nn-app": "dlspec.foundations.deep_nn_application",
}
FAST = {"seed": 3, "repeats": 2, "timeout": 1.0}

# Per wrong fixture: function -> the one failing status its cases get ("not run" aside).
WRONG = {
    ("c1w2-numpy-basics", "c1w2_numpy_basics_wrong.py"): {
        "basic_sigmoid": "wrong value",
        "sigmoid": "wrong shape",
        "sigmoid_derivative": "exception",
        "image2vector": "wrong value",
        "normalizeRows": "timeout",
        "softmax": "mutated input",
        "L1": "missing function",
        "L2": "wrong type",
    },
    ("c1w2-logreg", "c1w2_logreg_wrong.py"): {
        "sigmoid": "wrong value",
        "initialize_with_zeros": "hard-coded",
        "propagate": "wrong shape",
        "optimize": "mutated input",
        "predict": "timeout",
    },
    ("c1w3-planar", "c1w3_planar_wrong.py"): {
        "layer_sizes": "wrong value",
        "initialize_parameters": "exception",
        "forward_propagation": "wrong value",
        "compute_cost": "missing function",
        "backward_propagation": "wrong shape",
        "update_parameters": "mutated input",
        "nn_model": "timeout",
        "predict": "wrong value",
    },
    ("c1w4-deep-nn-step", "c1w4_deep_nn_step_wrong.py"): {
        "initialize_parameters": "wrong value",
        "initialize_parameters_deep": "wrong value",
        "linear_forward": "wrong shape",
        "linear_activation_forward": "exception",
        "L_model_forward": "timeout",
        "compute_cost": "wrong value",
        "linear_backward": "mutated input",
        "linear_activation_backward": "missing function",
        "L_model_backward": "wrong value",
        "update_parameters": "mutated input",
    },
    ("c1w4-deep-nn-app", "c1w4_deep_nn_app_wrong.py"): {
        "two_layer_model": "wrong value",
        "L_layer_model": "timeout",
    },
    ("c1w4-deep-nn-app", "c1w4_deep_nn_app_wrong_2.py"): {
        "two_layer_model": "mutated input",
        "L_layer_model": "missing function",
    },
}


def _statuses(report, function) -> list[str]:
    return [c.status for c in report.cases_of(function)]


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def _valid(report) -> dict:
    data = json.loads(json.dumps(report.to_dict()))  # what --json prints, parsed back
    jsonschema.validate(data, REPORT_SCHEMA)
    return data


@pytest.fixture(scope="module")
def wrong_reports():
    return {key: grade(key[0], FIXTURES / key[1], **FAST) for key in WRONG}


@pytest.mark.parametrize("lab_id", COURSE1)
def test_dlspec_own_implementation_passes_through_the_worker(lab_id, tmp_path):
    solution = tmp_path / "solution.py"
    solution.write_text(f"from {COURSE1[lab_id]} import *  # noqa: F403\n")
    report = grade(lab_id, solution, repeats=2)
    assert report.passed, format_report(report)
    kinds = {c.kind for c in report.cases}
    assert kinds == {"fixed", "generated"}
    assert _valid(report)["passed"] is True


@pytest.mark.parametrize(("lab_id", "fixture"), list(WRONG), ids=[f for _, f in WRONG])
def test_each_mistake_is_reported_with_its_kind(lab_id, fixture, wrong_reports):
    report = wrong_reports[(lab_id, fixture)]
    assert not report.passed
    assert report.functions == list(WRONG[(lab_id, fixture)])
    for function, status in WRONG[(lab_id, fixture)].items():
        statuses = _statuses(report, function)
        assert set(statuses) - {"pass", "not run"} == {status}, (function, statuses)
        assert report.function_status(function) != "passed"
    data = _valid(report)
    assert data["summary"]["failed"] > 0


def test_details_of_the_wrong_solutions(wrong_reports):
    numpy_basics = wrong_reports[("c1w2-numpy-basics", "c1w2_numpy_basics_wrong.py")]
    fixture = FIXTURES / "c1w2_numpy_basics_wrong.py"
    [exception, *_] = numpy_basics.cases_of("sigmoid_derivative")
    assert exception.message == "AttributeError: module 'numpy' has no attribute 'mutliply'"
    assert exception.location["file"] == str(fixture.resolve())
    assert exception.location["line"] == _line_of(fixture, "np.mutliply")
    assert exception.location["function"] == "sigmoid_derivative"
    [loop, *rest] = numpy_basics.cases_of("normalizeRows")
    assert loop.location["line"] in range(
        _line_of(fixture, "while i <"), _line_of(fixture, "while i <") + 2
    )
    assert {c.status for c in rest} == {"not run"}  # one timeout per function is enough
    [value] = [c for c in numpy_basics.cases_of("basic_sigmoid") if c.kind == "fixed"]
    assert value.detail == {
        "path": "output",
        "index": [],
        "expected": 0.7310585786,
        "got": 0.2689414214,
        "rtol": 1e-05,
        "atol": 1e-07,
        "count": 1,
        "size": 1,
        "max_abs_error": 0.4621171573,
        "max_abs_error_index": [],
    }
    assert "the solution has 'L_1': a typo?" in numpy_basics.cases_of("L1")[0].message
    # image2vector has no visible case: only the generated ones catch the transposed reshape
    assert {c.kind for c in numpy_basics.cases_of("image2vector")} == {"generated"}

    logreg = wrong_reports[("c1w2-logreg", "c1w2_logreg_wrong.py")]
    hard_coded = logreg.cases_of("initialize_with_zeros")
    assert [(c.kind, c.status) for c in hard_coded] == [
        ("fixed", "pass"),
        ("generated", "hard-coded"),
        ("generated", "hard-coded"),
    ]
    assert "gives the notebook's expected output for new inputs" in hard_coded[1].message
    mutated = logreg.cases_of("optimize")[0]
    assert mutated.message.startswith(
        "argument 'w' was modified in place: w[0, 0] changed from 1.0"
    )

    step = wrong_reports[("c1w4-deep-nn-step", "c1w4_deep_nn_step_wrong.py")]
    relu, sigmoid = [], []
    for case in step.cases_of("linear_activation_forward"):
        (relu if "relu" in case.label else sigmoid).append(case.status)
    assert set(relu) == {"exception"} and set(sigmoid) == {"pass"}

    app = wrong_reports[("c1w4-deep-nn-app", "c1w4_deep_nn_app_wrong.py")]
    text = format_report(app)
    assert "The notebook's own cases pass but generated ones fail" in text


@pytest.mark.parametrize("lab_id", COURSE1)
def test_a_syntax_error_is_reported_with_its_line_for_every_lab(lab_id, tmp_path):
    solution = tmp_path / "solution.py"
    shutil.copy(FIXTURES / "syntax_error.py.txt", solution)
    report = grade(lab_id, solution, **FAST)
    assert report.load_error["message"] == "SyntaxError: expected ':'"
    assert report.load_error["location"]["line"] == 6
    assert report.load_error["location"]["code"] == "def sigmoid(x)"
    assert {c.status for c in report.cases} == {"not run"}
    assert _valid(report)["load"]["ok"] is False
    assert "The solution failed to load" in format_report(report)


def test_hostile_code_cannot_hang_garble_or_kill_the_grader():
    report = grade("c1w2-numpy-basics", FIXTURES / "hostile.py", seed=1, repeats=1, timeout=0.5)
    by_function = {name: _statuses(report, name) for name in report.functions}
    assert by_function["basic_sigmoid"] == ["crashed", "not run"]
    assert "exited with code 3" in report.cases_of("basic_sigmoid")[0].message
    # a loop that swallows the time limit: the parent kills the worker...
    assert by_function["sigmoid_derivative"] == ["timeout", "not run"]
    assert "could not stop it" in report.cases_of("sigmoid_derivative")[0].message
    # ...and a fresh one grades the next functions
    assert by_function["image2vector"] == ["exception"]
    assert report.cases_of("image2vector")[0].message.startswith("EOFError")
    assert by_function["normalizeRows"] == ["exception", "exception"]
    assert (
        "SystemExit: 2 (the solution called sys.exit()"
        in report.cases_of("normalizeRows")[0].message
    )
    # printing, even a lot, does not garble the replies
    assert by_function["softmax"] == ["pass"] and by_function["L1"] == ["pass", "pass"]
    _valid(report)


@pytest.mark.slow
def test_a_memory_blow_up_is_a_memory_error():
    report = grade(
        "c1w2-numpy-basics",
        FIXTURES / "hostile.py",
        functions=["sigmoid"],
        repeats=1,
        timeout=5,
        memory_mb=512,
    )
    assert _statuses(report, "sigmoid") == ["exception", "exception"]
    assert report.cases[0].message.startswith("MemoryError")
    assert "see --memory-mb" in report.cases[0].message
    assert report.memory == "address space limited to 512 MB"


def test_top_level_code_that_never_ends_or_crashes(tmp_path):
    loops = tmp_path / "loops.py"
    loops.write_text("import time\n\nwhile True:\n    time.sleep(0.01)\n")
    report = grade("c1w2-logreg", loops, load_timeout=0.5, **FAST)
    assert report.load_error["message"] == "GradingTimeout: stopped after 0.5 s (the time limit)"
    assert report.load_error["location"]["line"] == 4
    dies = tmp_path / "dies.py"
    dies.write_text("import os\n\nprint('bye')\nos._exit(7)\n")
    report = grade("c1w2-logreg", dies, **FAST)
    assert report.load_error["message"].startswith(
        "the process running the solution exited with code 7"
    )
    assert "bye" in report.load_error["message"]
    assert {c.status for c in report.cases} == {"not run"}


def test_the_notebook_solution_is_graded_with_cells():
    report = grade("c1w2-logreg", FIXTURES / "c1w2_logreg.ipynb", **FAST)
    assert [(f, report.function_status(f)) for f in report.functions] == [
        ("sigmoid", "passed"),
        ("initialize_with_zeros", "passed"),
        ("propagate", "failed"),
        ("optimize", "missing function"),
        ("predict", "failed"),
    ]
    assert _statuses(report, "propagate") == ["wrong value"] * 3
    assert report.cases_of("propagate")[0].detail["index"] == [0, 0]
    assert report.cases_of("optimize")[0].message == (
        "function 'optimize' is not defined: cell 9 defines it but did not run "
        "(SyntaxError: expected ':')"
    )
    predict = report.cases_of("predict")[0]
    assert (predict.status, predict.location["cell"], predict.location["line"]) == (
        "exception",
        10,
        5,
    )
    # the course's public_tests (not beside the notebook) is supplied as no-ops, not a warning
    assert len(report.warnings) == 3
    assert any("public_tests" in adaptation for adaptation in report.adaptations)
    text = format_report(report)
    assert "public_tests replaced by no-ops" in text
    assert "c1w2_logreg.ipynb cell 10, line 5 in predict" in text
    data = _valid(report)
    assert [w["defines"] for w in data["load"]["warnings"]].count(["optimize"]) == 1


def test_same_seed_same_cases_and_a_restricted_run(tmp_path):
    runs = [
        grade("c1w2-logreg", FIXTURES / "c1w2_logreg_wrong.py", functions=["propagate"], **FAST)
        for _ in range(2)
    ]
    assert [c.message for c in runs[0].cases] == [c.message for c in runs[1].cases]
    assert runs[0].functions == ["propagate"]
    other = grade(
        "c1w2-logreg",
        FIXTURES / "c1w2_logreg_wrong.py",
        functions=["propagate"],
        **{**FAST, "seed": 4},
    )
    assert [c.message for c in other.cases][1:] != [c.message for c in runs[0].cases][1:]


def test_bad_arguments(tmp_path):
    with pytest.raises(FileNotFoundError, match="No solution file"):
        grade("c1w2-logreg", tmp_path / "nothing.py")
    text = tmp_path / "solution.txt"
    text.write_text("")
    with pytest.raises(ValueError, match=r"must be a \.py file or a \.ipynb notebook"):
        grade("c1w2-logreg", text)
    with pytest.raises(ValueError, match="'nope' is not graded in c1w2-logreg; graded functions"):
        grade("c1w2-logreg", FIXTURES / "c1w2_logreg_wrong.py", functions=["nope"])
    with pytest.raises(KeyError, match="Known labs"):
        grade("c9w9-nothing", FIXTURES / "c1w2_logreg_wrong.py")


@pytest.mark.slow
def test_keras_model_builders_are_compared_layer_by_layer():
    source = CaseSource("keras_cases", "c1-keras", "dlspec.foundations.keras_models", "Keras")
    report = grade_source(
        source, FIXTURES / "keras_wrong.py", python_path=[str(FIXTURES)], timeout=30, seed=0
    )
    cat, planar = report.cases_of("deep_classifier")
    assert (cat.status, planar.status) == ("wrong model", "pass")
    assert cat.message == (
        "model.layers[2] (Dense 'layer2'): output shape expected (None, 7), got (None, 8)"
    )
    _valid(report)


def test_grade_many_grades_a_batch_in_one_worker_and_survives_a_crash():
    good = Path(__file__).parent / "course_notebooks" / "c1w2-numpy-basics"
    notebook = good / "Python_Basics_With_Numpy.ipynb"
    functions = ["basic_sigmoid", "image2vector"]
    reports = grade_many(
        "c1w2-numpy-basics", [notebook, FIXTURES / "hostile.py", notebook],
        functions=functions, seed=1, repeats=1, timeout=0.5,
    )  # fmt: skip
    first, hostile, again = reports
    assert first.passed and again.passed, [(c.label, c.status, c.message) for c in again.cases]
    assert hostile.function_status("basic_sigmoid") == "failed"
    assert hostile.cases_of("basic_sigmoid")[0].status == "crashed"  # os._exit: a fresh worker
    assert [c.status for c in again.cases] == [c.status for c in first.cases]
    assert first.adaptations and again.adaptations == first.adaptations  # supplied afresh
