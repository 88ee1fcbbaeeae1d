"""The course's exponentially-weighted-average figure: a noisy series and its averages."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from dlspec.viz.figures import new_axes, save_figure

__all__ = ["plot_ewma"]


def plot_ewma(
    series,
    path: str | os.PathLike,
    *,
    betas: Sequence[float] = (0.9, 0.98, 0.5),
    title: str = "Exponentially weighted averages",
    ylabel: str = "value",
    xlabel: str = "step",
) -> Path:
    """Plot ``series`` with its EWMAs for each β, without (left) and with (right) bias correction.

    Without correction the averages start near 0 and need ``≈ 1/(1-β)`` steps to catch up
    (most visible for β = 0.98); with correction they start on the data.

    Args:
        series: the 1-D noisy series, e.g. a training run's per-step loss.
        path: where to write the PNG.
        betas: the coefficients (the course shows 0.9, 0.98 and 0.5).
        title, ylabel, xlabel: figure text.

    Example:
        >>> plot_ewma(history["loss"], "reports/ewma.png")  # doctest: +SKIP
    """
    from dlspec.optimization.ewma import effective_window, ewma

    values = np.ravel(np.asarray(series, dtype=float))
    steps = np.arange(1, len(values) + 1)
    fig, axes = new_axes(2, sharey=True, squeeze=False, layout="constrained")
    fig.suptitle(title)
    for ax, corrected in zip(axes[0], (False, True)):
        ax.plot(steps, values, ".", color="0.6", markersize=3, label="series")
        for beta in betas:
            window = effective_window(beta)
            label = f"β = {beta:g} (≈ {window:.0f} values)"
            ax.plot(steps, ewma(values, beta, bias_correction=corrected), label=label)
        ax.set_xlabel(xlabel)
        ax.set_title(f"{'with' if corrected else 'without'} bias correction")
        ax.legend(fontsize="small")
    axes[0, 0].set_ylabel(ylabel)
    return save_figure(fig, path)
