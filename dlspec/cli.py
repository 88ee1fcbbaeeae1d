"""The ``dlspec`` command: list, run and reproduce labs, check the course data."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _print_table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip())


def _cmd_list(args: argparse.Namespace) -> int:
    from dlspec.labs import all_labs

    rows = [
        (lab.id, f"C{lab.course}W{lab.week}", lab.title, "course files" if lab.data else "none")
        for lab in all_labs().values()
    ]
    _print_table(rows, ("lab", "week", "title", "data files"))
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from dlspec.labs import get_lab
    from dlspec.reproduce import run_lab

    try:
        lab = get_lab(args.lab)
    except KeyError as err:
        print(err.args[0], file=sys.stderr)
        return 2
    print(f"{lab.id}: {lab.title}")
    outcome = run_lab(lab, quick=args.quick, out_dir=args.out)
    if outcome.result is None:
        print(f"Skipped: {outcome.skipped}", file=sys.stderr)
        return 1
    _print_table(outcome.rows, ("metric", "ours", "course", "check"))
    for note in outcome.result.notes:
        print(f"  {note}")
    for figure in outcome.result.figures:
        print(f"figure: {figure}")
    print(f"({outcome.seconds:.1f} s)")
    return 1 if any(row[3].startswith("MISSED") for row in outcome.rows) else 0


def _cmd_reproduce(args: argparse.Namespace) -> int:
    from dlspec.reproduce import reproduce, results_table

    outcomes = reproduce(args.labs or None, quick=args.quick, out_dir=args.out)
    print()
    _print_table(results_table(outcomes), ("lab", "metric", "ours", "course", "check"))
    for outcome in outcomes:
        if outcome.skipped:
            print(f"\nSkipped {outcome.lab.id}: {outcome.skipped}")
    missed = any(row[4].startswith("MISSED") for row in results_table(outcomes))
    return 1 if missed else 0


def _cmd_data_check(args: argparse.Namespace) -> int:
    from dlspec.data.check import main as check_main

    return check_main(args.options)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dlspec", description="The Deep Learning Specialization labs, runnable and tested."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the labs").set_defaults(func=_cmd_list)

    run = sub.add_parser("run", help="run one lab and compare with the course")
    run.add_argument("lab", help="lab id, e.g. c1w2-logreg (see `dlspec list`)")
    run.add_argument("--quick", action="store_true", help="skip the slow side experiments")
    run.add_argument("--out", default="reports", help="folder for figures (default: reports)")
    run.set_defaults(func=_cmd_run)

    rep = sub.add_parser("reproduce", help="run all labs, write reports/results.md")
    rep.add_argument("labs", nargs="*", help="lab ids (default: all)")
    rep.add_argument("--quick", action="store_true", help="skip the slow side experiments")
    rep.add_argument("--out", default="reports", help="report folder (default: reports)")
    rep.set_defaults(func=_cmd_reproduce)

    data = sub.add_parser("data", help="course data tools")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    check = data_sub.add_parser(
        "check", help="which course files are present and intact", add_help=False
    )
    check.set_defaults(func=_cmd_data_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``dlspec`` console script."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if args.func is _cmd_data_check:
        args.options = extra  # parsed by dlspec.data.check, which owns those options
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
