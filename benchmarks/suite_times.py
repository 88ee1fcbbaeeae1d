"""Wall times of `make test` and `make demo`, and the ten slowest tests, into reports/bench.md.

Runs both targets as a user would (through ``make``, so with the Makefile's settings: two xdist
workers, one OpenBLAS thread for the demo), the demo into an empty folder (nothing resumed),
times them with a wall clock, reads the test counts and ``--durations=10`` from pytest's
output, and writes the section "Suite and demo wall times" at the end of ``reports/bench.md``
(replacing the previous one). The load average before and after is recorded beside each time:
on a shared machine a time means little without it.

Run after the ``bench_*.py`` scripts (``make bench`` does): their table writer rewrites the file.

Run:
    python benchmarks/suite_times.py [--fast] [--skip-suite] [--skip-demo]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "reports" / "bench.md"
TITLE = "## Suite and demo wall times"
SUMMARY = re.compile(r"=+ (.*?) in ([\d.]+)s")
DURATION = re.compile(r"^([\d.]+)s (call|setup|teardown)\s+(\S+)")


@dataclass
class Timing:
    """One timed ``make`` target: wall seconds, exit code, load averages, pytest's findings."""

    target: str
    seconds: float
    returncode: int
    load_before: float
    load_after: float
    counts: str = ""
    slowest: list[tuple[float, str, str]] = field(default_factory=list)


def run_target(target: str, extra: str = "", variables: tuple[str, ...] = ()) -> Timing:
    """Run ``make <target>`` in the project root, echoing its output, and time it.

    Example:
        >>> run_target("test-fast", "--durations=10").seconds  # doctest: +SKIP
        98.4
    """
    command = ["make", "--no-print-directory", target, *variables]
    if extra:
        command.append(f"PYTEST_ARGS={extra}")
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    proc = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines = []
    for line in proc.stdout:
        sys.stdout.write(line)
        lines.append(line.rstrip("\n"))
    proc.wait()
    timing = Timing(
        target, time.perf_counter() - start, proc.returncode, load_before, os.getloadavg()[0]
    )
    timing.counts, timing.slowest = parse_pytest(lines)
    return timing


def parse_pytest(lines: list[str]) -> tuple[str, list[tuple[float, str, str]]]:
    """Pytest's closing counts (``"2615 passed, 139 skipped in 506.64s"``) and its durations.

    Example:
        >>> parse_pytest(["0.50s call     tests/a.py::t", "==== 3 passed in 1.20s ===="])
        ('3 passed in 1.20s', [(0.5, 'call', 'tests/a.py::t')])
    """
    counts, slowest = "", []
    for line in lines:
        if match := DURATION.match(line):
            slowest.append((float(match[1]), match[2], match[3]))
        elif match := SUMMARY.search(line):
            counts = f"{match[1]} in {match[2]}s"
    return counts, slowest


def section(timings: list[Timing]) -> str:
    """The Markdown section: one row per target, then the slowest tests of the suite."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    rows = [
        f"| `make {t.target}` | {t.seconds:.0f} s | {'ok' if t.returncode == 0 else 'FAILED'} "
        f"| {t.load_before:.1f} → {t.load_after:.1f} | {t.counts or '—'} |"
        for t in timings
    ]
    text = [
        TITLE,
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M')} on {cores} CPU cores "
        "(load: the 1-minute load average before → after; above the core count, other work "
        "shared the machine).",
        "",
        "| target | wall time | result | load | pytest |",
        "|---|---|---|---|---|",
        *rows,
    ]
    for t in timings:
        if t.slowest:
            text += ["", f"Ten slowest tests of `make {t.target}`:", ""]
            text += ["| seconds | phase | test |", "|---|---|---|"]
            text += [f"| {s:.1f} | {phase} | `{name}` |" for s, phase, name in t.slowest[:10]]
    return "\n".join(text) + "\n"


def write_section(text: str, path: Path = REPORT) -> Path:
    """Put ``text`` at the end of ``path``, replacing an earlier section of the same title."""
    old = path.read_text("utf-8") if path.exists() else "# Benchmarks\n"
    kept = old.split(TITLE)[0].rstrip("\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{kept}\n\n{text}", "utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="time make test-fast, not make test")
    parser.add_argument("--skip-suite", action="store_true", help="do not run the tests")
    parser.add_argument("--skip-demo", action="store_true", help="do not run make demo")
    args = parser.parse_args(argv)
    timings = []
    if not args.skip_suite:
        durations = "--durations=10 -p no:cacheprovider"
        timings.append(run_target("test-fast" if args.fast else "test", durations))
    if not args.skip_demo:  # into an empty folder: nothing resumed from an earlier demo
        with tempfile.TemporaryDirectory(prefix="dlspec-demo-") as out:
            timings.append(run_target("demo", variables=(f"DEMO_OUT={out}",)))
    if not timings:
        parser.error("nothing to time: drop --skip-suite or --skip-demo")
    path = write_section(section(timings))
    print(f"wrote {TITLE[3:]!r} to {path}")
    return max(t.returncode for t in timings)


if __name__ == "__main__":
    sys.exit(main())
