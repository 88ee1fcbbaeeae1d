"""Grade a class: many submissions of one lab, each in its own sandbox and worker.

``dlspec grade LAB --solution a.ipynb b.ipynb ...`` (or a folder of them) grades the
submissions in parallel, up to the number of cores, each in a throwaway copy of its folder
(:mod:`dlspec.grading.sandbox`), and writes one row per submission (``--csv``, ``--json``).
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dlspec.grading.cases import CaseSource
from dlspec.grading.report import GradeReport
from dlspec.grading.runner import GraderError, check_options, grade_source
from dlspec.grading.sandbox import sandbox

__all__ = ["ClassResult", "find_submissions", "grade_class", "write_csv", "write_json"]


@dataclass
class ClassResult:
    """One submission's row: its report, or why the grader could not run it."""

    solution: str
    report: GradeReport | None = None
    error: str = ""

    def row(self) -> dict[str, Any]:
        """``{"solution", "score", "max_score", "passed", "cases", "cases_passed", "error"}``."""
        report = self.report
        if report is None:
            return {"solution": self.solution, "score": 0, "max_score": "", "passed": False,
                    "cases": 0, "cases_passed": 0, "error": self.error}  # fmt: skip
        graded = report.graded_cases
        error = report.load_error["message"] if report.load_error else ""
        return {
            "solution": self.solution,
            "score": report.score,
            "max_score": report.max_score,
            "passed": report.passed,
            "cases": len(graded),
            "cases_passed": sum(c.passed for c in graded),
            "error": error,
        }


def find_submissions(paths: Sequence[str | os.PathLike]) -> list[Path]:
    """The ``.py`` / ``.ipynb`` files named, or found directly inside a named folder.

    Example:
        >>> find_submissions([])
        []
    """
    found: list[Path] = []
    for item in map(Path, paths):
        if item.is_dir():
            found += sorted(
                p for p in item.iterdir() if p.suffix in (".py", ".ipynb") and p.is_file()
            )
        else:
            found.append(item)
    return found


def grade_class(
    lab_id: str,
    solutions: Sequence[str | os.PathLike],
    *,
    jobs: int | None = None,
    **options: Any,
) -> list[ClassResult]:
    """Grade every submission in its own sandbox; ``options`` as :func:`grade_source`.

    Example:
        >>> rows = grade_class("c1w2-logreg", ["a.py", "b.py"], timeout=5)  # doctest: +SKIP
        >>> [r.row()["score"] for r in rows]  # doctest: +SKIP
        [5.0, 3.4]
    """
    check_options(
        timeout=options.get("timeout", 5.0),
        load_timeout=options.get("load_timeout", 60.0),
        repeats=options.get("repeats", 3),
        memory_mb=options.get("memory_mb", 4096),
    )
    source = CaseSource.for_lab(lab_id)
    paths = find_submissions(solutions)
    if not paths:
        raise ValueError("No .py or .ipynb submissions found.")
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"No solution file at {', '.join(missing)}.")

    def one(path: Path) -> ClassResult:
        try:
            with sandbox(path) as box:
                report = grade_source(source, path, sandbox=box, **options)
            report.solution = str(path)
            return ClassResult(str(path), report)
        except (GraderError, OSError, ValueError) as err:
            return ClassResult(str(path), error=f"{type(err).__name__}: {err}")

    workers = max(1, min(jobs or os.cpu_count() or 1, len(paths)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, paths))


def write_csv(results: Sequence[ClassResult], path: str | os.PathLike) -> None:
    """One row per submission (see :meth:`ClassResult.row`)."""
    rows = [r.row() for r in results]
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(ClassResult("").row()))
        writer.writeheader()
        writer.writerows(rows)


def write_json(results: Sequence[ClassResult], path: str | os.PathLike) -> None:
    """``{"schema": "dlspec-class/1", "submissions": [row + {"report": ...}]}``."""
    items = [
        {**r.row(), "report": r.report.to_dict() if r.report is not None else None} for r in results
    ]
    text = json.dumps({"schema": "dlspec-class/1", "submissions": items}, indent=2)
    Path(path).write_text(text + "\n", encoding="utf-8")
