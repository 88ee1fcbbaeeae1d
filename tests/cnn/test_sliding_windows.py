"""Sliding windows, convolutionally: FC → conv on a trained SIGNS classifier."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from conftest import need_data

from dlspec.cnn.convolution_application import convolutional_model
from dlspec.cnn.lectures.sliding_windows import (
    convolutional_sliding_windows,
    crop_and_classify,
    dense_head_to_conv,
    train_window_classifier,
    window_classifier,
    window_grid,
)

layers = keras.layers
SIGNS = ("course4/signs/test_signs.h5",)


@pytest.fixture(scope="module")
def trained():
    need_data(*SIGNS)
    model, history = train_window_classifier(epochs=4)
    return model, history


@pytest.fixture(scope="module")
def mosaic():
    """Six SIGNS test photos side by side, shifted by 3 pixels: a real 131×195 image."""
    from dlspec.data.signs import load_signs

    need_data(*SIGNS)
    images = load_signs("test").images[:6].astype("float32") / 255.0
    rows = [np.concatenate(list(images[i : i + 3]), axis=1) for i in (0, 3)]
    return np.pad(np.concatenate(rows, axis=0), ((3, 0), (3, 0), (0, 0)), mode="edge")


@pytest.mark.slow
def test_training_learns_the_signs(trained):
    _, history = trained
    assert history["loss"][-1] < history["loss"][0]
    assert history["val_accuracy"][-1] > 0.5  # 6 classes: chance is 1/6


@pytest.mark.slow
def test_one_convolutional_pass_equals_crop_and_classify(trained, mosaic):
    model, _ = trained
    window, stride = window_grid(model)
    assert (window, stride) == (64, 8)
    convolutional = convolutional_sliding_windows(dense_head_to_conv(model), mosaic)
    cropped = crop_and_classify(model, mosaic, window=window, stride=stride, batch_size=50)
    assert convolutional.shape == cropped.shape == ((131 - 64) // 8 + 1, (195 - 64) // 8 + 1, 6)
    assert np.abs(convolutional - cropped).max() <= 1e-5
    np.testing.assert_allclose(cropped.sum(-1), 1.0, rtol=1e-5)  # softmax kept
    assert len(np.unique(cropped.argmax(-1))) > 1  # the scores do vary over the image


@pytest.mark.slow
def test_converted_model_on_a_single_window_is_the_classifier(trained):
    model, _ = trained
    conv_model = dense_head_to_conv(model)
    crops = np.random.default_rng(0).random((5, 64, 64, 3), dtype="float32")
    got = keras.ops.convert_to_numpy(conv_model(crops))
    assert got.shape == (5, 1, 1, 6)
    np.testing.assert_allclose(got[:, 0, 0], model(crops).numpy(), atol=1e-6)
    fc1 = conv_model.get_layer("fc1_as_conv")
    assert fc1.kernel.shape == (6, 6, 32, 64)
    assert conv_model.count_params() == model.count_params()


def test_dropout_between_dense_layers_is_kept():
    model = keras.Sequential(
        [
            keras.Input((12, 12, 2)),
            layers.Conv2D(3, 3),
            layers.Flatten(),
            layers.Dense(8, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(4),
        ]
    )
    conv_model = dense_head_to_conv(model)
    assert [type(layer).__name__ for layer in conv_model.layers] == [
        "Conv2D",
        "Conv2D",
        "Dropout",
        "Conv2D",
    ]
    image = np.random.default_rng(1).random((20, 16, 2), dtype="float32")
    expected = crop_and_classify(model, image, window=12, stride=1)
    np.testing.assert_allclose(
        convolutional_sliding_windows(conv_model, image), expected, atol=1e-5
    )


def test_same_padding_breaks_the_equivalence():
    # the course's convolutional_model pads crops with zeros where the big image has pixels
    model = convolutional_model((64, 64, 3))
    image = np.random.default_rng(2).random((128, 128, 3), dtype="float32")
    convolutional = convolutional_sliding_windows(dense_head_to_conv(model), image)
    cropped = crop_and_classify(model, image, window=64, stride=window_grid(model)[1])
    assert convolutional.shape == cropped.shape
    assert np.abs(convolutional - cropped).max() > 1e-4


def test_bad_models_and_images_are_refused():
    no_flatten = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            layers.Conv2D(2, 3),
            layers.GlobalAveragePooling2D(),
            layers.Dense(2),
        ]
    )
    with pytest.raises(ValueError, match="no Flatten layer"):
        dense_head_to_conv(no_flatten)
    inputs = keras.Input((8, 8, 1))
    branch = layers.Conv2D(2, 3)(inputs)
    joined = layers.Concatenate()([branch, layers.Conv2D(2, 3)(inputs)])
    dense = layers.Dense(2)(layers.Flatten()(joined))
    with pytest.raises(ValueError, match="chain of layers"):
        dense_head_to_conv(keras.Model(inputs, dense))
    conv_after = keras.Sequential(
        [keras.Input((8, 8, 1)), layers.Flatten(), layers.Dense(4), layers.Reshape((2, 2, 1))]
    )
    with pytest.raises(ValueError, match="Flatten followed by Dense"):
        dense_head_to_conv(conv_after)
    with pytest.raises(ValueError, match="smaller than the window"):
        crop_and_classify(window_classifier(), np.zeros((40, 80, 3)), window=64, stride=8)
    with pytest.raises(ValueError, match=r"\(height, width, channels\)"):
        convolutional_sliding_windows(dense_head_to_conv(window_classifier()), np.zeros((64, 64)))
