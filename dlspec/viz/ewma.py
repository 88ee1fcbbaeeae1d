"""The course's exponentially-weighted-average figure: a noisy series and its averages."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from dlspec.viz.figures import finish, new_axes

__all__ = ["plot_ewma"]


def plot_ewma(
    series,
    averages: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    path: str | os.PathLike | None = None,
    *,
    title: str = "Exponentially weighted averages",
    ylabel: str = "value",
    xlabel: str = "step",
) -> Path | Figure:
    """Plot ``series`` with its averages, without (left) and with (right) bias correction.

    Without correction the averages start near 0 and need ``≈ 1/(1-β)`` steps to catch up
    (most visible for β = 0.98); with correction they start on the data.

    Args:
        series: the 1-D noisy series, e.g. a training run's per-step loss.
        averages: ``{label: (without correction, with correction)}``, one entry per β, e.g.
            computed with :func:`dlspec.optimization.ewma.ewma`.
        path: where to write the PNG; ``None`` returns the figure instead.
        title, ylabel, xlabel: figure text.

    Example:
        >>> averages = {"β = 0.9": (ewma(loss, 0.9, False), ewma(loss, 0.9))}  # doctest: +SKIP
        >>> plot_ewma(loss, averages, "reports/ewma.png")  # doctest: +SKIP
    """
    values = np.ravel(np.asarray(series, dtype=float))
    steps = np.arange(1, len(values) + 1)
    fig, axes = new_axes(2, sharey=True, squeeze=False, layout="constrained")
    fig.suptitle(title)
    for ax, corrected in zip(axes[0], (False, True)):
        ax.plot(steps, values, ".", color="0.6", markersize=3, label="series")
        for label, curves in averages.items():
            ax.plot(steps, np.ravel(curves[int(corrected)]), label=label)
        ax.set_xlabel(xlabel)
        ax.set_title(f"{'with' if corrected else 'without'} bias correction")
        ax.legend(fontsize="small")
    axes[0, 0].set_ylabel(ylabel)
    return finish(fig, path)
