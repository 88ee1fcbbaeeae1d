"""Matplotlib figures saved as PNG: cost curves, decision boundaries, image grids."""

from dlspec.viz.boundary import plot_decision_boundaries, plot_decision_boundary
from dlspec.viz.costs import plot_costs
from dlspec.viz.figures import new_axes, save_figure
from dlspec.viz.images import plot_image_grid, plot_mislabeled_images
from dlspec.viz.schedules import plot_learning_rates

__all__ = [
    "new_axes",
    "plot_costs",
    "plot_decision_boundaries",
    "plot_decision_boundary",
    "plot_image_grid",
    "plot_learning_rates",
    "plot_mislabeled_images",
    "save_figure",
]
