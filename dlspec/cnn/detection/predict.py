"""The course's ``predict`` and ``draw_boxes``: a YOLO model run on an image file, boxes drawn.

:func:`predict` preprocesses an image to the model's input size, decodes the model's output
with :func:`~dlspec.cnn.detection.yolo_decoding.yolo_head` and the lab's
:func:`~dlspec.cnn.detection.car_detection.yolo_eval`, and saves the image with its boxes
drawn by :func:`draw_boxes`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from dlspec.cnn.detection.car_detection import (
    YOLO_ANCHORS,
    YOLO_CLASSES,
    preprocess_image,
    read_anchors,
    read_classes,
    yolo_eval,
)
from dlspec.cnn.detection.yolo_decoding import yolo_head
from dlspec.data.paths import data_path
from dlspec.viz.boxes import draw_detections
from dlspec.viz.images import save_png

__all__ = ["draw_boxes", "predict"]


def draw_boxes(image, boxes, box_classes, class_names: Sequence[str], scores=None):
    """Draw ``yolo_eval``'s boxes with "class score" labels; returns a new ``PIL.Image``.

    The course draws on ``image`` in place with a font file; this draws on a copy with
    Pillow's built-in font (see :func:`dlspec.viz.boxes.draw_detections`).

    Example:
        >>> from PIL import Image
        >>> out = draw_boxes(Image.new("RGB", (64, 64)), np.array([[8, 8, 40, 40]]), [0],
        ...                  ["car"], [0.9])
        >>> out.size
        (64, 64)
    """
    return draw_detections(image, np.asarray(boxes), np.asarray(box_classes), class_names, scores)


def predict(
    model,
    image_path: str | os.PathLike,
    *,
    class_names: Sequence[str] | None = None,
    anchors=None,
    out_path: str | os.PathLike | None = None,
    max_boxes: int = 10,
    score_threshold: float = 0.3,
    iou_threshold: float = 0.5,
):
    """Detect objects in an image file with a YOLOv2-style model, as the course's
    ``predict``.

    Preprocesses the image to the model's input size, runs the model, decodes its output with
    ``yolo_head`` and keeps boxes with ``yolo_eval`` (10 boxes, score 0.3, IoU 0.5 as the
    course), prints how many boxes were found and, with ``out_path``, saves the image with
    its boxes as PNG.

    Args:
        model: a callable (Keras model) mapping ``(1, H, W, 3)`` images in [0, 1] to
            ``(1, S, S, A·(5 + C))`` or ``(1, S, S, A, 5 + C)``.
        image_path: the image.
        class_names: default: the course's ``coco_classes.txt`` (from ``DLSPEC_DATA_DIR``).
        anchors: default: the course's ``yolo_anchors.txt``.
        out_path: PNG to write with the boxes drawn, or ``None``.
        max_boxes, score_threshold, iou_threshold: as ``yolo_eval``.

    Returns:
        ``(out_scores, out_boxes, out_classes)`` as NumPy arrays, boxes ``[y_min, x_min,
        y_max, x_max]`` in the original image's pixels.

    Example:
        >>> scores, boxes, classes = predict(yolo_model, "images/0001.jpg")  # doctest: +SKIP
        Found 10 boxes for images/0001.jpg
    """
    class_names = list(class_names) if class_names else read_classes(data_path(YOLO_CLASSES))
    anchors = read_anchors(data_path(YOLO_ANCHORS)) if anchors is None else np.asarray(anchors)
    shape = getattr(model, "input_shape", None)
    size = tuple(shape[1:3]) if shape and None not in tuple(shape[1:3]) else (608, 608)
    image, image_data = preprocess_image(image_path, model_image_size=size)
    outputs = yolo_head(model(image_data), anchors, len(class_names))
    scores, boxes, classes = yolo_eval(
        outputs, (image.size[1], image.size[0]), max_boxes, score_threshold, iou_threshold
    )
    out_scores, out_boxes, out_classes = (t.numpy() for t in (scores, boxes, classes))
    print(f"Found {len(out_boxes)} boxes for {image_path}")
    if out_path is not None:
        save_png(draw_boxes(image, out_boxes, out_classes, class_names, out_scores), out_path)
    return out_scores, out_boxes, out_classes
