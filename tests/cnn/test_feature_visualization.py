"""What deep networks learn: top-activating patches (vs brute force), feature maps, filters."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from dlspec.cnn.lectures.feature_visualization import (
    feature_maps,
    first_layer_filters,
    top_activating_patches,
)
from dlspec.cnn.lectures.receptive_field import receptive_fields
from dlspec.cnn.lectures.sliding_windows import window_classifier
from dlspec.viz.activations import (
    patch_montage,
    plot_feature_maps,
    plot_filters,
    plot_patch_grids,
)


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(0)
    return window_classifier()


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).random((20, 64, 64, 3), dtype="float32")


def _brute_force(model, layer, images, channel, k):
    """Every position of every image, sorted; the best position of each of the top k images."""
    probe = keras.Model(model.inputs[0], model.get_layer(layer).output)
    maps = probe(images).numpy()[..., channel]  # (n, h, w)
    found = []
    for index in range(len(images)):
        row, col = np.unravel_index(maps[index].argmax(), maps[index].shape)
        found.append((maps[index, row, col], index, (int(row), int(col))))
    found.sort(key=lambda item: -item[0])
    return found[:k]


@pytest.mark.parametrize("layer", ["conv1", "conv2", "pool3"])
def test_top_patches_equal_brute_force(model, images, layer):
    channels = [0, 3, 7]
    shown = (images * 255).astype("uint8")
    patches = top_activating_patches(
        model, layer, images, channels, k=9, display_images=shown, batch_size=7
    )
    field = receptive_fields(model)[layer]
    assert sorted(patches) == channels
    for channel in channels:
        expected = _brute_force(model, layer, images, channel, 9)
        got = patches[channel]
        assert [p.image_index for p in got] == [index for _, index, _ in expected]
        assert [p.position for p in got] == [position for _, _, position in expected]
        np.testing.assert_allclose(
            [p.activation for p in got], [v for v, _, _ in expected], rtol=1e-5
        )
        for patch in got:
            assert patch.box == field.box(*patch.position, image_shape=(64, 64))
            top, left, bottom, right = patch.box
            np.testing.assert_array_equal(
                patch.pixels, shown[patch.image_index, top:bottom, left:right]
            )


def test_fields_larger_than_the_image_are_clipped_to_it(images):
    wide = keras.Sequential(
        [keras.Input((16, 16, 3)), keras.layers.Conv2D(2, 21, padding="same", name="wide")]
    )
    assert receptive_fields(wide)["wide"].size == (21, 21)
    small = images[:, :16, :16]
    for patch in top_activating_patches(wide, "wide", small, [1], k=5)[1]:
        top, left, bottom, right = patch.box
        assert 0 <= top < bottom <= 16 and 0 <= left < right <= 16
        assert bottom - top < 21 and right - left < 21
        assert patch.pixels.shape == (bottom - top, right - left, 3)


def test_top_patches_refuse_bad_arguments(model, images):
    with pytest.raises(ValueError, match="no layer 'nope'"):
        top_activating_patches(model, "nope", images, [0])
    with pytest.raises(ValueError, match=r"channels must be in 0\.\.15"):
        top_activating_patches(model, "conv1", images, [16])
    with pytest.raises(ValueError, match="k must be between 1 and the number of images"):
        top_activating_patches(model, "conv1", images[:3], [0], k=9)
    with pytest.raises(ValueError, match="same images"):
        top_activating_patches(model, "conv1", images, [0], display_images=images[:, :32])
    with pytest.raises(ValueError, match="batch"):
        top_activating_patches(model, "conv1", images[0], [0])


def test_feature_maps_are_the_layer_outputs(model, images):
    maps = feature_maps(model, ["conv1", "conv3"], images[4])
    assert {name: m.shape for name, m in maps.items()} == {
        "conv1": (60, 60, 16),
        "conv3": (12, 12, 32),
    }
    probe = keras.Model(model.inputs[0], model.get_layer("conv3").output)
    np.testing.assert_allclose(maps["conv3"], probe(images[4:5]).numpy()[0], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match=r"\(height, width, channels\)"):
        feature_maps(model, ["conv1"], images)


def test_first_layer_filters_are_scaled_kernels(model):
    filters = first_layer_filters(model)
    kernel = model.get_layer("conv1").get_weights()[0]
    assert filters.shape == (16, 5, 5, 3)
    np.testing.assert_allclose(filters.min(axis=(1, 2, 3)), 0.0, atol=1e-6)
    np.testing.assert_allclose(filters.max(axis=(1, 2, 3)), 1.0, atol=1e-6)
    # an affine rescaling of each filter: correlation 1 with the raw kernel
    raw = np.moveaxis(kernel, -1, 0).reshape(16, -1)
    for scaled, original in zip(filters.reshape(16, -1), raw):
        assert np.corrcoef(scaled, original)[0, 1] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="no Conv2D layer"):
        first_layer_filters(keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]))


def test_montage_centres_clipped_patches():
    big = np.full((4, 4, 3), 255, "uint8")
    small = np.zeros((2, 2), "float32")
    canvas = patch_montage([big, small], ncols=2, gap=1)
    assert canvas.shape == (4, 9, 3)
    np.testing.assert_array_equal(canvas[:, :4], 1.0)
    assert canvas[0, 4, 0] == 1.0  # the gap
    np.testing.assert_array_equal(canvas[1:3, 6:8], 0.0)  # the small patch, centred
    assert canvas[0, 5, 0] == 0.5  # gray around it
    with pytest.raises(ValueError, match="at least one patch"):
        patch_montage([])


def test_plots_write_pngs(tmp_path, model, images):
    patches = top_activating_patches(model, "conv2", images, [0, 1], k=9)
    grids = {f"channel {c}": [p.pixels for p in ps] for c, ps in patches.items()}
    paths = [
        plot_patch_grids(grids, tmp_path / "grid.png", title="conv2"),
        plot_feature_maps(feature_maps(model, ["conv1"], images[0])["conv1"], tmp_path / "m.png"),
        plot_filters(first_layer_filters(model), tmp_path / "f.png"),
    ]
    for path in paths:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="at least one grid"):
        plot_patch_grids({}, tmp_path / "empty.png")
    with pytest.raises(ValueError, match=r"\(n, f, f, 1 or 3\)"):
        plot_filters(np.zeros((4, 3, 3, 5)), tmp_path / "bad.png")
    with pytest.raises(ValueError, match=r"\(height, width, channels\)"):
        plot_feature_maps(np.zeros((4, 4)), tmp_path / "bad.png")
