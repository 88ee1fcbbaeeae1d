"""The generated shapes detection data: determinism, boxes that fit the drawn shapes, the
YOLO target encoding (hand-computed), the tf.data pipeline, and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from dlspec.data.shapes import SHAPE_CLASSES, encode_yolo_targets, make_shapes, shapes_dataset

ANCHORS = np.array([[1.0, 1.0], [2.0, 4.0]])


@pytest.fixture(scope="module")
def clean():
    """Shapes without noise, so that drawn pixels can be told from the background exactly."""
    return make_shapes(40, noise=0.0, seed=3)


def test_same_seed_same_data_other_seed_other_data():
    a, b, c = make_shapes(5, seed=7), make_shapes(5, seed=7), make_shapes(5, seed=8)
    np.testing.assert_array_equal(a.images, b.images)
    np.testing.assert_array_equal(a.boxes, b.boxes)
    assert not np.array_equal(a.boxes, c.boxes)


def test_shapes_dtypes_and_ranges(clean):
    assert clean.images.shape == (40, 64, 64, 3) and clean.images.dtype == np.float32
    assert 0.0 <= clean.images.min() and clean.images.max() <= 1.0
    counts = (clean.classes >= 0).sum(axis=1)
    assert counts.min() >= 1 and counts.max() <= 3
    assert set(np.unique(clean.classes)) == {-1, 0, 1, 2}
    for i in range(len(clean)):
        boxes, classes = clean.objects(i)
        assert np.all(boxes[:, 2:] > boxes[:, :2]) and boxes.min() >= 0 and boxes.max() <= 64
        sizes = boxes[:, 2:] - boxes[:, :2]
        assert sizes.min() >= 12 and sizes.max() <= 28
        for j in range(len(boxes)):  # shapes never overlap
            for k in range(j + 1, len(boxes)):
                a, b = boxes[j], boxes[k]
                assert a[0] >= b[2] or b[0] >= a[2] or a[1] >= b[3] or b[1] >= a[3]
        assert np.all(clean.boxes[i][classes.size :] == 0)


def test_boxes_are_tight_and_fill_matches_the_class(clean):
    """The drawn pixels span the box; the filled fraction is 1, pi/4 or 1/2 by class."""
    expected_fill = {0: 1.0, 1: np.pi / 4, 2: 0.5}
    for i in range(len(clean)):
        image = clean.images[i]
        boxes, classes = clean.objects(i)
        covered = np.zeros(image.shape[:2], bool)
        for y1, x1, y2, x2 in boxes.astype(int):
            covered[y1:y2, x1:x2] = True
        background = image[np.argwhere(~covered)[0][0], np.argwhere(~covered)[0][1]]
        drawn = np.any(np.abs(image - background) > 1e-6, axis=-1)
        for (y1, x1, y2, x2), cls in zip(boxes.astype(int), classes):
            inside = drawn[y1:y2, x1:x2]
            rows, cols = np.nonzero(inside)
            assert rows.min() <= 3 and rows.max() >= (y2 - y1) - 2  # tight within a few pixels
            assert cols.min() <= 2 and cols.max() >= (x2 - x1) - 3
            assert inside.mean() == pytest.approx(expected_fill[int(cls)], abs=0.09)


def test_encode_hand_computed():
    # box 16 px high, 32 px wide, centre (x, y) = (40, 24): stride 16 -> row 1, column 2;
    # size in cells (w, h) = (2, 1): IoU 1/2 with anchor (1, 1), 2/8 with (2, 4) -> anchor 0
    boxes = np.array([[[16, 24, 32, 56], [0, 0, 0, 0]]], float)
    targets = encode_yolo_targets(
        boxes, np.array([[2, -1]]), image_size=64, grid_size=4, anchors=ANCHORS, num_classes=3
    )
    assert targets.shape == (1, 4, 4, 2, 8)
    np.testing.assert_allclose(targets[0, 1, 2, 0], [1, 40 / 64, 24 / 64, 0.5, 0.25, 0, 0, 1])
    assert targets.sum() == pytest.approx(targets[0, 1, 2, 0].sum())  # nothing else set


def test_encode_picks_the_anchor_of_the_box_shape():
    tall = np.array([[[0, 0, 64, 32]]], float)  # (w, h) = (2, 4) cells
    targets = encode_yolo_targets(
        tall, np.array([[0]]), image_size=64, grid_size=4, anchors=ANCHORS, num_classes=3
    )
    assert targets[0, 2, 1, 1, 0] == 1.0 and targets[..., 0].sum() == 1.0


@pytest.mark.parametrize(
    ("boxes", "classes", "message"),
    [
        ([[[10, 30, 20, 20]]], [[0]], "max > min"),  # x_max < x_min
        ([[[10, 10, 10, 20]]], [[0]], "max > min"),  # zero height
        ([[[10, 10, 80, 20]]], [[0]], "inside the 64x64 image"),
        ([[[10, 10, 20, 20]]], [[3]], r"classes must be in \[0, 3\)"),
        ([[[10, 10, 20, 20]]], [[0, 1]], r"boxes must be \(n, k, 4\)"),
    ],
)
def test_encode_bad_input(boxes, classes, message):
    with pytest.raises(ValueError, match=message):
        encode_yolo_targets(
            np.array(boxes, float),
            np.array(classes),
            image_size=64,
            grid_size=4,
            anchors=ANCHORS,
            num_classes=3,
        )


def test_make_shapes_bad_arguments():
    with pytest.raises(ValueError, match="min_size <= max_size <= image_size"):
        make_shapes(2, image_size=16, max_size=28)
    with pytest.raises(ValueError, match="noise"):
        make_shapes(2, noise=-1.0)


def test_dataset_batches_and_seeded_order():
    data = make_shapes(10, seed=1)
    targets = encode_yolo_targets(
        data.boxes,
        data.classes,
        image_size=64,
        grid_size=8,
        anchors=ANCHORS,
        num_classes=len(SHAPE_CLASSES),
    )
    ds = shapes_dataset(data.images, targets, batch_size=4, seed=5)
    x, y = next(iter(ds))
    assert tuple(x.shape) == (4, 64, 64, 3) and tuple(y.shape) == (4, 8, 8, 2, 8)
    assert [b[0].shape[0] for b in ds] == [4, 4, 2]
    again = shapes_dataset(data.images, targets, batch_size=4, seed=5)
    np.testing.assert_array_equal(next(iter(again))[0], x)
    second_epoch = next(iter(ds))[0]
    assert not np.array_equal(second_epoch, x)  # reshuffled every epoch
    with pytest.raises(ValueError, match="one row per example"):
        shapes_dataset(data.images, targets[:3])
