"""C1W2A1 "Python basics with numpy": sigmoid, gradients, reshaping, softmax, losses."""

from __future__ import annotations

import math

import numpy as np

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


def L1(yhat, y) -> np.float64:
    """L1 loss ``sum |y - yhat|`` (an ``np.float64``, as the course's ``np.sum``).

    Example:
        >>> float(round(L1(np.array([.9, .2, .1, .4, .9]), np.array([1, 0, 0, 1, 1])), 10))
        1.1
    """
    return np.sum(np.abs(np.asarray(y) - np.asarray(yhat)))


def L2(yhat, y) -> np.float64:
    """L2 loss ``sum (y - yhat)^2``, computed with ``np.dot`` (an ``np.float64``).

    Example:
        >>> float(round(L2(np.array([.9, .2, .1, .4, .9]), np.array([1, 0, 0, 1, 1])), 10))
        0.43
    """
    diff = np.ravel(np.asarray(y) - np.asarray(yhat))
    return np.dot(diff, diff)


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
