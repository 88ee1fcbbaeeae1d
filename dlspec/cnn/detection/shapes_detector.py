"""A small YOLO-style detector trained from scratch on generated shapes.

Without the course's YOLOv2 weights, this is the honest way to see the lab's pipeline detect
something: :func:`shapes_detector` (4 convolution blocks, an ``8 × 8`` grid, 2 anchors) is
trained with the YOLOv2 loss (:class:`~dlspec.cnn.detection.yolo_loss.YoloV2Loss`) through
:class:`dlspec.training.Trainer`, and its raw output is decoded by the course's
``yolo_head`` and ``yolo_eval`` (:func:`detect`). The lab's runner
(:mod:`dlspec.cnn.runs.car_detection`) generates the data, trains, measures mAP@0.5 on
held-out images and draws their detections.
"""

from __future__ import annotations

import keras
import numpy as np

from dlspec.cnn.detection.car_detection import yolo_eval
from dlspec.cnn.detection.yolo_decoding import yolo_head
from dlspec.cnn.detection.yolo_loss import YoloV2Loss
from dlspec.data.shapes import SHAPE_CLASSES, ShapesData, encode_yolo_targets, shapes_dataset
from dlspec.training import Trainer, predict_eagerly

__all__ = [
    "GRID_SIZE",
    "IMAGE_SIZE",
    "SHAPES_ANCHORS",
    "detect",
    "shapes_detector",
    "train_shapes_detector",
]

IMAGE_SIZE = 64
GRID_SIZE = 8
#: anchor (w, h) in grid cells (8 pixels): the small and large ends of the shapes' 12-28 px
SHAPES_ANCHORS = np.array([[1.9, 1.9], [3.0, 3.0]])


def shapes_detector(
    image_size: int = IMAGE_SIZE,
    *,
    num_anchors: int = len(SHAPES_ANCHORS),
    num_classes: int = len(SHAPE_CLASSES),
    filters: tuple[int, ...] = (16, 32, 64),
) -> keras.Model:
    """A YOLO-style network: conv-BN-leaky blocks with max pooling, then a 1×1 prediction.

    Each entry of ``filters`` is a 3×3 convolution (no bias), batch normalisation, leaky
    ReLU (0.1, as darknet) and 2×2 max pooling; a last 3×3 block of twice the width is
    followed by a 1×1 convolution giving ``A·(5 + C)`` numbers per cell, YOLOv2's layout.

    Args:
        image_size: side of the square input images.
        num_anchors: ``A``.
        num_classes: ``C``.
        filters: widths of the pooled blocks; the grid is ``image_size / 2**len(filters)``.

    Returns:
        A functional ``keras.Model`` from ``(None, image_size, image_size, 3)`` to ``(None,
        S, S, A·(5 + C))``.

    Example:
        >>> shapes_detector().output.shape
        (None, 8, 8, 16)
    """
    inputs = keras.Input((image_size, image_size, 3))
    x = inputs
    for width in (*filters, 2 * filters[-1]):
        x = keras.layers.Conv2D(width, 3, padding="same", use_bias=False)(x)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.LeakyReLU(negative_slope=0.1)(x)
        if width != 2 * filters[-1]:
            x = keras.layers.MaxPooling2D(2)(x)
    outputs = keras.layers.Conv2D(num_anchors * (5 + num_classes), 1)(x)
    return keras.Model(inputs, outputs, name="shapes_detector")


def train_shapes_detector(
    data: ShapesData,
    *,
    epochs: int,
    batch_size: int = 16,
    learning_rate: float = 5e-3,
    anchors: np.ndarray = SHAPES_ANCHORS,
    seed: int = 0,
    verbose: int = 0,
) -> tuple[keras.Model, dict]:
    """Train :func:`shapes_detector` on ``data`` with the YOLOv2 loss and Adam.

    Args:
        data: training images with their boxes (:func:`dlspec.data.shapes.make_shapes`).
        epochs: passes over the data.
        batch_size: examples per step.
        learning_rate: Adam's learning rate.
        anchors: ``(A, 2)`` anchors in grid cells.
        seed: seeds the weights (``keras.utils.set_random_seed``) and the data order.
        verbose: :class:`~dlspec.training.Trainer`'s progress output (0 silent).

    Returns:
        ``(model, history)``; ``history["loss"]`` is the mean loss of each epoch.

    Example:
        >>> model, history = train_shapes_detector(make_shapes(1000), epochs=8)  # doctest: +SKIP
    """
    size = data.images.shape[1]
    grid = size // 8
    targets = encode_yolo_targets(
        data.boxes,
        data.classes,
        image_size=size,
        grid_size=grid,
        anchors=anchors,
        num_classes=len(SHAPE_CLASSES),
    )
    dataset = shapes_dataset(data.images, targets, batch_size=batch_size, seed=seed)
    keras.utils.set_random_seed(seed)
    trainer = Trainer(
        lambda: shapes_detector(size, num_anchors=len(anchors)),
        optimizer=lambda: keras.optimizers.Adam(learning_rate=learning_rate),
        loss=YoloV2Loss(anchors, len(SHAPE_CLASSES)),
        metrics=(),
        verbose=verbose,
    )
    history = trainer.fit(dataset, epochs=epochs)
    return trainer.model, history


def detect(
    model: keras.Model,
    images: np.ndarray,
    *,
    anchors: np.ndarray = SHAPES_ANCHORS,
    num_classes: int = len(SHAPE_CLASSES),
    score_threshold: float = 0.3,
    iou_threshold: float = 0.5,
    max_boxes: int = 10,
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Run ``model`` and decode each image's output with the course's ``yolo_head`` and
    ``yolo_eval``.

    Returns:
        Per image, ``(boxes (k, 4), scores (k,), classes (k,))`` NumPy arrays with boxes as
        ``[y_min, x_min, y_max, x_max]`` pixels: the input of
        :func:`~dlspec.cnn.detection.metrics.evaluate_detections`.

    Example:
        >>> found = detect(shapes_detector(), np.zeros((2, 64, 64, 3), "float32"))
        >>> len(found), found[0][0].shape[1]
        (2, 4)
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 4:
        raise ValueError(f"images must be (n, height, width, 3); got shape {images.shape}.")
    outputs = predict_eagerly(model, images, batch_size=64)  # not retraced per image count
    height, width = images.shape[1:3]
    found = []
    for out in outputs:
        decoded = yolo_head(out[None], anchors, num_classes)
        scores, boxes, classes = yolo_eval(
            decoded, (height, width), max_boxes, score_threshold, iou_threshold
        )
        found.append((boxes.numpy(), scores.numpy(), classes.numpy()))
    return found
