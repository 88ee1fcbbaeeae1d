"""The offline pretrained weights for tests: skip, or fail with DLSPEC_REQUIRE_DATA=1."""

from __future__ import annotations

from pathlib import Path

import pytest

from dlspec.data.paths import require_data
from dlspec.weights import WEIGHTS_DIR_ENV, weights_dir

#: the offline MobileNetV2 file of shared/weights (ImageNet fine-tuned on dogs)
MOBILENET_V2_DOGS = "mobilenet_v2_1.00_160_notop_dogs.weights.h5"


def need_weights(name: str = MOBILENET_V2_DOGS) -> Path:
    """Return ``$DLSPEC_WEIGHTS_DIR/name``, or skip (fail under DLSPEC_REQUIRE_DATA=1)."""
    folder = weights_dir()
    path = None if folder is None else folder / name
    if path is None or not path.is_file():
        message = (
            f"weights file {name} not found: set {WEIGHTS_DIR_ENV} to a folder holding it "
            f"({WEIGHTS_DIR_ENV}={folder})"
        )
        if require_data():
            pytest.fail(f"weights required (DLSPEC_REQUIRE_DATA=1): {message}")
        pytest.skip(message)
    return path
