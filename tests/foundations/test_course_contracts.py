"""Course 1's return types, shapes and key sets, checked the way the course's own per-lab tests
check them (issue 16): a learner's notebook test must accept dlspec's reference functions."""

from __future__ import annotations

import numpy as np
import pytest

from dlspec.foundations import deep_nn_application as app
from dlspec.foundations import deep_nn_step_by_step as deep
from dlspec.foundations import logistic_regression as logreg
from dlspec.foundations import numpy_basics as basics
from dlspec.foundations import planar_classification as planar

W = np.array([[1.0], [2.0]])
X = np.array([[1.0, -2.0, -1.0], [3.0, 0.5, -3.2]])
Y = np.array([[1, 1, 0]])


def test_numpy_basics_types():
    assert type(basics.basic_sigmoid(1)) is float
    yhat, y = np.array([0.9, 0.2, 0.1, 0.4, 0.9]), np.array([1, 0, 0, 1, 1])
    assert type(basics.L1(yhat, y)) is np.float64 and np.isclose(basics.L1(yhat, y), 1.1)
    assert type(basics.L2(yhat, y)) is np.float64 and np.isclose(basics.L2(yhat, y), 0.43)


def test_logreg_types():
    w, b = logreg.initialize_with_zeros(2)
    assert type(w) is np.ndarray and w.shape == (2, 1) and type(b) is float
    grads, cost = logreg.propagate(W, 1.5, X, Y)
    assert type(grads["dw"]) is np.ndarray and grads["dw"].shape == W.shape
    assert type(grads["db"]) is np.float64
    assert type(cost) is np.ndarray and cost.shape == ()
    params, grads, costs = logreg.optimize(W, 1.5, X, Y, num_iterations=101)
    assert type(costs) is list and len(costs) == 2
    assert all(type(c) is np.ndarray and c.shape == () for c in costs)
    assert type(params["w"]) is np.ndarray and type(params["b"]) is np.float64
    assert type(grads["db"]) is np.float64
    d = logreg.model(X, Y, X, Y, num_iterations=50, learning_rate=0.01)
    assert set(d) == {
        "costs",
        "Y_prediction_test",
        "Y_prediction_train",
        "w",
        "b",
        "learning_rate",
        "num_iterations",
    }
    assert type(d["costs"]) is list and type(d["costs"][0]) is np.ndarray
    assert d["Y_prediction_test"].shape == (1, 3) and d["Y_prediction_test"].dtype.kind == "f"


def test_planar_compute_cost_accepts_a_1d_A2_and_returns_a_float():
    np.random.seed(1)
    labels = np.random.randn(1, 5) > 0
    A2 = np.array([0.5002307, 0.49985831, 0.50023963, 0.25, 0.7])
    for a2 in (A2.reshape(1, 5), A2):
        cost = planar.compute_cost(a2, labels)
        assert type(cost) is float and np.isclose(cost, 0.5447066599017815)


def test_planar_compute_cost_names_A2_and_the_course_shape():
    with pytest.raises(ValueError, match=r"A2 must have shape \(1, m\); got \(3, 3\)"):
        planar.compute_cost(np.full((3, 3), 0.5), np.ones((1, 3)))


def test_planar_types():
    assert planar.layer_sizes(X, Y) == (2, 4, 1)
    parameters = planar.initialize_parameters(2, 4, 1)
    assert set(parameters) == {"W1", "b1", "W2", "b2"}
    A2, cache = planar.forward_propagation(X, parameters)
    assert A2.shape == (1, 3) and set(cache) == {"Z1", "A1", "Z2", "A2"}
    grads = planar.backward_propagation(parameters, cache, X, Y)
    assert set(grads) == {"dW1", "db1", "dW2", "db2"}


def test_deep_step_by_step_types():
    cost = deep.compute_cost(np.array([[0.8, 0.9, 0.4]]), Y)
    assert type(cost) is np.ndarray and cost.shape == ()
    assert np.isclose(cost, 0.2797765635793423)
    parameters = deep.initialize_parameters_deep([2, 3, 1])
    AL, caches = deep.L_model_forward(X, parameters)
    assert type(caches) is list and len(caches) == 2
    (A_prev, W1, b1), Z1 = caches[0]
    assert A_prev.shape == (2, 3) and W1.shape == (3, 2) and b1.shape == (3, 1)
    assert Z1.shape == (3, 3)
    grads = deep.L_model_backward(AL, Y, caches)
    assert set(grads) == {"dA0", "dA1", "dW1", "db1", "dW2", "db2"}


def test_application_costs_are_0d_arrays():
    np.random.seed(1)
    x, y = np.random.randn(10, 10), np.random.randn(1, 10)
    for train, dims in ((app.two_layer_model, (10, 4, 1)), (app.L_layer_model, [10, 4, 1])):
        parameters, costs = train(x, y, dims, 0.0075, 2)
        assert type(costs) is list and len(costs) == 1
        assert type(costs[0]) is np.ndarray and costs[0].shape == ()
    assert np.isclose(app.two_layer_model(x, y, (10, 4, 1), 0.0075, 2)[1][0], 0.69315968)
