"""Golden-case grading shared by the package's tests, the lab runs and ``dlspec grade``.

- :mod:`~dlspec.grading.golden`: a fixed case (the course's visible tests) and the comparison;
- :mod:`~dlspec.grading.generated`: generated cases (fresh inputs each run);
- :mod:`~dlspec.grading.model_summary`: layer summaries of Keras model builders;
- :mod:`~dlspec.grading.evaluate`: the verdict of one call (an :class:`Outcome`), and
  :func:`run_case` / :func:`check_lab` for dlspec's own functions;
- :mod:`~dlspec.grading.cases`: where a lab's cases come from (the registry's golden module);
- :mod:`~dlspec.grading.runner`: ``dlspec grade``, the learner's code in a worker process
  (:mod:`~dlspec.grading.worker`, :mod:`~dlspec.grading.solution`,
  :mod:`~dlspec.grading.notebook`), reported by :mod:`~dlspec.grading.report`;
  :func:`grade_many` / :class:`GradingSession` grade a batch of solutions in one worker;
- :mod:`~dlspec.grading.editions`: the course's editions (names, signatures, outputs, in-place
  contracts); :mod:`~dlspec.grading.keras2`, :mod:`~dlspec.grading.course_modules`,
  :mod:`~dlspec.grading.offline_weights`: what the worker adds back for course-era code;
- :mod:`~dlspec.grading.template`: ``dlspec grade --template``;
- :mod:`~dlspec.grading.check`: ``check(propagate)`` from a notebook cell, in the kernel's warm
  worker (:mod:`~dlspec.grading.live`), shown as an HTML table (:mod:`~dlspec.grading.html`).
"""

from dlspec.grading.check import check
from dlspec.grading.evaluate import Outcome, check_lab, evaluate, run_case
from dlspec.grading.generated import GeneratedCase, position_coded
from dlspec.grading.golden import GoldenCase, Mismatch, compare, compare_detail
from dlspec.grading.model_summary import ModelCase, compare_summaries, layer_summary
from dlspec.grading.runner import GradingSession, grade, grade_many

__all__ = [
    "GeneratedCase",
    "GoldenCase",
    "GradingSession",
    "Mismatch",
    "ModelCase",
    "Outcome",
    "check",
    "check_lab",
    "compare",
    "compare_detail",
    "compare_summaries",
    "evaluate",
    "grade",
    "grade_many",
    "layer_summary",
    "position_coded",
    "run_case",
]
