"""Argument checks and weight loading shared by the architecture builders."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import keras

from dlspec.validation import check_input_shape, check_positive
from dlspec.weights import WeightFile, resolve_weights

KERAS_APPLICATIONS = "https://storage.googleapis.com/tensorflow/keras-applications/"


def check_image_size(input_shape, *, min_size: int = 32, name: str = "input_shape"):
    """``input_shape`` as (height, width, channels) of ints, height and width ≥ ``min_size``."""
    shape = check_input_shape(input_shape, name=name)
    if min(shape[:2]) < min_size:
        raise ValueError(
            f"{name} must have height and width of at least {min_size} for this network (its "
            f"downsampling would shrink the feature maps to nothing); got {shape}."
        )
    return shape


def check_classes(classes) -> int:
    """``classes`` as an int ≥ 2 (the size of the softmax)."""
    check_positive(classes, "classes", integer=True)
    if classes < 2:
        raise ValueError(f"classes must be an int ≥ 2 (a softmax over classes); got {classes!r}.")
    return int(classes)


def check_multiplier(value, name: str) -> float:
    """A positive width/depth multiplier (1.0 = the paper's size) as a float."""
    check_positive(value, name)
    return float(value)


def load_weights(
    model: keras.Model,
    weights: str | os.PathLike | None,
    imagenet: Sequence[WeightFile] = (),
) -> keras.Model:
    """Load ``weights`` into ``model`` and return it.

    ``None``: nothing (random initialisation). ``"imagenet"``: the Keras ImageNet file(s)
    ``imagenet``, found by :func:`dlspec.weights.resolve_weights` (``$DLSPEC_WEIGHTS_DIR``, the
    Keras cache, then the Keras download when online). Anything else: the path of a weights file
    (a Keras ``.weights.h5`` or a legacy ``.h5`` such as the ImageNet files).
    """
    if weights is None:
        return model
    if isinstance(weights, str) and weights == "imagenet":
        if not imagenet:
            raise ValueError(
                f"keras.applications has no ImageNet weights for {model.name} (this width, "
                "input size or top); pass weights=None or the path of a weights file saved "
                "from a model of the same layout."
            )
        found = resolve_weights(imagenet)
    else:
        user_file = WeightFile(Path(weights).name, "user-provided file")
        found = resolve_weights(imagenet or (user_file,), weights)
    model.load_weights(found.path)
    return model
