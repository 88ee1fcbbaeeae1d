"""A Keras callback that diagnoses the model while it trains (C3W1-W2).

Every ``every`` epochs it measures the classification error on train / train-dev / dev (and
test, if given), runs :func:`~dlspec.strategy.diagnosis.diagnose`, and keeps the history, so
you can watch avoidable bias shrink and variance grow. It works with ``model.fit``; dlspec's
own :class:`~dlspec.training.Trainer` takes no callbacks, so with it call
:meth:`DiagnosisCallback.evaluate` yourself between epochs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import keras
import numpy as np

from dlspec.strategy.diagnosis import Diagnosis, check_error_rate, diagnose
from dlspec.strategy.plots import plot_error_curves
from dlspec.strategy.splits import SPLITS
from dlspec.training.predict import predict_eagerly
from dlspec.validation import check_positive

__all__ = ["DiagnosisCallback", "classification_error"]


def classification_error(y_true, y_prob, threshold: float = 0.5) -> float:
    """Fraction of wrong predictions: a threshold on one sigmoid output, else argmax.

    ``y_true`` holds 0/1 labels (binary), class ids, or one-hot rows.

    Example:
        >>> classification_error([1, 0, 1, 1], [[0.9], [0.2], [0.4], [0.6]])
        0.25
    """
    y_prob = np.asarray(y_prob, dtype=float)
    y_true = np.asarray(y_true)
    if y_prob.ndim <= 1 or y_prob.shape[-1] == 1:
        pred = (y_prob.reshape(len(y_prob), -1)[:, 0] > threshold).astype(int)
        true = y_true.reshape(len(y_true), -1)[:, 0]
    else:
        pred = np.argmax(y_prob, axis=-1)
        true = np.argmax(y_true, axis=-1) if y_true.ndim == y_prob.ndim else y_true.ravel()
    if len(true) != len(pred):
        raise ValueError(f"{len(true)} labels for {len(pred)} predictions.")
    return float(np.mean(pred != true))


class DiagnosisCallback(keras.callbacks.Callback):
    """Record train / train-dev / dev (/ test) errors and the diagnosis during ``model.fit``.

    Args:
        data: ``{"train": (x, y), "train_dev": (x, y), "dev": (x, y), "test": (x, y)}``
            (``train`` required); each value a pair of arrays (examples as rows) or a
            ``tf.data.Dataset`` of ``(x, y)`` batches.
        human: human-level error (fraction), the Bayes proxy of the diagnosis.
        every: evaluate every ``every`` epochs (and after the last one).
        batch_size: prediction batch size for arrays.
        log: also put ``"<set>_error"`` into the epoch logs (so ``History`` and
            ``ModelCheckpoint(monitor="dev_error")`` see them).

    Attributes:
        epochs: the (1-based) epochs evaluated.
        errors: ``{set: [error per evaluated epoch]}``.
        diagnoses: the :class:`~dlspec.strategy.diagnosis.Diagnosis` of each evaluated epoch.

    Example:
        >>> cb = DiagnosisCallback({"train": (x_tr, y_tr), "train_dev": (x_td, y_td),
        ...                         "dev": (x_dev, y_dev)}, human=0.01)  # doctest: +SKIP
        >>> model.fit(x_tr, y_tr, epochs=20, callbacks=[cb])  # doctest: +SKIP
        >>> print(cb.diagnoses[-1])  # doctest: +SKIP
        Focus on variance (...)
    """

    def __init__(
        self,
        data: Mapping[str, object],
        *,
        human: float | None = None,
        every: int = 1,
        batch_size: int = 1024,
        log: bool = True,
    ):
        super().__init__()
        unknown = set(data) - set(SPLITS)
        if unknown:
            raise ValueError(f"unknown sets {sorted(unknown)}; use {list(SPLITS)}.")
        if "train" not in data:
            raise ValueError("data needs a 'train' set (the errors are diagnosed from it).")
        check_positive(every, "every", integer=True)
        self.data = {s: data[s] for s in SPLITS if s in data}
        for name, value in self.data.items():
            if not hasattr(value, "element_spec") and not (
                isinstance(value, tuple | list) and len(value) == 2
            ):
                raise TypeError(f"data[{name!r}] must be (x, y) or a tf.data.Dataset.")
        self.human = None if human is None else check_error_rate(human, "human")
        self.every = int(every)
        self.batch_size = batch_size
        self.log = log
        self.epochs: list[int] = []
        self.errors: dict[str, list[float]] = {s: [] for s in self.data}
        self.diagnoses: list[Diagnosis] = []

    def _error(self, value) -> float:
        if hasattr(value, "element_spec"):
            labels, probs = [], []
            for x, y in value:
                probs.append(np.asarray(self.model(x, training=False)))
                labels.append(np.asarray(y))
            return classification_error(np.concatenate(labels), np.concatenate(probs))
        x, y = value
        return classification_error(y, predict_eagerly(self.model, x, self.batch_size))

    def evaluate(self, epoch: int) -> Diagnosis:
        """Measure every set now, record it under ``epoch`` and return the diagnosis."""
        errors = {name: self._error(value) for name, value in self.data.items()}
        for name, value in errors.items():
            self.errors[name].append(value)
        self.epochs.append(int(epoch))
        diagnosis = (
            diagnose(human=self.human, **errors)
            if len(errors) > 1 or self.human is not None
            else None
        )
        self.diagnoses.append(diagnosis)
        return diagnosis

    def on_epoch_end(self, epoch, logs=None):
        last = self.params.get("epochs") if self.params else None
        if (epoch + 1) % self.every and epoch + 1 != last:
            return
        self.evaluate(epoch + 1)
        if self.log and logs is not None:
            for name, values in self.errors.items():
                logs[f"{name}_error"] = values[-1]

    def plot(self, path: str | os.PathLike, *, title: str = "Errors during training") -> Path:
        """The error curves and the human-level line (see :func:`plot_error_curves`)."""
        if not self.epochs:
            raise RuntimeError("nothing recorded yet: train with this callback first.")
        return plot_error_curves(
            self.errors, path, epochs=self.epochs, human=self.human, title=title
        )
