"""Reference of lab c3-case-study: the Course 3 functions its golden cases grade.

Course 3 (Structuring Machine Learning Projects) has no graded notebook; its golden cases
(:mod:`dlspec.strategy.golden.case_study`) are the worked examples of its lectures and quizzes,
answered by these functions, gathered here from the modules that define them:

* :func:`~dlspec.strategy.metrics.f1`, :func:`~dlspec.strategy.metrics.precision_recall_f1`,
  :func:`~dlspec.strategy.metrics.weighted_error`: single-number evaluation metrics;
* :func:`~dlspec.strategy.metrics.select_model`: an optimizing metric under satisficing ones;
* :func:`~dlspec.strategy.diagnosis.diagnose`: avoidable bias, variance, data mismatch;
* :func:`~dlspec.strategy.error_analysis.error_analysis`: the error-analysis spreadsheet and
  the best error reachable by fixing one category.

The runnable case study (the Course 1 cat classifier trained, diagnosed and its dev errors
analysed) is :mod:`dlspec.strategy.runs.case_study`.
"""

from __future__ import annotations

from dlspec.strategy.diagnosis import diagnose
from dlspec.strategy.error_analysis import error_analysis
from dlspec.strategy.metrics import f1, precision_recall_f1, select_model, weighted_error

__all__ = [
    "diagnose",
    "error_analysis",
    "f1",
    "precision_recall_f1",
    "select_model",
    "weighted_error",
]
