"""A grading report as an HTML table, for Jupyter (:meth:`CheckResult._repr_html_`).

One row per graded function: its result, the fixed and generated cases passed, and the first
failing case's detail (status, message, where in the learner's code).
"""

from __future__ import annotations

from html import escape

from dlspec.grading.report import CaseReport, GradeReport, format_location

__all__ = ["report_html"]

_COLORS = {"passed": "#1a7f37", "failed": "#cf222e"}


def _fraction(rows: list[CaseReport]) -> str:
    return f"{sum(r.passed for r in rows)}/{len(rows)}" if rows else "-"


def _first_failure(rows: list[CaseReport]) -> str:
    for row in rows:
        if not row.passed:
            where = format_location(row.location)
            text = f"{row.label} ({row.kind}): {row.status}"
            if row.message:
                text += f": {row.message}"
            if row.detail and row.detail["index"]:
                text += f" (index {row.detail['index']})"
            return escape(text) + (f"<br><code>{escape(where)}</code>" if where else "")
    return ""


def report_html(report: GradeReport) -> str:
    """The report as an HTML table (function, result, fixed, generated, first failing case).

    Example:
        >>> report = GradeReport("c1w2-logreg", "Logistic regression", "kernel", 1, 1, 5.0)
        >>> report.functions = ["sigmoid"]
        >>> report.cases = [CaseReport(0, "fixed", "sigmoid", "sigmoid", "pass")]
        >>> "<td>sigmoid</td>" in report_html(report)
        True
    """
    head = "".join(
        f"<th style='text-align:left'>{h}</th>"
        for h in ("function", "result", "fixed", "generated", "first failing case")
    )
    rows = []
    for name in report.functions:
        cases = report.cases_of(name)
        status = report.function_status(name)
        color = _COLORS.get(status, "#9a6700")
        rows.append(
            "<tr>"
            f"<td>{escape(name)}</td>"
            f"<td style='color:{color};font-weight:bold'>{escape(status)}</td>"
            f"<td>{_fraction([c for c in cases if c.kind == 'fixed'])}</td>"
            f"<td>{_fraction([c for c in cases if c.kind == 'generated'])}</td>"
            f"<td style='text-align:left'>{_first_failure(cases)}</td>"
            "</tr>"
        )
    passed = sum(c.passed for c in report.cases)
    summary = f"{passed}/{len(report.cases)} cases passed"
    if report.passed:
        summary = f"All {len(report.cases)} cases passed"
    caption = (
        f"dlspec check {escape(report.lab)}: {escape(report.title)}: {summary} (seed {report.seed})"
    )
    return (
        "<table class='dlspec-check'>"
        f"<caption style='text-align:left'>{caption}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
