"""The result of ``dlspec grade``: per-function tables for people, JSON for machines.

JSON report (``dlspec grade LAB --solution FILE --json``), schema ``dlspec-grade/2``
(:data:`REPORT_SCHEMA` is the JSON Schema; the tests validate against it)::

    {
      "schema": "dlspec-grade/2",
      "score": 4.5, "max_score": 5,           # sum of the functions' points (optional: none)
      "protections": {name: "in force" | "not available (why)"},   # class mode; {} otherwise
      "adaptations": [str], "skipped": [{...}], "not_graded": [str], "edition": {...} | null,
      "lab": {"id": "c1w2-logreg", "title": "Logistic regression with ..."},
      "solution": "/abs/path/solution.py",
      "seed": 1234, "repeats": 3, "timeout": 5.0, "memory": "address space limited to ...",
      "passed": false,                        # every case passed and the solution loaded
      "summary": {"cases": 20, "passed": 17, "failed": 3,
                  "fixed": {"cases": 5, "passed": 5},
                  "generated": {"cases": 15, "passed": 12}},
      "load": {"ok": true,                    # false: the .py file raised at import
               "error": null | {"message": str, "location": LOCATION | null},
               "warnings": [{"message": str, "location": LOCATION | null,
                             "defines": [str]}]},     # notebook statements that failed
      "functions": [
        {"name": "propagate", "points": 0.25, "max_points": 1, "optional": false,
         "status": "passed" | "failed" | "missing function" | "not implemented" | "not run",
         "cases": 4, "passed": 1,
         "results": [
           {"id": 3, "kind": "fixed" | "generated", "label": "propagate#1",
            "status": STATUS,                 # see dlspec.grading.evaluate.STATUSES
            "message": str,                   # one line, e.g. the first mismatch
            "detail": null | {"path": "output[0]['dw']", "index": [0, 0],
                              "expected": number | str, "got": number | str,
                              "rtol": number, "atol": number},
            "location": LOCATION | null,      # where the solution raised or looped
            "seconds": number}]}]
    }

    LOCATION = {"file": str, "line": int | null, "cell": int | null,  # cell: notebooks, 1-based
                "function": str | null, "code": str | null}

Points: a graded function is worth 1 point, earned in proportion to its cases passed; an
optional function (the worker says which) earns none and never fails the grade. Changes from
``dlspec-grade/1``: ``score``, ``max_score``, ``protections``, ``adaptations``, ``skipped``,
``not_graded``, ``edition``, per function ``points`` / ``max_points`` / ``optional``.

Statuses: ``pass``, ``wrong value``, ``wrong shape``, ``wrong dtype``, ``wrong type``,
``wrong model``, ``mutated input``, ``hard-coded``, ``exception``, ``not implemented``,
``missing function``, ``timeout``, ``crashed``, ``not run``, ``grader error``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from dlspec.grading.evaluate import STATUSES

__all__ = ["REPORT_SCHEMA", "SCHEMA_ID", "CaseReport", "GradeReport", "format_report"]

SCHEMA_ID = "dlspec-grade/2"

_LOCATION = {
    "type": ["object", "null"],
    "required": ["file", "line", "cell", "function", "code"],
    "properties": {
        "file": {"type": "string"},
        "line": {"type": ["integer", "null"]},
        "cell": {"type": ["integer", "null"]},
        "function": {"type": ["string", "null"]},
        "code": {"type": ["string", "null"]},
    },
}
_COUNTS = {
    "type": "object",
    "required": ["cases", "passed"],
    "properties": {"cases": {"type": "integer"}, "passed": {"type": "integer"}},
}
_NUMBER_OR_TEXT = {"type": ["number", "string", "null"]}
_RESULT = {
    "type": "object",
    "required": ["id", "kind", "label", "status", "message", "detail", "location", "seconds"],
    # "optional" (bool) is added when the case belongs to an optional function, "edition"
    # ({"name", "differences"}) when the case was graded as, or found to be, an earlier edition's
    "additionalProperties": False,
    "properties": {
        "id": {"type": "integer"},
        "kind": {"enum": ["fixed", "generated"]},
        "label": {"type": "string"},
        "status": {"enum": list(STATUSES)},
        "message": {"type": "string"},
        "detail": {
            "type": ["object", "null"],
            "required": ["path", "index", "expected", "got", "rtol", "atol"],
            # optional: "count" (elements that differ), "size", "max_abs_error",
            # "max_abs_error_index" when the worker computes them
            "properties": {
                "path": {"type": "string"},
                "index": {"type": "array", "items": {"type": "integer"}},
                "expected": _NUMBER_OR_TEXT,
                "got": _NUMBER_OR_TEXT,
                "rtol": {"type": "number"},
                "atol": {"type": "number"},
            },
        },
        "location": _LOCATION,
        "seconds": {"type": "number"},
        "optional": {"type": "boolean"},
        "edition": {
            "type": "object",
            "required": ["name", "differences"],
            "properties": {"name": {"type": "string"}, "differences": {"type": "string"}},
        },
    },
}
_FUNCTION_STATUSES = ["passed", "failed", "missing function", "not implemented", "not run"]

#: JSON Schema (draft 2020-12) of :meth:`GradeReport.to_dict`
REPORT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": SCHEMA_ID,
    "type": "object",
    "required": [
        "schema",
        "lab",
        "solution",
        "seed",
        "repeats",
        "timeout",
        "memory",
        "passed",
        "score",
        "max_score",
        "summary",
        "load",
        "functions",
    ],
    "properties": {
        "schema": {"const": SCHEMA_ID},
        "lab": {
            "type": "object",
            "required": ["id", "title"],
            "properties": {"id": {"type": "string"}, "title": {"type": "string"}},
        },
        "solution": {"type": "string"},
        "seed": {"type": "integer"},
        "repeats": {"type": "integer"},
        "timeout": {"type": "number"},
        "memory": {"type": "string"},
        "passed": {"type": "boolean"},
        "score": {"type": "number"},
        "max_score": {"type": "number"},
        "protections": {"type": "object", "additionalProperties": {"type": "string"}},
        "adaptations": {"type": "array", "items": {"type": "string"}},
        "skipped": {"type": "array", "items": {"type": "object"}},
        "not_graded": {"type": "array", "items": {"type": "string"}},
        "edition": {"type": ["object", "null"]},
        "summary": {
            "type": "object",
            "required": ["cases", "passed", "failed", "fixed", "generated"],
            "properties": {
                "cases": {"type": "integer"},
                "passed": {"type": "integer"},
                "failed": {"type": "integer"},
                "fixed": _COUNTS,
                "generated": _COUNTS,
            },
        },
        "load": {
            "type": "object",
            "required": ["ok", "error", "warnings"],
            "properties": {
                "ok": {"type": "boolean"},
                "error": {
                    "type": ["object", "null"],
                    "required": ["message", "location"],
                    "properties": {"message": {"type": "string"}, "location": _LOCATION},
                },
                "warnings": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["message", "location", "defines"],
                        "properties": {
                            "message": {"type": "string"},
                            "location": _LOCATION,
                            "defines": {"type": "array", "items": {"type": "string"}},
                        },
                    },
                },
            },
        },
        "functions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "name",
                    "status",
                    "cases",
                    "passed",
                    "points",
                    "max_points",
                    "optional",
                    "results",
                ],
                "properties": {
                    "name": {"type": "string"},
                    "points": {"type": "number"},
                    "max_points": {"type": "number"},
                    "optional": {"type": "boolean"},
                    "status": {"enum": _FUNCTION_STATUSES},
                    "cases": {"type": "integer"},
                    "passed": {"type": "integer"},
                    "results": {"type": "array", "items": _RESULT},
                },
            },
        },
    },
}


@dataclass
class CaseReport:
    """The result of one case (one row of the report)."""

    id: int
    kind: str
    function: str
    label: str
    status: str
    message: str = ""
    detail: dict | None = None
    location: dict | None = None
    seconds: float = 0.0
    optional: bool = False
    edition: dict | None = None

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    def to_dict(self) -> dict[str, Any]:
        row = asdict(self)
        del row["function"]
        if not self.optional:
            del row["optional"]
        if self.edition is None:
            del row["edition"]
        return row


@dataclass
class GradeReport:
    """Everything ``dlspec grade`` found; :meth:`to_dict` is the JSON report."""

    lab: str
    title: str
    solution: str
    seed: int
    repeats: int
    timeout: float
    memory: str = ""
    functions: list[str] = field(default_factory=list)
    cases: list[CaseReport] = field(default_factory=list)
    load_error: dict | None = None
    warnings: list[dict] = field(default_factory=list)
    protections: dict[str, str] = field(default_factory=dict)
    adaptations: list[str] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    optional: list[str] = field(default_factory=list)
    not_graded: list[str] = field(default_factory=list)
    edition: dict | None = None

    def is_optional(self, function: str) -> bool:
        """True for a function that does not count: optional, or given by the course."""
        return (
            function in self.optional
            or function in self.not_graded
            or any(c.optional for c in self.cases if c.function == function)
        )

    @property
    def graded_cases(self) -> list[CaseReport]:
        """The cases that count (those of optional functions do not)."""
        return [c for c in self.cases if not self.is_optional(c.function)]

    @property
    def passed(self) -> bool:
        """True when the solution loaded and every case of a non-optional function passed."""
        graded = self.graded_cases
        return self.load_error is None and bool(graded) and all(c.passed for c in graded)

    def points(self, function: str) -> float:
        """The function's share of its cases passed (0 to 1); 0 for an optional function.

        Example:
            >>> report = GradeReport("lab", "", "s.py", 0, 1, 5.0)
            >>> report.cases = [CaseReport(0, "fixed", "f", "f", "pass"),
            ...                 CaseReport(1, "generated", "f", "f#1", "wrong value")]
            >>> report.points("f"), report.score
            (0.5, 0.5)
        """
        rows = self.cases_of(function)
        if self.is_optional(function) or not rows or self.load_error is not None:
            return 0.0
        return round(sum(c.passed for c in rows) / len(rows), 4)

    @property
    def score(self) -> float:
        return round(sum(self.points(f) for f in self._function_names()), 4)

    @property
    def max_score(self) -> int:
        return sum(not self.is_optional(f) for f in self._function_names())

    def _function_names(self) -> list[str]:
        return self.functions or list(dict.fromkeys(c.function for c in self.cases))

    def cases_of(self, function: str) -> list[CaseReport]:
        return [c for c in self.cases if c.function == function]

    def function_status(self, function: str) -> str:
        """``passed``, ``failed``, or the one status shared by every case (``missing
        function``, ``not implemented``, ``not run``)."""
        statuses = {c.status for c in self.cases_of(function)}
        if statuses == {"pass"}:
            return "passed"
        if len(statuses) == 1 and statuses <= {"missing function", "not implemented", "not run"}:
            return statuses.pop()
        return "failed"

    def _counts(self, kind: str | None = None) -> dict[str, int]:
        rows = [c for c in self.graded_cases if kind is None or c.kind == kind]
        return {"cases": len(rows), "passed": sum(c.passed for c in rows)}

    def to_dict(self) -> dict[str, Any]:
        """The JSON report (schema ``dlspec-grade/2``, see the module docstring)."""
        total = self._counts()
        return {
            "schema": SCHEMA_ID,
            "lab": {"id": self.lab, "title": self.title},
            "solution": self.solution,
            "seed": self.seed,
            "repeats": self.repeats,
            "timeout": self.timeout,
            "memory": self.memory,
            "passed": self.passed,
            "score": self.score,
            "max_score": self.max_score,
            "protections": self.protections,
            "adaptations": self.adaptations,
            "skipped": self.skipped,
            "not_graded": self.not_graded,
            "edition": self.edition,
            "summary": {
                **total,
                "failed": total["cases"] - total["passed"],
                "fixed": self._counts("fixed"),
                "generated": self._counts("generated"),
            },
            "load": {
                "ok": self.load_error is None,
                "error": self.load_error,
                "warnings": self.warnings,
            },
            "functions": [
                {
                    "name": name,
                    "status": self.function_status(name),
                    "cases": len(self.cases_of(name)),
                    "passed": sum(c.passed for c in self.cases_of(name)),
                    "points": self.points(name),
                    "max_points": 0 if self.is_optional(name) else 1,
                    "optional": self.is_optional(name),
                    "results": [c.to_dict() for c in self.cases_of(name)],
                }
                for name in self.functions
            ],
        }


# --- text ------------------------------------------------------------------------------------

_SAME_FOR_ALL = {"missing function", "not implemented", "not run"}


def _display(path: str) -> str:
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return relative if not relative.startswith("..") else path


def format_location(location: dict | None) -> str:
    """``at sol.py:12 in propagate: `A = ...``` (``cell 5, line 3`` in a notebook).

    Example:
        >>> format_location({"file": "sol.py", "line": 12, "cell": None,
        ...                  "function": "propagate", "code": "A = w.T @ X"})
        'at sol.py:12 in propagate: `A = w.T @ X`'
    """
    if not location:
        return ""
    where = _display(location["file"])
    if location.get("cell") is not None:
        where += f" cell {location['cell']}, line {location['line']}"
    elif location.get("line") is not None:
        where += f":{location['line']}"
    text = f"at {where}"
    if location.get("function"):
        text += f" in {location['function']}"
    if location.get("code"):
        text += f": `{location['code']}`"
    return text


def _table(rows: Sequence[Sequence[str]], header: Sequence[str], indent: str = "  ") -> list[str]:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header) - 1)]
    lines = []
    for row in [header, *rows]:
        cells = [str(c).ljust(w) for c, w in zip(row[:-1], widths)] + [str(row[-1])]
        lines.append((indent + "  ".join(cells)).rstrip())
    return lines


def _fraction(rows: list[CaseReport]) -> str:
    return f"{sum(r.passed for r in rows)}/{len(rows)}" if rows else "-"


def _case_text(case: CaseReport) -> str:
    if case.status == "not implemented":
        where = case.location
        line = f" ({_display(where['file'])}:{where['line']})" if where else ""
        return f"still raises NotImplementedError{line}"
    where = format_location(case.location)
    detail = case.detail or {}
    if detail.get("count") is not None:
        size = f" of {detail['size']}" if detail.get("size") is not None else ""
        extra = f"; {detail['count']}{size} elements differ"
        if detail.get("max_abs_error") is not None:
            extra += f", largest error {detail['max_abs_error']:.3g}"
            if detail.get("max_abs_error_index") is not None:
                extra += f" at {list(detail['max_abs_error_index'])}"
        where = f"{extra} {where}".strip() if where else extra
        return f"{case.message}{where}" if where.startswith(";") else f"{case.message} {where}"
    if where and case.status == "timeout":
        where = f"(stopped {where})"
    return f"{case.message} {where}" if where else case.message


def _edition_lines(report: GradeReport) -> list[str]:
    """``Written for edition v6c of this lab:`` and what differs, once per difference.

    Example:
        >>> report = GradeReport("c1w3-planar", "", "s.ipynb", 0, 1, 5.0)
        >>> report.edition = {"name": "v6c", "differences": "compute_cost takes 3 arguments"}
        >>> _edition_lines(report)
        ['Written for edition v6c of this lab:', '  compute_cost takes 3 arguments']
    """
    found = [report.edition] if report.edition else []
    found += [c.edition for c in report.cases if c.edition]
    names = list(dict.fromkeys(e.get("name", "") for e in found))
    differences = list(dict.fromkeys(e.get("differences", "") for e in found))
    if not found:
        return []
    lines = [f"Written for edition {', '.join(names)} of this lab:"]
    return lines + [f"  {text}" for text in differences if text]


def _other_edition(rows: list[CaseReport]) -> str:
    """The edition every case of a function was found written for (not gradable), or ``""``."""
    if not rows or {r.status for r in rows} != {"edition"}:
        return ""
    return ", ".join(dict.fromkeys((r.edition or {}).get("name", "?") for r in rows))


def _to_fix(functions: list[str]) -> str:
    return f" To fix: {', '.join(functions)}." if functions else ""


def _loading_notes(report: GradeReport) -> list[str]:
    """Adaptations, skipped statements, optional and not-graded functions, protections."""
    lines = []
    lines += _edition_lines(report)
    if report.adaptations:
        lines.append(f"Adaptations used: {', '.join(report.adaptations)}")
    if report.skipped:
        lines.append("Skipped statements (not failures):")
        for item in report.skipped[:10]:
            where = f"cell {item.get('cell')}, line {item.get('line')}"
            lines.append(f"  {where}: {item.get('statement', '')} ({item.get('reason', '')})")
    if report.optional:
        lines.append(f"Optional functions (reported, never failing): {', '.join(report.optional)}")
    if report.not_graded:
        names = ", ".join(report.not_graded)
        lines.append(f"Course-given functions not defined by the notebook (not graded): {names}")
    if report.protections:
        lines.append("Isolation:")
        lines += [f"  {name}: {state}" for name, state in report.protections.items()]
    return [*lines, ""] if lines else []


def format_report(report: GradeReport, *, verbose: bool = False) -> str:
    """The report as text: an overview table, then a table per function that failed.

    Args:
        report: what :func:`dlspec.grading.runner.grade` returned.
        verbose: list passing cases too.
    """
    fixed = [c for c in report.cases if c.kind == "fixed"]
    generated = [c for c in report.cases if c.kind == "generated"]
    lines = [
        f"dlspec grade {report.lab}: {report.title}",
        f"solution: {_display(report.solution)}",
        f"cases: {len(fixed)} fixed (the notebook's) + {len(generated)} generated "
        f"(fresh inputs; seed {report.seed}, `--seed {report.seed}` repeats them)",
        "",
    ]
    if report.load_error:
        lines.append("The solution failed to load, so nothing was graded:")
        lines.append(f"  {report.load_error['message']}")
        where = format_location(report.load_error.get("location"))
        if where:
            lines.append(f"  {where}")
        lines.append("")
    lines += _loading_notes(report)
    if report.warnings:
        lines.append("Notebook statements that failed and were skipped:")
        for warning in report.warnings[:10]:
            loc = warning.get("location") or {}
            prefix = f"cell {loc.get('cell')}, line {loc.get('line')}: " if loc else ""
            lines.append(f"  {prefix}{warning['message']}")
        if len(report.warnings) > 10:
            lines.append(f"  ... and {len(report.warnings) - 10} more (see --json)")
        lines.append("")

    overview = []
    for name in report.functions:
        rows = report.cases_of(name)
        status = report.function_status(name)
        edition = _other_edition(rows)
        if edition:
            status = f"edition {edition}"
        if report.is_optional(name):
            status = f"optional, {status}"
        overview.append(
            (
                name,
                "passed"
                if status == "passed"
                else status.upper()
                if status == "failed"
                else status,
                _fraction([r for r in rows if r.kind == "fixed"]),
                _fraction([r for r in rows if r.kind == "generated"]),
            )
        )
    lines += _table(overview, ("function", "result", "fixed", "generated"))

    for name in report.functions if report.load_error is None else ():
        rows = report.cases_of(name)
        shown = rows if verbose else [r for r in rows if not r.passed]
        if not shown:
            continue
        lines += ["", f"{name}:"]
        statuses = {r.status for r in shown}
        if len(statuses) == 1 and statuses <= _SAME_FOR_ALL and not verbose:
            lines.append(f"  all {len(shown)} cases {shown[0].status}: {_case_text(shown[0])}")
            continue
        table = [(r.label, r.kind, r.status, _case_text(r)) for r in shown]
        lines += _table(table, ("case", "kind", "status", "detail"))

    graded = report.graded_cases
    total = len(graded)
    passed = sum(c.passed for c in graded)
    lines.append("")
    lines.append(f"score: {report.score:g}/{report.max_score} (1 point per graded function)")
    if report.passed:
        lines.append(f"All {total} cases passed.")
    else:
        failing = [
            n
            for n in report.functions
            if report.function_status(n) != "passed" and not report.is_optional(n)
        ]
        other = [n for n in failing if _other_edition(report.cases_of(n))]
        failing = [n for n in failing if n not in other]
        lines.append(f"{passed}/{total} cases passed.{_to_fix(failing)}")
        if other:
            lines.append(
                f"Written for another edition, not gradable with this edition's cases: "
                f"{', '.join(other)} (see the detail above)."
            )
        if failing:
            lines.append(
                f"See a case's inputs and expected output: dlspec grade {report.lab} "
                f"--function {failing[0]} --case N --show --seed {report.seed} "
                f"--repeats {report.repeats} (N: its row, from 1)"
            )
        if any(c.kind == "generated" and not c.passed for c in report.cases) and all(
            c.passed for c in fixed
        ):
            lines.append(
                "The notebook's own cases pass but generated ones fail: look for hard-coded "
                "sizes, globals, or rows and columns swapped."
            )
    return "\n".join(lines)
