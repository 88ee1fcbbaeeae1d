"""The YOLOv2 loss: hand-computed small cases, a loop-by-loop NumPy reference on random
inputs, the per-example shape Trainer needs, gradients, and Keras serialisation."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from dlspec.cnn.detection.metrics import box_iou
from dlspec.cnn.detection.yolo_loss import YoloV2Loss, yolo_v2_loss
from dlspec.data.shapes import encode_yolo_targets, make_shapes

UNIT = [[1.0, 1.0]]


def _one_object(grid: int, xy, wh, cls: int, *, num_classes: int = 2, row=0, col=0):
    y_true = np.zeros((1, grid, grid, 1, 5 + num_classes), np.float32)
    y_true[0, row, col, 0, :5] = [1.0, *xy, *wh]
    y_true[0, row, col, 0, 5 + cls] = 1.0
    return y_true


def test_empty_cell_costs_the_no_object_term():
    # raw output 0: confidence sigmoid(0) = 1/2, no-object loss 1 * (1/2)^2
    loss = yolo_v2_loss(np.zeros((1, 1, 1, 1, 7)), tf.zeros((1, 1, 1, 7)), UNIT, 2)
    np.testing.assert_allclose(loss.numpy(), [0.25])


def test_one_object_hand_computed():
    # objectness 5 * (1 - 1/2)^2 = 1.25; centre offset 1/2 predicted exactly; size 1/2 of an
    # anchor of 1 cell: 2 * (0 - log 1/2)^2 = 0.960906; classes (1 - 1/2)^2 + (1/2)^2 = 0.5
    y_true = _one_object(1, (0.5, 0.5), (0.5, 0.5), cls=0)
    loss = yolo_v2_loss(y_true, tf.zeros((1, 1, 1, 7)), UNIT, 2)
    np.testing.assert_allclose(loss.numpy(), [1.25 + 2 * np.log(2) ** 2 + 0.5], rtol=1e-6)


@pytest.mark.parametrize(("threshold", "ignored"), [(0.6, False), (0.3, True)])
def test_ignore_threshold_drops_the_no_object_penalty(threshold, ignored):
    # 2x2 grid, anchor 1 cell: with raw output 0 each cell predicts its own quadrant. The true
    # box (centre (0.49, 0.25), size 0.5) sits in cell (0, 0) and overlaps the prediction of
    # cell (0, 1) with IoU 0.12 / 0.38 = 0.3158.
    y_true = _one_object(2, (0.49, 0.25), (0.5, 0.5), cls=1)
    loss = yolo_v2_loss(y_true, tf.zeros((1, 2, 2, 7)), UNIT, 2, ignore_threshold=threshold)
    coordinates = (0.98 - 0.5) ** 2  # x offset 0.98 in its cell, predicted 0.5
    no_object = 0.25 * (2 if ignored else 3)
    np.testing.assert_allclose(loss.numpy(), [1.25 + coordinates + 0.5 + no_object], rtol=1e-6)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _loss_reference(y_true, y_pred, anchors, num_classes, ignore_threshold):
    """The loss cell by cell, anchor by anchor, in float64 (yad2k's scales 5, 1, 1, 1)."""
    m, rows, cols, num_anchors, _ = y_true.shape
    feats = y_pred.reshape(m, rows, cols, num_anchors, 5 + num_classes).astype(np.float64)
    losses = np.zeros(m)
    for i in range(m):
        slots = y_true[i][y_true[i, ..., 0] == 1]
        truths = np.concatenate(
            [slots[:, 1:3] - slots[:, 3:5] / 2, slots[:, 1:3] + slots[:, 3:5] / 2], 1
        )
        for r, c, a in np.ndindex(rows, cols, num_anchors):
            t, yt = feats[i, r, c, a], y_true[i, r, c, a]
            conf = _sigmoid(t[4])
            probs = np.exp(t[5:]) / np.exp(t[5:]).sum()
            if yt[0] == 1:
                offset = [yt[1] * cols - c, yt[2] * rows - r]
                size = [np.log(yt[3] * cols / anchors[a][0]), np.log(yt[4] * rows / anchors[a][1])]
                losses[i] += 5 * (1 - conf) ** 2
                losses[i] += np.sum((_sigmoid(t[:2]) - offset) ** 2)
                losses[i] += np.sum((t[2:4] - size) ** 2)
                losses[i] += np.sum((yt[5:] - probs) ** 2)
                continue
            xy = [(_sigmoid(t[0]) + c) / cols, (_sigmoid(t[1]) + r) / rows]
            wh = [anchors[a][0] * np.exp(t[2]) / cols, anchors[a][1] * np.exp(t[3]) / rows]
            pred = np.array(
                [[xy[0] - wh[0] / 2, xy[1] - wh[1] / 2, xy[0] + wh[0] / 2, xy[1] + wh[1] / 2]]
            )
            best = box_iou(pred, truths).max() if len(truths) else 0.0
            if best <= ignore_threshold:
                losses[i] += conf**2
    return losses


@pytest.mark.parametrize("ignore_threshold", [0.6, 0.05])
def test_matches_loop_reference_on_random_inputs(ignore_threshold):
    anchors = [[1.0, 1.5], [2.0, 1.0]]
    data = make_shapes(3, image_size=64, seed=4)
    y_true = encode_yolo_targets(
        data.boxes, data.classes, image_size=64, grid_size=4, anchors=anchors, num_classes=3
    )
    y_pred = np.random.default_rng(0).normal(0, 0.7, (3, 4, 4, 16)).astype(np.float32)
    got = yolo_v2_loss(y_true, y_pred, anchors, 3, ignore_threshold=ignore_threshold).numpy()
    want = _loss_reference(y_true, y_pred, anchors, 3, ignore_threshold)
    np.testing.assert_allclose(got, want, rtol=1e-5)
    five_d = yolo_v2_loss(y_true, y_pred.reshape(3, 4, 4, 2, 8), anchors, 3)
    np.testing.assert_allclose(five_d.numpy(), yolo_v2_loss(y_true, y_pred, anchors, 3).numpy())


def test_gradients_are_finite_with_empty_slots():
    y_true = _one_object(2, (0.3, 0.3), (0.4, 0.2), cls=0)
    y_pred = tf.Variable(tf.random.stateless_normal((1, 2, 2, 7), seed=(1, 2)))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(yolo_v2_loss(y_true, y_pred, UNIT, 2))
    grad = tape.gradient(loss, y_pred)
    assert np.all(np.isfinite(grad.numpy())) and np.abs(grad.numpy()).sum() > 0


def test_keras_loss_config_and_keras_round_trip(tmp_path):
    loss = YoloV2Loss(UNIT, 2, object_scale=3.0, ignore_threshold=0.5)
    clone = YoloV2Loss.from_config(loss.get_config())
    y_true = _one_object(1, (0.5, 0.5), (0.5, 0.5), cls=0)
    y_pred = tf.random.stateless_normal((1, 1, 1, 7), seed=(0, 1))
    assert float(clone(y_true, y_pred)) == pytest.approx(float(loss(y_true, y_pred)))

    inputs = keras.Input((4, 4, 3))
    model = keras.Model(inputs, keras.layers.Conv2D(7, 4)(inputs))
    model.compile(optimizer="sgd", loss=loss)
    model.save(tmp_path / "detector.keras")
    restored = keras.saving.load_model(tmp_path / "detector.keras")
    assert isinstance(restored.loss, YoloV2Loss)
    assert restored.loss.get_config()["object_scale"] == 3.0


def test_bad_configuration():
    with pytest.raises(ValueError, match=r"anchors must be \(A, 2\)"):
        YoloV2Loss([1.0, 1.0, 1.0], 2)
    with pytest.raises(ValueError, match="num_classes"):
        YoloV2Loss(UNIT, 0)
    with pytest.raises(ValueError, match=r"feats must be \(m, S, S, 7\)"):
        yolo_v2_loss(np.zeros((1, 1, 1, 1, 7)), tf.zeros((1, 1, 1, 8)), UNIT, 2)
