"""Average precision and mAP@0.5 on hand-computed cases; the vectorised IoU against the
course's ``iou``; bad input."""

from __future__ import annotations

import numpy as np
import pytest

from dlspec.cnn.detection.car_detection import iou
from dlspec.cnn.detection.metrics import average_precision, box_iou, evaluate_detections

GT_BOX = [0.0, 0.0, 10.0, 10.0]
FAR_BOX = [50.0, 50.0, 60.0, 60.0]


def _det(boxes, scores, classes):
    return (np.array(boxes, float).reshape(-1, 4), np.array(scores, float), np.array(classes))


def _gt(boxes, classes):
    return (np.array(boxes, float).reshape(-1, 4), np.array(classes))


def test_box_iou_agrees_with_course_iou():
    rng = np.random.default_rng(0)
    lo = rng.uniform(0, 10, (30, 2))
    boxes = np.concatenate([lo, lo + rng.uniform(0, 6, (30, 2))], axis=1)
    got = box_iou(boxes[:15], boxes[15:])
    want = [[iou(tuple(a), tuple(b)) for b in boxes[15:]] for a in boxes[:15]]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_box_iou_hand_cases():
    np.testing.assert_allclose(box_iou([[2, 1, 4, 3]], [[1, 2, 3, 4]]), [[1 / 7]])
    assert box_iou([[1, 1, 2, 2]], [[2, 2, 3, 3]])[0, 0] == 0.0  # corners touch
    assert box_iou([[1, 1, 1, 1]], [[1, 1, 1, 1]])[0, 0] == 0.0  # empty boxes
    assert box_iou(np.zeros((0, 4)), [[0, 0, 1, 1]]).shape == (0, 1)


def test_box_iou_rejects_flipped_boxes():
    with pytest.raises(ValueError, match="max >= min"):
        box_iou([[4, 1, 2, 3]], [[1, 2, 3, 4]])


def test_average_precision_all_point_interpolation():
    # TP, FP, TP with two objects: precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1
    assert average_precision([0.5, 0.5, 1.0], [1.0, 0.5, 2 / 3]) == pytest.approx(5 / 6)
    # the dip to 0.5 is lifted to the precision on its right (interpolation)
    assert average_precision([0.5, 0.5, 1.0], [1.0, 0.5, 1.0]) == pytest.approx(1.0)
    assert average_precision([], []) == 0.0
    with pytest.raises(ValueError, match="same length"):
        average_precision([0.5], [1.0, 0.5])


@pytest.mark.parametrize(
    ("detections", "expected"),
    [
        ([_det([GT_BOX], [0.9], [0])], 1.0),  # perfect
        ([_det([FAR_BOX, GT_BOX], [0.9, 0.8], [0, 0])], 0.5),  # FP ranked above the TP
        ([_det([GT_BOX, FAR_BOX], [0.9, 0.8], [0, 0])], 1.0),  # FP ranked below: no cost
        ([_det([GT_BOX, GT_BOX], [0.9, 0.8], [0, 0])], 1.0),  # duplicate after the TP
        ([_det([GT_BOX], [0.9], [1])], 0.0),  # right box, wrong class
        ([_det([], [], [])], 0.0),  # nothing detected
        ([_det([[0, 0, 10, 5]], [0.9], [0])], 1.0),  # IoU exactly 0.5 counts
        ([_det([[0, 0, 10, 4.9]], [0.9], [0])], 0.0),  # IoU 0.49 does not
    ],
)
def test_single_image_single_class(detections, expected):
    scores = evaluate_detections(detections, [_gt([GT_BOX], [0])], num_classes=1)
    assert scores.mean_ap == pytest.approx(expected)


def test_two_images_two_objects_hand_computed():
    # image 0: one object found (0.9) plus a false alarm (0.8); image 1: found at 0.7.
    # precision/recall: (1, 1/2), (1/2, 1/2), (2/3, 1) -> AP = 1/2 * 1 + 1/2 * 2/3 = 5/6
    gts = [_gt([GT_BOX], [0]), _gt([FAR_BOX], [0])]
    dets = [_det([GT_BOX, FAR_BOX], [0.9, 0.8], [0, 0]), _det([FAR_BOX], [0.7], [0])]
    assert evaluate_detections(dets, gts, 1).mean_ap == pytest.approx(5 / 6)


def test_mean_over_classes_with_ground_truth_only():
    # class 0: AP 1; class 1: FP above TP, AP 1/2; class 2: no ground truth (NaN, left out)
    gts = [_gt([GT_BOX, FAR_BOX], [0, 1])]
    dets = [_det([GT_BOX, GT_BOX, FAR_BOX, [20, 20, 30, 30]], [0.9, 0.8, 0.7, 0.6], [0, 1, 1, 2])]
    scores = evaluate_detections(dets, gts, num_classes=3)
    np.testing.assert_allclose(scores.ap[:2], [1.0, 0.5])
    assert np.isnan(scores.ap[2])
    assert scores.mean_ap == pytest.approx(0.75)
    assert scores.num_ground_truth.tolist() == [1, 1, 0]


def test_bad_input():
    with pytest.raises(ValueError, match="one detections entry per image"):
        evaluate_detections([], [_gt([GT_BOX], [0])], 1)
    with pytest.raises(ValueError, match=r"\(k, 4\)"):
        evaluate_detections([_det([GT_BOX], [0.9], [0])], [(np.ones((1, 3)), [0])], 1)
    with pytest.raises(ValueError, match="iou_threshold"):
        evaluate_detections([], [], 1, iou_threshold=0.0)
