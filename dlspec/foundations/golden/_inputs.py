"""Input builders shared by the Course 1 golden modules.

Generated recipes draw their inputs from ``rng`` only: non-square shapes (:func:`sizes`) and
position-coded values, so that a hard-coded size, a global, a transpose or a reduction over the
wrong axis shows. dlspec's own function on a copy of the same inputs gives the expected values
(see :mod:`dlspec.grading.generated`).
"""

from __future__ import annotations

import numpy as np

from dlspec.grading.generated import binary_labels, distinct_sizes, position_coded

__all__ = [
    "call",
    "cost_inputs",
    "dense_parameters",
    "gradients_like",
    "probabilities",
    "sizes",
    "values_inputs",
]


def call(*args, **kwargs) -> tuple[tuple, dict]:
    """Pack a call's arguments as ``make_inputs`` returns them."""
    return args, kwargs


def sizes(rng: np.random.Generator, count: int, low: int = 2, high: int = 9) -> list[int]:
    """``count`` different sizes in ``[low, high]``."""
    return distinct_sizes(rng, count, low, high)


def probabilities(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Values in (0.05, 0.95) that rise with the position (activations of a sigmoid)."""
    return 0.5 + 0.45 * position_coded(rng, shape)


def dense_parameters(rng: np.random.Generator, dims: list[int]) -> dict[str, np.ndarray]:
    """Course-layout parameters ``{"W1": (n_1, n_0), "b1": (n_1, 1), ...}`` of a dense net."""
    parameters = {}
    for l in range(1, len(dims)):
        parameters[f"W{l}"] = rng.normal(0, 1, (dims[l], dims[l - 1])) / np.sqrt(dims[l - 1])
        parameters[f"b{l}"] = position_coded(rng, (dims[l], 1), 0.1)
    return parameters


def gradients_like(rng: np.random.Generator, arrays: dict[str, np.ndarray], scale: float) -> dict:
    """Gradients ``{"dW1": ..., "db1": ...}`` shaped like the parameters."""
    return {f"d{k}": position_coded(rng, v.shape, scale) for k, v in arrays.items()}


def values_inputs(rng: np.random.Generator) -> tuple[tuple, dict]:
    """One position-coded 2-D array argument (element-wise functions such as ``sigmoid``)."""
    return call(position_coded(rng, tuple(sizes(rng, 2, 2, 7)), 3.0))


def cost_inputs(rng: np.random.Generator) -> tuple[tuple, dict]:
    """``(A, Y)`` of a cross-entropy cost: probabilities (1, m) and 0/1 labels (1, m)."""
    m = int(rng.integers(4, 12))
    return call(probabilities(rng, (1, m)), binary_labels(rng, (1, m)))
