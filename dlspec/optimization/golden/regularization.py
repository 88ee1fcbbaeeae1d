"""Golden cases of C2W1A2 "Regularization", transcribed from the course spec.

>>> from dlspec.grading import check_lab
>>> check_lab("c2w1-regularization").metrics["golden cases passed"]  # doctest: +SKIP
1.0

The three 30000-iteration runs on the football data are tested in
``tests/optimization/test_regularization.py``.
"""

from __future__ import annotations

import numpy as np

from dlspec.grading.generated import GeneratedCase, binary_labels, distinct_sizes, position_coded
from dlspec.grading.golden import GoldenCase

__all__ = ["CASES", "GENERATED"]


def _call(*args, **kwargs) -> tuple[tuple, dict]:
    return args, kwargs


def _parameters() -> dict[str, np.ndarray]:
    """W1 (2, 3), b1, W2 (3, 2), b2, W3 (1, 3), b3 drawn in that order."""
    return {
        "W1": np.random.randn(2, 3),
        "b1": np.random.randn(2, 1),
        "W2": np.random.randn(3, 2),
        "b2": np.random.randn(3, 1),
        "W3": np.random.randn(1, 3),
        "b3": np.random.randn(1, 1),
    }


def _cost_inputs() -> tuple[tuple, dict]:
    np.random.seed(1)
    Y = np.array([[1, 1, 0, 1, 0]])
    parameters = _parameters()
    A3 = np.array([[0.40682402, 0.01629284, 0.16722898, 0.10118111, 0.40682402]])
    return _call(A3, Y, parameters, lambd=0.1)


def _dropout_inputs() -> tuple[tuple, dict]:
    np.random.seed(1)
    X = np.random.randn(3, 5)
    return _call(X, _parameters(), keep_prob=0.7)


CASES: dict[str, list[GoldenCase]] = {
    "c2w1-regularization": [
        GoldenCase(
            "compute_cost_with_regularization",
            _cost_inputs,
            1.7864859451590758,
            types={"": float},
        ),
        GoldenCase(
            "forward_propagation_with_dropout",
            _dropout_inputs,
            (
                [[0.36974721, 0.00305176, 0.04565099, 0.49683389, 0.36974721]],
                [[True, False, True, True, True], [True, True, True, True, True]],
            ),
            # (A3, D1): the course shows the output and the first mask.
            select=lambda out: (out[0], out[1][1]),
        ),
    ],
}


def _gen_network(rng: np.random.Generator) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """``X`` (n_x, m) and the parameters of a 3-layer network with sizes all different."""
    n_x, n_1, n_2, m = distinct_sizes(rng, 4, 2, 9)
    dims = [n_x, n_1, n_2, 1]
    parameters = {}
    for l in range(1, 4):
        parameters[f"W{l}"] = position_coded(rng, (dims[l], dims[l - 1]), 1.5)
        parameters[f"b{l}"] = position_coded(rng, (dims[l], 1), 0.2)
    return position_coded(rng, (n_x, m), 2.0), parameters


def _gen_cost(rng: np.random.Generator) -> tuple[tuple, dict]:
    X, parameters = _gen_network(rng)
    m = X.shape[1]
    A3 = 0.5 + 0.45 * position_coded(rng, (1, m))
    return _call(A3, binary_labels(rng, (1, m)), parameters, lambd=float(rng.uniform(0.05, 0.9)))


def _gen_dropout(rng: np.random.Generator) -> tuple[tuple, dict]:
    X, parameters = _gen_network(rng)
    return _call(X, parameters, keep_prob=float(rng.uniform(0.5, 0.9)))


GENERATED: dict[str, list[GeneratedCase]] = {
    "c2w1-regularization": [
        GeneratedCase("compute_cost_with_regularization", _gen_cost, types={"": float}),
        GeneratedCase(
            "forward_propagation_with_dropout",
            _gen_dropout,
            # (A3, D1, A1, D2, A2): the output, the masks and the scaled activations.
            select=lambda out: (out[0], out[1][1], out[1][2], out[1][6], out[1][7]),
        ),
    ],
}
