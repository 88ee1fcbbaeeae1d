"""What a CNN sees: grids of top-activating patches, feature maps and first-layer filters."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from dlspec.viz.figures import finish, new_axes

__all__ = ["patch_montage", "plot_feature_maps", "plot_filters", "plot_patch_grids"]


def _as_float_image(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.dtype.kind in "iu":
        image = image / 255.0
    image = image.astype("float32")
    if image.ndim == 2:
        image = image[..., None]
    if image.shape[-1] == 1:
        image = np.repeat(image, 3, axis=-1)
    return np.clip(image, 0.0, 1.0)


def patch_montage(patches: Sequence[np.ndarray], *, ncols: int = 3, gap: int = 1) -> np.ndarray:
    """Patches of any sizes placed on a grid of equal gray cells, each centred in its cell.

    Clipped receptive fields at the image border are smaller than the others: they stay at
    their true scale, surrounded by gray.

    Args:
        patches: images (h, w, channels) or (h, w), uint8 in [0, 255] or float in [0, 1].
        ncols: cells per row.
        gap: pixels of white between cells.

    Returns:
        A float (H, W, 3) image in [0, 1].

    Example:
        >>> patch_montage([np.zeros((4, 4, 3)), np.ones((2, 3, 3))], ncols=2).shape
        (4, 9, 3)
    """
    if not len(patches):
        raise ValueError("patch_montage needs at least one patch.")
    images = [_as_float_image(p) for p in patches]
    cell_h = max(i.shape[0] for i in images)
    cell_w = max(i.shape[1] for i in images)
    nrows = math.ceil(len(images) / ncols)
    canvas = np.ones((nrows * (cell_h + gap) - gap, ncols * (cell_w + gap) - gap, 3), "float32")
    for index, image in enumerate(images):
        row, col = divmod(index, ncols)
        top, left = row * (cell_h + gap), col * (cell_w + gap)
        canvas[top : top + cell_h, left : left + cell_w] = 0.5
        dy, dx = (cell_h - image.shape[0]) // 2, (cell_w - image.shape[1]) // 2
        canvas[top + dy : top + dy + image.shape[0], left + dx : left + dx + image.shape[1]] = image
    return canvas


def plot_patch_grids(
    grids: Mapping[str, Sequence[np.ndarray]],
    path: str | os.PathLike | None = None,
    *,
    title: str = "",
    ncols: int = 4,
) -> Path | Figure:
    """One 3×3 montage of patches per unit, Zeiler–Fergus style; save a PNG.

    Args:
        grids: ``{caption: patches}``, e.g. ``{"channel 7": [9 patches]}``.
        path: where to write the PNG; ``None`` returns the figure instead.
        title: the figure's title (e.g. the layer and its receptive field).
        ncols: panels per row.

    Example:
        >>> plot_patch_grids({"channel 0": patches}, "grid.png")  # doctest: +SKIP
    """
    if not grids:
        raise ValueError("plot_patch_grids needs at least one grid of patches.")
    ncols = min(ncols, len(grids))
    nrows = math.ceil(len(grids) / ncols)
    fig, axes = new_axes(ncols, nrows, width=2.6, height=2.8, squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, (caption, patches) in zip(axes.ravel(), grids.items()):
        ax.imshow(patch_montage(patches), interpolation="nearest")
        ax.set_title(caption, fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    return finish(fig, path)


def plot_feature_maps(
    maps: np.ndarray,
    path: str | os.PathLike | None = None,
    *,
    max_channels: int = 16,
    title: str = "",
) -> Path | Figure:
    """The first ``max_channels`` channels of one feature map (height, width, channels).

    Example:
        >>> plot_feature_maps(np.random.rand(8, 8, 4), "maps.png")  # doctest: +SKIP
    """
    maps = np.asarray(maps)
    if maps.ndim != 3:
        raise ValueError(f"maps must be (height, width, channels); got shape {maps.shape}.")
    n = min(max_channels, maps.shape[-1])
    ncols = min(8, n)
    fig, axes = new_axes(ncols, math.ceil(n / ncols), width=1.6, height=1.7, squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for channel, ax in zip(range(n), axes.ravel()):
        ax.imshow(maps[..., channel], cmap="viridis", interpolation="nearest")
        ax.set_title(f"ch {channel}", fontsize=7)
    if title:
        fig.suptitle(title, fontsize=10)
    return finish(fig, path)


def plot_filters(
    filters: np.ndarray, path: str | os.PathLike | None = None, *, title: str = ""
) -> Path | Figure:
    """First-layer filters (n, f, f, 3) scaled to [0, 1], shown as small RGB images.

    Example:
        >>> plot_filters(np.random.rand(16, 5, 5, 3), "filters.png")  # doctest: +SKIP
    """
    filters = np.asarray(filters)
    if filters.ndim != 4 or filters.shape[-1] not in (1, 3):
        raise ValueError(
            f"filters must be (n, f, f, 1 or 3) scaled to [0, 1]; got shape {filters.shape}."
        )
    ncols = min(8, len(filters))
    fig, axes = new_axes(
        ncols, math.ceil(len(filters) / ncols), width=1.0, height=1.1, squeeze=False
    )
    for ax in axes.ravel():
        ax.axis("off")
    for index, (ax, image) in enumerate(zip(axes.ravel(), filters)):
        ax.imshow(_as_float_image(image), interpolation="nearest")
        ax.set_title(str(index), fontsize=6)
    if title:
        fig.suptitle(title, fontsize=10)
    return finish(fig, path)
