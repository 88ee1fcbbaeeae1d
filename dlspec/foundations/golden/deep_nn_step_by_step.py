"""Golden cases of C1W4A1 "Building your deep neural network: step by step" (course spec).

Each case rebuilds its inputs on every call, seeding numpy exactly where the course's test cases
do, and holds the values the course notebook prints (``...`` marks parts the course does not
show). ``GENERATED`` adds recipes of fresh inputs for every graded function; ``PROVIDED`` names
the helpers the course gives learners (``dnn_utils``), imported by ``dlspec grade --template``.

>>> from dlspec.grading import check_lab
>>> check_lab("c1w4-deep-nn-step").metrics["golden cases passed"]  # doctest: +SKIP
1.0
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dlspec.foundations.deep_nn_step_by_step import L_model_forward
from dlspec.foundations.golden._inputs import (
    call,
    cost_inputs,
    dense_parameters,
    gradients_like,
    sizes,
)
from dlspec.grading.generated import GeneratedCase, binary_labels, position_coded
from dlspec.grading.golden import GoldenCase

__all__ = ["CASES", "GENERATED", "PROVIDED"]


def _linear_forward_inputs() -> tuple[tuple, dict]:
    np.random.seed(1)
    A = np.random.randn(3, 2)
    W = np.random.randn(1, 3)
    b = np.random.randn(1, 1)
    return call(A, W, b)


def _L_model_forward_inputs() -> tuple[tuple, dict]:
    np.random.seed(6)
    X = np.random.randn(5, 4)
    parameters = {
        "W1": np.random.randn(4, 5),
        "b1": np.random.randn(4, 1),
        "W2": np.random.randn(3, 4),
        "b2": np.random.randn(3, 1),
        "W3": np.random.randn(1, 3),
        "b3": np.random.randn(1, 1),
    }
    return call(X, parameters)


def _linear_activation_backward_inputs() -> tuple[tuple, dict]:
    np.random.seed(2)
    dA = np.random.randn(1, 2)
    A = np.random.randn(3, 2)
    W = np.random.randn(1, 3)
    b = np.random.randn(1, 1)
    Z = np.random.randn(1, 2)
    return call(dA, ((A, W, b), Z), "sigmoid")


def _L_model_backward_inputs() -> tuple[tuple, dict]:
    np.random.seed(3)
    AL = np.random.randn(1, 2)
    Y = np.array([[1, 0]])
    A1 = np.random.randn(4, 2)
    W1 = np.random.randn(3, 4)
    b1 = np.random.randn(3, 1)
    Z1 = np.random.randn(3, 2)
    A2 = np.random.randn(3, 2)
    W2 = np.random.randn(1, 3)
    b2 = np.random.randn(1, 1)
    Z2 = np.random.randn(1, 2)
    caches = (((A1, W1, b1), Z1), ((A2, W2, b2), Z2))
    return call(AL, Y, caches)


CASES: dict[str, list[GoldenCase]] = {
    "c1w4-deep-nn-step": [
        GoldenCase(
            "initialize_parameters",
            lambda: call(3, 2, 1),
            {
                "W1": [
                    [0.01624345, -0.00611756, -0.00528172],
                    [-0.01072969, 0.00865408, -0.02301539],
                ],
                "b1": np.zeros((2, 1)),
                "W2": [[0.01744812, -0.00761207]],
                "b2": np.zeros((1, 1)),
            },
        ),
        GoldenCase("linear_forward", _linear_forward_inputs, ([[3.26295337, -1.23429987]], ...)),
        GoldenCase(
            "L_model_forward",
            _L_model_forward_inputs,
            ([[0.03921668, 0.70498921, 0.19734387, 0.04728177]], 3),
            select=lambda out: (out[0], len(out[1])),
        ),
        GoldenCase(
            "compute_cost",
            lambda: call(np.array([[0.8, 0.9, 0.4]]), np.array([[1, 1, 0]])),
            0.2797765635793423,
        ),
        GoldenCase(
            "linear_activation_backward",
            _linear_activation_backward_inputs,
            (
                [[0.11017994, 0.01105339], [0.09466817, 0.00949723], [-0.05743092, -0.00576154]],
                [[0.10266786, 0.09778551, -0.01968084]],
                [[-0.05729622]],
            ),
            name="linear_activation_backward_sigmoid",
        ),
        GoldenCase(
            "L_model_backward",
            _L_model_backward_inputs,
            # The course shows dW2, db2 and dA1 only.
            {
                "dW2": [[-0.39202432, -0.13325855, -0.04601089]],
                "db2": [[0.15187861]],
                "dA1": [
                    [0.12913162, -0.44014127],
                    [-0.14175655, 0.48317296],
                    [0.01663708, -0.05670698],
                ],
            },
        ),
    ],
}


def _gen_layer(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(A_prev, W, b)`` of a layer with n_prev, n, m all different."""
    n_prev, n, m = sizes(rng, 3)
    A_prev = position_coded(rng, (n_prev, m), 2.0)
    return A_prev, rng.normal(0, 1, (n, n_prev)), position_coded(rng, (n, 1), 0.5)


def _gen_linear_backward(rng: np.random.Generator) -> tuple[tuple, dict]:
    A_prev, W, b = _gen_layer(rng)
    return call(position_coded(rng, (W.shape[0], A_prev.shape[1])), (A_prev, W, b))


def _gen_activation_backward(activation: str) -> Callable[[np.random.Generator], tuple]:
    def make(rng: np.random.Generator) -> tuple[tuple, dict]:
        A_prev, W, b = _gen_layer(rng)
        Z = W @ A_prev + b
        return call(position_coded(rng, Z.shape), ((A_prev, W, b), Z), activation)

    return make


def _gen_deep(rng: np.random.Generator) -> tuple[np.ndarray, dict, np.ndarray]:
    dims = sizes(rng, int(rng.integers(3, 5)), 2, 9)
    m = int(rng.integers(3, 10))
    dims[-1] = 1
    X = position_coded(rng, (dims[0], m), 2.0)
    return X, dense_parameters(rng, dims), binary_labels(rng, (1, m))


def _gen_L_model_backward(rng: np.random.Generator) -> tuple[tuple, dict]:
    X, parameters, Y = _gen_deep(rng)
    AL, caches = L_model_forward(X, parameters)
    return call(AL, Y, caches)


def _gen_deep_update(rng: np.random.Generator) -> tuple[tuple, dict]:
    _, parameters, _ = _gen_deep(rng)
    return call(parameters, gradients_like(rng, parameters, 0.1), float(rng.uniform(0.01, 1.0)))


GENERATED: dict[str, list[GeneratedCase]] = {
    "c1w4-deep-nn-step": [
        GeneratedCase("initialize_parameters", lambda rng: call(*sizes(rng, 3, 1, 9))),
        GeneratedCase(
            "initialize_parameters_deep",
            lambda rng: call(sizes(rng, int(rng.integers(3, 6)), 1, 9)),
        ),
        GeneratedCase("linear_forward", lambda rng: call(*_gen_layer(rng))),
        *(
            GeneratedCase(
                "linear_activation_forward",
                lambda rng, a=activation: call(*_gen_layer(rng), a),
                name=f"linear_activation_forward_{activation}",
            )
            for activation in ("sigmoid", "relu")
        ),
        GeneratedCase("L_model_forward", lambda rng: call(*_gen_deep(rng)[:2])),
        GeneratedCase("compute_cost", cost_inputs),
        GeneratedCase("linear_backward", _gen_linear_backward),
        *(
            GeneratedCase(
                "linear_activation_backward",
                _gen_activation_backward(activation),
                name=f"linear_activation_backward_{activation}",
            )
            for activation in ("sigmoid", "relu")
        ),
        GeneratedCase("L_model_backward", _gen_L_model_backward),
        GeneratedCase("update_parameters", _gen_deep_update),
    ],
}

PROVIDED: dict[str, dict[str, tuple[str, ...]]] = {
    "c1w4-deep-nn-step": {
        "dlspec.foundations.deep_nn_step_by_step": (
            "sigmoid",
            "relu",
            "sigmoid_backward",
            "relu_backward",
        )
    },
}
