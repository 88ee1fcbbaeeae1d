"""Numerical gradient checks of the Course 1 backward passes (central differences, float64).

Relative difference ``‖g - g_num‖ / (‖g‖ + ‖g_num‖)`` (the course's gradient-checking measure)
with ``eps = 1e-7``; it stays below ``1e-7``. Course convention: ``dW, db`` are gradients of the
mean cost J, while the ``dA`` handed between layers is ``m · ∂J/∂A`` (no 1/m), so checks that
feed an arbitrary upstream ``dA = G`` compare ``m · dW`` with the gradient of ``sum(A · G)``.
"""

from __future__ import annotations

import numpy as np
import pytest
from numerical import numerical_gradient as central_differences

from dlspec.foundations import deep_nn_step_by_step as dnn
from dlspec.foundations import logistic_regression as lr
from dlspec.foundations import planar_classification as planar

EPS = 1e-7
TOL = 1e-7


def numerical_gradient(f, x: np.ndarray) -> np.ndarray:
    return central_differences(f, x, EPS)


def relative_difference(grad, approx) -> float:
    grad, approx = np.ravel(grad), np.ravel(approx)
    return float(np.linalg.norm(grad - approx) / (np.linalg.norm(grad) + np.linalg.norm(approx)))


def assert_gradient(grad, approx, name: str) -> None:
    assert np.shape(grad) == np.shape(approx), name
    diff = relative_difference(grad, approx)
    assert diff < TOL, f"{name}: relative difference {diff:.2e} >= {TOL:.0e}"


def test_numerical_gradient_of_a_known_function():
    x = np.array([[0.5, -1.0], [2.0, 0.25]])
    approx = numerical_gradient(lambda: float(np.sum(np.sin(x) * x)), x)
    assert_gradient(np.cos(x) * x + np.sin(x), approx, "sin(x)·x")


def test_relative_difference_catches_a_wrong_gradient():
    x = np.array([1.0, 2.0, 3.0])
    approx = numerical_gradient(lambda: float(np.sum(x**2)), x)
    assert relative_difference(2 * x, approx) < TOL
    assert relative_difference(2 * x * 1.001, approx) > 1e-4


def test_logistic_propagate_gradients():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(4, 1))
    X = rng.normal(size=(4, 7))
    Y = (rng.random((1, 7)) > 0.5).astype(float)
    b = np.array(0.3)  # a 0-d array, so it can be perturbed in place like w
    grads, _ = lr.propagate(w, float(b), X, Y)

    def cost():
        return lr.propagate(w, float(b), X, Y)[1]

    assert_gradient(grads["dw"], numerical_gradient(cost, w), "dw")
    assert_gradient(grads["db"], numerical_gradient(cost, b), "db")


def test_planar_backward_propagation():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(2, 8))
    Y = (rng.random((1, 8)) > 0.5).astype(float)
    parameters = {
        "W1": rng.normal(size=(4, 2)) * 0.5,
        "b1": rng.normal(size=(4, 1)) * 0.1,
        "W2": rng.normal(size=(1, 4)) * 0.5,
        "b2": rng.normal(size=(1, 1)) * 0.1,
    }
    _, cache = planar.forward_propagation(X, parameters)
    grads = planar.backward_propagation(parameters, cache, X, Y)

    def cost():
        return planar.compute_cost(planar.forward_propagation(X, parameters)[0], Y)

    for key in ("W1", "b1", "W2", "b2"):
        assert_gradient(grads["d" + key], numerical_gradient(cost, parameters[key]), "d" + key)


def assert_off_the_kink(Zs, margin=1e-3):
    # A step of EPS moves Z by ~1e-7, so |Z| > 1e-3 keeps every relu on one side of 0.
    closest = min(float(np.min(np.abs(Z))) for Z in Zs)
    assert closest > margin, f"seeded inputs put a relu input at |Z| = {closest:.1e}"


@pytest.mark.parametrize("activation", ["relu", "sigmoid"])
def test_linear_activation_backward(activation):
    rng = np.random.default_rng(2)
    A_prev = rng.normal(size=(3, 5))
    W = rng.normal(size=(4, 3))
    b = rng.normal(size=(4, 1))
    G = rng.normal(size=(4, 5))
    m = A_prev.shape[1]

    def cost():
        A, _ = dnn.linear_activation_forward(A_prev, W, b, activation)
        return float(np.sum(A * G))

    _, cache = dnn.linear_activation_forward(A_prev, W, b, activation)
    assert_off_the_kink([cache[1]])
    dA_prev, dW, db = dnn.linear_activation_backward(G, cache, activation)

    assert_gradient(dA_prev, numerical_gradient(cost, A_prev), "dA_prev")
    assert_gradient(m * dW, numerical_gradient(cost, W), "m·dW")
    assert_gradient(m * db, numerical_gradient(cost, b), "m·db")


def test_L_model_backward_three_layers():
    rng = np.random.default_rng(3)
    dims = [4, 5, 3, 1]
    m = 6
    X = rng.normal(size=(dims[0], m))
    Y = np.array([[1.0, 0.0, 1.0, 1.0, 0.0, 0.0]])
    parameters = {}
    for l in range(1, len(dims)):
        parameters[f"W{l}"] = rng.normal(size=(dims[l], dims[l - 1])) / np.sqrt(dims[l - 1])
        parameters[f"b{l}"] = rng.normal(size=(dims[l], 1)) * 0.1

    AL, caches = dnn.L_model_forward(X, parameters)
    assert_off_the_kink([cache[1] for cache in caches[:-1]])  # the relu layers
    grads = dnn.L_model_backward(AL, Y, caches)

    def cost():
        return dnn.compute_cost(dnn.L_model_forward(X, parameters)[0], Y)

    assert sorted(grads) == ["dA0", "dA1", "dA2", "dW1", "dW2", "dW3", "db1", "db2", "db3"]
    for key in sorted(parameters):
        assert_gradient(grads["d" + key], numerical_gradient(cost, parameters[key]), "d" + key)
    assert_gradient(grads["dA0"] / m, numerical_gradient(cost, X), "dA0 / m")


@pytest.mark.parametrize("dims", [(5, 4, 3, 1), (5, 1)], ids=["three layers", "one layer"])
def test_training_backward_pass_is_the_course_one_without_dA0(dims):
    """What the training loops use: the same weight gradients bit for bit, no dA0."""
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(dims[0], 6)), (rng.random((1, 6)) > 0.5).astype(float)
    parameters = {}
    for l in range(1, len(dims)):
        parameters[f"W{l}"] = rng.normal(size=(dims[l], dims[l - 1]))
        parameters[f"b{l}"] = rng.normal(size=(dims[l], 1))
    AL, caches = dnn.L_model_forward(X, parameters)
    full = dnn.L_model_backward(AL, Y, caches)
    training = dnn.L_model_backward_unchecked(AL, Y, caches, input_gradient=False)
    assert set(full) - set(training) == {"dA0"} and set(training) <= set(full)
    for key, value in training.items():
        np.testing.assert_array_equal(value, full[key])
