"""The course's learning-rate decays (C2W2) as Keras learning-rate schedules.

* :class:`EpochInverseTimeDecay` is ``update_lr``: ``lr0 / (1 + decay_rate · epoch)``.
* :class:`FixedIntervalDecay` is ``schedule_lr_decay``:
  ``lr0 / (1 + decay_rate · floor(epoch / time_interval))``.

The course decays once per *epoch*; Keras calls a schedule with the optimizer's *step*
(``optimizer.iterations``, one per mini-batch). Both schedules therefore take
``steps_per_epoch`` and use ``epoch = floor(step / steps_per_epoch)``: pass the number of
mini-batches per epoch (``ceil(m / batch_size)``; the course's moons lab has 300 examples in
batches of 64, so 5). With the default ``steps_per_epoch=1`` the step is the epoch.

Relation to ``keras.optimizers.schedules.InverseTimeDecay(lr0, decay_steps, decay_rate,
staircase=True)``, which computes ``lr0 / (1 + decay_rate · floor(step / decay_steps))``:
``EpochInverseTimeDecay`` is it with ``decay_steps = steps_per_epoch`` and
``FixedIntervalDecay`` with ``decay_steps = steps_per_epoch · time_interval``.
"""

from __future__ import annotations

import keras
from keras import ops

from dlspec.validation import check_positive

__all__ = ["EpochInverseTimeDecay", "FixedIntervalDecay"]


def _check_common(learning_rate0, decay_rate, steps_per_epoch) -> None:
    check_positive(learning_rate0, "learning_rate0")
    if isinstance(decay_rate, bool) or not isinstance(decay_rate, int | float) or decay_rate < 0:
        raise ValueError(
            f"decay_rate must be a number >= 0 (the course uses 1); got {decay_rate!r}."
        )
    check_positive(steps_per_epoch, "steps_per_epoch", integer=True)


@keras.saving.register_keras_serializable(package="dlspec")
class EpochInverseTimeDecay(keras.optimizers.schedules.LearningRateSchedule):
    """``update_lr`` as a schedule: ``learning_rate0 / (1 + decay_rate · epoch)``.

    The learning rate drops after every epoch; ``epoch = floor(step / steps_per_epoch)``
    (see the module docstring). Same as Keras'
    ``InverseTimeDecay(learning_rate0, steps_per_epoch, decay_rate, staircase=True)``.

    Args:
        learning_rate0: the initial learning rate (> 0).
        decay_rate: the course's ``decay_rate`` (>= 0); defaults to 1.
        steps_per_epoch: optimizer steps (mini-batches) per epoch; defaults to 1.
        name: optional name.

    Call arguments:
        step: the optimizer step (an integer scalar or tensor, or an array of steps).

    Returns:
        The learning rate as a float32 tensor of the shape of ``step``.

    Example:
        >>> schedule = EpochInverseTimeDecay(0.5, decay_rate=1)
        >>> round(float(schedule(2)), 6)  # update_lr(0.5, 2, 1)
        0.166667
        >>> optimizer = keras.optimizers.SGD(learning_rate=schedule)
    """

    def __init__(
        self,
        learning_rate0: float,
        decay_rate: float = 1.0,
        steps_per_epoch: int = 1,
        name: str | None = None,
    ):
        super().__init__()
        _check_common(learning_rate0, decay_rate, steps_per_epoch)
        self.learning_rate0 = float(learning_rate0)
        self.decay_rate = float(decay_rate)
        self.steps_per_epoch = int(steps_per_epoch)
        self.name = name

    def __call__(self, step):
        epoch = ops.floor_divide(step, self.steps_per_epoch)
        epoch = ops.cast(epoch, "float32")
        return ops.divide(self.learning_rate0, ops.add(1.0, ops.multiply(self.decay_rate, epoch)))

    def get_config(self) -> dict:
        return {
            "learning_rate0": self.learning_rate0,
            "decay_rate": self.decay_rate,
            "steps_per_epoch": self.steps_per_epoch,
            "name": self.name,
        }


@keras.saving.register_keras_serializable(package="dlspec")
class FixedIntervalDecay(keras.optimizers.schedules.LearningRateSchedule):
    """``schedule_lr_decay`` as a schedule: decay once every ``time_interval`` epochs.

    ``learning_rate0 / (1 + decay_rate · floor(epoch / time_interval))`` with
    ``epoch = floor(step / steps_per_epoch)``, the course's "fixed interval scheduling". Same as
    Keras' ``InverseTimeDecay(learning_rate0, steps_per_epoch · time_interval, decay_rate,
    staircase=True)``.

    Args:
        learning_rate0: the initial learning rate (> 0).
        decay_rate: the course's ``decay_rate`` (>= 0); defaults to 1.
        time_interval: epochs between two decays; defaults to 1000 like the course.
        steps_per_epoch: optimizer steps (mini-batches) per epoch; defaults to 1.
        name: optional name.

    Call arguments:
        step: the optimizer step (an integer scalar or tensor, or an array of steps).

    Returns:
        The learning rate as a float32 tensor of the shape of ``step``.

    Example:
        >>> schedule = FixedIntervalDecay(0.5, decay_rate=1, time_interval=100)
        >>> float(schedule(100)), float(schedule(10))  # schedule_lr_decay(0.5, epoch, 1, 100)
        (0.25, 0.5)
        >>> optimizer = keras.optimizers.Adam(learning_rate=schedule)
    """

    def __init__(
        self,
        learning_rate0: float,
        decay_rate: float = 1.0,
        time_interval: int = 1000,
        steps_per_epoch: int = 1,
        name: str | None = None,
    ):
        super().__init__()
        _check_common(learning_rate0, decay_rate, steps_per_epoch)
        check_positive(time_interval, "time_interval", integer=True)
        self.learning_rate0 = float(learning_rate0)
        self.decay_rate = float(decay_rate)
        self.time_interval = int(time_interval)
        self.steps_per_epoch = int(steps_per_epoch)
        self.name = name

    def __call__(self, step):
        epoch = ops.floor_divide(step, self.steps_per_epoch)
        decays = ops.cast(ops.floor_divide(epoch, self.time_interval), "float32")
        return ops.divide(self.learning_rate0, ops.add(1.0, ops.multiply(self.decay_rate, decays)))

    def get_config(self) -> dict:
        return {
            "learning_rate0": self.learning_rate0,
            "decay_rate": self.decay_rate,
            "time_interval": self.time_interval,
            "steps_per_epoch": self.steps_per_epoch,
            "name": self.name,
        }
