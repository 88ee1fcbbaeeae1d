"""Gradient health: recorded norms vs a hand-written GradientTape, callback, Trainer, demo."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from dlspec.data.arrays import course_arrays_dataset
from dlspec.optimization.gradient_health import (
    DEMO_VARIANTS,
    GradientHealthCallback,
    GradientHealthRecorder,
    deep_mlp,
    gradient_health_demo,
    train_with_recorder,
)
from dlspec.training import Trainer
from dlspec.viz.gradients import plot_by_layer

LOGIT_LOSS = keras.losses.BinaryCrossentropy(from_logits=True)


def _small_model(seed: int = 0, batch_norm: bool = False) -> keras.Model:
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((3,))
    h = keras.layers.Dense(4, activation="relu", name="d1")(inputs)
    if batch_norm:
        h = keras.layers.BatchNormalization(name="bn")(h)
    h = keras.layers.Dense(2, activation="tanh", name="d2")(h)
    out = keras.layers.Dense(1, activation="sigmoid", name="d3")(h)
    return keras.Model(inputs, out)


def _data(m: int = 16, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(m, 3)).astype("float32")
    return x, (x[:, :1] > 0).astype("float32")


def test_recorded_norms_equal_a_hand_computed_gradient_tape():
    model, (x, y) = _small_model(), _data()
    recorder = GradientHealthRecorder(model, (x, y), "binary_crossentropy")
    measured = recorder.record(0)

    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(keras.losses.binary_crossentropy(y, model(x, training=True)))
    kernels = [model.get_layer(name).kernel for name in ("d1", "d2", "d3")]
    grads = tape.gradient(loss, kernels)
    expected = [np.sqrt(np.sum(g.numpy().astype(np.float64) ** 2)) for g in grads]
    np.testing.assert_allclose(measured["gradient_norms"], expected, rtol=1e-6)
    assert recorder.layer_names == ["d1", "d2", "d3"]

    a1 = np.maximum(x @ kernels[0].numpy() + model.get_layer("d1").bias.numpy(), 0)
    np.testing.assert_allclose(measured["activation_mean"][0], a1.mean(), rtol=1e-5)
    np.testing.assert_allclose(measured["activation_std"][0], a1.std(), rtol=1e-5)
    assert measured["activation_zero_fraction"][0] == np.mean(a1 == 0)


def test_regularization_losses_are_part_of_the_probed_objective():
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(1, kernel_regularizer=keras.regularizers.L2(0.5))]
    )
    x, y = _data()
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(keras.losses.mean_squared_error(y, model(x))) + 0.5 * tf.reduce_sum(
            model.layers[0].kernel ** 2
        )
    expected = np.linalg.norm(tape.gradient(loss, model.layers[0].kernel).numpy())
    measured = GradientHealthRecorder(model, (x, y), "mse").measure()
    np.testing.assert_allclose(measured["gradient_norms"], [expected], rtol=1e-6)


def test_probing_leaves_batch_norm_statistics_unchanged():
    model, probe = _small_model(batch_norm=True), _data()
    before = [v.numpy().copy() for v in model.non_trainable_variables]
    GradientHealthRecorder(model, probe, "binary_crossentropy").record(0)
    for old, new in zip(before, model.non_trainable_variables):
        np.testing.assert_array_equal(old, new.numpy())


def test_callback_records_every_k_batches_of_model_fit():
    model, (x, y) = _small_model(), _data(m=40)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy")
    callback = GradientHealthCallback((x[:8], y[:8]), every=2)
    model.fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=[callback])  # 10 batches
    recorder = callback.recorder
    assert recorder.steps == [0, 2, 4, 6, 8, 10]
    assert recorder.gradient_norms.shape == (6, 3)
    # the last record is the trained model's gradient on the probe
    np.testing.assert_allclose(recorder.gradient_norms[-1], recorder.measure()["gradient_norms"])
    assert not np.allclose(recorder.gradient_norms[0], recorder.gradient_norms[-1])


def test_train_with_recorder_drives_the_shared_trainer():
    x, y = _data(m=64)
    trainer = Trainer(_small_model(), optimizer=lambda: keras.optimizers.SGD(0.1), verbose=0)
    recorder = GradientHealthRecorder(trainer.model, (x, y), "binary_crossentropy")
    ds = course_arrays_dataset(x.T, y.T, batch_size=16, repeat=True)
    history = train_with_recorder(trainer, ds, recorder, steps=9, every=3)
    assert recorder.steps == [0, 3, 6, 9]
    assert len(history["loss"]) == 3
    with pytest.raises(ValueError, match="Trainer's model"):
        train_with_recorder(trainer, ds, GradientHealthRecorder(_small_model(), (x, y), "mse"),
                            steps=3, every=3)  # fmt: skip


def test_bad_input_is_refused():
    model, (x, y) = _small_model(), _data()
    with pytest.raises(ValueError, match="pair"):
        GradientHealthRecorder(model, x, "mse")
    with pytest.raises(ValueError, match="same number of examples"):
        GradientHealthRecorder(model, (x, y[:3]), "mse")
    with pytest.raises(ValueError, match="kernel"):
        GradientHealthRecorder(model, (x, y), "mse", layers=[keras.layers.ReLU()])
    with pytest.raises(ValueError, match="every must be a positive integer"):
        GradientHealthCallback((x, y), every=0)
    with pytest.raises(ValueError, match="variant must be one of"):
        deep_mlp(2, variant="lecun")


@pytest.fixture(scope="module")
def at_init():
    """Each demo network's health at initialisation (12 layers of 16 units)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 2))
    y = (x[:, :1] * x[:, 1:] > 0).astype(float)
    recorders = {}
    for name in DEMO_VARIANTS:
        model = deep_mlp(2, depth=12, width=16, variant=name)
        recorders[name] = GradientHealthRecorder(model, (x, y), LOGIT_LOSS)
        recorders[name].record(0)
    return recorders


def test_demo_networks_show_vanishing_and_exploding_gradients_and_their_cures(at_init):
    first = {name: rec.gradient_norms[0, 0] for name, rec in at_init.items()}
    he = first["He (ReLU)"]
    assert 0 < first["tiny init N(0, 0.01²)"] < 1e-8 * he  # vanished
    assert first["large init N(0, 1)"] > 1e4 * he  # exploded
    for cured in ("Xavier (tanh)", "tiny init + batch norm", "tiny init + residual"):
        assert 1e-3 * he < first[cured] < 1e3 * he, cured
    assert all(rec.gradient_norms.shape == (1, 13) for rec in at_init.values())


def test_gradient_health_demo_trains_and_records():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2, 96))
    Y = (X[:1] + X[1:] > 0).astype(float)
    ((name, recorder),) = gradient_health_demo(
        X, Y, variants=("He (ReLU)",), depth=4, width=8, steps=40, every=20, learning_rate=0.01
    ).items()
    assert name == "He (ReLU)" and recorder.steps == [0, 20, 40]
    assert recorder.history["loss"][-1] < recorder.history["loss"][0]


def test_plot_by_layer_writes_pngs(at_init, tmp_path):
    assert plot_by_layer(at_init, tmp_path / "norms.png").stat().st_size > 1000
    path = plot_by_layer(at_init, tmp_path / "std.png", quantity="activation_std", ylabel="std")
    assert path.exists()
