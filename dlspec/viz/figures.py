"""The one figure style and the atomic PNG writer every plot uses."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from dlspec.io import atomic_path  # noqa: E402

__all__ = ["new_axes", "save_figure"]

STYLE = {
    "figure.dpi": 100,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def new_axes(ncols: int = 1, nrows: int = 1, *, width: float = 5.0, height: float = 4.0, **kwargs):
    """Return ``(fig, axes)`` in dlspec's style; each panel is ``width`` × ``height`` inches.

    Keyword arguments go to ``plt.subplots`` (``squeeze=False`` always gives a 2-D array).
    """
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), **kwargs)
    return fig, axes


def save_figure(fig, path: str | os.PathLike) -> Path:
    """Save ``fig`` as a PNG at ``path`` (atomically), close it, and return the path.

    Example:
        >>> fig, ax = new_axes()
        >>> save_figure(fig, "reports/example.png")  # doctest: +SKIP
    """
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"figures are saved as PNG; got the path {path} (use a .png suffix).")
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", bbox_inches="tight")
    plt.close(fig)
    return path
