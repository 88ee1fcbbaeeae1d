"""Golden cases of C4W4A2 "Art generation with neural style transfer" (lab ``c4w4-nst``).

The course's checks that need no pretrained weights:

- ``compute_content_cost`` on ``tf.random.normal([1, 1, 4, 4, 3], mean=1, stddev=4)`` pairs
  after ``tf.random.set_seed(1)`` (the 5-D tensors are passed directly, so ``[-1]`` selects a
  (1, 4, 4, 3) activation): 7.0568767 in the course, 7.0568771 with TF 2.21;
- ``compute_layer_style_cost`` on ``tf.random.normal([1, 4, 4, 3], ...)`` pairs after the same
  seed: 14.017805 in the course, 14.017808 with TF 2.21 (one copy of the course's tests says
  14.01649, which is not what TF computes); and 0 for an activation against itself;
- ``total_cost(0.2, 0.8) = 34`` and ``total_cost(0.3, 0.5, 3, 8) = 4.9``.

The tolerance ``rtol=1e-6`` accepts both the course's and TF 2.21's float32 rounding (they
differ by 6e-8 and 2e-7 relative) and rejects 14.01649 (9e-5 off).

>>> from dlspec.grading import run_case
>>> from dlspec.cnn.style import neural_style_transfer as lab
>>> all(run_case(case, lab).passed for case in CASES["c4w4-nst"])  # doctest: +SKIP
True
"""

from __future__ import annotations

import numpy as np

from dlspec.grading.generated import GeneratedCase, distinct_sizes, position_coded
from dlspec.grading.golden import GoldenCase

__all__ = ["CASES", "RTOL", "GENERATED"]

#: accepts the course's values and TF 2.21's (see above)
RTOL = 1e-6


def _seeded_pair(shape: list[int]):
    """``tf.random.set_seed(1)`` then two ``tf.random.normal(shape, mean=1, stddev=4)``."""

    def make() -> tuple[tuple, dict]:
        import tensorflow as tf

        tf.random.set_seed(1)
        first = tf.random.normal(shape, mean=1, stddev=4)
        second = tf.random.normal(shape, mean=1, stddev=4)
        return (first, second), {}

    return make


def _same_twice(shape: list[int]):
    def make() -> tuple[tuple, dict]:
        import tensorflow as tf

        tf.random.set_seed(1)
        a = tf.random.normal(shape, mean=1, stddev=4)
        return (a, a), {}

    return make


def _args(*args):
    def make() -> tuple[tuple, dict]:
        return args, {}

    return make


CASES = {
    "c4w4-nst": [
        GoldenCase(
            "compute_content_cost",
            _seeded_pair([1, 1, 4, 4, 3]),
            7.0568767,
            rtol=RTOL,
            name="compute_content_cost (seed 1)",
        ),
        GoldenCase(
            "compute_layer_style_cost",
            _seeded_pair([1, 4, 4, 3]),
            14.017805,
            rtol=RTOL,
            name="compute_layer_style_cost (seed 1)",
        ),
        GoldenCase(
            "compute_layer_style_cost",
            _same_twice([1, 4, 4, 3]),
            0.0,
            atol=1e-6,
            name="compute_layer_style_cost (a_G, a_G) = 0",
        ),
        GoldenCase("total_cost", _args(0.2, 0.8), 34.0, rtol=RTOL, name="total_cost(0.2, 0.8)"),
        GoldenCase(
            "total_cost", _args(0.3, 0.5, 3, 8), 4.9, rtol=RTOL, name="total_cost(0.3, 0.5, 3, 8)"
        ),
    ]
}


def _gen_activation(rng: np.random.Generator, shape: tuple[int, ...], scale: float = 3.0):
    """A float32 tensor of ``shape``, values rising with the position in a shuffled order."""
    import tensorflow as tf  # lazy: keeps the grading plan of this lab free of TensorFlow

    values = rng.permuted(position_coded(rng, shape, scale).ravel()).reshape(shape)
    return tf.constant(values, tf.float32)


def _gen_content(rng: np.random.Generator) -> tuple[tuple, dict]:
    """Stacks of layer outputs (k, 1, n_H, n_W, n_C): ``[-1]`` picks the content layer."""
    n_H, n_W, n_C = distinct_sizes(rng, 3, 2, 7)
    shape = (int(rng.integers(1, 3)), 1, n_H, n_W, n_C)
    return (_gen_activation(rng, shape), _gen_activation(rng, shape)), {}


def _gen_style(rng: np.random.Generator) -> tuple[tuple, dict]:
    n_H, n_W, n_C = distinct_sizes(rng, 3, 2, 7)
    return (_gen_activation(rng, (1, n_H, n_W, n_C)), _gen_activation(rng, (1, n_H, n_W, n_C))), {}


def _gen_total(rng: np.random.Generator) -> tuple[tuple, dict]:
    J_content, J_style = (float(v) for v in rng.uniform(0.1, 50, 2))
    alpha, beta = (int(v) for v in distinct_sizes(rng, 2, 1, 60))
    return (J_content, J_style, alpha, beta), {}


GENERATED = {
    "c4w4-nst": [
        GeneratedCase("compute_content_cost", _gen_content, rtol=1e-5, atol=1e-6),
        GeneratedCase("compute_layer_style_cost", _gen_style, rtol=1e-5, atol=1e-6),
        GeneratedCase("total_cost", _gen_total, rtol=RTOL),
    ]
}
