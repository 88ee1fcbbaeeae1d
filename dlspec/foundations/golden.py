"""Golden cases of Course 1 (W2A1, W2A2, W3A1, W4A1, W4A2), transcribed from the course spec.

Each case rebuilds its inputs on every call, seeding numpy exactly where the course's test cases
do, and holds the values the course notebooks print (``...`` marks parts the course does not
show). The lab registry points each Course 1 lab here (``Lab.golden``), so

>>> from dlspec.grading import check_lab
>>> check_lab("c1w2-logreg").metrics["golden cases passed"]
1.0

``GENERATED`` adds, for every graded function, recipes of fresh inputs (new shapes and values
on each run of ``dlspec grade``), and ``PROVIDED`` names the helpers the course gives learners.

The data-dependent headline numbers (full training runs on the cat / planar data) are not
golden cases; they belong to the slower, data-marked tests.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dlspec.grading.generated import GeneratedCase, binary_labels, distinct_sizes, position_coded
from dlspec.grading.golden import GoldenCase

__all__ = ["CASES", "GENERATED", "PROVIDED"]


def _call(*args, **kwargs) -> tuple[tuple, dict]:
    """Pack a call's arguments as ``make_inputs`` returns them."""
    return args, kwargs


# --- W2A1: Python basics with numpy -------------------------------------------------------

_NUMPY_BASICS = [
    GoldenCase(
        "basic_sigmoid",
        lambda: _call(1),
        0.7310585786300049,
        types={"": float},
    ),
    GoldenCase(
        "sigmoid",
        lambda: _call(np.array([1, 2, 3])),
        [0.73105858, 0.88079708, 0.95257413],
    ),
    GoldenCase(
        "sigmoid_derivative",
        lambda: _call(np.array([1, 2, 3])),
        [0.19661193, 0.10499359, 0.04517666],
    ),
    GoldenCase(
        "normalizeRows",
        lambda: _call(np.array([[0, 3, 4], [1, 6, 4]])),
        [[0.0, 0.6, 0.8], [0.13736056, 0.82416338, 0.54944226]],
    ),
    GoldenCase(
        "L1",
        lambda: _call(np.array([0.9, 0.2, 0.1, 0.4, 0.9]), np.array([1, 0, 0, 1, 1])),
        1.1,
        types={"": float},
    ),
]

# --- W2A2: Logistic regression with a neural network mindset ------------------------------


def _logreg_wbXY() -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    w = np.array([[1.0], [2.0]])
    X = np.array([[1.0, -2.0, -1.0], [3.0, 0.5, -3.2]])
    return w, 1.5, X, np.array([[1, 1, 0]])


_LOGREG = [
    GoldenCase(
        "initialize_with_zeros",
        lambda: _call(2),
        ([[0.0], [0.0]], 0.0),
        types={"1": float},
    ),
    GoldenCase(
        "propagate",
        lambda: _call(*_logreg_wbXY()),
        ({"dw": [[0.25071532], [-0.06604096]], "db": -0.1250040450043965}, 0.15900537707692405),
        types={"0.db": float},
    ),
    GoldenCase(
        "optimize",
        lambda: _call(*_logreg_wbXY(), num_iterations=100, learning_rate=0.009),
        (
            {"w": [[0.80956046], [2.0508202]], "b": 1.5948713189708588},
            {"dw": [[0.17860505], [-0.04840656]], "db": -0.08888460336847771},
            [0.15900538],
        ),
    ),
    GoldenCase(
        "predict",
        lambda: _call(
            np.array([[0.1124579], [0.23106775]]),
            -0.3,
            np.array([[1.0, -1.1, -3.2], [1.2, 2.0, 0.1]]),
        ),
        [[1, 1, 0]],
    ),
]

# --- W3A1: Planar data classification with one hidden layer -------------------------------

_PLANAR_W1 = [
    [-0.00416758, -0.00056267],
    [-0.02136196, 0.01640271],
    [-0.01793436, -0.00841747],
    [0.00502881, -0.01245288],
]
_PLANAR_W2 = [[-0.01057952, -0.00909008, 0.00551454, 0.02292208]]


def _planar_init_inputs() -> tuple[tuple, dict]:
    np.random.seed(2)  # the course seeds before the call; initialize_parameters does not
    return _call(2, 4, 1)


def _planar_forward_inputs() -> tuple[tuple, dict]:
    np.random.seed(1)
    X = np.random.randn(2, 3)
    b1 = np.random.randn(4, 1)
    parameters = {
        "W1": np.array(_PLANAR_W1),
        "b1": b1,
        "W2": np.array(_PLANAR_W2),
        "b2": np.array([[-1.3]]),
    }
    return _call(X, parameters)


def _planar_cost_inputs() -> tuple[tuple, dict]:
    np.random.seed(1)
    Y = np.random.randn(1, 5) > 0
    A2 = np.array([[0.5002307, 0.49985831, 0.50023963, 0.25, 0.7]])
    return _call(A2, Y)


def _planar_update_inputs() -> tuple[tuple, dict]:
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
    return _call(parameters, grads, learning_rate=1.2)


_PLANAR = [
    GoldenCase(
        "initialize_parameters",
        _planar_init_inputs,
        {
            "W1": [[-0.00416758, -0.00056267], [-0.02136196, 0.01640271]],
            "b1": np.zeros((4, 1)),
            "W2": _PLANAR_W2,
            "b2": np.zeros((1, 1)),
        },
        # The course shows the first two rows of W1 only.
        select=lambda p: {**p, "W1": p["W1"][:2]},
    ),
    GoldenCase(
        "forward_propagation",
        _planar_forward_inputs,
        (
            [[0.21292656, 0.21274673, 0.21295976]],
            {"Z2": [[-1.30737426, -1.30844761, -1.30717618]]},
        ),
    ),
    GoldenCase("compute_cost", _planar_cost_inputs, 0.5447066599017815),
    GoldenCase(
        "update_parameters",
        _planar_update_inputs,
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
]

# --- W4A1: Building a deep neural network, step by step -----------------------------------


def _linear_forward_inputs() -> tuple[tuple, dict]:
    np.random.seed(1)
    A = np.random.randn(3, 2)
    W = np.random.randn(1, 3)
    b = np.random.randn(1, 1)
    return _call(A, W, b)


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
    return _call(X, parameters)


def _linear_activation_backward_inputs() -> tuple[tuple, dict]:
    np.random.seed(2)
    dA = np.random.randn(1, 2)
    A = np.random.randn(3, 2)
    W = np.random.randn(1, 3)
    b = np.random.randn(1, 1)
    Z = np.random.randn(1, 2)
    return _call(dA, ((A, W, b), Z), "sigmoid")


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
    return _call(AL, Y, caches)


_DEEP_NN_STEP = [
    GoldenCase(
        "initialize_parameters",
        lambda: _call(3, 2, 1),
        {
            "W1": [[0.01624345, -0.00611756, -0.00528172], [-0.01072969, 0.00865408, -0.02301539]],
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
        lambda: _call(np.array([[0.8, 0.9, 0.4]]), np.array([[1, 1, 0]])),
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
]

# --- W4A2: Deep neural network for image classification: application ---------------------


def _two_layer_model_inputs() -> tuple[tuple, dict]:
    np.random.seed(1)
    X = np.random.randn(10, 10)
    Y = np.random.randn(1, 10)
    return _call(X, Y, (10, 4, 1), learning_rate=0.0075, num_iterations=2)


_DEEP_NN_APP = [
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
]

CASES: dict[str, list[GoldenCase]] = {
    "c1w2-numpy-basics": _NUMPY_BASICS,
    "c1w2-logreg": _LOGREG,
    "c1w3-planar": _PLANAR,
    "c1w4-deep-nn-step": _DEEP_NN_STEP,
    "c1w4-deep-nn-app": _DEEP_NN_APP,
}

# --- Generated cases: fresh shapes and values on every run --------------------------------
#
# Each recipe draws its inputs from ``rng`` only: non-square shapes (``distinct_sizes``) and
# position-coded values, so that a hard-coded size, a global, a transpose or a reduction over
# the wrong axis shows. dlspec's own function on a copy of the same inputs gives the expected
# values (see dlspec.grading.generated).


def _sizes(rng: np.random.Generator, count: int, low: int = 2, high: int = 9) -> list[int]:
    return distinct_sizes(rng, count, low, high)


def _probabilities(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Values in (0.05, 0.95) that rise with the position (activations of a sigmoid)."""
    return 0.5 + 0.45 * position_coded(rng, shape)


def _dense_parameters(rng: np.random.Generator, dims: list[int]) -> dict[str, np.ndarray]:
    parameters = {}
    for l in range(1, len(dims)):
        parameters[f"W{l}"] = rng.normal(0, 1, (dims[l], dims[l - 1])) / np.sqrt(dims[l - 1])
        parameters[f"b{l}"] = position_coded(rng, (dims[l], 1), 0.1)
    return parameters


def _like(rng: np.random.Generator, arrays: dict[str, np.ndarray], scale: float) -> dict:
    """Gradients ``{"dW1": ..., "db1": ...}`` shaped like the parameters."""
    return {f"d{k}": position_coded(rng, v.shape, scale) for k, v in arrays.items()}


def _gen_values(rng: np.random.Generator) -> tuple[tuple, dict]:
    return _call(position_coded(rng, tuple(_sizes(rng, 2, 2, 7)), 3.0))


def _gen_losses(rng: np.random.Generator) -> tuple[tuple, dict]:
    m = int(rng.integers(4, 12))
    return _call(rng.uniform(0.05, 0.95, m), binary_labels(rng, (m,)))


_NUMPY_BASICS_GENERATED = [
    GeneratedCase("basic_sigmoid", lambda rng: _call(float(rng.uniform(-4, 4))), types={"": float}),
    GeneratedCase("sigmoid", _gen_values),
    GeneratedCase("sigmoid_derivative", _gen_values),
    GeneratedCase(
        "image2vector", lambda rng: _call(position_coded(rng, tuple(_sizes(rng, 3, 2, 6))))
    ),
    GeneratedCase(
        "normalizeRows", lambda rng: _call(position_coded(rng, tuple(_sizes(rng, 2)), 4.0) + 5)
    ),
    GeneratedCase("softmax", lambda rng: _call(position_coded(rng, tuple(_sizes(rng, 2)), 2.0))),
    GeneratedCase("L1", _gen_losses, types={"": float}),
    GeneratedCase("L2", _gen_losses, types={"": float}),
]


def _gen_logreg(rng: np.random.Generator) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    n_x, m = _sizes(rng, 2)
    w = position_coded(rng, (n_x, 1), 0.5)
    b = float(rng.uniform(-0.5, 0.5))
    return w, b, position_coded(rng, (n_x, m), 2.0), binary_labels(rng, (1, m))


def _gen_optimize(rng: np.random.Generator) -> tuple[tuple, dict]:
    return _call(
        *_gen_logreg(rng),
        num_iterations=int(rng.integers(101, 321)),
        learning_rate=float(rng.uniform(0.005, 0.05)),
    )


_LOGREG_GENERATED = [
    GeneratedCase("sigmoid", _gen_values),
    GeneratedCase(
        "initialize_with_zeros", lambda rng: _call(int(rng.integers(3, 30))), types={"1": float}
    ),
    GeneratedCase("propagate", lambda rng: _call(*_gen_logreg(rng)), types={"0.db": float}),
    GeneratedCase("optimize", _gen_optimize),
    # Predictions: 0/1 as floats in dlspec; the course accepts booleans or integers too.
    GeneratedCase("predict", lambda rng: _call(*_gen_logreg(rng)[:3]), check_dtype=False),
]


def _gen_cost(rng: np.random.Generator) -> tuple[tuple, dict]:
    m = int(rng.integers(4, 12))
    return _call(_probabilities(rng, (1, m)), binary_labels(rng, (1, m)))


def _gen_layer_sizes(rng: np.random.Generator) -> tuple[tuple, dict]:
    n_x, m = _sizes(rng, 2)
    n_y = int(rng.integers(1, 4))
    return _call(position_coded(rng, (n_x, m)), binary_labels(rng, (n_y, m)))


def _gen_planar(rng: np.random.Generator) -> tuple[np.ndarray, dict, np.ndarray]:
    n_x, n_h, m = _sizes(rng, 3)
    X = position_coded(rng, (n_x, m), 2.0)
    return X, _dense_parameters(rng, [n_x, n_h, 1]), binary_labels(rng, (1, m))


def _gen_planar_backward(rng: np.random.Generator) -> tuple[tuple, dict]:
    from dlspec.foundations.planar_classification import forward_propagation

    X, parameters, Y = _gen_planar(rng)
    _, cache = forward_propagation(X, parameters)
    return _call(parameters, cache, X, Y)


def _gen_planar_update(rng: np.random.Generator) -> tuple[tuple, dict]:
    _, parameters, _ = _gen_planar(rng)
    grads = _like(rng, parameters, 0.1)
    return _call(parameters, grads, learning_rate=float(rng.uniform(0.1, 2.0)))


def _gen_nn_model(rng: np.random.Generator) -> tuple[tuple, dict]:
    n_x, m = _sizes(rng, 2, 2, 12)
    X = position_coded(rng, (n_x, m), 2.0)
    n_h = int(rng.integers(2, 7))
    return _call(X, binary_labels(rng, (1, m)), n_h, num_iterations=int(rng.integers(10, 60)))


_PLANAR_GENERATED = [
    GeneratedCase("layer_sizes", _gen_layer_sizes),
    GeneratedCase(
        "initialize_parameters", lambda rng: _call(*_sizes(rng, 3, 1, 9)), seed_numpy=True
    ),
    GeneratedCase("forward_propagation", lambda rng: _call(*_gen_planar(rng)[:2])),
    GeneratedCase("compute_cost", _gen_cost),
    GeneratedCase("backward_propagation", _gen_planar_backward),
    GeneratedCase("update_parameters", _gen_planar_update),
    GeneratedCase("nn_model", _gen_nn_model),
    # Predictions: booleans in the course; 0/1 integers or floats are accepted too.
    GeneratedCase("predict", lambda rng: _call(*_gen_planar(rng)[1::-1]), check_dtype=False),
]


def _gen_layer(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(A_prev, W, b)`` of a layer with n_prev, n, m all different."""
    n_prev, n, m = _sizes(rng, 3)
    A_prev = position_coded(rng, (n_prev, m), 2.0)
    return A_prev, rng.normal(0, 1, (n, n_prev)), position_coded(rng, (n, 1), 0.5)


def _gen_linear_backward(rng: np.random.Generator) -> tuple[tuple, dict]:
    A_prev, W, b = _gen_layer(rng)
    return _call(position_coded(rng, (W.shape[0], A_prev.shape[1])), (A_prev, W, b))


def _gen_activation_backward(activation: str) -> Callable[[np.random.Generator], tuple]:
    def make(rng: np.random.Generator) -> tuple[tuple, dict]:
        A_prev, W, b = _gen_layer(rng)
        Z = W @ A_prev + b
        return _call(position_coded(rng, Z.shape), ((A_prev, W, b), Z), activation)

    return make


def _gen_deep(rng: np.random.Generator) -> tuple[np.ndarray, dict, np.ndarray]:
    dims = _sizes(rng, int(rng.integers(3, 5)), 2, 9)
    m = int(rng.integers(3, 10))
    dims[-1] = 1
    X = position_coded(rng, (dims[0], m), 2.0)
    return X, _dense_parameters(rng, dims), binary_labels(rng, (1, m))


def _gen_L_model_backward(rng: np.random.Generator) -> tuple[tuple, dict]:
    from dlspec.foundations.deep_nn_step_by_step import L_model_forward

    X, parameters, Y = _gen_deep(rng)
    AL, caches = L_model_forward(X, parameters)
    return _call(AL, Y, caches)


def _gen_deep_update(rng: np.random.Generator) -> tuple[tuple, dict]:
    _, parameters, _ = _gen_deep(rng)
    return _call(parameters, _like(rng, parameters, 0.1), float(rng.uniform(0.01, 1.0)))


_DEEP_NN_STEP_GENERATED = [
    GeneratedCase("initialize_parameters", lambda rng: _call(*_sizes(rng, 3, 1, 9))),
    GeneratedCase(
        "initialize_parameters_deep",
        lambda rng: _call(_sizes(rng, int(rng.integers(3, 6)), 1, 9)),
    ),
    GeneratedCase("linear_forward", lambda rng: _call(*_gen_layer(rng))),
    *(
        GeneratedCase(
            "linear_activation_forward",
            lambda rng, a=activation: _call(*_gen_layer(rng), a),
            name=f"linear_activation_forward_{activation}",
        )
        for activation in ("sigmoid", "relu")
    ),
    GeneratedCase("L_model_forward", lambda rng: _call(*_gen_deep(rng)[:2])),
    GeneratedCase("compute_cost", _gen_cost),
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
]


def _gen_training(rng: np.random.Generator, layers: int) -> tuple[tuple, dict]:
    dims = _sizes(rng, layers, 2, 12)
    dims[-1] = 1
    m = int(rng.integers(6, 16))
    X = position_coded(rng, (dims[0], m), 1.0)
    return _call(
        X,
        binary_labels(rng, (1, m)),
        tuple(dims),
        learning_rate=float(rng.uniform(0.005, 0.1)),
        num_iterations=int(rng.integers(2, 160)),
    )


_DEEP_NN_APP_GENERATED = [
    GeneratedCase("two_layer_model", lambda rng: _gen_training(rng, 3)),
    GeneratedCase("L_layer_model", lambda rng: _gen_training(rng, int(rng.integers(3, 5)))),
]

GENERATED: dict[str, list[GeneratedCase]] = {
    "c1w2-numpy-basics": _NUMPY_BASICS_GENERATED,
    "c1w2-logreg": _LOGREG_GENERATED,
    "c1w3-planar": _PLANAR_GENERATED,
    "c1w4-deep-nn-step": _DEEP_NN_STEP_GENERATED,
    "c1w4-deep-nn-app": _DEEP_NN_APP_GENERATED,
}

# Helpers the course gives learners (dnn_utils, planar_utils, dnn_app_utils): not graded;
# `dlspec grade LAB --template` imports them from dlspec.
_STEP = "dlspec.foundations.deep_nn_step_by_step"
PROVIDED: dict[str, dict[str, tuple[str, ...]]] = {
    "c1w3-planar": {"dlspec.foundations.planar_classification": ("sigmoid",)},
    "c1w4-deep-nn-step": {_STEP: ("sigmoid", "relu", "sigmoid_backward", "relu_backward")},
    "c1w4-deep-nn-app": {
        _STEP: (
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
