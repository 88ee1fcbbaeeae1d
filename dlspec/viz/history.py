"""Training curves of a ``model.fit``-style history: one panel per metric, train vs validation."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from dlspec.viz.costs import LINE_STYLES
from dlspec.viz.figures import finish, new_axes

__all__ = ["plot_history"]


def _is_history(value: Mapping) -> bool:
    return all(not isinstance(v, Mapping) for v in value.values())


def plot_history(
    history: Mapping[str, Sequence[float]] | Mapping[str, Mapping[str, Sequence[float]]],
    path: str | os.PathLike | None = None,
    *,
    metrics: Sequence[str] = ("loss", "accuracy"),
    splits: Mapping[str, str] | None = None,
    every: int = 1,
    title: str = "",
    mark_epoch: float | None = None,
    mark_label: str = "",
) -> Path | Figure:
    """Plot a history (``{"loss": [...], "val_loss": [...], ...}``) and save a PNG.

    Args:
        history: one history, or ``{run label: history}`` to compare runs (one line style per
            run).
        path: where to write the PNG; ``None`` returns the figure instead.
        metrics: one panel per metric present in the history.
        splits: key prefix → legend label; default ``{"": "train", "val_": "validation"}``.
        every: epochs between two recorded values (the x axis is ``index * every``).
        title: a title above the panels.
        mark_epoch: draw a vertical line there (e.g. the start of fine-tuning).
        mark_label: the legend label of that line.

    Example:
        >>> plot_history({"loss": [0.7, 0.5], "val_loss": [0.8, 0.6]},
        ...              "reports/history.png", metrics=["loss"])  # doctest: +SKIP
    """
    runs = {"": history} if _is_history(history) else dict(history)
    splits = dict(splits) if splits is not None else {"": "train", "val_": "validation"}
    shown = [m for m in metrics if any(m in h for h in runs.values())]
    if not shown:
        raise ValueError(
            f"history has none of the metrics {list(metrics)}; it has {list(history)}."
        )
    fig, axes = new_axes(len(shown), squeeze=False)
    for ax, metric in zip(axes[0], shown):
        for i, (run_label, run) in enumerate(runs.items()):
            for prefix, split_label in splits.items():
                values = run.get(prefix + metric)
                if values is None:
                    continue
                values = np.ravel(np.asarray(values, dtype=float))
                label = f"{split_label} ({run_label})" if run_label else split_label
                x = np.arange(1, len(values) + 1) * every
                ax.plot(x, values, LINE_STYLES[i % len(LINE_STYLES)], label=label)
        if mark_epoch is not None:
            ax.axvline(mark_epoch, color="gray", linewidth=1, label=mark_label or None)
        ax.set(xlabel="epoch", ylabel=metric, title=f"{title} {metric}".strip())
        ax.legend(fontsize=8)
    return finish(fig, path)
