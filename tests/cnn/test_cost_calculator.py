"""Cost calculator: the lectures' numbers, hand counts, and TensorFlow's profiler as reference."""

from __future__ import annotations

import keras
import pytest

from dlspec.cnn.convolution_application import convolutional_model
from dlspec.cnn.lectures.cost_calculator import (
    MULTIPLYING_OPS,
    conv_cost,
    layer_calls,
    model_cost,
    profiler_flops,
)

layers = keras.layers


def _profiler_multiplications(model: keras.Model) -> float:
    flops = profiler_flops(model)
    return sum(flops.get(op, 0) for op in MULTIPLYING_OPS) / 2


def test_lecture_5x5_conv_and_1x1_bottleneck():
    five = conv_cost((28, 28, 192), layers.Conv2D(32, 5, padding="same"))
    assert five.multiplications == 28 * 28 * 32 * 5 * 5 * 192 == 120_422_400
    assert five.parameters == 5 * 5 * 192 * 32 + 32
    squeeze = conv_cost((None, 28, 28, 192), layers.Conv2D(16, 1))
    after = conv_cost(squeeze.output_shape, layers.Conv2D(32, 5, padding="same"))
    assert squeeze.output_shape == (28, 28, 16)
    total = squeeze.multiplications + after.multiplications
    assert total == 2_408_448 + 10_035_200
    assert round(total / 1e6, 1) == 12.4


def test_lecture_depthwise_separable_cost_and_ratio():
    normal = conv_cost((6, 6, 3), layers.Conv2D(5, 3))
    depthwise = conv_cost((6, 6, 3), layers.DepthwiseConv2D(3))
    pointwise = conv_cost(depthwise.output_shape, layers.Conv2D(5, 1))
    separable = conv_cost((6, 6, 3), layers.SeparableConv2D(5, 3))
    assert normal.output_shape == (4, 4, 5) and normal.multiplications == 2160
    assert (depthwise.multiplications, pointwise.multiplications) == (432, 240)
    assert separable.multiplications == 672
    assert separable.parameters == 3 * 9 + 3 * 5 + 5
    assert separable.multiplications / normal.multiplications == pytest.approx(1 / 5 + 1 / 9)


def test_conv_cost_of_strides_groups_dense_and_transpose():
    strided = conv_cost((32, 32, 8), layers.Conv2D(16, 3, strides=2, padding="same"))
    assert strided.output_shape == (16, 16, 16)
    assert strided.multiplications == 16 * 16 * 16 * 9 * 8
    grouped = conv_cost((10, 10, 8), layers.Conv2D(16, 3, groups=4))
    assert grouped.multiplications == 8 * 8 * 16 * 9 * 2
    multiplier = conv_cost((10, 10, 4), layers.DepthwiseConv2D(3, depth_multiplier=2))
    assert multiplier.multiplications == 8 * 8 * 8 * 9
    dense = conv_cost((7, 20), layers.Dense(5))
    assert (dense.multiplications, dense.parameters) == (7 * 20 * 5, 105)
    transpose = conv_cost((4, 4, 3), layers.Conv2DTranspose(6, 3, strides=2, padding="same"))
    assert transpose.output_shape == (8, 8, 6)
    assert transpose.multiplications == 4 * 4 * 3 * 9 * 6
    free = conv_cost((8, 8, 3), layers.MaxPooling2D(2))
    assert (free.multiplications, free.parameters) == (0, 0)


def test_conv_cost_leaves_an_unbuilt_layer_alone_and_rejects_unknown_shapes():
    layer = layers.Conv2D(4, 3)
    conv_cost((8, 8, 3), layer)
    assert not layer.built
    with pytest.raises(ValueError, match="known shape of one example"):
        conv_cost((None, None, 3), layers.Conv2D(4, 3))
    with pytest.raises(ValueError, match="known shape"):
        conv_cost((8, 0, 3), layers.Conv2D(4, 3))


def _zoo() -> keras.Model:
    """Every supported layer type, a nested Sequential and a shared layer, on a 16×16 image."""
    inner = keras.Sequential(
        [
            keras.Input((8, 8, 12)),
            layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same"),
            layers.BatchNormalization(),
            layers.SeparableConv2D(10, 3, padding="same"),
        ],
        name="inner",
    )
    shared = layers.Conv2D(10, 1, name="shared")
    inputs = keras.Input((16, 16, 3))
    x = layers.Conv2D(12, 3, strides=2, padding="same", activation="relu")(inputs)
    x = layers.Conv2D(12, 3, padding="same")(x)  # no groups: TF's profiler misses those
    y = inner(x)
    x = layers.Add()([shared(y), shared(layers.Conv2D(10, 1)(x))])
    x = layers.Conv2DTranspose(4, 3, strides=2, padding="same")(x)
    x = layers.AveragePooling2D(4)(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(3, activation="softmax")(layers.Dense(7)(x))
    return keras.Model(inputs, outputs, name="zoo")


def test_model_cost_walks_nested_models_and_counts_shared_layers_once():
    model = _zoo()
    table = model_cost(model)
    names = [row.name for row in table.rows]
    assert any(name.startswith("inner/separable_conv2d") for name in names)
    assert names.count("shared") == 2
    shared_rows = [row for row in table.rows if row.name == "shared"]
    assert [row.parameters for row in shared_rows] == [110, 0]
    assert all(row.multiplications == 8 * 8 * 10 * 10 for row in shared_rows)
    assert table.total_parameters == model.count_params()
    markdown = table.to_markdown()
    assert f"| **total** | | | | {table.total_multiplications:,} |" in markdown
    assert "| inner/" in str(table)


def test_model_cost_agrees_with_tensorflow_profiler_layer_types():
    model = _zoo()
    ours = model_cost(model).total_multiplications
    assert _profiler_multiplications(model) == pytest.approx(ours, rel=0.05)


@pytest.mark.parametrize(
    "build",
    [
        lambda: convolutional_model((64, 64, 3)),
        lambda: keras.applications.MobileNetV2(
            input_shape=(96, 96, 3), alpha=0.35, weights=None, classes=10
        ),
    ],
    ids=["signs-cnn", "mobilenet-v2"],
)
def test_model_cost_within_5_percent_of_profiler(build):
    model = build()
    table = model_cost(model)
    assert table.total_parameters == model.count_params()
    assert _profiler_multiplications(model) == pytest.approx(table.total_multiplications, rel=0.05)


def test_layer_calls_needs_a_graph():
    class Subclassed(keras.Model):
        def call(self, x):
            return x

    with pytest.raises(ValueError, match="no symbolic inputs"):
        layer_calls(Subclassed())
    with pytest.raises(ValueError, match="known shape"):
        model_cost(keras.Sequential([keras.Input((None, None, 3)), layers.Conv2D(2, 3)]))
