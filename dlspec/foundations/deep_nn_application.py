"""C1W4A2 "Deep neural network for image classification: application" (cat / non-cat).

Builds the two-layer and L-layer models from the step-by-step functions.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dlspec.foundations.deep_nn_step_by_step import (
    L_model_backward_unchecked,
    L_model_forward,
    L_model_forward_unchecked,
    compute_cost,
    initialize_parameters,
    linear_activation_backward,
    linear_activation_forward,
    update_parameters,
    weight_gradients,
)
from dlspec.validation import check_layer_dims, check_positive, check_X_Y

__all__ = [
    "initialize_parameters_deep",
    "two_layer_model",
    "L_layer_model",
    "predict",
    "train_two_layer",
    "train_L_layer",
]


def initialize_parameters_deep(layer_dims) -> dict[str, np.ndarray]:
    """The application's initialisation: ``W_l = randn(n_l, n_{l-1}) / sqrt(n_{l-1})``.

    Seeds numpy with 1 like the course's ``dnn_app_utils``; biases are zeros.

    Example:
        >>> initialize_parameters_deep([4, 3, 1])["W1"].shape
        (3, 4)
    """
    dims = check_layer_dims(layer_dims)
    np.random.seed(1)
    parameters = {}
    for l in range(1, len(dims)):
        parameters[f"W{l}"] = np.random.randn(dims[l], dims[l - 1]) / np.sqrt(dims[l - 1])
        parameters[f"b{l}"] = np.zeros((dims[l], 1))
    return parameters


def _check_training(X, Y, n_x: int, learning_rate: float, num_iterations: int):
    X, Y = check_X_Y(X, Y, n_x=n_x)
    check_positive(learning_rate, "learning_rate")
    check_positive(num_iterations, "num_iterations", integer=True)
    return X, Y


def _gradient_descent(
    step: Callable[[dict], tuple[float, dict]],
    parameters: dict,
    learning_rate: float,
    num_iterations: int,
    print_cost: bool,
) -> tuple[dict, list[float], float]:
    """The course's training loop: returns ``(parameters, costs, cost of the last iteration)``.

    Costs are recorded every 100 iterations; with ``print_cost`` they are printed then and at
    the last iteration, as the lab does.
    """
    costs = []
    for i in range(num_iterations):
        cost, grads = step(parameters)
        parameters = update_parameters(parameters, grads, learning_rate)
        if print_cost and (i % 100 == 0 or i == num_iterations - 1):
            print(f"Cost after iteration {i}: {cost}")
        if i % 100 == 0:
            costs.append(cost)
    return parameters, costs, cost


def _two_layer_step(X: np.ndarray, Y: np.ndarray) -> Callable[[dict], tuple[float, dict]]:
    def step(parameters: dict) -> tuple[float, dict]:
        A1, cache1 = linear_activation_forward(X, parameters["W1"], parameters["b1"], "relu")
        A2, cache2 = linear_activation_forward(A1, parameters["W2"], parameters["b2"], "sigmoid")
        dA2 = -(np.divide(Y, A2) - np.divide(1 - Y, 1 - A2))
        dA1, dW2, db2 = linear_activation_backward(dA2, cache2, "sigmoid")
        dW1, db1 = weight_gradients(dA1, cache1, "relu")
        return compute_cost(A2, Y), {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}

    return step


def _L_layer_step(X: np.ndarray, Y: np.ndarray) -> Callable[[dict], tuple[float, dict]]:
    def step(parameters: dict) -> tuple[float, dict]:
        AL, caches = L_model_forward_unchecked(X, parameters)
        grads = L_model_backward_unchecked(AL, Y, caches, input_gradient=False)
        return compute_cost(AL, Y), grads

    return step


def train_two_layer(
    X, Y, layers_dims, learning_rate: float, num_iterations: int, print_cost: bool = False
) -> tuple[dict, list[float], float]:
    """:func:`two_layer_model`, also returning the cost of the last iteration.

    Returns:
        ``(parameters, costs, last_cost)``.
    """
    n_x, n_h, n_y = check_layer_dims(layers_dims, min_layers=3)
    X, Y = _check_training(X, Y, n_x, learning_rate, num_iterations)
    np.random.seed(1)
    parameters = initialize_parameters(n_x, n_h, n_y)
    return _gradient_descent(
        _two_layer_step(X, Y), parameters, learning_rate, num_iterations, print_cost
    )


def train_L_layer(
    X, Y, layers_dims, learning_rate: float, num_iterations: int, print_cost: bool = False
) -> tuple[dict, list[float], float]:
    """:func:`L_layer_model`, also returning the cost of the last iteration.

    Returns:
        ``(parameters, costs, last_cost)``.
    """
    dims = check_layer_dims(layers_dims)
    X, Y = _check_training(X, Y, dims[0], learning_rate, num_iterations)
    np.random.seed(1)
    parameters = initialize_parameters_deep(dims)
    return _gradient_descent(
        _L_layer_step(X, Y), parameters, learning_rate, num_iterations, print_cost
    )


def two_layer_model(
    X,
    Y,
    layers_dims,
    learning_rate: float = 0.0075,
    num_iterations: int = 3000,
    print_cost: bool = False,
) -> tuple[dict, list[float]]:
    """LINEAR → RELU → LINEAR → SIGMOID trained by gradient descent.

    Seeds numpy with 1 and uses the step-by-step ``initialize_parameters`` (``randn * 0.01``).

    Returns:
        ``(parameters, costs)`` with the cost every 100 iterations.

    Example:
        >>> parameters, costs = two_layer_model(train_x, train_y, (12288, 7, 1),
        ...                                     num_iterations=2500)  # doctest: +SKIP
    """
    parameters, costs, _ = train_two_layer(
        X, Y, layers_dims, learning_rate, num_iterations, print_cost
    )
    return parameters, costs


def L_layer_model(
    X,
    Y,
    layers_dims,
    learning_rate: float = 0.0075,
    num_iterations: int = 3000,
    print_cost: bool = False,
) -> tuple[dict, list[float]]:
    """[LINEAR → RELU] × (L-1) → LINEAR → SIGMOID trained by gradient descent.

    Seeds numpy with 1, then :func:`initialize_parameters_deep` (scaled by ``1/sqrt(n_{l-1})``).

    Returns:
        ``(parameters, costs)`` with the cost every 100 iterations.

    Example:
        >>> parameters, costs = L_layer_model(train_x, train_y, [12288, 20, 7, 5, 1],
        ...                                   num_iterations=2500)  # doctest: +SKIP
    """
    parameters, costs, _ = train_L_layer(
        X, Y, layers_dims, learning_rate, num_iterations, print_cost
    )
    return parameters, costs


def predict(X, y, parameters: dict, print_accuracy: bool = True) -> np.ndarray:
    """Predict 0/1 labels (1, m) with the L-layer network and print the accuracy.

    Example:
        >>> p = predict(test_x, test_y, parameters)  # doctest: +SKIP
        Accuracy: 0.8
    """
    AL, _ = L_model_forward(X, parameters)
    p = (AL > 0.5).astype(float)
    if print_accuracy:
        print(f"Accuracy: {np.mean(p == np.asarray(y))}")
    return p
