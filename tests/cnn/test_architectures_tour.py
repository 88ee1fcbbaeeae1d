"""Lab c4w2-architectures: the lectures' costs, the mosaic, and the lab's wiring (cheap)."""

from __future__ import annotations

import functools

import keras
import numpy as np
import pytest
from conftest import need_data

from dlspec.cnn import architectures
from dlspec.cnn.architectures import ARCHITECTURES, KERAS_TWINS, lenet5, mobilenet_v2
from dlspec.cnn.lectures.cost_calculator import lecture_costs
from dlspec.cnn.lectures.sliding_windows import signs_mosaic
from dlspec.cnn.runs import architectures_tour as tour
from dlspec.labs import get_lab

LAB = "c4w2-architectures"


def test_lecture_costs():
    costs = lecture_costs()
    assert costs["5x5 conv"] == 120_422_400
    assert costs["1x1 bottleneck + 5x5 conv"] == 12_443_648
    assert (costs["3x3 conv"], costs["depthwise-separable conv"]) == (2160, 672)
    assert costs["separable / normal ratio"] == pytest.approx(costs["1/n_c + 1/f^2"])
    assert round(costs["separable / normal ratio"], 2) == 0.31


def test_signs_mosaic_puts_photo_i_at_row_i_div_cols():
    images = np.arange(6 * 4 * 5 * 3).reshape(6, 4, 5, 3)
    mosaic = signs_mosaic(images, 2, 3)
    assert mosaic.shape == (8, 15, 3)
    for index in range(6):
        row, col = divmod(index, 3)
        np.testing.assert_array_equal(
            mosaic[4 * row : 4 * row + 4, 5 * col : 5 * col + 5], images[index]
        )
    with pytest.raises(ValueError, match="need 8 images"):
        signs_mosaic(images, 2, 4)


def test_keras_twins_name_real_builders():
    for ours, theirs in KERAS_TWINS.items():
        assert ours in ARCHITECTURES and callable(getattr(keras.applications, theirs))


@pytest.mark.slow
def test_run_writes_tables_and_figures_with_the_registry_metrics(tmp_path, monkeypatch):
    """The whole lab on small stand-ins: 2 builders, 1 epoch, 2 MobileNet layers."""
    need_data("course4/signs/test_signs.h5", "course4/alpaca/alpaca", "course4/alpaca/not alpaca")
    small = {"lenet5": lenet5, "mobilenet_v2": functools.partial(mobilenet_v2, (96, 96, 3))}
    monkeypatch.setattr(architectures, "ARCHITECTURES", small)
    train = tour.train_window_classifier
    monkeypatch.setattr(tour, "train_window_classifier", lambda epochs: train(epochs=1))
    monkeypatch.setattr(tour, "MOBILENET_LAYERS", ("block_1_expand_relu", "out_relu"))

    result = get_lab(LAB).run(quick=True, out_dir=tmp_path)

    for target in get_lab(LAB).quick_targets:
        assert target.met(result.metrics[target.metric]), target.metric
    assert result.metrics["profiler vs calculator, largest relative difference"] < 0.05
    assert result.metrics["sliding windows: max |conv - crop| (4 epochs)"] <= 1e-5
    assert result.metrics["sliding windows: crop-and-classify time / convolutional time"] > 0
    table = (tmp_path / LAB / "architectures.md").read_text()
    assert "| mobilenet_v2 | 96×96×3 | 3,538,984 | 3,538,984 | yes |" in table
    assert "| 5x5 conv | 120,422,400 |" in table
    assert "| signs_cnn | conv3 | 20 | 4 |" in table
    names = {path.name for path in result.figures}
    assert {"sliding_windows.png", "signs_cnn_conv3_patches.png", "signs_cnn_filters.png"} <= names
    for path in result.figures:
        assert path.exists() and path.stat().st_size > 1000
