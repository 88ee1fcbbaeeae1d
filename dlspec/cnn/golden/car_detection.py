"""Golden cases of C4W3A1 "Car detection with YOLO" (lab ``c4w3-yolo``).

From the spec (the course's public tests): ``yolo_filter_boxes`` on the seeded recipe
(``tf.random.set_seed(10)``, each tensor ``tf.random.normal(shape, mean=1, stddev=4,
seed=1)``: box_confidence, boxes, box_class_probs) keeps 1789 boxes, with ``scores[2] =
9.270486``, ``boxes[2] = [4.6399336, 3.2303846, 4.431282, -2.202031]``, ``classes[2] = 8``;
``iou`` on four box pairs.

Derived here, honestly: ``yolo_boxes_to_corners``, ``scale_boxes``, ``yolo_head`` and
``yolo_non_max_suppression`` on small inputs computed by hand, and ``yolo_eval`` on the same
seeded recipe (box_xy, box_wh ``[19,19,5,2]``, box_confidence ``[19,19,5,1]``,
box_class_probs ``[19,19,5,80]``, default arguments). The ``yolo_eval`` values come from an
independent NumPy implementation (float64 filtering and a brute-force greedy NMS in
``tests/cnn/test_car_detection.py``, which recomputes them); its ``scores[2] = 171.60194``,
``boxes[2] = [-1240.3483, -3212.5881, -645.78, 2024.3052]``, ``classes[2] = 16`` are also the
values the course's notebook prints.

>>> from dlspec.grading import check_lab
>>> check_lab("c4w3-yolo").metrics["golden cases passed"]  # doctest: +SKIP
1.0
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from dlspec.grading.generated import GeneratedCase, distinct_sizes, position_coded
from dlspec.grading.golden import GoldenCase

__all__ = ["CASES", "GENERATED", "YOLO_EVAL_EXPECTED", "seeded_normal"]


def seeded_normal(*shapes: list[int]) -> list[tf.Tensor]:
    """The course's recipe: ``tf.random.set_seed(10)`` then one ``tf.random.normal(shape,
    mean=1, stddev=4, seed=1)`` per shape, in order."""
    tf.random.set_seed(10)
    return [tf.random.normal(shape, mean=1, stddev=4, seed=1) for shape in shapes]


def _filter_inputs() -> tuple[tuple, dict]:
    box_confidence, boxes, box_class_probs = seeded_normal(
        [19, 19, 5, 1], [19, 19, 5, 4], [19, 19, 5, 80]
    )
    return (boxes, box_confidence, box_class_probs), {"threshold": 0.5}


def _eval_inputs() -> tuple[tuple, dict]:
    outputs = seeded_normal([19, 19, 5, 2], [19, 19, 5, 2], [19, 19, 5, 1], [19, 19, 5, 80])
    return (tuple(outputs),), {}


def _shapes_and_item(index: int):
    def select(out):
        scores, boxes, classes = (np.asarray(t) for t in out)
        return (
            scores.shape,
            boxes.shape,
            classes.shape,
            scores[index],
            boxes[index],
            classes[index],
        )

    return select


def _iou_case(box1, box2, expected: float) -> GoldenCase:
    return GoldenCase(
        "iou",
        lambda: ((box1, box2), {}),
        expected,
        name=f"iou{box1}{box2}",
        atol=1e-8,
    )


#: ``yolo_eval`` on the seeded recipe: (scores, classes, boxes[2]) of the 10 boxes kept
YOLO_EVAL_EXPECTED = {
    "scores": [
        174.16409175,
        171.88335329,
        171.60194365,
        153.03521057,
        142.66139635,
        137.75562477,
        137.18059886,
        136.07318767,
        133.38444861,
        133.06157172,
    ],
    "classes": [20, 29, 16, 57, 72, 52, 75, 23, 17, 61],
    "boxes[2]": [-1240.34831285, -3212.5881958, -645.78003645, 2024.30511475],
}


def _head_inputs() -> tuple[tuple, dict]:
    return (tf.zeros((1, 2, 2, 14)), [[1.0, 1.0], [2.0, 3.0]], 2), {}


def _nms_inputs() -> tuple[tuple, dict]:
    scores = tf.constant([0.9, 0.8, 0.7])
    boxes = tf.constant([[0.0, 0.0, 1.0, 1.0], [0.0, 0.1, 1.0, 1.1], [0.0, 2.0, 1.0, 3.0]])
    return (scores, boxes, tf.constant([2, 2, 5])), {}


CASES = {
    "c4w3-yolo": [
        GoldenCase(
            "yolo_filter_boxes",
            _filter_inputs,
            ((1789,), (1789, 4), (1789,), 9.270486, [4.6399336, 3.2303846, 4.431282, -2.202031], 8),
            select=_shapes_and_item(2),
            rtol=1e-6,
            atol=1e-6,
        ),
        _iou_case((2, 1, 4, 3), (1, 2, 3, 4), 0.14285714),
        _iou_case((1, 2, 3, 4), (5, 6, 7, 8), 0.0),
        _iou_case((1, 1, 2, 2), (2, 2, 3, 3), 0.0),
        _iou_case((1, 1, 3, 3), (2, 3, 3, 4), 0.0),
        GoldenCase(
            "yolo_boxes_to_corners",
            lambda: ((tf.constant([[0.5, 0.5], [0.25, 0.75]]), tf.constant([[0.2, 0.4]] * 2)), {}),
            [[0.3, 0.4, 0.7, 0.6], [0.55, 0.15, 0.95, 0.35]],
        ),
        GoldenCase(
            "scale_boxes",
            lambda: ((tf.constant([[0.1, 0.2, 0.3, 0.4], [0.0, 0.0, 1.0, 1.0]]), (720, 1280)), {}),
            [[72.0, 256.0, 216.0, 512.0], [0.0, 0.0, 720.0, 1280.0]],
        ),
        GoldenCase(
            "yolo_head",
            _head_inputs,
            ([0.25, 0.75], [1.0, 1.5], [0.5], [0.5, 0.5], (1, 2, 2, 2, 2)),
            select=lambda out: (
                out[0][0, 1, 0, 1],
                out[1][0, 0, 0, 1],
                out[2][0, 1, 1, 0],
                out[3][0, 0, 1, 1],
                tuple(out[0].shape),
            ),
        ),
        GoldenCase(
            "yolo_non_max_suppression",
            _nms_inputs,
            ([0.9, 0.7], [[0.0, 0.0, 1.0, 1.0], [0.0, 2.0, 1.0, 3.0]], [2, 5]),
        ),
        GoldenCase(
            "yolo_eval",
            _eval_inputs,
            (
                YOLO_EVAL_EXPECTED["scores"],
                (10, 4),
                YOLO_EVAL_EXPECTED["classes"],
                YOLO_EVAL_EXPECTED["boxes[2]"],
            ),
            select=lambda out: (out[0], tuple(out[1].shape), out[2], out[1][2]),
            rtol=1e-5,
            atol=1e-3,
        ),
    ]
}


def _gen_grid(rng: np.random.Generator) -> tuple[int, int, int, int]:
    """Grid height, width, anchors and classes, all different (the course's: 19, 19, 5, 80)."""
    return tuple(distinct_sizes(rng, 4, 2, 9))


def _gen_filter(rng: np.random.Generator) -> tuple[tuple, dict]:
    h, w, anchors, classes = _gen_grid(rng)
    box_confidence = 0.5 + 0.5 * rng.permuted(position_coded(rng, (h, w, anchors, 1)))
    boxes = position_coded(rng, (h, w, anchors, 4), 3.0)
    probs = 0.5 + 0.5 * rng.permuted(position_coded(rng, (h, w, anchors, classes)))
    tensors = [tf.constant(x, tf.float32) for x in (boxes, box_confidence, probs)]
    return tuple(tensors), {"threshold": float(rng.uniform(0.3, 0.7))}


def _gen_box(rng: np.random.Generator) -> tuple[float, float, float, float]:
    x1, y1 = (float(v) for v in rng.uniform(0, 4, 2))
    return (x1, y1, x1 + float(rng.uniform(0.5, 3)), y1 + float(rng.uniform(0.5, 3)))


def _gen_corner_boxes(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.array([_gen_box(rng) for _ in range(n)], np.float32)


def _gen_nms(rng: np.random.Generator) -> tuple[tuple, dict]:
    n = int(rng.integers(6, 15))
    scores = tf.constant(rng.permuted(np.linspace(0.3, 0.95, n)), tf.float32)
    classes = tf.constant(rng.integers(0, 5, n), tf.int64)
    boxes = tf.constant(_gen_corner_boxes(rng, n))
    kwargs = {"max_boxes": int(rng.integers(2, n)), "iou_threshold": float(rng.uniform(0.2, 0.6))}
    return (scores, boxes, classes), kwargs


def _gen_xy_wh(rng: np.random.Generator, n: int) -> tuple[tf.Tensor, tf.Tensor]:
    xy = 0.5 + 0.4 * position_coded(rng, (n, 2))
    wh = 0.3 + 0.2 * rng.permuted(position_coded(rng, (n, 2)))
    return tf.constant(xy, tf.float32), tf.constant(wh, tf.float32)


def _gen_eval(rng: np.random.Generator) -> tuple[tuple, dict]:
    h, w, anchors, classes = _gen_grid(rng)
    shape = (h, w, anchors)
    xy = position_coded(rng, (*shape, 2))
    wh = 0.2 + 0.1 * rng.permuted(position_coded(rng, (*shape, 2)))
    confidence = 0.5 + 0.5 * rng.permuted(position_coded(rng, (*shape, 1)))
    probs = 0.5 + 0.5 * rng.permuted(position_coded(rng, (*shape, classes)))
    outputs = tuple(tf.constant(x, tf.float32) for x in (xy, wh, confidence, probs))
    image_shape = tuple(float(s) for s in distinct_sizes(rng, 2, 100, 900))
    kwargs = {"image_shape": image_shape, "max_boxes": int(rng.integers(3, 8))}
    return (outputs,), kwargs


def _gen_head(rng: np.random.Generator) -> tuple[tuple, dict]:
    h, w, anchors, classes = _gen_grid(rng)
    feats = position_coded(rng, (1, h, w, anchors * (5 + classes)), 2.0)
    anchor_sizes = (0.5 + position_coded(rng, (anchors, 2)) ** 2).tolist()
    return (tf.constant(feats, tf.float32), anchor_sizes, classes), {}


GENERATED = {
    "c4w3-yolo": [
        GeneratedCase("yolo_filter_boxes", _gen_filter, rtol=1e-6, atol=1e-6),
        GeneratedCase("iou", lambda rng: ((_gen_box(rng), _gen_box(rng)), {}), atol=1e-8),
        GeneratedCase("yolo_non_max_suppression", _gen_nms, rtol=1e-6, atol=1e-6),
        GeneratedCase(
            "scale_boxes",
            lambda rng: (
                (
                    tf.constant(_gen_corner_boxes(rng, int(rng.integers(2, 7))) / 8),
                    tuple(float(s) for s in distinct_sizes(rng, 2, 100, 900)),
                ),
                {},
            ),
            rtol=1e-6,
            atol=1e-4,
        ),
        GeneratedCase("yolo_eval", _gen_eval, rtol=1e-5, atol=1e-3),
        GeneratedCase(
            "yolo_boxes_to_corners",
            lambda rng: (_gen_xy_wh(rng, int(rng.integers(2, 9))), {}),
            rtol=1e-6,
            atol=1e-6,
        ),
        GeneratedCase("yolo_head", _gen_head, rtol=1e-5, atol=1e-6),
    ]
}
