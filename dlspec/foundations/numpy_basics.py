"""C1W2A1 "Python basics with numpy": sigmoid, gradients, reshaping, softmax, losses."""

from __future__ import annotations

import math
import time
import timeit
from pathlib import Path

import numpy as np

from dlspec.labs import LabResult

__all__ = [
    "basic_sigmoid",
    "sigmoid",
    "sigmoid_derivative",
    "image2vector",
    "normalizeRows",
    "normalize_rows",
    "softmax",
    "L1",
    "L2",
    "dot_loop",
    "run",
]


def basic_sigmoid(x: float) -> float:
    """Sigmoid of a real number with ``math.exp`` (no arrays).

    Example:
        >>> basic_sigmoid(1)
        0.7310585786300049
    """
    return 1 / (1 + math.exp(-x))


def sigmoid(x) -> np.ndarray:
    """Element-wise sigmoid ``1 / (1 + exp(-x))`` of a scalar or array.

    Example:
        >>> sigmoid(np.array([1, 2, 3]))
        array([0.73105858, 0.88079708, 0.95257413])
    """
    return 1 / (1 + np.exp(-np.asarray(x, dtype=float)))


def sigmoid_derivative(x) -> np.ndarray:
    """Gradient of the sigmoid at ``x``: ``s * (1 - s)`` with ``s = sigmoid(x)``.

    Example:
        >>> sigmoid_derivative(np.array([1, 2, 3]))
        array([0.19661193, 0.10499359, 0.04517666])
    """
    s = sigmoid(x)
    return s * (1 - s)


def image2vector(image: np.ndarray) -> np.ndarray:
    """Reshape an image (length, height, depth) into a column vector (length·height·depth, 1).

    Example:
        >>> image2vector(np.zeros((3, 3, 2))).shape
        (18, 1)
    """
    image = np.asarray(image)
    if image.ndim != 3:
        raise ValueError(f"image must have shape (length, height, depth); got {image.shape}.")
    return image.reshape(-1, 1)


def normalizeRows(x: np.ndarray) -> np.ndarray:
    """Divide each row of ``x`` by its L2 norm (the course's camelCase name).

    Example:
        >>> normalizeRows(np.array([[0, 3, 4], [1, 6, 4]]))[0]
        array([0. , 0.6, 0.8])
    """
    x = np.asarray(x, dtype=float)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


normalize_rows = normalizeRows


def softmax(x: np.ndarray) -> np.ndarray:
    """Row-wise softmax ``exp(x) / sum_row exp(x)`` of a (n, m) array, as in the lab (no shift).

    Example:
        >>> softmax(np.array([[0.0, 0.0]]))
        array([[0.5, 0.5]])
    """
    x_exp = np.exp(np.asarray(x, dtype=float))
    return x_exp / np.sum(x_exp, axis=1, keepdims=True)


def L1(yhat, y) -> float:
    """L1 loss ``sum |y - yhat|``.

    Example:
        >>> round(L1(np.array([.9, .2, .1, .4, .9]), np.array([1, 0, 0, 1, 1])), 10)
        1.1
    """
    return float(np.sum(np.abs(np.asarray(y) - np.asarray(yhat))))


def L2(yhat, y) -> float:
    """L2 loss ``sum (y - yhat)^2``, computed with ``np.dot``.

    Example:
        >>> round(L2(np.array([.9, .2, .1, .4, .9]), np.array([1, 0, 0, 1, 1])), 10)
        0.43
    """
    diff = np.ravel(np.asarray(y) - np.asarray(yhat))
    return float(np.dot(diff, diff))


def dot_loop(x1: np.ndarray, x2: np.ndarray) -> float:
    """The dot product as an explicit Python loop: the baseline that vectorisation beats.

    Example:
        >>> dot_loop(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
        11.0
    """
    total = 0.0
    for a, b in zip(x1, x2):
        total += a * b
    return float(total)


def run(*, quick: bool = False, out_dir: str | Path = "reports/c1w2-numpy-basics") -> LabResult:
    """Check the functions on the course's cases, time a loop against ``np.dot``, plot sigmoid."""
    from dlspec.grading import check_lab
    from dlspec.viz import new_axes, save_figure

    result = check_lab("c1w2-numpy-basics")
    x = np.random.default_rng(0).random(100_000 if quick else 1_000_000)
    start = time.perf_counter()
    looped = dot_loop(x, x)
    loop_seconds = time.perf_counter() - start
    vectorised = float(np.dot(x, x))
    dot_seconds = min(timeit.repeat(lambda: np.dot(x, x), number=10, repeat=5)) / 10
    if not math.isclose(looped, vectorised, rel_tol=1e-9):
        raise AssertionError(f"loop dot product {looped} differs from np.dot {vectorised}")
    result.metrics["np.dot speed-up over a Python loop"] = loop_seconds / max(dot_seconds, 1e-9)

    z = np.linspace(-6, 6, 200)
    fig, ax = new_axes()
    ax.plot(z, sigmoid(z), label="sigmoid")
    ax.plot(z, sigmoid_derivative(z), label="sigmoid_derivative")
    ax.legend()
    ax.set_xlabel("x")
    result.figures.append(save_figure(fig, Path(out_dir) / "sigmoid.png"))
    return result
