"""Multi-task loss with missing labels: hand-computed values, training, serialisation."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from dlspec.strategy.multitask import (
    MaskedBinaryAccuracy,
    MaskedBinaryCrossentropy,
    masked_binary_crossentropy,
    multitask_model,
    synthetic_multilabel,
)


def _hand_loss(y, p):
    """(1/m) Σ_i Σ_{j labelled} -[y log p + (1-y) log(1-p)], with loops."""
    total = 0.0
    for i in range(y.shape[0]):
        for j in range(y.shape[1]):
            if np.isnan(y[i, j]) or y[i, j] == -1:
                continue
            total -= y[i, j] * np.log(p[i, j]) + (1 - y[i, j]) * np.log(1 - p[i, j])
    return total / y.shape[0]


def test_loss_equals_hand_computed_value():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, (16, 4)).astype(np.float32)
    y[rng.random(y.shape) < 0.3] = -1
    y[0, 0], y[1, 2] = np.nan, np.nan
    p = rng.uniform(0.05, 0.95, y.shape).astype(np.float32)
    assert float(MaskedBinaryCrossentropy()(y, p)) == pytest.approx(_hand_loss(y, p), rel=1e-5)
    logits = np.log(p / (1 - p))
    from_logits = MaskedBinaryCrossentropy(from_logits=True)(y, logits)
    assert float(from_logits) == pytest.approx(_hand_loss(y, p), rel=1e-4)
    # a fully labelled batch: the sum over tasks of Keras' binary cross-entropy
    y_full = rng.integers(0, 2, (8, 3)).astype(np.float32)
    p_full = rng.uniform(0.05, 0.95, (8, 3)).astype(np.float32)
    bce = keras.losses.BinaryCrossentropy(reduction="sum_over_batch_size")
    assert float(MaskedBinaryCrossentropy()(y_full, p_full)) == pytest.approx(
        3 * float(bce(y_full, p_full)), rel=1e-5
    )


def test_missing_labels_carry_no_gradient():
    import tensorflow as tf

    y = tf.constant([[1.0, -1.0, np.nan]])
    p = tf.Variable([[0.7, 0.4, 0.4]])
    with tf.GradientTape() as tape:
        loss = masked_binary_crossentropy(y, p)
    grad = tape.gradient(loss, p).numpy()
    assert grad[0, 0] != 0 and grad[0, 1] == 0 and grad[0, 2] == 0 and np.isfinite(grad).all()


def test_metric_counts_labelled_entries_only():
    m = MaskedBinaryAccuracy()
    m.update_state([[1.0, -1.0, 0.0], [np.nan, 1.0, 1.0]], [[0.9, 0.9, 0.7], [0.1, 0.6, 0.4]])
    assert float(m.result()) == pytest.approx(2 / 4)
    m.reset_state()
    assert float(m.result()) == 0.0
    with pytest.raises(ValueError, match=r"threshold must be in \(0, 1\)"):
        MaskedBinaryAccuracy(threshold=1.5)


def _per_task_accuracy(model, X, Y_full):
    pred = model.predict(X, verbose=0) > 0.5
    return (pred == Y_full.astype(bool)).mean(axis=0)


def test_training_improves_every_task():
    keras.utils.set_random_seed(0)
    X, Y, Y_full = synthetic_multilabel(512, missing=0.4, seed=0)
    model = multitask_model(X.shape[1], Y.shape[1], seed=0)
    before = _per_task_accuracy(model, X, Y_full)
    model.fit(X, Y, epochs=15, batch_size=64, verbose=0)
    after = _per_task_accuracy(model, X, Y_full)
    assert np.all(after > before + 0.05) and np.all(after > 0.85), (before, after)


def test_serialisation_round_trip(tmp_path):
    loss = MaskedBinaryCrossentropy(from_logits=True, name="mtl")
    again = MaskedBinaryCrossentropy.from_config(loss.get_config())
    assert again.from_logits and again.name == "mtl"
    metric = MaskedBinaryAccuracy.from_config(MaskedBinaryAccuracy(threshold=0.3).get_config())
    assert metric.threshold == 0.3
    assert keras.losses.deserialize(keras.losses.serialize(loss)).from_logits
    X, Y, _ = synthetic_multilabel(32, seed=1)
    model = multitask_model(8, 4, seed=0)
    model.fit(X, Y, epochs=1, verbose=0)
    path = tmp_path / "mtl.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded.loss, MaskedBinaryCrossentropy)
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-6)
    assert loaded.evaluate(X, Y, verbose=0)[0] == pytest.approx(
        model.evaluate(X, Y, verbose=0)[0], rel=1e-6
    )


def test_bad_input():
    with pytest.raises(ValueError, match="n_tasks must be a positive integer"):
        multitask_model(8, 0)
    with pytest.raises(ValueError, match=r"missing must be a fraction in \[0, 1\)"):
        synthetic_multilabel(10, missing=1.0)
