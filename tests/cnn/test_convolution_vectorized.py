"""The vectorised convolution API: golden cases, agreement with the loops (hypothesis) and with
TensorFlow's conv2d / max_pool2d / avg_pool2d and their gradients, shared input checks."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from dlspec.cnn import convolution_step_by_step as loops
from dlspec.cnn import convolution_vectorized as vec
from dlspec.cnn.golden.convolution_step_by_step import CASES
from dlspec.grading.evaluate import evaluate

LAB = "c4w1-conv-step"
TOL = 1e-10


@pytest.mark.parametrize("case", CASES[LAB], ids=lambda case: case.label)
def test_golden_case_passes_strictly(case):
    outcome = evaluate(case, getattr(vec, case.function), strict=True)
    assert outcome.status == "pass", outcome.message


def test_same_api_as_the_loop_module():
    course = [
        "zero_pad",
        "conv_single_step",
        "conv_forward",
        "pool_forward",
        "conv_backward",
        "create_mask_from_window",
        "distribute_value",
        "pool_backward",
    ]
    assert all(name in loops.__all__ for name in course)
    assert sorted(vec.__all__) == sorted(course)


@st.composite
def conv_problems(draw):
    f = draw(st.integers(1, 4))
    pad = draw(st.integers(0, 2))
    stride = draw(st.integers(1, 3))
    low = max(1, f - 2 * pad)
    n_H, n_W = draw(st.integers(low, low + 6)), draw(st.integers(low, low + 6))
    m, c_prev, n_C = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    A_prev = rng.standard_normal((m, n_H, n_W, c_prev))
    W = rng.standard_normal((f, f, c_prev, n_C))
    b = rng.standard_normal((1, 1, 1, n_C))
    return A_prev, W, b, {"stride": stride, "pad": pad}, rng


@st.composite
def pool_problems(draw):
    f = draw(st.integers(1, 4))
    stride = draw(st.integers(1, 3))
    n_H, n_W = draw(st.integers(f, f + 6)), draw(st.integers(f, f + 6))
    m, c = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    # Rounded values make ties in max-pool windows likely: both versions route to every maximum.
    A_prev = np.round(rng.standard_normal((m, n_H, n_W, c)), draw(st.sampled_from([0, 8])))
    mode = draw(st.sampled_from(["max", "average"]))
    return A_prev, {"stride": stride, "f": f}, mode, rng


@settings(max_examples=35, deadline=None)
@given(conv_problems())
def test_conv_agrees_with_loops(problem):
    A_prev, W, b, hp, rng = problem
    Z_loop, cache_loop = loops.conv_forward(A_prev, W, b, hp)
    Z_vec, cache_vec = vec.conv_forward(A_prev, W, b, hp)
    assert Z_vec.shape == Z_loop.shape
    np.testing.assert_allclose(Z_vec, Z_loop, rtol=0, atol=TOL)
    dZ = rng.standard_normal(Z_loop.shape)
    for got, want in zip(vec.conv_backward(dZ, cache_vec), loops.conv_backward(dZ, cache_loop)):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=0, atol=TOL)


@settings(max_examples=35, deadline=None)
@given(pool_problems())
def test_pool_agrees_with_loops(problem):
    A_prev, hp, mode, rng = problem
    A_loop, cache_loop = loops.pool_forward(A_prev, hp, mode)
    A_vec, cache_vec = vec.pool_forward(A_prev, hp, mode)
    np.testing.assert_allclose(A_vec, A_loop, rtol=0, atol=TOL)
    dA = rng.standard_normal(A_loop.shape)
    np.testing.assert_allclose(
        vec.pool_backward(dA, cache_vec, mode),
        loops.pool_backward(dA, cache_loop, mode),
        rtol=0,
        atol=TOL,
    )


def test_inputs_are_not_modified_and_float32_is_accepted():
    rng = np.random.default_rng(0)
    A_prev = rng.standard_normal((2, 6, 5, 3)).astype(np.float32)
    W = rng.standard_normal((3, 3, 3, 2)).astype(np.float32)
    b = np.zeros((1, 1, 1, 2), np.float32)
    copies = [x.copy() for x in (A_prev, W, b)]
    Z, cache = vec.conv_forward(A_prev, W, b, {"stride": 1, "pad": 1})
    vec.conv_backward(np.ones_like(Z), cache)
    assert Z.dtype == np.float64
    for x, y in zip((A_prev, W, b), copies):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_allclose(Z, loops.conv_forward(A_prev, W, b, {"stride": 1, "pad": 1})[0])


# --- against TensorFlow (float64, so the comparison is tight) ----------------------------------


@pytest.mark.parametrize(
    "shape,f,n_C,stride,pad",
    [((2, 7, 6, 3), 3, 4, 2, 1), ((1, 5, 5, 2), 1, 3, 1, 0), ((3, 8, 9, 1), 4, 2, 3, 2)],
)
def test_conv_matches_tf_conv2d_and_its_gradient(shape, f, n_C, stride, pad):
    rng = np.random.default_rng(f)
    A_prev = rng.standard_normal(shape)
    W = rng.standard_normal((f, f, shape[3], n_C))
    b = rng.standard_normal((1, 1, 1, n_C))
    Z, cache = vec.conv_forward(A_prev, W, b, {"stride": stride, "pad": pad})
    dZ = rng.standard_normal(Z.shape)
    At, Wt, bt = (tf.constant(x) for x in (A_prev, W, b))
    with tf.GradientTape() as tape:
        tape.watch([At, Wt, bt])
        padding = [[0, 0], [pad, pad], [pad, pad], [0, 0]]
        Zt = tf.nn.conv2d(At, Wt, strides=stride, padding=padding) + bt
    grads = tape.gradient(Zt, [At, Wt, bt], output_gradients=tf.constant(dZ))
    np.testing.assert_allclose(Z, Zt.numpy(), rtol=1e-10, atol=1e-10)
    for got, want in zip(vec.conv_backward(dZ, cache), grads):
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("f,stride", [(2, 2), (3, 1), (3, 2)])
def test_pool_matches_tf_pooling_and_its_gradient(mode, f, stride):
    rng = np.random.default_rng(f * 10 + stride)
    A_prev = rng.standard_normal((2, 7, 8, 3))  # continuous values: no ties (TF routes to one)
    A, cache = vec.pool_forward(A_prev, {"f": f, "stride": stride}, mode)
    dA = rng.standard_normal(A.shape)
    At = tf.constant(A_prev)
    pool = tf.nn.max_pool2d if mode == "max" else tf.nn.avg_pool2d
    with tf.GradientTape() as tape:
        tape.watch(At)
        At_out = pool(At, ksize=f, strides=stride, padding="VALID")
    grad = tape.gradient(At_out, At, output_gradients=tf.constant(dA))
    np.testing.assert_allclose(A, At_out.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(vec.pool_backward(dA, cache, mode), grad.numpy(), atol=1e-12)


# --- bad input: the same checks as the loops ---------------------------------------------------


def test_vectorised_rejects_bad_input_like_the_loops():
    A = np.zeros((2, 5, 5, 3))
    with pytest.raises(ValueError, match=r"W expects 2 input channels"):
        vec.conv_forward(A, np.zeros((3, 3, 2, 4)), np.zeros((1, 1, 1, 4)), {"stride": 1, "pad": 0})
    with pytest.raises(
        ValueError, match=r'hparameters\["stride"\] must be a positive integer; got 0'
    ):
        vec.conv_forward(A, np.zeros((3, 3, 3, 4)), np.zeros((1, 1, 1, 4)), {"stride": 0, "pad": 0})
    with pytest.raises(ValueError, match=r"7×7 window does not fit"):
        vec.conv_forward(A, np.zeros((7, 7, 3, 4)), np.zeros((1, 1, 1, 4)), {"stride": 1, "pad": 0})
    with pytest.raises(ValueError, match=r'mode must be "max" or "average"'):
        vec.pool_forward(A, {"stride": 1, "f": 2}, mode="mean")
    Z, cache = vec.conv_forward(
        A, np.zeros((3, 3, 3, 4)), np.zeros((1, 1, 1, 4)), {"stride": 1, "pad": 0}
    )
    with pytest.raises(ValueError, match=r"dZ must have the shape of the forward output"):
        vec.conv_backward(Z[:1], cache)
    P, pcache = vec.pool_forward(A, {"stride": 1, "f": 2})
    with pytest.raises(ValueError, match=r"dA must have the shape of the forward output"):
        vec.pool_backward(P[:, :2], pcache)
