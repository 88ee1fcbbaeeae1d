"""The planar "flower" data set of Course 1 W3, generated with the course's formula and seed."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["load_planar_dataset", "make_planar_flower"]


def _flower(randn: Callable[..., np.ndarray], m: int, a: float) -> tuple[np.ndarray, np.ndarray]:
    n = m // 2
    X = np.zeros((m, 2))
    Y = np.zeros((m, 1), dtype="uint8")
    for j in range(2):
        ix = range(n * j, n * (j + 1))
        t = np.linspace(j * 3.12, (j + 1) * 3.12, n) + randn(n) * 0.2
        r = a * np.sin(4 * t) + randn(n) * 0.2
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        Y[ix] = j
    return X.T, Y.T


def make_planar_flower(
    m: int = 400, a: float = 4.0, seed: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Generate the two-class flower without touching global random state.

    Same numbers as :func:`load_planar_dataset` for the same ``seed``.

    Returns:
        ``X`` (2, m) float64 and ``Y`` (1, m) uint8.

    Example:
        >>> X, Y = make_planar_flower()
        >>> X.shape, Y.shape
        ((2, 400), (1, 400))
    """
    return _flower(np.random.RandomState(seed).randn, m, a)


def load_planar_dataset() -> tuple[np.ndarray, np.ndarray]:
    """The course's ``load_planar_dataset``: 400 points, two classes, petals of length 4.

    Like the course, it calls ``np.random.seed(1)`` and draws from numpy's global generator, so
    it changes global random state; :func:`make_planar_flower` is the side-effect-free version.

    Example:
        >>> X, Y = load_planar_dataset()
        >>> X.shape, Y.shape
        ((2, 400), (1, 400))
    """
    np.random.seed(1)
    return _flower(np.random.randn, 400, 4.0)
