"""Exponentially weighted averages: vectorised vs the course's loop, bias correction, Keras EMA."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from dlspec.optimization.ewma import effective_window, ewma, ewma_loop, keras_ema_weights
from dlspec.viz.ewma import plot_ewma


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9, 0.98, 0.999, 1 - 1e-9])
@pytest.mark.parametrize("bias_correction", [True, False])
@pytest.mark.parametrize("length", [1, 2, 500])
def test_vectorised_matches_the_loop(beta, bias_correction, length):
    x = np.random.default_rng(length).normal(3.0, 2.0, size=length)
    expected = ewma_loop(x, beta, bias_correction)
    # the loop's 1 - β**t loses -log10(1-β) digits (9 for β = 1 - 1e-9); ewma keeps them
    rtol = 1e-6 if beta > 0.9999 else 1e-10
    np.testing.assert_allclose(ewma(x, beta, bias_correction), expected, rtol=rtol, atol=1e-12)


def test_bias_correction_is_exact_for_a_constant_series_even_with_beta_near_one():
    for beta in (0.9, 0.999, 1 - 1e-9):
        np.testing.assert_allclose(ewma(np.full(1000, 7.0), beta), 7.0, rtol=1e-12)


def test_start_first_matches_the_loop():
    x = np.random.default_rng(0).normal(size=300)
    got = ewma(x, 0.95, bias_correction=False, start="first")
    np.testing.assert_allclose(got, ewma_loop(x, 0.95, False, start="first"), rtol=1e-12)
    assert got[0] == x[0]


def test_hand_computed_values():
    # v1 = 0.1·10 = 1, v2 = 0.9·1 + 0.1·20 = 2.9; corrected: 1/0.1, 2.9/0.19
    np.testing.assert_allclose(ewma([10.0, 20.0], 0.9, False), [1.0, 2.9])
    np.testing.assert_allclose(ewma([10.0, 20.0], 0.9), [10.0, 2.9 / 0.19])


def test_beta_zero_is_the_identity():
    x = np.arange(5.0)
    np.testing.assert_array_equal(ewma(x, 0.0), x)
    np.testing.assert_array_equal(ewma(x, 0.0, False, start="first"), x)


def test_long_series_with_beta_near_one_has_no_underflow_trouble():
    x = np.random.default_rng(1).normal(size=200_000)
    got = ewma(x, 0.9999)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got[-10:], ewma_loop(x, 0.9999)[-10:], rtol=1e-9)


def test_two_d_input_along_either_axis():
    x = np.random.default_rng(2).normal(size=(40, 3))
    by_column = np.stack([ewma_loop(x[:, j], 0.8) for j in range(3)], axis=1)
    np.testing.assert_allclose(ewma(x, 0.8, axis=0), by_column, rtol=1e-12)
    np.testing.assert_allclose(ewma(x.T, 0.8, axis=-1), by_column.T, rtol=1e-12)


def test_effective_window_is_where_weights_fall_to_one_over_e():
    assert effective_window(0.5) == pytest.approx(2.0)
    assert effective_window(0.98) == pytest.approx(50.0)
    # the weight of a value 1/(1-β) steps back is β^(1/(1-β)) ≈ 1/e
    assert 0.98 ** effective_window(0.98) == pytest.approx(np.exp(-1), rel=0.02)


@pytest.mark.parametrize("beta", [1.0, -0.1, 1.5])
def test_beta_outside_zero_one_is_refused(beta):
    with pytest.raises(ValueError, match=r"beta must be a float in \[0, 1\)"):
        ewma([1.0, 2.0], beta)


def test_bad_input_is_refused():
    with pytest.raises(TypeError, match="beta must be a float"):
        ewma([1.0], "0.9")
    with pytest.raises(ValueError, match="non-empty series"):
        ewma([], 0.9)
    with pytest.raises(ValueError, match="NaN or infinity"):
        ewma([1.0, np.nan], 0.9)
    with pytest.raises(ValueError, match="bias_correction=False"):
        ewma([1.0], 0.9, start="first")
    with pytest.raises(ValueError, match="start must be"):
        ewma([1.0], 0.9, start="last")
    with pytest.raises(ValueError, match="1-D series"):
        ewma_loop(np.zeros((2, 2)), 0.9)


def test_keras_use_ema_is_the_ewma_of_the_weight_trajectory():
    beta = 0.8
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.Dense(1)])
    optimizer = keras.optimizers.Adam(learning_rate=0.05, use_ema=True, ema_momentum=beta)
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(32, 3)).astype("float32"), rng.normal(size=(32, 1)).astype("float32")
    trajectory = []
    for _ in range(25):
        with tf.GradientTape() as tape:
            loss = keras.ops.mean((model(x) - y) ** 2)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        trajectory.append([v.numpy().copy() for v in model.trainable_variables])
    raw = [v.numpy().copy() for v in model.trainable_variables]
    optimizer.finalize_variable_values(model.trainable_variables)
    for i, variable in enumerate(model.trainable_variables):
        history = np.stack([step[i] for step in trajectory])
        expected = keras_ema_weights(history, beta)
        np.testing.assert_allclose(variable.numpy(), expected, rtol=1e-5, atol=1e-6)
        assert not np.allclose(raw[i], expected, atol=1e-4)  # the average is not the last weight
        # the course's zero-start average without correction is a different (biased) number
        assert not np.allclose(ewma(history, beta, False)[-1], expected, atol=1e-4)


def test_plot_ewma_writes_a_png(tmp_path):
    series = np.random.default_rng(0).normal(size=100)
    averages = {f"β = {b:g}": (ewma(series, b, False), ewma(series, b)) for b in (0.9, 0.98, 0.5)}
    path = plot_ewma(series, averages, tmp_path / "ewma.png")
    assert path.exists() and path.stat().st_size > 1000
