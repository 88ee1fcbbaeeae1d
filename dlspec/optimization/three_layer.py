"""The 3-layer network shared by Course 2's labs (the course's ``init_utils``, ``reg_utils``,
``gc_utils`` and ``opt_utils``): LINEAR → RELU → LINEAR → RELU → LINEAR → SIGMOID.

One forward and one backward implementation serve the initialization, regularization, gradient
checking and optimization labs; the labs' own variants (L2 penalty, dropout masks, the gradient
checking lab's deliberate bugs) are options of the same two functions.

Caches are the course's tuple ``(Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)``. The course's
helper files differ in two details kept here on purpose, because learners compare against them:

- ``init_utils`` / ``opt_utils`` scale the output error first (``dz3 = 1/m · (a3 - Y)``, then
  ``dW = dz · aᵀ``) and name the gradients in lowercase (``"dz3"``, ``"da2"``);
  ``reg_utils`` / ``gc_utils`` write ``dZ3 = A3 - Y`` and ``dW = 1/m · dZ · Aᵀ`` with
  uppercase names (``"dZ3"``, ``"dA2"``). Both are the same gradient up to rounding;
  :func:`backward_propagation` is the first, ``backward(..., scale_output_error=False)`` the
  second.
- the costs: :func:`compute_loss` (``init_utils``) and :func:`compute_cost` (``reg_utils``) are
  the mean cross-entropy with ``np.nansum``; :func:`compute_cost_sum` (``opt_utils``) returns
  the *sum* over the mini-batch, which the optimization lab divides by m at the end of an epoch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from dlspec.foundations.deep_nn_step_by_step import update_parameters
from dlspec.foundations.planar_classification import sigmoid
from dlspec.validation import check_array, check_layer_dims, check_X_Y

__all__ = [
    "PARAMETER_KEYS",
    "sigmoid",
    "relu",
    "check_parameters",
    "check_cache",
    "initialize_parameters_scaled",
    "forward_propagation",
    "forward",
    "backward_propagation",
    "backward",
    "compute_loss",
    "compute_cost",
    "compute_cost_sum",
    "logprobs",
    "update_parameters",
    "predict",
    "predict_dec",
    "accuracy",
]

PARAMETER_KEYS = ("W1", "b1", "W2", "b2", "W3", "b3")


def relu(x) -> np.ndarray:
    """ReLU ``max(0, x)`` (the course's helper returns the array only, no cache).

    Example:
        >>> relu(np.array([-1.0, 0.0, 2.0]))
        array([0., 0., 2.])
    """
    return np.maximum(0, x)


def check_parameters(parameters, n_x: int | None = None) -> dict[str, np.ndarray]:
    """Check a 3-layer parameter dict: keys ``W1 … b3``, shapes that chain, finite values.

    Args:
        parameters: ``{"W1": (n1, n_x), "b1": (n1, 1), "W2": (n2, n1), "b2": (n2, 1),
            "W3": (n3, n2), "b3": (n3, 1)}``.
        n_x: the number of input rows ``W1`` must take, if known.

    Returns:
        The dict with every value as an ndarray.

    Raises:
        KeyError: a key is missing. ValueError: shapes do not chain, or NaN / infinity.

    Example:
        >>> p = check_parameters({"W1": np.ones((4, 2)), "b1": np.zeros((4, 1)),
        ...                       "W2": np.ones((3, 4)), "b2": np.zeros((3, 1)),
        ...                       "W3": np.ones((1, 3)), "b3": np.zeros((1, 1))}, n_x=2)
    """
    if not hasattr(parameters, "keys"):
        raise TypeError(f"parameters must be a dict of arrays; got {type(parameters).__name__}.")
    missing = [k for k in PARAMETER_KEYS if k not in parameters]
    if missing:
        raise KeyError(
            f"parameters lacks {missing}; a 3-layer network needs {list(PARAMETER_KEYS)}."
        )
    checked = {}
    n_prev = n_x
    for l in (1, 2, 3):
        W = check_array(parameters[f"W{l}"], f"W{l}", shape=(None, n_prev))
        b = check_array(parameters[f"b{l}"], f"b{l}", shape=(W.shape[0], 1))
        checked[f"W{l}"], checked[f"b{l}"] = W, b
        n_prev = W.shape[0]
    return checked


def initialize_parameters_scaled(
    layers_dims: Sequence[int],
    scale: Callable[[int], float] | None = None,
    *,
    divide_by: Callable[[int], float] | None = None,
    seed: int = 3,
) -> dict[str, np.ndarray]:
    """``np.random.seed(seed)``; ``W_l = randn(n_l, n_{l-1}) · scale(n_{l-1})``; zero biases.

    The draw shared by the course's seeded initialisations: random ``· 10``, He
    ``· sqrt(2 / n)``, and ``reg_utils``' ``/ sqrt(n)`` (pass ``divide_by``: dividing rounds
    differently from multiplying by the inverse, and the course divides). Reseeds numpy's
    global generator, like the course.

    Example:
        >>> initialize_parameters_scaled([2, 1], lambda n: 1.0)["W1"]
        array([[1.78862847, 0.43650985]])
        >>> initialize_parameters_scaled([2, 1], divide_by=np.sqrt)["W1"]
        array([[1.26475132, 0.30865908]])
    """
    dims = check_layer_dims(layers_dims)
    if (scale is None) == (divide_by is None):
        raise ValueError("pass exactly one of scale (a multiplier) and divide_by (a divisor).")
    np.random.seed(seed)
    parameters = {}
    for l in range(1, len(dims)):
        W = np.random.randn(dims[l], dims[l - 1])
        n_prev = dims[l - 1]
        parameters[f"W{l}"] = W * scale(n_prev) if scale is not None else W / divide_by(n_prev)
        parameters[f"b{l}"] = np.zeros((dims[l], 1))
    return parameters


def forward(
    X: np.ndarray,
    parameters: dict,
    masks: tuple[np.ndarray, np.ndarray] | None = None,
    keep_prob: float = 1.0,
) -> tuple[np.ndarray, tuple]:
    """The forward pass without input checks (for training loops that check once).

    With ``masks = (D1, D2)`` the hidden activations are dropped out as the regularization
    lab does: ``A = A · D``, then ``A = A / keep_prob``.

    Returns:
        ``(A3, cache)`` with the 12-tuple cache (dropped-out ``A1``, ``A2`` when masked).
    """
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    W3, b3 = parameters["W3"], parameters["b3"]
    Z1 = np.dot(W1, X) + b1
    A1 = relu(Z1)
    if masks is not None:
        A1 = A1 * masks[0]
        A1 = A1 / keep_prob
    Z2 = np.dot(W2, A1) + b2
    A2 = relu(Z2)
    if masks is not None:
        A2 = A2 * masks[1]
        A2 = A2 / keep_prob
    Z3 = np.dot(W3, A2) + b3
    A3 = sigmoid(Z3)
    return A3, (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)


def forward_propagation(X, parameters: dict) -> tuple[np.ndarray, tuple]:
    """LINEAR → RELU → LINEAR → RELU → LINEAR → SIGMOID.

    Args:
        X: input (n_x, m).
        parameters: ``W1, b1, W2, b2, W3, b3`` (see :func:`check_parameters`).

    Returns:
        ``(a3, cache)``: the output (1, m) and
        ``cache = (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3)``.

    Example:
        >>> np.random.seed(1)
        >>> parameters = initialize_parameters_scaled([2, 4, 3, 1], lambda n: 1.0)
        >>> a3, cache = forward_propagation(np.random.randn(2, 5), parameters)
        >>> a3.shape, len(cache)
        ((1, 5), 12)
    """
    X = check_array(X, "X", ndim=2)
    return forward(X, check_parameters(parameters, X.shape[0]))


def _layer_grads(dZ, A_prev, W, m: int, lambd: float, scaled: bool):
    if scaled:  # dZ already holds the 1/m
        dW = np.dot(dZ, A_prev.T)
        db = np.sum(dZ, axis=1, keepdims=True)
    else:
        dW = 1.0 / m * np.dot(dZ, A_prev.T)
        db = 1.0 / m * np.sum(dZ, axis=1, keepdims=True)
    if lambd:
        dW = dW + (lambd * W) / m
    return dW, db


def backward(
    X: np.ndarray,
    Y: np.ndarray,
    cache: tuple,
    *,
    lambd: float = 0.0,
    masks: tuple[np.ndarray, np.ndarray] | None = None,
    keep_prob: float = 1.0,
    scale_output_error: bool = False,
) -> dict[str, np.ndarray]:
    """The backward pass of every Course 2 lab, without input checks.

    ``dZ3 = A3 - Y``; ``dW_l = 1/m · dZ_l · A_{l-1}ᵀ (+ lambd/m · W_l)``;
    ``db_l = 1/m · Σ dZ_l``; ``dA_l = W_{l+1}ᵀ dZ_{l+1}`` (``· D_l / keep_prob`` with dropout
    masks); ``dZ_l = dA_l · (A_l > 0)``.

    Args:
        X, Y: the batch (n_x, m) and its labels (1, m).
        cache: the 12-tuple of :func:`forward`.
        lambd: L2 strength (the regularization lab's ``lambd``); 0 for none.
        masks: the dropout masks ``(D1, D2)`` of the forward pass, or None.
        keep_prob: the dropout keep probability used with ``masks``.
        scale_output_error: compute ``dZ3 = 1/m · (A3 - Y)`` first, as ``init_utils`` and
            ``opt_utils`` do (same gradient up to rounding).

    Returns:
        ``{"dZ3", "dW3", "db3", "dA2", "dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1"}``.
    """
    m = X.shape[1]
    (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3) = cache
    dZ3 = 1.0 / m * (A3 - Y) if scale_output_error else A3 - Y
    dW3, db3 = _layer_grads(dZ3, A2, W3, m, lambd, scale_output_error)
    dA2 = np.dot(W3.T, dZ3)
    if masks is not None:
        dA2 = dA2 * masks[1]
        dA2 = dA2 / keep_prob
    dZ2 = np.multiply(dA2, np.int64(A2 > 0))
    dW2, db2 = _layer_grads(dZ2, A1, W2, m, lambd, scale_output_error)
    dA1 = np.dot(W2.T, dZ2)
    if masks is not None:
        dA1 = dA1 * masks[0]
        dA1 = dA1 / keep_prob
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))
    dW1, db1 = _layer_grads(dZ1, X, W1, m, lambd, scale_output_error)
    return {
        "dZ3": dZ3, "dW3": dW3, "db3": db3,
        "dA2": dA2, "dZ2": dZ2, "dW2": dW2, "db2": db2,
        "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1,
    }  # fmt: skip


def check_cache(cache, X: np.ndarray, Y: np.ndarray, length: int = 12) -> tuple:
    """Check a forward cache's length and that its activations have X's m columns."""
    if not isinstance(cache, tuple | list) or len(cache) != length:
        got = len(cache) if isinstance(cache, tuple | list) else type(cache).__name__
        raise ValueError(
            f"cache must be the {length}-tuple returned by the forward pass; got {got} items."
        )
    m = X.shape[1]
    for name, value in (("first", cache[0]), ("output", cache[-3])):
        if np.ndim(value) != 2 or np.shape(value)[1] != m:
            raise ValueError(
                f"cache's {name} activation has shape {np.shape(value)} but X has m={m} "
                "columns: pass the cache of a forward pass on this X."
            )
    if np.shape(cache[-3]) != Y.shape:
        raise ValueError(f"Y has shape {Y.shape} but the output A3 is {np.shape(cache[-3])}.")
    return tuple(cache)


def backward_propagation(X, Y, cache: tuple) -> dict[str, np.ndarray]:
    """The backward pass of ``init_utils`` / ``opt_utils``: gradients of the mean cost.

    ``dz3 = 1/m · (a3 - Y)``, ``dW = dz · aᵀ``, ``db = Σ dz``; relu' ``= (a > 0)``.

    Returns:
        ``{"dz3", "dW3", "db3", "da2", "dz2", "dW2", "db2", "da1", "dz1", "dW1", "db1"}``
        (lowercase names, as in the course's helper file).

    Example:
        >>> np.random.seed(1)
        >>> X, Y = np.random.randn(2, 5), np.array([[1, 0, 1, 0, 1]])
        >>> parameters = initialize_parameters_scaled([2, 4, 3, 1], lambda n: 1.0)
        >>> grads = backward_propagation(X, Y, forward_propagation(X, parameters)[1])
        >>> grads["dW1"].shape, grads["db3"].shape
        ((4, 2), (1, 1))
    """
    X, Y = check_X_Y(X, Y)
    cache = check_cache(cache, X, Y)
    grads = backward(X, Y, cache, scale_output_error=True)
    # init_utils names the activations' gradients in lowercase: dz3, da2 (but dW3, db3)
    return {key.replace("dZ", "dz").replace("dA", "da"): value for key, value in grads.items()}


def _cross_entropy(a3, Y) -> np.ndarray:
    a3, Y = check_X_Y(a3, Y)  # same m; NaN is allowed through np.nansum by the course
    return logprobs(a3, Y)


def logprobs(a3: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Per-example cross-entropy ``-y log a - (1-y) log(1-a)``, unchecked (for inner loops)."""
    with np.errstate(divide="ignore", invalid="ignore"):  # log(0) = -inf, 0·inf = nan
        return np.multiply(-np.log(a3), Y) + np.multiply(-np.log(1 - a3), 1 - Y)


def compute_loss(a3, Y) -> float:
    """Mean cross-entropy ``1/m · nansum(-y log a - (1-y) log(1-a))`` (``init_utils``).

    ``np.nansum`` drops the ``0 · log 0`` terms of saturated outputs; a confidently wrong one
    still gives ``inf`` (the "random ×10" initialisation's first cost).

    Example:
        >>> compute_loss(np.array([[0.9, 0.2]]), np.array([[1, 0]]))
        0.164252033486018
    """
    logprobs = _cross_entropy(a3, Y)
    return float(1.0 / np.shape(Y)[1] * np.nansum(logprobs))


def compute_cost(a3, Y) -> float:
    """The regularization lab's ``compute_cost`` (``reg_utils``): same as :func:`compute_loss`.

    Example:
        >>> compute_cost(np.array([[0.9, 0.2]]), np.array([[1, 0]]))
        0.164252033486018
    """
    return compute_loss(a3, Y)


def compute_cost_sum(a3, Y) -> float:
    """Cross-entropy *summed* over the batch: ``opt_utils``' ``compute_cost``.

    The optimization lab adds this up over the mini-batches of an epoch and divides by m.

    Example:
        >>> compute_cost_sum(np.array([[0.9, 0.2]]), np.array([[1, 0]]))
        0.328504066972036
    """
    return float(np.sum(_cross_entropy(a3, Y)))


def predict(X, y, parameters: dict) -> np.ndarray:
    """0/1 predictions (1, m) of the 3-layer net (``a3 > 0.5``); prints the accuracy.

    Example:
        >>> p = predict(train_X, train_Y, parameters)  # doctest: +SKIP
        Accuracy: 0.9933333333333333
    """
    a3, _ = forward_propagation(X, parameters)
    y = check_array(y, "y", shape=(1, a3.shape[1]))
    p = (a3 > 0.5).astype(int)
    print("Accuracy: " + str(np.mean(p[0, :] == y[0, :])))
    return p


def predict_dec(parameters: dict, X) -> np.ndarray:
    """Boolean predictions ``a3 > 0.5`` (1, m), for plotting decision boundaries.

    Example:
        >>> p = predict_dec(parameters, np.zeros((2, 3)))  # doctest: +SKIP
    """
    a3, _ = forward_propagation(X, parameters)
    return a3 > 0.5


def accuracy(parameters: dict, X, Y) -> float:
    """Fraction of examples ``predict`` gets right, without printing."""
    X, Y = check_X_Y(X, Y)
    a3, _ = forward(X, check_parameters(parameters, X.shape[0]))
    return float(np.mean((a3 > 0.5).astype(int)[0, :] == Y[0, :]))
