"""Golden cases of C1W3A1 "Planar data classification with one hidden layer" (course spec).

Each case rebuilds its inputs on every call, seeding numpy exactly where the course's test cases
do, and holds the values the course notebook prints. ``GENERATED`` adds recipes of fresh inputs
for every graded function; ``PROVIDED`` names the helper the course gives learners
(``planar_utils``), imported by ``dlspec grade --template``.

>>> from dlspec.grading import check_lab
>>> check_lab("c1w3-planar").metrics["golden cases passed"]  # doctest: +SKIP
1.0
"""

from __future__ import annotations

import numpy as np

from dlspec.foundations.golden._inputs import (
    call,
    cost_inputs,
    dense_parameters,
    gradients_like,
    sizes,
)
from dlspec.foundations.planar_classification import forward_propagation
from dlspec.grading.generated import GeneratedCase, binary_labels, position_coded
from dlspec.grading.golden import GoldenCase

__all__ = ["CASES", "GENERATED", "PROVIDED"]

_W1 = [
    [-0.00416758, -0.00056267],
    [-0.02136196, 0.01640271],
    [-0.01793436, -0.00841747],
    [0.00502881, -0.01245288],
]
_W2 = [[-0.01057952, -0.00909008, 0.00551454, 0.02292208]]


def _init_inputs() -> tuple[tuple, dict]:
    np.random.seed(2)  # the course seeds before the call; initialize_parameters does not
    return call(2, 4, 1)


def _forward_inputs() -> tuple[tuple, dict]:
    np.random.seed(1)
    X = np.random.randn(2, 3)
    b1 = np.random.randn(4, 1)
    parameters = {
        "W1": np.array(_W1),
        "b1": b1,
        "W2": np.array(_W2),
        "b2": np.array([[-1.3]]),
    }
    return call(X, parameters)


def _cost_inputs() -> tuple[tuple, dict]:
    np.random.seed(1)
    Y = np.random.randn(1, 5) > 0
    A2 = np.array([[0.5002307, 0.49985831, 0.50023963, 0.25, 0.7]])
    return call(A2, Y)


def _update_inputs() -> tuple[tuple, dict]:
    parameters = {
        "W1": np.array(
            [
                [-0.00615039, 0.0169021],
                [-0.02311792, 0.03137121],
                [-0.0169217, -0.01752545],
                [0.00935436, -0.05018221],
            ]
        ),
        "W2": np.array([[-0.0104319, -0.04019007, 0.01607211, 0.04440255]]),
        "b1": np.array([[-8.97523455e-07], [8.15562092e-06], [6.04810633e-07], [-2.54560700e-06]]),
        "b2": np.array([[9.14954378e-05]]),
    }
    grads = {
        "dW1": np.array(
            [
                [0.00023322, -0.00205423],
                [0.00082222, -0.00700776],
                [-0.00031831, 0.0028636],
                [-0.00092857, 0.00809933],
            ]
        ),
        "dW2": np.array([[-1.75740039e-05, 3.70231337e-03, -1.25683095e-03, -2.55715317e-03]]),
        "db1": np.array([[1.05570087e-07], [-3.81814487e-06], [-1.90155145e-07], [5.46467802e-07]]),
        "db2": np.array([[-1.08923140e-05]]),
    }
    return call(parameters, grads, learning_rate=1.2)


CASES: dict[str, list[GoldenCase]] = {
    "c1w3-planar": [
        GoldenCase(
            "initialize_parameters",
            _init_inputs,
            {
                "W1": [[-0.00416758, -0.00056267], [-0.02136196, 0.01640271]],
                "b1": np.zeros((4, 1)),
                "W2": _W2,
                "b2": np.zeros((1, 1)),
            },
            # The course shows the first two rows of W1 only.
            select=lambda p: {**p, "W1": p["W1"][:2]},
        ),
        GoldenCase(
            "forward_propagation",
            _forward_inputs,
            (
                [[0.21292656, 0.21274673, 0.21295976]],
                {"Z2": [[-1.30737426, -1.30844761, -1.30717618]]},
            ),
        ),
        GoldenCase("compute_cost", _cost_inputs, 0.5447066599017815),
        GoldenCase(
            "update_parameters",
            _update_inputs,
            # The course does not show b1 after the update.
            {
                "W1": [
                    [-0.00643025, 0.01936718],
                    [-0.02410458, 0.03978052],
                    [-0.01653973, -0.02096177],
                    [0.01046864, -0.05990141],
                ],
                "W2": [[-0.01041081, -0.04463285, 0.01758031, 0.04747113]],
                "b2": [[0.00010457]],
            },
        ),
    ],
}


def _gen_layer_sizes(rng: np.random.Generator) -> tuple[tuple, dict]:
    n_x, m = sizes(rng, 2)
    n_y = int(rng.integers(1, 4))
    return call(position_coded(rng, (n_x, m)), binary_labels(rng, (n_y, m)))


def _gen_network(rng: np.random.Generator) -> tuple[np.ndarray, dict, np.ndarray]:
    n_x, n_h, m = sizes(rng, 3)
    X = position_coded(rng, (n_x, m), 2.0)
    return X, dense_parameters(rng, [n_x, n_h, 1]), binary_labels(rng, (1, m))


def _gen_backward(rng: np.random.Generator) -> tuple[tuple, dict]:
    X, parameters, Y = _gen_network(rng)
    _, cache = forward_propagation(X, parameters)
    return call(parameters, cache, X, Y)


def _gen_update(rng: np.random.Generator) -> tuple[tuple, dict]:
    _, parameters, _ = _gen_network(rng)
    grads = gradients_like(rng, parameters, 0.1)
    return call(parameters, grads, learning_rate=float(rng.uniform(0.1, 2.0)))


def _gen_nn_model(rng: np.random.Generator) -> tuple[tuple, dict]:
    n_x, m = sizes(rng, 2, 2, 12)
    X = position_coded(rng, (n_x, m), 2.0)
    n_h = int(rng.integers(2, 7))
    return call(X, binary_labels(rng, (1, m)), n_h, num_iterations=int(rng.integers(10, 60)))


GENERATED: dict[str, list[GeneratedCase]] = {
    "c1w3-planar": [
        GeneratedCase("layer_sizes", _gen_layer_sizes),
        GeneratedCase(
            "initialize_parameters", lambda rng: call(*sizes(rng, 3, 1, 9)), seed_numpy=True
        ),
        GeneratedCase("forward_propagation", lambda rng: call(*_gen_network(rng)[:2])),
        GeneratedCase("compute_cost", cost_inputs),
        GeneratedCase("backward_propagation", _gen_backward),
        GeneratedCase("update_parameters", _gen_update),
        GeneratedCase("nn_model", _gen_nn_model),
        # Predictions: booleans in the course; 0/1 integers or floats are accepted too.
        GeneratedCase("predict", lambda rng: call(*_gen_network(rng)[1::-1]), check_dtype=False),
    ],
}

PROVIDED: dict[str, dict[str, tuple[str, ...]]] = {
    "c1w3-planar": {"dlspec.foundations.planar_classification": ("sigmoid",)},
}
