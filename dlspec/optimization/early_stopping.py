"""Early stopping against L2 on the regularization lab's football data (Course 2 week 1).

Early stopping watches the cost on a dev set while training and keeps the weights of the best
point: it stops gradient descent before the network fits the training set's noise, where L2
instead adds ``λ/(2m)·ΣW²`` to the cost and trains to the end. (The course notes its drawback:
one knob now both optimises the cost and fights overfitting, where L2 keeps the two apart at
the price of searching λ.)

:func:`early_stopping_vs_l2` trains the lab's ``[2, 20, 3, 1]`` network from the lab's own
initial weights with full-batch SGD (learning rate 0.3) three ways: no regularisation, L2 with
the lab's λ = 0.7 (both through :func:`dlspec.optimization.keras_regularized.train_keras_run`,
i.e. dlspec's Trainer), and early stopping with
``keras.callbacks.EarlyStopping(restore_best_weights=True)`` in ``model.fit`` (the Trainer takes
no callbacks). The course has only a training set (211) and a test set (200, ``Xval`` in
``data.mat``); stopping on the test set would leak it into the reported accuracy, so the 200
examples are split at random into a dev half (watched by early stopping) and a test half
(reported for all three runs, never used to choose anything).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf

from dlspec.data.arrays import course_arrays_dataset
from dlspec.foundations.keras_models import set_course_parameters
from dlspec.optimization.keras_regularized import (
    keras_predict,
    regularized_classifier,
    train_keras_run,
)
from dlspec.optimization.regularization import initialize_parameters
from dlspec.validation import check_positive, check_X_Y

__all__ = ["EarlyStoppingComparison", "early_stopping_vs_l2", "split_dev_test"]

RUNS = ("no regularization", "L2", "early stopping")


@dataclass
class EarlyStoppingComparison:
    """Accuracies of the three runs and the early-stopping run's curves.

    Attributes:
        accuracy: ``{run: {"train": ..., "dev": ..., "test": ...}}`` for :data:`RUNS`.
        best_iteration: the iteration whose weights early stopping restored.
        stopped_iteration: the iteration at which it stopped.
        iterations: the iterations at which the early-stopping run was checked.
        train_loss, dev_loss: its losses at those checks.
        models: the trained Keras models, by run.
    """

    accuracy: dict[str, dict[str, float]]
    best_iteration: int
    stopped_iteration: int
    iterations: list[int]
    train_loss: list[float]
    dev_loss: list[float]
    models: dict[str, keras.Model] = field(default_factory=dict, repr=False)


def split_dev_test(X, Y, *, seed: int = 0) -> tuple[np.ndarray, ...]:
    """Split course arrays (n_x, m), (1, m) at random into two halves: dev and test.

    Example:
        >>> dev_X, dev_Y, test_X, test_Y = split_dev_test(np.zeros((2, 5)), np.ones((1, 5)))
        >>> dev_X.shape, test_X.shape
        ((2, 2), (2, 3))
    """
    X, Y = check_X_Y(X, Y)
    order = np.random.default_rng(seed).permutation(X.shape[1])
    dev, test = order[: X.shape[1] // 2], order[X.shape[1] // 2 :]
    return X[:, dev], Y[:, dev], X[:, test], Y[:, test]


def _accuracy(model: keras.Model, X, Y) -> float:
    return float(np.mean(keras_predict(model, X) == (np.asarray(Y) > 0.5)))


def _early_stopped_model(
    X, Y, dev_X, dev_Y, *, num_iterations: int, check_every: int, patience: int, seed: int
):
    dims = [X.shape[0], 20, 3, 1]
    model = regularized_classifier(dims, seed=seed)
    set_course_parameters(model, initialize_parameters(dims))
    model.compile(optimizer=keras.optimizers.SGD(0.3), loss="binary_crossentropy")
    stopper = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=patience, restore_best_weights=True
    )
    dev = tf.data.Dataset.from_tensors((dev_X.T.astype("float32"), dev_Y.T.astype("float32")))
    history = model.fit(
        course_arrays_dataset(X, Y, repeat=True),
        epochs=num_iterations // check_every,
        steps_per_epoch=check_every,
        validation_data=dev,
        callbacks=[stopper],
        shuffle=False,
        verbose=0,
    )
    return model, stopper, history.history


def early_stopping_vs_l2(
    train_X,
    train_Y,
    test_X,
    test_Y,
    *,
    lambd: float = 0.7,
    num_iterations: int = 30000,
    check_every: int = 100,
    patience: int = 20,
    seed: int = 0,
) -> EarlyStoppingComparison:
    """Train without regularisation, with L2 and with early stopping; compare accuracies.

    Args:
        train_X, train_Y: the lab's training set, (2, 211) and (1, 211).
        test_X, test_Y: the lab's test set, split by :func:`split_dev_test` into dev and test.
        lambd: the L2 strength of the L2 run (the lab's 0.7).
        num_iterations: full-batch SGD steps of each run (early stopping may stop sooner).
        check_every: iterations between two dev-loss checks of early stopping (one epoch).
        patience: checks without a better dev loss before stopping.
        seed: seed of the dev/test split.

    Returns:
        An :class:`EarlyStoppingComparison`.

    Example:
        >>> result = early_stopping_vs_l2(*load_2D_dataset())  # doctest: +SKIP
        >>> result.accuracy["early stopping"]["test"]  # doctest: +SKIP
        0.93
    """
    train_X, train_Y = check_X_Y(train_X, train_Y)
    for value, name in ((num_iterations, "num_iterations"), (check_every, "check_every")):
        check_positive(value, name, integer=True)
    check_positive(patience, "patience", integer=True)
    if num_iterations < check_every:
        raise ValueError(
            f"num_iterations ({num_iterations}) must be at least check_every ({check_every})."
        )
    dev_X, dev_Y, held_X, held_Y = split_dev_test(test_X, test_Y, seed=seed)
    models = {
        "no regularization": train_keras_run(train_X, train_Y, num_iterations=num_iterations),
        "L2": train_keras_run(train_X, train_Y, lambd=lambd, num_iterations=num_iterations),
    }
    models["early stopping"], stopper, history = _early_stopped_model(
        train_X,
        train_Y,
        dev_X,
        dev_Y,
        num_iterations=num_iterations,
        check_every=check_every,
        patience=patience,
        seed=seed,
    )
    checks = len(history["loss"])
    sets = {"train": (train_X, train_Y), "dev": (dev_X, dev_Y), "test": (held_X, held_Y)}
    return EarlyStoppingComparison(
        accuracy={
            run: {name: _accuracy(model, X, Y) for name, (X, Y) in sets.items()}
            for run, model in models.items()
        },
        best_iteration=(int(np.argmin(history["val_loss"])) + 1) * check_every,
        stopped_iteration=checks * check_every,
        iterations=[(i + 1) * check_every for i in range(checks)],
        train_loss=[float(v) for v in history["loss"]],
        dev_loss=[float(v) for v in history["val_loss"]],
        models=models,
    )
