"""Gradient health figures: a quantity by layer (x) over training time (one line per record)."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from dlspec.viz.figures import finish, new_axes

__all__ = ["plot_by_layer"]


def plot_by_layer(
    recorders: Mapping[str, object],
    path: str | os.PathLike | None = None,
    *,
    quantity: str = "gradient_norms",
    ylabel: str = "‖∂J/∂W‖ (probe batch)",
    log_scale: bool = True,
    ncols: int = 3,
) -> Path | Figure:
    """One panel per network: ``quantity`` by layer, a line per recorded step (dark = early).

    Args:
        recorders: ``{name: GradientHealthRecorder}`` (anything with ``steps``,
            ``layer_names`` and the ``quantity`` array (n records, n layers)).
        path: where to write the PNG; ``None`` returns the figure instead.
        quantity: ``"gradient_norms"``, ``"activation_std"``, ``"activation_mean"`` or
            ``"activation_zero_fraction"``.
        ylabel: y-axis label.
        log_scale: logarithmic y axis shared by all panels (values of 0, e.g. underflowed
            gradients, are left out of the plot).
        ncols: panels per row.

    Example:
        >>> plot_by_layer(gradient_health_demo(X, Y), "reports/norms.png")  # doctest: +SKIP
    """
    import matplotlib

    nrows = math.ceil(len(recorders) / ncols)
    fig, axes = new_axes(
        ncols, nrows, width=4.0, height=3.2, squeeze=False, sharey=log_scale, layout="constrained"
    )
    cmap = matplotlib.colormaps["viridis"]
    for ax, (name, recorder) in zip(axes.flat, recorders.items()):
        values = np.asarray(getattr(recorder, quantity), dtype=float)
        layers = np.arange(1, values.shape[1] + 1)
        for i, (step, row) in enumerate(zip(recorder.steps, values)):
            if log_scale:
                row = np.where(row > 0, row, np.nan)
            color = cmap(i / max(len(recorder.steps) - 1, 1))
            label = f"step {step}" if i in (0, len(values) - 1) else None
            ax.plot(layers, row, "-", color=color, label=label)
        ax.set_title(name, fontsize="medium")
        ax.set_xlabel("layer (input side → output)")
        if log_scale:
            ax.set_yscale("log")
        ax.legend(fontsize="x-small")
    for ax in axes[:, 0]:
        ax.set_ylabel(ylabel)
    for ax in list(axes.flat)[len(recorders) :]:
        ax.set_visible(False)
    return finish(fig, path)
