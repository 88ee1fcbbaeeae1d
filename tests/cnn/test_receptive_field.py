"""Receptive fields: hand-computed cases and the empirical field from input gradients."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from dlspec.cnn.lectures.receptive_field import ReceptiveField, receptive_fields

layers = keras.layers


def test_hand_computed_chain():
    # conv 5 s1 → pool 2 s2 → conv 3 s1 → conv 3 s2 (same) → zero pad 1 → conv 3 dilation 2
    model = keras.Sequential(
        [
            keras.Input((33, 33, 3)),
            layers.Conv2D(4, 5, name="a"),  # r 5, j 1, c 2
            layers.MaxPooling2D(2, name="b"),  # r 6, j 2, c 2.5
            layers.Conv2D(4, 3, name="c"),  # r 10, j 2, c 4.5
            layers.Conv2D(4, 3, strides=2, padding="same", name="d"),  # 12→6: pad 0 → r 14, c 6.5
            layers.ZeroPadding2D(1, name="e"),  # c 6.5 − 4 = 2.5
            layers.Conv2D(4, 3, dilation_rate=2, name="f"),  # r 14 + 4·4 = 30, c 2.5 + 2·4
        ]
    )
    fields = receptive_fields(model)
    assert fields["a"] == ReceptiveField((5, 5), (1, 1), (2.0, 2.0))
    assert fields["b"] == ReceptiveField((6, 6), (2, 2), (2.5, 2.5))
    assert fields["c"] == ReceptiveField((10, 10), (2, 2), (4.5, 4.5))
    assert fields["d"] == ReceptiveField((14, 14), (4, 4), (6.5, 6.5))
    assert fields["e"] == ReceptiveField((14, 14), (4, 4), (2.5, 2.5))
    assert fields["f"] == ReceptiveField((30, 30), (4, 4), (10.5, 10.5))


def test_same_padding_depends_on_the_input_size():
    # TF pads "same" stride-2 convolutions at the bottom/right first: 8 → total 1, top 0;
    # 7 → total 2, top 1
    for size, start in ((8, 1.0), (7, 0.0)):
        model = keras.Sequential(
            [keras.Input((size, size, 1)), layers.Conv2D(1, 3, strides=2, padding="same")]
        )
        (field,) = receptive_fields(model).values()
        assert field.start == (start, start) and field.size == (3, 3)


def test_mobilenet_v2_fields_match_hand_counts():
    model = keras.applications.MobileNetV2(
        input_shape=(96, 96, 3), alpha=0.35, include_top=False, weights=None
    )
    fields = receptive_fields(model)
    # Conv1 3×3 s2: 3 (jump 2); block 0 depthwise 3×3: 7; block 1 depthwise s2: 11 (jump 4);
    # block 2 depthwise: 19
    assert fields["Conv1"].size == (3, 3) and fields["Conv1"].jump == (2, 2)
    assert fields["block_1_expand_relu"].size == (7, 7)
    assert fields["block_3_expand_relu"].size == (19, 19)
    assert fields["block_3_expand_relu"].jump == (4, 4)
    assert fields["out_relu"].jump == (32, 32) and fields["out_relu"].size[0] > 96


def _gradient_support(model, layer_name: str, row: int, col: int) -> tuple[int, int, int, int]:
    """The input pixels that unit (row, col, channel 0) of a layer depends on: its gradient."""
    probe = keras.Model(model.inputs, model.get_layer(layer_name).output)
    image = tf.ones((1, *model.input_shape[1:]))
    with tf.GradientTape() as tape:
        tape.watch(image)
        unit = probe(image)[0, row, col, 0]
    grad = np.abs(tape.gradient(unit, image).numpy()[0]).sum(-1)
    rows, cols = np.nonzero(grad)
    return rows.min(), cols.min(), rows.max() + 1, cols.max() + 1


def _linear_branching_model() -> keras.Model:
    """All-ones kernels and average pooling, no activations: every field pixel has gradient > 0."""
    ones = {"kernel_initializer": "ones"}
    inputs = keras.Input((40, 36, 2))
    x = layers.Conv2D(3, 3, strides=2, padding="same", name="c1", **ones)(inputs)
    x = layers.AveragePooling2D(3, strides=1, padding="same", name="p1")(x)
    wide = layers.Conv2D(3, 5, dilation_rate=2, padding="same", name="wide", **ones)(x)
    narrow = layers.Conv2D(3, 1, name="narrow", **ones)(x)
    x = layers.Add(name="add")([wide, narrow])
    x = layers.DepthwiseConv2D(3, strides=2, name="dw", depthwise_initializer="ones")(x)
    x = layers.ZeroPadding2D(((2, 0), (1, 1)), name="pad")(x)
    x = layers.BatchNormalization(name="bn")(x)
    x = layers.SeparableConv2D(
        2, 3, name="sep", depthwise_initializer="ones", pointwise_initializer="ones"
    )(x)
    return keras.Model(inputs, x)


@pytest.mark.parametrize(
    ("layer", "unit"),
    [
        ("c1", (5, 7)),
        ("p1", (0, 0)),
        ("add", (9, 4)),
        ("dw", (3, 2)),
        ("sep", (2, 3)),
        ("sep", (0, 0)),
        ("pad", (5, 6)),
    ],
)
def test_fields_equal_the_empirical_gradient_support(layer, unit):
    model = _linear_branching_model()
    field = receptive_fields(model)[layer]
    expected = field.box(*unit, image_shape=model.input_shape[1:3])
    assert _gradient_support(model, layer, *unit) == expected


def test_box_clips_to_the_image():
    field = ReceptiveField(size=(491, 491), jump=(32, 32), start=(31.0, 31.0))
    assert field.box(0, 0) == (-214, -214, 277, 277)
    assert field.box(0, 0, image_shape=(160, 160)) == (0, 0, 160, 160)


def test_unsupported_layers_and_unknown_sizes_are_refused():
    upsampling = keras.Sequential([keras.Input((8, 8, 1)), layers.UpSampling2D(2, name="up")])
    with pytest.raises(NotImplementedError, match="up: no receptive-field rule for UpSampling2D"):
        receptive_fields(upsampling)
    unknown = keras.Sequential([keras.Input((None, None, 1)), layers.Conv2D(1, 3, padding="same")])
    with pytest.raises(ValueError, match="known size"):
        receptive_fields(unknown)


def test_nested_models_are_opened():
    inner = _linear_branching_model()
    inputs = keras.Input(inner.input_shape[1:])
    outer = keras.Model(inputs, layers.ReLU(name="relu")(inner(inputs)))
    fields, inner_fields = receptive_fields(outer), receptive_fields(inner)
    assert fields[f"{inner.name}/sep"] == inner_fields["sep"] == fields["relu"]
