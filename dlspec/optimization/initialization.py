"""C2W1A1 "Initialization": zeros, large random and He initialisations of a 3-layer network.

The data are the course's circles (:func:`dlspec.data.toy2d.load_initialization_dataset`); the
network, cost and gradient descent are the shared 3-layer helpers of
:mod:`dlspec.optimization.three_layer` (the course's ``init_utils``). The lab's three trainings
are run by :mod:`dlspec.optimization.runs.initialization`.
"""

from __future__ import annotations

import numpy as np

from dlspec.optimization.three_layer import (
    backward,
    check_parameters,
    compute_loss,
    forward,
    initialize_parameters_scaled,
    update_parameters,
)
from dlspec.validation import check_layer_dims, check_positive, check_X_Y

__all__ = [
    "INITIALIZATIONS",
    "initialize_parameters_zeros",
    "initialize_parameters_random",
    "initialize_parameters_he",
    "model",
    "train",
]

INITIALIZATIONS = ("zeros", "random", "he")


def initialize_parameters_zeros(layers_dims) -> dict[str, np.ndarray]:
    """Every ``W_l`` and ``b_l`` zero: the symmetry the lab shows cannot be broken.

    Example:
        >>> initialize_parameters_zeros([3, 2, 1])["W1"]
        array([[0., 0., 0.],
               [0., 0., 0.]])
    """
    dims = check_layer_dims(layers_dims)
    parameters = {}
    for l in range(1, len(dims)):
        parameters[f"W{l}"] = np.zeros((dims[l], dims[l - 1]))
        parameters[f"b{l}"] = np.zeros((dims[l], 1))
    return parameters


def initialize_parameters_random(layers_dims) -> dict[str, np.ndarray]:
    """Large random weights ``randn(n_l, n_{l-1}) · 10`` after ``np.random.seed(3)``; zero biases.

    Reseeds numpy's global generator, like the course.

    Example:
        >>> initialize_parameters_random([3, 2, 1])["W2"]
        array([[-0.82741481, -6.27000677]])
    """
    return initialize_parameters_scaled(layers_dims, lambda n_prev: 10)


def initialize_parameters_he(layers_dims) -> dict[str, np.ndarray]:
    """He initialisation ``randn(n_l, n_{l-1}) · sqrt(2 / n_{l-1})`` after ``np.random.seed(3)``.

    Reseeds numpy's global generator, like the course. (The optimization lab's
    ``opt_utils.initialize_parameters`` is the same rule.)

    Example:
        >>> initialize_parameters_he([2, 4, 1])["W2"]
        array([[-0.03098412, -0.33744411, -0.92904268,  0.62552248]])
    """
    return initialize_parameters_scaled(layers_dims, lambda n_prev: np.sqrt(2 / n_prev))


_INITIALIZERS = {
    "zeros": initialize_parameters_zeros,
    "random": initialize_parameters_random,
    "he": initialize_parameters_he,
}


def train(
    X, Y, learning_rate: float, num_iterations: int, print_cost: bool, initialization: str
) -> tuple[dict[str, np.ndarray], list[float]]:
    """:func:`model`, also returning the cost every 1000 iterations."""
    if initialization not in _INITIALIZERS:
        raise ValueError(
            f"initialization must be one of {INITIALIZATIONS}; got {initialization!r}."
        )
    X, Y = check_X_Y(X, Y)
    check_positive(learning_rate, "learning_rate")
    check_positive(num_iterations, "num_iterations", integer=True)
    layers_dims = [X.shape[0], 10, 5, 1]
    parameters = check_parameters(_INITIALIZERS[initialization](layers_dims), X.shape[0])
    costs = []
    for i in range(num_iterations):
        a3, cache = forward(X, parameters)
        cost = compute_loss(a3, Y)
        grads = backward(X, Y, cache, scale_output_error=True)
        parameters = update_parameters(parameters, grads, learning_rate)
        if i % 1000 == 0:
            costs.append(cost)
            if print_cost:
                print(f"Cost after iteration {i}: {cost}")
    return parameters, costs


def model(
    X,
    Y,
    learning_rate: float = 0.01,
    num_iterations: int = 15000,
    print_cost: bool = True,
    initialization: str = "he",
) -> dict[str, np.ndarray]:
    """Train the 3-layer network ``[n_x, 10, 5, 1]`` by full-batch gradient descent.

    Args:
        X: inputs (2, m), the circles.
        Y: labels (1, m).
        learning_rate: gradient-descent step.
        num_iterations: number of steps.
        print_cost: print the cost every 1000 iterations.
        initialization: ``"zeros"``, ``"random"`` (×10) or ``"he"``.

    Returns:
        The learnt parameters ``W1 … b3``.

    Example:
        >>> train_X, train_Y, test_X, test_Y = load_initialization_dataset()  # doctest: +SKIP
        >>> parameters = model(train_X, train_Y, initialization="he")  # doctest: +SKIP
        Cost after iteration 0: 0.8830537463419761
        ...
    """
    parameters, _ = train(X, Y, learning_rate, num_iterations, print_cost, initialization)
    return parameters
