"""C2W1A3 Gradient checking: golden cases, the lab's three checks, vector helpers, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from dlspec.grading import run_case
from dlspec.labs import get_lab
from dlspec.optimization import gradient_checking as gc
from dlspec.optimization.golden.gradient_checking import CASES

LAB = "c2w1-gradient-checking"


@pytest.mark.parametrize("case", CASES[LAB], ids=lambda case: case.label)
def test_a_slightly_wrong_answer_fails(case):
    func = getattr(gc, case.function)
    result = run_case(case, {case.function: lambda *a, **k: func(*a, **k) * 1.01 + 0.01})
    assert result.status == "wrong value"


def test_registry_serves_the_golden_cases():
    assert get_lab(LAB).reference == gc.__name__
    # the cases themselves run once, in tests/grading/test_grade_generated.py
    assert [c.label for c in get_lab(LAB).golden_cases()] == [c.label for c in CASES[LAB]]


def test_golden_accepts_a_correct_check_rounded_differently():
    # A learner's gradient_check_n that computes the same thing in another order passes.
    def gradient_check_n(parameters, gradients, X, Y, epsilon=1e-7, print_msg=False):
        theta, _ = gc.dictionary_to_vector(parameters)
        approx = np.array(
            [
                (
                    gc.forward_propagation_n(X, Y, gc.vector_to_dictionary(theta + e))[0]
                    - gc.forward_propagation_n(X, Y, gc.vector_to_dictionary(theta - e))[0]
                )
                / (2 * epsilon)
                for e in np.eye(theta.shape[0])[:, :, None] * epsilon
            ]
        ).reshape(-1, 1)
        grad = gc.gradients_to_vector(gradients)
        return np.linalg.norm(grad - approx) / (np.linalg.norm(grad) + np.linalg.norm(approx))

    for case in CASES[LAB][2:]:
        assert run_case(case, {"gradient_check_n": gradient_check_n}).passed, case.label


# --- the lab's headline numbers ------------------------------------------------------------------


def test_one_dimensional_check(capsys):
    assert gc.forward_propagation(2, 4) == 8
    assert gc.backward_propagation(2, 4) == 2
    difference = gc.gradient_check(3, 4, print_msg=True)
    assert difference == pytest.approx(7.814075313343006e-11, rel=1e-9)
    assert difference < gc.THRESHOLD
    assert capsys.readouterr().out == (
        "Your backward propagation works perfectly fine! difference = 7.814075313343006e-11\n"
    )


@pytest.fixture
def test_case():
    X, Y, parameters = gc.gradient_check_n_test_case()
    cost, cache = gc.forward_propagation_n(X, Y, parameters)
    return X, Y, parameters, cache


def test_buggy_backprop_is_flagged(test_case, capsys):
    X, Y, parameters, cache = test_case
    gradients = gc.backward_propagation_n(X, Y, cache, buggy=True)
    difference = gc.gradient_check_n(parameters, gradients, X, Y, 1e-7, True)
    assert difference == pytest.approx(0.2850931567761623, rel=1e-12)
    assert difference > gc.THRESHOLD
    assert capsys.readouterr().out.startswith(
        "There is a mistake in the backward propagation! difference = 0.28509315677616"
    )


def test_corrected_backprop_passes(test_case, capsys):
    X, Y, parameters, cache = test_case
    gradients = gc.backward_propagation_n(X, Y, cache)  # the default is the corrected version
    difference = gc.gradient_check_n(parameters, gradients, X, Y, print_msg=True)
    assert difference == pytest.approx(1.1890913024229996e-07, rel=1e-6)
    assert difference < gc.THRESHOLD
    assert capsys.readouterr().out.startswith("Your backward propagation works perfectly fine!")


def test_the_two_bugs(test_case):
    X, Y, parameters, cache = test_case
    right = gc.backward_propagation_n(X, Y, cache)
    wrong = gc.backward_propagation_n(X, Y, cache, buggy=True)
    np.testing.assert_allclose(wrong["dW2"], 2 * right["dW2"], rtol=1e-15)
    np.testing.assert_allclose(wrong["db1"], 4 * right["db1"], rtol=1e-15)
    for key in ("dW1", "db2", "dW3", "db3", "dZ1", "dA1"):
        np.testing.assert_array_equal(wrong[key], right[key])


def test_lab_run(tmp_path):
    lab = get_lab(LAB)
    result = lab.run(out_dir=tmp_path)
    for target in lab.targets:
        assert target.met(result.metrics[target.metric]), (target, result.metrics)
    assert result.figures[0].stat().st_size > 10_000


# --- vector helpers -------------------------------------------------------------------------------


def test_dictionary_vector_round_trip(test_case):
    _, _, parameters, _ = test_case
    theta, keys = gc.dictionary_to_vector(parameters)
    assert theta.shape == (47, 1) and len(keys) == 47
    assert keys[:20] == ["W1"] * 20 and keys[20:25] == ["b1"] * 5 and keys[-1] == "b3"
    np.testing.assert_array_equal(theta[:20].reshape(5, 4), parameters["W1"])  # row-major
    back = gc.vector_to_dictionary(theta)
    for key, value in parameters.items():
        np.testing.assert_array_equal(back[key], value)


def test_gradients_to_vector_uses_the_same_order(test_case):
    X, Y, parameters, cache = test_case
    gradients = gc.backward_propagation_n(X, Y, cache)
    vector = gc.gradients_to_vector(gradients)
    np.testing.assert_array_equal(vector[20:25], gradients["db1"])
    np.testing.assert_array_equal(vector[43:46].ravel(), gradients["dW3"].ravel())


def test_other_network_sizes():
    rng = np.random.default_rng(3)
    shapes = {"W1": (4, 2), "b1": (4, 1), "W2": (2, 4), "b2": (2, 1), "W3": (1, 2), "b3": (1, 1)}
    parameters = {key: rng.normal(size=shape) for key, shape in shapes.items()}
    theta, _ = gc.dictionary_to_vector(parameters)
    assert gc.vector_to_dictionary(theta, shapes)["W2"].shape == (2, 4)
    X, Y = rng.normal(size=(2, 6)), (rng.random((1, 6)) > 0.5).astype(float)
    _, cache = gc.forward_propagation_n(X, Y, parameters)
    gradients = gc.backward_propagation_n(X, Y, cache)
    assert gc.gradient_check_n(parameters, gradients, X, Y) < gc.THRESHOLD


# --- bad input ---------------------------------------------------------------------------------


def test_non_finite_gradients(test_case):
    X, Y, parameters, cache = test_case
    gradients = gc.backward_propagation_n(X, Y, cache)
    gradients["db2"] = gradients["db2"] * np.nan
    with pytest.raises(ValueError, match=r"gradients\['db2'\] contains NaN or infinity"):
        gc.gradient_check_n(parameters, gradients, X, Y)


def test_gradient_of_the_wrong_shape(test_case):
    X, Y, parameters, cache = test_case
    gradients = gc.backward_propagation_n(X, Y, cache)
    gradients["dW1"] = gradients["dW1"].T
    match = r"gradients\['dW1'\] has shape \(4, 5\) but parameters\['W1'\] has \(5, 4\)"
    with pytest.raises(ValueError, match=match):
        gc.gradient_check_n(parameters, gradients, X, Y)
    del gradients["db3"]
    with pytest.raises(KeyError, match=r"gradients lacks \['db3'\]"):
        gc.gradient_check_n(parameters, gradients, X, Y)


def test_parameters_that_do_not_fit_X(test_case):
    X, Y, parameters, cache = test_case
    gradients = gc.backward_propagation_n(X, Y, cache)
    with pytest.raises(ValueError, match=r"W1 must have shape \(m, 3\); got \(5, 4\)"):
        gc.gradient_check_n(parameters, gradients, X[:3], Y)
    with pytest.raises(ValueError, match="X and Y must have the same number of examples"):
        gc.forward_propagation_n(X, Y[:, :2], parameters)


def test_saturated_cost_is_reported(test_case):
    X, Y, parameters, cache = test_case
    gradients = gc.backward_propagation_n(X, Y, cache)
    big = {**parameters, "W3": parameters["W3"] * 1e4, "b3": parameters["b3"] * 1e4}
    with pytest.raises(ValueError, match="the cost is not finite around"):
        gc.gradient_check_n(big, gradients, X, Y)


def test_bad_epsilon_and_vectors(test_case):
    X, Y, parameters, cache = test_case
    gradients = gc.backward_propagation_n(X, Y, cache)
    with pytest.raises(ValueError, match="epsilon must be a positive number; got 0"):
        gc.gradient_check_n(parameters, gradients, X, Y, epsilon=0)
    with pytest.raises(ValueError, match="epsilon must be a positive number"):
        gc.gradient_check(3, 4, epsilon=-1e-7)
    with pytest.raises(ValueError, match="theta has 46 entries but parameters of shapes"):
        gc.vector_to_dictionary(np.zeros((46, 1)))
    with pytest.raises(ValueError, match="x must be a real number"):
        gc.gradient_check(np.array([1.0, 2.0]), 4)
