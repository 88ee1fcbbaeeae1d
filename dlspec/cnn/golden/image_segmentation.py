"""Golden cases of C4W3A2 "Image segmentation with U-Net" (lab ``c4w3-unet``).

The course grades ``conv_block`` by the summary of ``Model(inputs, conv_block(inputs, ...))``
and ``unet_model`` by its whole summary (36 layers, 8,640,471 parameters). The conv_block cases
build that model from the block's outputs and compare the rows (layer type, output shape,
parameter count, and padding / activation / initializer, pool size / strides / padding, or
dropout rate) with shapes and tuples written as text, so that ``None`` batch sizes compare.

>>> from dlspec.grading import run_case
>>> from dlspec.cnn.segmentation import image_segmentation as lab
>>> all(run_case(case, lab).passed for case in CASES["c4w3-unet"][:2])  # doctest: +SKIP
True
"""

from __future__ import annotations

import keras
import numpy as np

from dlspec.grading.generated import (
    GeneratedCase,
    GeneratedModelCase,
    distinct_sizes,
    position_coded,
)
from dlspec.grading.golden import GoldenCase
from dlspec.grading.model_summary import ModelCase, layer_summary

__all__ = ["CASES", "CONV_BLOCK_SUMMARY", "CONV_BLOCK_DROPOUT_SUMMARY", "UNET_SUMMARY", "GENERATED"]

_CONV = ("same", "relu", "HeNormal")
_POOL = ((2, 2), (2, 2), "valid")


def _conv(shape, params):
    return ["Conv2D", (None, *shape), params, *_CONV]


def _pool(shape):
    return ["MaxPooling2D", (None, *shape), 0, *_POOL]


CONV_BLOCK_SUMMARY = [
    ["InputLayer", (None, 96, 128, 3), 0],
    _conv((96, 128, 32), 896),
    _conv((96, 128, 32), 9248),
    _pool((48, 64, 32)),
]

CONV_BLOCK_DROPOUT_SUMMARY = [
    ["InputLayer", (None, 96, 128, 3), 0],
    _conv((96, 128, 1024), 28_672),
    _conv((96, 128, 1024), 9_438_208),
    ["Dropout", (None, 96, 128, 1024), 0, 0.1],
    _pool((48, 64, 1024)),
]

UNET_SUMMARY = [
    ["InputLayer", (None, 96, 128, 3), 0],
    _conv((96, 128, 32), 896),
    _conv((96, 128, 32), 9248),
    _pool((48, 64, 32)),
    _conv((48, 64, 64), 18_496),
    _conv((48, 64, 64), 36_928),
    _pool((24, 32, 64)),
    _conv((24, 32, 128), 73_856),
    _conv((24, 32, 128), 147_584),
    _pool((12, 16, 128)),
    _conv((12, 16, 256), 295_168),
    _conv((12, 16, 256), 590_080),
    ["Dropout", (None, 12, 16, 256), 0, 0.3],
    _pool((6, 8, 256)),
    _conv((6, 8, 512), 1_180_160),
    _conv((6, 8, 512), 2_359_808),
    ["Dropout", (None, 6, 8, 512), 0, 0.3],
    ["Conv2DTranspose", (None, 12, 16, 256), 1_179_904],
    ["Concatenate", (None, 12, 16, 512), 0],
    _conv((12, 16, 256), 1_179_904),
    _conv((12, 16, 256), 590_080),
    ["Conv2DTranspose", (None, 24, 32, 128), 295_040],
    ["Concatenate", (None, 24, 32, 256), 0],
    _conv((24, 32, 128), 295_040),
    _conv((24, 32, 128), 147_584),
    ["Conv2DTranspose", (None, 48, 64, 64), 73_792],
    ["Concatenate", (None, 48, 64, 128), 0],
    _conv((48, 64, 64), 73_792),
    _conv((48, 64, 64), 36_928),
    ["Conv2DTranspose", (None, 96, 128, 32), 18_464],
    ["Concatenate", (None, 96, 128, 64), 0],
    _conv((96, 128, 32), 18_464),
    _conv((96, 128, 32), 9248),
    _conv((96, 128, 32), 9248),
    ["Conv2D", (None, 96, 128, 23), 759, "same", "linear", "GlorotUniform"],
]


def _as_text(rows):
    """Rows with shapes and tuples as text (so that ``None`` compares), numbers and names kept."""
    return [[v if isinstance(v, str | int | float) else str(v) for v in row] for row in rows]


def _conv_block_case(name: str, kwargs: dict, expected) -> GoldenCase:
    inputs: dict[str, keras.KerasTensor] = {}

    def make_inputs():
        inputs["x"] = keras.Input((96, 128, 3))
        return (inputs["x"],), dict(kwargs)

    def select(block_outputs):
        return _as_text(layer_summary(keras.Model(inputs["x"], block_outputs)))

    return GoldenCase("conv_block", make_inputs, _as_text(expected), select=select, name=name)


CASES = {
    "c4w3-unet": [
        _conv_block_case("conv_block (32 filters)", {"n_filters": 32}, CONV_BLOCK_SUMMARY),
        _conv_block_case(
            "conv_block (1024 filters, dropout 0.1)",
            {"n_filters": 1024, "dropout_prob": 0.1},
            CONV_BLOCK_DROPOUT_SUMMARY,
        ),
        ModelCase(
            "unet_model",
            lambda: (((96, 128, 3),), {"n_filters": 32, "n_classes": 23}),
            expected=UNET_SUMMARY,
        ),
    ]
}


def _gen_conv_block(rng: np.random.Generator) -> tuple[tuple, dict]:
    """A concrete batch of another size; the block's two outputs are compared by shape."""
    m, n_H, n_W = distinct_sizes(rng, 3, 1, 5)
    x = position_coded(rng, (m, 2 * n_H + 2, 2 * n_W, int(rng.integers(1, 5)))).astype(np.float32)
    kwargs = {
        "n_filters": int(rng.integers(2, 9)),
        "dropout_prob": float(rng.choice([0.0, 0.3])),
        "max_pooling": bool(rng.integers(0, 2)),
    }
    return (x,), kwargs


def _gen_unet(rng: np.random.Generator) -> tuple[tuple, dict]:
    """Sides divisible by 16 (four poolings), few filters, another class count."""
    height, width = (16 * s for s in distinct_sizes(rng, 2, 1, 4))
    kwargs = {"n_filters": int(rng.integers(2, 6)), "n_classes": int(rng.integers(2, 12))}
    return ((height, width, int(rng.choice([1, 3]))),), kwargs


GENERATED = {
    "c4w3-unet": [
        GeneratedCase(
            "conv_block",
            _gen_conv_block,
            select=lambda out: [tuple(out[0].shape), tuple(out[1].shape)],
        ),
        GeneratedModelCase("unet_model", _gen_unet),
    ]
}
