"""Run a lab's golden cases against dlspec's own functions (the W2A1 and W4A1 labs' run)."""

from __future__ import annotations

import importlib

from dlspec.grading import run_case
from dlspec.labs import LabResult

__all__ = ["run_golden_cases"]


def run_golden_cases(lab_id: str) -> LabResult:
    """Grade dlspec's implementation of ``lab_id`` on the course's visible cases.

    Example:
        >>> run_golden_cases("c1w4-deep-nn-step").metrics["golden cases passed"]  # doctest: +SKIP
        1.0
    """
    from dlspec.foundations.golden import CASES, MODULES

    module = importlib.import_module(MODULES[lab_id])
    outcomes = [run_case(case, module) for case in CASES[lab_id]]
    result = LabResult(lab_id)
    result.metrics["golden cases passed"] = sum(o.passed for o in outcomes) / len(outcomes)
    result.notes = [f"{o.case.label}: {o.status} {o.message}".strip() for o in outcomes]
    return result
