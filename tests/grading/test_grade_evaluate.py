"""The strict verdicts of `dlspec grade` (dtype, type, mutation...) and run_case's lenient ones."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from dlspec.grading import GoldenCase, compare_detail, run_case
from dlspec.grading.evaluate import STATUSES, evaluate, matches_visible_case

ARRAY = GoldenCase("f", lambda: ((np.array([[1.0, 2.0], [3.0, 4.0]]),), {}), np.zeros((2, 2)))
PAIR = GoldenCase(
    "f",
    lambda: ((np.arange(3.0),), {"scale": 2.0}),
    (np.array([0.0, 2.0, 4.0]), {"total": 6.0}),
    types={"1.total": float},
)


def _pair(x, scale):
    return x * scale, {"total": float(np.sum(x * scale))}


def test_pass_and_every_status_is_documented():
    assert evaluate(PAIR, _pair).status == "pass"
    assert {"pass", "wrong dtype", "mutated input", "hard-coded", "timeout", "crashed"} <= set(
        STATUSES
    )


@pytest.mark.parametrize(
    ("func", "status", "message"),
    [
        (lambda x, scale: (x * 3, {"total": 9.0}), "wrong value", "output[0][1]: expected 2.0"),
        (lambda x, scale: (x[:2] * 2, {"total": 6.0}), "wrong shape", "output[0]: expected shape"),
        (
            lambda x, scale: ((x * 2).astype(int), {"total": 6.0}),
            "wrong dtype",
            "output[0]: expected a floating array (float64), got dtype int64",
        ),
        (
            lambda x, scale: ([0.0, 2.0, 4.0], {"total": 6.0}),
            "wrong type",
            "output[0]: expected a numpy array, got list",
        ),
        (
            lambda x, scale: (x * 2, {"total": np.array(6.0)}),
            "wrong type",
            "1.total: expected type float, got ndarray",
        ),
        (lambda x, scale: x * 2, "wrong type", "output: expected 2 items, got ndarray"),
        (lambda x, scale: (x * 2, [6.0]), "wrong type", "output[1]: expected a dict, got list"),
        (lambda x, scale: 1 / 0, "exception", "ZeroDivisionError: division by zero"),
        (lambda x, scale: sys.exit(4), "exception", "SystemExit: 4"),
        (
            lambda x, scale: (_ for _ in ()).throw(NotImplementedError("todo")),
            "not implemented",
            "NotImplementedError: todo",
        ),
        (None, "missing function", "function 'f' is not defined"),
        (lambda x: x, "exception", "TypeError:"),  # the wrong signature
    ],
)
def test_statuses(func, status, message):
    outcome = evaluate(PAIR, func)
    assert outcome.status == status
    assert outcome.message.startswith(message), outcome.message


def test_wrong_value_carries_the_first_mismatch():
    outcome = evaluate(PAIR, lambda x, scale: (x * 2 + np.array([0.0, 0.0, 1.0]), {"total": 7.0}))
    assert outcome.mismatch.index == (2,)
    assert (outcome.mismatch.expected, outcome.mismatch.got) == (4.0, 5.0)
    assert outcome.message.endswith("(rtol 1e-05, atol 1e-07)")


def test_mutated_input_names_the_argument_and_the_first_change():
    def scale_in_place(x, scale):
        x *= scale
        return x.copy() / scale * scale, {"total": float(np.sum(x))}

    outcome = evaluate(PAIR, scale_in_place)
    assert outcome.status == "mutated input"
    assert outcome.message == ("argument 'x' was modified in place: x[1] changed from 1.0 to 2.0")


def test_mutation_inside_a_dict_or_a_list_and_keyword_arguments():
    case = GoldenCase("f", lambda: (({"W": np.ones((2, 2))}, [np.zeros(2)]), {"lr": 1.0}), 1.0)

    def adds_a_key(params, grads, lr):
        params["extra"] = 1
        return 1.0

    def shifts_a_list_item(params, grads, lr):
        grads[0][1] = 5.0
        return 1.0

    assert evaluate(case, adds_a_key).message.startswith(
        "argument 'params' was modified in place: params keys changed from ['W'] to ['W', 'extra']"
    )
    assert evaluate(case, shifts_a_list_item).message.endswith(
        "grads[0][1] changed from 0.0 to 5.0"
    )
    assert evaluate(case, lambda params, grads, lr: 1.0).passed


def test_nan_inputs_left_alone_are_not_a_mutation():
    case = GoldenCase("f", lambda: ((np.array([np.nan, 1.0]),), {}), 1.0)
    assert evaluate(case, lambda x: 1.0).passed


def test_integer_or_boolean_results_where_floats_are_expected():
    assert evaluate(ARRAY, lambda x: np.zeros((2, 2), dtype=int)).status == "wrong dtype"
    relaxed = GoldenCase(ARRAY.function, ARRAY.make_inputs, ARRAY.expected, check_dtype=False)
    assert evaluate(relaxed, lambda x: np.zeros((2, 2), dtype=bool)).passed
    boolean = GoldenCase("f", ARRAY.make_inputs, np.zeros((2, 2), dtype=bool))
    assert evaluate(boolean, lambda x: np.zeros((2, 2))).passed  # 0/1 floats for booleans: fine
    assert evaluate(ARRAY, lambda x: np.zeros((2, 2), dtype=np.float32)).passed


def test_select_failure_is_a_structure_problem_for_the_grader_and_an_exception_for_run_case():
    case = GoldenCase("f", lambda: ((1.0,), {}), 2.0, select=lambda out: out[0])
    assert evaluate(case, lambda x: 2.0).status == "wrong type"
    assert run_case(case, {"f": lambda x: 2.0}).status == "exception"


def test_run_case_keeps_its_lenient_statuses():
    assert run_case(ARRAY, {"f": lambda x: np.zeros((2, 2), dtype=int)}).passed
    assert run_case(PAIR, {"f": lambda x, scale: (x * 2, {"total": np.array(6.0)})}).status == (
        "wrong type"  # the required Python type (types=); the grader also checks containers
    )

    def mutates(x, scale):
        x *= 1.0 + 0.0 * scale
        x[0] = 0.0
        return x * scale, {"total": 6.0}

    assert run_case(PAIR, {"f": mutates}).passed  # mutation is checked by the grader only
    result = run_case(PAIR, {"f": lambda x, scale: 1 / 0})
    assert (result.status, result.message) == ("exception", "ZeroDivisionError: division by zero")


def test_matches_visible_case():
    visible = GoldenCase("f", lambda: ((1,), {}), {"w": [[0.0], [0.0]]}, select=lambda o: o[0])
    assert matches_visible_case(({"w": np.zeros((2, 1))}, 0.0), [visible]) is visible
    assert matches_visible_case(({"w": np.zeros((3, 1))}, 0.0), [visible]) is None
    assert matches_visible_case("not even a tuple", [visible]) is None


def test_compare_detail_kinds():
    tol = {"rtol": 1e-5, "atol": 1e-7}
    assert compare_detail({"a": 1.0}, {}, **tol).kind == "key"
    assert compare_detail([1.0, [2.0]], [1.0], **tol).kind == "length"
    assert compare_detail([1.0, [2.0]], "x", **tol).kind == "type"
    assert compare_detail([[1.0]], [[1.0, 2.0]], **tol).kind == "shape"
    value = compare_detail([1.0, 2.0], [1.0, 2.5], **tol)
    assert (value.kind, value.path, value.index, value.expected, value.got) == (
        "value",
        "output",
        (1,),
        2.0,
        2.5,
    )
