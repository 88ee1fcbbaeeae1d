"""The one figure style, the figure type every plot returns, and the atomic PNG writer.

Figures are :class:`InlineFigure` objects (a :class:`matplotlib.figure.Figure` made without
pyplot): no backend is chosen on import, no figure is left in pyplot's global list, and a
figure that ends a Jupyter cell shows inline whatever backend the kernel uses (it renders
itself as PNG through ``_repr_png_``).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

from dlspec.io import atomic_path

__all__ = ["InlineFigure", "finish", "new_axes", "save_figure"]

STYLE = {
    "figure.dpi": 100,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


class InlineFigure(Figure):
    """A matplotlib figure that Jupyter displays as a PNG when a cell returns it.

    Example:
        >>> fig, ax = new_axes()
        >>> fig._repr_png_()[:8]
        b'\\x89PNG\\r\\n\\x1a\\n'
    """

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()


def new_axes(ncols: int = 1, nrows: int = 1, *, width: float = 5.0, height: float = 4.0, **kwargs):
    """Return ``(fig, axes)`` in dlspec's style; each panel is ``width`` × ``height`` inches.

    ``layout`` goes to the figure, other keyword arguments to ``Figure.subplots``
    (``squeeze=False`` always gives a 2-D array). Pyplot is not involved.

    Example:
        >>> fig, axes = new_axes(2, squeeze=False)
        >>> type(fig).__name__, axes.shape
        ('InlineFigure', (1, 2))
    """
    layout = kwargs.pop("layout", None)
    with matplotlib.rc_context(STYLE):
        fig = InlineFigure(figsize=(width * ncols, height * nrows), layout=layout)
        axes = fig.subplots(nrows, ncols, **kwargs)
    return fig, axes


def save_figure(fig: Figure, path: str | os.PathLike) -> Path:
    """Save ``fig`` as a PNG at ``path`` (atomically) and return the path.

    Example:
        >>> fig, ax = new_axes()
        >>> save_figure(fig, "reports/example.png")  # doctest: +SKIP
        PosixPath('reports/example.png')
    """
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"figures are saved as PNG; got the path {path} (use a .png suffix).")
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", bbox_inches="tight")
    return path


def finish(fig: Figure, path: str | os.PathLike | None) -> Path | Figure:
    """What every ``plot_*`` function returns: the saved PNG's path, or the figure itself.

    Example:
        >>> fig, ax = new_axes()
        >>> finish(fig, None) is fig
        True
    """
    return fig if path is None else save_figure(fig, path)
