"""Every Course 1 golden case passes against dlspec, and a wrong answer is caught."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from dlspec.grading import run_case
from dlspec.labs import all_labs, get_lab

COURSE1 = [lab for lab in all_labs().values() if lab.course == 1]
CASES = {lab.id: lab.golden_cases() for lab in COURSE1}
ALL_CASES = [
    pytest.param(lab, case, id=f"{lab}/{case.label}")
    for lab, cases in CASES.items()
    for case in cases
]


def test_every_lab_has_cases_and_a_module():
    assert set(CASES) == {
        "c1w2-numpy-basics",
        "c1w2-logreg",
        "c1w3-planar",
        "c1w4-deep-nn-step",
        "c1w4-deep-nn-app",
    }
    for lab in COURSE1:
        # One golden module per reference module, holding the cases of that lab only.
        name = lab.reference.rpartition(".")[2]
        assert lab.golden == f"dlspec.foundations.golden.{name}"
        assert set(importlib.import_module(lab.golden).CASES) == {lab.id}
    assert all(CASES[lab] for lab in CASES)
    for lab, cases in CASES.items():
        labels = [case.label for case in cases]
        assert len(labels) == len(set(labels)), f"{lab}: duplicate case labels {labels}"


@pytest.mark.parametrize(("lab", "case"), ALL_CASES)
def test_inputs_are_rebuilt_identically(lab, case):
    # Seeded inputs: two calls give equal arrays, so cases do not depend on their order.
    first, second = case.make_inputs(), case.make_inputs()
    _assert_same(first, second)


def _assert_same(a, b):
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for key in a:
            _assert_same(a[key], b[key])
    elif isinstance(a, tuple | list):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _assert_same(x, y)
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b)
    else:
        assert a == b


def _perturb(value):
    """Shift every number in a nested output a little (0.01 absolute, 1 % relative)."""
    if isinstance(value, dict):
        return {key: _perturb(v) for key, v in value.items()}
    if isinstance(value, tuple | list):
        return type(value)(_perturb(v) for v in value)
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return value * 1.01 + 0.01
    if isinstance(value, float):
        return value * 1.01 + 0.01
    return value


@pytest.mark.parametrize(("lab", "case"), ALL_CASES)
def test_a_slightly_wrong_answer_fails(lab, case):
    # Every case checks something: a perturbed answer never passes.
    func = getattr(importlib.import_module(get_lab(lab).reference), case.function)
    result = run_case(case, {case.function: lambda *a, **k: _perturb(func(*a, **k))})
    assert result.status == "wrong value", result.message


def _case(lab, label):
    return next(case for case in CASES[lab] if case.label == label)


def test_wrong_value_is_reported_with_the_first_mismatch():
    from dlspec.foundations import logistic_regression as lr

    def propagate(w, b, X, Y):  # forgets the 1/m on dw
        grads, cost = lr.propagate(w, b, X, Y)
        return {"dw": grads["dw"] * X.shape[1], "db": grads["db"]}, cost

    result = run_case(_case("c1w2-logreg", "propagate"), {"propagate": propagate})
    assert result.status == "wrong value"
    assert result.message.startswith("output[0]['dw'][0, 0]: expected")


def test_wrong_shape_is_reported():
    from dlspec.foundations import numpy_basics

    result = run_case(
        _case("c1w2-numpy-basics", "sigmoid"),
        {"sigmoid": lambda x: numpy_basics.sigmoid(x).reshape(-1, 1)},
    )
    assert result.status == "wrong shape"
    assert result.message == "output: expected shape (3,), got (3, 1)"


def test_exception_is_reported_as_error():
    def forward_propagation(X, parameters):
        raise ValueError("shapes (4,2) and (3,3) not aligned")

    result = run_case(
        _case("c1w3-planar", "forward_propagation"), {"forward_propagation": forward_propagation}
    )
    assert result.status == "exception"  # the grader's name for a raised error
    assert result.message == "ValueError: shapes (4,2) and (3,3) not aligned"


def test_wrong_python_type_is_reported():
    # The course fixes b = 0.0 as a Python float; a 0-d array has the right value, wrong type.
    result = run_case(
        _case("c1w2-logreg", "initialize_with_zeros"),
        {"initialize_with_zeros": lambda dim: (np.zeros((dim, 1)), np.array(0.0))},
    )
    assert result.status == "wrong type"
    assert result.message == "1: expected type float, got ndarray"


def test_mutating_inputs_cannot_spoil_a_later_run():
    case = _case("c1w4-deep-nn-step", "L_model_backward")
    module = importlib.import_module(get_lab("c1w4-deep-nn-step").reference)

    def vandal(AL, Y, caches):
        AL *= 100.0
        return module.L_model_backward(AL, Y, caches)

    assert run_case(case, {"L_model_backward": vandal}).status == "wrong value"
    assert run_case(case, module).passed
