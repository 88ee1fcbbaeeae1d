"""C1W2A2 "Logistic regression with a neural network mindset" on the cat / non-cat images."""

from __future__ import annotations

import numpy as np

from dlspec.validation import (
    check_array,
    check_binary_labels,
    check_finite,
    check_positive,
    check_X_Y,
)

__all__ = [
    "sigmoid",
    "initialize_with_zeros",
    "propagate",
    "optimize",
    "predict",
    "model",
    "accuracy",
]


def sigmoid(z) -> np.ndarray:
    """Sigmoid ``1 / (1 + exp(-z))``.

    Example:
        >>> sigmoid(np.array([0.0, 2.0]))
        array([0.5       , 0.88079708])
    """
    return 1 / (1 + np.exp(-z))


def initialize_with_zeros(dim: int) -> tuple[np.ndarray, float]:
    """Zero weights ``w`` (dim, 1) and bias ``b = 0.0``.

    Example:
        >>> w, b = initialize_with_zeros(2)
        >>> w.shape, b
        ((2, 1), 0.0)
    """
    check_positive(dim, "dim", integer=True)
    return np.zeros((dim, 1)), 0.0


def _check_wbX(w, b, X) -> tuple[np.ndarray, np.ndarray]:
    w = check_array(w, "w", shape=(None, 1))
    X = check_array(X, "X", shape=(w.shape[0], None))
    if np.ndim(b) != 0:
        raise ValueError(f"b must be a scalar; got an array of shape {np.shape(b)}.")
    check_finite(b, "b")
    return w, X


def propagate(w, b, X, Y) -> tuple[dict, np.ndarray]:
    """Forward and backward pass of logistic regression.

    ``A = sigmoid(w.T X + b)``; cost = mean cross-entropy; ``dw = X (A - Y).T / m``,
    ``db = sum(A - Y) / m``.

    Args:
        w: weights (n_x, 1).
        b: bias, a scalar.
        X: data (n_x, m).
        Y: labels (1, m) of 0/1.

    Returns:
        ``(grads, cost)`` as the course returns them: ``grads = {"dw": (n_x, 1) array,
        "db": np.float64}`` and ``cost`` a 0-d array (the course's ``np.squeeze(np.array(cost))``).

    Example:
        >>> X = np.array([[1., -2., -1.], [3., .5, -3.2]])
        >>> grads, cost = propagate(np.array([[1.], [2.]]), 1.5, X, np.array([[1, 1, 0]]))
        >>> cost.shape, round(float(cost), 8)
        ((), 0.15900538)
    """
    w, X = _check_wbX(w, b, X)
    X, Y = check_X_Y(X, Y, y_rows=1)
    check_binary_labels(Y)
    m = X.shape[1]
    A = sigmoid(w.T @ X + b)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dZ = A - Y
    grads = {"dw": X @ dZ.T / m, "db": np.sum(dZ) / m}
    return grads, np.squeeze(np.array(cost))


def optimize(
    w, b, X, Y, num_iterations: int = 100, learning_rate: float = 0.009, print_cost: bool = False
) -> tuple[dict, dict, list[np.ndarray]]:
    """Gradient descent on ``w, b``.

    Returns:
        ``(params, grads, costs)``: ``params = {"w", "b"}`` after the last update, ``grads`` of
        the last iteration (computed before its update) and the cost every 100 iterations (a
        list of 0-d arrays, as the course's).

    Example:
        >>> params, grads, costs = optimize(np.array([[1.], [2.]]), 1.5,
        ...     np.array([[1., -2., -1.], [3., .5, -3.2]]), np.array([[1, 1, 0]]))
        >>> params["w"].ravel().round(6)
        array([0.80956, 2.05082])
    """
    check_positive(num_iterations, "num_iterations", integer=True)
    check_positive(learning_rate, "learning_rate")
    w = np.array(w, dtype=float, copy=True)
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        w = w - learning_rate * grads["dw"]
        b = b - learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
            if print_cost:
                print(f"Cost after iteration {i}: {cost:f}")
    return {"w": w, "b": b}, grads, costs


def predict(w, b, X) -> np.ndarray:
    """Predict 0/1 labels: 1 where ``sigmoid(w.T X + b) > 0.5``.

    Returns:
        ``Y_prediction`` (1, m) of floats 0.0 / 1.0.

    Example:
        >>> predict(np.array([[0.1124579], [0.23106775]]), -0.3,
        ...         np.array([[1., -1.1, -3.2], [1.2, 2., 0.1]]))
        array([[1., 1., 0.]])
    """
    w, X = _check_wbX(w, b, X)
    return (sigmoid(w.T @ X + b) > 0.5).astype(float)


def accuracy(Y_prediction, Y) -> float:
    """Percentage accuracy as the lab prints it: ``100 - mean(|pred - Y|) * 100``."""
    return float(100 - np.mean(np.abs(np.asarray(Y_prediction) - np.asarray(Y))) * 100)


def model(
    X_train,
    Y_train,
    X_test,
    Y_test,
    num_iterations: int = 2000,
    learning_rate: float = 0.5,
    print_cost: bool = False,
) -> dict:
    """Train logistic regression from zeros and predict on both sets.

    Returns:
        A dict with ``"costs"``, ``"Y_prediction_test"``, ``"Y_prediction_train"``, ``"w"``,
        ``"b"``, ``"learning_rate"``, ``"num_iterations"``.

    Example:
        >>> d = model(train_x, train_y, test_x, test_y, 2000, 0.005)  # doctest: +SKIP
        >>> accuracy(d["Y_prediction_test"], test_y)  # doctest: +SKIP
        70.0
    """
    X_train, Y_train = check_X_Y(X_train, Y_train)
    X_test, Y_test = check_X_Y(X_test, Y_test, n_x=X_train.shape[0])
    w, b = initialize_with_zeros(X_train.shape[0])
    params, _, costs = optimize(w, b, X_train, Y_train, num_iterations, learning_rate, print_cost)
    w, b = params["w"], params["b"]
    Y_prediction_train = predict(w, b, X_train)
    Y_prediction_test = predict(w, b, X_test)
    if print_cost:
        print(f"train accuracy: {accuracy(Y_prediction_train, Y_train)} %")
        print(f"test accuracy: {accuracy(Y_prediction_test, Y_test)} %")
    return {
        "costs": costs,
        "Y_prediction_test": Y_prediction_test,
        "Y_prediction_train": Y_prediction_train,
        "w": w,
        "b": b,
        "learning_rate": learning_rate,
        "num_iterations": num_iterations,
    }
