"""Golden cases of C4W2A1 "Residual networks" (lab ``c4w2-resnet``).

From the course spec (its ``public_tests.py``): the identity block with a constant(1)
initializer and the convolutional block with ``GlorotUniform(seed=0)``, both called with
``training=False`` on the course's input (three 4×4×3 images of -1, 1 and 3); these reproduce
on TensorFlow 2.21 / Keras 3.15 (the notebook prints 192.71234 / 96.85617 where float32 gives
192.71236 / 96.85618, inside ``atol=1e-4``). ``ResNet50``: the course's parameter counts
(total / trainable / non-trainable) and the output shapes of the stem, the four stages and the
average pool, and the number of Add layers per model (3 + 4 + 6 + 3).

>>> from dlspec.grading import run_case
>>> from dlspec.cnn import residual_networks as lab
>>> all(run_case(case, lab).passed for case in CASES["c4w2-resnet"])  # doctest: +SKIP
True
"""

from __future__ import annotations

import numpy as np

from dlspec.grading.generated import (
    GeneratedCase,
    GeneratedModelCase,
    distinct_sizes,
    position_coded,
)
from dlspec.grading.golden import GoldenCase

__all__ = ["CASES", "GENERATED"]


def _course_X() -> np.ndarray:
    np.random.seed(1)
    X1 = np.ones((1, 4, 4, 3)) * -1
    X2 = np.ones((1, 4, 4, 3)) * 1
    X3 = np.ones((1, 4, 4, 3)) * 3
    return np.concatenate((X1, X2, X3), axis=0).astype(np.float32)


def _constant_one(seed=0):
    import keras

    return keras.initializers.Constant(value=1)


def _identity_inputs() -> tuple[tuple, dict]:
    return (_course_X(),), {
        "f": 2,
        "filters": [4, 4, 3],
        "initializer": _constant_one,
        "training": False,
    }


def _identity_resume(out) -> dict:
    out = np.asarray(out)
    return {
        "shape": out.shape,
        "min": float(out.min()),
        "resume": out[:, (0, -1), :, :].mean(axis=3),
    }


_IDENTITY_RESUME = [
    [[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]],
    [[192.71236, 192.71236, 192.71236, 96.85619], [96.85619, 96.85619, 96.85619, 48.9281]],
    [[578.1371, 578.1371, 578.1371, 290.56854], [290.56854, 290.56854, 290.56854, 146.78427]],
]

_CONVOLUTIONAL_OUT0 = [
    [
        [0.0, 0.66683817, 0.0, 0.0, 0.888539, 0.5274254],
        [0.0, 0.65053666, 0.0, 0.0, 0.8959285, 0.49965227],
    ],
    [
        [0.0, 0.6312079, 0.0, 0.0, 0.86362475, 0.47643146],
        [0.0, 0.56883204, 0.0, 0.0, 0.8553412, 0.417093],
    ],
]


def _resnet_facts(model) -> dict:
    layers = model.layers
    kinds = [type(layer).__name__ for layer in layers]
    adds = [layer for layer in layers if type(layer).__name__ == "Add"]
    stage_ends = [adds[i].output.shape[1:] for i in (2, 6, 12, 15)] if len(adds) == 16 else None

    def count(weights) -> int:
        return int(sum(np.prod(w.shape) for w in weights))

    pools = {kind: None for kind in ("MaxPooling2D", "AveragePooling2D")}
    for layer, kind in zip(layers, kinds):
        if kind in pools:
            pools[kind] = tuple(layer.output.shape[1:])
    return {
        "params (total, trainable, non-trainable)": (
            int(model.count_params()),
            count(model.trainable_weights),
            count(model.non_trainable_weights),
        ),
        "Add layers": len(adds),
        "max pool output": pools["MaxPooling2D"],
        "stage outputs": stage_ends,
        "average pool output": pools["AveragePooling2D"],
        "Dense params": int(layers[-1].count_params()),
    }


CASES = {
    "c4w2-resnet": [
        GoldenCase(
            "identity_block",
            _identity_inputs,
            {"shape": (3, 4, 4, 3), "min": 0.0, "resume": _IDENTITY_RESUME},
            select=_identity_resume,
            rtol=1e-5,
            atol=1e-4,
            name="identity_block (constant(1) initializer, training=False)",
        ),
        GoldenCase(
            "convolutional_block",
            lambda: ((_course_X(),), {"f": 2, "filters": [2, 4, 6], "training": False}),
            {"shape": (3, 2, 2, 6), "out[0]": _CONVOLUTIONAL_OUT0},
            select=lambda out: {"shape": tuple(out.shape), "out[0]": np.asarray(out)[0]},
            rtol=1e-5,
            atol=1e-6,
            name="convolutional_block (GlorotUniform(seed=0), training=False)",
        ),
        GoldenCase(
            "ResNet50",
            lambda: ((), {"input_shape": (64, 64, 3), "classes": 6}),
            {
                "params (total, trainable, non-trainable)": (23_600_006, 23_546_886, 53_120),
                "Add layers": 16,
                "max pool output": (15, 15, 64),
                "stage outputs": [(15, 15, 256), (8, 8, 512), (4, 4, 1024), (2, 2, 2048)],
                "average pool output": (1, 1, 2048),
                "Dense params": 12_294,
            },
            select=_resnet_facts,
            rtol=0.0,
            atol=0.0,
            name="ResNet50 parameter counts and shapes",
        ),
    ]
}


def _seeded_glorot(seed=0):
    import keras  # lazy: the golden module is read without TensorFlow by the plan

    return keras.initializers.GlorotUniform(seed=seed)


def _gen_block_input(rng: np.random.Generator, channels: int) -> np.ndarray:
    m, n_H, n_W = distinct_sizes(rng, 3, 2, 6)
    shape = (m, n_H + 2, n_W + 2, channels)
    return rng.permuted(position_coded(rng, shape, 3.0).ravel()).reshape(shape).astype(np.float32)


def _gen_identity(rng: np.random.Generator) -> tuple[tuple, dict]:
    """Filters [F1, F2, F3] all different; the input has F3 channels (the shortcut adds)."""
    filters = distinct_sizes(rng, 3, 2, 7)
    X = _gen_block_input(rng, filters[2])
    kwargs = {"f": int(rng.integers(2, 4)), "filters": filters, "training": False}
    return (X,), {**kwargs, "initializer": _seeded_glorot}


def _gen_convolutional(rng: np.random.Generator) -> tuple[tuple, dict]:
    filters = distinct_sizes(rng, 3, 2, 7)
    X = _gen_block_input(rng, int(rng.integers(2, 6)))
    kwargs = {"f": int(rng.integers(2, 4)), "filters": filters, "s": int(rng.integers(1, 3))}
    return (X,), {**kwargs, "training": False, "initializer": _seeded_glorot}


def _gen_resnet(rng: np.random.Generator) -> tuple[tuple, dict]:
    """Another input size and class count than the course's (64, 64, 3) and 6."""
    input_shape = (int(rng.choice([64, 96])), int(rng.choice([64, 96])), int(rng.choice([1, 4])))
    return (), {"input_shape": input_shape, "classes": int(rng.integers(2, 12))}


GENERATED = {
    "c4w2-resnet": [
        GeneratedCase("identity_block", _gen_identity, rtol=1e-4, atol=1e-4),
        GeneratedCase("convolutional_block", _gen_convolutional, rtol=1e-4, atol=1e-4),
        GeneratedModelCase("ResNet50", _gen_resnet),
    ]
}
