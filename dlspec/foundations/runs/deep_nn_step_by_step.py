"""Runner of lab c1w4-deep-nn-step (a deep network, step by step): the steps `dlspec run` runs."""

from __future__ import annotations

from dlspec.grading import check_lab
from dlspec.labs import LabRun


def check_golden_cases(run: LabRun) -> None:
    """Check every building block against the course's test cases."""
    checked = check_lab(run.lab_id)
    run.result.metrics.update(checked.metrics)
    run.result.notes += checked.notes


STEPS = (check_golden_cases,)
