"""Matplotlib figures: cost curves, decision boundaries, image grids, boxes, masks,
activations, embeddings, gradient norms, searches.

Every ``plot_*`` function takes ``path`` (after its data arguments):

- with a path, it writes the PNG there (atomically) and returns the :class:`~pathlib.Path`,
  as the lab runners use it (``run.result.figures.append(plot_costs(costs, out / "costs.png"))``);
- with ``path=None`` (the default) it returns the figure, an :class:`InlineFigure`, which
  shows inline when it ends a Jupyter cell and can be saved later with :func:`save_figure`.

Importing :mod:`dlspec.viz` never chooses a matplotlib backend and figures are built without
pyplot, so a notebook keeps the backend its kernel set (``inline``) and a script keeps its own.

Example:
    >>> fig = plot_costs([0.7, 0.5, 0.3], title="lr = 0.005")
    >>> type(fig).__name__
    'InlineFigure'
"""

from dlspec.viz.activations import (
    patch_montage,
    plot_feature_maps,
    plot_filters,
    plot_patch_grids,
)
from dlspec.viz.boundary import plot_decision_boundaries, plot_decision_boundary
from dlspec.viz.boxes import class_colors, draw_detections
from dlspec.viz.costs import plot_costs
from dlspec.viz.embeddings import plot_distance_histograms, plot_embeddings_2d
from dlspec.viz.ewma import plot_ewma
from dlspec.viz.figures import InlineFigure, finish, new_axes, save_figure
from dlspec.viz.gradients import plot_by_layer
from dlspec.viz.history import plot_history
from dlspec.viz.images import plot_image_grid, plot_mislabeled_images, save_png
from dlspec.viz.masks import mask_colors, plot_segmentation
from dlspec.viz.schedules import plot_learning_rates
from dlspec.viz.search import plot_search

__all__ = [
    "InlineFigure",
    "class_colors",
    "draw_detections",
    "finish",
    "mask_colors",
    "new_axes",
    "patch_montage",
    "plot_by_layer",
    "plot_costs",
    "plot_decision_boundaries",
    "plot_decision_boundary",
    "plot_distance_histograms",
    "plot_embeddings_2d",
    "plot_ewma",
    "plot_feature_maps",
    "plot_filters",
    "plot_history",
    "plot_image_grid",
    "plot_learning_rates",
    "plot_mislabeled_images",
    "plot_patch_grids",
    "plot_search",
    "plot_segmentation",
    "save_figure",
    "save_png",
]
