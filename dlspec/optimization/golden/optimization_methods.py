"""Golden cases of C2W2A1 "Optimization methods", transcribed from the course.

Inputs are rebuilt on every call from the seeds of the course's test cases. The gradient-descent,
momentum, mini-batch and decay values are the course spec's; the Adam case is the course
notebook's ``update_parameters_with_adam_test_case`` (``W2`` is (3, 3) there, t = 2,
learning_rate 0.02, β1 0.8, β2 0.888, ε 1e-2) and its printed parameters.

>>> from dlspec.grading import check_lab
>>> check_lab("c2w2-optimization").metrics["golden cases passed"]  # doctest: +SKIP
1.0
"""

from __future__ import annotations

import numpy as np

from dlspec.grading.generated import GeneratedCase, binary_labels, distinct_sizes, position_coded
from dlspec.grading.golden import GoldenCase

__all__ = ["CASES", "GENERATED"]


def _call(*args, **kwargs) -> tuple[tuple, dict]:
    return args, kwargs


def _parameters_and_grads(w2_shape: tuple[int, int]) -> tuple[dict, dict]:
    """The course's update test case: seed 1, then W1, b1, W2, b2, dW1, db1, dW2, db2."""
    np.random.seed(1)
    parameters = {
        "W1": np.random.randn(2, 3),
        "b1": np.random.randn(2, 1),
        "W2": np.random.randn(*w2_shape),
        "b2": np.random.randn(w2_shape[0], 1),
    }
    grads = {
        "dW1": np.random.randn(2, 3),
        "db1": np.random.randn(2, 1),
        "dW2": np.random.randn(*w2_shape),
        "db2": np.random.randn(w2_shape[0], 1),
    }
    return parameters, grads


def _zeros(parameters: dict) -> dict:
    return {"d" + key: np.zeros_like(value) for key, value in parameters.items()}


def _gd_inputs() -> tuple[tuple, dict]:
    return _call(*_parameters_and_grads((3, 2)), 0.01)


def _momentum_inputs() -> tuple[tuple, dict]:
    parameters, grads = _parameters_and_grads((3, 2))
    return _call(parameters, grads, _zeros(parameters), beta=0.9, learning_rate=0.01)


def _adam_inputs() -> tuple[tuple, dict]:
    parameters, grads = _parameters_and_grads((3, 3))
    v, s = _zeros(parameters), _zeros(parameters)
    return _call(
        parameters, grads, v, s, t=2, learning_rate=0.02, beta1=0.8, beta2=0.888, epsilon=1e-2
    )


def _init_inputs() -> tuple[tuple, dict]:
    return _call(_parameters_and_grads((3, 3))[0])


def _mini_batch_inputs() -> tuple[tuple, dict]:
    np.random.seed(1)
    X = np.random.randn(5, 7)
    Y = np.random.randn(1, 7) < 0.5
    return _call(X, Y, 2)


def _large_mini_batch_inputs() -> tuple[tuple, dict]:
    np.random.seed(1)
    X = np.random.randn(12288, 148)
    Y = np.random.randn(1, 148) < 0.5
    return _call(X, Y, 64)


_ZEROS_3X3 = {"dW1": np.zeros((2, 3)), "db1": np.zeros((2, 1)),
              "dW2": np.zeros((3, 3)), "db2": np.zeros((3, 1))}  # fmt: skip

CASES = {
    "c2w2-optimization": [
        GoldenCase(
            "update_parameters_with_gd",
            _gd_inputs,
            # The course shows W1 and b2.
            {
                "W1": [
                    [1.63312395, -0.61217855, -0.5339999],
                    [-1.06196243, 0.85396039, -2.3105546],
                ],
                "b2": [[1.13773698], [-1.09301954], [-0.16397615]],
            },
        ),
        GoldenCase(
            "random_mini_batches",
            _mini_batch_inputs,
            # 4 mini-batches of 2, 2, 2 and 1 columns; the course shows the first and the last.
            {
                "count": 4,
                "sizes": [2, 2, 2, 1],
                "first X column": [1.74481176, -0.38405435, -1.10061918, -0.93576943, -0.67124613],
                "first Y": [[True, True]],
                "last X": [[0.86540763], [-2.06014071], [0.04221375], [-0.68372786], [-0.6871727]],
                "last Y": [[False]],
            },
            select=lambda batches: {
                "count": len(batches),
                "sizes": [x.shape[1] for x, _ in batches],
                "first X column": batches[0][0][:, 0],
                "first Y": batches[0][1],
                "last X": batches[-1][0],
                "last Y": batches[-1][1],
            },
        ),
        GoldenCase(
            "random_mini_batches",
            _large_mini_batch_inputs,
            [[12288, 64], [12288, 64], [12288, 20], [1, 64], [1, 64], [1, 20]],
            select=lambda batches: (
                [list(x.shape) for x, _ in batches] + [list(y.shape) for _, y in batches]
            ),
            name="random_mini_batches (12288 x 148, size 64)",
        ),
        GoldenCase("initialize_velocity", _init_inputs, _ZEROS_3X3),
        GoldenCase("initialize_adam", _init_inputs, (_ZEROS_3X3, _ZEROS_3X3)),
        GoldenCase(
            "update_parameters_with_momentum",
            _momentum_inputs,
            (
                {
                    "W1": [
                        [1.62522322, -0.61179863, -0.52875457],
                        [-1.071868, 0.86426291, -2.30244029],
                    ]
                },
                {
                    "dW1": [
                        [-0.08778584, 0.00422137, 0.05828152],
                        [-0.11006192, 0.11447237, 0.09015907],
                    ]
                },
            ),
        ),
        GoldenCase(
            "update_parameters_with_adam",
            _adam_inputs,
            (
                {
                    "W1": [
                        [1.63942428, -0.6268425, -0.54320974],
                        [-1.08782943, 0.85036983, -2.2865723],
                    ],
                    "b1": [[1.75854357], [-0.74616067]],
                    "W2": [
                        [0.33356139, -0.26425199, 1.47707772],
                        [-2.04538458, -0.30744933, -0.36903141],
                        [1.14873036, -1.09256871, -0.15734651],
                    ],
                    "b2": [[-0.89228024], [0.02707193], [0.56782561]],
                },
                ...,
                ...,
                ...,
                ...,
            ),
        ),
        GoldenCase("update_lr", lambda: _call(0.5, 2, 1), 0.16666666666666666, types={"": float}),
        GoldenCase(
            "schedule_lr_decay",
            lambda: _call(0.5, 100, 1, time_interval=100),
            0.25,
            types={"": float},
            name="schedule_lr_decay (epoch 100, interval 100)",
        ),
        GoldenCase(
            "schedule_lr_decay",
            lambda: _call(0.5, 10, 1, time_interval=100),
            0.5,
            types={"": float},
            name="schedule_lr_decay (epoch 10, interval 100)",
        ),
    ]
}


def _gen_parameters(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Course-layout parameters of a 2- or 3-layer network with sizes all different."""
    dims = distinct_sizes(rng, int(rng.integers(3, 5)), 2, 9)
    parameters = {}
    for l in range(1, len(dims)):
        parameters[f"W{l}"] = position_coded(rng, (dims[l], dims[l - 1]), 2.0)
        parameters[f"b{l}"] = position_coded(rng, (dims[l], 1), 0.5)
    return parameters


def _like(rng: np.random.Generator, parameters: dict, scale: float, positive: bool = False):
    """``{"dW1": ..., "db1": ...}`` shaped like ``parameters`` (squared: positive)."""
    out = {f"d{k}": position_coded(rng, v.shape, scale) for k, v in parameters.items()}
    return {k: v**2 for k, v in out.items()} if positive else out


def _gen_gd(rng: np.random.Generator) -> tuple[tuple, dict]:
    parameters = _gen_parameters(rng)
    return _call(parameters, _like(rng, parameters, 1.0), float(rng.uniform(0.01, 0.5)))


def _gen_momentum(rng: np.random.Generator) -> tuple[tuple, dict]:
    parameters = _gen_parameters(rng)
    grads, v = _like(rng, parameters, 1.0), _like(rng, parameters, 0.3)
    beta, learning_rate = float(rng.uniform(0.5, 0.95)), float(rng.uniform(0.01, 0.5))
    return _call(parameters, grads, v, beta=beta, learning_rate=learning_rate)


def _gen_adam(rng: np.random.Generator) -> tuple[tuple, dict]:
    parameters = _gen_parameters(rng)
    grads, v = _like(rng, parameters, 1.0), _like(rng, parameters, 0.3)
    s = _like(rng, parameters, 0.5, positive=True)
    return _call(
        parameters,
        grads,
        v,
        s,
        t=int(rng.integers(1, 9)),
        learning_rate=float(rng.uniform(0.005, 0.1)),
        beta1=float(rng.uniform(0.7, 0.95)),
        beta2=float(rng.uniform(0.85, 0.999)),
        epsilon=float(rng.choice([1e-8, 1e-4, 1e-2])),
    )


def _gen_mini_batches(rng: np.random.Generator) -> tuple[tuple, dict]:
    """m not a multiple of the batch size: the last, shorter batch is checked too."""
    size = int(rng.integers(2, 6))
    m = size * int(rng.integers(2, 5)) + int(rng.integers(1, size))
    n_x = int(rng.integers(2, 7))
    X = position_coded(rng, (n_x, m), 3.0)
    return _call(X, binary_labels(rng, (1, m)), size, seed=int(rng.integers(0, 100)))


def _gen_decay(rng: np.random.Generator) -> tuple[tuple, dict]:
    lr0 = float(rng.uniform(0.05, 1.0))
    return _call(lr0, int(rng.integers(1, 500)), float(rng.uniform(0.1, 2.0)))


def _gen_schedule(rng: np.random.Generator) -> tuple[tuple, dict]:
    interval = int(rng.integers(5, 50))
    epoch = interval * int(rng.integers(1, 6)) + int(rng.integers(0, interval))
    lr0, decay = float(rng.uniform(0.05, 1.0)), float(rng.uniform(0.1, 2.0))
    return _call(lr0, epoch, decay, time_interval=interval)


GENERATED: dict[str, list[GeneratedCase]] = {
    "c2w2-optimization": [
        GeneratedCase("initialize_velocity", lambda rng: _call(_gen_parameters(rng))),
        GeneratedCase("initialize_adam", lambda rng: _call(_gen_parameters(rng))),
        GeneratedCase("update_parameters_with_gd", _gen_gd),
        GeneratedCase("update_parameters_with_momentum", _gen_momentum),
        GeneratedCase("update_parameters_with_adam", _gen_adam),
        GeneratedCase("random_mini_batches", _gen_mini_batches),
        GeneratedCase("update_lr", _gen_decay, types={"": float}),
        GeneratedCase("schedule_lr_decay", _gen_schedule, types={"": float}),
    ],
}
