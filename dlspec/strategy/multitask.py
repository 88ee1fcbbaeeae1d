"""Multi-task learning (C3W2): one network, one sigmoid per task, labels that may be missing.

The course's autonomous-driving example predicts from one image whether a stop sign, a
pedestrian, a car and a traffic light are present. Several can be present at once, so each
output unit is a sigmoid (not a softmax), and the loss is the mean over examples of the sum
over tasks of the logistic loss, **summing only over labelled entries** (missing labels,
"?" in the course, are encoded here as -1 or NaN).
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from dlspec.validation import check_positive

__all__ = [
    "MaskedBinaryCrossentropy",
    "MaskedBinaryAccuracy",
    "masked_binary_crossentropy",
    "multitask_model",
    "synthetic_multilabel",
]


def _mask(y_true):
    """Return ``(labels with missing → 0, mask of labelled entries)`` as float tensors."""
    y_true = ops.convert_to_tensor(y_true, dtype="float32")
    labelled = ops.logical_and(ops.logical_not(ops.isnan(y_true)), y_true >= 0)
    mask = ops.cast(labelled, "float32")
    return ops.where(labelled, y_true, ops.zeros_like(y_true)), mask


def masked_binary_crossentropy(y_true, y_pred, from_logits: bool = False):
    """Per-example sum over labelled tasks of the logistic loss, shape (batch,).

    Entries of ``y_true`` equal to -1 or NaN are missing and contribute nothing.

    Example:
        >>> y = np.array([[1.0, -1.0], [0.0, np.nan]])
        >>> p = np.array([[0.9, 0.5], [0.2, 0.5]], "float32")
        >>> [round(float(v), 4) for v in masked_binary_crossentropy(y, p)]
        [0.1054, 0.2231]
    """
    y, mask = _mask(y_true)
    y_pred = ops.convert_to_tensor(y_pred, dtype="float32")
    if from_logits:
        # log(1 + exp(-|z|)) + max(z, 0) - z*y: the stable form of the logistic loss.
        losses = ops.relu(y_pred) - y_pred * y + ops.log1p(ops.exp(-ops.abs(y_pred)))
    else:
        eps = keras.config.epsilon()
        p = ops.clip(y_pred, eps, 1.0 - eps)
        losses = -(y * ops.log(p) + (1.0 - y) * ops.log(1.0 - p))
    return ops.sum(losses * mask, axis=-1)


@keras.saving.register_keras_serializable(package="dlspec")
class MaskedBinaryCrossentropy(keras.losses.Loss):
    """Logistic loss of multi-label sigmoid outputs that ignores missing labels (-1 / NaN).

    With the default reduction the batch loss is ``(1/m) Σ_i Σ_{j labelled} L(ŷ_ij, y_ij)``,
    the course's multi-task loss.

    Args:
        from_logits: whether ``y_pred`` holds logits instead of probabilities.
        reduction, name: as in ``keras.losses.Loss``.

    Example:
        >>> loss = MaskedBinaryCrossentropy()
        >>> round(float(loss([[1.0, -1.0]], [[0.9, 0.3]])), 4)
        0.1054
    """

    def __init__(
        self,
        from_logits: bool = False,
        reduction: str = "sum_over_batch_size",
        name: str = "masked_binary_crossentropy",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.from_logits = bool(from_logits)

    def call(self, y_true, y_pred):
        return masked_binary_crossentropy(y_true, y_pred, from_logits=self.from_logits)

    def get_config(self) -> dict:
        return {**super().get_config(), "from_logits": self.from_logits}


@keras.saving.register_keras_serializable(package="dlspec")
class MaskedBinaryAccuracy(keras.metrics.Metric):
    """Fraction of *labelled* entries whose thresholded prediction equals the label.

    Args:
        threshold: probability (or logit, with ``from_logits``) above which a task is "present".
        from_logits: whether predictions are logits (threshold compared after a sigmoid).

    Example:
        >>> m = MaskedBinaryAccuracy()
        >>> m.update_state([[1.0, -1.0, 0.0]], [[0.9, 0.9, 0.7]])
        >>> float(m.result())
        0.5
    """

    def __init__(
        self,
        threshold: float = 0.5,
        from_logits: bool = False,
        name: str = "masked_binary_accuracy",
        dtype=None,
    ):
        super().__init__(name=name, dtype=dtype)
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"threshold must be in (0, 1); got {threshold!r}.")
        self.threshold = float(threshold)
        self.from_logits = bool(from_logits)
        self.correct = self.add_variable(shape=(), initializer="zeros", name="correct")
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y, mask = _mask(y_true)
        y_pred = ops.convert_to_tensor(y_pred, dtype="float32")
        if self.from_logits:
            y_pred = ops.sigmoid(y_pred)
        hit = ops.cast(ops.cast(y_pred > self.threshold, "float32") == y, "float32") * mask
        if sample_weight is not None:
            w = ops.expand_dims(ops.convert_to_tensor(sample_weight, "float32"), -1)
            hit, mask = hit * w, mask * w
        self.correct.assign_add(ops.sum(hit))
        self.total.assign_add(ops.sum(mask))

    def result(self):
        return ops.divide_no_nan(self.correct, self.total)

    def reset_state(self):
        self.correct.assign(0.0)
        self.total.assign(0.0)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "threshold": self.threshold,
            "from_logits": self.from_logits,
        }


def multitask_model(
    n_features: int, n_tasks: int, hidden: tuple[int, ...] = (32,), seed: int | None = None
) -> keras.Model:
    """A shared ReLU body and one sigmoid unit per task, compiled with the masked loss.

    Example:
        >>> model = multitask_model(8, 4, seed=0)
        >>> model.output.shape
        (None, 4)
    """
    check_positive(n_features, "n_features", integer=True)
    check_positive(n_tasks, "n_tasks", integer=True)
    inputs = keras.Input(shape=(n_features,), name="x")
    x = inputs
    for i, units in enumerate(hidden):
        init = keras.initializers.HeNormal(seed=None if seed is None else seed + i)
        x = keras.layers.Dense(
            units, activation="relu", kernel_initializer=init, name=f"shared{i + 1}"
        )(x)
    init = keras.initializers.GlorotUniform(seed=None if seed is None else seed + len(hidden))
    outputs = keras.layers.Dense(
        n_tasks, activation="sigmoid", kernel_initializer=init, name="tasks"
    )(x)
    model = keras.Model(inputs, outputs, name="multitask")
    model.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss=MaskedBinaryCrossentropy(),
        metrics=[MaskedBinaryAccuracy()],
    )
    return model


def synthetic_multilabel(
    m: int = 512, n_features: int = 8, n_tasks: int = 4, *, missing: float = 0.3, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Generated multi-label data: ``(X (m, n_features), Y with -1 for hidden labels, Y_full)``.

    Task ``j`` is present when a random linear function of the features is positive, so a
    shared representation helps; each label is hidden with probability ``missing``.

    Example:
        >>> X, Y, Y_full = synthetic_multilabel(100, missing=0.25, seed=0)
        >>> X.shape, Y.shape, bool((Y == -1).any()), set(np.unique(Y_full).tolist())
        ((100, 8), (100, 4), True, {0.0, 1.0})
    """
    if not 0.0 <= missing < 1.0:
        raise ValueError(f"missing must be a fraction in [0, 1); got {missing!r}.")
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, n_features)).astype(np.float32)
    W = rng.normal(size=(n_features, n_tasks))
    Y_full = (X @ W > 0).astype(np.float32)
    Y = np.where(rng.random(Y_full.shape) < missing, -1.0, Y_full).astype(np.float32)
    return X, Y, Y_full
