"""Golden cases of C2W3A1 "Introduction to TensorFlow" (lab ``c2w3-tf-intro``).

Transcribed from the course spec where the course prints values; the other cases are marked.

- ``normalize``: the course checks the first three values of its first training image,
  ``[0.8901961, 0.8627451, 0.8392157]`` = ``[227, 220, 214] / 255``. That image is in the
  course's ``train_signs.h5``, which is not available; the JPEG stand-in's pixels differ
  (no stand-in image starts with those values). The case feeds a seeded image whose first pixel
  is the course's ``[227, 220, 214]``, so it checks the same values.
- ``compute_total_loss``: the course runs its given logits against the labels of its first two
  training examples. Of the 36 label pairs, only ``(5, 0)`` gives the course's total loss
  0.810287 (0.25361034 + 0.55667671); label 5 for the first example is also what the lab
  prints. The case uses those labels, so it needs no data.
- ``initialize_parameters``: the course shows shapes only; with Keras 3 the seeded values
  differ from TF 2.x's anyway.
- ``forward_propagation``: the course's printed logits depend on its data and on TF 2.x's
  initializer draws; the case is dlspec's (seeded numpy inputs, values computed with numpy).

>>> from dlspec.grading import check_lab
>>> check_lab("c2w3-tf-intro").metrics["golden cases passed"]  # doctest: +SKIP
1.0
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from dlspec.grading.generated import GeneratedCase, distinct_sizes, position_coded
from dlspec.grading.golden import GoldenCase

__all__ = ["CASES", "GENERATED"]


def _call(*args, **kwargs) -> tuple[tuple, dict]:
    """Pack a call's arguments as ``make_inputs`` returns them."""
    return args, kwargs


def _image_with_course_first_pixel() -> tuple[tuple, dict]:
    np.random.seed(1)
    image = np.random.randint(0, 256, size=(64, 64, 3)).astype(np.uint8)
    image[0, 0] = [227, 220, 214]  # the first pixel of the course's first training image
    return _call(tf.constant(image))


def _forward_inputs() -> tuple[tuple, dict]:
    np.random.seed(1)
    X = np.random.randn(4, 3)
    shapes = {"W1": (5, 4), "b1": (5, 1), "W2": (3, 5), "b2": (3, 1), "W3": (2, 3), "b3": (2, 1)}
    parameters = {
        k: tf.Variable(np.random.randn(*s).astype(np.float32), name=k) for k, s in shapes.items()
    }
    return _call(tf.constant(X, tf.float32), parameters)


_COURSE_LOGITS = [
    [2.4048107, 5.0334096],
    [-0.7921977, -4.1523376],
    [0.9447198, -0.46802214],
    [1.158121, 3.9810789],
    [4.768706, 2.3220146],
    [6.1481323, 3.909829],
]


def _loss_inputs() -> tuple[tuple, dict]:
    labels = tf.one_hot([5, 0], 6, axis=0)  # (6, 2): the course's first two training labels
    return _call(tf.constant(_COURSE_LOGITS), labels)


def _values_and_dtype(out):
    return np.asarray(out), out.dtype.name


_TF_INTRO = [
    GoldenCase(
        "linear_function",
        lambda: _call(),
        [[-2.15657382], [2.95891446], [-1.08926781], [-0.84538042]],
        types={"": tf.Tensor},
    ),
    GoldenCase(
        "sigmoid",
        lambda: _call(-1),
        (0.26894143, "float32"),
        select=_values_and_dtype,
        name="sigmoid(-1)",
    ),
    GoldenCase(
        "sigmoid",
        lambda: _call(0),
        (0.5, "float32"),
        select=_values_and_dtype,
        name="sigmoid(0)",
    ),
    GoldenCase(
        "one_hot_matrix",
        # C passed by position: the course's notebooks name it C (older) or depth (newer).
        lambda: _call(tf.constant(1), 4),
        ([0.0, 1.0, 0.0, 0.0], "float32"),
        select=_values_and_dtype,
    ),
    GoldenCase(
        "normalize",
        _image_with_course_first_pixel,
        ([0.8901961, 0.8627451, 0.8392157], [12288], "float32"),
        select=lambda out: (np.asarray(out)[:3], list(out.shape), out.dtype.name),
    ),
    GoldenCase(
        "initialize_parameters",
        lambda: _call(),
        {
            "shapes": {
                "W1": [25, 12288],
                "b1": [25, 1],
                "W2": [12, 25],
                "b2": [12, 1],
                "W3": [6, 12],
                "b3": [6, 1],
            },
            "keys": ["W1", "b1", "W2", "b2", "W3", "b3"],
            "all tf.Variable": True,
        },
        select=lambda p: {
            "shapes": {k: list(np.shape(v)) for k, v in p.items()},
            "keys": list(p),
            "all tf.Variable": all(isinstance(v, tf.Variable) for v in p.values()),
        },
    ),
    GoldenCase(
        "forward_propagation",
        _forward_inputs,
        [[4.51688663, 1.65667691, 7.75460578], [-2.13164468, 0.18575571, -4.75491092]],
        rtol=1e-5,
        atol=1e-5,
        name="forward_propagation (dlspec's seeded case)",
        types={"": tf.Tensor},
    ),
    GoldenCase(
        "compute_total_loss",
        _loss_inputs,
        0.810287,
        atol=1e-6,
        types={"": tf.Tensor},
    ),
]

CASES = {"c2w3-tf-intro": _TF_INTRO}


def _gen_image(rng: np.random.Generator) -> tuple[tuple, dict]:
    """A uint8 image of a non-square size whose values rise with the position."""
    h, w = distinct_sizes(rng, 2, 2, 9)
    values = np.round(127.5 + 127.5 * position_coded(rng, (h, w, 3))).astype(np.uint8)
    return _call(tf.constant(values))


def _gen_forward(rng: np.random.Generator) -> tuple[tuple, dict]:
    """Layer sizes n_x, n_1, n_2, n_y and m all different (the course's are 12288, 25, 12, 6)."""
    n_x, n_1, n_2, n_y, m = distinct_sizes(rng, 5, 2, 9)
    shapes = {"W1": (n_1, n_x), "b1": (n_1, 1), "W2": (n_2, n_1), "b2": (n_2, 1),
              "W3": (n_y, n_2), "b3": (n_y, 1)}  # fmt: skip
    parameters = {
        k: tf.Variable(position_coded(rng, s, 1.5).astype(np.float32), name=k)
        for k, s in shapes.items()
    }
    X = position_coded(rng, (n_x, m), 2.0).astype(np.float32)
    return _call(tf.constant(X), parameters)


def _gen_loss(rng: np.random.Generator) -> tuple[tuple, dict]:
    """Logits (C, m) and one-hot labels (C, m), one example per column as in the course."""
    classes, m = distinct_sizes(rng, 2, 2, 9)
    logits = position_coded(rng, (classes, m), 4.0).astype(np.float32)
    labels = tf.one_hot(rng.integers(0, classes, m), classes, axis=0)
    return _call(tf.constant(logits), labels)


GENERATED: dict[str, list[GeneratedCase]] = {
    "c2w3-tf-intro": [
        GeneratedCase(
            "normalize",
            _gen_image,
            select=lambda out: (np.asarray(out), out.dtype.name),
            rtol=1e-6,
        ),
        GeneratedCase(
            "sigmoid",
            lambda rng: _call(float(rng.uniform(-6, 6))),
            select=_values_and_dtype,
            rtol=1e-6,
        ),
        GeneratedCase(
            "one_hot_matrix",
            lambda rng: (lambda c: _call(tf.constant(int(rng.integers(0, c))), c))(
                int(rng.integers(3, 12))
            ),
            select=_values_and_dtype,
        ),
        GeneratedCase("forward_propagation", _gen_forward, rtol=1e-5, atol=1e-5),
        GeneratedCase("compute_total_loss", _gen_loss, rtol=1e-5, atol=1e-5),
    ],
}
