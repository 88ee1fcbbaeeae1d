"""The Keras twins of Course 1's classifiers: same layers, same initialisation, same results."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from dlspec.data import course_arrays_dataset, load_planar_dataset
from dlspec.foundations import deep_nn_application as app
from dlspec.foundations import planar_classification as planar
from dlspec.foundations.keras_models import (
    deep_classifier,
    fit_full_batch,
    get_course_parameters,
    keras_accuracy,
    keras_cost,
    logistic_regression_model,
    set_course_parameters,
    shallow_classifier,
)


def _fit_full_batch_with_model_fit(model, X, Y, learning_rate, steps):
    model.compile(optimizer=keras.optimizers.SGD(learning_rate), loss="binary_crossentropy",
                  steps_per_execution=100)  # fmt: skip
    return model.fit(course_arrays_dataset(X, Y, repeat=True), epochs=1, steps_per_epoch=steps,
                     shuffle=False, verbose=0)  # fmt: skip


def test_course_parameters_round_trip():
    model = deep_classifier([6, 4, 3, 1])
    parameters = app.initialize_parameters_deep([6, 4, 3, 1])
    set_course_parameters(model, parameters)
    back = get_course_parameters(model)
    assert sorted(back) == sorted(parameters)
    for key, value in parameters.items():
        np.testing.assert_allclose(back[key], value, rtol=1e-6, atol=1e-7)


def test_keras_forward_equals_numpy_forward():
    dims = [6, 4, 3, 1]
    model = deep_classifier(dims)
    parameters = app.initialize_parameters_deep(dims)
    set_course_parameters(model, parameters)
    X = np.random.default_rng(0).normal(size=(6, 10))
    AL, _ = app.L_model_forward(X, parameters)
    np.testing.assert_allclose(model.predict(X.T, verbose=0).T, AL, rtol=1e-5)


def test_set_course_parameters_rejects_bad_shapes():
    model = deep_classifier([6, 4, 1])
    with pytest.raises(ValueError, match=r"W1 \(6, 4\).*expected W1 of shape \(4, 6\)"):
        set_course_parameters(model, {"W1": np.ones((6, 4)), "b1": np.zeros((4, 1)),
                                      "W2": np.ones((1, 4)), "b2": np.zeros((1, 1))})  # fmt: skip
    with pytest.raises(ValueError, match="has 2 arrays but the model has 2 Dense layers"):
        set_course_parameters(model, {"W1": np.ones((4, 6)), "b1": np.zeros((4, 1))})


def test_builders_validate_arguments():
    with pytest.raises(ValueError, match="layer_dims"):
        deep_classifier([12288])
    with pytest.raises(ValueError, match="init must be 'scaled' or 'small'"):
        deep_classifier([4, 1], init="he")
    with pytest.raises(ValueError, match="n_x must be a positive integer"):
        logistic_regression_model(0)


def test_scaled_init_matches_the_course_scale():
    model = deep_classifier([2000, 500, 1], seed=0)
    kernel = model.layers[1].kernel.numpy()
    assert kernel.std() == pytest.approx(1 / np.sqrt(2000), rel=0.02)
    small = shallow_classifier(2000, 500, 1, seed=0).layers[1].kernel.numpy()
    assert small.std() == pytest.approx(0.01, rel=0.02)


def test_models_survive_keras_save_and_load(tmp_path):
    model = shallow_classifier(2, 4, 1, seed=3)
    path = tmp_path / "shallow.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    x = np.random.default_rng(1).normal(size=(5, 2)).astype("float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    assert [w.shape for w in loaded.weights] == [w.shape for w in model.weights]


@pytest.mark.slow
def test_logistic_regression_model_fit_matches_numpy(cat):
    train_x, train_y, test_x, test_y = cat
    keras.utils.set_random_seed(0)
    model = logistic_regression_model(train_x.shape[0])
    history = _fit_full_batch_with_model_fit(model, train_x, train_y, 0.005, 2000)
    w = model.layers[1].kernel.numpy()
    assert np.isfinite(history.history["loss"][0])
    # The numpy model after 2000 steps: train 99.04 %, test 70 %.
    assert keras_accuracy(model, train_x, train_y) >= 0.98
    assert keras_accuracy(model, test_x, test_y) == pytest.approx(0.70)
    assert w.shape == (12288, 1)


@pytest.mark.slow
def test_shallow_classifier_model_fit_reaches_the_numpy_accuracy():
    X, Y = load_planar_dataset()
    np.random.seed(3)
    parameters = planar.initialize_parameters(2, 4, 1)
    model = shallow_classifier(2, 4, 1)
    set_course_parameters(model, parameters)
    _fit_full_batch_with_model_fit(model, X, Y, 1.2, 10000)
    numpy_accuracy = float(np.mean(planar.predict(planar.nn_model(X, Y, 4, 10000), X) == Y))
    assert keras_accuracy(model, X, Y) >= 0.88
    assert keras_accuracy(model, X, Y) == pytest.approx(numpy_accuracy, abs=0.01)


def test_deep_classifier_trained_by_dlspec_loop_follows_the_numpy_cost_curve(cat):
    """From the course's initial weights, 100 full-batch SGD steps of the Keras twin (float32)
    land on the numpy model's cost at iteration 100; the lab's quick run trains it to 1001."""
    train_x, train_y, *_ = cat
    dims = [12288, 20, 7, 5, 1]
    model = deep_classifier(dims)
    set_course_parameters(model, app.initialize_parameters_deep(dims))

    def cost() -> float:
        return keras_cost(model, train_x, train_y)

    assert cost() == pytest.approx(0.7717493284237686, abs=1e-5)  # the course's cost @0
    history = fit_full_batch(model, train_x, train_y, learning_rate=0.0075, num_iterations=100)
    assert history["loss"][0] == pytest.approx(0.70, abs=0.03)  # mean over the 100 steps
    assert cost() == pytest.approx(0.6720534400822914, abs=1e-4)  # the course's cost @100


def test_fit_full_batch_under_a_distribution_strategy():
    X, Y = load_planar_dataset()
    strategy = tf.distribute.OneDeviceStrategy("/cpu:0")
    with strategy.scope():
        model = shallow_classifier(2, 4, 1, seed=3)
    history = fit_full_batch(model, X, Y, learning_rate=1.2, num_iterations=300, strategy=strategy)
    assert np.isfinite(history["loss"][-1])
    assert keras_accuracy(model, X, Y) > 0.6
