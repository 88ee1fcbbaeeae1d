"""The course's helper modules supplied by the grading worker: every name the course's
notebooks import exists; one dlspec does not provide says so when called."""

from __future__ import annotations

import importlib
import sys

import pytest

from dlspec.grading.course_modules import COURSE_MODULES, CourseModules, NotProvidedError


@pytest.fixture
def finder():
    before = set(sys.modules)
    supplied = CourseModules()
    with supplied.installed():
        yield supplied
    for name in set(sys.modules) - before:
        if name.split(".")[0] in COURSE_MODULES:
            del sys.modules[name]


def test_a_course_name_dlspec_does_not_have_imports_and_says_why_when_called(finder):
    planar_utils = importlib.import_module("planar_utils")
    assert callable(planar_utils.load_planar_dataset)
    with pytest.raises(NotProvidedError, match="load_extra_datasets is not provided by dlspec's "
                       "grader: the planar lab's optional extra data sets"):  # fmt: skip
        planar_utils.load_extra_datasets()
    assert finder.used == ["course module planar_utils supplied by dlspec"]


def test_the_yolo_modules_hold_the_names_both_editions_import():
    yolo = {
        "yolo_utils": {"read_classes", "read_anchors", "generate_colors", "preprocess_image",
                       "draw_boxes", "scale_boxes"},
        "yad2k.utils.utils": {"draw_boxes", "get_colors_for_classes", "scale_boxes",
                              "read_classes", "read_anchors", "preprocess_image"},
        "yad2k.models.keras_yolo": {"yolo_head", "yolo_boxes_to_corners",
                                    "preprocess_true_boxes", "yolo_loss", "yolo_body"},
    }  # fmt: skip
    for module, names in yolo.items():
        given = {entry.rpartition("=")[2].rpartition(":")[2] for entry in COURSE_MODULES[module]}
        assert names <= given, (module, names - given)
