"""The circles / moons generators: bit-identical to scikit-learn, and the course's loaders."""

from __future__ import annotations

import numpy as np
import pytest

import dlspec.data.toy2d as ours
from dlspec.data.toy2d import (
    load_initialization_dataset,
    load_moons_dataset,
    make_circles,
    make_moons,
)

SETTINGS = [
    pytest.param(n, noise, shuffle, id=f"n={n}-noise={noise}-shuffle={shuffle}")
    for n in (1, 7, 100, 300, (3, 5))
    for noise in (None, 0.05, 0.2)
    for shuffle in (True, False)
]


@pytest.mark.parametrize("name", ["make_circles", "make_moons"])
@pytest.mark.parametrize(("n_samples", "noise", "shuffle"), SETTINGS)
@pytest.mark.parametrize("random_state", [None, 0, "RandomState"])
def test_same_arrays_as_scikit_learn(name, n_samples, noise, shuffle, random_state):
    datasets = pytest.importorskip("sklearn.datasets")

    def draw(module):
        np.random.seed(7)
        state = np.random.RandomState(3) if random_state == "RandomState" else random_state
        X, y = getattr(module, name)(
            n_samples=n_samples, noise=noise, shuffle=shuffle, random_state=state
        )
        return X, y, np.random.rand()  # the global generator must end in the same state

    X_ref, y_ref, after_ref = draw(datasets)
    X, y, after = draw(ours)
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)
    assert X.dtype == X_ref.dtype and y.dtype == y_ref.dtype
    assert after == after_ref


def test_circles_factor_matches_scikit_learn():
    datasets = pytest.importorskip("sklearn.datasets")
    np.testing.assert_array_equal(
        make_circles(50, factor=0.3, noise=0.1, random_state=4)[0],
        datasets.make_circles(50, factor=0.3, noise=0.1, random_state=4)[0],
    )


def test_course_loaders_match_scikit_learn():
    datasets = pytest.importorskip("sklearn.datasets")
    np.random.seed(1)
    X, y = datasets.make_circles(n_samples=300, noise=0.05)
    np.random.seed(2)
    X_test, y_test = datasets.make_circles(n_samples=100, noise=0.05)
    train_X, train_Y, test_X, test_Y = load_initialization_dataset()
    np.testing.assert_array_equal(train_X, X.T)
    np.testing.assert_array_equal(train_Y, y.reshape(1, -1))
    np.testing.assert_array_equal(test_X, X_test.T)
    np.testing.assert_array_equal(test_Y, y_test.reshape(1, -1))
    np.random.seed(3)
    X, y = datasets.make_moons(n_samples=300, noise=0.2)
    moons_X, moons_Y = load_moons_dataset()
    np.testing.assert_array_equal(moons_X, X.T)
    np.testing.assert_array_equal(moons_Y, y.reshape(1, -1))


def test_initialization_dataset_shapes_and_values():
    train_X, train_Y, test_X, test_Y = load_initialization_dataset()
    assert train_X.shape == (2, 300) and train_Y.shape == (1, 300)
    assert test_X.shape == (2, 100) and test_Y.shape == (1, 100)
    assert train_X.dtype == np.float64 and train_Y.dtype.kind == "i"
    assert int(train_Y.sum()) == 150 and int(test_Y.sum()) == 50
    # pinned so that the numbers stay checked where scikit-learn is not installed
    np.testing.assert_allclose(train_X[:, 0], [-0.07741354, 0.85260226], atol=1e-8)
    np.testing.assert_allclose(test_X[:, 0], [-0.52423739, -0.60910361], atol=1e-8)
    assert train_Y[0, :8].tolist() == [1, 0, 1, 1, 0, 0, 1, 0]
    radius = np.hypot(*train_X)
    assert np.all(radius[train_Y[0] == 0] > 0.8) and np.all(radius[train_Y[0] == 1] < 1.0)


def test_moons_dataset_shapes_and_values():
    train_X, train_Y = load_moons_dataset()
    assert train_X.shape == (2, 300) and train_Y.shape == (1, 300)
    assert int(train_Y.sum()) == 150
    np.testing.assert_allclose(train_X[:, 0], [-0.21687013, 1.01544937], atol=1e-8)
    assert train_Y[0, :8].tolist() == [0, 1, 1, 1, 0, 0, 1, 1]


def test_loaders_reseed_the_global_generator_like_the_course():
    np.random.seed(123)
    first = load_moons_dataset()[0]
    np.random.seed(456)
    np.testing.assert_array_equal(load_moons_dataset()[0], first)
    np.random.seed(3)
    make_moons(300, noise=0.2)
    expected_next = np.random.rand()
    load_moons_dataset()
    assert np.random.rand() == expected_next


def test_unshuffled_points_lie_on_the_curves():
    X, y = make_circles(8, shuffle=False, factor=0.5)
    np.testing.assert_allclose(np.hypot(X[:, 0], X[:, 1]), [1.0] * 4 + [0.5] * 4)
    assert y.tolist() == [0] * 4 + [1] * 4
    X, y = make_moons((3, 2), shuffle=False)
    np.testing.assert_allclose(X[:3], [[1, 0], [0, 1], [-1, 0]], atol=1e-15)
    np.testing.assert_allclose(X[3:], [[0, 0.5], [2, 0.5]], atol=1e-15)


def test_integer_random_state_leaves_global_state_alone():
    np.random.seed(0)
    make_moons(20, noise=0.1, random_state=5)
    after = np.random.rand()
    np.random.seed(0)
    assert np.random.rand() == after
    np.testing.assert_array_equal(
        make_moons(20, noise=0.1, random_state=5)[0], make_moons(20, noise=0.1, random_state=5)[0]
    )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_samples": 0}, "n_samples must be a positive integer; got 0"),
        ({"n_samples": (1, 2, 3)}, r"n_samples must be an int or a pair"),
        ({"n_samples": (2, -1)}, "non-negative integers"),
        ({"n_samples": 10, "noise": -0.1}, "noise must be >= 0"),
        ({"n_samples": 10, "random_state": "seed"}, "random_state must be None, an int"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_moons(**kwargs)


def test_bad_circle_factor():
    with pytest.raises(ValueError, match=r"factor must be between 0 and 1 \(exclusive\); got 1.5"):
        make_circles(10, factor=1.5)
