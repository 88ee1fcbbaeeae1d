"""Input normalisation: train statistics only, reused on dev/test, saved; faster convergence."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from dlspec.optimization.input_normalization import (
    SpeedupRun,
    logistic_step_size,
    normalization_layer,
    normalization_speedup,
    steps_to_target,
    with_input_normalization,
)


@pytest.fixture(scope="module")
def splits():
    rng = np.random.default_rng(0)
    scale, shift = np.array([1000.0, 0.01, 3.0]), np.array([5000.0, 0.0, -2.0])
    train = rng.normal(size=(200, 3)) * scale + shift
    dev = rng.normal(1.0, 2.0, size=(50, 3)) * scale + shift  # another distribution on purpose
    return train.astype("float32"), dev.astype("float32")


def _numpy(x) -> np.ndarray:
    return keras.ops.convert_to_numpy(x)


def test_layer_holds_the_training_statistics(splits):
    train, _ = splits
    layer = normalization_layer(train)
    np.testing.assert_allclose(_numpy(layer.mean).ravel(), train.mean(0), rtol=1e-5)
    np.testing.assert_allclose(_numpy(layer.variance).ravel(), train.var(0), rtol=1e-4)
    out = _numpy(layer(train))
    np.testing.assert_allclose(out.mean(0), 0.0, atol=1e-3)
    np.testing.assert_allclose(out.std(0), 1.0, rtol=1e-3)


def test_dev_data_is_transformed_with_train_statistics_not_its_own(splits):
    train, dev = splits
    model = with_input_normalization(keras.Sequential([keras.layers.Identity()]), train)
    out = _numpy(model(dev))
    expected = (dev - train.mean(0)) / train.std(0)
    np.testing.assert_allclose(out, expected, rtol=1e-3, atol=1e-3)
    assert abs(out.mean(0)).max() > 0.3  # dev's own statistics would have centred it
    before = [w.copy() for w in model.get_weights()]
    model.predict(dev, verbose=0)
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)  # nothing re-adapted


def test_keras_round_trip_keeps_the_statistics(splits, tmp_path):
    train, dev = splits
    body = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="head")])
    model = with_input_normalization(body, train)
    path = tmp_path / "normalized.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(_numpy(loaded(dev)), _numpy(model(dev)), rtol=1e-6)
    layer = loaded.get_layer("input_normalization")
    np.testing.assert_allclose(_numpy(layer.mean).ravel(), train.mean(0), rtol=1e-5)


def test_bad_training_inputs_are_refused():
    with pytest.raises(ValueError, match=r"\(m, features\)"):
        normalization_layer(np.zeros(5))
    with pytest.raises(ValueError, match="NaN or infinity"):
        normalization_layer(np.array([[1.0], [np.nan]]))


@pytest.mark.parametrize("m", [5, 40])  # Gram matrix of either side
def test_step_size_is_four_over_the_largest_curvature(m):
    x = np.random.default_rng(m).normal(size=(m, 12))
    a = np.hstack([x, np.ones((m, 1))])
    expected = 1 / (np.linalg.eigvalsh(a.T @ a / m)[-1] / 4)
    assert logistic_step_size(x) == pytest.approx(expected, rel=1e-10)


def test_best_run_is_the_fewest_steps():
    run = SpeedupRun({0.1: 50, 0.2: 30, 0.4: None})
    assert run.best == (0.2, 30)
    assert SpeedupRun({0.1: None}).best == (None, None)


def test_standardised_features_converge_in_fewer_steps_than_badly_scaled_ones(splits):
    train, _ = splits
    y = (train[:, :1] - 5000 + 1e5 * train[:, 1:2] > 0).astype("float32")
    runs = {
        name: steps_to_target(
            x,
            y,
            learning_rates=[k * logistic_step_size(x) for k in (1, 2, 4, 8)],
            target_loss=0.35,
            max_steps=400,
        )
        for name, x in (("raw", train), ("normalized", _numpy(normalization_layer(train)(train))))
    }
    normalized = runs["normalized"].best[1]
    assert normalized is not None and normalized <= 100
    raw = runs["raw"].best[1]
    assert raw is None or raw >= 3 * normalized


def test_speedup_refuses_unknown_scalings(splits):
    with pytest.raises(ValueError, match="scalings must be among"):
        normalization_speedup(splits[0], np.zeros((200, 1)), scalings=("log",))
