"""Golden cases of C4W2A2 "Transfer learning with MobileNetV2" (lab ``c4w2-alpaca``).

What the course checks without pretrained weights or training:

- ``data_augmenter``: exactly ``[RandomFlip, RandomRotation]``, layer names starting
  ``random_flip`` / ``random_rotation``, ``mode == 'horizontal'`` and the course's
  ``factor == 0.2``, which Keras 3 stores as the range ``(-0.2, 0.2)``.
- ``alpaca_model``: the course's summary rows (layer type, output shape, parameter count;
  Dropout rate 0.2, Dense linear with 1,281 parameters, the base 2,257,984). The structure does
  not depend on the weights, so the cases build the model with ``weights=None`` (an untrained
  backbone: no weight file needed, a warning says so). The course's two
  ``TensorFlowOpLayer`` rows of ``preprocess_input`` are ``TrueDivide`` and ``Subtract``
  operations in Keras 3: they are in ``model.operations`` (and ``model.summary()``) but not in
  ``model.layers``, which the rows compare, so the rows skip them. The
  course's own ``alpaca_model`` has no ``weights`` argument and loads ImageNet weights itself:
  the grading worker drops the ``weights=None`` for such a solution and gives it a private
  Keras cache built from ``DLSPEC_WEIGHTS_DIR``, so the learner's call loads offline.

>>> from dlspec.grading import check_lab  # doctest: +SKIP
>>> check_lab("c4w2-alpaca").metrics["golden cases passed"]  # doctest: +SKIP
1.0
"""

from __future__ import annotations

import numpy as np

from dlspec.grading.generated import GeneratedModelCase
from dlspec.grading.golden import GoldenCase
from dlspec.grading.model_summary import ModelCase

__all__ = ["CASES", "GENERATED"]


def _no_args() -> tuple[tuple, dict]:
    return (), {}


def _factor_range(factor) -> list[float]:
    """A rotation factor as Keras 3 stores it, ``[lower, upper]`` (0.2 → ``[-0.2, 0.2]``)."""
    if isinstance(factor, int | float):
        return [-float(factor), float(factor)]
    return [float(f) for f in factor]


def _augmenter_rows(augmenter) -> list:
    """``[[class name, name prefix, mode or factor], ...]`` of the augmenter's layers."""
    rows = []
    for layer in augmenter.layers:
        kind = type(layer).__name__
        prefix = "random_flip" if kind == "RandomFlip" else "random_rotation"
        setting = layer.mode if kind == "RandomFlip" else _factor_range(layer.factor)
        rows.append([kind, layer.name.startswith(prefix), setting])
    return rows


def _model_inputs(image_shape: tuple[int, int]):
    def make() -> tuple[tuple, dict]:
        return (image_shape,), {"weights": None}

    return make


def _summary(size: int, feature: int) -> list[list]:
    image = (None, size, size, 3)
    return [
        ["InputLayer", image, 0],
        ["Sequential", image, 0],
        ["Functional", (None, feature, feature, 1280), 2257984],
        ["GlobalAveragePooling2D", (None, 1280), 0],
        ["Dropout", (None, 1280), 0, 0.2],
        ["Dense", (None, 1), 1281, "linear"],
    ]


CASES = {
    "c4w2-alpaca": [
        GoldenCase(
            "data_augmenter",
            _no_args,
            [["RandomFlip", True, "horizontal"], ["RandomRotation", True, [-0.2, 0.2]]],
            select=_augmenter_rows,
            name="data_augmenter layers",
        ),
        ModelCase(
            "alpaca_model",
            _model_inputs((160, 160)),
            _summary(160, 5),
            name="alpaca_model summary (160x160)",
        ),
        ModelCase(
            "alpaca_model",
            _model_inputs((96, 96)),
            _summary(96, 3),
            name="alpaca_model summary (96x96)",
        ),
    ]
}


def _gen_image_shape(rng: np.random.Generator) -> tuple[tuple, dict]:
    """Another square input size than the course's 160 (MobileNetV2 takes 32 and up)."""
    side = int(rng.choice([64, 96, 128, 192]))
    return ((side, side),), {"weights": None}


GENERATED = {"c4w2-alpaca": [GeneratedModelCase("alpaca_model", _gen_image_shape)]}
