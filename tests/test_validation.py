"""One validator per kind of value (issue 21): finite, positive, integer, probability, labels."""

from __future__ import annotations

import numpy as np
import pytest

from dlspec.optimization.optimization_methods import initialize_adam, update_parameters_with_adam
from dlspec.validation import (
    check_binary_labels,
    check_finite,
    check_int,
    check_positive,
    check_probability,
    check_X_Y,
)

BAD_NUMBERS = [float("nan"), float("inf"), -float("inf")]


@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_check_finite_refuses_nan_and_inf(value):
    with pytest.raises(ValueError, match="b must be a finite number"):
        check_finite(value, "b")


@pytest.mark.parametrize("value", ["1", True, np.zeros(2)])
def test_check_finite_refuses_non_numbers(value):
    with pytest.raises(TypeError, match="b must be a real number"):
        check_finite(value, "b")


def test_check_finite_accepts_numpy_scalars():
    assert check_finite(np.float32(-2.5), "b") == -2.5
    assert check_finite(np.array(3.0), "b") == 3.0


@pytest.mark.parametrize("value", [0, -0.1, *BAD_NUMBERS, True, "0.1"])
def test_check_positive_refuses(value):
    with pytest.raises(ValueError, match="learning_rate must be a positive number"):
        check_positive(value, "learning_rate")


def test_check_int_refuses_floats_and_bools():
    for value in (3.0, True):
        with pytest.raises(TypeError):
            check_int(value, "n")


@pytest.mark.parametrize("value", [1.0, -0.01, float("nan"), float("inf")])
def test_check_probability_default_is_half_open(value):
    with pytest.raises(ValueError, match=r"rate must be a number in \[0, 1\)"):
        check_probability(value, "rate")


def test_check_probability_ends():
    assert check_probability(0.0, "rate") == 0.0
    assert check_probability(1, "keep_prob", allow_zero=False, allow_one=True) == 1.0
    with pytest.raises(ValueError, match=r"keep_prob must be a number in \(0, 1\]"):
        check_probability(0.0, "keep_prob", allow_zero=False, allow_one=True)
    with pytest.raises(TypeError):
        check_probability("0.5", "rate")


def test_check_binary_labels():
    assert check_binary_labels(np.array([[True, False]])).shape == (1, 2)
    with pytest.raises(ValueError, match=r"labels 0 or 1 .*\[2, 3\]"):
        check_binary_labels(np.array([[0, 2, 3, 1]]))


def test_check_X_Y_refuses_no_examples_and_extra_label_rows():
    with pytest.raises(ValueError, match=r"no examples \(m = 0\)"):
        check_X_Y(np.zeros((2, 0)), np.zeros((1, 0)))
    with pytest.raises(ValueError, match=r"Y must have shape \(1, m\); got \(2, 3\)"):
        check_X_Y(np.zeros((2, 3)), np.zeros((2, 3)), y_rows=1)


@pytest.mark.parametrize("learning_rate", [0.0, -0.1, *BAD_NUMBERS])
def test_numpy_adam_refuses_bad_learning_rates(learning_rate):
    parameters = {"W1": np.ones((2, 2)), "b1": np.zeros((2, 1))}
    grads = {"dW1": np.ones((2, 2)), "db1": np.ones((2, 1))}
    v, s = initialize_adam(parameters)
    with pytest.raises(ValueError, match="learning_rate must be a positive number"):
        update_parameters_with_adam(parameters, grads, v, s, 1, learning_rate=learning_rate)
