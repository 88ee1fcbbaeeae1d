"""Cost curves: the cost every ``every`` iterations, one line per run."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from dlspec.viz.figures import finish, new_axes

__all__ = ["plot_costs"]

LINE_STYLES = ("-", "--", "-.", ":")


def plot_costs(
    costs: Sequence[float] | Mapping[str, Sequence[float]],
    path: str | os.PathLike | None = None,
    *,
    every: int = 100,
    title: str = "Cost",
    xlabel: str = "iterations",
    ylabel: str = "cost",
    log_scale: bool = False,
) -> Path | Figure:
    """Plot one cost curve (a list) or several (``{label: costs}``) and save a PNG.

    Args:
        costs: costs recorded every ``every`` iterations, or a dict of such lists.
        path: where to write the PNG; ``None`` returns the figure instead.
        every: iterations between two recorded costs (the course records every 100).
        title: figure title, e.g. ``"Learning rate = 0.005"``.
        xlabel, ylabel: axis labels (e.g. ``xlabel="epochs"`` for per-epoch costs).
        log_scale: logarithmic y axis.

    Example:
        >>> plot_costs(d["costs"], "reports/c1w2/costs.png", title="lr = 0.005")  # doctest: +SKIP
    """
    curves = dict(costs) if isinstance(costs, Mapping) else {"": costs}
    fig, ax = new_axes()
    for i, (label, values) in enumerate(curves.items()):
        values = np.ravel(np.asarray(values, dtype=float))
        style = LINE_STYLES[i % len(LINE_STYLES)]  # curves that coincide stay visible
        ax.plot(np.arange(len(values)) * every, values, style, label=label or None)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if log_scale:
        ax.set_yscale("log")
    if len(curves) > 1 or "" not in curves:
        ax.legend()
    return finish(fig, path)
