"""The course's YOLO helpers that dlspec's supplied ``yolo_utils`` and ``yad2k`` modules add.

The YOLO lab's notebooks import more from the course's files than the lab uses:
``yolo_utils.generate_colors`` (v3a), ``yad2k.utils.utils.get_colors_for_classes`` (the
current edition), and from ``yad2k.models.keras_yolo`` the network (``yolo_body``) and its
training code (``preprocess_true_boxes``, ``yolo_loss``). :mod:`dlspec.grading.course_modules`
supplies them from here when the notebook's folder lacks the course's files: dlspec's
equivalents where they exist, else a stand-in that makes the import work and says, when
called, why dlspec's grader does not provide it.

Example:
    >>> generate_colors(["car", "bus"])
    [(255, 0, 0), (0, 255, 255)]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras

from dlspec.cnn.detection.yolo_v2 import yolo_v2_model
from dlspec.grading.course_modules import not_provided
from dlspec.viz.boxes import class_colors

__all__ = [
    "generate_colors",
    "get_colors_for_classes",
    "preprocess_true_boxes",
    "yolo_body",
    "yolo_loss",
]


def generate_colors(class_names: Sequence[str]) -> list[tuple[int, int, int]]:
    """The course's ``yolo_utils.generate_colors``: one RGB colour per class name.

    dlspec's colours (:func:`dlspec.viz.boxes.class_colors`), not the course's shuffled ones.

    Example:
        >>> len(generate_colors(["car", "bus", "truck"]))
        3
    """
    return class_colors(len(class_names))


def get_colors_for_classes(num_classes: int) -> list[tuple[int, int, int]]:
    """The course's ``yad2k.utils.utils.get_colors_for_classes``: ``num_classes`` colours.

    Example:
        >>> get_colors_for_classes(1)
        [(255, 0, 0)]
    """
    return class_colors(int(num_classes))


def yolo_body(inputs: Any, num_anchors: int, num_classes: int) -> keras.Model:
    """yad2k's ``yolo_body``: YOLOv2 (random weights) applied to ``inputs``, as a model.

    dlspec's network (:func:`dlspec.cnn.detection.yolo_v2.yolo_v2_model`); pretrained weights
    are loaded separately, as in the course.

    Example:
        >>> model = yolo_body(keras.Input((64, 64, 3)), 5, 80)  # doctest: +SKIP
        >>> model.output.shape  # doctest: +SKIP
        (None, 2, 2, 425)
    """
    network = yolo_v2_model(tuple(inputs.shape[1:]), int(num_anchors), int(num_classes))
    return keras.Model(inputs, network(inputs))


_TRAINING_ONLY = (
    "yad2k's YOLO training code is neither graded nor used by the lab; dlspec trains YOLO "
    "with its own targets and loss (dlspec.cnn.detection.yolo_loss)"
)
preprocess_true_boxes = not_provided("preprocess_true_boxes", _TRAINING_ONLY)
yolo_loss = not_provided("yolo_loss", _TRAINING_ONLY)
