"""A generated detection data set: coloured shapes on noisy backgrounds, with known boxes.

The car-detection lab's YOLOv2 weights are not available offline, so the lab trains a small
YOLO-style detector from scratch on this data set instead. Each image holds 1 to
``max_objects`` shapes of three classes (:data:`SHAPE_CLASSES`: rectangle, ellipse, triangle
pointing up), each of a random colour, size and aspect ratio, drawn without overlap on a
random dark background with Gaussian noise. Colour says nothing about the class: the detector
must learn the shapes.

Boxes follow the course's corner order ``[y_min, x_min, y_max, x_max]`` (what
``yolo_boxes_to_corners`` and ``tf.image.non_max_suppression`` use), in pixels;
:func:`encode_yolo_targets` turns them into the target grid of
:func:`dlspec.cnn.detection.yolo_loss.yolo_v2_loss`, and :func:`shapes_dataset` into a
``tf.data`` pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from dlspec.data.arrays import array_dataset
from dlspec.validation import check_array, check_positive

__all__ = [
    "SHAPE_CLASSES",
    "ShapesData",
    "encode_yolo_targets",
    "make_shapes",
    "shapes_dataset",
]

#: class names of the generated shapes, in class-index order
SHAPE_CLASSES = ("rectangle", "ellipse", "triangle")


@dataclass(frozen=True)
class ShapesData:
    """Images with their boxes and classes.

    Attributes:
        images: ``(n, size, size, 3)`` float32 in [0, 1].
        boxes: ``(n, max_objects, 4)`` float32 ``[y_min, x_min, y_max, x_max]`` in pixels;
            rows past an image's object count are zeros.
        classes: ``(n, max_objects)`` int32 indices into :data:`SHAPE_CLASSES`; -1 pads.
    """

    images: np.ndarray
    boxes: np.ndarray
    classes: np.ndarray

    def __len__(self) -> int:
        return len(self.images)

    def objects(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """The boxes ``(k, 4)`` and classes ``(k,)`` of image ``i`` (padding removed)."""
        keep = self.classes[i] >= 0
        return self.boxes[i][keep], self.classes[i][keep]


def _shape_mask(kind: int, y1: int, x1: int, h: int, w: int, size: int) -> np.ndarray:
    """Pixels (centres at +0.5) covered by a shape whose bounding box is (y1, x1, h, w)."""
    yy, xx = np.mgrid[0:size, 0:size] + 0.5
    inside = (yy >= y1) & (yy < y1 + h) & (xx >= x1) & (xx < x1 + w)
    cy, cx = y1 + h / 2, x1 + w / 2
    if kind == 1:  # ellipse inscribed in the box
        inside &= ((yy - cy) / (h / 2)) ** 2 + ((xx - cx) / (w / 2)) ** 2 <= 1.0
    elif kind == 2:  # triangle: apex at the top middle, base along the bottom edge
        inside &= np.abs(xx - cx) <= (yy - y1) / h * (w / 2)
    return inside


def make_shapes(
    n: int,
    *,
    image_size: int = 64,
    max_objects: int = 3,
    min_size: int = 12,
    max_size: int = 28,
    noise: float = 0.08,
    seed: int = 0,
) -> ShapesData:
    """Generate ``n`` images of coloured shapes with their boxes and classes (seeded).

    Each image gets 1 to ``max_objects`` shapes; a shape whose random box would overlap one
    already drawn is re-drawn (up to 50 tries, then left out, so an image can hold fewer).

    Args:
        n: number of images.
        image_size: side of the square images in pixels.
        max_objects: most shapes per image.
        min_size, max_size: range of box heights and widths in pixels.
        noise: standard deviation of the Gaussian pixel noise.
        seed: seed of ``np.random.default_rng``; the same seed gives the same data.

    Returns:
        A :class:`ShapesData`.

    Example:
        >>> data = make_shapes(4, image_size=32, min_size=8, max_size=12, seed=1)
        >>> data.images.shape, data.boxes.shape, data.classes.shape
        ((4, 32, 32, 3), (4, 3, 4), (4, 3))
    """
    check_positive(n, "n", integer=True)
    check_positive(max_objects, "max_objects", integer=True)
    check_positive(min_size, "min_size", integer=True)
    if not min_size <= max_size <= image_size:
        raise ValueError(
            f"need min_size <= max_size <= image_size; got {min_size}, {max_size}, "
            f"{image_size}. Lower max_size or enlarge the images."
        )
    if noise < 0:
        raise ValueError(f"noise must be >= 0; got {noise}.")
    rng = np.random.default_rng(seed)
    images = np.empty((n, image_size, image_size, 3), np.float32)
    boxes = np.zeros((n, max_objects, 4), np.float32)
    classes = np.full((n, max_objects), -1, np.int32)
    for i in range(n):
        image = np.broadcast_to(rng.uniform(0.0, 0.35, 3), images.shape[1:]).copy()
        placed: list[tuple[int, int, int, int]] = []
        for _ in range(rng.integers(1, max_objects + 1)):
            for _ in range(50):
                h, w = rng.integers(min_size, max_size + 1, size=2)
                y1 = int(rng.integers(0, image_size - h + 1))
                x1 = int(rng.integers(0, image_size - w + 1))
                if all(
                    y1 >= b[2] or b[0] >= y1 + h or x1 >= b[3] or b[1] >= x1 + w for b in placed
                ):
                    break
            else:
                continue
            kind = int(rng.integers(len(SHAPE_CLASSES)))
            image[_shape_mask(kind, y1, x1, int(h), int(w), image_size)] = rng.uniform(0.5, 1, 3)
            k = len(placed)
            placed.append((y1, x1, y1 + int(h), x1 + int(w)))
            boxes[i, k] = placed[-1]
            classes[i, k] = kind
        image += rng.normal(0.0, noise, image.shape)
        images[i] = np.clip(image, 0.0, 1.0)
    return ShapesData(images, boxes, classes)


def _anchor_iou(wh: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """IoU of a box ``(w, h)`` with each anchor ``(w, h)``, all centred at the same point."""
    inter = np.minimum(wh[0], anchors[:, 0]) * np.minimum(wh[1], anchors[:, 1])
    return inter / (wh[0] * wh[1] + anchors[:, 0] * anchors[:, 1] - inter)


def encode_yolo_targets(
    boxes: np.ndarray,
    classes: np.ndarray,
    *,
    image_size: int,
    grid_size: int,
    anchors: np.ndarray,
    num_classes: int,
) -> np.ndarray:
    """Encode boxes into YOLOv2 targets: one slot per grid cell and anchor.

    An object goes to the cell holding its centre and to the anchor whose shape matches its
    box best (IoU of the two boxes centred together), as YOLOv2 assigns them. The slot holds
    ``[1, x, y, w, h, one-hot class]`` with the centre ``(x, y)`` and size ``(w, h)`` as
    fractions of the image side; empty slots are zeros. Two objects in one slot: the later
    wins (this cannot happen for non-overlapping boxes larger than a cell, as
    :func:`make_shapes` draws them).

    Args:
        boxes: ``(n, k, 4)`` ``[y_min, x_min, y_max, x_max]`` in pixels.
        classes: ``(n, k)`` class indices; -1 marks padding rows (ignored).
        image_size: side of the square images in pixels.
        grid_size: cells per side ``S`` (the model's output grid).
        anchors: ``(A, 2)`` anchor ``(w, h)`` in grid cells, as in ``yolo_anchors.txt``.
        num_classes: ``C``.

    Returns:
        ``(n, S, S, A, 5 + C)`` float32.

    Raises:
        ValueError: a box with ``y_max <= y_min`` or ``x_max <= x_min``, a box outside the
            image, a class outside ``[0, C)``, or mismatched shapes.

    Example:
        >>> t = encode_yolo_targets(np.array([[[0, 0, 16, 32]]]), np.array([[1]]),
        ...     image_size=64, grid_size=4, anchors=np.array([[1.0, 1.0], [2.0, 1.0]]),
        ...     num_classes=2)
        >>> t.shape, t[0, 0, 1, 1].tolist()
        ((1, 4, 4, 2, 7), [1.0, 0.25, 0.125, 0.5, 0.25, 0.0, 1.0])
    """
    boxes = check_array(boxes, "boxes", ndim=3).astype(np.float64)
    classes = check_array(classes, "classes", ndim=2).astype(np.int64)
    anchors = check_array(anchors, "anchors", ndim=2).astype(np.float64)
    if boxes.shape[-1] != 4 or boxes.shape[:2] != classes.shape:
        raise ValueError(
            f"boxes must be (n, k, 4) and classes (n, k); got {boxes.shape} and {classes.shape}."
        )
    if anchors.shape[-1] != 2 or np.any(anchors <= 0):
        raise ValueError(f"anchors must be (A, 2) positive (w, h) pairs; got {anchors.tolist()}.")
    check_positive(grid_size, "grid_size", integer=True)
    check_positive(num_classes, "num_classes", integer=True)
    real = classes >= 0
    b = boxes[real]
    if np.any(b[:, 2] <= b[:, 0]) or np.any(b[:, 3] <= b[:, 1]):
        bad = b[(b[:, 2] <= b[:, 0]) | (b[:, 3] <= b[:, 1])][0].tolist()
        raise ValueError(
            f"boxes must be [y_min, x_min, y_max, x_max] with max > min; got {bad}. "
            "Did you pass [x_min, y_min, x_max, y_max] or a (centre, size) box?"
        )
    if np.any(b < 0) or np.any(b > image_size):
        raise ValueError(f"boxes must lie inside the {image_size}x{image_size} image (pixels).")
    if np.any(classes[real] >= num_classes):
        raise ValueError(f"classes must be in [0, {num_classes}); got {classes[real].max()}.")

    stride = image_size / grid_size
    targets = np.zeros((*classes.shape[:1], grid_size, grid_size, len(anchors), 5 + num_classes))
    for i, k in zip(*np.nonzero(real)):
        y1, x1, y2, x2 = boxes[i, k]
        cy, cx, h, w = (y1 + y2) / 2, (x1 + x2) / 2, y2 - y1, x2 - x1
        row = min(int(cy // stride), grid_size - 1)
        col = min(int(cx // stride), grid_size - 1)
        a = int(np.argmax(_anchor_iou(np.array([w, h]) / stride, anchors)))
        slot = targets[i, row, col, a]
        slot[:] = 0.0
        slot[:5] = [1.0, cx / image_size, cy / image_size, w / image_size, h / image_size]
        slot[5 + classes[i, k]] = 1.0
    return targets.astype(np.float32)


def shapes_dataset(
    images: np.ndarray,
    targets: np.ndarray,
    *,
    batch_size: int = 32,
    shuffle: bool = True,
    seed: int = 0,
) -> tf.data.Dataset:
    """A ``tf.data`` pipeline of ``(image, target grid)`` pairs: cache → shuffle → batch →
    prefetch.

    Args:
        images: ``(n, H, W, 3)`` float32 images.
        targets: ``(n, S, S, A, 5 + C)`` from :func:`encode_yolo_targets`.
        batch_size: examples per batch.
        shuffle: reshuffle every epoch, in an order fixed by ``seed``.
        seed: the shuffle seed.

    Returns:
        The batched dataset.

    Example:
        >>> data = make_shapes(8, image_size=32, min_size=8, max_size=12)
        >>> t = encode_yolo_targets(data.boxes, data.classes, image_size=32, grid_size=4,
        ...                         anchors=np.ones((1, 2)), num_classes=3)
        >>> x, y = next(iter(shapes_dataset(data.images, t, batch_size=4)))
        >>> tuple(x.shape), tuple(y.shape)
        ((4, 32, 32, 3), (4, 4, 4, 1, 8))
    """
    check_positive(batch_size, "batch_size", integer=True)
    images = check_array(images, "images", ndim=4)
    targets = check_array(targets, "targets", ndim=5)
    if len(images) != len(targets):
        raise ValueError(
            f"images and targets must have one row per example; got {len(images)} and "
            f"{len(targets)}."
        )
    return array_dataset(
        (images.astype(np.float32), targets.astype(np.float32)),
        batch_size=batch_size,
        shuffle=shuffle,
        seed=seed,
    )
