"""Run labs and write the results table (ours vs the course's) to ``reports/results.md``."""

from __future__ import annotations

import gc
import platform
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from dlspec.data.paths import CorruptDataError, DataNotFoundError, data_path
from dlspec.io import atomic_write_text
from dlspec.labs import COMMON_OPTIONS, Lab, LabResult, all_labs
from dlspec.weights import WeightsNotFoundError

__all__ = ["LabOutcome", "run_lab", "reproduce", "results_markdown", "results_table"]


@dataclass
class LabOutcome:
    """A lab's result, or why it was skipped (data or weights missing) or failed (a corrupt
    data file), and how long it took."""

    lab: Lab
    result: LabResult | None = None
    skipped: str = ""
    seconds: float = 0.0
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)
    error: str = ""

    @property
    def status(self) -> str:
        """``ok``, ``missed`` (a target not met), ``skipped`` or ``error``.

        Example:
            >>> LabOutcome(Lab("x", "x", 1, 1, "r", "r"), skipped="no data").status
            'skipped'
        """
        if self.error:
            return "error"
        if self.result is None:
            return "skipped"
        return "missed" if any(row[3].startswith("MISSED") for row in self.rows) else "ok"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready record (``dlspec run --json``, ``dlspec reproduce --json``)."""
        result = self.result
        return {
            "lab": self.lab.id,
            "title": self.lab.title,
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "metrics": [dict(zip(("metric", "ours", "course", "check"), r)) for r in self.rows],
            "values": dict(result.metrics) if result else {},
            "figures": [str(f) for f in result.figures] if result else [],
            "notes": list(result.notes) if result else [],
            "skipped": self.skipped,
            "error": self.error,
        }


def _fmt(value: float) -> str:
    """A number to 6 significant digits; NaN (a target the course gives no number for) as —."""
    return "—" if value != value else f"{value:.6g}"


def _rows(lab: Lab, result: LabResult, quick: bool) -> list[tuple[str, str, str, str]]:
    """``(metric, ours, course, check)`` of every metric, checked against the targets of the
    run's mode (:meth:`Lab.targets_for`); a target whose metric the run did not produce is
    reported as missing."""
    targets = {t.metric: t for t in lab.targets_for(quick)}
    rows = []
    for metric, value in result.metrics.items():
        target = targets.get(metric)
        if target is None:
            rows.append((metric, _fmt(value), "", ""))
            continue
        bound = (f"≥ {_fmt(target.minimum)}" if target.minimum is not None else "") + (
            f" ≤ {_fmt(target.maximum)}" if target.maximum is not None else ""
        )
        status = "ok" if target.met(value) else "MISSED"
        rows.append((metric, _fmt(value), _fmt(target.course), f"{status} ({bound.strip()})"))
    for metric, target in targets.items():
        if metric not in result.metrics:
            rows.append((metric, "—", _fmt(target.course), "MISSED (not measured)"))
    return rows


def run_lab(
    lab: Lab,
    *,
    quick: bool = False,
    out_dir: str | Path = "reports",
    options: Mapping[str, Any] | None = None,
    on_step: Callable[[int, int, str], None] | None = None,
) -> LabOutcome:
    """Run one lab, turning missing course data or weights into a skip that says how to get them,
    and a corrupt data file into an error outcome that names it.

    ``options`` go to :meth:`Lab.run` (see :attr:`Lab.options`); with a ``data`` folder the
    course files under ``DLSPEC_DATA_DIR`` are not required. ``on_step(n, total, title)`` is
    called as each step of the lab starts.
    """
    options = dict(options or {})
    start = time.perf_counter()
    try:
        for relpath in () if "data" in options else lab.data:
            data_path(relpath)
        result = lab.run(quick=quick, out_dir=out_dir, on_step=on_step, **options)
    except (DataNotFoundError, WeightsNotFoundError) as err:
        return LabOutcome(lab, skipped=str(err), seconds=time.perf_counter() - start)
    except CorruptDataError as err:
        return LabOutcome(lab, error=str(err), seconds=time.perf_counter() - start)
    return LabOutcome(
        lab, result, seconds=time.perf_counter() - start, rows=_rows(lab, result, quick)
    )


def results_table(outcomes: Iterable[LabOutcome]) -> list[tuple[str, str, str, str, str]]:
    """Rows ``(lab, metric, ours, course, check)`` of every outcome, skips included."""
    table = []
    for outcome in outcomes:
        if outcome.error:
            table.append((outcome.lab.id, "error: a course data file is corrupt", "", "", ""))
        elif outcome.result is None:
            table.append((outcome.lab.id, "skipped: course data or weights missing", "", "", ""))
        table.extend((outcome.lab.id, *row) for row in outcome.rows)
    return table


def results_markdown(outcomes: list[LabOutcome], *, quick: bool) -> str:
    """The report: a header, the table, skipped labs with the fix, and the figures."""
    import numpy as np
    import tensorflow as tf

    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# dlspec results: ours vs the course",
        "",
        f"{now} · {'quick' if quick else 'full'} run · Python {platform.python_version()} · "
        f"TensorFlow {tf.__version__} · NumPy {np.__version__} · {platform.machine()}",
        "",
        "| lab | metric | ours | course | check |",
        "|---|---|---|---|---|",
        *(f"| {' | '.join(row)} |" for row in results_table(outcomes)),
        "",
        "| lab | seconds |",
        "|---|---|",
        *(f"| {o.lab.id} | {o.seconds:.1f} |" for o in outcomes),
    ]
    skipped = [o for o in outcomes if o.result is None]
    if skipped:
        lines += ["", "## Skipped", ""]
        lines += [f"- **{o.lab.id}**: {o.skipped or o.error}" for o in skipped]
    figures = [(o.lab.id, f) for o in outcomes if o.result for f in o.result.figures]
    if figures:
        lines += ["", "## Figures", ""] + [f"- {lab}: `{path}`" for lab, path in figures]
    return "\n".join(lines) + "\n"


def _release_lab_state() -> None:
    """Drop what a finished lab left in Keras' global state (its models, layer names, traced
    functions), collect it, and freeze what survives (``gc.freeze``: the results kept for the
    table, TensorFlow's own objects) so that later labs' collections stop rescanning it. Without
    the freeze, the architectures tour built its models in 20 s after the other labs of a quick
    run instead of 8 s. :func:`reproduce` unfreezes at its end."""
    keras = sys.modules.get("keras")  # not imported: no lab has used Keras yet
    if keras is not None:
        keras.backend.clear_session()
    gc.collect()
    gc.freeze()


def reproduce(
    lab_ids: Iterable[str] | None = None,
    *,
    quick: bool = False,
    out_dir: str | Path = "reports",
    echo: Callable[[str], None] = print,
    options: Mapping[str, Any] | None = None,
) -> list[LabOutcome]:
    """Run the labs (all by default), print progress, write ``out_dir/results.md``.

    ``options`` go to every lab that takes them (``overwrite``, say).

    Example:
        >>> outcomes = reproduce(["c1w3-planar"], quick=True)  # doctest: +SKIP
    """
    labs = all_labs()
    selected = [labs[i] for i in lab_ids] if lab_ids is not None else list(labs.values())
    outcomes = []
    try:
        for n, lab in enumerate(selected, start=1):
            echo(f"[{n}/{len(selected)}] {lab.id}: {lab.title} ...")
            taken = {k: v for k, v in (options or {}).items() if k in lab.options + COMMON_OPTIONS}
            outcome = run_lab(lab, quick=quick, out_dir=out_dir, options=taken)
            done = {"ok": "done", "missed": "done"}.get(outcome.status, outcome.status)
            echo(f"    {done} in {outcome.seconds:.1f} s")
            outcomes.append(outcome)
            _release_lab_state()
    finally:
        gc.unfreeze()
    report = atomic_write_text(
        Path(out_dir) / "results.md", results_markdown(outcomes, quick=quick)
    )
    echo(f"Results written to {report}")
    return outcomes
