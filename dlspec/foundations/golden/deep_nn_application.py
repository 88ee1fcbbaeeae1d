"""Golden cases of C1W4A2 "Deep neural network for image classification: application".

Transcribed from the course spec: the case rebuilds its inputs on every call, seeding numpy
where the course's test does. ``GENERATED`` adds recipes of fresh inputs for both models;
``PROVIDED`` names the helpers the course gives learners (``dnn_app_utils``), imported by
``dlspec grade --template``. The headline runs on the cat pictures belong to the data-marked
tests.

>>> from dlspec.grading import check_lab
>>> check_lab("c1w4-deep-nn-app").metrics["golden cases passed"]  # doctest: +SKIP
1.0
"""

from __future__ import annotations

import numpy as np

from dlspec.foundations.golden._inputs import call, sizes
from dlspec.grading.generated import GeneratedCase, binary_labels, position_coded
from dlspec.grading.golden import GoldenCase

__all__ = ["CASES", "GENERATED", "PROVIDED"]


def _two_layer_model_inputs() -> tuple[tuple, dict]:
    np.random.seed(1)
    X = np.random.randn(10, 10)
    Y = np.random.randn(1, 10)
    return call(X, Y, (10, 4, 1), learning_rate=0.0075, num_iterations=2)


CASES: dict[str, list[GoldenCase]] = {
    "c1w4-deep-nn-app": [
        GoldenCase(
            "two_layer_model",
            _two_layer_model_inputs,
            # (parameters, costs): the course shows b1, W2, b2; W1 is not checked.
            (
                {
                    "b1": [[1.10437111e-05], [1.78437869e-05], [3.74879549e-05], [-4.42988824e-05]],
                    "W2": [[-0.00200283, -0.00888593, -0.00751122, 0.01688162]],
                    "b2": [[-0.00689018]],
                },
                [0.69315968],
            ),
        ),
    ],
}


def _training_inputs(rng: np.random.Generator, layers: int) -> tuple[tuple, dict]:
    dims = sizes(rng, layers, 2, 12)
    dims[-1] = 1
    m = int(rng.integers(6, 16))
    X = position_coded(rng, (dims[0], m), 1.0)
    return call(
        X,
        binary_labels(rng, (1, m)),
        tuple(dims),
        learning_rate=float(rng.uniform(0.005, 0.1)),
        num_iterations=int(rng.integers(2, 160)),
    )


GENERATED: dict[str, list[GeneratedCase]] = {
    "c1w4-deep-nn-app": [
        GeneratedCase("two_layer_model", lambda rng: _training_inputs(rng, 3)),
        GeneratedCase("L_layer_model", lambda rng: _training_inputs(rng, int(rng.integers(3, 5)))),
    ],
}

PROVIDED: dict[str, dict[str, tuple[str, ...]]] = {
    "c1w4-deep-nn-app": {
        "dlspec.foundations.deep_nn_step_by_step": (
            "initialize_parameters",
            "linear_activation_forward",
            "linear_activation_backward",
            "compute_cost",
            "L_model_forward",
            "L_model_backward",
            "update_parameters",
        ),
        "dlspec.foundations.deep_nn_application": ("initialize_parameters_deep",),
    },
}
