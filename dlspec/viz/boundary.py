"""Decision boundaries of 2-D classifiers (planar flower, moons, football field)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from dlspec.validation import check_X_Y
from dlspec.viz.figures import finish, new_axes

__all__ = ["plot_decision_boundary", "plot_decision_boundaries"]


def _draw(ax, predict, X, Y, title: str, resolution: float, margin: float):
    X, Y = check_X_Y(X, Y, n_x=2)
    x_min, x_max = X[0].min() - margin, X[0].max() + margin
    y_min, y_max = X[1].min() - margin, X[1].max() + margin
    xx, yy = np.meshgrid(np.arange(x_min, x_max, resolution), np.arange(y_min, y_max, resolution))
    grid = np.c_[xx.ravel(), yy.ravel()].T
    Z = np.asarray(predict(grid), dtype=float).reshape(xx.shape)
    ax.contourf(xx, yy, Z, cmap="Spectral", alpha=0.8)
    ax.scatter(X[0], X[1], c=Y.ravel(), s=15, cmap="Spectral", edgecolors="k", linewidths=0.3)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(title)
    ax.grid(False)


def plot_decision_boundary(
    predict: Callable[[np.ndarray], np.ndarray],
    X,
    Y,
    path: str | os.PathLike | None = None,
    *,
    title: str = "Decision boundary",
    resolution: float = 0.01,
    margin: float = 1.0,
) -> Path | Figure:
    """Shade the classes a model predicts over the plane and overlay the data; save a PNG.

    Args:
        predict: maps points (2, n) to predictions (1, n) or (n,), as the course's lambdas do
            (``lambda x: predict(parameters, x)``).
        X: points (2, m).
        Y: labels (1, m).
        path: where to write the PNG; ``None`` returns the figure instead.
        resolution: grid step of the shading.
        margin: space around the data, in data units (the course uses 1).

    Example:
        >>> plot_decision_boundary(lambda x: predict(parameters, x), X, Y,
        ...                        "reports/planar.png", title="n_h = 4")  # doctest: +SKIP
    """
    fig, ax = new_axes()
    _draw(ax, predict, X, Y, title, resolution, margin)
    return finish(fig, path)


def plot_decision_boundaries(
    predictors: Mapping[str, Callable[[np.ndarray], np.ndarray]],
    X,
    Y,
    path: str | os.PathLike | None = None,
    *,
    resolution: float = 0.01,
    margin: float = 1.0,
) -> Path | Figure:
    """Several decision boundaries side by side (``{title: predict}``) in one PNG."""
    fig, axes = new_axes(len(predictors), width=4.0, squeeze=False)
    for ax, (title, predict) in zip(axes[0], predictors.items()):
        _draw(ax, predict, X, Y, title, resolution, margin)
    return finish(fig, path)
