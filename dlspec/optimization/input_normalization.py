"""Normalising inputs (Course 2 week 1): statistics from the training set only, reused everywhere.

Subtract the mean and divide by the standard deviation of each feature, with the mean and
variance of the *training* set, and apply exactly the same transformation to dev and test
examples (and to anything predicted later). Features on similar scales make the cost's
contours round instead of elongated, so gradient descent can take larger steps and converges
in fewer of them.

The Keras recipe is a ``keras.layers.Normalization`` layer adapted on the training inputs and
placed at the front of the model (:func:`with_input_normalization`): its mean and variance
are weights of the model, saved with it, and never re-estimated from the data the model is
applied to. :func:`normalization_speedup` measures the effect on a real lab: logistic
regression on the cat / non-cat pixels, raw (0-255), divided by 255 (the course), or
standardised, each with its best learning rate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf

from dlspec.foundations.keras_models import logistic_regression_model
from dlspec.training import Trainer
from dlspec.validation import check_array, check_positive

__all__ = [
    "SCALINGS",
    "SpeedupRun",
    "logistic_step_size",
    "normalization_layer",
    "normalization_speedup",
    "steps_to_target",
    "with_input_normalization",
]


def normalization_layer(
    train_x, *, name: str = "input_normalization"
) -> keras.layers.Normalization:
    """A ``keras.layers.Normalization`` adapted on the training inputs ``train_x`` (m, features).

    The layer computes per-feature mean and variance of ``train_x`` once; applied to any other
    data it uses those training statistics.

    Example:
        >>> layer = normalization_layer(np.array([[0.0], [2.0]]))
        >>> keras.ops.convert_to_numpy(layer(np.array([[4.0]]))).round(3).tolist()
        [[3.0]]
    """
    train_x = check_array(train_x, "train_x")
    if train_x.ndim < 2 or train_x.shape[0] < 2:
        raise ValueError(
            f"train_x must hold examples in rows, (m, features) with m ≥ 2; got {train_x.shape}."
            " Course arrays (n_x, m) need a transpose: X.T."
        )
    layer = keras.layers.Normalization(axis=-1, name=name)
    layer.adapt(train_x.astype(np.float32))
    return layer


def with_input_normalization(model: keras.Model, train_x) -> keras.Model:
    """``model`` behind a Normalization layer adapted on ``train_x``: the deployable recipe.

    Args:
        model: a Keras model taking rows (m, features).
        train_x: the training inputs (m, features); never dev or test data.

    Returns:
        A functional model ``Normalization → model``; its saved ``.keras`` file holds the
        training mean and variance.

    Example:
        >>> body = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model = with_input_normalization(body, np.random.default_rng(0).normal(size=(8, 2)))
        >>> [type(layer).__name__ for layer in model.layers]
        ['InputLayer', 'Normalization', 'Sequential']
    """
    layer = normalization_layer(train_x)
    inputs = keras.Input(np.shape(train_x)[1:], name="raw_inputs")
    return keras.Model(inputs, model(layer(inputs)), name=f"normalized_{model.name}")


SCALINGS = ("raw 0-255", "/255 (course)", "Normalization (train mean, std)")


@dataclass
class SpeedupRun:
    """Steps each learning rate took to reach the target loss (``None``: not reached)."""

    steps: dict[float, int | None] = field(default_factory=dict)

    @property
    def best(self) -> tuple[float | None, int | None]:
        """``(learning rate, steps)`` of the fastest run; ``(None, None)`` if none reached it."""
        reached = {lr: s for lr, s in self.steps.items() if s is not None}
        if not reached:
            return None, None
        lr = min(reached, key=lambda k: (reached[k], -k))
        return lr, reached[lr]


def logistic_step_size(x) -> float:
    """``1/L``: the classic gradient-descent step for the mean cross-entropy of logistic regression.

    ``L = λ_max(AᵀA) / (4m)`` with ``A = [x, 1]`` bounds the curvature of the cost (the
    sigmoid's slope is at most 1/4), so it measures how the input scaling limits the step size.

    Example:
        >>> round(logistic_step_size(np.array([[1.0], [-1.0]])), 6)
        4.0
    """
    x = check_array(x, "x", ndim=2).astype(np.float64)
    a = np.hstack([x, np.ones((len(x), 1))])
    gram = a @ a.T if len(a) <= a.shape[1] else a.T @ a  # same largest eigenvalue
    return 4 * len(x) / float(np.linalg.eigvalsh(gram)[-1])


def steps_to_target(
    x,
    y,
    *,
    learning_rates: Sequence[float],
    target_loss: float,
    max_steps: int,
    window: int = 10,
) -> SpeedupRun:
    """Full-batch gradient descent on logistic regression: steps until the loss ≤ ``target_loss``.

    For each learning rate, from the smallest up, a zero-initialised logistic regression
    (``dlspec.foundations.keras_models.logistic_regression_model``) takes SGD steps on all of
    ``(x, y)`` through one shared :class:`dlspec.training.Trainer` (weights and learning rate
    reset between runs; one Trainer epoch is ``window`` steps). A run has reached the target
    after the first window whose mean loss is ≤ ``target_loss`` (so step counts are multiples
    of ``window``). A run stops there, when its loss is not finite or a whole window stays
    above 5× its first loss (diverged), or after as many steps as the best run so far (it
    cannot win); the scan stops at the first rate that does no better than the best so far.

    Args:
        x, y: rows (m, features) and labels (m, 1).
        learning_rates: the grid.
        target_loss: the training loss to reach.
        max_steps: the most steps a run may take.
        window: steps per Trainer epoch, the resolution of the step counts.

    Returns:
        A :class:`SpeedupRun`.
    """
    check_positive(max_steps, "max_steps", integer=True)
    check_positive(window, "window", integer=True)
    x = np.asarray(x, np.float32)
    y = np.asarray(y, np.float32).reshape(len(x), 1)
    model = logistic_regression_model(x.shape[1])
    trainer = Trainer(model, optimizer=lambda: keras.optimizers.SGD(1.0), verbose=0, metrics=())
    dataset = tf.data.Dataset.from_tensors((x, y)).repeat()
    zeros = [np.zeros_like(w) for w in model.get_weights()]
    run, limit = SpeedupRun(), max_steps // window
    for lr in sorted(learning_rates):
        model.set_weights(zeros)
        trainer.optimizer.learning_rate = lr
        start, reached = trainer.epoch, None
        while trainer.epoch - start < limit:
            loss = trainer.fit(dataset, epochs=trainer.epoch + 1, steps_per_epoch=window)["loss"]
            if loss[-1] <= target_loss:
                reached = (trainer.epoch - start) * window
                break
            if not np.isfinite(loss[-1]) or loss[-1] > 5 * loss[start]:
                break
        best = run.best[1]
        run.steps[lr] = reached
        if reached is None or (best is not None and reached >= best):
            if best is not None:
                break
            continue
        limit = reached // window
    return run


def normalization_speedup(
    train_x,
    train_y,
    *,
    step_multiples: Sequence[float] = (1, 2, 4, 8, 16, 32),
    target_loss: float = 0.3,
    max_steps: int = 2000,
    scalings: Sequence[str] = SCALINGS,
) -> Mapping[str, SpeedupRun]:
    """Steps to ``target_loss`` with raw, /255 and standardised (Normalization) inputs.

    Each input scaling gets its own learning-rate grid, ``step_multiples`` × its
    :func:`logistic_step_size` (``1/L``; larger steps often work because the curvature shrinks
    away from the zero start), searched by :func:`steps_to_target`: each scaling is compared at
    its best learning rate.

    Args:
        train_x: raw training pixels (m, features), values 0-255.
        train_y: labels (m, 1) or (1, m).
        step_multiples: the grid, in units of ``1/L``.
        target_loss: the training cross-entropy to reach.
        max_steps: the most steps a run may take.
        scalings: which of :data:`SCALINGS` to run.

    Returns:
        ``{"raw 0-255": run, "/255 (course)": run, "Normalization (train mean, std)": run}``.

    Example:
        >>> runs = normalization_speedup(x, y)  # doctest: +SKIP
        >>> runs["raw 0-255"].best  # doctest: +SKIP
        (2.2e-07, 390)
    """
    train_x = check_array(train_x, "train_x", ndim=2).astype(np.float32)
    layer = normalization_layer(train_x)
    inputs = {
        SCALINGS[0]: lambda: train_x,
        SCALINGS[1]: lambda: train_x / 255.0,
        SCALINGS[2]: lambda: keras.ops.convert_to_numpy(layer(train_x)),
    }
    runs = {}
    for name in scalings:
        if name not in inputs:
            raise ValueError(f"scalings must be among {SCALINGS}; got {name!r}.")
        x = inputs[name]()
        step = logistic_step_size(x)
        runs[name] = steps_to_target(
            x,
            train_y,
            learning_rates=[k * step for k in step_multiples],
            target_loss=target_loss,
            max_steps=max_steps,
        )
    return runs
