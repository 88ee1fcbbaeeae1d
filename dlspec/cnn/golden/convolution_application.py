"""Golden cases of C4W1A2 "Convolution model application" (lab ``c4w1-conv-app``).

The course grades ``happyModel`` and ``convolutional_model`` by their layer summaries (layer
type, output shape, parameter count, and padding / activation / initializer / pool size /
strides where they matter); the rows below are the course's expected lists
(``public_tests.py``), in the row format of :func:`dlspec.grading.model_summary.layer_summary`.
A Keras 3 ``Sequential`` model does not list its ``InputLayer``; the functional
``convolutional_model`` does (the course wrote its shape ``[(None, 64, 64, 3)]``).

>>> from dlspec.grading import run_case
>>> from dlspec.cnn import convolution_application as lab
>>> all(run_case(case, lab).passed for case in CASES["c4w1-conv-app"])  # doctest: +SKIP
True
"""

from __future__ import annotations

import numpy as np

from dlspec.grading.generated import GeneratedModelCase, distinct_sizes
from dlspec.grading.model_summary import ModelCase

__all__ = ["CASES", "GENERATED", "HAPPY_MODEL_SUMMARY", "CONVOLUTIONAL_MODEL_SUMMARY"]

HAPPY_MODEL_SUMMARY = [
    ["ZeroPadding2D", (None, 70, 70, 3), 0, ((3, 3), (3, 3))],
    ["Conv2D", (None, 64, 64, 32), 4736, "valid", "linear", "GlorotUniform"],
    ["BatchNormalization", (None, 64, 64, 32), 128],
    ["ReLU", (None, 64, 64, 32), 0],
    ["MaxPooling2D", (None, 32, 32, 32), 0, (2, 2), (2, 2), "valid"],
    ["Flatten", (None, 32768), 0],
    ["Dense", (None, 1), 32769, "sigmoid"],
]

CONVOLUTIONAL_MODEL_SUMMARY = [
    ["InputLayer", [(None, 64, 64, 3)], 0],
    ["Conv2D", (None, 64, 64, 8), 392, "same", "linear", "GlorotUniform"],
    ["ReLU", (None, 64, 64, 8), 0],
    ["MaxPooling2D", (None, 8, 8, 8), 0, (8, 8), (8, 8), "same"],
    ["Conv2D", (None, 8, 8, 16), 528, "same", "linear", "GlorotUniform"],
    ["ReLU", (None, 8, 8, 16), 0],
    ["MaxPooling2D", (None, 2, 2, 16), 0, (4, 4), (4, 4), "same"],
    ["Flatten", (None, 64), 0],
    ["Dense", (None, 6), 390, "softmax"],
]

CASES = {
    "c4w1-conv-app": [
        ModelCase("happyModel", expected=HAPPY_MODEL_SUMMARY),
        ModelCase(
            "convolutional_model",
            lambda: (((64, 64, 3),), {}),
            expected=CONVOLUTIONAL_MODEL_SUMMARY,
        ),
    ]
}


def _gen_input_shape(rng: np.random.Generator) -> tuple[tuple, dict]:
    """A non-square RGB or grey input, e.g. ``(48, 72, 1)``: the builder must use it."""
    height, width = (int(8 * s) for s in distinct_sizes(rng, 2, 4, 10))
    return ((height, width, int(rng.choice([1, 3, 4]))),), {}


GENERATED = {"c4w1-conv-app": [GeneratedModelCase("convolutional_model", _gen_input_shape)]}
