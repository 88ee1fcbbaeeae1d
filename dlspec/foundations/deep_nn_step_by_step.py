"""C1W4A1 "Building your deep neural network: step by step": L-layer forward and backward passes.

Caches follow the course: ``linear_cache = (A_prev, W, b)``, ``activation_cache = Z``, and
``L_model_forward`` returns a list of ``(linear_cache, activation_cache)`` tuples.
"""

from __future__ import annotations

import copy

import numpy as np

from dlspec.validation import (
    check_array,
    check_layer_dims,
    check_positive,
    check_X_Y,
)

__all__ = [
    "sigmoid",
    "relu",
    "sigmoid_backward",
    "relu_backward",
    "initialize_parameters",
    "initialize_parameters_deep",
    "linear_forward",
    "linear_activation_forward",
    "L_model_forward",
    "L_model_forward_unchecked",
    "compute_cost",
    "linear_backward",
    "linear_activation_backward",
    "L_model_backward",
    "L_model_backward_unchecked",
    "weight_gradients",
    "update_parameters",
]

ACTIVATIONS = ("sigmoid", "relu")


def sigmoid(Z) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(A, cache)``: ``A = 1 / (1 + exp(-Z))`` and ``cache = Z``."""
    return 1 / (1 + np.exp(-Z)), Z


def relu(Z) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(A, cache)``: ``A = max(0, Z)`` and ``cache = Z``."""
    return np.maximum(0, Z), Z


def sigmoid_backward(dA, cache) -> np.ndarray:
    """``dZ = dA · s(1 - s)`` with ``s = sigmoid(Z)``, ``Z = cache``."""
    s = 1 / (1 + np.exp(-cache))
    return dA * s * (1 - s)


def relu_backward(dA, cache) -> np.ndarray:
    """``dZ = dA`` where ``Z > 0``, else 0."""
    return np.where(cache > 0, dA, 0.0)


def initialize_parameters(n_x: int, n_h: int, n_y: int) -> dict[str, np.ndarray]:
    """Two-layer parameters ``randn * 0.01`` / zeros; seeds numpy with 1 like the course.

    Example:
        >>> initialize_parameters(3, 2, 1)["W2"]
        array([[ 0.01744812, -0.00761207]])
    """
    for value, name in ((n_x, "n_x"), (n_h, "n_h"), (n_y, "n_y")):
        check_positive(value, name, integer=True)
    np.random.seed(1)
    W1 = np.random.randn(n_h, n_x) * 0.01
    b1 = np.zeros((n_h, 1))
    W2 = np.random.randn(n_y, n_h) * 0.01
    b2 = np.zeros((n_y, 1))
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}


def initialize_parameters_deep(layer_dims) -> dict[str, np.ndarray]:
    """L-layer parameters ``W_l = randn(n_l, n_{l-1}) * 0.01``, zero ``b_l``; seeds numpy with 3.

    Example:
        >>> sorted(initialize_parameters_deep([5, 4, 3]))
        ['W1', 'W2', 'b1', 'b2']
    """
    dims = check_layer_dims(layer_dims)
    np.random.seed(3)
    parameters = {}
    for l in range(1, len(dims)):
        parameters[f"W{l}"] = np.random.randn(dims[l], dims[l - 1]) * 0.01
        parameters[f"b{l}"] = np.zeros((dims[l], 1))
    return parameters


def linear_forward(A, W, b) -> tuple[np.ndarray, tuple]:
    """``Z = W·A + b``; returns ``(Z, (A, W, b))``.

    Example:
        >>> Z, cache = linear_forward(np.ones((3, 2)), np.ones((1, 3)), np.zeros((1, 1)))
        >>> Z
        array([[3., 3.]])
    """
    W = check_array(W, "W", ndim=2)
    A = check_array(A, "A_prev", shape=(W.shape[1], None), finite=False)
    b = check_array(b, "b", shape=(W.shape[0], 1))
    return W @ A + b, (A, W, b)


def _check_activation(activation: str) -> None:
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}; got {activation!r}.")


def linear_activation_forward(A_prev, W, b, activation: str) -> tuple[np.ndarray, tuple]:
    """LINEAR → ACTIVATION; returns ``(A, (linear_cache, activation_cache))``."""
    _check_activation(activation)
    Z, linear_cache = linear_forward(A_prev, W, b)
    A, activation_cache = sigmoid(Z) if activation == "sigmoid" else relu(Z)
    return A, (linear_cache, activation_cache)


def _num_layers(parameters: dict) -> int:
    L = len(parameters) // 2
    expected = [f"{p}{l}" for l in range(1, L + 1) for p in ("W", "b")]
    if L < 1 or sorted(parameters) != sorted(expected):
        raise KeyError(f"parameters must hold keys {expected}; got {sorted(parameters)}.")
    return L


def L_model_forward(X, parameters: dict) -> tuple[np.ndarray, list]:
    """[LINEAR → RELU] × (L-1) → LINEAR → SIGMOID.

    Returns:
        ``(AL, caches)``: the output (n_y, m) and the L layer caches.
    """
    X = check_array(X, "X", ndim=2)
    return L_model_forward_unchecked(X, parameters)


def L_model_forward_unchecked(X: np.ndarray, parameters: dict) -> tuple[np.ndarray, list]:
    """:func:`L_model_forward` without the check of X (the training loops check X once)."""
    L = _num_layers(parameters)
    A = X
    caches = []
    for l in range(1, L):
        A, cache = linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], "relu")
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters[f"W{L}"], parameters[f"b{L}"], "sigmoid")
    caches.append(cache)
    return AL, caches


def compute_cost(AL, Y) -> np.ndarray:
    """Cross-entropy cost as a 0-d array, as the course's ``np.squeeze`` of ``np.dot`` gives it.

    Example:
        >>> cost = compute_cost(np.array([[.8, .9, .4]]), np.array([[1, 1, 0]]))
        >>> cost.shape, round(float(cost), 8)
        ((), 0.27977656)
    """
    AL, Y = check_X_Y(AL, Y, x_name="AL", y_rows=1)
    m = Y.shape[1]
    cost = -(np.dot(Y, np.log(AL).T) + np.dot(1 - Y, np.log(1 - AL).T)) / m
    return np.squeeze(cost)


def linear_backward(dZ, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of the linear part: ``(dA_prev, dW, db)``."""
    A_prev, W, _ = cache
    dZ = check_array(dZ, "dZ", shape=(W.shape[0], A_prev.shape[1]), finite=False)
    dW, db = _linear_weight_gradients(dZ, A_prev)
    return W.T @ dZ, dW, db


def _linear_weight_gradients(dZ, A_prev) -> tuple[np.ndarray, np.ndarray]:
    m = A_prev.shape[1]
    return dZ @ A_prev.T / m, np.sum(dZ, axis=1, keepdims=True) / m


def weight_gradients(dA, cache: tuple, activation: str) -> tuple[np.ndarray, np.ndarray]:
    """``(dW, db)`` of :func:`linear_activation_backward`, without ``dA_prev``.

    For the first layer, whose ``dA_prev`` (the gradient with respect to X) training never
    uses: on the cat pictures' 12288 inputs that product is a third of the backward pass.

    Example:
        >>> A_prev, W, b = np.ones((3, 2)), np.ones((1, 3)), np.zeros((1, 1))
        >>> dW, db = weight_gradients(np.ones((1, 2)), ((A_prev, W, b), np.ones((1, 2))), "relu")
        >>> dW.tolist(), db.tolist()
        ([[1.0, 1.0, 1.0]], [[1.0]])
    """
    (A_prev, _, _), Z = cache
    backward = sigmoid_backward if activation == "sigmoid" else relu_backward
    return _linear_weight_gradients(backward(dA, Z), A_prev)


def linear_activation_backward(
    dA, cache: tuple, activation: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward through ACTIVATION then LINEAR: ``(dA_prev, dW, db)``."""
    _check_activation(activation)
    linear_cache, activation_cache = cache
    backward = sigmoid_backward if activation == "sigmoid" else relu_backward
    return linear_backward(backward(dA, activation_cache), linear_cache)


def L_model_backward(AL, Y, caches: list) -> dict[str, np.ndarray]:
    """Gradients of the whole network: keys ``dA0…dA{L-1}``, ``dW1…dWL``, ``db1…dbL``.

    ``AL`` must not hold exact 0s or 1s: ``dAL`` divides by ``AL`` and ``1 - AL``.
    """
    AL = check_array(AL, "AL", ndim=2)
    return L_model_backward_unchecked(AL, np.asarray(Y).reshape(np.shape(AL)), caches)


def L_model_backward_unchecked(
    AL: np.ndarray, Y: np.ndarray, caches: list, *, input_gradient: bool = True
) -> dict[str, np.ndarray]:
    """:func:`L_model_backward` on ``AL`` and ``Y`` already arrays of one shape (the training
    loops check their inputs once).

    ``input_gradient=False`` leaves out ``dA0`` (see :func:`weight_gradients`).
    """
    saturated = (AL == 0) | (AL == 1)
    if np.any(saturated):
        raise ValueError(
            f"AL holds {int(saturated.sum())} entries equal to exactly 0 or 1 (a saturated "
            "sigmoid): dAL = -(Y/AL - (1-Y)/(1-AL)) would be inf/NaN. Lower the learning rate "
            "or clip AL to [1e-12, 1 - 1e-12]."
        )
    L = len(caches)
    grads = {}
    dA = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    for l in reversed(range(L)):
        activation = "sigmoid" if l == L - 1 else "relu"
        if l == 0 and not input_gradient:
            grads["dW1"], grads["db1"] = weight_gradients(dA, caches[0], activation)
            break
        dA_prev, dW, db = linear_activation_backward(dA, caches[l], activation)
        grads[f"dA{l}"], grads[f"dW{l + 1}"], grads[f"db{l + 1}"] = dA_prev, dW, db
        dA = dA_prev
    return grads


def update_parameters(params: dict, grads: dict, learning_rate: float) -> dict:
    """Gradient descent on a deep copy of ``params``: ``W_l -= learning_rate · dW_l``."""
    check_positive(learning_rate, "learning_rate")
    parameters = copy.deepcopy(params)
    for l in range(1, _num_layers(parameters) + 1):
        for p in ("W", "b"):
            grad = grads[f"d{p}{l}"]
            if np.shape(grad) != parameters[f"{p}{l}"].shape:
                raise ValueError(
                    f"grads['d{p}{l}'] has shape {np.shape(grad)} but parameters['{p}{l}'] has "
                    f"{parameters[f'{p}{l}'].shape}."
                )
            parameters[f"{p}{l}"] -= learning_rate * grad
    return parameters
