"""C4W2A2 "Transfer learning with MobileNetV2": alpaca / not alpaca from a pretrained backbone.

The lab's functions with the course's names: :func:`data_augmenter` (random horizontal flips
and rotations, Keras 3 layers) and :func:`alpaca_model` (``preprocess_input``, a frozen
MobileNetV2 base called in inference mode, global average pooling, dropout 0.2 and one logit).
Beside them, the data (:func:`alpaca_datasets`: the course's split of the 327 images, 262
training and 65 validation) and the two training phases of the lab (:func:`train_frozen`: Adam
0.001 on the new head for 5 epochs; :func:`fine_tune`: the base unfrozen from layer 120, Adam
0.0001, continuing from the course's ``initial_epoch``). The lab's runs and learning curves are
in :mod:`dlspec.cnn.runs.transfer_learning`.

Weights: the course downloads Keras' ImageNet file. dlspec resolves it as docs/design.md says
(:mod:`dlspec.weights`): an explicit path, ``$DLSPEC_WEIGHTS_DIR`` (the real ImageNet file,
else the offline ``mobilenet_v2_1.00_160_notop_dogs.weights.h5``: ImageNet fine-tuned on dog
breeds, real pretrained features but not the course's exact weights), Keras' cache, a Keras
download, else a clear error. ``weights=None`` gives an untrained backbone, with a warning.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence

import keras
import tensorflow as tf

from dlspec.data.image_folder import alpaca_datasets
from dlspec.strategy.transfer import TrainableSummary, freeze, unfreeze_from
from dlspec.validation import check_int
from dlspec.weights import (
    ResolvedWeights,
    mobilenet_v2_weight_files,
    resolve_weights_argument,
)

__all__ = [
    "IMG_SIZE",
    "alpaca_datasets",
    "alpaca_model",
    "compile_model",
    "data_augmenter",
    "fine_tune",
    "mobilenet_v2_base",
    "preprocess_input",
    "resolve_mobilenet_weights",
    "train_frozen",
]

#: the lab's image size, batch size and hyperparameters
IMG_SIZE = (160, 160)
BATCH_SIZE = 32
BASE_LEARNING_RATE = 0.001
INITIAL_EPOCHS = 5
FINE_TUNE_EPOCHS = 5
FINE_TUNE_AT = 120

#: the course's ``preprocess_input``: pixels in [0, 255] → [-1, 1]
preprocess_input = keras.applications.mobilenet_v2.preprocess_input


def data_augmenter() -> keras.Sequential:
    """The lab's augmentation: ``Sequential([RandomFlip('horizontal'), RandomRotation(0.2)])``.

    Both layers are active only in training (``model.fit``) and are identity at inference.
    ``RandomRotation(0.2)`` rotates by up to ±0.2 of a full turn (±72°).

    Returns:
        A ``keras.Sequential`` of exactly those two layers.

    Example:
        >>> augmenter = data_augmenter()
        >>> [type(layer).__name__ for layer in augmenter.layers]
        ['RandomFlip', 'RandomRotation']
        >>> augmenter.layers[0].mode, augmenter.layers[1].factor  # Keras 3 stores 0.2 as a range
        ('horizontal', (-0.2, 0.2))
    """
    return keras.Sequential(
        [keras.layers.RandomFlip("horizontal"), keras.layers.RandomRotation(0.2)]
    )


def _check_image_shape(image_shape) -> tuple[int, int]:
    message = (
        "image_shape must be (height, width) integers of at least 32 (MobileNetV2's "
        f"minimum), e.g. the course's (160, 160); got {image_shape!r}. Leave out the "
        "channels: the model adds 3."
    )
    if not isinstance(image_shape, Sequence) or len(image_shape) != 2:
        raise ValueError(message)
    try:
        height, width = (check_int(size, "image_shape", minimum=32) for size in image_shape)
    except (TypeError, ValueError):
        raise ValueError(message) from None
    return height, width


def resolve_mobilenet_weights(
    weights: str | os.PathLike | None = "imagenet", *, image_shape=IMG_SIZE
) -> ResolvedWeights | None:
    """Find the no-top MobileNetV2 weights for ``image_shape`` (see :mod:`dlspec.weights`).

    Args:
        weights: ``"imagenet"`` (search ``$DLSPEC_WEIGHTS_DIR``, the Keras cache, then
            download), a file path, or ``None`` (untrained: warns and returns ``None``).
        image_shape: ``(height, width)``; Keras has ImageNet files for square 96, 128, 160,
            192 and 224 inputs.

    Raises:
        dlspec.weights.WeightsNotFoundError: no file found (the message says where to put it).
    """
    rows = _check_image_shape(image_shape)[0]
    files = mobilenet_v2_weight_files(rows=rows, include_top=False)
    return resolve_weights_argument(weights, files, what="MobileNetV2 backbone")


def mobilenet_v2_base(
    image_shape=IMG_SIZE, weights: str | os.PathLike | None = "imagenet"
) -> tuple[keras.Model, ResolvedWeights | None]:
    """The lab's ``base_model``: MobileNetV2 without its top, and the weight file used.

    ``MobileNetV2(input_shape=image_shape + (3,), include_top=False, weights=...)`` with the
    weights found by :func:`resolve_mobilenet_weights` (154 layers, 2,257,984 parameters,
    output (None, 5, 5, 1280) at 160×160).
    """
    resolved = resolve_mobilenet_weights(weights, image_shape=image_shape)
    base = keras.applications.MobileNetV2(
        input_shape=(*_check_image_shape(image_shape), 3),
        include_top=False,
        weights=None if resolved is None else str(resolved.path),
    )
    return base, resolved


def alpaca_model(
    image_shape=IMG_SIZE,
    data_augmentation: keras.layers.Layer | None = None,
    weights: str | os.PathLike | None = "imagenet",
) -> keras.Model:
    """The lab's binary classifier on a frozen MobileNetV2 base.

    Input (image_shape + (3,)) → ``data_augmentation`` → :data:`preprocess_input` → MobileNetV2
    base (``trainable=False``, called with ``training=False``) → GlobalAveragePooling2D →
    Dropout(0.2) → Dense(1) (a logit: train with ``BinaryCrossentropy(from_logits=True)``).

    Args:
        image_shape: ``(height, width)`` of the images, the course's (160, 160).
        data_augmentation: a layer applied first; ``None`` (default) builds a fresh
            :func:`data_augmenter` (the course's default ``data_augmenter()`` is built once at
            definition time and shared between calls).
        weights: backbone weights: ``"imagenet"`` (resolved as in :mod:`dlspec.weights`: the
            file used is logged), a file path, or ``None`` for an untrained backbone (warns).

    Returns:
        The uncompiled ``keras.Model``. The base is ``model.layers[2]`` (the course's
        ``model2.layers[4]``: Keras 3 lists the two ``preprocess_input`` operations in
        ``model.operations``, not in ``model.layers``).

    Raises:
        ValueError: bad ``image_shape``.
        dlspec.weights.WeightsNotFoundError: no weights file found.

    Example:
        >>> import warnings
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     model = alpaca_model(weights=None)  # an untrained backbone: warns
        >>> type(caught[0].message).__name__
        'UntrainedBackboneWarning'
        >>> model.layers[2].name, model.layers[2].count_params()
        ('mobilenetv2_1.00_160', 2257984)
    """
    base, _ = mobilenet_v2_base(image_shape, weights)
    base.trainable = False
    if data_augmentation is None:
        data_augmentation = data_augmenter()
    inputs = keras.Input(shape=(*_check_image_shape(image_shape), 3))
    x = data_augmentation(inputs)
    x = preprocess_input(x)
    x = base(x, training=False)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dropout(0.2)(x)
    outputs = keras.layers.Dense(1)(x)
    return keras.Model(inputs, outputs)


def _base_of(model: keras.Model) -> keras.Model:
    nested = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    if not nested or not nested[-1].name.startswith("mobilenetv2"):
        raise ValueError(
            "model must be built by alpaca_model (a MobileNetV2 base among its layers); "
            f"got layers {[layer.name for layer in model.layers]}."
        )
    return nested[-1]


def compile_model(model: keras.Model, learning_rate: float) -> keras.Model:
    """Compile as the lab: Adam(learning_rate), ``BinaryCrossentropy(from_logits=True)``, accuracy.

    Accuracy is ``BinaryAccuracy(threshold=0.0)``: the model outputs a logit, so 0 is the
    decision boundary. The course's ``metrics=['accuracy']`` thresholds the logit at 0.5
    (probability 0.62), slightly under-counting positives.
    """
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=[keras.metrics.BinaryAccuracy(name="accuracy", threshold=0.0)],
    )
    return model


class _EpochTimer(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["seconds"] = time.perf_counter() - self._start


def _fit(model, train, val, *, epochs: int, initial_epoch: int = 0, verbose: int = 0) -> dict:
    history = model.fit(
        train,
        validation_data=val,
        epochs=epochs,
        initial_epoch=initial_epoch,
        callbacks=[_EpochTimer()],
        verbose=verbose,
        shuffle=False,  # the tf.data pipeline shuffles itself (Keras warns otherwise)
    )
    out = {key: [float(v) for v in values] for key, values in history.history.items()}
    out["epoch"] = list(history.epoch)
    return out


def train_frozen(
    model: keras.Model,
    train: tf.data.Dataset,
    val: tf.data.Dataset,
    *,
    epochs: int = INITIAL_EPOCHS,
    learning_rate: float = BASE_LEARNING_RATE,
    verbose: int = 0,
) -> dict:
    """Phase 1 of the lab: train the new head on the frozen base.

    Freezes the base, compiles (:func:`compile_model`) and fits for ``epochs``.

    Returns:
        The history dict (``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``, ``seconds``
        per epoch, and ``epoch``: Keras' 0-based epoch numbers).
    """
    freeze(_base_of(model))
    compile_model(model, learning_rate)
    return _fit(model, train, val, epochs=epochs, verbose=verbose)


def fine_tune(
    model: keras.Model,
    train: tf.data.Dataset,
    val: tf.data.Dataset,
    *,
    history: Mapping | None = None,
    fine_tune_at: int | str = FINE_TUNE_AT,
    epochs: int = FINE_TUNE_EPOCHS,
    learning_rate: float = 0.1 * BASE_LEARNING_RATE,
    freeze_batchnorm: bool = False,
    verbose: int = 0,
) -> tuple[dict, TrainableSummary]:
    """Phase 2 of the lab: unfreeze the base from ``fine_tune_at`` and train at a lower rate.

    As the course: ``base_model.trainable = True``, the layers ``[:fine_tune_at]`` frozen again,
    Adam at 10× less than phase 1, ``fit(epochs=initial_epochs + epochs,
    initial_epoch=history.epoch[-1])`` (so the course's run trains 6 more epochs, numbered 4
    to 9 by Keras).

    BatchNormalization: the course makes the ones from ``fine_tune_at`` on trainable and
    counts on ``base_model(x, training=False)`` to keep them in inference mode. Keras 3's
    ``fit`` overrides that flag (see :mod:`dlspec.strategy.transfer`): with the course's code
    (the default, ``freeze_batchnorm=False``) those 12 layers normalise with batch statistics
    and update their moving averages while fine-tuning. ``freeze_batchnorm=True`` keeps them
    frozen, in inference mode, as the course intends. On the alpaca data both reach high
    validation accuracy; the course's code was the steadier of the two (the lab's runner,
    :mod:`dlspec.cnn.runs.transfer_learning`, runs both).

    Args:
        history: the phase-1 history (its last epoch sets ``initial_epoch``); ``None`` starts
            at epoch 0.

    Returns:
        ``(history of this phase, TrainableSummary of the base)``.
    """
    summary = unfreeze_from(_base_of(model), fine_tune_at, freeze_batchnorm=freeze_batchnorm)
    compile_model(model, learning_rate)
    done = list(history["epoch"]) if history else []
    initial_epoch = done[-1] if done else 0
    total = len(done) + epochs
    return _fit(
        model, train, val, epochs=total, initial_epoch=initial_epoch, verbose=verbose
    ), summary
