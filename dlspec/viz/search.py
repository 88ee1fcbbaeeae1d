"""Hyperparameter-search scatter plots: the sampled points coloured by their dev accuracy."""

from __future__ import annotations

import itertools
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from dlspec.viz.figures import finish, new_axes

__all__ = ["plot_search"]

_MARKERS = {1: ("o", "stage 1 (coarse)"), 2: ("^", "stage 2 (zoomed)")}


def _numeric_names(trials: Sequence[Mapping]) -> list[str]:
    names = []
    for name in trials[0]["hyperparameters"]:
        values = [t["hyperparameters"].get(name) for t in trials]
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            names.append(name)
    return names


def plot_search(
    trials: Sequence[Mapping],
    path: str | os.PathLike | None = None,
    *,
    params: Sequence[str] | None = None,
    log_scale: Mapping[str, bool] | None = None,
    zoom_ranges: Mapping[str, tuple] | None = None,
    score: str = "dev accuracy",
    title: str = "Random search",
) -> Path | Figure:
    """Scatter the sampled hyperparameters, one panel per pair, coloured by the score.

    Stage-1 (coarse) points are circles, stage-2 (zoomed) points triangles; the zoomed region
    is drawn as a dashed box; the best trial is ringed in red.

    Args:
        trials: dicts with ``"hyperparameters"`` (name → value), ``score`` and ``"stage"``
            (1 or 2; missing means 1), as :class:`~dlspec.optimization.tuning.search.
            StudyResult` ``.trials``.
        path: where to write the PNG; ``None`` returns the figure instead.
        params: the hyperparameters to plot (default: every numerical one); one panel per pair
            (a single parameter is plotted against the score).
        log_scale: name → whether its axis is logarithmic (use it for log-sampled ones).
        zoom_ranges: name → ``(low, high)`` of the zoomed stage, drawn as a box.
        score: the key of the colour value.
        title: the figure title.

    Returns:
        ``path``.

    Example:
        >>> trials = [{"hyperparameters": {"lr": 10.0**-k, "lambd": 0.1 * k}, "stage": 1,
        ...            "dev accuracy": 0.9 - 0.01 * k} for k in range(1, 5)]
        >>> plot_search(trials, "reports/search.png",
        ...             log_scale={"lr": True})  # doctest: +SKIP
    """
    if not trials:
        raise ValueError("trials is empty: there is nothing to plot.")
    names = list(params) if params is not None else _numeric_names(trials)
    missing = [n for n in names if any(n not in t["hyperparameters"] for t in trials)]
    if not names or missing:
        raise ValueError(
            f"params must name numerical hyperparameters of every trial; got {names} "
            f"(missing in some trials: {missing})."
        )
    log_scale, zoom_ranges = dict(log_scale or {}), dict(zoom_ranges or {})
    pairs = list(itertools.combinations(names, 2)) or [(names[0], score)]
    fig, axes = new_axes(len(pairs), width=5.0, height=4.2, squeeze=False)
    scores = np.array([float(t[score]) for t in trials])
    best = int(np.nanargmax(scores))
    stages = np.array([int(t.get("stage", 1)) for t in trials])
    if not set(stages.tolist()) <= set(_MARKERS):
        raise ValueError(f"stage must be 1 or 2; got {sorted(set(stages.tolist()))}.")
    for ax, (x_name, y_name) in zip(axes[0], pairs):

        def column(name):
            if name == score:
                return scores
            return np.array([float(t["hyperparameters"][name]) for t in trials])

        x, y = column(x_name), column(y_name)
        for stage, (marker, label) in _MARKERS.items():
            mask = stages == stage
            if mask.any():
                points = ax.scatter(
                    x[mask],
                    y[mask],
                    c=scores[mask],
                    cmap="viridis",
                    vmin=np.nanmin(scores),
                    vmax=np.nanmax(scores),
                    marker=marker,
                    edgecolors="k",
                    linewidths=0.4,
                    label=label,
                )
        ax.scatter(x[best], y[best], s=160, facecolors="none", edgecolors="red", label="best")
        if x_name in zoom_ranges and y_name in zoom_ranges:
            (x0, x1), (y0, y1) = zoom_ranges[x_name], zoom_ranges[y_name]
            ax.plot([x0, x1, x1, x0, x0], [y0, y0, y1, y1, y0], "k--", lw=1, label="zoomed region")
        ax.set_xscale("log" if log_scale.get(x_name) else "linear")
        ax.set_yscale("log" if log_scale.get(y_name) else "linear")
        ax.set_xlabel(x_name + (" (log scale)" if log_scale.get(x_name) else ""))
        ax.set_ylabel(y_name + (" (log scale)" if log_scale.get(y_name) else ""))
        legend = ax.legend(fontsize=8)
        for handle, text in zip(legend.legend_handles, legend.get_texts(), strict=True):
            if text.get_text().startswith("stage"):  # a neutral swatch, not one point's colour
                handle.set_array(None)
                handle.set_facecolor("0.75")
    fig.colorbar(points, ax=axes[0].tolist(), label=score)
    fig.suptitle(title)
    return finish(fig, path)
