"""C4W3A1 "Car detection with YOLO": decoding YOLOv2's output into boxes (lab ``c4w3-yolo``).

The lab's functions with the course's names, in TensorFlow: :func:`yolo_head` turns the raw
``(m, 19, 19, 425)`` output of YOLOv2 608 into box centres, sizes, confidences and class
probabilities (with the 5 anchors of ``yolo_anchors.txt``); :func:`yolo_eval` turns those into
at most 10 boxes: :func:`yolo_boxes_to_corners`, :func:`yolo_filter_boxes` (score =
confidence × class probability ≥ threshold), :func:`scale_boxes` to the image's pixels, and
:func:`yolo_non_max_suppression`. :func:`iou` is the course's pure-Python IoU. Around them:
:func:`read_classes`, :func:`read_anchors`, :func:`preprocess_image`, :func:`draw_boxes` and
:func:`predict`, which runs any model with that output on an image file.

Layout of the 85 numbers of an anchor: YOLOv2 (darknet, yad2k) stores ``t_x, t_y, t_w, t_h,
t_o`` then the 80 class scores; the course's figure draws ``p_c`` first, but its code (and
:func:`yolo_head` here) reads the darknet order.

Weights: the course loads a YOLOv2 608 COCO SavedModel (50.9 M parameters) that cannot be
downloaded from Keras. :func:`dlspec.cnn.yolo_v2.yolo_v2_model` builds the network; a user
loads weights from a file. Without them, :func:`run` says so, grades the decoding pipeline on
the course's golden values, and trains a small YOLO-style detector from scratch on generated
shapes (:mod:`dlspec.cnn.shapes_detector`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import tensorflow as tf
from PIL import Image

from dlspec.data.images import check_eight_bit, open_image
from dlspec.data.paths import CorruptDataError, data_path
from dlspec.labs import LabResult

__all__ = [
    "COURSE_PREDICTIONS_0001",
    "YOLO_CLASSES",
    "YOLO_ANCHORS",
    "draw_boxes",
    "iou",
    "predict",
    "preprocess_image",
    "read_anchors",
    "read_classes",
    "run",
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

    The course's pure-Python version; :func:`dlspec.cnn.detection_metrics.box_iou` is the
    vectorised one (tests prove they agree). Boxes touching at an edge or a corner have IoU 0;
    two boxes of zero area too.

    Raises:
        ValueError: a box that is not 4 numbers, or has ``x2 < x1`` or ``y2 < y1``.

    Example:
        >>> round(iou((2, 1, 4, 3), (1, 2, 3, 4)), 8)
        0.14285714
    """
    for name, box in (("box1", box1), ("box2", box2)):
        if len(box) != 4:
            raise ValueError(f"{name} must be 4 numbers (x1, y1, x2, y2); got {box!r}.")
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
    if max_boxes < 1:
        raise ValueError(f"max_boxes must be >= 1; got {max_boxes}.")
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


def yolo_boxes_to_corners(box_xy, box_wh):
    """Centres and sizes ``(x, y)``, ``(w, h)`` → corners ``[y_min, x_min, y_max, x_max]``.

    Example:
        >>> yolo_boxes_to_corners(tf.constant([[0.5, 0.5]]), tf.constant([[0.2, 0.4]])).numpy()
        array([[0.3, 0.4, 0.7, 0.6]], dtype=float32)
    """
    box_mins = box_xy - (box_wh / 2.0)
    box_maxes = box_xy + (box_wh / 2.0)
    return tf.concat(
        [box_mins[..., 1:2], box_mins[..., 0:1], box_maxes[..., 1:2], box_maxes[..., 0:1]],
        axis=-1,
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


def yolo_head(feats, anchors, num_classes: int):
    """Decode YOLOv2's raw output into box centres, sizes, confidences and class
    probabilities.

    For anchor ``(p_w, p_h)`` of the cell in column ``c_x`` and row ``c_y`` of an ``S_h × S_w``
    grid: ``x = (σ(t_x) + c_x) / S_w``, ``y = (σ(t_y) + c_y) / S_h``, ``w = p_w e^{t_w} / S_w``,
    ``h = p_h e^{t_h} / S_h`` (fractions of the image), confidence ``σ(t_o)``, class
    probabilities ``softmax`` of the class scores.

    Args:
        feats: ``(m, S_h, S_w, A·(5 + C))`` (YOLOv2's output, ``(m, 19, 19, 425)``) or
            ``(m, S_h, S_w, A, 5 + C)``.
        anchors: ``(A, 2)`` anchor ``(w, h)`` in grid cells.
        num_classes: ``C``.

    Returns:
        ``(box_xy, box_wh, box_confidence, box_class_probs)`` of shapes ``(m, S_h, S_w, A,
        2)``, ``(..., 2)``, ``(..., 1)`` and ``(..., C)``.

    Raises:
        ValueError: ``feats``' last axis does not hold ``A·(5 + C)`` numbers.

    Example:
        >>> xy, wh, conf, probs = yolo_head(tf.zeros((1, 2, 2, 7)), [[1.0, 1.0]], 2)
        >>> xy[0, 1, 0, 0].numpy().tolist(), wh[0, 0, 0, 0].numpy().tolist()
        ([0.25, 0.75], [0.5, 0.5])
    """
    feats = tf.convert_to_tensor(feats)
    anchors = np.asarray(anchors, dtype=np.float32).reshape(-1, 2)
    num_anchors = len(anchors)
    depth = num_anchors * (5 + num_classes)
    if feats.shape.rank not in (4, 5) or int(np.prod(feats.shape[3:])) != depth:
        raise ValueError(
            f"feats must be (m, S, S, {depth}) or (m, S, S, {num_anchors}, {5 + num_classes}) "
            f"for {num_anchors} anchors and {num_classes} classes; got {tuple(feats.shape)}."
        )
    rows, cols = tf.shape(feats)[1], tf.shape(feats)[2]
    feats = tf.reshape(feats, [-1, rows, cols, num_anchors, 5 + num_classes])
    col_index, row_index = tf.meshgrid(tf.range(cols), tf.range(rows))
    conv_index = tf.cast(tf.stack([col_index, row_index], axis=-1), feats.dtype)
    conv_index = conv_index[None, :, :, None, :]  # (1, S_h, S_w, 1, 2) as (x, y)
    conv_dims = tf.cast(tf.stack([cols, rows]), feats.dtype)
    anchors_tensor = tf.constant(anchors.reshape(1, 1, 1, num_anchors, 2), feats.dtype)

    box_xy = (tf.sigmoid(feats[..., :2]) + conv_index) / conv_dims
    box_wh = tf.exp(feats[..., 2:4]) * anchors_tensor / conv_dims
    box_confidence = tf.sigmoid(feats[..., 4:5])
    box_class_probs = tf.nn.softmax(feats[..., 5:])
    return box_xy, box_wh, box_confidence, box_class_probs


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


def draw_boxes(image, boxes, box_classes, class_names: Sequence[str], scores=None):
    """Draw ``yolo_eval``'s boxes with "class score" labels; returns a new ``PIL.Image``.

    The course draws on ``image`` in place with a font file; this draws on a copy with
    Pillow's built-in font (see :func:`dlspec.viz.boxes.draw_detections`).

    Example:
        >>> out = draw_boxes(Image.new("RGB", (64, 64)), np.array([[8, 8, 40, 40]]), [0],
        ...                  ["car"], [0.9])
        >>> out.size
        (64, 64)
    """
    from dlspec.viz.boxes import draw_detections

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
    :func:`yolo_head` and keeps boxes with :func:`yolo_eval` (10 boxes, score 0.3, IoU 0.5 as
    the course), prints how many boxes were found and, with ``out_path``, saves the image with
    its boxes as PNG.

    Args:
        model: a callable (Keras model) mapping ``(1, H, W, 3)`` images in [0, 1] to
            ``(1, S, S, A·(5 + C))`` or ``(1, S, S, A, 5 + C)``.
        image_path: the image.
        class_names: default: the course's ``coco_classes.txt`` (from ``DLSPEC_DATA_DIR``).
        anchors: default: the course's ``yolo_anchors.txt``.
        out_path: PNG to write with the boxes drawn, or ``None``.
        max_boxes, score_threshold, iou_threshold: as :func:`yolo_eval`.

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
        from dlspec.viz.images import save_png

        save_png(draw_boxes(image, out_boxes, out_classes, class_names, out_scores), out_path)
    return out_scores, out_boxes, out_classes


def _match_course_table(boxes, classes, class_names) -> float:
    """Fraction of the course's 10 boxes on 0001.jpg found (same class, IoU >= 0.5)."""
    from dlspec.cnn.detection_metrics import box_iou

    hits = 0
    for name, _, (left, top), (right, bottom) in COURSE_PREDICTIONS_0001:
        same = [i for i, c in enumerate(classes) if class_names[int(c)] == name]
        if same and box_iou([[top, left, bottom, right]], boxes[same]).max() >= 0.5:
            hits += 1
    return hits / len(COURSE_PREDICTIONS_0001)


def _yolo_v2_part(result: LabResult, out_dir: Path, data, weights, class_names, anchors) -> None:
    """Run YOLOv2 on 0001.jpg when weights are found; otherwise say why nothing is drawn."""
    from dlspec.cnn.yolo_v2 import (
        YOLO_V2_WEIGHTS,
        load_yolo_v2_weights,
        resolve_yolo_v2_weights,
        yolo_v2_model,
    )
    from dlspec.weights import WeightsNotFoundError

    try:
        resolved = resolve_yolo_v2_weights(weights)
    except WeightsNotFoundError:
        if weights is not None:
            raise
        resolved = None
        result.notes.append(
            "NO PRETRAINED YOLOv2 WEIGHTS: the course's YOLOv2 608 COCO model cannot be "
            f"downloaded, and {YOLO_V2_WEIGHTS.name} is neither in $DLSPEC_WEIGHTS_DIR nor in "
            "the Keras cache. The course's detections on images/0001.jpg are NOT reproduced "
            "and nothing is drawn on it; the decoding pipeline is graded on the golden values "
            "and shown on a detector trained from scratch on generated shapes. Pass --weights "
            "FILE (saved from dlspec.cnn.yolo_v2.yolo_v2_model) to run YOLOv2 on 0001.jpg."
        )
    model = yolo_v2_model()
    params = model.count_params()
    result.metrics["YOLOv2 608 parameters (millions)"] = params / 1e6
    result.notes.append(f"YOLOv2 608 builder: {params:,} parameters (the course's 50.9 M).")
    if resolved is None:
        return
    load_yolo_v2_weights(model, resolved)
    result.notes.append(f"YOLOv2 weights: {resolved}.")
    image_path = data_path(YOLO_IMAGE, root=data)
    figure = out_dir / "0001_detections.png"
    scores, boxes, classes = predict(
        model, image_path, class_names=class_names, anchors=anchors, out_path=figure
    )
    result.figures.append(figure)
    result.metrics["course boxes found on 0001.jpg (IoU >= 0.5, same class)"] = _match_course_table(
        boxes, classes, class_names
    )
    for score, box, cls in zip(scores, boxes, classes):
        top, left, bottom, right = (int(round(v)) for v in box)
        result.notes.append(
            f"0001.jpg: {class_names[int(cls)]} {score:.2f} ({left}, {top}) ({right}, {bottom})"
        )


def run(
    *,
    quick: bool = False,
    out_dir: str | Path = "reports/c4w3-yolo",
    data: str | os.PathLike | None = None,
    weights: str | os.PathLike | None = None,
) -> LabResult:
    """Reproduce the lab: golden values of the pipeline, YOLOv2 if weights exist, and a
    YOLO-style detector trained from scratch on generated shapes.

    1. The golden cases (``yolo_filter_boxes``, ``iou``, ``yolo_eval``, ...).
    2. The course's class names and anchors (from ``data`` or ``DLSPEC_DATA_DIR``); the
       YOLOv2 608 builder's parameter count. With weights (``weights=`` or
       ``$DLSPEC_WEIGHTS_DIR/yolo_v2_608_coco.weights.h5``): ``predict`` on
       ``images/0001.jpg``, the drawn boxes, and how many of the course's 10 boxes are found.
       Without: a note saying so (nothing is drawn on the road photo).
    3. The shapes detector (:func:`dlspec.cnn.shapes_detector.shapes_experiment`): mAP@0.5
       on 200 held-out generated images and a figure of detections. ``quick=True`` trains on
       1000 images for 8 epochs (its metric name says so), the full run on 3000 for 15.

    Example:
        >>> result = run(quick=True)  # doctest: +SKIP
        >>> result.metrics["golden cases passed"]  # doctest: +SKIP
        1.0
    """
    from dlspec.cnn.shapes_detector import shapes_experiment
    from dlspec.grading import check_lab

    out_dir = Path(out_dir)
    result = LabResult("c4w3-yolo")
    golden = check_lab("c4w3-yolo")
    result.metrics["golden cases passed"] = golden.metrics["golden cases passed"]
    result.notes.extend(f"golden {note}" for note in golden.notes if " pass" not in note)

    class_names = read_classes(data_path(YOLO_CLASSES, root=data))
    anchors = read_anchors(data_path(YOLO_ANCHORS, root=data))
    result.notes.append(
        f"{len(class_names)} classes ({', '.join(class_names[:3])}, ...); anchors (w, h) in "
        f"grid cells: {anchors.round(5).tolist()}."
    )
    _yolo_v2_part(result, out_dir, data, weights, class_names, anchors)

    n_train, epochs = (1000, 8) if quick else (3000, 15)
    shapes = shapes_experiment(n_train=n_train, epochs=epochs, seed=0, out_dir=out_dir)
    suffix = f" ({epochs} epochs, {n_train} images)" if quick else ""
    result.metrics[f"shapes detector held-out mAP@0.5{suffix}"] = shapes.scores.mean_ap
    for name, ap in zip(("rectangle", "ellipse", "triangle"), shapes.scores.ap):
        result.metrics[f"shapes detector held-out AP@0.5, {name}{suffix}"] = float(ap)
    result.metrics["shapes detector training seconds"] = shapes.seconds
    result.figures.append(shapes.figure)
    result.notes.append(
        f"Shapes detector: {n_train} generated training images (rectangles, ellipses, "
        f"triangles on noisy backgrounds), {epochs} epochs of the YOLOv2 loss through "
        f"dlspec.training.Trainer; final loss {shapes.history['loss'][-1]:.3f}; decoded with "
        "this lab's yolo_head and yolo_eval; mAP@0.5 (VOC all-point) on 200 held-out images."
    )
    return result
