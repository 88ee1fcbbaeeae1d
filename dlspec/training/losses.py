"""Turn a Keras loss identifier into a function returning one loss value per example."""

from __future__ import annotations

from collections.abc import Callable

import keras
import tensorflow as tf

# Keras' own helpers, so that labels and predictions line up exactly as model.fit lines them
# up: get_loss picks binary / sparse / categorical for "crossentropy" and wraps functions in
# LossFunctionWrapper, whose call squeezes or expands (batch,) vs (batch, 1).
from keras.src.trainers.compile_utils import get_loss

__all__ = ["per_example_loss"]

PerExampleLoss = Callable[[tf.Tensor, tf.Tensor], tf.Tensor]

_AUTO_CROSSENTROPY = ("crossentropy", "ce")


def _check_name(loss: str) -> None:
    """Fail early on a loss name Keras does not know."""
    if loss.lower() in _AUTO_CROSSENTROPY:
        return
    try:
        resolved = keras.losses.get(loss)
    except ValueError:
        resolved = None
    if resolved is None:
        raise ValueError(
            f"Unknown loss {loss!r}; use a keras.losses name such as 'binary_crossentropy', "
            "'sparse_categorical_crossentropy' or 'mse', or pass a function."
        )


def _unreduced(loss, y_true: tf.Tensor, y_pred: tf.Tensor) -> tf.Tensor:
    """``loss``'s unreduced values, with the shapes aligned as ``model.fit`` aligns them."""
    if isinstance(loss, keras.losses.Loss):
        return loss.call(y_true, y_pred)  # Keras' own wrappers align the shapes themselves
    return get_loss(loss, y_true, y_pred).call(y_true, y_pred)


def per_example_loss(loss) -> PerExampleLoss:
    """Return ``fn(y_true, y_pred)`` giving a ``(batch,)`` vector of per-example losses.

    Distributed training needs unreduced losses: each replica sums its examples' losses and
    divides by the *global* batch size (``tf.nn.compute_average_loss``). Labels and
    predictions are matched as ``model.fit`` matches them (Keras' ``get_loss`` and
    ``LossFunctionWrapper``): labels ``(batch,)`` against predictions ``(batch, 1)`` are
    expanded, ``"crossentropy"`` picks the binary, sparse or categorical form from the shapes.
    Losses with extra axes (per time step, per pixel) are averaged over those axes, so that
    the mean over the batch equals Keras's default ``"sum_over_batch_size"`` reduction.

    Args:
        loss: a Keras loss name (``"binary_crossentropy"``), a ``keras.losses.Loss`` instance
            (its unreduced ``call`` is used, whatever its ``reduction``), or a function
            ``fn(y_true, y_pred)`` returning unreduced losses (at least one value per example).

    Returns:
        The per-example loss function. ``y_true`` is cast to the prediction dtype and
        half-precision predictions are computed in float32, as Keras losses do.

    Raises:
        TypeError: ``loss`` is none of the above.
        ValueError: the loss name is unknown.

    Example:
        >>> fn = per_example_loss("mse")
        >>> fn(tf.constant([[1.0], [2.0]]), tf.constant([[1.0], [4.0]])).numpy()
        array([0., 4.], dtype=float32)
        >>> fn = per_example_loss("binary_crossentropy")  # labels (2,), predictions (2, 1)
        >>> fn(tf.constant([1.0, 0.0]), tf.constant([[0.5], [0.5]])).shape
        TensorShape([2])
    """
    if isinstance(loss, str):
        _check_name(loss)
        name = loss
    elif isinstance(loss, keras.losses.Loss):
        name = loss.name
    elif callable(loss):
        name = getattr(loss, "__name__", type(loss).__name__)
    else:
        raise TypeError(
            "loss must be a Keras loss name, a keras.losses.Loss or a function "
            f"fn(y_true, y_pred) -> per-example losses; got {type(loss).__name__}."
        )

    def compute(y_true: tf.Tensor, y_pred: tf.Tensor) -> tf.Tensor:
        if y_pred.dtype in (tf.float16, tf.bfloat16):
            y_pred = tf.cast(y_pred, tf.float32)
        y_true = tf.cast(y_true, y_pred.dtype)
        values = tf.convert_to_tensor(_unreduced(loss, y_true, y_pred))
        if values.shape.rank == 0:
            raise ValueError(
                f"The loss {name!r} returned a scalar; Trainer needs one loss value per example "
                "(shape (batch,) or (batch, ...)). Return unreduced values, e.g. "
                "keras.losses.BinaryCrossentropy(reduction=None) or a function without "
                "reduce_mean."
            )
        if values.shape.rank is not None and values.shape.rank > 1:
            values = tf.reduce_mean(values, axis=list(range(1, values.shape.rank)))
        return values

    compute.__name__ = f"per_example_{name}"
    return compute
