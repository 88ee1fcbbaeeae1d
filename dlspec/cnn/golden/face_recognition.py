"""Golden cases of C4W4A1 "Face recognition" (lab ``c4w4-face``).

Always checked (no weights needed):

- ``triplet_loss`` on the course's seeded case (``tf.random.set_seed(1)``, three
  ``random_normal`` (3, 128) batches with op seed 1 → 527.2598; the course's
  ``tf.keras.backend.random_normal`` is ``tf.random.normal``) and its two hand cases
  (``alpha`` 5 → 5, ``alpha`` 3 → 1).

The FaceNet model itself is not graded (the course loads it from ``model.json``; learners
never write it): ``tests/cnn/test_facenet.py`` checks its shapes and 22,808,144 parameters.

Checked only when the FaceNet weights are found (``$DLSPEC_WEIGHTS_DIR`` holds one of
:func:`~dlspec.cnn.faces.facenet.facenet_weight_files`, e.g. ``keras-facenet-h5/model.h5``) and
the faces are in ``$DLSPEC_DATA_DIR``: the course's ``verify`` and ``who_is_it`` values, which
depend on the trained weights. Without the weights these cases are left out, never faked;
:data:`WEIGHT_CASES_INCLUDED` says whether they are in ``CASES``. The lab's runner also
checks them (:func:`weight_cases`) when its ``weights`` argument names a file.

>>> from dlspec.grading import check_lab  # doctest: +SKIP
>>> check_lab("c4w4-face").metrics["golden cases passed"]  # doctest: +SKIP
1.0
"""

from __future__ import annotations

import functools

import numpy as np

from dlspec.cnn.faces.face_recognition import FACES_DIR, build_database
from dlspec.cnn.faces.facenet import facenet_model, facenet_weight_files
from dlspec.data.paths import DataNotFoundError, data_path
from dlspec.grading.generated import GeneratedCase, distinct_sizes, position_coded
from dlspec.grading.golden import GoldenCase
from dlspec.weights import WeightsNotFoundError, resolve_weights

__all__ = ["CASES", "WEIGHT_CASES_INCLUDED", "weight_cases", "GENERATED"]


def _seeded_triplets() -> tuple[tuple, dict]:
    import tensorflow as tf

    tf.random.set_seed(1)
    y_pred = (
        tf.random.normal([3, 128], mean=6, stddev=0.1, seed=1),
        tf.random.normal([3, 128], mean=1, stddev=1, seed=1),
        tf.random.normal([3, 128], mean=3, stddev=4, seed=1),
    )
    return (None, y_pred), {}


def _hand_case(y_pred, alpha):
    def make() -> tuple[tuple, dict]:
        return (None, y_pred, alpha), {}

    return make


@functools.lru_cache(maxsize=2)
def _facenet_and_database(weights: str):
    model, _ = facenet_model(weights)
    return model, build_database(model)


def _face_case(weights: str, image: str, identity: str | None = None):
    def make() -> tuple[tuple, dict]:
        model, database = _facenet_and_database(weights)
        path = data_path(f"{FACES_DIR}/{image}")
        if identity is None:
            return (path, database, model), {}
        return (path, identity, database, model), {}

    return make


def _weights_and_faces_found() -> bool:
    try:
        resolve_weights(facenet_weight_files(), download=False)
        data_path(FACES_DIR)
    except (WeightsNotFoundError, DataNotFoundError):
        return False
    return True


def weight_cases(weights: str = "facenet") -> list[GoldenCase]:
    """The course's FaceNet values, which need the trained weights.

    Args:
        weights: ``"facenet"`` (found in ``$DLSPEC_WEIGHTS_DIR`` / the Keras cache) or the
            path of the weights file (the lab's ``--weights``).
    """
    weights = str(weights)
    tolerance = {"rtol": 1e-4, "atol": 1e-4}
    return [
        GoldenCase(
            "verify",
            _face_case(weights, "camera_1.jpg", "bertrand"),
            (0.54364836, True),
            name="verify camera_1 as bertrand (FaceNet weights)",
            **tolerance,
        ),
        GoldenCase(
            "verify",
            _face_case(weights, "camera_1.jpg", "younes"),
            (1.3963861, False),
            name="verify camera_1 as younes (FaceNet weights)",
            **tolerance,
        ),
        GoldenCase(
            "who_is_it",
            _face_case(weights, "camera_0.jpg"),
            (0.5992946, "younes"),
            name="who_is_it camera_0 (FaceNet weights)",
            **tolerance,
        ),
    ]


WEIGHT_CASES_INCLUDED = _weights_and_faces_found()

CASES = {
    "c4w4-face": [
        GoldenCase(
            "triplet_loss", _seeded_triplets, 527.2598, rtol=1e-6, atol=1e-4, name="triplet_loss"
        ),
        GoldenCase(
            "triplet_loss",
            _hand_case(([1.0, 1.0], [1.0, 1.0], [1.0, 1.0]), 5),
            5.0,
            name="triplet_loss, equal triplet, alpha 5",
        ),
        GoldenCase(
            "triplet_loss",
            _hand_case(([1.0, 1.0], [1.0, 1.0], [0.0, 0.0]), 3),
            1.0,
            name="triplet_loss, alpha 3",
        ),
        *(weight_cases() if WEIGHT_CASES_INCLUDED else []),
    ]
}


def _gen_triplets(rng: np.random.Generator) -> tuple[tuple, dict]:
    """(anchor, positive, negative) encodings (m, d) with m != d, and an alpha."""
    import tensorflow as tf  # lazy: as the fixed cases

    m, d = distinct_sizes(rng, 2, 2, 9)
    encodings = [rng.permuted(position_coded(rng, (m, d), 2.0).ravel()).reshape(m, d)]
    encodings += [e + position_coded(rng, (m, d), 0.8) for e in (encodings[0], -encodings[0])]
    y_pred = tuple(tf.constant(e, tf.float32) for e in encodings)
    return (None, y_pred), {"alpha": float(rng.uniform(0.1, 3.0))}


GENERATED = {"c4w4-face": [GeneratedCase("triplet_loss", _gen_triplets, rtol=1e-5, atol=1e-4)]}
