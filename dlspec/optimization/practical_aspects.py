"""Lab c2-practical: practical aspects of deep learning, measured on the course's data.

Course 2's lectures without a graded notebook, run on real data; each study has its module:

1. exponentially weighted averages (week 2) of a real training run's per-step loss
   (:func:`per_step_losses`), for β = 0.9, 0.98, 0.5, with and without bias correction
   (:mod:`dlspec.optimization.ewma`);
2. gradient health (week 1): per-layer gradient norms of a 20-layer plain network with bad
   initialisations vs He, Xavier, batch normalisation and residual connections
   (:mod:`dlspec.optimization.gradient_health`);
3. input normalisation (week 1): steps to a training loss with raw, /255 and standardised
   cat / non-cat pixels (:mod:`dlspec.optimization.input_normalization`);
4. early stopping vs L2 on the regularization lab's data
   (:mod:`dlspec.optimization.early_stopping`);
5. hyperparameter search (week 3): coarse-to-fine random search on the regularization data
   (:mod:`dlspec.optimization.tuning.search`) and, in the full run, panda vs caviar
   (:mod:`dlspec.optimization.tuning.panda_caviar`).

The lab's runner, :mod:`dlspec.optimization.runs.practical_aspects`, runs the five studies.
"""

from __future__ import annotations

import keras

from dlspec.data.arrays import course_arrays_dataset
from dlspec.optimization.keras_regularized import regularized_classifier
from dlspec.training import Trainer

__all__ = ["per_step_losses"]


def per_step_losses(
    train_X, train_Y, *, steps: int = 300, batch_size: int = 16, seed: int = 0
) -> list[float]:
    """The loss of every step of a mini-batch SGD run: a real, noisy training curve.

    Trains the regularization lab's ``[2, 20, 3, 1]`` network (Keras, ``regularized_classifier``)
    with SGD (learning rate 0.1) on shuffled mini-batches of the course arrays through
    :class:`dlspec.training.Trainer`, one step per Trainer epoch so that its history holds each
    step's mini-batch loss.

    Example:
        >>> losses = per_step_losses(*load_2D_dataset()[:2], steps=50)  # doctest: +SKIP
    """
    keras.utils.set_random_seed(seed)
    trainer = Trainer(
        regularized_classifier([train_X.shape[0], 20, 3, 1], seed=seed),
        optimizer=lambda: keras.optimizers.SGD(0.1),
        metrics=(),
        verbose=0,
    )
    dataset = course_arrays_dataset(
        train_X, train_Y, batch_size=batch_size, shuffle=True, seed=seed, repeat=True
    )
    return trainer.fit(dataset, epochs=steps, steps_per_epoch=1)["loss"]
