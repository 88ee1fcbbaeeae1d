"""The two labs a hyperparameter search is run on, as KerasTuner hypermodels with their data.

* ``"regularization"``: C2W1's French football data (train 211, the course's *test* set of 200
  used as the dev set, as the lab does), the lab's ``[2, 20, 3, 1]`` ReLU network with L2
  weight decay (:func:`~dlspec.optimization.keras_regularized.regularized_classifier`), trained
  full-batch with Adam. Searched: the learning rate in ``[1e-4, 1]`` and the course's L2
  strength ``λ`` in ``[1e-3, 10]``, both log-uniform (plus Adam's ``β1 = 1 − 10^r``,
  ``r ∈ [-3, -1]``, with ``momentum=True``).
* ``"signs"``: the SIGNS hand signs (train 1080, test 120 as the dev set; the JPEG stand-in when
  the course's h5 files are absent, see :mod:`dlspec.data.signs`), average-pooled to 16×16 to
  keep trials cheap, then ``Flatten → Dense(width, relu) → Dense(6)``, Adam on minibatches of
  64. Searched: the learning rate in ``[1e-4, 1]`` and the width in ``[8, 256]``, both
  log-uniform.

Each trial is scored by the dev metrics after its last epoch. Trials are seeded (the kernel
initialisers and the shuffling take the hypermodel's ``seed``; no global state is touched),
so the same values give the same result: every configuration starts from the same draw, which
also makes the comparison between trials fairer.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

import keras
import keras_tuner
import numpy as np

from dlspec.data.arrays import array_dataset
from dlspec.data.football import FOOTBALL_FILE, load_2D_dataset
from dlspec.data.signs import load_signs
from dlspec.optimization.keras_regularized import regularized_classifier
from dlspec.optimization.tuning.space import hp_beta, hp_log_uniform

__all__ = [
    "DEFAULT_EPOCHS",
    "STUDY_DATASETS",
    "RegularizationHyperModel",
    "SignsHyperModel",
    "StudyData",
    "load_study_data",
    "study_hypermodel",
    "training_passes",
]

STUDY_DATASETS = ("regularization", "signs")
#: passes over the training set of one trial: full-batch steps (regularization), epochs (SIGNS)
DEFAULT_EPOCHS = {"regularization": 200, "signs": 15}


@dataclass(frozen=True)
class StudyData:
    """Training and dev arrays of a study, rows as examples (Keras layout)."""

    x: np.ndarray
    y: np.ndarray
    x_dev: np.ndarray
    y_dev: np.ndarray
    dev_note: str


def _check_dataset(dataset: str) -> str:
    if dataset not in STUDY_DATASETS:
        raise ValueError(f"dataset must be one of {STUDY_DATASETS}; got {dataset!r}.")
    return dataset


@functools.lru_cache(maxsize=4)
def load_study_data(dataset: str, root: str | os.PathLike | None = None) -> StudyData:
    """Load a study's data once per process (``root`` replaces ``$DLSPEC_DATA_DIR``).

    Example:
        >>> data = load_study_data("regularization")  # doctest: +SKIP
        >>> data.x.shape, data.x_dev.shape  # doctest: +SKIP
        ((211, 2), (200, 2))
    """
    _check_dataset(dataset)
    if dataset == "regularization":
        path = None if root is None else os.path.join(root, FOOTBALL_FILE)
        train_X, train_Y, test_X, test_Y = load_2D_dataset(path)
        return StudyData(
            train_X.T.astype(np.float32),
            train_Y.T.astype(np.float32),
            test_X.T.astype(np.float32),
            test_Y.T.astype(np.float32),
            "dev set = the lab's test set (200 examples), as the course does",
        )
    train, test = load_signs("train", root=root), load_signs("test", root=root)
    return StudyData(
        train.images,
        train.labels,
        test.images,
        test.labels,
        f"dev set = the SIGNS test set (120 images, {test.source} files), as the course does",
    )


def _scores(model, x, y, loss_fn, accuracy) -> tuple[float, float]:
    """Cross-entropy (without the weight penalty) and accuracy of ``model`` on ``(x, y)``."""
    outputs = model(x, training=False)
    accuracy.reset_state()
    accuracy.update_state(y, outputs)
    loss = keras.ops.mean(loss_fn(y, outputs))
    return float(keras.ops.convert_to_numpy(loss)), float(accuracy.result())


def training_passes(data: StudyData, *, batch_size: int, seed: int, passes: int):
    """``passes`` passes over the training set as one ``tf.data`` pipeline.

    Minibatches are reshuffled every pass (seeded); a full batch is not shuffled.

    Example:
        >>> ds = training_passes(data, batch_size=64, seed=0, passes=15)  # doctest: +SKIP
    """
    return array_dataset(
        (data.x, data.y),
        batch_size=batch_size,
        shuffle=batch_size < len(data.x),
        seed=seed,
        repeat=passes,
    )


def _fit_and_score(
    model, data: StudyData, *, epochs: int, batch_size: int, seed: int, loss_fn, accuracy
) -> dict:
    """Train ``epochs`` passes, then measure the train and dev loss and accuracy.

    ``model.fit`` rather than dlspec's ``Trainer``: KerasTuner hypermodels are built around
    ``compile``/``fit``. The passes run as one Keras epoch over the repeated data, several
    steps per call (``steps_per_execution``), and the final metrics are computed by calling
    the model eagerly: on a 211-example set Keras' per-epoch and ``evaluate`` overheads would
    cost more than the training.
    """
    passes = training_passes(data, batch_size=batch_size, seed=seed, passes=epochs)
    model.fit(passes, epochs=1, shuffle=False, verbose=0)
    loss, acc = _scores(model, data.x, data.y, loss_fn, accuracy)
    dev_loss, dev_acc = _scores(model, data.x_dev, data.y_dev, loss_fn, accuracy)
    return {"val_accuracy": dev_acc, "val_loss": dev_loss, "accuracy": acc, "loss": loss}


class RegularizationHyperModel(keras_tuner.HyperModel):
    """The regularization lab's network: learning rate × λ (× Adam's β1 with ``momentum``).

    Args:
        m: training-set size (turns ``λ`` into Keras' ``L2(λ / (2m))``).
        seed: seed of the kernel initialisers.
        learning_rates, lambdas: ranges of the log-uniform learning rate and ``λ``.
        momentum: also search Adam's ``β1 = 1 − 10^r`` in ``[0.9, 0.999]``.

    Example:
        >>> hp = keras_tuner.HyperParameters()
        >>> model = RegularizationHyperModel(211).build(hp)
        >>> [p.name for p in hp.space]
        ['learning_rate', 'lambd']
    """

    def __init__(
        self,
        m: int,
        *,
        seed: int = 0,
        learning_rates: tuple[float, float] = (1e-4, 1.0),
        lambdas: tuple[float, float] = (1e-3, 10.0),
        momentum: bool = False,
    ):
        super().__init__(name="regularization")
        self.m, self.seed, self.momentum = int(m), int(seed), bool(momentum)
        self.batch_size = self.m  # full batch, as the lab trains
        self.learning_rates, self.lambdas = learning_rates, lambdas

    def build(self, hp) -> keras.Model:
        learning_rate = hp_log_uniform(hp, "learning_rate", *self.learning_rates)
        lambd = hp_log_uniform(hp, "lambd", *self.lambdas)
        beta_1 = hp_beta(hp, "beta1") if self.momentum else 0.9
        model = regularized_classifier((2, 20, 3, 1), lambd=lambd, m=self.m, seed=self.seed)
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate, beta_1=beta_1),
            loss="binary_crossentropy",
            metrics=["accuracy"],
            steps_per_execution=32,
        )
        return model

    def fit(self, hp, model, data: StudyData, *, epochs: int = 200, **kwargs) -> dict:
        """Full-batch training for ``epochs`` steps (the lab trains full-batch)."""
        return _fit_and_score(
            model,
            data,
            epochs=epochs,
            batch_size=self.batch_size,
            seed=self.seed,
            loss_fn=keras.losses.binary_crossentropy,
            accuracy=keras.metrics.BinaryAccuracy(),
        )


class SignsHyperModel(keras_tuner.HyperModel):
    """A one-hidden-layer SIGNS classifier on 16×16 images: learning rate × width.

    Example:
        >>> model = SignsHyperModel().build(keras_tuner.HyperParameters())
        >>> tuple(model.outputs[0].shape)
        (None, 6)
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        learning_rates: tuple[float, float] = (1e-4, 1.0),
        widths: tuple[int, int] = (8, 256),
        batch_size: int = 64,
    ):
        super().__init__(name="signs")
        self.seed, self.batch_size = int(seed), int(batch_size)
        self.learning_rates, self.widths = learning_rates, widths

    def build(self, hp) -> keras.Model:
        learning_rate = hp_log_uniform(hp, "learning_rate", *self.learning_rates)
        width = hp.Int("width", *self.widths, sampling="log")
        inputs = keras.Input((64, 64, 3), name="image")
        x = keras.layers.Rescaling(1 / 255)(inputs)
        x = keras.layers.AveragePooling2D(4, name="to_16x16")(x)
        x = keras.layers.Flatten()(x)
        x = keras.layers.Dense(
            width, activation="relu", kernel_initializer=keras.initializers.HeNormal(self.seed)
        )(x)
        logits = keras.layers.Dense(
            6, kernel_initializer=keras.initializers.GlorotUniform(self.seed), name="logits"
        )(x)
        model = keras.Model(inputs, logits, name="signs_mlp")
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
            steps_per_execution=32,
        )
        return model

    def fit(self, hp, model, data: StudyData, *, epochs: int = 15, **kwargs) -> dict:
        """Minibatch training for ``epochs`` epochs, reshuffled each epoch (seeded)."""
        return _fit_and_score(
            model,
            data,
            epochs=epochs,
            batch_size=self.batch_size,
            seed=self.seed,
            loss_fn=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            accuracy=keras.metrics.SparseCategoricalAccuracy(),
        )


def study_hypermodel(dataset: str, data: StudyData, *, seed: int = 0, momentum: bool = False):
    """The hypermodel of a study's dataset (``"regularization"`` or ``"signs"``).

    Example:
        >>> hm = study_hypermodel("regularization", data)  # doctest: +SKIP
    """
    if _check_dataset(dataset) == "regularization":
        return RegularizationHyperModel(len(data.x), seed=seed, momentum=momentum)
    if momentum:
        raise ValueError("momentum=True (searching Adam's β1) is offered for 'regularization'.")
    return SignsHyperModel(seed=seed)
