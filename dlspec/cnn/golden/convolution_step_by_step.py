"""Golden cases of C4W1A1 "Convolutional model, step by step", transcribed from the course spec.

>>> from dlspec.grading import check_lab
>>> check_lab("c4w1-conv-step").metrics["golden cases passed"]  # doctest: +SKIP
1.0

Inputs are seeded as the course's tests seed them. ``conv_backward`` and ``pool_backward`` are
fed the caches of dlspec's own ``conv_forward`` / ``pool_forward``, so a learner's backward pass
is graded on its own. The vectorised module (:mod:`dlspec.cnn.convolution_vectorized`) passes
the same cases.
"""

from __future__ import annotations

import numpy as np

from dlspec.cnn.convolution_step_by_step import conv_forward, pool_forward
from dlspec.grading.generated import GeneratedCase, distinct_sizes, position_coded
from dlspec.grading.golden import GoldenCase

__all__ = ["CASES", "GENERATED"]


def _call(*args, **kwargs) -> tuple[tuple, dict]:
    return args, kwargs


def _zero_pad_inputs():
    np.random.seed(1)
    return _call(np.random.randn(4, 3, 3, 2), 3)


def _single_step_inputs():
    np.random.seed(1)
    a_slice_prev = np.random.randn(4, 4, 3)
    W = np.random.randn(4, 4, 3)
    b = np.random.randn(1, 1, 1)
    return _call(a_slice_prev, W, b)


def _conv_forward_inputs(pad: int, stride: int):
    def make_inputs():
        np.random.seed(1)
        A_prev = np.random.randn(2, 5, 7, 4)
        W = np.random.randn(3, 3, 4, 8)
        b = np.random.randn(1, 1, 1, 8)
        return _call(A_prev, W, b, {"pad": pad, "stride": stride})

    return make_inputs


def _pool_forward_inputs():
    np.random.seed(1)
    return _call(np.random.randn(2, 5, 5, 3), {"stride": 1, "f": 3}, mode="max")


def _conv_backward_inputs():
    np.random.seed(1)
    A_prev = np.random.randn(10, 4, 4, 3)
    W = np.random.randn(2, 2, 3, 8)
    b = np.random.randn(1, 1, 1, 8)
    Z, cache = conv_forward(A_prev, W, b, {"pad": 2, "stride": 2})
    return _call(Z, cache)


def _mask_inputs():
    np.random.seed(1)
    return _call(np.random.randn(2, 3))


def _pool_backward_inputs():
    np.random.seed(1)
    A_prev = np.random.randn(5, 5, 3, 2)
    _, cache = pool_forward(A_prev, {"stride": 1, "f": 2})
    dA = np.random.randn(5, 4, 2, 2)
    return _call(dA, cache, mode="max")


def _conv_summary(out):
    Z, cache = out
    return Z.shape, np.mean(Z), Z[0, 2, 1], len(cache)


CASES: dict[str, list[GoldenCase]] = {
    "c4w1-conv-step": [
        GoldenCase(
            "zero_pad",
            _zero_pad_inputs,
            (
                (4, 9, 9, 2),
                np.zeros((9, 2)),
                [[0.90085595, -0.68372786], [-0.12289023, -0.93576943], [-0.26788808, 0.53035547]],
            ),
            # x_pad[1, 1] is padding; x[1, 1] sits at x_pad[1, 1 + 3, 3:6].
            select=lambda x_pad: (x_pad.shape, x_pad[1, 1], x_pad[1, 4, 3:6]),
        ),
        GoldenCase(
            "conv_single_step",
            _single_step_inputs,
            -6.999089450680221,
            types={"": float},
        ),
        GoldenCase(
            "conv_forward",
            _conv_forward_inputs(pad=1, stride=2),
            (
                (2, 3, 4, 8),
                0.5511276474566768,
                [
                    -2.17796037,
                    8.07171329,
                    -0.5772704,
                    3.36286738,
                    4.48113645,
                    -2.89198428,
                    10.99288867,
                    3.03171932,
                ],
                4,
            ),
            select=_conv_summary,
            name="conv_forward (pad 1, stride 2)",
        ),
        GoldenCase(
            "conv_forward",
            _conv_forward_inputs(pad=3, stride=1),
            (2, 9, 11, 8),
            select=lambda out: out[0].shape,
            name="conv_forward (pad 3, stride 1) shape",
        ),
        GoldenCase(
            "conv_forward",
            _conv_forward_inputs(pad=0, stride=2),
            (2, 2, 3, 8),
            select=lambda out: out[0].shape,
            name="conv_forward (pad 0, stride 2) shape",
        ),
        GoldenCase(
            "pool_forward",
            _pool_forward_inputs,
            (
                (2, 3, 3, 3),
                [
                    [1.96710175, 0.84616065, 1.27375593],
                    [1.96710175, 0.84616065, 1.23616403],
                    [1.62765075, 1.12141771, 1.2245077],
                ],
                2,
            ),
            select=lambda out: (out[0].shape, out[0][1, 1], len(out[1])),
            name="pool_forward (max)",
        ),
        GoldenCase(
            "conv_backward",
            _conv_backward_inputs,
            (1.4524377775388075, 1.7269914583139097, 7.839232564616838),
            select=lambda out: tuple(np.mean(x) for x in out),
            name="conv_backward (means of dA, dW, db)",
        ),
        GoldenCase(
            "conv_backward",
            _conv_backward_inputs,
            ((10, 4, 4, 3), (2, 2, 3, 8), (1, 1, 1, 8)),
            select=lambda out: tuple(np.shape(x) for x in out),
            name="conv_backward (shapes)",
        ),
        GoldenCase(
            "create_mask_from_window",
            _mask_inputs,
            np.array([[True, False, False], [False, False, False]]),
        ),
        GoldenCase(
            "distribute_value",
            lambda: _call(2, (2, 2)),
            np.array([[0.5, 0.5], [0.5, 0.5]]),
        ),
        GoldenCase(
            "pool_backward",
            _pool_backward_inputs,
            ((5, 5, 3, 2), [[0.0, 0.0], [5.05844394, -1.68282702], [0.0, 0.0]]),
            select=lambda dA_prev: (dA_prev.shape, dA_prev[1, 1]),
            name="pool_backward (max)",
        ),
    ],
}


def _gen_volume(rng: np.random.Generator, scale: float = 1.0) -> np.ndarray:
    """A batch (m, n_H, n_W, n_C) with m, n_H, n_W, n_C all different."""
    return position_coded(rng, tuple(distinct_sizes(rng, 4, 2, 7)), scale)


def _gen_conv(rng: np.random.Generator) -> tuple[tuple, dict]:
    """A_prev, W (f, f, n_C_prev, n_C), b, and a pad and stride that fit."""
    A_prev = _gen_volume(rng, 2.0)
    f = int(rng.integers(1, min(A_prev.shape[1:3]) + 1))
    n_C = int(rng.integers(2, 6))
    W = position_coded(rng, (f, f, A_prev.shape[3], n_C))
    b = position_coded(rng, (1, 1, 1, n_C), 0.5)
    hparameters = {"pad": int(rng.integers(0, 3)), "stride": int(rng.integers(1, 3))}
    return _call(A_prev, W, b, hparameters)


def _gen_pool(mode: str):
    def make(rng: np.random.Generator) -> tuple[tuple, dict]:
        A_prev = _gen_volume(rng, 3.0)
        f = int(rng.integers(2, min(A_prev.shape[1:3]) + 1))
        return _call(A_prev, {"f": f, "stride": int(rng.integers(1, 3))}, mode=mode)

    return make


def _gen_conv_backward(rng: np.random.Generator) -> tuple[tuple, dict]:
    Z, cache = conv_forward(*_gen_conv(rng)[0])
    return _call(position_coded(rng, Z.shape), cache)


def _gen_pool_backward(mode: str):
    def make(rng: np.random.Generator) -> tuple[tuple, dict]:
        (A_prev, hparameters), kwargs = _gen_pool(mode)(rng)
        A, cache = pool_forward(A_prev, hparameters, **kwargs)
        return _call(position_coded(rng, A.shape), cache, mode=mode)

    return make


def _gen_slice(rng: np.random.Generator) -> tuple[tuple, dict]:
    shape = tuple(distinct_sizes(rng, 3, 2, 6))
    b = position_coded(rng, (1, 1, 1))
    return _call(position_coded(rng, shape, 2.0), position_coded(rng, shape), b)


GENERATED: dict[str, list[GeneratedCase]] = {
    "c4w1-conv-step": [
        GeneratedCase("zero_pad", lambda rng: _call(_gen_volume(rng), int(rng.integers(1, 4)))),
        GeneratedCase("conv_single_step", _gen_slice),
        GeneratedCase("conv_forward", _gen_conv, select=lambda out: out[0]),
        *(
            GeneratedCase(
                "pool_forward", _gen_pool(mode), select=lambda out: out[0], name=f"pool_{mode}"
            )
            for mode in ("max", "average")
        ),
        GeneratedCase("conv_backward", _gen_conv_backward),
        GeneratedCase(
            "create_mask_from_window",
            # the maximum anywhere in the window, not only at a corner
            lambda rng: _call(
                rng.permuted(position_coded(rng, tuple(distinct_sizes(rng, 2, 2, 5))))
            ),
        ),
        GeneratedCase(
            "distribute_value",
            lambda rng: _call(float(rng.uniform(-3, 3)), tuple(distinct_sizes(rng, 2, 2, 5))),
        ),
        *(
            GeneratedCase("pool_backward", _gen_pool_backward(mode), name=f"pool_backward_{mode}")
            for mode in ("max", "average")
        ),
    ],
}
