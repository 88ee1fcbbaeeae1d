"""The shared writer of ``reports/bench.md``: one Markdown table, one row per benchmark.

Each ``benchmarks/bench_*.py`` script measures, then calls :func:`record` with its rows; rows of
other benchmarks already in the file are kept, so ``make bench`` (every script in turn) ends
with the whole table. The file is replaced atomically (``dlspec.io.atomic_write_text``).

Timing helpers live here too: :func:`interleaved` runs two competitors in alternating order
(A B, B A, ...) so that load from other processes hits both alike, and the ratio reported is
the median of the per-repeat ratios, which drifts in machine load cancel out of.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dlspec.io import atomic_write_text

__all__ = ["REPORT", "Row", "interleaved", "machine", "record"]

REPORT = Path(__file__).resolve().parents[1] / "reports" / "bench.md"
COLUMNS = ("benchmark", "baseline", "ours", "ratio", "target", "met", "machine", "notes")
HEADER = """# Benchmarks

Written by `make bench` (each `benchmarks/bench_*.py` updates its own rows). Throughputs are
medians over interleaved repeats; the ratio is the median of the per-repeat ratios (ours /
baseline for throughput: above 1 is faster). Timings on shared machines are noisy: compare
ratios, not absolute numbers, and only between rows measured on the same machine.

"""


@dataclass
class Row:
    """One benchmark result.

    Args:
        benchmark: short unique id, e.g. ``"training loop: Trainer vs model.fit"``.
        baseline: the baseline's figure with its unit, e.g. ``"8512 examples/s (model.fit)"``.
        ours: ours, likewise.
        ratio: ours / baseline (higher is better).
        target: the ratio wanted (``None``: report only).
        notes: what was measured, briefly.
    """

    benchmark: str
    baseline: str
    ours: str
    ratio: float
    target: float | None = None
    notes: str = ""

    def cells(self, machine_text: str) -> list[str]:
        met = "" if self.target is None else ("yes" if self.ratio >= self.target else "**no**")
        target = "report only" if self.target is None else f"≥ {self.target:g}"
        return [
            self.benchmark,
            self.baseline,
            self.ours,
            f"{self.ratio:.2f}",
            target,
            met,
            machine_text,
            self.notes,
        ]


def machine() -> str:
    """Cores, accelerators and versions, e.g. ``"2 CPU cores, no GPU, TF 2.21.0"``."""
    import keras
    import tensorflow as tf

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    gpus = tf.config.list_physical_devices("GPU")
    gpu_text = f"{len(gpus)} GPU" if gpus else "no GPU"
    return (
        f"{cores} CPU cores ({platform.machine()}), {gpu_text}, TF {tf.__version__}, "
        f"Keras {keras.__version__}"
    )


def _read_rows(path: Path) -> list[list[str]]:
    if not path.exists():
        return []
    rows = []
    for line in path.read_text("utf-8").splitlines():
        if not line.startswith("|") or line.startswith("|---"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if cells and cells[0] != COLUMNS[0] and len(cells) == len(COLUMNS):
            rows.append(cells)
    return rows


def record(rows: list[Row], path: str | os.PathLike = REPORT) -> Path:
    """Put ``rows`` into the table in ``path`` (replacing rows with the same benchmark id).

    Example:
        >>> rows = [Row("demo", "1 op/s", "2 op/s", 2.0, target=1.0)]
        >>> record(rows, "/tmp/bench.md")  # doctest: +SKIP
    """
    path = Path(path)
    machine_text = machine()
    new = [row.cells(machine_text) for row in rows]
    ids = {cells[0] for cells in new}
    kept = [cells for cells in _read_rows(path) if cells[0] not in ids]
    lines = [
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
        *("| " + " | ".join(c.replace("|", "/") for c in cells) + " |" for cells in kept + new),
    ]
    atomic_write_text(path, HEADER + "\n".join(lines) + "\n")
    print(f"wrote {len(new)} row(s) to {path}")
    for cells in new:
        print("  " + " | ".join(cells[:6]))
    return path


def interleaved(
    runs: dict[str, Callable[[], float]], repeats: int
) -> tuple[dict[str, list[float]], list[float]]:
    """Time two competitors in alternating order; return their samples and per-repeat ratios.

    Args:
        runs: ``{"baseline name": fn, "our name": fn}`` (in that order); each ``fn`` runs one
            repeat and returns its throughput (higher is better).
        repeats: number of repeats (each runs both).

    Returns:
        ``({name: [throughput per repeat]}, [ours / baseline per repeat])``.
    """
    names = list(runs)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for repeat in range(repeats):
        order = names if repeat % 2 == 0 else names[::-1]
        for name in order:
            samples[name].append(runs[name]())
        print(
            f"repeat {repeat + 1:2d}: "
            + ", ".join(f"{name} {samples[name][-1]:10.0f}/s" for name in names),
            flush=True,
        )
    ratios = [ours / base for base, ours in zip(samples[names[0]], samples[names[1]])]
    return samples, ratios


def median(values: list[float]) -> float:
    """``statistics.median``."""
    return statistics.median(values)


def seconds(fn: Callable[[], object]) -> float:
    """Wall-clock seconds ``fn()`` takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start
