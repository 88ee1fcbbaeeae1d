"""BatchNormalization after a short training: re-estimate the moving statistics, or follow them
more closely.

Trained for a few hundred steps, a network's BatchNormalization layers normalise at inference
with their *moving* statistics, an exponential average (momentum 0.99) over the last ~100
training batches of activations whose distribution kept moving with the weights, so they lag
the final network (C4W2 "Residual networks" shows it on ResNet-50).
:func:`reestimate_batchnorm_statistics` is the fix: after training, one pass over *training*
data with the weights frozen replaces each moving mean/variance by the exact statistics of the
final network's activations. :func:`set_batchnorm_momentum` is the other option (a lower
momentum, e.g. 0.9, makes the moving averages follow the last ~10 batches).
:class:`ReestimatedBatchNormEvaluation` scores a dev set after each epoch as it would be after
the fix, and can keep the best epoch's weights (dev-set model selection).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras.layers import BatchNormalization

from dlspec.training.layers import nested_layers
from dlspec.validation import check_positive

__all__ = [
    "ReestimatedBatchNormEvaluation",
    "batchnorm_layers",
    "reestimate_batchnorm_statistics",
    "set_batchnorm_momentum",
]


def batchnorm_layers(model: keras.layers.Layer) -> list[BatchNormalization]:
    """Every BatchNormalization layer of ``model``, nested ones included, in call order.

    Example:
        >>> inner = keras.Sequential([keras.Input((3,)), keras.layers.BatchNormalization()])
        >>> outer = keras.Sequential([keras.Input((3,)), inner, keras.layers.BatchNormalization()])
        >>> len(batchnorm_layers(outer))
        2
    """
    return [
        layer
        for layer in nested_layers(model, include_self=False)
        if isinstance(layer, BatchNormalization)
    ]


def set_batchnorm_momentum(model: keras.layers.Layer, momentum: float) -> int:
    """Set the moving-average momentum of every BatchNormalization layer of ``model``.

    Call it before ``compile``/``fit``. A momentum of 0.9 averages over about the last 10
    batches instead of 100 (0.99), which suits runs of a few hundred steps.

    Returns:
        The number of layers changed.

    Example:
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.BatchNormalization()])
        >>> set_batchnorm_momentum(model, 0.9)
        1
    """
    if not 0.0 <= float(momentum) < 1.0:
        raise ValueError(f"momentum must be in [0, 1); got {momentum!r}.")
    layers = batchnorm_layers(model)
    for layer in layers:
        layer.momentum = float(momentum)
    return len(layers)


def _images_of(batch):
    if isinstance(batch, tuple | list):
        return batch[0]
    if isinstance(batch, dict):
        raise ValueError("dataset elements must be images or (images, labels) pairs; got a dict.")
    return batch


def reestimate_batchnorm_statistics(
    model: keras.Model, dataset, *, steps: int | None = None
) -> int:
    """Replace the moving statistics of ``model``'s BatchNormalization layers by the exact
    mean and variance of their inputs over ``dataset`` (training data, never test data).

    The weights are not changed. The data run through the model in training mode (each layer
    normalises with batch statistics, as during training) with every layer's momentum set to
    0, so after each batch its moving statistics hold that batch's mean and variance; these are
    accumulated, weighted by batch size, into the population mean and variance
    (``E[x²] - E[x]²`` over all examples), which are written back as the moving statistics.
    Layers that are not trainable (frozen backbones) keep theirs. The momentum is restored.

    Args:
        model: a built Keras model.
        dataset: an iterable of image batches or ``(images, labels)`` batches (a batched
            ``tf.data.Dataset``), e.g. the training pipeline without augmentation.
        steps: at most this many batches (default: the whole dataset).

    Returns:
        The number of examples used.

    Raises:
        ValueError: the model has no trainable BatchNormalization layer, or the dataset is
            empty.

    Example:
        >>> model.fit(train_ds, epochs=10)  # doctest: +SKIP
        >>> reestimate_batchnorm_statistics(model, train_ds)  # doctest: +SKIP
        1080
        >>> model.evaluate(test_ds)  # doctest: +SKIP
    """
    if steps is not None:
        check_positive(steps, "steps", integer=True)
    layers = [layer for layer in batchnorm_layers(model) if layer.trainable]
    if not layers:
        raise ValueError("the model has no trainable BatchNormalization layer to re-estimate.")
    momenta = [layer.momentum for layer in layers]
    sums = [np.zeros(layer.moving_mean.shape, np.float64) for layer in layers]
    squares = [np.zeros(layer.moving_mean.shape, np.float64) for layer in layers]
    saved = [(layer.moving_mean.numpy(), layer.moving_variance.numpy()) for layer in layers]
    total = 0
    try:
        for layer in layers:
            layer.momentum = 0.0
        forward = tf.function(
            lambda x: model(x, training=True), reduce_retracing=True, autograph=False
        )
        for i, batch in enumerate(dataset):
            if steps is not None and i >= steps:
                break
            images = _images_of(batch)
            forward(images)
            n = int(images.shape[0])
            total += n
            for j, layer in enumerate(layers):
                mean = layer.moving_mean.numpy().astype(np.float64)
                var = layer.moving_variance.numpy().astype(np.float64)
                sums[j] += n * mean
                squares[j] += n * (var + mean**2)
    except BaseException:
        for layer, (mean, var) in zip(layers, saved):
            layer.moving_mean.assign(mean)
            layer.moving_variance.assign(var)
        raise
    finally:
        for layer, momentum in zip(layers, momenta):
            layer.momentum = momentum
    if total == 0:
        for layer, (mean, var) in zip(layers, saved):
            layer.moving_mean.assign(mean)
            layer.moving_variance.assign(var)
        raise ValueError("the dataset gave no batch: nothing to estimate the statistics from.")
    for layer, s, q in zip(layers, sums, squares):
        mean = s / total
        layer.moving_mean.assign(mean.astype(np.float32))
        layer.moving_variance.assign(np.maximum(q / total - mean**2, 0.0).astype(np.float32))
    return total


class ReestimatedBatchNormEvaluation(keras.callbacks.Callback):
    """After each epoch, score ``eval_data`` as it would be after
    :func:`reestimate_batchnorm_statistics` on ``train_data``, then put the moving statistics
    back, so training and the usual inference-mode validation are unchanged.

    ``history`` holds one list per metric of ``model.evaluate`` (``"loss"``, ``"accuracy"``...).
    With ``keep_best`` it is also a dev-set model selection (early stopping without the
    stop): the weights of the epoch with the best re-estimated ``keep_best`` metric on
    ``eval_data`` (a dev or train-dev set, never the test set) are kept and put back into the
    model when training ends (``best_epoch``, 1-based, and ``best`` say which; ties go to the
    earlier epoch). The optimizer state is not put back.

    Args:
        train_data: batches of training images (never test data) to estimate the statistics.
        eval_data: batches of ``(images, labels)`` to score (and to select on).
        report_data: optional ``{name: batches}`` scored the same way for the record only
            (never used to select), kept in ``history`` as ``"{name} {metric}"``.
        keep_best: a metric of ``eval_data`` (e.g. ``"accuracy"``) to select the epoch on;
            ``None`` (default): no selection.
        mode: ``"max"`` (default) or ``"min"`` (for a loss).

    Example:
        >>> probe = ReestimatedBatchNormEvaluation(train_ds, dev_ds,
        ...                                        keep_best="accuracy")  # doctest: +SKIP
        >>> model.fit(train_ds, epochs=10, callbacks=[probe])  # doctest: +SKIP
        >>> probe.best_epoch, probe.history["accuracy"]  # doctest: +SKIP
    """

    def __init__(self, train_data, eval_data, *, report_data=None, keep_best=None, mode="max"):
        super().__init__()
        if mode not in ("max", "min"):
            raise ValueError(f"mode must be 'max' or 'min'; got {mode!r}.")
        self.train_data, self.eval_data = train_data, eval_data
        self.report_data = dict(report_data or {})
        self.keep_best, self.mode = keep_best, mode
        self.history: dict[str, list[float]] = {}
        self.best_epoch: int | None = None
        self.best: float | None = None
        self._best_weights = None

    def on_train_begin(self, logs=None):
        self.best_epoch, self.best, self._best_weights = None, None, None

    def on_epoch_end(self, epoch, logs=None):
        layers = [layer for layer in batchnorm_layers(self.model) if layer.trainable]
        saved = [(layer.moving_mean.numpy(), layer.moving_variance.numpy()) for layer in layers]
        reports = {}
        try:
            reestimate_batchnorm_statistics(self.model, self.train_data)
            scores = self.model.evaluate(self.eval_data, verbose=0, return_dict=True)
            for name, data in self.report_data.items():
                reports[name] = self.model.evaluate(data, verbose=0, return_dict=True)
        finally:
            for layer, (mean, var) in zip(layers, saved):
                layer.moving_mean.assign(mean)
                layer.moving_variance.assign(var)
        for name, value in scores.items():
            self.history.setdefault(name, []).append(float(value))
        for report, values in reports.items():
            for name, value in values.items():
                self.history.setdefault(f"{report} {name}", []).append(float(value))
        if self.keep_best is None:
            return
        if self.keep_best not in scores:
            raise ValueError(
                f"keep_best={self.keep_best!r} is not a metric of the model; it has "
                f"{sorted(scores)}."
            )
        value = float(scores[self.keep_best])
        better = self.best is None or (
            value > self.best if self.mode == "max" else value < self.best
        )
        if better:
            self.best, self.best_epoch = value, epoch + 1
            self._best_weights = [w.numpy().copy() for w in self.model.weights]

    def on_train_end(self, logs=None):
        if self._best_weights is not None:
            for variable, value in zip(self.model.weights, self._best_weights):
                variable.assign(value)
