"""Grids of images with captions, e.g. the mislabelled test pictures of the cat classifier."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from PIL import Image

from dlspec.io import atomic_path
from dlspec.viz.figures import finish, new_axes

__all__ = ["plot_image_grid", "plot_mislabeled_images", "save_png"]


def plot_image_grid(
    images: np.ndarray,
    titles: Sequence[str],
    path: str | os.PathLike | None = None,
    *,
    ncols: int = 5,
) -> Path | Figure:
    """Show images (n, h, w, c) in a grid with one caption each; save a PNG.

    Example:
        >>> plot_image_grid(train_x_orig[:10], ["cat"] * 10, "grid.png")  # doctest: +SKIP
    """
    images = np.asarray(images)
    if images.ndim != 4 or len(titles) != len(images):
        raise ValueError(
            f"images must be (n, height, width, channels) with one title each; got "
            f"{images.shape} and {len(titles)} titles."
        )
    n = max(len(images), 1)
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig, axes = new_axes(ncols, nrows, width=2.2, height=2.4, squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, image, title in zip(axes.ravel(), images, titles):
        ax.imshow(image.astype(np.uint8) if image.dtype.kind in "iu" else image)
        ax.set_title(title, fontsize=8)
    return finish(fig, path)


def plot_mislabeled_images(
    classes: Sequence,
    X: np.ndarray,
    y: np.ndarray,
    p: np.ndarray,
    path: str | os.PathLike | None = None,
    *,
    image_shape: tuple[int, int, int] = (64, 64, 3),
    limit: int = 20,
) -> Path | Figure:
    """The images where prediction ``p`` differs from label ``y``, captioned "pred / true".

    Args:
        classes: class names (bytes or str), e.g. ``[b'non-cat', b'cat']``.
        X: flattened images (h·w·c, m) scaled to [0, 1], as the course feeds its models.
        y: labels (1, m); p: predictions (1, m).
        path: where to write the PNG; ``None`` returns the figure instead.
        limit: show at most this many images.

    Example:
        >>> plot_mislabeled_images(classes, test_x, test_y, p, "bad.png")  # doctest: +SKIP
    """
    wrong = np.flatnonzero(np.ravel(p) != np.ravel(y))[:limit]
    names = [c.decode() if isinstance(c, bytes) else str(c) for c in classes]
    images = np.asarray(X)[:, wrong].T.reshape(-1, *image_shape)
    titles = [
        f"pred {names[int(np.ravel(p)[i])]}\ntrue {names[int(np.ravel(y)[i])]}" for i in wrong
    ]
    return plot_image_grid(np.clip(images, 0, 1), titles, path)


def save_png(image: Image.Image, path: str | os.PathLike) -> Path:
    """Save a PIL image as PNG at ``path`` (atomically) and return the path.

    Example:
        >>> save_png(Image.new("RGB", (8, 8)), "reports/boxes.png")  # doctest: +SKIP
        PosixPath('reports/boxes.png')
    """
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"images are saved as PNG; got the path {path} (use a .png suffix).")
    with atomic_path(path) as tmp:
        image.save(tmp, format="PNG")
    return path
