"""Figures of the strategy tools: error curves with the human-level line, error-analysis bars."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from dlspec.viz import new_axes, save_figure

__all__ = ["plot_error_curves", "plot_error_analysis"]

_LABELS = {"train": "train", "train_dev": "train-dev", "dev": "dev", "test": "test"}


def plot_error_curves(
    errors: Mapping[str, Sequence[float]],
    path: str | os.PathLike,
    *,
    epochs: Sequence[int] | None = None,
    human: float | None = None,
    title: str = "Errors during training",
    xlabel: str = "epoch",
) -> Path:
    """Plot the error of each set (fractions, shown in %) over epochs and the human-level line.

    The vertical distances read as the course's gaps: human → train is avoidable bias,
    train → train-dev variance, train-dev → dev data mismatch.

    Args:
        errors: ``{"train": [...], "train_dev": [...], "dev": [...], "test": [...]}``
            (any subset), one value per recorded epoch.
        path: where to write the PNG.
        epochs: the epoch of each value (default 1, 2, ...).
        human: human-level error, drawn as a horizontal line.
        title, xlabel: figure title and x-axis label.

    Example:
        >>> plot_error_curves(callback.errors, "errors.png", epochs=callback.epochs,
        ...                   human=0.01)  # doctest: +SKIP
    """
    if not errors:
        raise ValueError("errors is empty: pass {set name: error per epoch}.")
    lengths = {len(v) for v in errors.values()}
    if len(lengths) != 1:
        raise ValueError(f"every error curve needs the same length; got {sorted(lengths)}.")
    n = lengths.pop()
    x = np.arange(1, n + 1) if epochs is None else np.asarray(epochs)
    if len(x) != n:
        raise ValueError(f"epochs has {len(x)} values for curves of length {n}.")
    fig, axes = new_axes(width=6.0, height=4.0)
    ax = axes if not isinstance(axes, np.ndarray) else axes.ravel()[0]
    for name, values in errors.items():
        ax.plot(
            x,
            100 * np.asarray(values, dtype=float),
            marker="." if n < 30 else None,
            label=_LABELS.get(name, name),
        )
    if human is not None:
        ax.axhline(100 * human, color="black", linestyle="--", label="human level")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("error (%)")
    ax.set_title(title)
    ax.legend()
    return save_figure(fig, path)


def plot_error_analysis(analysis, path: str | os.PathLike, *, title: str = "Error analysis"):
    """Horizontal bars of the share of examined errors per tag, annotated with the ceiling.

    Example:
        >>> plot_error_analysis(error_analysis(tags, error_rate=0.1), "tags.png")  # doctest: +SKIP
    """
    rows = list(analysis.rows)[::-1]
    fig, axes = new_axes(width=6.0, height=0.5 * len(rows) + 1.5)
    ax = axes if not isinstance(axes, np.ndarray) else axes.ravel()[0]
    shares = [100 * r.fraction for r in rows]
    ax.barh([r.tag for r in rows], shares, color="tab:blue")
    for i, r in enumerate(rows):
        ax.text(
            shares[i],
            i,
            f"  {r.count} (at best {100 * r.best_error:.1f}% error)",
            va="center",
            fontsize=8,
        )
    ax.set_xlim(0, max(shares + [1]) * 1.6)
    ax.set_xlabel("% of examined errors")
    ax.set_title(f"{title} (error {100 * analysis.error_rate:.1f}%)")
    return save_figure(fig, path)
