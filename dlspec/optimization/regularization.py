"""C2W1A2 "Regularization": L2 weight decay and inverted dropout on the French football data.

The 3-layer network ``[n_x, 20, 3, 1]`` and its forward / backward passes are the shared ones of
:mod:`dlspec.optimization.three_layer` (the course's ``reg_utils``: ``forward_propagation``,
``compute_cost``, ``predict`` and ``predict_dec`` are re-exported from there); the lab's
functions add the L2 term or the dropout masks. The Keras twins of the lab's three runs are in
:mod:`dlspec.optimization.keras_regularized`; the runs themselves in
:mod:`dlspec.optimization.runs.regularization`.
"""

from __future__ import annotations

from numbers import Real

import numpy as np

from dlspec.optimization.three_layer import (
    backward,
    check_cache,
    check_parameters,
    compute_cost,
    forward,
    forward_propagation,
    initialize_parameters_scaled,
    predict,
    predict_dec,
    update_parameters,
)
from dlspec.validation import check_array, check_positive, check_X_Y

__all__ = [
    "initialize_parameters",
    "forward_propagation",
    "backward_propagation",
    "compute_cost",
    "compute_cost_with_regularization",
    "backward_propagation_with_regularization",
    "forward_propagation_with_dropout",
    "backward_propagation_with_dropout",
    "check_keep_prob",
    "check_lambd",
    "model",
    "train",
    "predict",
    "predict_dec",
]


def check_keep_prob(keep_prob) -> float:
    """Return ``keep_prob`` as a float after checking ``0 < keep_prob <= 1``."""
    if isinstance(keep_prob, bool) or not isinstance(keep_prob, Real) or not 0 < keep_prob <= 1:
        raise ValueError(
            f"keep_prob is the probability of keeping a unit and must be in (0, 1]; got "
            f"{keep_prob!r} (keep_prob=1 means no dropout)."
        )
    return float(keep_prob)


def check_lambd(lambd) -> float:
    """Return ``lambd`` as a float after checking ``lambd >= 0`` (finite)."""
    if (
        isinstance(lambd, bool)
        or not isinstance(lambd, Real)
        or not np.isfinite(lambd)
        or lambd < 0
    ):
        raise ValueError(
            f"lambd is the L2 strength and must be a finite number >= 0; got {lambd!r} "
            "(0 means no L2 regularization)."
        )
    return float(lambd)


def initialize_parameters(layer_dims) -> dict[str, np.ndarray]:
    """``reg_utils.initialize_parameters``: ``np.random.seed(3)``; ``W_l = randn / sqrt(n_{l-1})``.

    Biases are zeros. Reseeds numpy's global generator, like the course.

    Example:
        >>> initialize_parameters([2, 20, 3, 1])["W3"]
        array([[ 0.5047691 , -0.74682372, -0.04603845]])
    """
    return initialize_parameters_scaled(layer_dims, divide_by=np.sqrt)


def backward_propagation(X, Y, cache: tuple) -> dict[str, np.ndarray]:
    """The unregularized backward pass of ``reg_utils``: ``dZ3 = A3 - Y``, ``dW = 1/m dZ Aᵀ``.

    Returns:
        ``{"dZ3", "dW3", "db3", "dA2", "dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1"}``.
    """
    return backward_propagation_with_regularization(X, Y, cache, 0)


def compute_cost_with_regularization(A3, Y, parameters: dict, lambd: float) -> float:
    """Cross-entropy plus the L2 penalty ``lambd / (2m) · (ΣW1² + ΣW2² + ΣW3²)``.

    Args:
        A3: the network's output (1, m).
        Y: labels (1, m).
        parameters: ``W1 … b3`` (biases are not penalised).
        lambd: L2 strength λ >= 0.

    Returns:
        The regularized cost, an ``np.float64`` as the course's (a float with ``.shape == ()``).

    Example:
        >>> parameters = initialize_parameters([2, 20, 3, 1])
        >>> cost = compute_cost_with_regularization(np.array([[0.5, 0.5]]), np.array([[1, 0]]),
        ...                                         parameters, 0.7)
        >>> type(cost).__name__, float(round(cost, 8))
        ('float64', 5.09325646)
    """
    A3, Y = check_X_Y(A3, Y)
    lambd = check_lambd(lambd)
    parameters = check_parameters(parameters)
    m = Y.shape[1]
    cross_entropy_cost = compute_cost(A3, Y)
    L2_regularization_cost = _l2_penalty(parameters, lambd, m)
    return np.float64(cross_entropy_cost + L2_regularization_cost)


def _l2_penalty(parameters: dict, lambd: float, m: int) -> float:
    """``(1/m) · (lambd/2) · (ΣW1² + ΣW2² + ΣW3²)``, in the course's order of operations."""
    W1, W2, W3 = parameters["W1"], parameters["W2"], parameters["W3"]
    sum_of_squares = np.sum(np.square(W1)) + np.sum(np.square(W2)) + np.sum(np.square(W3))
    return (1 / m) * (lambd / 2) * sum_of_squares


def _check_backward_inputs(X, Y, cache, length: int) -> tuple[np.ndarray, np.ndarray, tuple]:
    X, Y = check_X_Y(X, Y)
    return X, Y, check_cache(cache, X, Y, length)


def backward_propagation_with_regularization(X, Y, cache: tuple, lambd: float) -> dict:
    """The backward pass of the L2-regularized cost: ``dW_l += lambd / m · W_l``.

    ``dZ3 = A3 - Y``; ``dW_l = 1/m · dZ_l A_{l-1}ᵀ + lambd/m · W_l``; ``db_l = 1/m · Σ dZ_l``;
    ``dZ_l = dA_l · (A_l > 0)``.

    Args:
        X: inputs (n_x, m).
        Y: labels (1, m).
        cache: the 12-tuple of :func:`forward_propagation`.
        lambd: L2 strength λ >= 0.

    Returns:
        ``{"dZ3", "dW3", "db3", "dA2", "dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1"}``.

    Example:
        >>> np.random.seed(1)
        >>> X, Y = np.random.randn(2, 5), np.array([[1, 1, 0, 1, 0]])
        >>> A3, cache = forward_propagation(X, initialize_parameters([2, 20, 3, 1]))
        >>> grads = backward_propagation_with_regularization(X, Y, cache, lambd=0.7)
        >>> grads["dW3"].shape
        (1, 3)
    """
    X, Y, cache = _check_backward_inputs(X, Y, cache, 12)
    return backward(X, Y, cache, lambd=check_lambd(lambd))


def _dropout_masks(shapes, keep_prob: float) -> tuple[np.ndarray, ...]:
    """The course's masks: ``np.random.seed(1)``, then ``rand(*shape) < keep_prob`` per layer.

    Drawing D2 before A2 is computed draws the same numbers as the course (no other draw
    comes between), so the masks can be made up front.
    """
    np.random.seed(1)
    return tuple(np.random.rand(*shape) < keep_prob for shape in shapes)


def forward_propagation_with_dropout(X, parameters: dict, keep_prob: float = 0.5):
    """The forward pass with inverted dropout on the two hidden layers.

    Like the course it calls ``np.random.seed(1)`` first, so every call (every iteration of
    :func:`model`) drops the same units. For layer l = 1, 2: ``D_l = rand(*A_l.shape)
    < keep_prob``; ``A_l = A_l · D_l / keep_prob``. The output layer is not dropped.

    Args:
        X: inputs (n_x, m).
        parameters: ``W1 … b3``.
        keep_prob: probability of keeping a hidden unit, in (0, 1].

    Returns:
        ``(A3, cache)`` with ``cache = (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3,
        b3)``; ``D1``, ``D2`` are boolean masks.

    Example:
        >>> np.random.seed(1)
        >>> X = np.random.randn(2, 5)
        >>> A3, cache = forward_propagation_with_dropout(X, initialize_parameters([2, 20, 3, 1]),
        ...                                              keep_prob=0.86)
        >>> cache[1].shape, cache[1].dtype
        ((20, 5), dtype('bool'))
    """
    X = check_array(X, "X", ndim=2)
    parameters = check_parameters(parameters, X.shape[0])
    keep_prob = check_keep_prob(keep_prob)
    m = X.shape[1]
    masks = _dropout_masks(
        [(parameters["W1"].shape[0], m), (parameters["W2"].shape[0], m)], keep_prob
    )
    return _dropout_forward(X, parameters, masks, keep_prob)


def _dropout_forward(X, parameters, masks, keep_prob):
    A3, (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3) = forward(X, parameters, masks, keep_prob)
    D1, D2 = masks
    return A3, (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3)


def backward_propagation_with_dropout(X, Y, cache: tuple, keep_prob: float) -> dict:
    """The backward pass through the same dropout masks: ``dA_l = dA_l · D_l / keep_prob``.

    Args:
        X: inputs (n_x, m).
        Y: labels (1, m).
        cache: the 14-tuple of :func:`forward_propagation_with_dropout`.
        keep_prob: the keep probability of the forward pass.

    Returns:
        ``{"dZ3", "dW3", "db3", "dA2", "dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1"}``.

    Example:
        >>> np.random.seed(1)
        >>> X, Y = np.random.randn(2, 5), np.array([[1, 1, 0, 1, 0]])
        >>> parameters = initialize_parameters([2, 20, 3, 1])
        >>> A3, cache = forward_propagation_with_dropout(X, parameters, keep_prob=0.8)
        >>> grads = backward_propagation_with_dropout(X, Y, cache, keep_prob=0.8)
        >>> grads["dA1"].shape
        (20, 5)
    """
    X, Y, cache = _check_backward_inputs(X, Y, cache, 14)
    keep_prob = check_keep_prob(keep_prob)
    (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3) = cache
    for name, D, A in (("D1", D1, A1), ("D2", D2, A2)):
        if np.shape(D) != np.shape(A):
            raise ValueError(f"cache's mask {name} has shape {np.shape(D)}, its layer {A.shape}.")
    plain = (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)
    return backward(X, Y, plain, masks=(D1, D2), keep_prob=keep_prob)


def _check_regularization(lambd, keep_prob) -> tuple[float, float]:
    lambd, keep_prob = check_lambd(lambd), check_keep_prob(keep_prob)
    if lambd != 0 and keep_prob < 1:
        raise ValueError(
            f"use L2 (lambd={lambd!r}) or dropout (keep_prob={keep_prob!r}), not both: the lab's "
            "model trains one technique at a time. Set lambd=0 or keep_prob=1."
        )
    return lambd, keep_prob


def train(
    X,
    Y,
    learning_rate: float,
    num_iterations: int,
    print_cost: bool,
    lambd: float,
    keep_prob: float,
) -> tuple[dict[str, np.ndarray], list[float]]:
    """:func:`model`, also returning the cost every 1000 iterations."""
    X, Y = check_X_Y(X, Y)
    check_positive(learning_rate, "learning_rate")
    check_positive(num_iterations, "num_iterations", integer=True)
    lambd, keep_prob = _check_regularization(lambd, keep_prob)
    layers_dims = [X.shape[0], 20, 3, 1]
    parameters = initialize_parameters(layers_dims)
    m = X.shape[1]
    masks = None
    if keep_prob < 1:  # the same masks every iteration, as the course's np.random.seed(1) gives
        masks = _dropout_masks([(20, m), (3, m)], keep_prob)
    costs = []
    for i in range(num_iterations):
        if masks is None:
            A3, cache = forward(X, parameters)
        else:
            A3, cache = forward(X, parameters, masks, keep_prob)
        cost = compute_cost(A3, Y)
        if lambd != 0:
            cost += _l2_penalty(parameters, lambd, m)
        grads = backward(X, Y, cache, lambd=lambd, masks=masks, keep_prob=keep_prob)
        parameters = update_parameters(parameters, grads, learning_rate)
        if print_cost and i % 10000 == 0:
            print(f"Cost after iteration {i}: {cost}")
        if i % 1000 == 0:
            costs.append(float(cost))
    return parameters, costs


def model(
    X,
    Y,
    learning_rate: float = 0.3,
    num_iterations: int = 30000,
    print_cost: bool = True,
    lambd: float = 0,
    keep_prob: float = 1,
) -> dict[str, np.ndarray]:
    """Train the 3-layer network ``[n_x, 20, 3, 1]`` with L2 (``lambd``) or dropout.

    Gradient descent on the whole training set; ``lambd > 0`` uses
    :func:`compute_cost_with_regularization` / :func:`backward_propagation_with_regularization`,
    ``keep_prob < 1`` the dropout passes (the same masks every iteration, as in the course).

    Args:
        X: inputs (2, m), the football positions.
        Y: labels (1, m).
        learning_rate: gradient-descent step.
        num_iterations: number of steps.
        print_cost: print the cost every 10000 iterations.
        lambd: L2 strength λ >= 0.
        keep_prob: dropout keep probability in (0, 1]; 1 means no dropout.

    Returns:
        The learnt parameters.

    Raises:
        ValueError: both ``lambd > 0`` and ``keep_prob < 1`` (the lab uses one at a time), or
            out-of-range values.

    Example:
        >>> train_X, train_Y, test_X, test_Y = load_2D_dataset()  # doctest: +SKIP
        >>> parameters = model(train_X, train_Y, lambd=0.7)  # doctest: +SKIP
        Cost after iteration 0: 0.6974484493131264
        ...
    """
    parameters, _ = train(X, Y, learning_rate, num_iterations, print_cost, lambd, keep_prob)
    return parameters
