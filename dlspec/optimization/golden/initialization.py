"""Golden cases of C2W1A1 "Initialization", transcribed from the course spec.

>>> from dlspec.grading import check_lab
>>> check_lab("c2w1-init").metrics["golden cases passed"]  # doctest: +SKIP
1.0

The headline runs (15000 iterations per initialisation) are tested in
``tests/optimization/test_initialization.py``, not here.
"""

from __future__ import annotations

import numpy as np

from dlspec.grading.generated import GeneratedCase, distinct_sizes
from dlspec.grading.golden import GoldenCase

__all__ = ["CASES", "GENERATED"]


def _call(*args, **kwargs) -> tuple[tuple, dict]:
    return args, kwargs


CASES: dict[str, list[GoldenCase]] = {
    "c2w1-init": [
        GoldenCase(
            "initialize_parameters_zeros",
            lambda: _call([3, 2, 1]),
            {
                "W1": np.zeros((2, 3)),
                "b1": np.zeros((2, 1)),
                "W2": np.zeros((1, 2)),
                "b2": np.zeros((1, 1)),
            },
        ),
        GoldenCase(
            "initialize_parameters_random",
            lambda: _call([3, 2, 1]),
            {
                "W1": [
                    [17.88628473, 4.36509851, 0.96497468],
                    [-18.63492703, -2.77388203, -3.54758979],
                ],
                "b1": np.zeros((2, 1)),
                "W2": [[-0.82741481, -6.27000677]],
                "b2": np.zeros((1, 1)),
            },
        ),
        # Not in the spec's list: the notebook's He test ([2, 4, 1]); these values follow from
        # the spec's rule (seed 3, randn · sqrt(2 / n_prev)).
        GoldenCase(
            "initialize_parameters_he",
            lambda: _call([2, 4, 1]),
            {
                "W1": [
                    [1.78862847, 0.43650985],
                    [0.09649747, -1.8634927],
                    [-0.2773882, -0.35475898],
                    [-0.08274148, -0.62700068],
                ],
                "b1": np.zeros((4, 1)),
                "W2": [[-0.03098412, -0.33744411, -0.92904268, 0.62552248]],
                "b2": np.zeros((1, 1)),
            },
        ),
    ],
}


def _gen_dims(rng: np.random.Generator) -> tuple[tuple, dict]:
    """A layer list of 3 or 4 different sizes, e.g. ``[7, 3, 5, 1]``."""
    dims = distinct_sizes(rng, int(rng.integers(3, 5)), 2, 9)
    return _call(dims[:-1] + [1])


GENERATED: dict[str, list[GeneratedCase]] = {
    "c2w1-init": [
        GeneratedCase(name, _gen_dims)
        for name in (
            "initialize_parameters_zeros",
            "initialize_parameters_random",
            "initialize_parameters_he",
        )
    ],
}
