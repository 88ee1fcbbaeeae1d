"""The regularization lab's network as a Keras 3 model, with Keras' own L2 and dropout.

:func:`regularized_classifier` is LINEAR → RELU → LINEAR → RELU → LINEAR → SIGMOID with
``kernel_regularizer=keras.regularizers.L2(l2)`` on every Dense layer and
``keras.layers.Dropout(1 - keep_prob)`` after each hidden layer.

The course's cost is ``CE + λ/(2m) · Σ_l ΣW_l²``. ``keras.regularizers.L2(l2)`` adds
``l2 · ΣW²`` per layer to the loss of every step, so the same cost under full-batch training is
``l2 = λ / (2m)`` with m the training-set size (:func:`course_l2`); its gradient ``λ/m · W`` is
the lab's ``backward_propagation_with_regularization`` term. (With mini-batches of size b the
Keras penalty is added once per batch, so matching the per-example weight would need the same
``λ / (2m)`` too: the penalty is on the weights, not per example.)

Keras' ``Dropout(rate)`` is inverted dropout like the lab's (kept units are scaled by
``1 / keep_prob``) but draws fresh masks every step, whereas the lab reseeds numpy in every
forward pass and so drops the same units in every iteration: the Keras dropout run does not
retrace the numpy one.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np

from dlspec.foundations.keras_models import dense_network, fit_full_batch, set_course_parameters
from dlspec.optimization.regularization import check_keep_prob, check_lambd, initialize_parameters
from dlspec.validation import check_layer_dims, check_positive, check_X_Y

__all__ = [
    "course_l2",
    "regularized_classifier",
    "keras_predict",
    "keras_regularized_cost",
    "train_keras_run",
]


def course_l2(lambd: float, m: int) -> float:
    """The Keras ``L2`` coefficient matching the course's penalty: ``λ / (2m)``.

    Example:
        >>> course_l2(0.7, 211)
        0.0016587677725118483
    """
    check_positive(m, "m", integer=True)
    return check_lambd(lambd) / (2 * m)


def regularized_classifier(
    layers_dims: Sequence[int] = (2, 20, 3, 1),
    *,
    lambd: float = 0.0,
    m: int | None = None,
    keep_prob: float = 1.0,
    seed: int | None = None,
) -> keras.Model:
    """The lab's ReLU network with Keras L2 weight decay and/or dropout.

    Args:
        layers_dims: ``[n_x, n_1, ..., 1]``; the lab uses ``[2, 20, 3, 1]``.
        lambd: the course's L2 strength λ; the Dense kernels get ``L2(λ / (2m))``.
        m: the training-set size (needed when ``lambd > 0``).
        keep_prob: probability of keeping a hidden unit; ``Dropout(1 - keep_prob)`` follows
            each hidden layer when it is below 1.
        seed: seed of the kernel initialiser (``N(0, 1/n_{l-1})``, the lab's scale) and of
            the dropout masks.

    Returns:
        An uncompiled functional ``keras.Model`` taking rows (m, n_x).

    Example:
        >>> model = regularized_classifier(lambd=0.7, m=211, keep_prob=0.86, seed=1)
        >>> [type(layer).__name__ for layer in model.layers[1:]]
        ['Dense', 'Dropout', 'Dense', 'Dropout', 'Dense']
        >>> round(float(model.layers[1].kernel_regularizer.l2), 8)
        0.00165877
    """
    dims = check_layer_dims(layers_dims)
    lambd, keep_prob = check_lambd(lambd), check_keep_prob(keep_prob)
    regularizer = None
    if lambd > 0:
        if m is None:
            raise ValueError("m (the training-set size) is needed to turn lambd into L2(λ/(2m)).")
        regularizer = keras.regularizers.L2(course_l2(lambd, m))
    # N(0, 1/n_{l-1}); a config, not an instance, so that each layer gets its own initialiser
    scaled_normal = {
        "class_name": "VarianceScaling",
        "config": {
            "scale": 1.0,
            "mode": "fan_in",
            "distribution": "untruncated_normal",
            "seed": seed,
        },
    }
    return dense_network(
        dims,
        kernel_initializer=scaled_normal,
        kernel_regularizer=regularizer,
        dropout=1 - keep_prob,
        seed=seed,
        name="regularized_classifier",
    )


def keras_predict(model: keras.Model, X) -> np.ndarray:
    """Boolean predictions (1, m) of ``model`` on course inputs ``X`` (n_x, m), no dropout.

    Calls the model directly (no ``model.predict``), so grids of any size do not retrace.

    Example:
        >>> keras_predict(regularized_classifier(seed=0), np.zeros((2, 3))).shape
        (1, 3)
    """
    X = np.asarray(X, np.float32)
    if X.ndim != 2:
        raise ValueError(f"X must have shape (n_x, m); got {X.shape}.")
    probabilities = keras.ops.convert_to_numpy(model(X.T, training=False))
    return probabilities.T > 0.5


def keras_regularized_cost(model: keras.Model, X, Y) -> float:
    """The model's training objective on (X, Y) without dropout: mean BCE + ``model.losses``.

    With ``L2(λ/(2m))`` kernels this is the course's ``compute_cost_with_regularization``.
    """
    X, Y = check_X_Y(X, Y)
    probabilities = model(np.asarray(X, np.float32).T, training=False)
    bce = keras.losses.binary_crossentropy(np.asarray(Y, np.float32).T, probabilities)
    penalty = sum(float(keras.ops.convert_to_numpy(loss)) for loss in model.losses)
    return float(np.mean(keras.ops.convert_to_numpy(bce))) + penalty


def train_keras_run(
    X,
    Y,
    *,
    lambd: float = 0.0,
    keep_prob: float = 1.0,
    learning_rate: float = 0.3,
    num_iterations: int = 30000,
    seed: int = 1,
) -> keras.Model:
    """One of the lab's runs in Keras: same start as the numpy model, full-batch SGD.

    The Dense weights start at the lab's ``initialize_parameters([n_x, 20, 3, 1])`` (seed 3),
    then :func:`dlspec.foundations.keras_models.fit_full_batch` (dlspec's ``Trainer``) takes
    ``num_iterations`` SGD steps on the whole of ``X``.

    Example:
        >>> model = train_keras_run(train_X, train_Y, lambd=0.7)  # doctest: +SKIP
    """
    X, Y = check_X_Y(X, Y)
    dims = [X.shape[0], 20, 3, 1]
    model = regularized_classifier(dims, lambd=lambd, m=X.shape[1], keep_prob=keep_prob, seed=seed)
    set_course_parameters(model, initialize_parameters(dims))
    fit_full_batch(model, X, Y, learning_rate=learning_rate, num_iterations=num_iterations)
    return model
