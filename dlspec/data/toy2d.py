"""Course 2's generated 2-D data sets ("circles", "moons"), without scikit-learn.

The course builds them with ``sklearn.datasets.make_circles`` / ``make_moons`` right after
``np.random.seed(...)``. :func:`make_circles` and :func:`make_moons` reimplement scikit-learn's
algorithms step for step (points on two half-circles or circles, a shuffle through
``RandomState.shuffle`` of the indices, then Gaussian noise of shape ``X.shape``), so for the
same random state they return the same arrays bit for bit. With ``random_state=None`` they draw
from numpy's global ``RandomState``, exactly as scikit-learn's ``check_random_state(None)`` does.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "make_circles",
    "make_moons",
    "load_initialization_dataset",
    "load_moons_dataset",
]


def _random_state(random_state) -> np.random.RandomState:
    """scikit-learn's ``check_random_state``: None → global RandomState, int → new one."""
    if random_state is None or random_state is np.random:
        return np.random.mtrand._rand
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return np.random.RandomState(random_state)
    if isinstance(random_state, np.random.RandomState):
        return random_state
    raise ValueError(
        f"random_state must be None, an int or a numpy.random.RandomState; got {random_state!r}."
    )


def _split(n_samples) -> tuple[int, int]:
    """``(n_out, n_in)``: an int is split as ``n // 2`` / the rest; a pair is taken as given."""
    if isinstance(n_samples, numbers.Integral) and not isinstance(n_samples, bool):
        if n_samples < 1:
            raise ValueError(f"n_samples must be a positive integer; got {n_samples!r}.")
        n_out = int(n_samples) // 2
        return n_out, int(n_samples) - n_out
    try:
        n_out, n_in = n_samples
    except (TypeError, ValueError):
        raise ValueError(
            f"n_samples must be an int or a pair (n_outer, n_inner); got {n_samples!r}."
        ) from None
    for n in (n_out, n_in):
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
            raise ValueError(f"n_samples must hold non-negative integers; got {n_samples!r}.")
    return int(n_out), int(n_in)


def _finish(
    x: np.ndarray,
    y: np.ndarray,
    shuffle: bool,
    noise: float | None,
    generator: np.random.RandomState,
) -> tuple[np.ndarray, np.ndarray]:
    X = np.vstack([x[0], x[1]]).T
    if shuffle:
        # sklearn.utils.shuffle → resample(replace=False): shuffle an index array in place.
        indices = np.arange(X.shape[0])
        generator.shuffle(indices)
        X, y = X[indices], y[indices]
    if noise is not None:
        if noise < 0:
            raise ValueError(f"noise must be >= 0 (a standard deviation); got {noise!r}.")
        X += generator.normal(scale=noise, size=X.shape)
    return X, y


def _labels(n_out: int, n_in: int) -> np.ndarray:
    return np.hstack([np.zeros(n_out, dtype=np.intp), np.ones(n_in, dtype=np.intp)])


def make_circles(
    n_samples=100,
    *,
    shuffle: bool = True,
    noise: float | None = None,
    random_state=None,
    factor: float = 0.8,
) -> tuple[np.ndarray, np.ndarray]:
    """A large circle (label 0) around a smaller one (label 1): ``sklearn.datasets.make_circles``.

    Args:
        n_samples: total number of points (``n // 2`` on the outer circle, the rest inside), or
            a pair ``(n_outer, n_inner)``.
        shuffle: shuffle the points (as scikit-learn does, before the noise is drawn).
        noise: standard deviation of the Gaussian noise added to every coordinate.
        random_state: ``None`` draws from numpy's global generator (what the course does after
            ``np.random.seed``), an int seeds a private ``RandomState``.
        factor: radius of the inner circle, in (0, 1).

    Returns:
        ``X`` (n_samples, 2) float64 and ``y`` (n_samples,) integer labels, scikit-learn's
        row-major layout (the course transposes them).

    Example:
        >>> X, y = make_circles(6, random_state=0, shuffle=False)
        >>> X.shape, y.tolist()
        ((6, 2), [0, 0, 0, 1, 1, 1])
    """
    if not 0 < factor < 1:
        raise ValueError(f"factor must be between 0 and 1 (exclusive); got {factor!r}.")
    n_out, n_in = _split(n_samples)
    generator = _random_state(random_state)
    # endpoint=False so that the first point is not repeated as the last one
    linspace_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    linspace_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    x = (
        np.append(np.cos(linspace_out), np.cos(linspace_in) * factor),
        np.append(np.sin(linspace_out), np.sin(linspace_in) * factor),
    )
    return _finish(x, _labels(n_out, n_in), shuffle, noise, generator)


def make_moons(
    n_samples=100,
    *,
    shuffle: bool = True,
    noise: float | None = None,
    random_state=None,
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: ``sklearn.datasets.make_moons``.

    Args:
        n_samples: total number of points (``n // 2`` on the upper moon, labelled 0, the rest
            on the lower one, labelled 1), or a pair ``(n_upper, n_lower)``.
        shuffle: shuffle the points (before the noise is drawn).
        noise: standard deviation of the Gaussian noise added to every coordinate.
        random_state: ``None`` draws from numpy's global generator, an int seeds a private one.

    Returns:
        ``X`` (n_samples, 2) float64 and ``y`` (n_samples,) integer labels.

    Example:
        >>> X, y = make_moons(4, shuffle=False)
        >>> X.round(3).tolist(), y.tolist()
        ([[1.0, 0.0], [-1.0, 0.0], [0.0, 0.5], [2.0, 0.5]], [0, 0, 1, 1])
    """
    n_out, n_in = _split(n_samples)
    generator = _random_state(random_state)
    x = (
        np.append(np.cos(np.linspace(0, np.pi, n_out)), 1 - np.cos(np.linspace(0, np.pi, n_in))),
        np.append(
            np.sin(np.linspace(0, np.pi, n_out)), 1 - np.sin(np.linspace(0, np.pi, n_in)) - 0.5
        ),
    )
    return _finish(x, _labels(n_out, n_in), shuffle, noise, generator)


def load_initialization_dataset() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The circles of C2W1A1 "Initialization" (the course's ``init_utils.load_dataset``).

    ``np.random.seed(1)``, 300 training points; ``np.random.seed(2)``, 100 test points; both
    ``make_circles(noise=.05)``. Like the course it reseeds numpy's global generator.

    Returns:
        ``(train_X (2, 300), train_Y (1, 300), test_X (2, 100), test_Y (1, 100))``.

    Example:
        >>> train_X, train_Y, test_X, test_Y = load_initialization_dataset()
        >>> train_X.shape, train_Y.shape, test_X.shape, test_Y.shape
        ((2, 300), (1, 300), (2, 100), (1, 100))
    """
    np.random.seed(1)
    train_X, train_Y = make_circles(n_samples=300, noise=0.05)
    np.random.seed(2)
    test_X, test_Y = make_circles(n_samples=100, noise=0.05)
    return train_X.T, train_Y.reshape(1, -1), test_X.T, test_Y.reshape(1, -1)


def load_moons_dataset() -> tuple[np.ndarray, np.ndarray]:
    """The moons of C2W2A1 "Optimization methods" (the course's ``opt_utils.load_dataset``).

    ``np.random.seed(3)``; ``make_moons(n_samples=300, noise=.2)``. Reseeds numpy's global
    generator, like the course.

    Returns:
        ``(train_X (2, 300), train_Y (1, 300))``.

    Example:
        >>> train_X, train_Y = load_moons_dataset()
        >>> train_X.shape, train_Y.shape, int(train_Y.sum())
        ((2, 300), (1, 300), 150)
    """
    np.random.seed(3)
    train_X, train_Y = make_moons(n_samples=300, noise=0.2)
    return train_X.T, train_Y.reshape(1, -1)
