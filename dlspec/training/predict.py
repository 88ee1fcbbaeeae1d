"""Predictions without tracing: a model called eagerly, a batch at a time."""

from __future__ import annotations

import keras
import numpy as np

__all__ = ["predict_eagerly"]


def predict_eagerly(model: keras.Model, x, batch_size: int = 1024) -> np.ndarray:
    """``model``'s outputs on the rows of ``x``, called eagerly ``batch_size`` rows at a time.

    Unlike ``model.predict``, nothing is traced: predicting sets of several sizes (each with
    its own last, shorter batch) does not retrace a ``tf.function`` per shape, nor print
    TensorFlow's "triggered tf.function retracing" warnings.

    Example:
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> predict_eagerly(model, np.zeros((5, 2)), batch_size=2).shape
        (5, 1)
    """
    batches = range(0, len(x), batch_size)
    return np.concatenate(
        [np.asarray(model(x[i : i + batch_size], training=False)) for i in batches]
    )
