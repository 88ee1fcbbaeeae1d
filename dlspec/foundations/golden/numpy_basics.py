"""Golden cases of C1W2A1 "Python basics with numpy", transcribed from the course spec.

Each case holds the values the course notebook prints. ``GENERATED`` adds recipes of fresh
inputs for every graded function (new shapes and values on each run of ``dlspec grade``).

>>> from dlspec.grading import check_lab
>>> check_lab("c1w2-numpy-basics").metrics["golden cases passed"]  # doctest: +SKIP
1.0
"""

from __future__ import annotations

import numpy as np

from dlspec.foundations.golden._inputs import call, sizes, values_inputs
from dlspec.grading.generated import GeneratedCase, binary_labels, position_coded
from dlspec.grading.golden import GoldenCase

__all__ = ["CASES", "GENERATED"]

CASES: dict[str, list[GoldenCase]] = {
    "c1w2-numpy-basics": [
        GoldenCase(
            "basic_sigmoid",
            lambda: call(1),
            0.7310585786300049,
            types={"": float},
        ),
        GoldenCase(
            "sigmoid",
            lambda: call(np.array([1, 2, 3])),
            [0.73105858, 0.88079708, 0.95257413],
        ),
        GoldenCase(
            "sigmoid_derivative",
            lambda: call(np.array([1, 2, 3])),
            [0.19661193, 0.10499359, 0.04517666],
        ),
        GoldenCase(
            "normalizeRows",
            lambda: call(np.array([[0, 3, 4], [1, 6, 4]])),
            [[0.0, 0.6, 0.8], [0.13736056, 0.82416338, 0.54944226]],
        ),
        GoldenCase(
            "L1",
            lambda: call(np.array([0.9, 0.2, 0.1, 0.4, 0.9]), np.array([1, 0, 0, 1, 1])),
            1.1,
            types={"": float},
        ),
    ],
}


def _losses_inputs(rng: np.random.Generator) -> tuple[tuple, dict]:
    m = int(rng.integers(4, 12))
    return call(rng.uniform(0.05, 0.95, m), binary_labels(rng, (m,)))


GENERATED: dict[str, list[GeneratedCase]] = {
    "c1w2-numpy-basics": [
        GeneratedCase(
            "basic_sigmoid", lambda rng: call(float(rng.uniform(-4, 4))), types={"": float}
        ),
        GeneratedCase("sigmoid", values_inputs),
        GeneratedCase("sigmoid_derivative", values_inputs),
        GeneratedCase(
            "image2vector", lambda rng: call(position_coded(rng, tuple(sizes(rng, 3, 2, 6))))
        ),
        GeneratedCase(
            "normalizeRows", lambda rng: call(position_coded(rng, tuple(sizes(rng, 2)), 4.0) + 5)
        ),
        GeneratedCase("softmax", lambda rng: call(position_coded(rng, tuple(sizes(rng, 2)), 2.0))),
        GeneratedCase("L1", _losses_inputs, types={"": float}),
        GeneratedCase("L2", _losses_inputs, types={"": float}),
    ],
}
