"""The course's helper modules, supplied from dlspec's functions when a notebook lacks them.

Course notebooks import ``.py`` files that sat beside them on the course's platform
(``dnn_app_utils_v3``, ``reg_utils``, ``gc_utils``, ``yolo_utils``, ``yad2k.models.keras_yolo``,
``public_tests``...). A learner who kept only the notebook does not have them. The worker
installs :class:`CourseModules` last on ``sys.meta_path``: a file beside the notebook (found by
the ordinary finders first) always wins; otherwise the name gets a module built from dlspec's
reference functions, with the course's names, and the report says so.

``public_tests``, ``test_utils`` and ``outputs`` (the course's own checks) become modules whose
``<function>_test`` functions, ``summary`` and ``comparator`` do nothing and return ``None``:
a notebook's ``from public_tests import *`` and its test calls run harmlessly, and dlspec's
cases do the grading.

Example:
    >>> finder = CourseModules()
    >>> with finder.installed():
    ...     import gc_utils
    >>> gc_utils.dictionary_to_vector.__module__
    'dlspec.optimization.gradient_checking'
    >>> finder.used
    ['course module gc_utils supplied by dlspec']
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import importlib.machinery
import sys
import types
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

__all__ = [
    "COURSE_MODULES",
    "NO_OP_MODULES",
    "CourseModules",
    "NotProvidedError",
    "convert_to_one_hot",
    "load_extra_datasets",
    "not_provided",
]


def convert_to_one_hot(Y, C: int) -> np.ndarray:
    """The course's ``convert_to_one_hot``: labels ``(1, m)`` → one-hot columns ``(C, m)``.

    Example:
        >>> convert_to_one_hot(np.array([[2, 0]]), 3).tolist()
        [[0.0, 1.0], [0.0, 0.0], [1.0, 0.0]]
    """
    return np.eye(C)[np.asarray(Y).reshape(-1)].T


class NotProvidedError(RuntimeError):
    """A course function that the supplied modules name but dlspec's grader does not provide."""


def not_provided(name: str, why: str) -> Callable[..., Any]:
    """A stand-in for the course function ``name``: importing it works, calling it raises.

    Example:
        >>> loss = not_provided("yolo_loss", "training YOLO is not part of the lab")
        >>> try:
        ...     loss()
        ... except NotProvidedError as err:
        ...     print(err)
        yolo_loss is not provided by dlspec's grader: training YOLO is not part of the lab
    """

    def stand_in(*args: Any, **kwargs: Any) -> Any:
        raise NotProvidedError(f"{name} is not provided by dlspec's grader: {why}")

    stand_in.__name__ = stand_in.__qualname__ = name
    stand_in.__doc__ = f"Not provided by dlspec's grader: {why}."
    return stand_in


load_extra_datasets = not_provided(
    "load_extra_datasets",
    "the planar lab's optional extra data sets (scikit-learn's circles, moons, blobs) are not "
    "part of dlspec; the graded functions do not use them",
)


_STEP = "dlspec.foundations.deep_nn_step_by_step"
_THREE = "dlspec.optimization.three_layer"
_BOUNDARY = "dlspec.viz.boundary:plot_decision_boundary"
_ONE_HOT = "dlspec.grading.course_modules:convert_to_one_hot"
_DNN_UTILS = (f"{_STEP}:sigmoid", f"{_STEP}:relu", f"{_STEP}:sigmoid_backward",
              f"{_STEP}:relu_backward")  # fmt: skip
_DNN_APP = (
    _STEP,
    "dlspec.foundations.deep_nn_application:predict",
    "dlspec.foundations.deep_nn_application:initialize_parameters_deep",
    "load_data=dlspec.data.catvnoncat:load_dataset",
)
_TEST_CASES = ("dlspec.optimization.gradient_checking:gradient_check_n_test_case",)
_YOLO = "dlspec.grading.course_yolo"
_YOLO_UTILS = (
    "dlspec.cnn.detection.car_detection:read_classes",
    "dlspec.cnn.detection.car_detection:read_anchors",
    "dlspec.cnn.detection.car_detection:scale_boxes",
    "dlspec.cnn.detection.car_detection:preprocess_image",
    "dlspec.cnn.detection.predict:draw_boxes",
)

#: module name → what it holds: a dlspec module (its public names), ``module:name``, or
#: ``alias=module:name`` (the course's name for dlspec's function)
COURSE_MODULES: dict[str, tuple[str, ...]] = {
    "dnn_utils": _DNN_UTILS,
    "dnn_utils_v2": _DNN_UTILS,
    "dnn_app_utils_v2": _DNN_APP,
    "dnn_app_utils_v3": _DNN_APP,
    "lr_utils": ("dlspec.data.catvnoncat:load_dataset",),
    "planar_utils": (
        "dlspec.data.planar:load_planar_dataset",
        _BOUNDARY,
        "dlspec.foundations.planar_classification:sigmoid",
        "dlspec.grading.course_modules:load_extra_datasets",
    ),
    "init_utils": (
        _THREE,
        _BOUNDARY,
        "load_dataset=dlspec.data.toy2d:load_initialization_dataset",
    ),
    "reg_utils": (_THREE, _BOUNDARY, "dlspec.data.football:load_2D_dataset"),
    "opt_utils": (_THREE, _BOUNDARY, "load_dataset=dlspec.data.toy2d:load_moons_dataset"),
    "opt_utils_v1a": (_THREE, _BOUNDARY, "load_dataset=dlspec.data.toy2d:load_moons_dataset"),
    "gc_utils": (
        f"{_THREE}:sigmoid",
        f"{_THREE}:relu",
        "dlspec.optimization.gradient_checking:dictionary_to_vector",
        "dlspec.optimization.gradient_checking:vector_to_dictionary",
        "dlspec.optimization.gradient_checking:gradients_to_vector",
    ),
    "testCases": _TEST_CASES,
    "testCases_v2": _TEST_CASES,
    "testCases_v3": _TEST_CASES,
    "testCases_v4": _TEST_CASES,
    "testCases_v4a": _TEST_CASES,
    "test_cases": _TEST_CASES,
    "resnets_utils": ("load_dataset=dlspec.data.signs:load_signs_dataset", _ONE_HOT),
    "cnn_utils": (
        "dlspec.data.signs:load_signs_dataset",
        "dlspec.data.happy:load_happy_dataset",
        "dlspec.optimization.optimization_methods:random_mini_batches",
        _ONE_HOT,
    ),
    "yolo_utils": (*_YOLO_UTILS, f"{_YOLO}:generate_colors"),
    "yad2k": (),
    "yad2k.models": (),
    "yad2k.models.keras_yolo": (
        "dlspec.cnn.detection.yolo_decoding:yolo_head",
        "dlspec.cnn.detection.yolo_decoding:yolo_boxes_to_corners",
        f"{_YOLO}:yolo_body",
        f"{_YOLO}:yolo_loss",
        f"{_YOLO}:preprocess_true_boxes",
    ),
    "yad2k.utils": (),
    "yad2k.utils.utils": (*_YOLO_UTILS, f"{_YOLO}:get_colors_for_classes"),
}
_PACKAGES = {"yad2k", "yad2k.models", "yad2k.utils"}

#: the course's own test modules: every ``*_test`` function is a no-op here
NO_OP_MODULES = ("public_tests", "test_utils", "outputs")
_NO_OP_NAMES = ("summary", "comparator", "single_test", "multiple_test")


def _no_op(*args: Any, **kwargs: Any) -> None:
    """A course test function: dlspec's cases grade instead, so nothing happens here."""


def _resolve(entry: str) -> dict[str, Any]:
    """``{name: object}`` of one :data:`COURSE_MODULES` entry (see its comment)."""
    alias, _, target = entry.rpartition("=")
    module_name, _, attribute = target.partition(":")
    module = importlib.import_module(module_name)
    if attribute:
        return {alias or attribute: getattr(module, attribute)}
    names = getattr(module, "__all__", None) or [n for n in vars(module) if not n.startswith("_")]
    return {name: getattr(module, name) for name in names if callable(getattr(module, name))}


class CourseModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds :data:`COURSE_MODULES` and :data:`NO_OP_MODULES` names nothing else provides.

    Args:
        test_names: the ``*_test`` names the no-op test modules export (``from public_tests
            import *``); any other ``*_test`` attribute works too.

    Attributes:
        used: one sentence per module supplied, for the report.
    """

    def __init__(self, test_names: Iterable[str] = ()) -> None:
        self.test_names = tuple(test_names)
        self.used: list[str] = []
        self._created: list[str] = []

    @contextlib.contextmanager
    def installed(self) -> Iterator[CourseModules]:
        """Put the finder last on ``sys.meta_path`` for the block (see :meth:`install`)."""
        self.install()
        try:
            yield self
        finally:
            self.uninstall()

    def install(self) -> None:
        """Append the finder to ``sys.meta_path`` (after the finders of real files)."""
        if self not in sys.meta_path:
            sys.meta_path.append(self)

    def uninstall(self) -> None:
        """Remove the finder; modules already imported stay (the learner holds them)."""
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(self)

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname not in COURSE_MODULES and fullname not in NO_OP_MODULES:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=fullname in _PACKAGES)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return None  # the default module

    def exec_module(self, module: types.ModuleType) -> None:
        name = module.__name__
        if name in NO_OP_MODULES:
            names = [*self.test_names, *_NO_OP_NAMES]
            for test in names:
                setattr(module, test, _no_op)
            module.__all__ = names  # type: ignore[attr-defined]
            module.__getattr__ = _no_op_attribute  # type: ignore[attr-defined]
            self._note(f"course tests {name} replaced by no-ops (dlspec's cases grade)")
            return
        values: dict[str, Any] = {}
        for entry in COURSE_MODULES[name]:
            values.update(_resolve(entry))
        vars(module).update(values)
        module.__all__ = sorted(values)  # type: ignore[attr-defined]
        if COURSE_MODULES[name]:
            self._note(f"course module {name} supplied by dlspec")

    def _note(self, sentence: str) -> None:
        if sentence not in self.used:
            self.used.append(sentence)


def _no_op_attribute(name: str) -> Any:
    if name.endswith("_test") or name.startswith("test"):
        return _no_op
    raise AttributeError(name)
