"""Freeze / unfreeze helpers (dlspec.strategy.transfer)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from dlspec.strategy.transfer import freeze, layer_index, trainable_summary, unfreeze_from


def _model():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((4,))
    x = keras.layers.Dense(8, name="d1")(inputs)  # 40 params
    x = keras.layers.BatchNormalization(name="bn1")(x)  # 16 trainable + 16 statistics
    x = keras.layers.Dense(8, name="d2")(x)  # 72
    x = keras.layers.BatchNormalization(name="bn2")(x)  # 16 + 16
    outputs = keras.layers.Dense(1, name="out")(x)  # 9
    return keras.Model(inputs, outputs, name="small")


def test_freeze_and_summary():
    model = _model()
    summary = trainable_summary(model)
    assert (summary.layers, summary.trainable_params, summary.non_trainable_params) == (6, 153, 32)
    summary = freeze(model)
    assert (summary.trainable_layers, summary.first_trainable, summary.trainable_params) == (
        0,
        None,
        0,
    )
    assert "0 of 6 layers trainable (first trainable: none)" in str(summary)


@pytest.mark.parametrize("start", [3, "d2", -3])
def test_unfreeze_from_index_or_name_keeps_batchnorm_frozen(start):
    model = _model()
    freeze(model)
    summary = unfreeze_from(model, start)
    flags = {layer.name: layer.trainable for layer in model.layers}
    assert flags == {
        model.layers[0].name: False,
        "d1": False,
        "bn1": False,
        "d2": True,
        "bn2": False,
        "out": True,
    }
    assert (summary.first_trainable, summary.first_trainable_name) == (3, "d2")
    assert (summary.trainable_params, summary.batchnorm_trainable) == (72 + 9, 0)


def test_unfreeze_course_way_trains_batchnorm_scale_offset():
    model = _model()
    summary = unfreeze_from(model, "d2", freeze_batchnorm=False)
    assert (summary.trainable_params, summary.batchnorm_trainable, summary.batchnorm_layers) == (
        72 + 16 + 9,
        1,
        2,
    )


def test_frozen_batchnorm_runs_in_inference_mode_during_fit():
    model = _model()
    unfreeze_from(model, 1)  # everything trains except the BatchNormalization layers
    bn = model.get_layer("bn2")
    before = [v.numpy().copy() for v in bn.weights]
    d1 = model.get_layer("d1").kernel.numpy().copy()
    model.compile(optimizer="sgd", loss="mse")
    rng = np.random.default_rng(0)
    model.fit(rng.normal(size=(64, 4)), rng.normal(size=(64, 1)), epochs=1, verbose=0)
    for old, new in zip(before, bn.weights):
        np.testing.assert_array_equal(old, new.numpy())  # no statistics update, no gamma/beta
    assert not np.allclose(d1, model.get_layer("d1").kernel.numpy())


def test_bad_layer_arguments():
    model = _model()
    assert layer_index(model, 6) == 6  # "from the end": nothing unfreezes
    assert unfreeze_from(model, 6).trainable_layers == 0
    with pytest.raises(ValueError, match=r"no layer named 'dd2'.*Similar names: \['d2'\]"):
        unfreeze_from(model, "dd2")
    with pytest.raises(ValueError, match="out of range .* 6 layers"):
        unfreeze_from(model, 7)
    with pytest.raises(TypeError, match="index \\(int\\) or a layer name"):
        unfreeze_from(model, 1.5)
    with pytest.raises(TypeError, match="must be a keras.Model"):
        freeze(keras.layers.Dense(2))
