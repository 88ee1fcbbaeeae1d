"""Golden-case grading shared by the package's tests and ``dlspec grade``.

- :mod:`~dlspec.grading.golden`: fixed cases (the course's visible tests) and the comparison;
- :mod:`~dlspec.grading.generated`: generated cases (fresh inputs each run);
- :mod:`~dlspec.grading.model_summary`: layer summaries of Keras model builders;
- :mod:`~dlspec.grading.evaluate`: the verdict of one call;
- :mod:`~dlspec.grading.runner`: ``dlspec grade``, the learner's code in a worker process
  (:mod:`~dlspec.grading.worker`, :mod:`~dlspec.grading.solution`,
  :mod:`~dlspec.grading.notebook`), reported by :mod:`~dlspec.grading.report`;
- :mod:`~dlspec.grading.template` (``--template``) and :mod:`~dlspec.grading.doctor`.
"""

from dlspec.grading.evaluate import Outcome, evaluate
from dlspec.grading.generated import GeneratedCase, position_coded
from dlspec.grading.golden import (
    CaseResult,
    GoldenCase,
    Mismatch,
    check_lab,
    compare,
    compare_detail,
    run_case,
)
from dlspec.grading.model_summary import ModelCase, compare_summaries, layer_summary
from dlspec.grading.runner import grade

__all__ = [
    "CaseResult",
    "GeneratedCase",
    "GoldenCase",
    "Mismatch",
    "ModelCase",
    "Outcome",
    "check_lab",
    "compare",
    "compare_detail",
    "compare_summaries",
    "evaluate",
    "grade",
    "layer_summary",
    "position_coded",
    "run_case",
]
