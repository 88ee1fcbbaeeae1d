"""Golden cases of C2W1A3 "Gradient checking", transcribed from the course spec.

>>> from dlspec.grading import check_lab
>>> check_lab("c2w1-gradient-checking").metrics["golden cases passed"]  # doctest: +SKIP
1.0

The ``gradient_check_n`` cases feed the lab's test case with the gradients of dlspec's
``backward_propagation_n``: the lab's buggy version (the check must flag it, difference
0.2850931567761623) and the corrected one (1.1890913024229996e-07; a learner's forward pass may
round differently, so anything of that size below the lab's 2e-7 threshold passes).
"""

from __future__ import annotations

import numpy as np

from dlspec.grading.generated import GeneratedCase, binary_labels, position_coded
from dlspec.grading.golden import GoldenCase
from dlspec.optimization.gradient_checking import (
    backward_propagation_n,
    forward_propagation_n,
    gradient_check_n_test_case,
)

__all__ = ["CASES", "GENERATED"]


def _call(*args, **kwargs) -> tuple[tuple, dict]:
    return args, kwargs


def _check_n_inputs(buggy: bool):
    def make_inputs() -> tuple[tuple, dict]:
        X, Y, parameters = gradient_check_n_test_case()
        _, cache = forward_propagation_n(X, Y, parameters)
        gradients = backward_propagation_n(X, Y, cache, buggy=buggy)
        return _call(parameters, gradients, X, Y, 1e-7, False)

    return make_inputs


CASES: dict[str, list[GoldenCase]] = {
    "c2w1-gradient-checking": [
        GoldenCase("forward_propagation", lambda: _call(2, 4), 8),
        GoldenCase(
            "gradient_check",
            lambda: _call(3, 4),
            7.814075313343006e-11,
            rtol=1e-3,
            atol=1e-13,
        ),
        GoldenCase(
            "gradient_check_n",
            _check_n_inputs(buggy=True),
            0.2850931567761623,
            name="gradient_check_n (buggy backprop)",
        ),
        GoldenCase(
            "gradient_check_n",
            _check_n_inputs(buggy=False),
            1.1890913024229996e-07,
            rtol=0.0,
            atol=8e-8,
            name="gradient_check_n (corrected backprop)",
        ),
    ],
}


def _gen_scalars(rng: np.random.Generator) -> tuple[tuple, dict]:
    return _call(float(rng.uniform(-5, 5)), float(rng.uniform(0.5, 5)))


def _gen_check_n(rng: np.random.Generator) -> tuple[tuple, dict]:
    """The lab's [4, 5, 3, 1] network (the course's ``vector_to_dictionary`` is written for
    it) on m examples, with the buggy backward pass: a difference far from 0."""
    m = int(rng.integers(2, 8))
    X = position_coded(rng, (4, m), 2.0)
    Y = binary_labels(rng, (1, m))
    dims = [4, 5, 3, 1]
    parameters = {}
    for l in range(1, 4):
        parameters[f"W{l}"] = position_coded(rng, (dims[l], dims[l - 1]), 1.5)
        parameters[f"b{l}"] = position_coded(rng, (dims[l], 1), 0.3)
    _, cache = forward_propagation_n(X, Y, parameters)
    gradients = backward_propagation_n(X, Y, cache, buggy=True)
    return _call(parameters, gradients, X, Y, 1e-7, False)


GENERATED: dict[str, list[GeneratedCase]] = {
    "c2w1-gradient-checking": [
        GeneratedCase("forward_propagation", _gen_scalars),
        # J = θx is linear: any right difference is rounding noise far below 1e-7.
        GeneratedCase("gradient_check", _gen_scalars, rtol=0.0, atol=1e-8),
        GeneratedCase("gradient_check_n", _gen_check_n, rtol=1e-4),
    ],
}
