"""C1W3A1 "Planar data classification with one hidden layer": a tanh network in numpy."""

from __future__ import annotations

import numpy as np

from dlspec.validation import check_array, check_positive, check_X_Y

__all__ = [
    "sigmoid",
    "layer_sizes",
    "initialize_parameters",
    "forward_propagation",
    "compute_cost",
    "backward_propagation",
    "update_parameters",
    "nn_model",
    "predict",
]

_PARAM_KEYS = ("W1", "b1", "W2", "b2")


def sigmoid(z) -> np.ndarray:
    """Sigmoid ``1 / (1 + exp(-z))``."""
    return 1 / (1 + np.exp(-z))


def layer_sizes(X, Y) -> tuple[int, int, int]:
    """Return ``(n_x, n_h, n_y)``: input size, hidden size 4 (fixed by the lab), output size.

    Example:
        >>> layer_sizes(np.zeros((5, 3)), np.zeros((2, 3)))
        (5, 4, 2)
    """
    X = check_array(X, "X", ndim=2)
    Y = check_array(Y, "Y", ndim=2)
    return X.shape[0], 4, Y.shape[0]


def initialize_parameters(n_x: int, n_h: int, n_y: int) -> dict[str, np.ndarray]:
    """Small random weights (``randn * 0.01``, W1 drawn first) and zero biases.

    Draws from numpy's global generator without seeding it (the caller seeds).

    Example:
        >>> np.random.seed(2)
        >>> initialize_parameters(2, 4, 1)["W1"][0]
        array([-0.00416758, -0.00056267])
    """
    for value, name in ((n_x, "n_x"), (n_h, "n_h"), (n_y, "n_y")):
        check_positive(value, name, integer=True)
    W1 = np.random.randn(n_h, n_x) * 0.01
    W2 = np.random.randn(n_y, n_h) * 0.01
    return {"W1": W1, "b1": np.zeros((n_h, 1)), "W2": W2, "b2": np.zeros((n_y, 1))}


def _check_parameters(parameters: dict, X: np.ndarray) -> None:
    missing = [k for k in _PARAM_KEYS if k not in parameters]
    if missing:
        raise KeyError(f"parameters lacks {missing}; expected keys {list(_PARAM_KEYS)}.")
    W1, W2 = parameters["W1"], parameters["W2"]
    n_x = X.shape[0]
    if W1.shape[1] != n_x or W2.shape[1] != W1.shape[0]:
        hint = (
            f" X {X.shape} looks transposed: pass it as (n_x, m)."
            if X.shape[1] == W1.shape[1]
            else ""
        )
        raise ValueError(
            f"parameter shapes do not chain: X has n_x={n_x} rows, W1 is {W1.shape}, "
            f"W2 is {W2.shape}; expected W1 (n_h, {n_x}) and W2 (n_y, n_h).{hint}"
        )


def forward_propagation(X, parameters: dict) -> tuple[np.ndarray, dict]:
    """LINEAR → TANH → LINEAR → SIGMOID.

    Returns:
        ``(A2, cache)`` with ``cache = {"Z1", "A1", "Z2", "A2"}``.
    """
    X = check_array(X, "X", ndim=2)
    _check_parameters(parameters, X)
    Z1 = parameters["W1"] @ X + parameters["b1"]
    A1 = np.tanh(Z1)
    Z2 = parameters["W2"] @ A1 + parameters["b2"]
    A2 = sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def compute_cost(A2, Y) -> float:
    """Cross-entropy cost ``-(1/m) sum(y log a + (1-y) log(1-a))`` as a Python float.

    Like the course's, ``A2`` may be (1, m) or 1-D (m,) with ``Y`` (1, m).

    Example:
        >>> round(compute_cost(np.array([[0.8, 0.9, 0.4]]), np.array([[1, 1, 0]])), 8)
        0.27977656
        >>> round(compute_cost(np.array([0.8, 0.9, 0.4]), np.array([[1, 1, 0]])), 8)
        0.27977656
    """
    A2 = np.asarray(A2)
    if A2.ndim == 1:
        A2 = A2.reshape(1, -1)
    A2, Y = check_X_Y(A2, Y, n_x=1, x_name="A2", y_rows=1)
    m = Y.shape[1]
    logprobs = np.multiply(np.log(A2), Y) + np.multiply(np.log(1 - A2), 1 - Y)
    return float(-np.sum(logprobs) / m)


def backward_propagation(parameters: dict, cache: dict, X, Y) -> dict[str, np.ndarray]:
    """Gradients ``{"dW1", "db1", "dW2", "db2"}`` of the cost (tanh' = 1 - A1²)."""
    X, Y = check_X_Y(X, Y)
    m = X.shape[1]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = (parameters["W2"].T @ dZ2) * (1 - A1**2)
    dW1 = dZ1 @ X.T / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def update_parameters(parameters: dict, grads: dict, learning_rate: float = 1.2) -> dict:
    """One gradient-descent step; returns a new dict ``W ← W - learning_rate · dW``."""
    check_positive(learning_rate, "learning_rate")
    new = {}
    for key in _PARAM_KEYS:
        grad = grads["d" + key]
        if np.shape(grad) != np.shape(parameters[key]):
            raise ValueError(
                f"grads['d{key}'] has shape {np.shape(grad)} but parameters['{key}'] has "
                f"{np.shape(parameters[key])}."
            )
        new[key] = parameters[key] - learning_rate * grad
    return new


def nn_model(
    X, Y, n_h: int, num_iterations: int = 10000, print_cost: bool = False
) -> dict[str, np.ndarray]:
    """Train the one-hidden-layer network with learning rate 1.2.

    Like the course, calls ``np.random.seed(3)`` just before initialising.

    Example:
        >>> X, Y = load_planar_dataset()  # doctest: +SKIP
        >>> parameters = nn_model(X, Y, n_h=4, num_iterations=10000)  # doctest: +SKIP
    """
    X, Y = check_X_Y(X, Y)
    check_positive(num_iterations, "num_iterations", integer=True)
    n_x, _, n_y = layer_sizes(X, Y)
    np.random.seed(3)
    parameters = initialize_parameters(n_x, n_h, n_y)
    for i in range(num_iterations):
        A2, cache = forward_propagation(X, parameters)
        cost = compute_cost(A2, Y)
        grads = backward_propagation(parameters, cache, X, Y)
        parameters = update_parameters(parameters, grads, learning_rate=1.2)
        if print_cost and i % 1000 == 0:
            print(f"Cost after iteration {i}: {cost:f}")
    return parameters


def predict(parameters: dict, X) -> np.ndarray:
    """Boolean predictions (1, m): ``A2 > 0.5``."""
    A2, _ = forward_propagation(X, parameters)
    return A2 > 0.5
