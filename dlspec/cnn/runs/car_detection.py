"""Runner of lab c4w3-yolo (car detection with YOLO): the steps `dlspec run c4w3-yolo` runs.

1. The golden cases of the decoding pipeline (``yolo_filter_boxes``, ``iou``, ``yolo_eval``, ...).
2. The course's class names and anchors (from the ``data`` option or ``DLSPEC_DATA_DIR``).
3. The YOLOv2 608 builder's parameter count. With weights (the ``weights`` option or
   ``$DLSPEC_WEIGHTS_DIR/yolo_v2_608_coco.weights.h5``): ``predict`` on ``images/0001.jpg``,
   the drawn boxes, and how many of the course's 10 boxes are found. Without: a note saying so
   (nothing is drawn on the road photo).
4. A YOLO-style detector trained from scratch on generated shapes (:func:`shapes_experiment`):
   mAP@0.5 on 200 held-out generated images and a figure of detections. A quick run trains on
   1000 images for 5 epochs (its metric names say so), the full run on 3000 for 15.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from dlspec.cnn.detection.car_detection import (
    COURSE_PREDICTIONS_0001,
    YOLO_ANCHORS,
    YOLO_CLASSES,
    YOLO_IMAGE,
    read_anchors,
    read_classes,
)
from dlspec.cnn.detection.metrics import DetectionScores, box_iou, evaluate_detections
from dlspec.cnn.detection.predict import predict
from dlspec.cnn.detection.shapes_detector import IMAGE_SIZE, detect, train_shapes_detector
from dlspec.cnn.detection.yolo_v2 import (
    YOLO_V2_WEIGHTS,
    load_yolo_v2_weights,
    resolve_yolo_v2_weights,
    yolo_v2_model,
)
from dlspec.data.paths import data_path
from dlspec.data.shapes import SHAPE_CLASSES, ShapesData, make_shapes
from dlspec.grading import check_lab
from dlspec.labs import LabRun
from dlspec.viz.boxes import draw_detections
from dlspec.viz.images import plot_image_grid
from dlspec.weights import WeightsNotFoundError

__all__ = ["STEPS", "ShapesRun", "draw_shapes_detections", "shapes_experiment"]

#: (training images, epochs) of the shapes detector in quick and full runs
SHAPES_QUICK, SHAPES_FULL = (1000, 5), (3000, 15)


@dataclass
class ShapesRun:
    """What :func:`shapes_experiment` measured and drew."""

    scores: DetectionScores
    history: dict
    seconds: float
    figure: Path | None = None


def shapes_experiment(
    *,
    n_train: int,
    n_test: int = 200,
    epochs: int,
    seed: int = 0,
    out_dir: str | Path | None = None,
    verbose: int = 0,
) -> ShapesRun:
    """Generate shapes, train the detector, score mAP@0.5 on held-out images, draw some.

    Training and held-out images come from different seeds (``seed`` and ``seed + 1000``).
    mAP uses a low score threshold (0.05, up to 20 boxes per image) as detection benchmarks
    do; the drawings use 0.3, the course's ``predict`` threshold.

    Returns:
        A :class:`ShapesRun`; with ``out_dir``, ``figure`` is a PNG of 8 held-out images with
        their detections.

    Example:
        >>> run = shapes_experiment(n_train=1000, epochs=8)  # doctest: +SKIP
        >>> run.scores.mean_ap > 0.5  # doctest: +SKIP
        True
    """
    train = make_shapes(n_train, image_size=IMAGE_SIZE, seed=seed)
    test = make_shapes(n_test, image_size=IMAGE_SIZE, seed=seed + 1000)
    start = time.perf_counter()
    model, history = train_shapes_detector(train, epochs=epochs, seed=seed, verbose=verbose)
    seconds = time.perf_counter() - start
    found = detect(model, test.images, score_threshold=0.05, max_boxes=20)
    truths = [test.objects(i) for i in range(len(test))]
    scores = evaluate_detections(found, truths, len(SHAPE_CLASSES))
    result = ShapesRun(scores, history, seconds)
    if out_dir is not None:
        result.figure = draw_shapes_detections(model, test, Path(out_dir) / "shapes_detections.png")
    return result


def draw_shapes_detections(
    model: keras.Model, test: ShapesData, path: Path, count: int = 8
) -> Path:
    """Held-out images with the detections (score ≥ 0.3) drawn, in a grid PNG."""
    found = detect(model, test.images[:count])
    scale = 4  # draw on enlarged images so the labels are readable
    drawn, titles = [], []
    for i, (boxes, scores, classes) in enumerate(found):
        big = tf.image.resize(test.images[i], [IMAGE_SIZE * scale] * 2, "nearest").numpy()
        picture = draw_detections(
            big, boxes * scale, classes, SHAPE_CLASSES, scores, thickness=2, font_size=22
        )
        drawn.append(np.asarray(picture))
        true_names = [SHAPE_CLASSES[c][:4] for c in test.objects(i)[1]]
        titles.append("truth: " + ", ".join(true_names))
    return plot_image_grid(np.stack(drawn), titles, path, ncols=4)


def _match_course_table(boxes, classes, class_names) -> float:
    """Fraction of the course's 10 boxes on 0001.jpg found (same class, IoU >= 0.5)."""
    hits = 0
    for name, _, (left, top), (right, bottom) in COURSE_PREDICTIONS_0001:
        same = [i for i, c in enumerate(classes) if class_names[int(c)] == name]
        if same and box_iou([[top, left, bottom, right]], boxes[same]).max() >= 0.5:
            hits += 1
    return hits / len(COURSE_PREDICTIONS_0001)


def grade(run: LabRun) -> None:
    """Grade the decoding pipeline on the course's golden values."""
    golden = check_lab(run.lab_id)
    run.result.metrics["golden cases passed"] = golden.metrics["golden cases passed"]
    run.result.notes.extend(f"golden {note}" for note in golden.notes if " pass" not in note)


def load_course_files(run: LabRun) -> None:
    """Read the course's 80 class names and 5 anchors."""
    data = run.options.get("data")
    class_names = read_classes(data_path(YOLO_CLASSES, root=data))
    anchors = read_anchors(data_path(YOLO_ANCHORS, root=data))
    run.state.update(class_names=class_names, anchors=anchors)
    run.result.notes.append(
        f"{len(class_names)} classes ({', '.join(class_names[:3])}, ...); anchors (w, h) in "
        f"grid cells: {anchors.round(5).tolist()}."
    )


def detect_with_yolo_v2(run: LabRun) -> None:
    """Build YOLOv2 608; with its weights, detect the objects of images/0001.jpg."""
    result, weights = run.result, run.options.get("weights")
    class_names, anchors = run.state["class_names"], run.state["anchors"]
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
            "FILE (saved from dlspec.cnn.detection.yolo_v2.yolo_v2_model) to run YOLOv2 on "
            "0001.jpg."
        )
    model = yolo_v2_model()
    params = model.count_params()
    result.metrics["YOLOv2 608 parameters (millions)"] = params / 1e6
    result.notes.append(f"YOLOv2 608 builder: {params:,} parameters (the course's 50.9 M).")
    if resolved is None:
        return
    load_yolo_v2_weights(model, resolved)
    result.notes.append(f"YOLOv2 weights: {resolved}.")
    image_path = data_path(YOLO_IMAGE, root=run.options.get("data"))
    figure = run.out_dir / "0001_detections.png"
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


def detect_shapes(run: LabRun) -> None:
    """Train a YOLO-style detector on generated shapes; score its held-out mAP@0.5."""
    n_train, epochs = SHAPES_QUICK if run.quick else SHAPES_FULL
    shapes = shapes_experiment(n_train=n_train, epochs=epochs, seed=0, out_dir=run.out_dir)
    result = run.result
    suffix = f" ({epochs} epochs, {n_train} images)" if run.quick else ""
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


STEPS = (grade, load_course_files, detect_with_yolo_v2, detect_shapes)
