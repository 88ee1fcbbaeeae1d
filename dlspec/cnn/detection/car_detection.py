"""C4W3A1 "Car detection with YOLO": decoding YOLOv2's output into boxes (lab ``c4w3-yolo``).

The lab's functions with the course's names, in TensorFlow: :func:`yolo_head` (the course's
yad2k function, in :mod:`~dlspec.cnn.detection.yolo_decoding`) turns the raw ``(m, 19, 19,
425)`` output of YOLOv2 608 into box centres, sizes, confidences and class probabilities
(with the 5 anchors of ``yolo_anchors.txt``); :func:`yolo_eval` turns those into at most 10
boxes: :func:`yolo_boxes_to_corners`, :func:`yolo_filter_boxes` (score =
confidence × class probability ≥ threshold), :func:`scale_boxes` to the image's pixels, and
:func:`yolo_non_max_suppression`. :func:`iou` is the course's pure-Python IoU. Around them:
:func:`read_classes`, :func:`read_anchors` and :func:`preprocess_image`.

Layout of the 85 numbers of an anchor: YOLOv2 (darknet, yad2k) stores ``t_x, t_y, t_w, t_h,
t_o`` then the 80 class scores; the course's figure draws ``p_c`` first, but its code (and
:func:`yolo_head` here) reads the darknet order.

Weights: the course loads a YOLOv2 608 COCO SavedModel (50.9 M parameters) that cannot be
downloaded from Keras. :func:`dlspec.cnn.detection.yolo_v2.yolo_v2_model` builds the network; a
user loads weights from a file. :mod:`dlspec.cnn.detection.predict` runs such a model on an
image file and draws its boxes (the course's ``predict`` and ``draw_boxes``). The lab's runner
(:mod:`dlspec.cnn.runs.car_detection`) grades this pipeline on the course's golden values and,
without weights, trains a small YOLO-style detector from scratch on generated shapes
(:mod:`dlspec.cnn.detection.shapes_detector`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import tensorflow as tf
from PIL import Image

from dlspec.cnn.detection.yolo_decoding import yolo_boxes_to_corners, yolo_head
from dlspec.data.images import check_eight_bit, open_image
from dlspec.data.paths import CorruptDataError
from dlspec.validation import check_finite, check_positive, check_probability

__all__ = [
    "COURSE_PREDICTIONS_0001",
    "YOLO_CLASSES",
    "YOLO_ANCHORS",
    "iou",
    "preprocess_image",
    "read_anchors",
    "read_classes",
    "scale_boxes",
    "yolo_boxes_to_corners",
    "yolo_eval",
    "yolo_filter_boxes",
    "yolo_head",
    "yolo_non_max_suppression",
]

#: the lab's files under ``DLSPEC_DATA_DIR``
YOLO_CLASSES = "course4/yolo/model_data/coco_classes.txt"
YOLO_ANCHORS = "course4/yolo/model_data/yolo_anchors.txt"
YOLO_IMAGE = "course4/yolo/images/0001.jpg"

#: the course's table for ``images/0001.jpg`` (YOLOv2 608 COCO weights):
#: (class, score, (left, top), (right, bottom))
COURSE_PREDICTIONS_0001 = (
    ("car", 0.89, (367, 300), (745, 648)),
    ("car", 0.80, (761, 282), (942, 412)),
    ("car", 0.74, (159, 303), (346, 440)),
    ("car", 0.70, (947, 324), (1280, 705)),
    ("bus", 0.67, (5, 266), (220, 407)),
    ("car", 0.66, (706, 279), (786, 350)),
    ("car", 0.60, (925, 285), (1045, 374)),
    ("car", 0.44, (336, 296), (378, 335)),
    ("car", 0.37, (965, 273), (1022, 292)),
    ("traffic light", 0.36, (681, 195), (692, 214)),
)


def read_classes(classes_path: str | os.PathLike) -> list[str]:
    """The class names of a text file, one per line (``coco_classes.txt``: 80 names).

    Example:
        >>> read_classes(data_path(YOLO_CLASSES))[:3]  # doctest: +SKIP
        ['person', 'bicycle', 'car']
    """
    names = [line.strip() for line in Path(classes_path).read_text().splitlines()]
    names = [name for name in names if name]
    if not names:
        raise CorruptDataError(f"{classes_path} holds no class names (one name per line).")
    return names


def read_anchors(anchors_path: str | os.PathLike) -> np.ndarray:
    """The anchors of a text file of comma-separated numbers, as ``(A, 2)`` ``(w, h)`` pairs
    in grid cells (``yolo_anchors.txt``: 5 anchors).

    Example:
        >>> read_anchors(data_path(YOLO_ANCHORS)).shape  # doctest: +SKIP
        (5, 2)
    """
    text = Path(anchors_path).read_text()
    try:
        values = np.array([float(v) for v in text.replace("\n", ",").split(",") if v.strip()])
    except ValueError as err:
        raise CorruptDataError(f"{anchors_path}: anchors must be numbers ({err}).") from err
    if values.size == 0 or values.size % 2 or np.any(values <= 0):
        raise CorruptDataError(
            f"{anchors_path} must hold positive (width, height) pairs; got {values.size} numbers."
        )
    return values.reshape(-1, 2)


def yolo_filter_boxes(boxes, box_confidence, box_class_probs, threshold: float = 0.6):
    """Keep the boxes whose best class score (confidence × class probability) ≥ threshold.

    Args:
        boxes: ``(19, 19, 5, 4)`` (any leading shape) box corners.
        box_confidence: ``(19, 19, 5, 1)`` probability that an object is there, ``p_c``.
        box_class_probs: ``(19, 19, 5, 80)`` class probabilities.
        threshold: the lowest class score kept.

    Returns:
        ``(scores (None,), boxes (None, 4), classes (None,))`` of the kept boxes; empty
        tensors when no box reaches the threshold.

    Example:
        >>> s, b, c = yolo_filter_boxes(tf.ones((2, 4)), tf.constant([[0.9], [0.2]]),
        ...                             tf.constant([[0.1, 0.9], [0.5, 0.5]]), threshold=0.5)
        >>> [round(float(v), 2) for v in s], c.numpy().tolist()
        ([0.81], [1])
    """
    box_scores = box_confidence * box_class_probs
    box_classes = tf.math.argmax(box_scores, axis=-1)
    box_class_scores = tf.math.reduce_max(box_scores, axis=-1)
    filtering_mask = box_class_scores >= threshold
    scores = tf.boolean_mask(box_class_scores, filtering_mask)
    boxes = tf.boolean_mask(boxes, filtering_mask)
    classes = tf.boolean_mask(box_classes, filtering_mask)
    return scores, boxes, classes


def iou(box1: Sequence[float], box2: Sequence[float]) -> float:
    """Intersection over union of two boxes ``(x1, y1, x2, y2)`` (upper-left, lower-right).

    The course's pure-Python version; :func:`dlspec.cnn.detection.metrics.box_iou` is the
    vectorised one (tests prove they agree). Boxes touching at an edge or a corner have IoU 0;
    two boxes of zero area too.

    Raises:
        ValueError: a box that is not 4 finite numbers, or has ``x2 < x1`` or ``y2 < y1``.

    Example:
        >>> round(iou((2, 1, 4, 3), (1, 2, 3, 4)), 8)
        0.14285714
    """
    for name, box in (("box1", box1), ("box2", box2)):
        if len(box) != 4:
            raise ValueError(f"{name} must be 4 numbers (x1, y1, x2, y2); got {box!r}.")
        for coordinate in box:
            check_finite(coordinate, f"every coordinate of {name}")
        if box[2] < box[0] or box[3] < box[1]:
            raise ValueError(
                f"{name} must have x2 >= x1 and y2 >= y1 (upper-left, lower-right corners); "
                f"got {tuple(box)}."
            )
    (box1_x1, box1_y1, box1_x2, box1_y2) = box1
    (box2_x1, box2_y1, box2_x2, box2_y2) = box2
    xi1, yi1 = max(box1_x1, box2_x1), max(box1_y1, box2_y1)
    xi2, yi2 = min(box1_x2, box2_x2), min(box1_y2, box2_y2)
    inter_area = max(xi2 - xi1, 0) * max(yi2 - yi1, 0)
    box1_area = (box1_x2 - box1_x1) * (box1_y2 - box1_y1)
    box2_area = (box2_x2 - box2_x1) * (box2_y2 - box2_y1)
    union_area = box1_area + box2_area - inter_area
    return float(inter_area / union_area) if union_area > 0 else 0.0


def yolo_non_max_suppression(
    scores, boxes, classes, max_boxes: int = 10, iou_threshold: float = 0.5
):
    """Greedy non-max suppression with ``tf.image.non_max_suppression``, then ``tf.gather``.

    As in the course, suppression ignores the classes: a box overlapping a higher-scored box
    of another class by more than ``iou_threshold`` is removed too.

    Args:
        scores: ``(None,)`` scores.
        boxes: ``(None, 4)`` corners ``[y_min, x_min, y_max, x_max]``.
        classes: ``(None,)`` class indices.
        max_boxes: most boxes kept.
        iou_threshold: boxes overlapping a kept box by more than this are removed.

    Returns:
        ``(scores, boxes, classes)`` of at most ``max_boxes`` boxes, best first.

    Example:
        >>> s, b, c = yolo_non_max_suppression(tf.constant([0.9, 0.8]),
        ...     tf.constant([[0.0, 0, 1, 1], [0, 0.1, 1, 1.1]]), tf.constant([0, 0]))
        >>> s.shape, c.numpy().tolist()
        (TensorShape([1]), [0])
    """
    check_positive(max_boxes, "max_boxes", integer=True)
    iou_threshold = check_probability(iou_threshold, "iou_threshold", allow_one=True)
    scores = tf.convert_to_tensor(scores, tf.float32)
    boxes = tf.convert_to_tensor(boxes, tf.float32)
    nms_indices = tf.image.non_max_suppression(
        boxes, scores, int(max_boxes), iou_threshold=iou_threshold
    )
    return (
        tf.gather(scores, nms_indices),
        tf.gather(boxes, nms_indices),
        tf.gather(classes, nms_indices),
    )


def scale_boxes(boxes, image_shape):
    """Corners in fractions of the image → pixels: multiply by ``[h, w, h, w]``.

    Example:
        >>> scale_boxes(tf.constant([[0.5, 0.25, 1.0, 0.5]]), (720, 1280)).numpy()
        array([[360., 320., 720., 640.]], dtype=float32)
    """
    height = float(image_shape[0])
    width = float(image_shape[1])
    image_dims = tf.reshape(tf.constant([height, width, height, width], boxes.dtype), [1, 4])
    return boxes * image_dims


def yolo_eval(
    yolo_outputs,
    image_shape=(720, 1280),
    max_boxes: int = 10,
    score_threshold: float = 0.6,
    iou_threshold: float = 0.5,
):
    """From :func:`yolo_head`'s outputs to the final boxes: corners, filtering, scaling, NMS.

    Args:
        yolo_outputs: ``(box_xy, box_wh, box_confidence, box_class_probs)``, for one image
            (a batch axis of 1 is fine: filtering flattens everything).
        image_shape: ``(height, width)`` of the original image, in pixels.
        max_boxes: most boxes kept by non-max suppression.
        score_threshold: lowest class score kept by :func:`yolo_filter_boxes`.
        iou_threshold: NMS overlap threshold.

    Returns:
        ``(scores (k,), boxes (k, 4), classes (k,))``, boxes as ``[y_min, x_min, y_max,
        x_max]`` pixels, ``k <= max_boxes`` (0 when nothing reaches the threshold).

    Example:
        >>> outputs = yolo_head(tf.zeros((1, 2, 2, 7)), [[1.0, 1.0]], 2)
        >>> scores, boxes, classes = yolo_eval(outputs, (100, 200), score_threshold=0.2)
        >>> scores.shape, boxes[0].numpy().tolist()
        (TensorShape([4]), [0.0, 0.0, 50.0, 100.0])
    """
    if len(yolo_outputs) != 4:
        raise ValueError(
            "yolo_outputs must be (box_xy, box_wh, box_confidence, box_class_probs) as "
            f"yolo_head returns; got {len(yolo_outputs)} items."
        )
    box_xy, box_wh, box_confidence, box_class_probs = yolo_outputs
    boxes = yolo_boxes_to_corners(box_xy, box_wh)
    scores, boxes, classes = yolo_filter_boxes(
        boxes, box_confidence, box_class_probs, threshold=score_threshold
    )
    boxes = scale_boxes(boxes, image_shape)
    return yolo_non_max_suppression(scores, boxes, classes, max_boxes, iou_threshold)


def preprocess_image(img_path: str | os.PathLike, model_image_size=(608, 608)):
    """Read an image, convert it to RGB, resize it (bicubic) and scale it to [0, 1].

    Any size is accepted (the course's road photos are 1280×720): it is resized to
    ``model_image_size`` without keeping the aspect ratio, as the course does; boxes are then
    scaled back to the original size by :func:`yolo_eval`. Grey, palette, RGBA and CMYK
    images are converted to RGB (alpha dropped); other modes (16-bit, float) are refused.

    Args:
        img_path: the image file.
        model_image_size: ``(height, width)`` the model takes.

    Returns:
        ``(image, image_data)``: the original RGB ``PIL.Image`` and a float32 ``(1, height,
        width, 3)`` array.

    Raises:
        FileNotFoundError: no such file.
        CorruptDataError: not a readable image.
        ValueError: an image mode that cannot be converted to 8-bit RGB.

    Example:
        >>> image, data = preprocess_image(data_path(YOLO_IMAGE))  # doctest: +SKIP
        >>> image.size, data.shape  # doctest: +SKIP
        ((1280, 720), (1, 608, 608, 3))
    """
    image = check_eight_bit(open_image(img_path), img_path)
    image = image.convert("RGB")
    height, width = (int(v) for v in model_image_size)
    resized_image = image.resize((width, height), Image.BICUBIC)
    image_data = np.array(resized_image, dtype="float32") / 255.0
    return image, np.expand_dims(image_data, 0)
