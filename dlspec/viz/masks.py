"""Segmentation figures: image | true mask | predicted mask, with one fixed colour per class id."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from dlspec.validation import check_positive
from dlspec.viz.figures import finish, new_axes

__all__ = ["mask_colors", "plot_segmentation"]

# The CARLA 0.8 palette for ids 0-12 (None, Buildings, Fences, Other, Pedestrians, Poles,
# RoadLines, Roads, Sidewalks, Vegetation, Vehicles, Walls, TrafficSigns); later ids cycle
# through distinct extra colours.
_CARLA_PALETTE = (
    (0, 0, 0),
    (70, 70, 70),
    (190, 153, 153),
    (250, 170, 160),
    (220, 20, 60),
    (153, 153, 153),
    (157, 234, 50),
    (128, 64, 128),
    (244, 35, 232),
    (107, 142, 35),
    (0, 0, 142),
    (102, 102, 156),
    (220, 220, 0),
)
_EXTRA = (
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (188, 189, 34),
    (23, 190, 207),
    (255, 255, 255),
    (0, 80, 0),
)


def mask_colors(n_classes: int) -> np.ndarray:
    """The fixed colours of class ids ``0 .. n_classes - 1``: an ``(n_classes, 3)`` uint8 array.

    The same id always gets the same colour, whatever ids a mask holds, so figures compare.

    Example:
        >>> mask_colors(23).shape, mask_colors(23)[7].tolist()  # id 7: CARLA's Roads
        ((23, 3), [128, 64, 128])
    """
    check_positive(n_classes, "n_classes", integer=True)
    palette = _CARLA_PALETTE + _EXTRA
    return np.array([palette[i % len(palette)] for i in range(n_classes)], dtype=np.uint8)


def _as_ids(mask, name: str, n_classes: int) -> np.ndarray:
    ids = np.asarray(mask)
    if ids.ndim == 3 and ids.shape[-1] == 1:
        ids = ids[..., 0]
    if ids.ndim != 2 or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(
            f"{name} must be integer class ids of shape (H, W) or (H, W, 1); got dtype "
            f"{ids.dtype}, shape {ids.shape}. Take the argmax of logits first (create_mask)."
        )
    if ids.size and (ids.min() < 0 or ids.max() >= n_classes):
        raise ValueError(f"{name} holds ids outside 0..{n_classes - 1}: {ids.min()}..{ids.max()}.")
    return ids


def plot_segmentation(
    images: Sequence,
    true_masks: Sequence,
    pred_masks: Sequence,
    path: str | os.PathLike | None = None,
    *,
    n_classes: int = 23,
    class_names: Sequence[str] = (),
    titles: Sequence[str] = (),
) -> Path | Figure:
    """One row per example: the image, its true mask and the predicted mask; saved as a PNG.

    Masks are coloured with :func:`mask_colors` (fixed per id); a legend lists the ids present.

    Args:
        images: ``N`` images ``(H, W, 3)``, floats in [0, 1] or uint8.
        true_masks, pred_masks: ``N`` integer masks ``(H, W)`` or ``(H, W, 1)`` each.
        path: the PNG to write; ``None`` returns the figure instead.
        n_classes: number of class ids of the colour map.
        class_names: optional names of ids, for the legend (ids without one show as numbers).
        titles: optional row labels (e.g. file names).

    Returns:
        The path written.

    Example:
        >>> image, mask = np.zeros((4, 6, 3)), np.zeros((4, 6), "int64")
        >>> plot_segmentation([image], [mask], [mask], "reports/masks.png")  # doctest: +SKIP
    """
    if not len(images) == len(true_masks) == len(pred_masks) or not len(images):
        raise ValueError(
            f"images, true_masks and pred_masks must be equally long and non-empty; got "
            f"{len(images)}, {len(true_masks)} and {len(pred_masks)}."
        )
    colors = mask_colors(n_classes)
    fig, axes = new_axes(3, len(images), width=3.2, height=2.6, squeeze=False)
    present: set[int] = set()
    for row, (image, truth, pred) in enumerate(zip(images, true_masks, pred_masks)):
        truth_ids = _as_ids(truth, f"true_masks[{row}]", n_classes)
        pred_ids = _as_ids(pred, f"pred_masks[{row}]", n_classes)
        present |= set(np.unique(truth_ids).tolist()) | set(np.unique(pred_ids).tolist())
        panels = (np.asarray(image), colors[truth_ids], colors[pred_ids])
        for col, (panel, label) in enumerate(
            zip(panels, ("Input image", "True mask", "Predicted mask"))
        ):
            ax = axes[row][col]
            ax.imshow(panel)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            ax.set_title(label if row == 0 else "", fontsize=9)
        if row < len(titles):
            axes[row][0].set_ylabel(titles[row], fontsize=8)
    from matplotlib.patches import Patch

    handles = [
        Patch(
            color=colors[i] / 255.0,
            label=f"{i} {class_names[i]}" if i < len(class_names) else str(i),
        )
        for i in sorted(present)
    ]
    fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=5, fontsize=7)
    return finish(fig, path)
