"""Unit tests of the golden-case comparison and runner."""

from __future__ import annotations

import types

import numpy as np
import pytest

from dlspec.grading import GoldenCase, compare, run_case

TOL = {"rtol": 1e-5, "atol": 1e-7}


def test_equal_nested_structures_match():
    expected = {"a": ([1.0, 2.0], {"b": 3.0}), "c": [[0.5], [0.25]]}
    got = {
        "a": (np.array([1.0, 2.0]), {"b": 3.0, "extra": "ignored"}),
        "c": np.array([[0.5], [0.25]]),
    }
    assert compare(expected, got, **TOL) is None


def test_tuple_and_list_are_interchangeable():
    assert compare(([1.0], {"k": 2.0}), [np.array([1.0]), {"k": 2.0}], **TOL) is None


def test_nested_mismatch_names_the_path():
    status, message = compare(
        {"a": ([1.0, 2.0], {"b": 3.0})}, {"a": ([1.0, 2.0], {"b": 4.0})}, **TOL
    )
    assert status == "wrong value"
    assert message.startswith("output['a'][1]['b']: expected ")
    assert "3.0" in message and "4.0" in message


def test_first_mismatch_index_in_message():
    status, message = compare([[1.0, 2.0], [3.0, 4.0]], np.array([[1.0, 9.0], [3.0, 8.0]]), **TOL)
    assert status == "wrong value"
    assert message.startswith("output[0, 1]: expected")
    assert "2.0" in message and "9.0" in message
    status, message = compare([0.0, 1.0, 2.0, 3.0], [0.0, 1.0, 5.0, 7.0], **TOL)
    assert message.startswith("output[2]: expected")


def test_first_mismatch_inside_a_dict_of_arrays():
    _, message = compare({"dW": [[1.0, 2.0, 3.0]]}, {"dW": np.array([[1.0, 2.0, 3.5]])}, **TOL)
    assert message.startswith("output['dW'][0, 2]: expected")


def test_custom_path_prefix():
    _, message = compare([1.0], [2.0], path="grads", **TOL)
    assert message.startswith("grads[0]:")


def test_shape_mismatch():
    assert compare([[1.0, 2.0, 3.0]], np.array([1.0, 2.0, 3.0]), **TOL) == (
        "wrong shape",
        "output: expected shape (1, 3), got (3,)",
    )
    assert compare([[1.0], [2.0]], np.array([[1.0, 2.0]]), **TOL)[0] == "wrong shape"
    status, message = compare({"w": [[0.0], [0.0]]}, {"w": np.zeros((3, 1))}, **TOL)
    assert (status, message) == ("wrong shape", "output['w']: expected shape (2, 1), got (3, 1)")


def test_scalar_matches_any_single_element_array():
    assert compare(0.5, np.array([[0.5]]), **TOL) is None
    assert compare(0.5, np.float64(0.5), **TOL) is None
    assert compare(0.5, np.array([0.5, 0.5]), **TOL)[0] == "wrong shape"


def test_ellipsis_is_not_checked():
    assert compare(..., object(), **TOL) is None
    assert compare((1.0, ...), (1.0, "anything"), **TOL) is None
    assert compare({"a": ..., "b": 2.0}, {"a": None, "b": 2.0}, **TOL) is None
    # An unchecked value must still exist.
    status, message = compare({"a": ...}, {}, **TOL)
    assert status == "wrong value" and "missing key 'a'" in message
    assert compare((1.0, ...), (1.0,), **TOL) == (
        "wrong value",
        "output: expected 2 items, got (1.0,)",
    )


def test_missing_key_lists_the_keys_present():
    status, message = compare({"dw": 1.0, "db": 2.0}, {"dw": 1.0, "dB": 2.0}, **TOL)
    assert status == "wrong value"
    assert message == "output: missing key 'db' (has ['dB', 'dw'])"


def test_wrong_container_types():
    assert compare({"a": 1.0}, [1.0], **TOL) == (
        "wrong value",
        "output: expected a dict, got list",
    )
    status, message = compare(([1.0], {"b": 2.0}), np.array([1.0, 2.0]), **TOL)
    assert status == "wrong value" and "expected 2 items, got ndarray of shape (2,)" in message
    status, message = compare([1.0, 2.0], "1.0 2.0", **TOL)
    assert status == "wrong value" and "expected numbers" in message


def test_strings_compare_exactly():
    assert compare("relu", "relu", **TOL) is None
    assert compare("relu", "sigmoid", **TOL) == (
        "wrong value",
        "output: expected 'relu', got 'sigmoid'",
    )


def test_tolerances_are_honoured():
    assert compare([1.0], [1.0 + 5e-8], rtol=0, atol=1e-7) is None
    assert compare([1.0], [1.0 + 5e-7], rtol=0, atol=1e-7)[0] == "wrong value"
    assert compare([1.0], [1.0 + 5e-7], rtol=1e-6, atol=0) is None


def test_nan_never_matches():
    assert compare([1.0], [np.nan], **TOL)[0] == "wrong value"


# --- run_case -------------------------------------------------------------------------------

CASE = GoldenCase("double", lambda: ((np.array([1.0, 2.0]),), {}), [2.0, 4.0])


def test_run_case_passes_with_a_mapping_or_a_module():
    outcome = run_case(CASE, {"double": lambda x: 2 * x})
    assert (outcome.status, outcome.message, outcome.passed) == ("pass", "", True)
    module = types.ModuleType("learner")
    module.double = lambda x: x + x
    assert run_case(CASE, module).passed


@pytest.mark.parametrize(
    "functions", [{}, {"triple": lambda x: 3 * x}, {"double": 2.0}], ids=["empty", "other", "value"]
)
def test_run_case_with_a_missing_function(functions):
    result = run_case(CASE, functions)
    assert result.status == "missing function"
    assert not result.passed
    assert result.message == "function 'double' is not defined"


def test_run_case_with_a_module_missing_the_function():
    result = run_case(CASE, types.ModuleType("empty"))
    assert (result.status, result.message) == (
        "missing function",
        "function 'double' is not defined",
    )


def test_run_case_statuses():
    assert run_case(CASE, {"double": lambda x: 3 * x}).status == "wrong value"
    assert run_case(CASE, {"double": lambda x: 2 * x[:1]}).status == "wrong shape"
    result = run_case(CASE, {"double": lambda x: 1 / 0})
    assert (result.status, result.message) == ("exception", "ZeroDivisionError: division by zero")


def test_run_case_select_and_types():
    case = GoldenCase(
        "stats",
        lambda: ((np.array([1.0, 3.0]),), {}),
        {"mean": 2.0},
        select=lambda out: {"mean": out[0]},
        types={"mean": float},
    )
    assert run_case(case, {"stats": lambda x: (float(x.mean()), x.std())}).passed
    result = run_case(case, {"stats": lambda x: (x.mean(keepdims=True), x.std())})
    assert (result.status, result.message) == (
        "wrong type",
        "mean: expected type float, got ndarray",
    )
    result = run_case(case, {"stats": lambda x: x.mean()})  # select fails on a scalar
    assert result.status == "exception"


def test_run_case_builds_fresh_inputs_each_time():
    def vandal(x):
        x *= 100
        return 2 * x

    assert run_case(CASE, {"double": vandal}).status == "wrong value"
    assert run_case(CASE, {"double": lambda x: 2 * x}).passed


def test_label_defaults_to_the_function_name():
    assert CASE.label == "double"
    assert GoldenCase("double", CASE.make_inputs, [2.0, 4.0], name="double_small").label == (
        "double_small"
    )
