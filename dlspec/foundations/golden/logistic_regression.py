"""Golden cases of C1W2A2 "Logistic regression with a neural network mindset" (course spec).

Each case rebuilds its inputs on every call and holds the values the course notebook prints.
``GENERATED`` adds recipes of fresh inputs for every graded function. The data-dependent
headline numbers (training on the cat pictures) belong to the data-marked tests.

>>> from dlspec.grading import check_lab
>>> check_lab("c1w2-logreg").metrics["golden cases passed"]  # doctest: +SKIP
1.0
"""

from __future__ import annotations

import numpy as np

from dlspec.foundations.golden._inputs import call, sizes, values_inputs
from dlspec.grading.generated import GeneratedCase, binary_labels, position_coded
from dlspec.grading.golden import GoldenCase

__all__ = ["CASES", "GENERATED"]


def _wbXY() -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    w = np.array([[1.0], [2.0]])
    X = np.array([[1.0, -2.0, -1.0], [3.0, 0.5, -3.2]])
    return w, 1.5, X, np.array([[1, 1, 0]])


CASES: dict[str, list[GoldenCase]] = {
    "c1w2-logreg": [
        GoldenCase(
            "initialize_with_zeros",
            lambda: call(2),
            ([[0.0], [0.0]], 0.0),
            types={"1": float},
        ),
        GoldenCase(
            "propagate",
            lambda: call(*_wbXY()),
            (
                {"dw": [[0.25071532], [-0.06604096]], "db": -0.1250040450043965},
                0.15900537707692405,
            ),
            types={"0.db": float},
        ),
        GoldenCase(
            "optimize",
            lambda: call(*_wbXY(), num_iterations=100, learning_rate=0.009),
            (
                {"w": [[0.80956046], [2.0508202]], "b": 1.5948713189708588},
                {"dw": [[0.17860505], [-0.04840656]], "db": -0.08888460336847771},
                [0.15900538],
            ),
        ),
        GoldenCase(
            "predict",
            lambda: call(
                np.array([[0.1124579], [0.23106775]]),
                -0.3,
                np.array([[1.0, -1.1, -3.2], [1.2, 2.0, 0.1]]),
            ),
            [[1, 1, 0]],
        ),
    ],
}


def _generated_wbXY(rng: np.random.Generator) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    n_x, m = sizes(rng, 2)
    w = position_coded(rng, (n_x, 1), 0.5)
    b = float(rng.uniform(-0.5, 0.5))
    return w, b, position_coded(rng, (n_x, m), 2.0), binary_labels(rng, (1, m))


def _optimize_inputs(rng: np.random.Generator) -> tuple[tuple, dict]:
    return call(
        *_generated_wbXY(rng),
        num_iterations=int(rng.integers(101, 321)),
        learning_rate=float(rng.uniform(0.005, 0.05)),
    )


GENERATED: dict[str, list[GeneratedCase]] = {
    "c1w2-logreg": [
        GeneratedCase("sigmoid", values_inputs),
        GeneratedCase(
            "initialize_with_zeros", lambda rng: call(int(rng.integers(3, 30))), types={"1": float}
        ),
        GeneratedCase("propagate", lambda rng: call(*_generated_wbXY(rng)), types={"0.db": float}),
        GeneratedCase("optimize", _optimize_inputs),
        # Predictions: 0/1 as floats in dlspec; the course accepts booleans or integers too.
        GeneratedCase("predict", lambda rng: call(*_generated_wbXY(rng)[:3]), check_dtype=False),
    ],
}
