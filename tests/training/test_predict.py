"""predict_eagerly: model.predict's outputs, without a traced function per input size."""

from __future__ import annotations

import logging

import keras
import numpy as np

from dlspec.training import predict_eagerly


def _model() -> keras.Model:
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(2)])


def test_outputs_equal_model_predict():
    model, x = _model(), np.random.default_rng(0).normal(size=(11, 3))
    expected = model.predict(x.astype("float32"), verbose=0, batch_size=4)
    np.testing.assert_allclose(predict_eagerly(model, x, batch_size=4), expected, atol=1e-6)


def test_many_sizes_trace_nothing(caplog):
    """No predict function is made (model.predict builds one, traced again for new shapes) and
    TensorFlow logs no retracing warning."""
    model, rng = _model(), np.random.default_rng(1)
    with caplog.at_level(logging.WARNING, logger="tensorflow"):
        for size in (1, 5, 7, 9, 11, 13, 17):
            out = predict_eagerly(model, rng.normal(size=(size, 3)), batch_size=4)
            assert out.shape == (size, 2)
    assert model.predict_function is None
    assert not [r for r in caplog.records if "retracing" in r.getMessage()]
