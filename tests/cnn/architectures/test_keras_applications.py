"""Our builders against keras.applications: the same parameter counts (with top, 224×224,
1000 classes) and, for VGG, MobileNet v1/v2 and EfficientNet-B0, the same layer names and order:
weights saved from the Keras model load into ours and give the same outputs."""

from __future__ import annotations

import re

import h5py
import keras
import numpy as np
import pytest

from dlspec.cnn.architectures import (
    efficientnet,
    efficientnet_b0,
    efficientnet_from_coefficients,
    mobilenet_v1,
    mobilenet_v2,
    resnet50,
    vgg16,
    vgg19,
)
from dlspec.cnn.residual_networks import ResNet50
from dlspec.training.batchnorm import batchnorm_layers, reestimate_batchnorm_statistics
from dlspec.weights import WeightsNotFoundError

apps = keras.applications


def _random_batch(shape, n=2, scale=1.0, seed=0):
    return (np.random.default_rng(seed).random((n, *shape)) * scale).astype("float32")


def _outputs(model, x):
    return keras.ops.convert_to_numpy(model(x, training=False))


def _weight_layer_names(model):
    """Names of the layers with weights; Keras' automatic names (``normalization_3``) read as
    the class name, since they depend on how many such layers the session has made."""
    names = []
    for layer in model.layers:
        if layer.weights:
            auto = re.sub(r"(?<!^)(?=[A-Z])", "_", type(layer).__name__).lower()
            names.append(auto if re.fullmatch(rf"{auto}(_\d+)?", layer.name) else layer.name)
    return names


def _same_weights_same_outputs(ours, theirs, path, x):
    """Save ``theirs`` to ``path``, load into ``ours``, compare layer names and outputs.

    A freshly initialised network with BatchNorm's initial statistics (mean 0, variance 1)
    shrinks its activations layer after layer until the softmax is uniform for any input, which
    would make the comparison empty; re-estimating the statistics on ``x`` first gives
    outputs that differ from image to image (checked)."""
    assert [w.shape for w in ours.weights] == [w.shape for w in theirs.weights]
    assert _weight_layer_names(ours) == _weight_layer_names(theirs)
    if batchnorm_layers(theirs):
        reestimate_batchnorm_statistics(theirs, [x])
    theirs.save_weights(path)
    ours.load_weights(path)
    got, expected = _outputs(ours, x), _outputs(theirs, x)
    assert np.abs(expected[0] - expected[1]).max() > 1e-5  # the outputs depend on the image
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-7)
    assert np.abs(got - expected).max() <= 1e-5
    return got


@pytest.fixture(autouse=True)
def _free_models():
    yield
    keras.backend.clear_session()


# ------------------------------------------------------------------ VGG


@pytest.mark.slow
def test_vgg16_with_top_same_count_and_imagenet_style_file_loads(tmp_path):
    ours = vgg16()
    theirs = apps.VGG16(weights=None)
    assert ours.count_params() == theirs.count_params() == 138_357_544
    x = _random_batch((224, 224, 3), scale=255.0)
    got = _same_weights_same_outputs(ours, theirs, tmp_path / "vgg16.weights.h5", x)
    assert got.shape == (2, 1000)
    np.testing.assert_allclose(got.sum(axis=1), 1.0, rtol=1e-5)
    del ours, theirs


@pytest.mark.slow
def test_vgg19_with_top_same_count():
    ours = vgg19()
    assert ours.count_params() == 143_667_240
    del ours
    keras.backend.clear_session()
    theirs = apps.VGG19(weights=None)
    assert theirs.count_params() == 143_667_240
    del theirs


@pytest.mark.parametrize("builder, app", [(vgg16, apps.VGG16), (vgg19, apps.VGG19)])
def test_vgg_no_top_weights_load(builder, app, tmp_path):
    shape = (48, 48, 3)
    ours = builder(input_shape=shape, include_top=False)
    theirs = app(weights=None, include_top=False, input_shape=shape)
    assert ours.count_params() == theirs.count_params()
    _same_weights_same_outputs(ours, theirs, tmp_path / "v.weights.h5", _random_batch(shape))


# ------------------------------------------------------------------ ResNet-50


@pytest.mark.slow
def test_resnet50_same_count_as_keras_and_lab_variant_unchanged():
    ours = resnet50()
    assert ours.count_params() == 25_636_712
    assert ours.output_shape == (None, 1000)
    del ours
    theirs = apps.ResNet50(weights=None)
    assert theirs.count_params() == 25_636_712
    del theirs
    keras.backend.clear_session()
    assert ResNet50(input_shape=(64, 64, 3), classes=6).count_params() == 23_600_006


@pytest.mark.slow
def test_resnet50_is_built_from_the_labs_blocks_with_distinct_kernels(monkeypatch):
    import dlspec.cnn.architectures.resnet as module

    calls = {"identity": 0, "convolutional": 0}

    def counting(name, block):
        def wrapped(*args, **kwargs):
            calls[name] += 1
            return block(*args, **kwargs)

        return wrapped

    monkeypatch.setattr(module, "identity_block", counting("identity", module.identity_block))
    monkeypatch.setattr(
        module, "convolutional_block", counting("convolutional", module.convolutional_block)
    )
    model = module.resnet50(input_shape=(32, 32, 3), classes=10)
    assert calls == {"identity": 12, "convolutional": 4}
    assert model.output_shape == (None, 10)
    # The lab's blocks seed every initializer with 0; the builder must not inherit that.
    kernels = [
        w.numpy() for w in model.weights if w.name == "kernel" and w.shape == (1, 1, 256, 64)
    ]
    assert len(kernels) >= 2
    assert not np.allclose(kernels[0], kernels[1])
    # BatchNorm follows the training flag (the lab's blocks default to training=True): in
    # inference mode an image's output does not depend on the rest of the batch.
    x = _random_batch((32, 32, 3), n=3)
    np.testing.assert_allclose(_outputs(model, x[:1]), _outputs(model, x)[:1], rtol=1e-3)


def test_resnet50_refuses_keras_imagenet_weights():
    with pytest.raises(ValueError, match="cannot load keras.applications' ImageNet"):
        resnet50(weights="imagenet")


# ------------------------------------------------------------------ MobileNet v1 / v2


@pytest.mark.slow
@pytest.mark.parametrize(
    "builder, app, count",
    [(mobilenet_v1, apps.MobileNet, 4_253_864), (mobilenet_v2, apps.MobileNetV2, 3_538_984)],
)
def test_mobilenet_with_top_same_count_and_weights_load(builder, app, count, tmp_path):
    ours = builder()
    theirs = app(weights=None)
    assert ours.count_params() == theirs.count_params() == count
    assert ours.name == theirs.name
    x = _random_batch((224, 224, 3), scale=2.0) - 1.0
    got = _same_weights_same_outputs(ours, theirs, tmp_path / "m.weights.h5", x)
    assert got.shape == (2, 1000)


@pytest.mark.parametrize(
    "builder, app, alpha, size, include_top",
    [
        (mobilenet_v1, apps.MobileNet, 0.25, 128, True),
        (mobilenet_v1, apps.MobileNet, 0.75, 96, False),
        (mobilenet_v2, apps.MobileNetV2, 0.35, 96, True),
        (mobilenet_v2, apps.MobileNetV2, 1.3, 64, False),
    ],
)
def test_mobilenet_width_multiplier_matches_keras(builder, app, alpha, size, include_top):
    shape = (size, size, 3)
    ours = builder(input_shape=shape, alpha=alpha, include_top=include_top)
    theirs = app(input_shape=shape, alpha=alpha, include_top=include_top, weights=None)
    assert ours.count_params() == theirs.count_params()
    assert ours.output_shape == theirs.output_shape


def _write_legacy_h5(model, path):
    """Write ``model``'s weights in the legacy Keras 2 layout of the ImageNet ``.h5`` files."""
    from keras.src.legacy.saving.legacy_h5_format import save_weights_to_hdf5_group

    with h5py.File(path, "w") as f:
        save_weights_to_hdf5_group(f, model)


@pytest.mark.parametrize(
    "builder, app, file_name",
    [
        (mobilenet_v1, apps.MobileNet, "mobilenet_2_5_128_tf_no_top.h5"),
        (
            mobilenet_v2,
            apps.MobileNetV2,
            "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96_no_top.h5",
        ),
    ],
)
def test_imagenet_weights_found_in_weights_dir(builder, app, file_name, tmp_path, monkeypatch):
    # No ImageNet file is available offline: a Keras model's random weights, written in the
    # ImageNet files' legacy layout under the file name Keras downloads, stand in for one.
    alpha, size = (0.25, 128) if builder is mobilenet_v1 else (0.35, 96)
    shape = (size, size, 3)
    theirs = app(input_shape=shape, alpha=alpha, include_top=False, weights=None)
    _write_legacy_h5(theirs, tmp_path / file_name)
    monkeypatch.setenv("DLSPEC_WEIGHTS_DIR", str(tmp_path))
    ours = builder(input_shape=shape, alpha=alpha, include_top=False, weights="imagenet")
    x = _random_batch(shape)
    np.testing.assert_allclose(_outputs(ours, x), _outputs(theirs, x), rtol=0, atol=1e-5)


def test_weights_path_argument_loads_and_missing_path_raises(tmp_path):
    shape = (32, 32, 3)
    theirs = apps.MobileNet(input_shape=shape, alpha=0.25, weights=None, classes=5)
    path = tmp_path / "mine.weights.h5"
    theirs.save_weights(path)
    ours = mobilenet_v1(input_shape=shape, alpha=0.25, classes=5, weights=path)
    x = _random_batch(shape)
    np.testing.assert_allclose(_outputs(ours, x), _outputs(theirs, x), rtol=0, atol=1e-5)
    with pytest.raises(WeightsNotFoundError, match="does not exist"):
        mobilenet_v1(input_shape=shape, alpha=0.25, weights=tmp_path / "missing.weights.h5")


def test_imagenet_weights_missing_offline_says_which_file(tmp_path, monkeypatch):
    import dlspec.weights

    def offline(file):
        raise OSError("offline")

    monkeypatch.setenv("DLSPEC_WEIGHTS_DIR", str(tmp_path))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr(dlspec.weights, "_download", offline)
    with pytest.raises(
        WeightsNotFoundError, match="vgg16_weights_tf_dim_ordering_tf_kernels_notop"
    ):
        vgg16(input_shape=(32, 32, 3), include_top=False, weights="imagenet")


# ------------------------------------------------------------------ EfficientNet


@pytest.mark.slow
def test_efficientnet_b0_same_count_and_weights_load(tmp_path):
    ours = efficientnet(phi=0)
    theirs = apps.EfficientNetB0(weights=None)
    assert ours.count_params() == theirs.count_params() == 5_330_571
    assert ours.name == theirs.name == "efficientnetb0"
    # Normalization has no statistics until adapted or loaded: give it ImageNet's.
    norm = next(layer for layer in theirs.layers if isinstance(layer, keras.layers.Normalization))
    norm.set_weights(
        [np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225]) ** 2, np.array(1)]
    )
    norm.finalize_state()  # set_weights alone leaves the layer normalising with 0 and 1
    got = _same_weights_same_outputs(
        ours, theirs, tmp_path / "b0.weights.h5", _random_batch((224, 224, 3), scale=255.0)
    )
    assert np.isfinite(got).all() and got.shape == (2, 1000)


@pytest.mark.slow
def test_published_b1_coefficients_build_keras_b1():
    shape = (64, 64, 3)
    ours = efficientnet_from_coefficients(1.0, 1.1, shape)
    theirs = apps.EfficientNetB1(input_shape=shape, weights=None)
    assert ours.count_params() == theirs.count_params() == 7_856_239
    assert len(ours.layers) == len(theirs.layers)


@pytest.mark.slow
def test_efficientnet_b0_imagenet_file_gets_keras_variance_correction(tmp_path, monkeypatch):
    keras.utils.set_random_seed(0)
    # Keras' ImageNet B0 file stores the per-channel variance where the standard deviation
    # belongs; with weights="imagenet" both Keras and we divide once more by sqrt(std), i.e.
    # normalise by sqrt(variance · std).
    shape = (64, 64, 3)
    mean, std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
    theirs = apps.EfficientNetB0(input_shape=shape, include_top=False, weights=None)
    norm = next(layer for layer in theirs.layers if isinstance(layer, keras.layers.Normalization))

    def set_variance(variance):
        norm.set_weights([mean, variance, np.array(1)])
        norm.finalize_state()

    x = _random_batch(shape, n=2, scale=255.0)
    set_variance(std**2 * std)  # what the corrected model computes
    reestimate_batchnorm_statistics(theirs, [x])
    set_variance(std**2)  # what the file holds
    _write_legacy_h5(theirs, tmp_path / "efficientnetb0_notop.h5")
    monkeypatch.setenv("DLSPEC_WEIGHTS_DIR", str(tmp_path))
    ours = efficientnet_b0(input_shape=shape, include_top=False, weights="imagenet")
    assert ours.count_params() == theirs.count_params()
    got, uncorrected = _outputs(ours, x), _outputs(theirs, x)
    set_variance(std**2 * std)
    expected = _outputs(theirs, x)
    assert np.abs(expected[0] - expected[1]).max() > 1e-3
    # The two ways of computing the same normalisation round differently, and BatchNorm layers
    # with statistics from one batch amplify that; without the correction the gap is far larger.
    gap = np.abs(got - expected).max()
    assert gap <= 1e-3 * np.abs(expected).max()  # 1e-5 to 2e-4 over seeds 0-5
    assert np.abs(uncorrected - expected).max() > 1000 * gap  # 1e4 to 4e6 over seeds 0-5
