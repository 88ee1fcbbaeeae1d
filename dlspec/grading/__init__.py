"""Golden-case grading shared by the package's tests and ``dlspec grade``."""

from dlspec.grading.golden import CaseResult, GoldenCase, check_lab, compare, run_case

__all__ = ["CaseResult", "GoldenCase", "check_lab", "compare", "run_case"]
