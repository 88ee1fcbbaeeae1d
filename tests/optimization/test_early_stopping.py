"""Early stopping vs L2 on the football data: best weights restored, honest dev/test split."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from conftest import need_data

from dlspec.data.football import FOOTBALL_FILE, load_2D_dataset
from dlspec.optimization.early_stopping import RUNS, early_stopping_vs_l2, split_dev_test


@pytest.fixture(scope="module")
def comparison():
    need_data(FOOTBALL_FILE)
    return early_stopping_vs_l2(
        *load_2D_dataset(), num_iterations=4000, check_every=100, patience=5
    )


def test_dev_and_test_halves_are_disjoint_and_cover_the_set():
    X = np.arange(20.0).reshape(2, 10)
    Y = (np.arange(10) % 2).reshape(1, 10)
    dev_X, dev_Y, test_X, test_Y = split_dev_test(X, Y, seed=1)
    assert dev_X.shape == (2, 5) and test_X.shape == (2, 5)
    assert sorted(np.concatenate([dev_X[0], test_X[0]])) == sorted(X[0])
    np.testing.assert_array_equal(dev_Y[0], dev_X[0] % 2)  # columns stay paired


@pytest.mark.slow
def test_restored_weights_are_those_of_the_best_dev_loss(comparison):
    need_data(FOOTBALL_FILE)
    _, _, test_X, test_Y = load_2D_dataset()
    dev_X, dev_Y, _, _ = split_dev_test(test_X, test_Y, seed=0)
    model = comparison.models["early stopping"]
    probabilities = model(dev_X.T.astype("float32"))
    dev_loss = float(keras.losses.binary_crossentropy(dev_Y.T.astype("float32"), probabilities)
                     .numpy().mean())  # fmt: skip
    assert dev_loss == pytest.approx(min(comparison.dev_loss), rel=1e-5)
    assert comparison.best_iteration <= comparison.stopped_iteration <= 4000
    assert comparison.best_iteration == comparison.iterations[int(np.argmin(comparison.dev_loss))]


@pytest.mark.slow
def test_all_runs_are_reported_with_sensible_accuracies(comparison):
    assert set(comparison.accuracy) == set(RUNS)
    for run in RUNS:
        assert set(comparison.accuracy[run]) == {"train", "dev", "test"}
        assert comparison.accuracy[run]["train"] > 0.85, run
        assert comparison.accuracy[run]["test"] > 0.8, run


def test_bad_arguments_are_refused():
    X, Y = np.zeros((2, 4)), np.zeros((1, 4))
    with pytest.raises(ValueError, match="at least check_every"):
        early_stopping_vs_l2(X, Y, X, Y, num_iterations=10, check_every=100)
    with pytest.raises(ValueError, match="patience must be a positive integer"):
        early_stopping_vs_l2(X, Y, X, Y, patience=0)
