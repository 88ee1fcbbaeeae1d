"""C4W4A2 neural style transfer (lab c4w4-nst): costs, images, backbones, resumable runs."""

from __future__ import annotations

import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import need_data
from weights_helpers import need_weights

from dlspec.cnn.golden.neural_style_transfer import CASES
from dlspec.cnn.runs import neural_style_transfer as runner
from dlspec.cnn.style import backbones as sb
from dlspec.cnn.style import neural_style_transfer as nst
from dlspec.cnn.style import transfer
from dlspec.data.paths import CorruptDataError
from dlspec.labs import get_lab
from dlspec.weights import WEIGHTS_DIR_ENV, UntrainedBackboneWarning, WeightsNotFoundError

SIZE = 64
IMAGES = (nst.CONTENT_FILE, nst.STYLE_FILE)


def test_golden_tolerance_rejects_the_wrong_copy_of_the_course_value():
    case = CASES["c4w4-nst"][1]
    assert abs(14.01649 - case.expected) > case.rtol * case.expected
    assert abs(14.017808 - case.expected) <= case.rtol * case.expected


def _activation(rng, shape):
    return rng.normal(1.0, 4.0, shape).astype(np.float32)


def test_costs_match_numpy_references_and_work_symbolically():
    rng = np.random.default_rng(0)
    a_C, a_G = _activation(rng, (1, 3, 5, 4)), _activation(rng, (1, 3, 5, 4))
    expected_content = ((a_C - a_G) ** 2).sum() / (4 * 3 * 5 * 4)
    np.testing.assert_allclose(nst.compute_content_cost([a_C], [a_G]), expected_content, 1e-6)

    def gram(a):
        unrolled = a.reshape(-1, a.shape[-1]).T  # (n_C, n_H·n_W)
        return unrolled @ unrolled.T

    expected_style = ((gram(a_C) - gram(a_G)) ** 2).sum() / (4 * 4**2 * (3 * 5) ** 2)
    np.testing.assert_allclose(nst.compute_layer_style_cost(a_C, a_G), expected_style, 1e-5)
    np.testing.assert_allclose(nst.gram_matrix(a_C.reshape(-1, 4).T), gram(a_C), 1e-5)

    spec = tf.TensorSpec([1, None, None, 4], tf.float32)
    symbolic = tf.function(
        lambda c, g: (nst.compute_content_cost([c], [g]), nst.compute_layer_style_cost(c, g)),
        input_signature=[spec, spec],
    )
    content, style = symbolic(a_C, a_G)
    np.testing.assert_allclose([content, style], [expected_content, expected_style], 1e-5)

    layers = [("a", 0.3), ("b", 0.7)]
    outputs = [_activation(rng, (1, 4, 4, 2)) for _ in range(5)]
    style_out, gen_out = outputs[:2] + outputs[4:], outputs[2:4] + outputs[4:]
    weighted = 0.3 * nst.compute_layer_style_cost(outputs[0], outputs[2])
    weighted += 0.7 * nst.compute_layer_style_cost(outputs[1], outputs[3])
    np.testing.assert_allclose(nst.compute_style_cost(style_out, gen_out, layers), weighted, 1e-6)
    assert isinstance(nst.total_cost(0.2, 0.8), tf.Tensor)


def test_cost_functions_reject_mismatched_inputs():
    with pytest.raises(ValueError, match="same shape"):
        nst.compute_content_cost([tf.zeros((1, 2, 2, 3))], [tf.zeros((1, 3, 3, 3))])
    with pytest.raises(ValueError, match="same shape"):
        nst.compute_layer_style_cost(tf.zeros((1, 2, 2, 3)), tf.zeros((1, 2, 2, 4)))
    with pytest.raises(ValueError, match="expected 5 style activations"):
        nst.compute_style_cost([tf.zeros((1, 2, 2, 3))] * 3, [tf.zeros((1, 2, 2, 3))] * 3)


def test_clip_and_tensor_to_image():
    np.testing.assert_array_equal(nst.clip_0_1(tf.constant([-1.0, 0.25, 2.0])), [0, 0.25, 1])
    image = nst.tensor_to_image(tf.constant([[[[0.0, 0.5, 1.0]]]]))
    assert image.mode == "RGB" and image.size == (1, 1)
    image = np.asarray(image)
    np.testing.assert_array_equal(image[0, 0], [0, 127, 255])
    with pytest.raises(ValueError, match="one image"):
        nst.tensor_to_image(np.zeros((2, 4, 4, 3)))


def _write_png(path, array):
    tf.io.write_file(str(path), tf.io.encode_png(np.asarray(array, np.uint8)))
    return path


def test_gray_and_alpha_images_become_rgb_and_any_size_is_resized(tmp_path):
    gray = _write_png(tmp_path / "gray.png", np.full((30, 50, 1), 100))
    loaded = nst.load_image(gray, (SIZE, 48))
    assert loaded.shape == (1, SIZE, 48, 3)
    np.testing.assert_allclose(loaded.numpy(), 100 / 255, atol=1e-6)
    rgba = np.zeros((20, 20, 4))
    rgba[:10, :, :3], rgba[:10, :, 3] = (255, 0, 0), 255  # opaque red on top
    rgba[10:, :, :3] = 0  # transparent black below: composited on white
    loaded = nst.load_image(_write_png(tmp_path / "rgba.png", rgba), 20)[0].numpy()
    np.testing.assert_allclose(loaded[2, 5], [1, 0, 0], atol=1e-6)
    np.testing.assert_allclose(loaded[17, 5], [1, 1, 1], atol=1e-6)
    gray_alpha = np.stack([np.zeros((8, 8)), np.full((8, 8), 255)], axis=-1)  # opaque black
    np.testing.assert_allclose(nst.to_image_batch(gray_alpha.astype(np.uint8), 32), 0, atol=1e-6)


def test_bad_images_are_refused_clearly(tmp_path):
    with pytest.raises(FileNotFoundError, match="image file not found"):
        nst.load_image(tmp_path / "missing.jpg")
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not an image")
    with pytest.raises(CorruptDataError, match="bad.jpg"):
        nst.load_image(bad)
    with pytest.raises(ValueError, match="float pixels must be in"):
        nst.to_image_batch(np.full((8, 8, 3), 255.0, np.float32), what="style")
    with pytest.raises(ValueError, match="one image"):
        nst.to_image_batch(np.zeros((2, 8, 8, 3), np.uint8))
    with pytest.raises(ValueError, match=r"1 \(gray\), 2 .* or 4 \(RGBA\) channels; got 5"):
        nst.to_image_batch(np.zeros((8, 8, 5), np.uint8))
    with pytest.raises(ValueError, match="must be an image of shape"):
        nst.to_image_batch(np.zeros((8, 0, 3), np.uint8))


def _tiny_backbone() -> sb.StyleBackbone:
    keras.utils.set_random_seed(0)
    cnn = keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            keras.layers.Conv2D(4, 3, activation="relu", name="c1"),
            keras.layers.Conv2D(6, 3, strides=2, activation="relu", name="c2"),
            keras.layers.Conv2D(8, 3, activation="relu", name="c3"),
        ]
    )
    return sb.backbone_from_model(cnn, [("c1", 0.4), ("c2", 0.6)], "c3")


def test_precomputed_costs_and_their_gradient_equal_the_course_functions():
    backbone = _tiny_backbone()
    rng = np.random.default_rng(1)
    content, style, generated = (rng.uniform(size=(1, 32, 32, 3)).astype("float32") for _ in "abc")
    costs = transfer.StyleTransferCosts(backbone, content, style, alpha=3, beta=5)
    generated = tf.constant(generated)

    def course(image):
        a_C, a_S = backbone.model(content), backbone.model(style)
        a_G = backbone.model(image)
        J_content = nst.compute_content_cost(a_C, a_G)
        J_style = nst.compute_style_cost(a_S, a_G, backbone.style_layers)
        return nst.total_cost(J_content, J_style, 3, 5), J_content, J_style

    with tf.GradientTape(persistent=True) as tape:
        tape.watch(generated)
        ours, reference = costs(generated), course(generated)
    np.testing.assert_allclose(ours, reference, rtol=1e-4)
    np.testing.assert_allclose(
        tape.gradient(ours[0], generated),
        tape.gradient(reference[0], generated),
        rtol=1e-4,
        atol=1e-9,
    )


def test_train_step_is_traced_once_keeps_pixels_in_range_and_lowers_the_cost():
    backbone = _tiny_backbone()
    rng = np.random.default_rng(2)
    content, style = (rng.uniform(size=(1, 32, 32, 3)).astype("float32") for _ in "ab")
    costs = transfer.StyleTransferCosts(backbone, content, style)
    image = tf.Variable(nst.generated_image_init(content, seed=0))
    optimizer = keras.optimizers.Adam(0.03)
    optimizer.build([image])  # else the first call creates Adam's variables: a second trace
    step = nst.make_train_step(costs, optimizer)
    J = [float(step(image)) for _ in range(15)]
    assert step.experimental_get_tracing_count() == 1
    assert 0.0 <= float(tf.reduce_min(image)) and float(tf.reduce_max(image)) <= 1.0
    assert J[-1] < J[0]


def test_backbone_arguments_are_checked(tmp_path, monkeypatch):
    cnn = _tiny_backbone().model
    with pytest.raises(ValueError, match="'nope' is not a layer"):
        sb.get_layer_outputs(cnn, ["nope"])
    with pytest.raises(ValueError, match="at least one"):
        sb.backbone_from_model(cnn, [], "c3")
    with pytest.raises(ValueError, match="weights must be positive"):
        sb.backbone_from_model(cnn, [("c1", 0.0)], "c3")
    with pytest.raises(ValueError, match=r"\(layer name, weight\) pairs"):
        sb.backbone_from_model(cnn, ["c1"], "c3")
    with pytest.raises(ValueError, match="at least 32"):
        sb.vgg19_backbone(16, weights=None)
    monkeypatch.setenv(WEIGHTS_DIR_ENV, str(tmp_path))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    with pytest.raises(WeightsNotFoundError, match=sb.VGG19_NOTOP):
        sb.vgg19_backbone(SIZE, download=False)
    with pytest.raises(ValueError, match="built for 32x32 images but img_size is 64x64"):
        transfer.style_transfer(
            np.zeros((8, 8, 3), np.uint8),
            np.zeros((8, 8, 3), np.uint8),
            backbone=_tiny_backbone(),
            img_size=SIZE,
            epochs=1,
        )
    with pytest.raises(ValueError, match="save_every must be an integer >= 1"):
        transfer.style_transfer(None, None, backbone=_tiny_backbone(), img_size=32, save_every=0)


def test_untrained_vgg19_is_loud_and_has_the_course_layers():
    with pytest.warns(UntrainedBackboneWarning, match="untrained VGG-19"):
        backbone = sb.vgg19_backbone(SIZE, weights=None)
    shapes = [tuple(t.shape) for t in backbone.model(tf.zeros((1, SIZE, SIZE, 3)))]
    assert shapes == [
        (1, 64, 64, 64),
        (1, 32, 32, 128),
        (1, 16, 16, 256),
        (1, 8, 8, 512),
        (1, 4, 4, 512),
        (1, 4, 4, 512),
    ]
    assert backbone.style_layers == sb.STYLE_LAYERS and backbone.content_layer == "block5_conv4"
    assert not backbone.exact and "untrained" in backbone.describe()


@pytest.fixture(scope="module")
def mobilenet():
    """The offline MobileNetV2 backbone at 64×64 and the course's images."""
    path = need_weights()
    content, style = need_data(*IMAGES)
    return sb.mobilenet_v2_backbone(SIZE, path), content, style


def test_offline_mobilenet_backbone_loads_the_real_weights(mobilenet):
    backbone, _, _ = mobilenet
    reference = keras.applications.MobileNetV2(
        input_shape=(160, 160, 3), include_top=False, weights=str(need_weights())
    )
    got = backbone.model.get_layer("block_2_expand").get_weights()[0]
    np.testing.assert_array_equal(got, reference.get_layer("block_2_expand").get_weights()[0])
    assert "not the exact course weights" in backbone.describe() and not backbone.exact


def test_lab_falls_back_to_mobilenet_and_says_so(mobilenet, monkeypatch, tmp_path):
    from dlspec import weights as weights_module

    def offline(file):
        raise OSError("offline")

    monkeypatch.setattr(weights_module, "_download", offline)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UntrainedBackboneWarning)  # never random VGG-19
        backbone, notes = sb.lab_backbone(SIZE)
    assert backbone.name.startswith("MobileNetV2") and backbone.weights is not None
    assert "does NOT use the course's network" in notes[0] and "--weights" in notes[0]
    backbone, notes = sb.lab_backbone(SIZE, need_weights())
    assert backbone.name.startswith("MobileNetV2")
    monkeypatch.setenv(WEIGHTS_DIR_ENV, str(tmp_path))
    with pytest.raises(WeightsNotFoundError, match="Fallback"):
        sb.lab_backbone(SIZE)


@pytest.mark.slow
def test_short_run_lowers_the_total_cost_by_half_and_saves(mobilenet, tmp_path):
    backbone, content, style = mobilenet
    result = transfer.style_transfer(
        content,
        style,
        backbone=backbone,
        img_size=SIZE,
        epochs=30,
        out_dir=tmp_path,
        save_every=10,
        verbose=0,
    )
    assert result.cost_reduction >= 0.5, result.J[::5]
    assert len(result.J) == 30 and result.final_costs["J"] < result.J[0]
    assert [p.name for p in result.saved] == [
        "image_10.png",
        "image_20.png",
        "image_30.png",
        "generated.png",
    ]
    png = tf.io.decode_png(tf.io.read_file(str(result.saved[-1])))
    assert png.shape == (SIZE, SIZE, 3)
    again = transfer.style_transfer(  # a finished run resumes, takes no step, reports the same
        content,
        style,
        backbone=backbone,
        img_size=SIZE,
        epochs=30,
        out_dir=tmp_path,
        save_every=10,
        verbose=0,
    )
    assert again.resumed_from == 30 and again.J == result.J
    np.testing.assert_array_equal(again.image, result.image)


@pytest.mark.slow
def test_interrupted_run_resumes_to_the_uninterrupted_result(mobilenet, tmp_path, monkeypatch):
    backbone, content, style = mobilenet
    kwargs = dict(backbone=backbone, img_size=SIZE, learning_rate=0.03, save_every=3, verbose=0)
    whole = transfer.style_transfer(content, style, epochs=6, out_dir=tmp_path / "whole", **kwargs)
    make = nst.make_train_step

    def dies_at_step_5(costs, optimizer, **options):
        step, calls = make(costs, optimizer, **options), []

        def killed(image):
            calls.append(1)
            if len(calls) == 5:
                raise KeyboardInterrupt  # steps 1-4 done, the checkpoint of step 3 written
            return step(image)

        return killed

    run_dir = tmp_path / "killed"
    monkeypatch.setattr(transfer, "make_train_step", dies_at_step_5)
    with pytest.raises(KeyboardInterrupt):
        transfer.style_transfer(content, style, epochs=6, out_dir=run_dir, **kwargs)
    monkeypatch.setattr(transfer, "make_train_step", make)
    resumed = transfer.style_transfer(content, style, epochs=6, out_dir=run_dir, **kwargs)
    assert whole.resumed_from == 0 and resumed.resumed_from == 3
    np.testing.assert_allclose(resumed.J, whole.J, rtol=1e-5)
    np.testing.assert_allclose(resumed.image, whole.image, atol=1e-5)
    assert (run_dir / "images" / "image_3.png").is_file()

    with pytest.raises(ValueError, match=r"other settings \(learning_rate\)"):
        transfer.style_transfer(
            content, style, epochs=6, out_dir=run_dir, **(kwargs | {"learning_rate": 0.1})
        )
    fresh = transfer.style_transfer(
        content, style, epochs=1, out_dir=run_dir, overwrite=True, **kwargs
    )
    assert fresh.resumed_from == 0 and len(fresh.J) == 1


@pytest.mark.slow
def test_lab_run_quick(mobilenet, tmp_path, monkeypatch):
    _, content, style = mobilenet
    monkeypatch.setattr(runner, "QUICK", (SIZE, 4, 2, 0.03))
    result = get_lab("c4w4-nst").run(
        quick=True, out_dir=tmp_path, weights=need_weights(), content=content, style=style
    )
    assert result.metrics["golden cases passed"] == 1.0
    name = f"total cost reduction (4 steps, {SIZE}x{SIZE})"
    assert 0 < result.metrics[name] < 1 and "total cost reduction" not in result.metrics
    assert any("MobileNetV2" in note for note in result.notes)
    assert all(path.is_file() for path in result.figures)
    assert all(tmp_path / "c4w4-nst" in path.parents for path in result.figures)


# Issue 21 item 10: near-miss inputs get the course's shapes in the message, or just work.
def test_content_cost_accepts_the_v3a_activations_and_mixed_dtypes():
    tf.random.set_seed(1)
    a_C = tf.random.normal([1, 1, 4, 4, 3], mean=1, stddev=4)
    a_G = tf.random.normal([1, 1, 4, 4, 3], mean=1, stddev=4)
    expected = float(nst.compute_content_cost(a_C, a_G))
    assert np.isclose(float(nst.compute_content_cost(a_C[-1], a_G[-1])), expected)  # v3a
    assert np.isclose(float(nst.compute_content_cost([a_C[-1]], [a_G[-1]])), expected)
    mixed = nst.compute_content_cost(tf.cast(a_C, tf.float64), a_G)
    assert np.isclose(float(mixed), expected, rtol=1e-5)
    style = nst.compute_layer_style_cost(tf.cast(a_C[-1], tf.float64), a_G[-1])
    assert np.isfinite(float(style))


def test_content_cost_names_the_expected_shape():
    with pytest.raises(ValueError, match=r"shape \(1, n_H, n_W, n_C\); got shape \[4, 3\]"):
        nst.compute_content_cost(tf.ones((4, 4, 3)), tf.ones((4, 4, 3)))


@pytest.mark.parametrize("shape", [(6,), (1, 2, 2, 3)])
def test_gram_matrix_names_the_course_shape(shape):
    with pytest.raises(ValueError, match=r"\(n_C, n_H\*n_W\)"):
        nst.gram_matrix(tf.ones(shape))
