"""C4W3A2 "Image segmentation with U-Net": the course's U-Net on CARLA camera frames.

The lab's functions with the course's names: :func:`conv_block` (two 3×3 ReLU convolutions,
He-normal, optional dropout and 2×2 max pooling; returns the next layer and the skip
connection), :func:`upsampling_block` (a strided 3×3 transposed convolution, concatenated with
the skip, then two 3×3 convolutions), :func:`unet_model` (4 encoder blocks, a bottleneck, 4
decoder blocks, a 3×3 convolution and a 1×1 convolution to ``n_classes`` logits; 8,640,471
parameters at the course's size) and :func:`create_mask` (argmax of the logits). Beside them:
training with :class:`~dlspec.training.Trainer` (:func:`train_unet`) and held-out scores
(:func:`evaluate_segmentation`: pixel accuracy, per-class IoU).

Data: :mod:`dlspec.data.carla` (the course's ``process_path`` / ``preprocess``). The course has
1060 pairs and trains on all of them; ``shared/data`` holds a 60-pair stand-in (real CARLA
frames in the same format), so the lab's runner (:mod:`dlspec.cnn.runs.image_segmentation`)
trains on 48 pairs and scores a held-out block of the last 12 frames: its accuracy is not
comparable to the course's 0.95 training accuracy.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from dlspec.data.carla import IMAGE_SIZE, CarlaData
from dlspec.training import Trainer
from dlspec.validation import check_positive

__all__ = [
    "EPOCHS",
    "SegmentationScores",
    "conv_block",
    "create_mask",
    "evaluate_segmentation",
    "predict_masks",
    "scores_from_confusion",
    "segmentation_loss",
    "train_unet",
    "unet_model",
    "upsampling_block",
]

#: the course's number of epochs
EPOCHS = 40


def _conv(n_filters: int) -> keras.layers.Conv2D:
    return keras.layers.Conv2D(
        n_filters, 3, activation="relu", padding="same", kernel_initializer="he_normal"
    )


def _check_filters(n_filters, name: str = "n_filters") -> int:
    check_positive(n_filters, name, integer=True)
    return int(n_filters)


def _check_input_size(input_size) -> tuple[int, int, int]:
    """``(height, width, channels)`` of positive ints, height and width divisible by 16."""
    try:
        if isinstance(input_size, str) or not isinstance(input_size, Sequence):
            raise TypeError
        for size in input_size:
            check_positive(size, "input_size", integer=True)
        ok = len(input_size) == 3 and not (input_size[0] % 16 or input_size[1] % 16)
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(
            "input_size must be (height, width, channels) positive ints with height and width "
            f"divisible by 16 (the U-Net pools 4 times), e.g. (96, 128, 3); got {input_size!r}."
        )
    return tuple(int(s) for s in input_size)


def conv_block(inputs=None, n_filters: int = 32, dropout_prob: float = 0, max_pooling=True):
    """The U-Net's encoder block: two 3×3 convolutions, optional dropout and max pooling.

    ``Conv2D(n_filters, 3, relu, 'same', he_normal)`` twice; then ``Dropout(dropout_prob)``
    when ``dropout_prob > 0``; then ``MaxPooling2D(2, strides=2)`` when ``max_pooling``.

    Args:
        inputs: a 4-D Keras tensor ``(batch, H, W, C)``.
        n_filters: filters of both convolutions.
        dropout_prob: dropout rate in [0, 1); 0 adds no Dropout layer.
        max_pooling: halve the height and width for the next block.

    Returns:
        ``(next_layer, skip_connection)``: the pooled output (or the unpooled one without
        ``max_pooling``) and the output before pooling, for the decoder.

    Example:
        >>> next_layer, skip = conv_block(keras.Input((96, 128, 3)), n_filters=32)
        >>> tuple(next_layer.shape), tuple(skip.shape)
        ((None, 48, 64, 32), (None, 96, 128, 32))
    """
    if inputs is None or len(getattr(inputs, "shape", ())) != 4:
        raise ValueError(
            "inputs must be a 4-D Keras tensor (batch, height, width, channels), e.g. "
            f"keras.Input((96, 128, 3)); got {inputs!r}."
        )
    n_filters = _check_filters(n_filters)
    if not 0 <= dropout_prob < 1:
        raise ValueError(f"dropout_prob must be in [0, 1); got {dropout_prob!r}.")
    conv = _conv(n_filters)(inputs)
    conv = _conv(n_filters)(conv)
    if dropout_prob > 0:
        conv = keras.layers.Dropout(dropout_prob)(conv)
    next_layer = keras.layers.MaxPooling2D(2, strides=2)(conv) if max_pooling else conv
    return next_layer, conv


def upsampling_block(expansive_input, contractive_input, n_filters: int = 32):
    """The U-Net's decoder block: upsample ×2, concatenate the skip, two 3×3 convolutions.

    ``Conv2DTranspose(n_filters, 3, strides=2, padding='same')`` on ``expansive_input``,
    ``concatenate([up, contractive_input], axis=3)``, then ``Conv2D(n_filters, 3, relu,
    'same', he_normal)`` twice.

    Args:
        expansive_input: the tensor from the block below, ``(batch, H, W, C)``.
        contractive_input: the skip connection of the matching encoder block, ``(batch, 2H,
            2W, C')``.
        n_filters: filters of the three convolutions.

    Returns:
        The block's output, ``(batch, 2H, 2W, n_filters)``.

    Example:
        >>> out = upsampling_block(keras.Input((6, 8, 512)), keras.Input((12, 16, 256)), 256)
        >>> tuple(out.shape)
        (None, 12, 16, 256)
    """
    n_filters = _check_filters(n_filters)
    low, skip = tuple(expansive_input.shape), tuple(contractive_input.shape)
    if (
        len(low) != 4
        or len(skip) != 4
        or (None not in low[1:3] and tuple(skip[1:3]) != (2 * low[1], 2 * low[2]))
    ):
        raise ValueError(
            "contractive_input must be 4-D with twice the height and width of expansive_input "
            f"(the skip of the matching encoder block); got {skip} and {low}."
        )
    up = keras.layers.Conv2DTranspose(n_filters, 3, strides=2, padding="same")(expansive_input)
    merge = keras.layers.concatenate([up, contractive_input], axis=3)
    conv = _conv(n_filters)(merge)
    return _conv(n_filters)(conv)


def unet_model(
    input_size: Sequence[int] = (96, 128, 3), n_filters: int = 32, n_classes: int = 23
) -> keras.Model:
    """The course's U-Net: per-pixel logits over ``n_classes`` classes.

    Encoder: :func:`conv_block` with ``n_filters`` × 1, 2, 4, 8 (dropout 0.3) and a bottleneck
    × 16 (dropout 0.3, no pooling). Decoder: :func:`upsampling_block` × 8, 4, 2, 1 on the skips
    of encoder blocks 4, 3, 2, 1. Head: ``Conv2D(n_filters, 3, relu, 'same', he_normal)`` and
    ``Conv2D(n_classes, 1, padding='same')`` (linear logits: train with
    ``SparseCategoricalCrossentropy(from_logits=True)``).

    Args:
        input_size: ``(height, width, channels)``; height and width divisible by 16 (four
            poolings).
        n_filters: filters of the first block.
        n_classes: number of output classes.

    Returns:
        The uncompiled ``keras.Model``; at the defaults 8,640,471 trainable parameters and
        output ``(None, 96, 128, 23)``.

    Example:
        >>> model = unet_model((96, 128, 3), n_filters=32, n_classes=23)
        >>> model.count_params(), model.output.shape
        (8640471, (None, 96, 128, 23))
    """
    input_size = _check_input_size(input_size)
    n_filters = _check_filters(n_filters)
    n_classes = _check_filters(n_classes, "n_classes")
    inputs = keras.Input(input_size)
    cblock1 = conv_block(inputs, n_filters)
    cblock2 = conv_block(cblock1[0], 2 * n_filters)
    cblock3 = conv_block(cblock2[0], 4 * n_filters)
    cblock4 = conv_block(cblock3[0], 8 * n_filters, dropout_prob=0.3)
    cblock5 = conv_block(cblock4[0], 16 * n_filters, dropout_prob=0.3, max_pooling=False)
    ublock6 = upsampling_block(cblock5[0], cblock4[1], 8 * n_filters)
    ublock7 = upsampling_block(ublock6, cblock3[1], 4 * n_filters)
    ublock8 = upsampling_block(ublock7, cblock2[1], 2 * n_filters)
    ublock9 = upsampling_block(ublock8, cblock1[1], n_filters)
    conv9 = _conv(n_filters)(ublock9)
    conv10 = keras.layers.Conv2D(n_classes, 1, padding="same")(conv9)
    return keras.Model(inputs=inputs, outputs=conv10)


def create_mask(pred_mask) -> tf.Tensor:
    """The course's ``create_mask``: argmax over classes of the *first* prediction of a batch.

    Args:
        pred_mask: logits ``(batch, H, W, n_classes)`` (``model.predict`` output).

    Returns:
        ``(H, W, 1)`` int64 class ids of ``pred_mask[0]``. For every example of a batch use
        :func:`predict_masks`.

    Example:
        >>> logits = np.zeros((2, 2, 3, 4), "float32"); logits[0, 1, 2, 3] = 1.0
        >>> create_mask(logits)[..., 0].numpy().tolist()
        [[0, 0, 0], [0, 0, 3]]
    """
    pred_mask = tf.argmax(pred_mask, axis=-1)
    pred_mask = pred_mask[..., tf.newaxis]
    return pred_mask[0]


def predict_masks(model: keras.Model, images) -> np.ndarray:
    """Class ids ``(batch, H, W)`` (int64) of a batch of images: the argmax of the logits."""
    return np.argmax(keras.ops.convert_to_numpy(model(images, training=False)), axis=-1)


def segmentation_loss() -> keras.losses.Loss:
    """The lab's loss: ``SparseCategoricalCrossentropy(from_logits=True)``.

    Keras averages it over every pixel of the batch. :class:`~dlspec.training.Trainer` takes
    its unreduced ``(batch, H, W)`` values, averages each example over its pixels, then sums
    over the batch and divides by the global batch size: the same number for equal-sized
    images.
    """
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def train_unet(
    data: CarlaData,
    *,
    epochs: int = EPOCHS,
    n_filters: int = 32,
    n_classes: int = 23,
    learning_rate: float = 0.001,
    seed: int = 1,
    checkpoint_dir: str | os.PathLike | None = None,
    verbose: int = 0,
):
    """Train :func:`unet_model` as the course (Adam, the lab's loss, accuracy) with ``Trainer``.

    Args:
        data: the pipelines of :func:`~dlspec.data.carla.carla_datasets`; its held-out block
            is evaluated after each epoch (``val_loss``, ``val_accuracy``).
        epochs: epochs to train (the course: 40).
        n_filters, n_classes: passed to :func:`unet_model`.
        learning_rate: Adam's (Keras' default 0.001, as the course's ``optimizer='adam'``).
        seed: ``keras.utils.set_random_seed`` before building (weights and dropout).
        checkpoint_dir: folder for resumable checkpoints (``None``: none, unless ``dlspec run
            ... --resume`` set a checkpoint root).
        verbose: 0, 1 or 2 (see ``Trainer``).

    Returns:
        ``(trainer, history)``; ``trainer.model`` is the trained U-Net.
    """
    check_positive(epochs, "epochs", integer=True)
    check_positive(learning_rate, "learning_rate")
    keras.utils.set_random_seed(seed)
    input_size = (*IMAGE_SIZE, 3)
    trainer = Trainer(
        lambda: unet_model(input_size, n_filters=n_filters, n_classes=n_classes),
        optimizer=lambda: keras.optimizers.Adam(learning_rate=learning_rate),
        loss=segmentation_loss(),
        metrics=["accuracy"],
        checkpoint_dir=checkpoint_dir,
        verbose=verbose,
    )
    history = trainer.fit(data.train, epochs=epochs, validation_data=data.test)
    return trainer, history


@dataclass(frozen=True)
class SegmentationScores:
    """Held-out scores of a segmentation model.

    Attributes:
        pixel_accuracy: fraction of pixels whose predicted class is right.
        iou: ``{class id: intersection over union}`` for the classes present in the true masks.
        mean_iou: the mean of ``iou``.
        confusion: ``(n_classes, n_classes)`` pixel counts, rows true ids, columns predicted.
    """

    pixel_accuracy: float
    iou: dict[int, float]
    mean_iou: float
    confusion: np.ndarray


def scores_from_confusion(confusion: np.ndarray) -> SegmentationScores:
    """Pixel accuracy and per-class IoU from a confusion matrix (rows: true ids).

    IoU of class c = TP / (TP + FP + FN), over the classes with at least one true pixel (a class
    absent from the truth has no IoU; pixels wrongly given to it still lower the others').

    Example:
        >>> s = scores_from_confusion(np.array([[3, 1, 0], [0, 4, 0], [0, 0, 0]]))
        >>> s.pixel_accuracy, s.iou
        (0.875, {0: 0.75, 1: 0.8})
    """
    confusion = np.asarray(confusion, dtype=np.int64)
    true_pixels, pred_pixels = confusion.sum(axis=1), confusion.sum(axis=0)
    hits = np.diag(confusion)
    present = np.flatnonzero(true_pixels)
    iou = {int(c): float(hits[c] / (true_pixels[c] + pred_pixels[c] - hits[c])) for c in present}
    return SegmentationScores(
        pixel_accuracy=float(hits.sum() / max(confusion.sum(), 1)),
        iou=iou,
        mean_iou=float(np.mean(list(iou.values()))) if iou else float("nan"),
        confusion=confusion,
    )


def evaluate_segmentation(
    model: keras.Model, dataset: tf.data.Dataset, n_classes: int = 23
) -> SegmentationScores:
    """Score ``model`` on a batched ``(image, mask)`` dataset: pixel accuracy and IoU per class.

    Example:
        >>> scores = evaluate_segmentation(trainer.model, data.test)  # doctest: +SKIP
        >>> round(scores.pixel_accuracy, 2), scores.iou[7]  # doctest: +SKIP
        (0.78, 0.93)
    """
    confusion = np.zeros((n_classes, n_classes), dtype=np.int64)
    for images, masks in dataset:
        pred = predict_masks(model, images).ravel()
        truth = masks.numpy().ravel().astype(np.int64)
        confusion += np.bincount(truth * n_classes + pred, minlength=n_classes**2).reshape(
            n_classes, n_classes
        )
    return scores_from_confusion(confusion)
