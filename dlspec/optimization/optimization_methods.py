"""C2W2A1 "Optimization methods": mini-batch gradient descent, momentum, Adam, learning-rate decay.

The course trains its 3-layer network (LINEAR → RELU → LINEAR → RELU → LINEAR → SIGMOID,
``layers_dims = [2, 5, 2, 1]``) on the "moons" with three update rules and two learning-rate
decays. The forward / backward pass, the summed cost and ``predict`` are the course's
``opt_utils`` helpers in :mod:`dlspec.optimization.three_layer`; this module holds the functions
the lab asks for, with the course's names, signatures and return orders.

The update functions return new dicts and leave their inputs alone (the course's versions rebind
the entries of the dicts they are given; the values are the same). :func:`model` validates its
inputs once and then runs the unchecked step functions, so an epoch costs what the arithmetic
costs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np

from dlspec.optimization.three_layer import (
    backward,
    backward_propagation,
    compute_cost_sum,
    forward,
    forward_propagation,
    initialize_parameters_scaled,
    logprobs,
    predict,
    predict_dec,
)
from dlspec.validation import (
    check_array,
    check_decay,
    check_int,
    check_layer_dims,
    check_positive,
    check_X_Y,
)

compute_cost = compute_cost_sum
"""The lab's ``compute_cost`` (``opt_utils``): cross-entropy *summed* over the mini-batch."""

__all__ = [
    "OPTIMIZERS",
    "initialize_parameters",
    "forward_propagation",
    "backward_propagation",
    "compute_cost",
    "update_parameters_with_gd",
    "random_mini_batches",
    "initialize_velocity",
    "update_parameters_with_momentum",
    "initialize_adam",
    "update_parameters_with_adam",
    "update_lr",
    "schedule_lr_decay",
    "model",
    "train",
    "predict",
    "predict_dec",
]

OPTIMIZERS = ("gd", "momentum", "adam")
"""The values of ``model``'s ``optimizer`` argument."""

_Keys = tuple[tuple[str, str], ...]


# --- validation (public entry points only) ------------------------------------------------------


def _param_keys(parameters: Mapping) -> _Keys:
    """``(("W1", "dW1"), ("b1", "db1"), ...)`` for the course's ``L = len(parameters) // 2``."""
    if not isinstance(parameters, Mapping):
        raise TypeError(
            f"parameters must be a dict {{'W1': ..., 'b1': ..., ...}}; "
            f"got {type(parameters).__name__}."
        )
    L = len(parameters) // 2
    keys = tuple((f"{p}{l}", f"d{p}{l}") for l in range(1, L + 1) for p in "Wb")
    expected = {key for key, _ in keys}
    if L == 0 or set(parameters) != expected:
        raise KeyError(f"parameters must hold W1, b1, ..., WL, bL; got keys {sorted(parameters)}.")
    return keys


def _check_like(parameters: Mapping, other: Mapping, name: str, keys: _Keys) -> None:
    """Every ``other["dW1"]`` ... exists, is finite and has the shape of ``parameters["W1"]``."""
    if not isinstance(other, Mapping):
        raise TypeError(
            f"{name} must be a dict keyed 'dW1', 'db1', ...; got {type(other).__name__}."
        )
    for key, dkey in keys:
        if dkey not in other:
            raise KeyError(f"{name} lacks {dkey!r} (the entry for parameters[{key!r}]).")
        value = check_array(other[dkey], f"{name}[{dkey!r}]")
        want = np.shape(parameters[key])
        if value.shape != want:
            raise ValueError(
                f"{name}[{dkey!r}] has shape {value.shape} but parameters[{key!r}] has shape "
                f"{want}; they must match."
            )


def _check_parameters(parameters: Mapping) -> _Keys:
    keys = _param_keys(parameters)
    for key, _ in keys:
        check_array(parameters[key], f"parameters[{key!r}]", ndim=2)
    return keys


def _check_update(parameters: Mapping, grads: Mapping, learning_rate) -> _Keys:
    keys = _check_parameters(parameters)
    _check_like(parameters, grads, "grads", keys)
    check_positive(learning_rate, "learning_rate")
    return keys


# --- initialisation -----------------------------------------------------------------------------


def initialize_parameters(layers_dims) -> dict[str, np.ndarray]:
    """The lab's He initialisation: ``W_l = randn(n_l, n_{l-1}) · sqrt(2 / n_{l-1})``, b zeros.

    Like the course's ``opt_utils.initialize_parameters`` it calls ``np.random.seed(3)`` first
    (the same numbers as C2W1's ``initialize_parameters_he``).

    Example:
        >>> p = initialize_parameters([2, 5, 2, 1])
        >>> sorted(p), p["W1"].shape, p["b3"].shape
        (['W1', 'W2', 'W3', 'b1', 'b2', 'b3'], (5, 2), (1, 1))
        >>> p["W1"][0].round(8)
        array([1.78862847, 0.43650985])
    """
    return initialize_parameters_scaled(layers_dims, lambda n: np.sqrt(2 / n), seed=3)


def initialize_velocity(parameters: Mapping) -> dict[str, np.ndarray]:
    """Momentum's velocity: ``v["dW1"], v["db1"], ...`` zeros shaped like the parameters.

    Example:
        >>> v = initialize_velocity({"W1": np.ones((2, 3)), "b1": np.ones((2, 1))})
        >>> {k: a.shape for k, a in v.items()}
        {'dW1': (2, 3), 'db1': (2, 1)}
    """
    keys = _check_parameters(parameters)
    return _zeros_like(parameters, keys)


def initialize_adam(parameters: Mapping) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Adam's moments ``(v, s)``: two dicts of zeros keyed ``"dW1", "db1", ...``.

    Example:
        >>> v, s = initialize_adam({"W1": np.ones((2, 3)), "b1": np.ones((2, 1))})
        >>> sorted(v), float(s["dW1"].sum())
        (['dW1', 'db1'], 0.0)
    """
    keys = _check_parameters(parameters)
    return _zeros_like(parameters, keys), _zeros_like(parameters, keys)


def _zeros_like(parameters: Mapping, keys: _Keys) -> dict[str, np.ndarray]:
    return {dkey: np.zeros(np.shape(parameters[key])) for key, dkey in keys}


# --- the three update rules ---------------------------------------------------------------------


def update_parameters_with_gd(parameters: Mapping, grads: Mapping, learning_rate: float) -> dict:
    """One (mini-batch) gradient-descent step: ``W_l = W_l − lr·dW_l``, ``b_l = b_l − lr·db_l``.

    Args:
        parameters: ``{"W1", "b1", ..., "WL", "bL"}`` (``L = len(parameters) // 2``).
        grads: ``{"dW1", "db1", ...}`` with the shapes of the parameters.
        learning_rate: the step size.

    Returns:
        The updated parameters (a new dict).

    Example:
        >>> p = update_parameters_with_gd({"W1": np.ones((1, 2)), "b1": np.zeros((1, 1))},
        ...                               {"dW1": np.ones((1, 2)), "db1": np.ones((1, 1))}, 0.5)
        >>> p["W1"], p["b1"]
        (array([[0.5, 0.5]]), array([[-0.5]]))
    """
    keys = _check_update(parameters, grads, learning_rate)
    return _gd(dict(parameters), grads, learning_rate, keys)


def _gd(parameters: dict, grads: Mapping, learning_rate: float, keys: _Keys) -> dict:
    for key, dkey in keys:
        parameters[key] = parameters[key] - learning_rate * grads[dkey]
    return parameters


def update_parameters_with_momentum(
    parameters: Mapping, grads: Mapping, v: Mapping, beta: float, learning_rate: float
) -> tuple[dict, dict]:
    """One momentum step: ``v = β·v + (1−β)·dW``, then ``W = W − lr·v`` (the same for b).

    Args:
        parameters: ``{"W1", "b1", ...}``.
        grads: ``{"dW1", "db1", ...}``.
        v: the velocity ``{"dW1", "db1", ...}`` (from :func:`initialize_velocity` at the start).
        beta: momentum ``β`` in ``[0, 1)``; ``β = 0`` is plain gradient descent.
        learning_rate: the step size.

    Returns:
        ``(parameters, v)``, both new dicts.

    Example:
        >>> p, v = update_parameters_with_momentum(
        ...     {"W1": np.ones((1, 1)), "b1": np.zeros((1, 1))},
        ...     {"dW1": np.ones((1, 1)), "db1": np.ones((1, 1))},
        ...     {"dW1": np.zeros((1, 1)), "db1": np.zeros((1, 1))}, beta=0.9, learning_rate=1.0)
        >>> v["dW1"], p["W1"]
        (array([[0.1]]), array([[0.9]]))
    """
    keys = _check_update(parameters, grads, learning_rate)
    _check_like(parameters, v, "v", keys)
    check_decay(beta, "beta", 0.9)
    return _momentum(dict(parameters), grads, dict(v), beta, learning_rate, keys)


def _momentum(
    parameters: dict, grads: Mapping, v: dict, beta: float, learning_rate: float, keys: _Keys
) -> tuple[dict, dict]:
    for key, dkey in keys:
        v[dkey] = beta * v[dkey] + (1 - beta) * grads[dkey]
        parameters[key] = parameters[key] - learning_rate * v[dkey]
    return parameters, v


def update_parameters_with_adam(
    parameters: Mapping,
    grads: Mapping,
    v: Mapping,
    s: Mapping,
    t: int,
    learning_rate: float = 0.01,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
) -> tuple[dict, dict, dict, dict, dict]:
    """One Adam step with bias correction.

    For every parameter ``W`` with gradient ``dW``::

        v = β1·v + (1−β1)·dW          v_corrected = v / (1 − β1^t)
        s = β2·s + (1−β2)·dW²         s_corrected = s / (1 − β2^t)
        W = W − lr · v_corrected / (sqrt(s_corrected) + ε)

    Args:
        parameters: ``{"W1", "b1", ...}``.
        grads: ``{"dW1", "db1", ...}``.
        v, s: first and second moments (from :func:`initialize_adam` at the start).
        t: the number of Adam steps taken so far, this one included (1 for the first step).
        learning_rate, beta1, beta2, epsilon: Adam's hyperparameters.

    Returns:
        ``(parameters, v, s, v_corrected, s_corrected)``, all new dicts.

    Example:
        >>> p, v, s, v_c, s_c = update_parameters_with_adam(
        ...     {"W1": np.ones((1, 1)), "b1": np.zeros((1, 1))},
        ...     {"dW1": np.full((1, 1), 2.0), "db1": np.zeros((1, 1))},
        ...     *initialize_adam({"W1": np.ones((1, 1)), "b1": np.zeros((1, 1))}), t=1)
        >>> v_c["dW1"], s_c["dW1"], p["W1"].round(6)  # first step: v̂ = g, ŝ = g², W -= lr
        (array([[2.]]), array([[4.]]), array([[0.99]]))
    """
    keys = _check_update(parameters, grads, learning_rate)
    _check_like(parameters, v, "v", keys)
    _check_like(parameters, s, "s", keys)
    check_positive(t, "t", integer=True)
    check_decay(beta1, "beta1", 0.9)
    check_decay(beta2, "beta2", 0.999)
    check_positive(epsilon, "epsilon")
    return _adam(
        dict(parameters), grads, dict(v), dict(s), t, learning_rate, beta1, beta2, epsilon, keys
    )


def _adam(
    parameters: dict,
    grads: Mapping,
    v: dict,
    s: dict,
    t: int,
    learning_rate: float,
    beta1: float,
    beta2: float,
    epsilon: float,
    keys: _Keys,
) -> tuple[dict, dict, dict, dict, dict]:
    v_corrected, s_corrected = {}, {}
    correction1, correction2 = 1 - beta1**t, 1 - beta2**t
    for key, dkey in keys:
        grad = grads[dkey]
        v[dkey] = beta1 * v[dkey] + (1 - beta1) * grad
        v_corrected[dkey] = v[dkey] / correction1
        s[dkey] = beta2 * s[dkey] + (1 - beta2) * np.square(grad)
        s_corrected[dkey] = s[dkey] / correction2
        parameters[key] = parameters[key] - learning_rate * v_corrected[dkey] / (
            np.sqrt(s_corrected[dkey]) + epsilon
        )
    return parameters, v, s, v_corrected, s_corrected


# --- mini-batches -------------------------------------------------------------------------------


def random_mini_batches(
    X, Y, mini_batch_size: int = 64, seed: int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Shuffle the columns of ``(X, Y)`` and cut them into mini-batches of ``mini_batch_size``.

    Like the course it calls ``np.random.seed(seed)`` (changing numpy's global random state) and
    shuffles with ``np.random.permutation(m)``; the last mini-batch holds the
    ``m − mini_batch_size · floor(m / mini_batch_size)`` remaining columns, if any.

    Args:
        X: inputs (n_x, m).
        Y: labels (1, m).
        mini_batch_size: columns per mini-batch (powers of two are customary).
        seed: the seed of the shuffle; ``model`` uses 11, 12, ... one per epoch.

    Returns:
        A list of ``(mini_batch_X, mini_batch_Y)`` pairs (views into the shuffled arrays).

    Example:
        >>> batches = random_mini_batches(np.arange(10.0).reshape(2, 5), np.ones((1, 5)), 2)
        >>> [b[0].shape for b in batches]
        [(2, 2), (2, 2), (2, 1)]
    """
    X, Y = check_X_Y(X, Y)
    if Y.shape[0] != 1:
        raise ValueError(f"Y must have shape (1, m) (one label per column); got {Y.shape}.")
    check_positive(mini_batch_size, "mini_batch_size", integer=True)
    return _mini_batches(X, Y, int(mini_batch_size), check_int(seed, "seed"))


def _mini_batches(
    X: np.ndarray, Y: np.ndarray, size: int, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    np.random.seed(seed)
    m = X.shape[1]
    permutation = np.random.permutation(m)  # the course wraps it in list(); same columns
    shuffled_X = X[:, permutation]
    shuffled_Y = Y[:, permutation].reshape((1, m))
    num_complete = math.floor(m / size)
    batches = [
        (shuffled_X[:, k * size : (k + 1) * size], shuffled_Y[:, k * size : (k + 1) * size])
        for k in range(num_complete)
    ]
    if m % size != 0:
        batches.append((shuffled_X[:, num_complete * size :], shuffled_Y[:, num_complete * size :]))
    return batches


# --- learning-rate decay ------------------------------------------------------------------------


def _check_decay_args(learning_rate0, epoch_num, decay_rate) -> None:
    check_positive(learning_rate0, "learning_rate0")
    if check_int(epoch_num, "epoch_num") < 0:
        raise ValueError(f"epoch_num must be a non-negative integer; got {epoch_num!r}.")
    if (
        isinstance(decay_rate, bool)
        or not isinstance(decay_rate, int | float | np.number)
        or not decay_rate >= 0
    ):
        raise ValueError(f"decay_rate must be a non-negative number; got {decay_rate!r}.")


def update_lr(learning_rate0: float, epoch_num: int, decay_rate: float) -> float:
    """Inverse-time decay every epoch: ``learning_rate0 / (1 + decay_rate · epoch_num)``.

    Decays fast: with ``decay_rate = 1`` the rate is halved after one epoch and is
    ``learning_rate0 / 100`` after 99, which is why the lab's run with it stalls.

    Example:
        >>> update_lr(0.5, 2, 1)
        0.16666666666666666
    """
    _check_decay_args(learning_rate0, epoch_num, decay_rate)
    return float(learning_rate0 / (1 + decay_rate * epoch_num))


def schedule_lr_decay(
    learning_rate0: float, epoch_num: int, decay_rate: float, time_interval: int = 1000
) -> np.float64:
    """Inverse-time decay in steps: ``lr0 / (1 + decay_rate · floor(epoch_num / time_interval))``.

    The rate stays at ``learning_rate0`` for the first ``time_interval`` epochs, then drops to
    ``lr0 / 2``, ``lr0 / 3``, ... (with ``decay_rate = 1``).

    Example:
        >>> float(schedule_lr_decay(0.5, 100, 1, 100)), float(schedule_lr_decay(0.5, 10, 1, 100))
        (0.25, 0.5)
    """
    _check_decay_args(learning_rate0, epoch_num, decay_rate)
    check_positive(time_interval, "time_interval", integer=True)
    return learning_rate0 / (1 + decay_rate * np.floor(epoch_num / time_interval))


# --- the model ----------------------------------------------------------------------------------


def _check_model_args(
    X, Y, layers_dims, optimizer, learning_rate, mini_batch_size, beta, beta1, beta2, epsilon,
    num_epochs, decay, decay_rate,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {list(OPTIMIZERS)}; got {optimizer!r}.")
    dims = check_layer_dims(layers_dims)
    if len(dims) != 4 or dims[-1] != 1:
        raise ValueError(
            "the lab's network has three layers and one sigmoid output: layers_dims must be "
            f"[n_x, n_1, n_2, 1] (the course uses [2, 5, 2, 1]); got {dims}."
        )
    X, Y = check_X_Y(X, Y, n_x=dims[0])
    if Y.shape[0] != 1:
        raise ValueError(f"Y must have shape (1, m) (one label per column); got {Y.shape}.")
    check_positive(learning_rate, "learning_rate")
    check_positive(mini_batch_size, "mini_batch_size", integer=True)
    check_positive(num_epochs, "num_epochs", integer=True)
    check_decay(beta, "beta", 0.9)
    check_decay(beta1, "beta1", 0.9)
    check_decay(beta2, "beta2", 0.999)
    check_positive(epsilon, "epsilon")
    if decay is not None:
        if not callable(decay):
            raise TypeError(
                "decay must be None or a function (learning_rate0, epoch_num, decay_rate) -> "
                f"learning rate, such as update_lr or schedule_lr_decay; got {decay!r}."
            )
        _check_decay_args(learning_rate, 0, decay_rate)
    return X, Y


def train(
    X,
    Y,
    layers_dims,
    optimizer: str,
    learning_rate: float = 0.0007,
    mini_batch_size: int = 64,
    beta: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
    num_epochs: int = 5000,
    print_cost: bool = False,
    decay: Callable[[float, int, float], float] | None = None,
    decay_rate: float = 1,
) -> dict:
    """:func:`model` that also returns what it recorded (not a course function).

    Same arguments and the same training as :func:`model` (``print_cost`` defaults to False).

    Returns:
        ``{"parameters": ..., "costs": [...], "learning_rates": [...]}``: the epoch cost every
        100 epochs (the course's ``costs`` list, epochs 0, 100, ...) and the learning rate used
        in each epoch (epoch 0 uses ``learning_rate``; with ``decay`` epoch ``i + 1`` uses
        ``decay(learning_rate, i, decay_rate)``).

    Example:
        >>> history = train(train_X, train_Y, [2, 5, 2, 1], "adam")  # doctest: +SKIP
        >>> history["costs"][10]  # epoch 1000  # doctest: +SKIP
        0.167845...
    """
    X, Y = _check_model_args(
        X, Y, layers_dims, optimizer, learning_rate, mini_batch_size, beta, beta1, beta2,
        epsilon, num_epochs, decay, decay_rate,
    )  # fmt: skip
    parameters = initialize_parameters(layers_dims)
    keys = _param_keys(parameters)
    if optimizer == "momentum":
        v = _zeros_like(parameters, keys)
    elif optimizer == "adam":
        v, s = _zeros_like(parameters, keys), _zeros_like(parameters, keys)
    t = 0  # Adam's step counter
    seed = 10  # the course's seed: mini-batches of epoch i are shuffled with seed 11 + i
    m = X.shape[1]
    learning_rate0 = learning_rate
    costs, learning_rates = [], []
    for i in range(num_epochs):
        seed = seed + 1
        learning_rates.append(learning_rate)
        cost_total = 0.0
        for minibatch_X, minibatch_Y in _mini_batches(X, Y, mini_batch_size, seed):
            a3, caches = forward(minibatch_X, parameters)
            cost_total += np.sum(logprobs(a3, minibatch_Y))  # compute_cost, unchecked
            grads = backward(minibatch_X, minibatch_Y, caches, scale_output_error=True)
            if optimizer == "gd":
                parameters = _gd(parameters, grads, learning_rate, keys)
            elif optimizer == "momentum":
                parameters, v = _momentum(parameters, grads, v, beta, learning_rate, keys)
            else:
                t = t + 1
                parameters, v, s, _, _ = _adam(
                    parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, keys
                )
        _check_finite(parameters, i, optimizer, learning_rate)
        cost_avg = cost_total / m
        if decay:
            learning_rate = decay(learning_rate0, i, decay_rate)
        if print_cost and i % 1000 == 0:
            print(f"Cost after epoch {i}: {cost_avg:f}")
            if decay:
                print(f"learning rate after epoch {i}: {learning_rate:f}")
        if i % 100 == 0:
            costs.append(float(cost_avg))
    return {"parameters": parameters, "costs": costs, "learning_rates": learning_rates}


def _check_finite(parameters: dict, epoch: int, optimizer: str, learning_rate: float) -> None:
    for key, value in parameters.items():
        if not np.isfinite(value).all():
            raise FloatingPointError(
                f"parameters[{key!r}] became NaN or infinite in epoch {epoch} "
                f"(optimizer {optimizer!r}, learning_rate {learning_rate:g}); the updates "
                "diverged: lower the learning rate."
            )


def model(
    X,
    Y,
    layers_dims,
    optimizer: str,
    learning_rate: float = 0.0007,
    mini_batch_size: int = 64,
    beta: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
    num_epochs: int = 5000,
    print_cost: bool = True,
    decay: Callable[[float, int, float], float] | None = None,
    decay_rate: float = 1,
) -> dict[str, np.ndarray]:
    """Train the lab's 3-layer network with mini-batches and ``"gd"``, ``"momentum"`` or ``"adam"``.

    The course's loop: :func:`initialize_parameters` (seed 3); for each epoch ``i`` the seed is
    ``11 + i`` for :func:`random_mini_batches`; per mini-batch forward, summed cost, backward,
    one update (Adam's ``t`` counts the updates, from 1). The epoch cost is the summed cost
    divided by m. With ``decay`` the learning rate becomes
    ``decay(learning_rate, i, decay_rate)`` at the end of epoch ``i``
    (``schedule_lr_decay`` with its default ``time_interval = 1000``).

    Args:
        X: inputs (n_x, m); Y: labels (1, m).
        layers_dims: ``[n_x, n_1, n_2, 1]``; the lab uses ``[2, 5, 2, 1]``.
        optimizer: ``"gd"``, ``"momentum"`` or ``"adam"``.
        learning_rate: the (initial) learning rate.
        mini_batch_size: columns per mini-batch.
        beta: momentum's β; beta1, beta2, epsilon: Adam's hyperparameters.
        num_epochs: passes over the training set.
        print_cost: print the cost (and the learning rate, with ``decay``) every 1000 epochs.
        decay: None, :func:`update_lr` or :func:`schedule_lr_decay`.
        decay_rate: the decay functions' ``decay_rate``.

    Returns:
        The trained parameters. :func:`train` returns the cost curve and learning rates too.

    Raises:
        FloatingPointError: the parameters became NaN or infinite (the updates diverged).

    Example:
        >>> train_X, train_Y = load_moons_dataset()  # doctest: +SKIP
        >>> parameters = model(train_X, train_Y, [2, 5, 2, 1], optimizer="adam")  # doctest: +SKIP
        Cost after epoch 0: 0.702166
        Cost after epoch 1000: 0.167845
        ...
        >>> predictions = predict(train_X, train_Y, parameters)  # doctest: +SKIP
        Accuracy: 0.9433333333333334
    """
    return train(
        X, Y, layers_dims, optimizer, learning_rate, mini_batch_size, beta, beta1, beta2,
        epsilon, num_epochs, print_cost, decay, decay_rate,
    )["parameters"]  # fmt: skip
