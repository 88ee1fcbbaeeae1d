"""Decoding YOLOv2's raw output: the grid, :func:`yolo_head` and :func:`yolo_boxes_to_corners`.

The course imports these from yad2k (its Keras port of YOLOv2); here they sit apart from the
lab's graded functions so that the car-detection lab, the shapes detector and the YOLOv2
loss decode the same way without importing each other.

Layout of the ``5 + C`` numbers of an anchor: YOLOv2 (darknet, yad2k) stores ``t_x, t_y,
t_w, t_h, t_o`` then the ``C`` class scores.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

__all__ = ["grid_cells", "yolo_boxes_to_corners", "yolo_head"]


def grid_cells(rows, cols, dtype) -> tuple[tf.Tensor, tf.Tensor]:
    """The cell indices of an ``S_h × S_w`` grid and its size, both as ``(x, y)``.

    Returns:
        ``(cells, dims)``: ``(1, S_h, S_w, 1, 2)`` holding ``(column, row)`` of each cell,
        and ``[S_w, S_h]``, in ``dtype``.

    Example:
        >>> cells, dims = grid_cells(2, 3, tf.float32)
        >>> cells[0, 1, 2, 0].numpy().tolist(), dims.numpy().tolist()
        ([2.0, 1.0], [3.0, 2.0])
    """
    col_index, row_index = tf.meshgrid(tf.range(cols), tf.range(rows))
    cells = tf.cast(tf.stack([col_index, row_index], axis=-1), dtype)[None, :, :, None, :]
    return cells, tf.cast(tf.stack([cols, rows]), dtype)


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
    conv_index, conv_dims = grid_cells(rows, cols, feats.dtype)
    anchors_tensor = tf.constant(anchors.reshape(1, 1, 1, num_anchors, 2), feats.dtype)

    box_xy = (tf.sigmoid(feats[..., :2]) + conv_index) / conv_dims
    box_wh = tf.exp(feats[..., 2:4]) * anchors_tensor / conv_dims
    box_confidence = tf.sigmoid(feats[..., 4:5])
    box_class_probs = tf.nn.softmax(feats[..., 5:])
    return box_xy, box_wh, box_confidence, box_class_probs


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
