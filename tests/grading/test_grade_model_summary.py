"""Layer summaries of Keras model builders and the first differing layer."""

from __future__ import annotations

import keras
import pytest

from dlspec.foundations.keras_models import deep_classifier, shallow_classifier
from dlspec.grading.evaluate import evaluate
from dlspec.grading.model_summary import ModelCase, compare_summaries, layer_summary


def test_summary_of_deep_classifier():
    assert layer_summary(deep_classifier([12288, 20, 7, 5, 1])) == [
        ["InputLayer", (None, 12288), 0],
        ["Dense", (None, 20), 245780, "relu"],
        ["Dense", (None, 7), 147, "relu"],
        ["Dense", (None, 5), 40, "relu"],
        ["Dense", (None, 1), 6, "sigmoid"],
    ]


def test_course_style_rows_and_extras():
    inputs = keras.Input((64, 64, 3))
    x = keras.layers.ZeroPadding2D(3)(inputs)
    x = keras.layers.Conv2D(32, 7, strides=1, name="conv0")(x)
    x = keras.layers.BatchNormalization(axis=3)(x)
    x = keras.layers.ReLU()(x)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Dropout(0.25)(x)
    x = keras.layers.Flatten()(x)
    outputs = keras.layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs)
    # The course's happyModel expectations, written for Keras 2 (InputLayer shape in a list).
    course = [
        ["InputLayer", [(None, 64, 64, 3)], 0],
        ["ZeroPadding2D", (None, 70, 70, 3), 0, ((3, 3), (3, 3))],
        ["Conv2D", (None, 64, 64, 32), 4736, "valid", "linear", "GlorotUniform"],
        ["BatchNormalization", (None, 64, 64, 32), 128],
        ["ReLU", (None, 64, 64, 32), 0],
        ["MaxPooling2D", (None, 32, 32, 32), 0, (2, 2), (2, 2), "valid"],
        ["Dropout", (None, 32, 32, 32), 0, 0.25],
        ["Flatten", (None, 32768), 0],
        ["Dense", (None, 1), 32769, "sigmoid"],
    ]
    assert compare_summaries(course, model) is None
    same_padding = [list(row) for row in course]
    same_padding[2][3] = "same"
    mismatch = compare_summaries(same_padding, model)
    assert (mismatch.index, mismatch.field) == (2, "padding")
    assert mismatch.message == (
        "model.layers[2] (Conv2D 'conv0'): padding expected 'same', got 'valid'"
    )


def _one_layer_too_many() -> keras.Model:
    model = deep_classifier([12288, 20, 7, 5, 1])
    extra = keras.layers.Dense(1, activation="sigmoid", name="extra")(model.output)
    return keras.Model(model.input, extra)


@pytest.mark.parametrize(
    ("learner", "index", "field", "message"),
    [
        (
            lambda: deep_classifier([12288, 20, 8, 5, 1]),  # 8 units where the course has 7
            2,
            "output shape",
            "model.layers[2] (Dense 'layer2'): output shape expected (None, 7), got (None, 8)",
        ),
        (
            lambda: shallow_classifier(12288, 20, 1),  # tanh, and two layers short
            1,
            "activation",
            "model.layers[1] (Dense 'layer1'): activation expected 'relu', got 'tanh'",
        ),
        (
            lambda: deep_classifier([12288, 20, 7, 5]),  # forgot the output layer
            3,
            "activation",
            "model.layers[3] (Dense 'layer3'): activation expected 'relu', got 'sigmoid'",
        ),
        (
            _one_layer_too_many,
            5,
            "number of layers",
            "expected 5 layers, got 6: model.layers[5] (Dense 'extra') and after are extra",
        ),
    ],
)
def test_first_differing_layer(learner, index, field, message):
    expected = layer_summary(deep_classifier([12288, 20, 7, 5, 1]))
    mismatch = compare_summaries(expected, learner())
    assert (mismatch.index, mismatch.field) == (index, field)
    assert mismatch.message == message


def test_fewer_layers_than_expected():
    expected = layer_summary(deep_classifier([4, 3, 1]))
    short = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu")])
    rows = layer_summary(short)
    mismatch = compare_summaries(expected[1:2], short) or compare_summaries(
        [["Dense", (None, 3), 15, "relu"], ["Dense", (None, 1), 4, "sigmoid"]], short
    )
    assert rows == [["Dense", (None, 3), 15, "relu"]]
    assert mismatch.field == "number of layers"
    assert mismatch.message.startswith("expected 2 layers, got 1: missing from model.layers[1]")


def test_model_case_is_graded_against_dlspec_builder():
    case = ModelCase("deep_classifier", lambda: (([6, 4, 1],), {}))
    assert evaluate(case, deep_classifier, reference=deep_classifier).passed
    wrong = evaluate(case, lambda dims: deep_classifier([6, 5, 1]), reference=deep_classifier)
    assert wrong.status == "wrong model"
    assert (
        "model.layers[1]" in wrong.message and "expected (None, 4), got (None, 5)" in wrong.message
    )
    assert evaluate(case, lambda dims: "a model", reference=deep_classifier).status == "wrong type"
    course_rows = ModelCase(
        "deep_classifier", case.make_inputs, layer_summary(deep_classifier([6, 4, 1]))
    )
    assert evaluate(course_rows, deep_classifier).passed
