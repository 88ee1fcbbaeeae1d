"""Learning-rate curves: the learning rate of each schedule against the epoch."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from dlspec.validation import check_positive
from dlspec.viz.figures import finish, new_axes

__all__ = ["plot_learning_rates"]


def _learning_rates(schedule: Callable, steps: np.ndarray) -> np.ndarray:
    """Evaluate ``schedule`` at every step: vectorised when it allows it, else one by one."""
    try:
        values = np.asarray(schedule(steps), dtype=float)
    except (TypeError, ValueError):
        values = None
    if values is None or values.shape != steps.shape:
        values = np.array([float(np.asarray(schedule(int(step)))) for step in steps])
    return values


def plot_learning_rates(
    schedules: Mapping[str, Callable],
    epochs: int | Sequence[int],
    path: str | os.PathLike | None = None,
    *,
    steps_per_epoch: int = 1,
    title: str = "Learning rate",
    log_scale: bool = False,
) -> Path | Figure:
    """Plot the learning rate of several schedules over the epochs and save a PNG.

    Args:
        schedules: ``{label: schedule}``; a schedule is any callable from a step to a learning
            rate: a Keras ``LearningRateSchedule`` (called with the optimizer step) or a
            function of the epoch such as ``lambda epoch: update_lr(0.1, epoch, 1)``.
        epochs: the number of epochs (``0 .. epochs - 1``) or the epochs to evaluate.
        path: where to write the PNG; ``None`` returns the figure instead.
        steps_per_epoch: each schedule is called with ``epoch · steps_per_epoch`` (the first
            step of the epoch); keep 1 for functions of the epoch.
        title: figure title.
        log_scale: logarithmic y axis (useful for fast decays).

    Returns:
        ``path``.

    Example:
        >>> import keras
        >>> staircase = keras.optimizers.schedules.InverseTimeDecay(0.1, 10, 1.0, staircase=True)
        >>> plot_learning_rates({"staircase": staircase, "1 / (1 + t)": lambda t: 0.1 / (1 + t)},
        ...                     100, "reports/lr.png")  # doctest: +SKIP
    """
    if not schedules:
        raise ValueError("schedules is empty; pass {label: schedule}.")
    if np.ndim(epochs) == 0:
        check_positive(epochs, "epochs", integer=True)
        epoch_values = np.arange(int(epochs))
    else:
        epoch_values = np.asarray(epochs)
        if epoch_values.ndim != 1 or epoch_values.size == 0:
            raise ValueError(f"epochs must be a positive integer or a 1-D list; got {epochs!r}.")
    steps = epoch_values * int(steps_per_epoch)
    fig, ax = new_axes()
    for label, schedule in schedules.items():
        if not callable(schedule):
            raise TypeError(f"schedule {label!r} is not callable; got {type(schedule).__name__}.")
        ax.plot(epoch_values, _learning_rates(schedule, steps), label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("learning rate")
    ax.set_title(title)
    if log_scale:
        ax.set_yscale("log")
    ax.legend()
    return finish(fig, path)
