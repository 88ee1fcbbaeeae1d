"""C4W3A1 Car detection with YOLO: golden cases, NMS and yolo_eval against brute-force NumPy,
yolo_head against a cell-by-cell decoding, image reading and box drawing, predict with a
stand-in model, the YOLOv2 builder, the lab's run, and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from conftest import need_data
from PIL import Image

from dlspec.cnn.detection import car_detection as lab
from dlspec.cnn.detection.predict import draw_boxes, predict
from dlspec.cnn.golden.car_detection import CASES, YOLO_EVAL_EXPECTED, seeded_normal
from dlspec.cnn.labs import LABS
from dlspec.cnn.runs import car_detection as runner
from dlspec.data.paths import CorruptDataError
from dlspec.grading import run_case
from dlspec.labs import LabRun, get_lab
from dlspec.weights import WeightsNotFoundError

LAB_ID = "c4w3-yolo"
SPEC_ANCHORS = [
    [0.57273, 0.677385],
    [1.87446, 2.06253],
    [3.33843, 5.47434],
    [7.88282, 3.52778],
    [9.77052, 9.16828],
]
NAMES = [f"class{k}" for k in range(80)]


def test_registry_points_here():
    entry = next(lab_ for lab_ in LABS if lab_.id == LAB_ID)
    assert entry.reference == lab.__name__ and entry.runner == runner.__name__
    assert "yolo_filter_boxes" in [c.label for c in entry.golden_cases()]


def test_golden_catches_a_wrong_filter():
    def strict_filter(boxes, box_confidence, box_class_probs, threshold=0.6):
        # a classic mistake: scoring with the class probabilities alone
        ones = tf.ones_like(box_confidence)
        return lab.yolo_filter_boxes(boxes, ones, box_class_probs, threshold)

    case = next(c for c in CASES[LAB_ID] if c.function == "yolo_filter_boxes")
    assert run_case(case, {"yolo_filter_boxes": strict_filter}).status != "pass"


# ---------------------------------------------------------------- brute-force references


def _normalised(box):
    return np.r_[np.minimum(box[:2], box[2:]), np.maximum(box[:2], box[2:])]


def _iou_any_order(a, b):
    """IoU of corner boxes whose corners may come in either order (as tf.image does)."""
    a, b = _normalised(a), _normalised(b)
    inter = np.prod(np.clip(np.minimum(a[2:], b[2:]) - np.maximum(a[:2], b[:2]), 0, None))
    union = np.prod(a[2:] - a[:2]) + np.prod(b[2:] - b[:2]) - inter
    return inter / union if union > 0 else 0.0


def _greedy_nms(scores, boxes, max_boxes, threshold):
    """Keep the best box, drop those overlapping it by more than threshold, repeat."""
    keep = []
    for i in np.argsort(-scores, kind="stable"):
        if len(keep) == max_boxes:
            break
        if all(_iou_any_order(boxes[i], boxes[j]) <= threshold for j in keep):
            keep.append(int(i))
    return np.array(keep, dtype=int)


def _numpy_yolo_eval(xy, wh, conf, probs, image_shape=(720, 1280), max_boxes=10, score=0.6):
    xy, wh, conf, probs = (np.asarray(t, np.float64) for t in (xy, wh, conf, probs))
    lo, hi = xy - wh / 2, xy + wh / 2
    boxes = np.stack([lo[..., 1], lo[..., 0], hi[..., 1], hi[..., 0]], axis=-1)
    box_scores = conf * probs
    classes, scores = box_scores.argmax(-1), box_scores.max(-1)
    mask = scores >= score
    height, width = image_shape
    boxes = boxes[mask] * np.array([height, width, height, width])
    keep = _greedy_nms(scores[mask], boxes, max_boxes, 0.5)
    return scores[mask][keep], boxes[keep], classes[mask][keep]


@pytest.mark.parametrize("seed", range(6))
def test_nms_agrees_with_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 40))
    lo = rng.uniform(0, 10, (n, 2))
    boxes = np.concatenate([lo, lo + rng.uniform(0.5, 5, (n, 2))], axis=1).astype(np.float32)
    scores = rng.permutation(n).astype(np.float32) / n + 0.01  # distinct: no ties
    classes = rng.integers(0, 3, n)
    max_boxes, threshold = int(rng.integers(1, 12)), float(rng.uniform(0.2, 0.7))
    s, b, c = lab.yolo_non_max_suppression(scores, boxes, classes, max_boxes, threshold)
    keep = _greedy_nms(scores.astype(np.float64), boxes.astype(np.float64), max_boxes, threshold)
    np.testing.assert_array_equal(s.numpy(), scores[keep])
    np.testing.assert_array_equal(b.numpy(), boxes[keep])
    np.testing.assert_array_equal(c.numpy(), classes[keep])


def test_yolo_eval_golden_values_come_from_the_numpy_reference():
    outputs = [
        t.numpy()
        for t in seeded_normal([19, 19, 5, 2], [19, 19, 5, 2], [19, 19, 5, 1], [19, 19, 5, 80])
    ]
    scores, boxes, classes = _numpy_yolo_eval(*outputs)
    np.testing.assert_allclose(scores, YOLO_EVAL_EXPECTED["scores"], rtol=1e-8)
    np.testing.assert_array_equal(classes, YOLO_EVAL_EXPECTED["classes"])
    np.testing.assert_allclose(boxes[2], YOLO_EVAL_EXPECTED["boxes[2]"], rtol=1e-8)


def test_yolo_head_matches_cell_by_cell_decoding():
    rng = np.random.default_rng(1)
    feats = rng.normal(size=(2, 3, 4, 5 * 85)).astype(np.float32)  # 3 rows, 4 columns
    xy, wh, conf, probs = (t.numpy() for t in lab.yolo_head(feats, SPEC_ANCHORS, 80))
    assert xy.shape == (2, 3, 4, 5, 2) and probs.shape == (2, 3, 4, 5, 80)
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    for i, row, col, a in [(0, 0, 0, 0), (1, 2, 3, 4), (0, 1, 2, 3)]:
        t = feats[i, row, col, a * 85 : (a + 1) * 85].astype(np.float64)
        np.testing.assert_allclose(
            xy[i, row, col, a], [(sig(t[0]) + col) / 4, (sig(t[1]) + row) / 3], rtol=1e-5
        )
        want_wh = [SPEC_ANCHORS[a][0] * np.exp(t[2]) / 4, SPEC_ANCHORS[a][1] * np.exp(t[3]) / 3]
        np.testing.assert_allclose(wh[i, row, col, a], want_wh, rtol=1e-5)
        np.testing.assert_allclose(conf[i, row, col, a], [sig(t[4])], rtol=1e-5)
        np.testing.assert_allclose(
            probs[i, row, col, a], np.exp(t[5:]) / np.exp(t[5:]).sum(), rtol=1e-4
        )
    five_d = lab.yolo_head(feats.reshape(2, 3, 4, 5, 85), SPEC_ANCHORS, 80)
    np.testing.assert_array_equal(five_d[0].numpy(), xy)
    with pytest.raises(ValueError, match=r"\(m, S, S, 425\)"):
        lab.yolo_head(feats[..., :400], SPEC_ANCHORS, 80)


# ---------------------------------------------------------------- iou and empty results


@pytest.mark.parametrize(
    ("box1", "box2", "message"),
    [
        ((3, 1, 2, 3), (1, 2, 3, 4), "x2 >= x1"),
        ((1, 3, 2, 1), (1, 2, 3, 4), "y2 >= y1"),
        ((1, 2, 3), (1, 2, 3, 4), "4 numbers"),
    ],
)
def test_iou_rejects_bad_boxes(box1, box2, message):
    with pytest.raises(ValueError, match=message):
        lab.iou(box1, box2)


def test_iou_of_empty_boxes_is_zero():
    assert lab.iou((1, 1, 1, 1), (1, 1, 1, 1)) == 0.0


def test_nothing_above_threshold_gives_empty_results():
    outputs = lab.yolo_head(tf.zeros((1, 19, 19, 425)), SPEC_ANCHORS, 80)
    scores, boxes, classes = lab.yolo_eval(outputs, score_threshold=0.6)
    assert scores.shape == (0,) and boxes.shape == (0, 4) and classes.shape == (0,)
    image = Image.new("RGB", (40, 30), (10, 20, 30))
    drawn = draw_boxes(image, boxes.numpy(), classes.numpy(), NAMES, scores.numpy())
    assert np.array_equal(np.asarray(drawn), np.asarray(image))
    with pytest.raises(ValueError, match="yolo_outputs must be"):
        lab.yolo_eval(outputs[:3])
    with pytest.raises(ValueError, match="max_boxes"):
        lab.yolo_non_max_suppression(scores, boxes, classes, max_boxes=0)


# ---------------------------------------------------------------- files, images, drawing


def test_read_course_classes_and_anchors():
    classes_path, anchors_path = need_data(lab.YOLO_CLASSES, lab.YOLO_ANCHORS)
    names = lab.read_classes(classes_path)
    assert len(names) == 80 and names[2] == "car" and names[5] == "bus"
    np.testing.assert_allclose(lab.read_anchors(anchors_path), SPEC_ANCHORS)


def test_read_anchors_and_classes_bad_files(tmp_path):
    odd = tmp_path / "anchors.txt"
    odd.write_text("1.0, 2.0, 3.0")
    with pytest.raises(CorruptDataError, match="pairs"):
        lab.read_anchors(odd)
    odd.write_text("1.0, two")
    with pytest.raises(CorruptDataError, match="numbers"):
        lab.read_anchors(odd)
    empty = tmp_path / "classes.txt"
    empty.write_text("\n\n")
    with pytest.raises(CorruptDataError, match="no class names"):
        lab.read_classes(empty)


def test_preprocess_course_image():
    (path,) = need_data(lab.YOLO_IMAGE)
    image, data = lab.preprocess_image(path)
    assert image.size == (1280, 720) and image.mode == "RGB"
    assert data.shape == (1, 608, 608, 3) and data.dtype == np.float32
    assert 0.0 <= data.min() and data.max() <= 1.0


@pytest.mark.parametrize("mode", ["L", "RGBA", "P", "CMYK"])
def test_preprocess_converts_other_modes_to_rgb(tmp_path, mode):
    path = tmp_path / "img.png" if mode != "CMYK" else tmp_path / "img.jpg"
    Image.new(mode, (7, 5)).save(path)  # any size, even tiny, is resized
    image, data = lab.preprocess_image(path, model_image_size=(64, 32))
    assert image.mode == "RGB" and image.size == (7, 5) and data.shape == (1, 64, 32, 3)


def test_preprocess_bad_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        lab.preprocess_image(tmp_path / "missing.jpg")
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"not an image")
    with pytest.raises(CorruptDataError, match="not a readable image"):
        lab.preprocess_image(junk)
    deep = tmp_path / "deep.png"
    Image.new("I;16", (4, 4)).save(deep)
    with pytest.raises(ValueError, match="image mode 'I;16'"):
        lab.preprocess_image(deep)


def test_draw_boxes_colours_the_box_and_rejects_bad_boxes():
    image = Image.new("RGB", (100, 80))
    drawn = draw_boxes(image, np.array([[20.0, 10.0, 60.0, 90.0]]), [0], ["car", "bus"], [0.9])
    assert drawn.getpixel((10, 40)) == (255, 0, 0)  # left edge, class 0's colour
    assert drawn.getpixel((50, 40)) == (0, 0, 0)  # inside untouched
    assert image.getpixel((10, 40)) == (0, 0, 0)  # the input is not modified
    with pytest.raises(ValueError, match="max >= min"):
        draw_boxes(image, np.array([[20.0, 90.0, 60.0, 10.0]]), [0], ["car"])
    with pytest.raises(ValueError, match="class indices"):
        draw_boxes(image, np.array([[20.0, 10.0, 60.0, 90.0]]), [3], ["car"])
    with pytest.raises(ValueError, match=r"\(k, 4\)"):
        draw_boxes(image, np.ones((1, 3)), [0], ["car"])


def test_predict_with_a_stand_in_model(tmp_path, capsys):
    """A 'model' whose output is one confident car at anchor 0 of cell (row 0, column 1)."""
    feats = np.zeros((1, 2, 2, 5, 85), np.float32)
    feats[0, 0, 1, 0, 4] = 10.0  # objectness
    feats[0, 0, 1, 0, 5 + 2] = 10.0  # class 2
    image_path = tmp_path / "road.png"
    Image.new("RGB", (200, 100), (90, 90, 90)).save(image_path)

    def model(images):
        assert images.shape == (1, 608, 608, 3)
        return tf.constant(feats)

    out_png = tmp_path / "out" / "road.png"
    scores, boxes, classes = predict(
        model, image_path, class_names=NAMES, anchors=SPEC_ANCHORS, out_path=out_png
    )
    assert "Found 1 boxes" in capsys.readouterr().out
    w, h = SPEC_ANCHORS[0][0] / 2, SPEC_ANCHORS[0][1] / 2  # fractions of the image
    want = [(0.25 - h / 2) * 100, (0.75 - w / 2) * 200, (0.25 + h / 2) * 100, (0.75 + w / 2) * 200]
    np.testing.assert_allclose(boxes, [want], rtol=1e-5)
    assert classes.tolist() == [2] and scores[0] > 0.99
    assert Image.open(out_png).size == (200, 100)


# ---------------------------------------------------------------- YOLOv2 and the lab's run


def test_yolo_v2_weights_missing_is_a_clear_error(tmp_path, monkeypatch):
    from dlspec.cnn.detection.yolo_v2 import load_yolo_v2

    monkeypatch.setenv("DLSPEC_WEIGHTS_DIR", str(tmp_path))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(WeightsNotFoundError, match="yolo_v2_608_coco.weights.h5"):
        load_yolo_v2()
    with pytest.raises(WeightsNotFoundError, match="does not exist"):
        get_lab(LAB_ID).run(quick=True, out_dir=tmp_path, weights=tmp_path / "nope.weights.h5")


@pytest.mark.slow
def test_run_without_weights_says_so(tmp_path, monkeypatch):
    """The lab's run end to end, with a tiny shapes experiment (the real one is tested in
    test_shapes_detector.py); it builds the real YOLOv2 608 to count its parameters."""
    need_data(lab.YOLO_CLASSES, lab.YOLO_ANCHORS)
    monkeypatch.setenv("DLSPEC_WEIGHTS_DIR", str(tmp_path))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    real = runner.shapes_experiment

    def tiny(**kwargs):
        return real(**{**kwargs, "n_train": 32, "n_test": 8, "epochs": 1})

    monkeypatch.setattr(runner, "shapes_experiment", tiny)
    result = get_lab(LAB_ID).run(quick=True, out_dir=tmp_path)
    assert result.metrics["golden cases passed"] == 1.0
    assert result.metrics["YOLOv2 608 parameters (millions)"] == pytest.approx(50.983561)
    name = "shapes detector held-out mAP@0.5 (5 epochs, 1000 images)"
    assert 0.0 <= result.metrics[name] <= 1.0
    assert any("NO PRETRAINED YOLOv2 WEIGHTS" in note for note in result.notes)
    assert [p.name for p in result.figures] == ["shapes_detections.png"]
    assert result.figures[0].is_file() and result.figures[0].parent == tmp_path / LAB_ID


def test_space_to_depth_matches_tf_and_round_trips(tmp_path):
    import keras

    from dlspec.cnn.detection.yolo_v2 import SpaceToDepth, yolo_v2_model

    inputs = keras.Input((4, 6, 3))
    model = keras.Model(inputs, SpaceToDepth(2)(inputs))
    x = np.random.default_rng(0).normal(size=(2, 4, 6, 3)).astype(np.float32)
    np.testing.assert_array_equal(model(x).numpy(), tf.nn.space_to_depth(x, 2).numpy())
    assert model.output.shape == (None, 2, 3, 12)
    model.save(tmp_path / "s2d.keras")
    restored = keras.saving.load_model(tmp_path / "s2d.keras")
    np.testing.assert_array_equal(restored(x).numpy(), model(x).numpy())
    with pytest.raises(ValueError, match="block_size"):
        SpaceToDepth(1)
    with pytest.raises(ValueError, match="multiples of 32"):
        yolo_v2_model((600, 600, 3))


def test_with_weights_runs_predict_on_0001(tmp_path, monkeypatch):
    """The weights branch of the lab, wired end to end with a small stand-in network (the real
    YOLOv2 weights are not available): weights saved, resolved, loaded, boxes drawn."""
    import keras

    (image_path,) = need_data(lab.YOLO_IMAGE)

    def small_yolo():
        inputs = keras.Input((64, 64, 3))
        x = keras.layers.AveragePooling2D(32)(inputs)
        return keras.Model(inputs, keras.layers.Conv2D(425, 1)(x))

    monkeypatch.setattr(runner, "yolo_v2_model", small_yolo)
    weights = tmp_path / "yolo_v2_608_coco.weights.h5"
    trained = small_yolo()
    bias = np.zeros(425, np.float32)
    bias[4], bias[5 + 2] = 10.0, 10.0  # anchor 0 of every cell: a confident "class 2"
    trained.layers[-1].set_weights([np.zeros((1, 1, 3, 425), np.float32), bias])
    trained.save_weights(weights)

    run = LabRun(LAB_ID, out_dir=tmp_path, options={"weights": weights})
    run.state.update(class_names=NAMES, anchors=SPEC_ANCHORS)
    runner.detect_with_yolo_v2(run)
    result = run.result
    assert [p.name for p in result.figures] == ["0001_detections.png"]
    assert Image.open(result.figures[0]).size == (1280, 720)
    assert "course boxes found on 0001.jpg (IoU >= 0.5, same class)" in result.metrics
    assert sum(note.startswith("0001.jpg: class2 1.00") for note in result.notes) == 4


# Issue 21 items 10 and 11: an int threshold works, NaN boxes are refused.
def test_non_max_suppression_takes_an_int_iou_threshold():
    scores = tf.constant([0.9, 0.8])
    boxes = tf.constant([[0.0, 0, 1, 1], [0, 0.1, 1, 1.1]])
    s, _, _ = lab.yolo_non_max_suppression(scores, boxes, tf.constant([0, 1]), iou_threshold=1)
    assert s.shape == (2,)  # nothing overlaps by more than 1
    with pytest.raises(ValueError, match=r"iou_threshold must be a number in \[0, 1\]"):
        lab.yolo_non_max_suppression(scores, boxes, tf.constant([0, 1]), iou_threshold=1.5)


def test_iou_refuses_nan_boxes():
    with pytest.raises(ValueError, match="every coordinate of box1 must be a finite number"):
        lab.iou((float("nan"), 1, 4, 3), (1, 2, 3, 4))
