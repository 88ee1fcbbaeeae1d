"""Figures of embeddings: a 2-D PCA map by identity, and same / different distance histograms."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from dlspec.viz.figures import finish, new_axes

__all__ = ["pca_2d", "plot_distance_histograms", "plot_embeddings_2d"]


def pca_2d(embeddings: np.ndarray) -> np.ndarray:
    """Project (n, d) embeddings on their first two principal components: (n, 2).

    Example:
        >>> points = pca_2d(np.array([[0.0, 0.0, 1.0], [2.0, 0.0, 1.0], [4.0, 0.1, 1.0]]))
        >>> points.shape, bool(abs(points[:, 0]).max() > abs(points[:, 1]).max())
        ((3, 2), True)
    """
    x = np.asarray(embeddings, dtype=np.float64)
    if x.ndim != 2 or len(x) < 2:
        raise ValueError(f"embeddings must be an (n, d) matrix with n >= 2; got {x.shape}.")
    x = x - x.mean(axis=0)
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    components = vt[:2]
    if len(components) < 2:
        components = np.vstack([components, np.zeros_like(components)])
    return x @ components.T


def plot_embeddings_2d(
    embeddings: np.ndarray, labels: np.ndarray, path: str | os.PathLike | None = None
) -> Path | Figure:
    """Scatter the 2-D PCA of the embeddings, one colour per identity; returns the PNG path."""
    points = pca_2d(embeddings)
    labels = np.asarray(labels).reshape(-1)
    fig, ax = new_axes(width=5.5, height=5.0)
    for identity in np.unique(labels):
        mine = labels == identity
        ax.scatter(points[mine, 0], points[mine, 1], s=8, label=str(identity), alpha=0.7)
    ax.set_xlabel("principal component 1")
    ax.set_ylabel("principal component 2")
    ax.set_title("Embeddings (PCA), one colour per identity")
    ax.legend(fontsize=7, markerscale=2, ncol=2)
    return finish(fig, path)


def plot_distance_histograms(
    distances: np.ndarray, same: np.ndarray, threshold: float, path: str | os.PathLike | None = None
) -> Path | Figure:
    """Histograms of pair distances, same vs different identity, with the threshold line."""
    distances, same = np.asarray(distances), np.asarray(same, dtype=bool)
    fig, ax = new_axes(width=6.0, height=4.0)
    bins = np.linspace(0.0, max(float(distances.max()), threshold) * 1.05, 40)
    ax.hist(distances[same], bins=bins, alpha=0.6, label="same identity")
    ax.hist(distances[~same], bins=bins, alpha=0.6, label="different identities")
    ax.axvline(threshold, color="black", linestyle="--", label=f"threshold {threshold:.3f}")
    ax.set_xlabel("Euclidean distance between encodings")
    ax.set_ylabel("pairs")
    ax.set_title("Held-out pair distances")
    ax.legend()
    return finish(fig, path)
