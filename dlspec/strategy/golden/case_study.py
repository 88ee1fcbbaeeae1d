"""Golden cases of the Course 3 case study: the course's worked examples as calls of dlspec.

Course 3 has no graded notebooks, so its "golden values" are the numbers of its lectures and
quizzes (spec ``course3.md``): the F1 examples, the weighted error, the optimizing/satisficing
choice, the four bias / variance / data-mismatch examples and the error-analysis ceilings.

>>> from dlspec.grading import check_lab
>>> check_lab("c3-case-study").metrics["golden cases passed"]  # doctest: +SKIP
1.0
"""

from __future__ import annotations

from dlspec.grading.golden import GoldenCase

__all__ = ["CASES"]


def _call(*args, **kwargs) -> tuple[tuple, dict]:
    return args, kwargs


def _diagnosis(name: str, errors: dict, expected: dict) -> GoldenCase:
    return GoldenCase(
        "diagnose",
        lambda: _call(**errors),
        expected,
        select=lambda d: d.as_dict(),
        atol=1e-9,
        name=f"diagnose: {name}",
    )


def _ceiling(name: str, n_tag: int, expected: float) -> GoldenCase:
    return GoldenCase(
        "error_analysis",
        lambda: _call([{"dog"}] * n_tag + [{"other"}] * (100 - n_tag), error_rate=0.10),
        {"count": n_tag, "fraction": n_tag / 100, "best_error": expected},
        select=lambda ea: {
            "count": ea.row("dog").count,
            "fraction": ea.row("dog").fraction,
            "best_error": ea.row("dog").best_error,
        },
        atol=1e-12,
        name=f"error analysis: {name}",
    )


_CASE_STUDY = [
    GoldenCase("f1", lambda: _call(0.66, 0.8), 0.7232876712, atol=1e-9, name="F1: P=0.66 R=0.8"),
    GoldenCase("f1", lambda: _call(0.66, 0.1), 0.1736842105, atol=1e-9, name="F1: P=0.66 R=0.1"),
    GoldenCase(
        "f1", lambda: _call(0.95, 0.90), 0.9243243243, atol=1e-9, name="F1: classifier A 95/90"
    ),
    GoldenCase(
        "f1", lambda: _call(0.98, 0.85), 0.9103825137, atol=1e-9, name="F1: classifier B 98/85"
    ),
    GoldenCase(
        "weighted_error",
        lambda: _call([0, 1, 1, 0], [0, 1, 0, 1], [1, 1, 10, 1]),
        11 / 13,
        atol=1e-12,
        name="weighted error: weight 10 on a forbidden example",
    ),
    GoldenCase(
        "select_model",
        lambda: _call(
            {
                "A": {"accuracy": 0.90, "running time (ms)": 80},
                "B": {"accuracy": 0.92, "running time (ms)": 95},
                "C": {"accuracy": 0.95, "running time (ms)": 1500},
            },
            optimizing="accuracy",
            satisficing={"running time (ms)": 100},
        ),
        {"best": "B", "value": 0.92},
        select=lambda s: {"best": s.best, "value": s.value},
        name="select: max accuracy s.t. running time <= 100 ms",
    ),
    _diagnosis(
        "humans 1%, train 8%, dev 10% -> bias",
        {"human": 0.01, "train": 0.08, "dev": 0.10},
        {"avoidable bias": 0.07, "variance": 0.02, "dominant": "avoidable bias"},
    ),
    _diagnosis(
        "humans 7.5%, train 8%, dev 10% -> variance",
        {"human": 0.075, "train": 0.08, "dev": 0.10},
        {"avoidable bias": 0.005, "variance": 0.02, "dominant": "variance"},
    ),
    _diagnosis(
        "HLP 0, train 1%, train-dev 9%, dev 10% -> variance",
        {"human": 0.0, "train": 0.01, "train_dev": 0.09, "dev": 0.10},
        {"avoidable bias": 0.01, "variance": 0.08, "data mismatch": 0.01, "dominant": "variance"},
    ),
    _diagnosis(
        "HLP 0, train 1%, train-dev 1.5%, dev 10% -> data mismatch",
        {"human": 0.0, "train": 0.01, "train_dev": 0.015, "dev": 0.10},
        {
            "avoidable bias": 0.01,
            "variance": 0.005,
            "data mismatch": 0.085,
            "dominant": "data mismatch",
        },
    ),
    _ceiling("10% error, 5/100 dogs -> 9.5%", 5, 0.095),
    _ceiling("10% error, 50/100 dogs -> 5%", 50, 0.05),
]

CASES = {"c3-case-study": _CASE_STUDY}
