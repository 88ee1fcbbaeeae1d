"""Average precision and mAP@0.5 of object detections (PASCAL VOC, all-point interpolation).

For each class, detections of all images are sorted by score; a detection is a true positive
when its IoU with a ground-truth box of its class in its image is at least the threshold and
that box was not matched by a higher-scored detection (a second detection of one object is a
false positive). Precision is made monotone from the right and integrated over every recall
step (the VOC 2010+ rule, not the older 11-point one). mAP is the mean over the classes that
have ground truth.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["DetectionScores", "average_precision", "box_iou", "evaluate_detections"]


def box_iou(boxes1, boxes2) -> np.ndarray:
    """IoU of every box of ``boxes1`` with every box of ``boxes2`` (vectorised).

    Boxes are corners ``[min_1, min_2, max_1, max_2]``: the course's ``iou`` order ``(x1, y1,
    x2, y2)`` or ``yolo_eval``'s ``[y_min, x_min, y_max, x_max]`` give the same IoU, as long
    as both arguments use the same one. Boxes touching at an edge have IoU 0; two empty boxes
    too.

    Args:
        boxes1: ``(n, 4)``.
        boxes2: ``(k, 4)``.

    Returns:
        ``(n, k)`` IoUs.

    Example:
        >>> box_iou([[2, 1, 4, 3]], [[1, 2, 3, 4], [5, 6, 7, 8]]).round(6).tolist()
        [[0.142857, 0.0]]
    """
    a = np.asarray(boxes1, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(boxes2, dtype=np.float64).reshape(-1, 4)
    for name, boxes in (("boxes1", a), ("boxes2", b)):
        if np.any(boxes[:, 2] < boxes[:, 0]) or np.any(boxes[:, 3] < boxes[:, 1]):
            raise ValueError(
                f"{name} must be corners [min_1, min_2, max_1, max_2] with max >= min."
            )
    lo = np.maximum(a[:, None, :2], b[None, :, :2])
    hi = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(hi - lo, 0.0, None), axis=-1)
    area_a = np.prod(a[:, 2:] - a[:, :2], axis=-1)
    area_b = np.prod(b[:, 2:] - b[:, :2], axis=-1)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def average_precision(recall, precision) -> float:
    """Area under the precision-recall curve with all-point interpolation (VOC 2010+).

    Args:
        recall: recall after each detection, in score order (non-decreasing).
        precision: precision after each detection.

    Returns:
        The average precision in [0, 1]; 0 when there are no detections.

    Example:
        >>> average_precision([0.5, 0.5, 1.0], [1.0, 0.5, 2 / 3])
        0.8333333333333333
    """
    recall = np.asarray(recall, dtype=np.float64).reshape(-1)
    precision = np.asarray(precision, dtype=np.float64).reshape(-1)
    if recall.shape != precision.shape:
        raise ValueError(
            f"recall and precision must have the same length; got {recall.size} and "
            f"{precision.size}."
        )
    if recall.size == 0:
        return 0.0
    mrec = np.concatenate([[0.0], recall, [1.0]])
    mpre = np.concatenate([[0.0], precision, [0.0]])
    mpre = np.maximum.accumulate(mpre[::-1])[::-1]
    steps = np.nonzero(mrec[1:] != mrec[:-1])[0]
    return float(np.sum((mrec[steps + 1] - mrec[steps]) * mpre[steps + 1]))


@dataclass(frozen=True)
class DetectionScores:
    """Per-class average precision and their mean.

    Attributes:
        ap: ``(C,)`` average precision per class; NaN for a class without ground truth.
        mean_ap: mean of ``ap`` over the classes with ground truth (NaN if there are none).
        num_ground_truth: ``(C,)`` ground-truth boxes per class.
    """

    ap: np.ndarray
    mean_ap: float
    num_ground_truth: np.ndarray


def _check_boxes(boxes, name: str) -> np.ndarray:
    boxes = np.asarray(boxes, dtype=np.float64)
    if boxes.size == 0:
        return boxes.reshape(0, 4)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f"{name} must be (k, 4) corner boxes; got shape {boxes.shape}.")
    return boxes


def evaluate_detections(
    detections: Sequence[tuple],
    ground_truths: Sequence[tuple],
    num_classes: int,
    *,
    iou_threshold: float = 0.5,
) -> DetectionScores:
    """Average precision per class and mAP at ``iou_threshold`` (VOC-style).

    Args:
        detections: per image, ``(boxes (k, 4), scores (k,), classes (k,))``; ``k`` may be 0.
        ground_truths: per image, ``(boxes (g, 4), classes (g,))``, same corner order.
        num_classes: number of classes ``C``.
        iou_threshold: a detection matches a ground-truth box when IoU >= this.

    Returns:
        A :class:`DetectionScores`.

    Raises:
        ValueError: the two sequences have different lengths, or malformed boxes.

    Example:
        >>> gt = [(np.array([[0, 0, 10, 10]]), np.array([0]))]
        >>> det = [(np.array([[0, 0, 10, 10]]), np.array([0.9]), np.array([0]))]
        >>> evaluate_detections(det, gt, num_classes=1).mean_ap
        1.0
    """
    if len(detections) != len(ground_truths):
        raise ValueError(
            f"need one detections entry per image with ground truth; got {len(detections)} "
            f"and {len(ground_truths)}."
        )
    if not 0.0 < iou_threshold <= 1.0:
        raise ValueError(f"iou_threshold must be in (0, 1]; got {iou_threshold}.")
    gts = [
        (_check_boxes(b, "ground-truth boxes"), np.asarray(c, np.int64).reshape(-1))
        for b, c in ground_truths
    ]
    dets = [
        (
            _check_boxes(b, "detection boxes"),
            np.asarray(s, np.float64).reshape(-1),
            np.asarray(c, np.int64).reshape(-1),
        )
        for b, s, c in detections
    ]
    ap = np.full(num_classes, np.nan)
    counts = np.zeros(num_classes, np.int64)
    for cls in range(num_classes):
        gt_boxes = [b[c == cls] for b, c in gts]
        counts[cls] = sum(len(b) for b in gt_boxes)
        if counts[cls] == 0:
            continue
        found = [
            (score, image, box)
            for image, (boxes, scores, classes) in enumerate(dets)
            for box, score in zip(boxes[classes == cls], scores[classes == cls])
        ]
        found.sort(key=lambda item: -item[0])
        matched = [np.zeros(len(b), bool) for b in gt_boxes]
        hits = np.zeros(len(found))
        for d, (_, image, box) in enumerate(found):
            if len(gt_boxes[image]) == 0:
                continue
            ious = box_iou(box[None], gt_boxes[image])[0]
            best = int(np.argmax(ious))
            if ious[best] >= iou_threshold and not matched[image][best]:
                matched[image][best] = True
                hits[d] = 1.0
        tp = np.cumsum(hits)
        recall = tp / counts[cls]
        precision = tp / np.arange(1, len(found) + 1)
        ap[cls] = average_precision(recall, precision)
    has_gt = counts > 0
    mean_ap = float(np.mean(ap[has_gt])) if np.any(has_gt) else float("nan")
    return DetectionScores(ap, mean_ap, counts)
