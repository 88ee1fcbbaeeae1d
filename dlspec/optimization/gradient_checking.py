"""C2W1A3 "Gradient checking": compare backprop with centred differences of the cost.

``difference = ‖grad − gradapprox‖₂ / (‖grad‖₂ + ‖gradapprox‖₂)`` with
``gradapprox_i = (J(θ + ε e_i) − J(θ − ε e_i)) / (2ε)``; above ``2e-7`` the backward pass is
declared wrong. First on the 1-D function ``J(θ) = θx``, then on the 3-layer network of the
course (``[4, 5, 3, 1]`` in the lab's test case), whose backward pass the lab ships with two
deliberate bugs for the check to find.

``backward_propagation_n(X, Y, cache)`` returns the *correct* gradients by default (what a
learner who fixed the bugs compares against); ``buggy=True`` gives the lab's version, with
``dW2`` doubled and ``db1`` computed with ``4./m``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from dlspec.optimization.three_layer import (
    PARAMETER_KEYS,
    backward,
    check_cache,
    check_parameters,
    forward,
)
from dlspec.validation import check_array, check_positive, check_X_Y

__all__ = [
    "THRESHOLD",
    "forward_propagation",
    "backward_propagation",
    "gradient_check",
    "forward_propagation_n",
    "backward_propagation_n",
    "dictionary_to_vector",
    "vector_to_dictionary",
    "gradients_to_vector",
    "approximate_gradients",
    "gradient_check_n",
    "gradient_check_n_test_case",
]

THRESHOLD = 2e-7
"""Above this ``difference`` the lab declares a mistake in the backward propagation."""

#: The lab's [4, 5, 3, 1] network, the shapes ``vector_to_dictionary`` rebuilds by default.
COURSE_SHAPES = {"W1": (5, 4), "b1": (5, 1), "W2": (3, 5), "b2": (3, 1), "W3": (1, 3), "b3": (1, 1)}

GRADIENT_KEYS = tuple("d" + key for key in PARAMETER_KEYS)


def _scalar(value, name: str) -> float:
    if isinstance(value, bool) or np.ndim(value) != 0:
        raise ValueError(f"{name} must be a real number (the 1-D example); got {value!r}.")
    value = check_array(value, name)
    return value.item()


def forward_propagation(x, theta):
    """The 1-D "network": ``J(θ) = θ · x``.

    Example:
        >>> forward_propagation(2, 4)
        8
    """
    _scalar(x, "x"), _scalar(theta, "theta")
    return theta * x


def backward_propagation(x, theta):
    """The derivative of :func:`forward_propagation` with respect to θ: ``dtheta = x``.

    Example:
        >>> backward_propagation(2, 4)
        2
    """
    _scalar(x, "x"), _scalar(theta, "theta")
    return x


def _difference(grad, gradapprox) -> np.float64:
    numerator = np.linalg.norm(grad - gradapprox)
    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    if denominator == 0:  # both gradients are exactly zero: they agree
        return np.float64(0.0)
    return np.float64(numerator / denominator)


def _report(difference: float, print_msg: bool) -> None:
    if not print_msg:
        return
    if difference > THRESHOLD:
        print(f"There is a mistake in the backward propagation! difference = {difference}")
    else:
        print(f"Your backward propagation works perfectly fine! difference = {difference}")


def gradient_check(x, theta, epsilon: float = 1e-7, print_msg: bool = False) -> float:
    """Check :func:`backward_propagation` against ``(J(θ+ε) − J(θ−ε)) / (2ε)``.

    Args:
        x: the input, a real number.
        theta: the parameter, a real number.
        epsilon: the step ε of the centred difference.
        print_msg: print whether the backward pass is right (``difference <= 2e-7``).

    Returns:
        The relative ``difference``.

    Example:
        >>> difference = gradient_check(3, 4, print_msg=True)
        Your backward propagation works perfectly fine! difference = 7.814075313343006e-11
        >>> float(difference)
        7.814075313343006e-11
    """
    check_positive(epsilon, "epsilon")
    theta_plus = theta + epsilon
    theta_minus = theta - epsilon
    J_plus = forward_propagation(x, theta_plus)
    J_minus = forward_propagation(x, theta_minus)
    gradapprox = (J_plus - J_minus) / (2 * epsilon)
    grad = backward_propagation(x, theta)
    difference = _difference(grad, gradapprox)
    _report(difference, print_msg)
    return difference


def forward_propagation_n(X, Y, parameters: dict) -> tuple[float, tuple]:
    """The 3-layer forward pass and its cost ``1/m · Σ −[y log a + (1 − y) log(1 − a)]``.

    Args:
        X: inputs (n_x, m); the lab's test case has n_x = 4, m = 3.
        Y: labels (1, m).
        parameters: ``W1 … b3`` of a 3-layer network (the lab's is ``[4, 5, 3, 1]``).

    Returns:
        ``(cost, cache)`` with ``cache = (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)``.

    Example:
        >>> cost, cache = forward_propagation_n(*gradient_check_n_test_case())
        >>> float(round(cost, 8))
        2.40783339
    """
    X, Y = check_X_Y(X, Y)
    return _forward_n(X, Y, check_parameters(parameters, X.shape[0]))


def _forward_n(X: np.ndarray, Y: np.ndarray, parameters: dict) -> tuple[float, tuple]:
    m = X.shape[1]
    A3, cache = forward(X, parameters)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_probs = np.multiply(-np.log(A3), Y) + np.multiply(-np.log(1 - A3), 1 - Y)
    cost = 1.0 / m * np.sum(log_probs)
    return np.float64(cost), cache


def backward_propagation_n(X, Y, cache: tuple, buggy: bool = False) -> dict[str, np.ndarray]:
    """Gradients of :func:`forward_propagation_n`'s cost.

    Args:
        X: inputs (n_x, m).
        Y: labels (1, m).
        cache: the cache of :func:`forward_propagation_n`.
        buggy: return the lab's deliberately wrong version (``dW2`` multiplied by 2, ``db1``
            with ``4./m`` instead of ``1./m``), for :func:`gradient_check_n` to catch. The
            default gives the correct gradients.

    Returns:
        ``{"dZ3", "dW3", "db3", "dA2", "dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1"}``.

    Example:
        >>> X, Y, parameters = gradient_check_n_test_case()
        >>> cost, cache = forward_propagation_n(X, Y, parameters)
        >>> right = backward_propagation_n(X, Y, cache)
        >>> wrong = backward_propagation_n(X, Y, cache, buggy=True)
        >>> bool(np.allclose(wrong["dW2"], 2 * right["dW2"]))
        True
    """
    X, Y = check_X_Y(X, Y)
    cache = check_cache(cache, X, Y)
    gradients = backward(X, Y, cache)
    if buggy:
        m = X.shape[1]
        gradients["dW2"] = 1.0 / m * np.dot(gradients["dZ2"], cache[1].T) * 2
        gradients["db1"] = 4.0 / m * np.sum(gradients["dZ1"], axis=1, keepdims=True)
    return gradients


def _stack(arrays: Mapping, keys) -> np.ndarray:
    return np.concatenate([np.reshape(arrays[key], (-1, 1)) for key in keys], axis=0)


def dictionary_to_vector(parameters: dict) -> tuple[np.ndarray, list[str]]:
    """Stack ``W1, b1, W2, b2, W3, b3`` (each reshaped to a column) into one (n, 1) vector.

    Returns:
        ``(theta, keys)``: the vector and, for each of its entries, the name of the parameter
        it came from.

    Example:
        >>> theta, keys = dictionary_to_vector(gradient_check_n_test_case()[2])
        >>> theta.shape, keys[19:21]
        ((47, 1), ['W1', 'b1'])
    """
    parameters = check_parameters(parameters)
    keys = [key for key in PARAMETER_KEYS for _ in range(parameters[key].size)]
    return _stack(parameters, PARAMETER_KEYS), keys


def vector_to_dictionary(theta, shapes: Mapping[str, tuple[int, int]] | None = None) -> dict:
    """Unroll a vector from :func:`dictionary_to_vector` back into ``W1 … b3``.

    Args:
        theta: the (n, 1) vector.
        shapes: the parameters' shapes; by default the lab's ``[4, 5, 3, 1]`` network
            (``W1`` (5, 4), ``b1`` (5, 1), ``W2`` (3, 5), ``b2`` (3, 1), ``W3`` (1, 3),
            ``b3`` (1, 1), 47 numbers).

    Example:
        >>> parameters = vector_to_dictionary(np.arange(47.0).reshape(-1, 1))
        >>> parameters["b3"]
        array([[46.]])
    """
    shapes = dict(COURSE_SHAPES if shapes is None else shapes)
    theta = check_array(theta, "theta", finite=False)
    sizes = [int(np.prod(shapes[key])) for key in PARAMETER_KEYS]
    if theta.size != sum(sizes):
        raise ValueError(
            f"theta has {theta.size} entries but parameters of shapes "
            f"{[shapes[key] for key in PARAMETER_KEYS]} need {sum(sizes)}."
        )
    theta = theta.reshape(-1)
    parameters, start = {}, 0
    for key, size in zip(PARAMETER_KEYS, sizes):
        parameters[key] = theta[start : start + size].reshape(shapes[key])
        start += size
    return parameters


def gradients_to_vector(gradients: dict) -> np.ndarray:
    """Stack ``dW1, db1, dW2, db2, dW3, db3`` into one (n, 1) vector (same order as θ).

    Example:
        >>> gradients_to_vector({k: np.ones((2, 2)) for k in GRADIENT_KEYS}).shape
        (24, 1)
    """
    missing = [key for key in GRADIENT_KEYS if key not in gradients]
    if missing:
        raise KeyError(f"gradients lacks {missing}; expected {list(GRADIENT_KEYS)}.")
    return _stack(gradients, GRADIENT_KEYS)


def _check_gradients(gradients, parameters: dict) -> np.ndarray:
    missing = [key for key in GRADIENT_KEYS if key not in gradients]
    if missing:
        raise KeyError(f"gradients lacks {missing}; expected {list(GRADIENT_KEYS)}.")
    for key in PARAMETER_KEYS:
        if np.shape(gradients["d" + key]) != parameters[key].shape:
            raise ValueError(
                f"gradients['d{key}'] has shape {np.shape(gradients['d' + key])} but "
                f"parameters['{key}'] has {parameters[key].shape}."
            )
        if not np.all(np.isfinite(gradients["d" + key])):
            raise ValueError(
                f"gradients['d{key}'] contains NaN or infinity: the backward pass overflowed "
                "or divided by zero, so there is nothing to check; fix it first."
            )
    return gradients_to_vector(gradients)


def approximate_gradients(parameters: dict, X: np.ndarray, Y: np.ndarray, epsilon: float = 1e-7):
    """``(J(θ + ε e_i) − J(θ − ε e_i)) / (2ε)`` for every entry i of θ, as an (n, 1) vector.

    Unchecked: :func:`gradient_check_n` checks the inputs before calling it.
    """
    theta, _ = dictionary_to_vector(parameters)
    shapes = {key: value.shape for key, value in parameters.items()}
    approx = np.zeros_like(theta)
    for i in range(theta.shape[0]):
        plus, minus = np.copy(theta), np.copy(theta)
        plus[i] += epsilon
        minus[i] -= epsilon
        J_plus, _ = _forward_n(X, Y, vector_to_dictionary(plus, shapes))
        J_minus, _ = _forward_n(X, Y, vector_to_dictionary(minus, shapes))
        approx[i] = (J_plus - J_minus) / (2 * epsilon)
    return approx


def gradient_check_n(
    parameters: dict, gradients: dict, X, Y, epsilon: float = 1e-7, print_msg: bool = False
) -> float:
    """Check the gradients of a 3-layer network against centred differences of its cost.

    Perturbs each of the n entries of θ (from :func:`dictionary_to_vector`) by ±ε and runs
    :func:`forward_propagation_n` twice for it: 2n forward passes.

    Args:
        parameters: ``W1 … b3``.
        gradients: the backward pass's ``dW1 … db3`` (other keys are ignored).
        X: inputs (n_x, m).
        Y: labels (1, m).
        epsilon: the step ε.
        print_msg: print whether the backward pass is right (``difference <= 2e-7``).

    Returns:
        The relative ``difference``.

    Raises:
        ValueError: gradients of the wrong shape or not finite, or a non-finite cost.

    Example:
        >>> X, Y, parameters = gradient_check_n_test_case()
        >>> cost, cache = forward_propagation_n(X, Y, parameters)
        >>> gradients = backward_propagation_n(X, Y, cache, buggy=True)
        >>> difference = gradient_check_n(parameters, gradients, X, Y, print_msg=True)
        There is a mistake in the backward propagation! difference = 0.28509315677616...
    """
    X, Y = check_X_Y(X, Y)
    check_positive(epsilon, "epsilon")
    parameters = check_parameters(parameters, X.shape[0])
    grad = _check_gradients(gradients, parameters)
    gradapprox = approximate_gradients(parameters, X, Y, epsilon)
    if not np.all(np.isfinite(gradapprox)):
        bad = int(np.argmin(np.isfinite(gradapprox).ravel()))
        raise ValueError(
            f"the cost is not finite around θ[{bad}] (log of a saturated output): centred "
            "differences are meaningless there; use smaller weights or another point."
        )
    difference = _difference(grad, gradapprox)
    _report(difference, print_msg)
    return difference


def gradient_check_n_test_case() -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """The lab's test case: ``np.random.seed(1)``; X (4, 3), Y ``[[1, 1, 0]]``, then W1, b1,
    W2, b2, W3, b3 of a ``[4, 5, 3, 1]`` network drawn with ``randn`` in that order.

    Returns:
        ``(X, Y, parameters)``.
    """
    np.random.seed(1)
    x = np.random.randn(4, 3)
    y = np.array([[1, 1, 0]])
    W1 = np.random.randn(5, 4)
    b1 = np.random.randn(5, 1)
    W2 = np.random.randn(3, 5)
    b2 = np.random.randn(3, 1)
    W3 = np.random.randn(1, 3)
    b3 = np.random.randn(1, 1)
    return x, y, {"W1": W1, "b1": b1, "W2": W2, "b2": b2, "W3": W3, "b3": b3}
