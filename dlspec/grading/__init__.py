"""Golden-case grading shared by the package's tests and ``dlspec grade``."""

from dlspec.grading.golden import CaseResult, GoldenCase, compare, run_case

__all__ = ["CaseResult", "GoldenCase", "compare", "run_case"]
