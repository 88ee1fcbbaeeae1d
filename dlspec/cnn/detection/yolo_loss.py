"""The YOLOv2 loss: objectness, box coordinates and classes, one value per example.

Beyond the course (which only runs a trained YOLOv2), this is the loss that trains one, as
YOLOv2 and its Keras port yad2k define it. For every grid cell and anchor, with ``1_obj`` = 1
in the slot an object is assigned to (:func:`dlspec.data.shapes.encode_yolo_targets`):

- objectness: ``object_scale · 1_obj · (1 − ĉ)²`` plus ``no_object_scale · (1 − 1_obj) ·
  1_keep · ĉ²``, where ``ĉ = σ(t_o)`` and ``1_keep`` drops the no-object penalty of a
  predicted box whose IoU with some true box of the image exceeds ``ignore_threshold``
  (a good box in the wrong slot is not punished);
- coordinates: ``coordinates_scale · 1_obj · [(σ(t_xy) − offset_xy)² + (t_wh −
  log(wh / anchor))²]``, with the true centre's offset inside its cell and the true size in
  grid cells;
- classes: ``class_scale · 1_obj · Σ_c (1[c = class] − p̂_c)²`` on the softmax
  probabilities (YOLOv2 uses squared error, not cross-entropy).

The objectness target is 1 (yad2k's ``rescore=False``). The terms are summed over the grid
and anchors, so the loss per example has the shape ``(m,)`` that
:class:`dlspec.training.Trainer` averages over the global batch.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from dlspec.cnn.detection.yolo_decoding import grid_cells, yolo_head
from dlspec.validation import check_positive

__all__ = ["YoloV2Loss", "yolo_v2_loss"]


def _corners(xy: tf.Tensor, wh: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    return xy - wh / 2.0, xy + wh / 2.0


def _pairwise_iou(xy1, wh1, xy2, wh2) -> tf.Tensor:
    """IoU of (centre, size) boxes broadcast against each other (all in image fractions)."""
    lo1, hi1 = _corners(xy1, wh1)
    lo2, hi2 = _corners(xy2, wh2)
    inter_wh = tf.maximum(tf.minimum(hi1, hi2) - tf.maximum(lo1, lo2), 0.0)
    inter = inter_wh[..., 0] * inter_wh[..., 1]
    union = wh1[..., 0] * wh1[..., 1] + wh2[..., 0] * wh2[..., 1] - inter
    return tf.math.divide_no_nan(inter, union)


def yolo_v2_loss(
    y_true,
    y_pred,
    anchors,
    num_classes: int,
    *,
    object_scale: float = 5.0,
    no_object_scale: float = 1.0,
    class_scale: float = 1.0,
    coordinates_scale: float = 1.0,
    ignore_threshold: float = 0.6,
) -> tf.Tensor:
    """The YOLOv2 loss of each example (see the module docstring for the terms).

    Args:
        y_true: ``(m, S, S, A, 5 + C)`` targets ``[1_obj, x, y, w, h, one-hot class]`` with
            centre and size in fractions of the image (zeros in empty slots).
        y_pred: the raw model output, ``(m, S, S, A·(5 + C))`` or ``(m, S, S, A, 5 + C)``.
        anchors: ``(A, 2)`` anchor ``(w, h)`` in grid cells.
        num_classes: ``C``.
        object_scale, no_object_scale, class_scale, coordinates_scale: weights of the terms
            (yad2k's 5, 1, 1, 1).
        ignore_threshold: IoU above which a predicted box's no-object penalty is dropped.

    Returns:
        ``(m,)`` float32 losses.

    Example:
        >>> y_true = np.zeros((1, 1, 1, 1, 7), "float32")
        >>> y_true[0, 0, 0, 0, :6] = [1, 0.5, 0.5, 0.5, 0.5, 1]
        >>> yolo_v2_loss(y_true, tf.zeros((1, 1, 1, 7)), [[1.0, 1.0]], 2).numpy().round(5)
        array([2.71091], dtype=float32)
    """
    anchors = np.asarray(anchors, dtype=np.float32).reshape(-1, 2)
    num_anchors = len(anchors)
    y_pred = tf.convert_to_tensor(y_pred)
    y_true = tf.cast(y_true, y_pred.dtype)
    pred_xy, pred_wh, pred_conf, pred_probs = yolo_head(y_pred, anchors, num_classes)
    rows, cols = tf.shape(pred_xy)[1], tf.shape(pred_xy)[2]
    feats = tf.reshape(y_pred, [-1, rows, cols, num_anchors, 5 + num_classes])
    y_true = tf.reshape(y_true, tf.shape(feats))
    obj = y_true[..., 0:1]
    true_xy, true_wh, true_classes = y_true[..., 1:3], y_true[..., 3:5], y_true[..., 5:]

    # Best IoU of every predicted box with the true boxes of its image: (m, S, S, A, 1).
    m = tf.shape(feats)[0]
    flat_xy = tf.reshape(true_xy, [m, 1, 1, 1, -1, 2])
    flat_wh = tf.reshape(true_wh, [m, 1, 1, 1, -1, 2])
    present = tf.reshape(obj, [m, 1, 1, 1, -1])
    ious = _pairwise_iou(pred_xy[..., None, :], pred_wh[..., None, :], flat_xy, flat_wh)
    best_iou = tf.reduce_max(ious * present, axis=-1, keepdims=True)
    keep = tf.cast(best_iou <= ignore_threshold, feats.dtype)

    no_object = no_object_scale * (1.0 - obj) * keep * tf.square(pred_conf)
    objectness = object_scale * obj * tf.square(1.0 - pred_conf)

    cell, grid = grid_cells(rows, cols, feats.dtype)
    true_offset = true_xy * grid - cell
    anchors_tensor = tf.constant(anchors.reshape(1, 1, 1, num_anchors, 2), feats.dtype)
    true_twh = tf.math.log(tf.maximum(true_wh * grid / anchors_tensor, 1e-9)) * obj
    coordinates = (
        coordinates_scale
        * obj
        * (
            tf.square(tf.sigmoid(feats[..., 0:2]) - true_offset)
            + tf.square(feats[..., 2:4] - true_twh)
        )
    )
    classes = class_scale * obj * tf.square(true_classes - pred_probs)

    terms = [no_object, objectness, coordinates, classes]
    return tf.add_n([tf.reduce_sum(t, axis=[1, 2, 3, 4]) for t in terms])


@keras.saving.register_keras_serializable(package="dlspec")
class YoloV2Loss(keras.losses.Loss):
    """:func:`yolo_v2_loss` as a Keras loss, for ``model.compile`` or :class:`Trainer`.

    Args:
        anchors: ``(A, 2)`` anchor ``(w, h)`` in grid cells.
        num_classes: ``C``.
        object_scale, no_object_scale, class_scale, coordinates_scale, ignore_threshold: as
            :func:`yolo_v2_loss`.
        reduction, name: as ``keras.losses.Loss`` (the default reduction averages over the
            batch; :class:`~dlspec.training.Trainer` uses the unreduced ``call``).

    Example:
        >>> loss = YoloV2Loss([[1.0, 1.0]], num_classes=2)
        >>> float(loss(np.zeros((1, 1, 1, 1, 7)), tf.zeros((1, 1, 1, 7))))
        0.25
    """

    def __init__(
        self,
        anchors,
        num_classes: int,
        *,
        object_scale: float = 5.0,
        no_object_scale: float = 1.0,
        class_scale: float = 1.0,
        coordinates_scale: float = 1.0,
        ignore_threshold: float = 0.6,
        reduction: str = "sum_over_batch_size",
        name: str = "yolo_v2_loss",
    ) -> None:
        super().__init__(name=name, reduction=reduction)
        anchors = np.asarray(anchors, dtype=np.float64)
        if anchors.ndim != 2 or anchors.shape[1] != 2 or np.any(anchors <= 0):
            raise ValueError(f"anchors must be (A, 2) positive (w, h); got {anchors.tolist()}.")
        check_positive(num_classes, "num_classes", integer=True)
        self.anchors = anchors.tolist()
        self.num_classes = int(num_classes)
        self.scales = {
            "object_scale": float(object_scale),
            "no_object_scale": float(no_object_scale),
            "class_scale": float(class_scale),
            "coordinates_scale": float(coordinates_scale),
            "ignore_threshold": float(ignore_threshold),
        }

    def call(self, y_true, y_pred):
        return yolo_v2_loss(y_true, y_pred, self.anchors, self.num_classes, **self.scales)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "anchors": self.anchors,
            "num_classes": self.num_classes,
            **self.scales,
        }
