"""``dlspec grade LAB --solution FILE``: grade a learner's solution offline (and ``--list``,
``--template``)."""

from __future__ import annotations

import argparse
import json
import sys

from dlspec.cli.table import print_table
from dlspec.grading.cases import CaseSource
from dlspec.grading.report import format_report
from dlspec.grading.runner import GraderError, grade
from dlspec.grading.template import write_template
from dlspec.labs import all_labs

__all__ = ["add_parsers"]


def _grade_list() -> int:
    rows = []
    for lab in all_labs().values():
        if not lab.golden:
            continue
        try:
            source = CaseSource.for_lab(lab.id)
            fixed, generated = source.fixed(), source.generated()
            functions = source.functions()
        except ImportError as err:
            rows.append((lab.id, f"(cases not available: {err})", "", ""))
            continue
        for i, name in enumerate(functions):
            n_fixed = sum(c.function == name for c in fixed)
            n_generated = sum(c.function == name for c in generated)
            rows.append((lab.id if i == 0 else "", name, str(n_fixed), str(n_generated)))
    print_table(rows, ("lab", "function", "fixed", "generated"))
    print("\nGenerated cases are drawn afresh on each run (--repeats draws of each).")
    return 0


def _cmd_grade(args: argparse.Namespace) -> int:
    if args.list:
        return _grade_list()
    if not args.lab:
        print("Name a lab (see `dlspec grade --list`).", file=sys.stderr)
        return 2
    try:
        if args.template is not None:
            path = args.template or f"{args.lab.replace('-', '_')}_solution.py"
            written = write_template(args.lab, path, overwrite=args.force)
            print(f"Wrote {written}. Fill in the functions, then run:")
            print(f"  dlspec grade {args.lab} --solution {written}")
            return 0
        if not args.solution:
            print("Give --solution FILE (.py or .ipynb), or --template.", file=sys.stderr)
            return 2
        report = grade(
            args.lab,
            args.solution,
            functions=args.function,
            seed=args.seed,
            repeats=args.repeats,
            timeout=args.timeout,
            load_timeout=args.load_timeout,
            memory_mb=args.memory_mb,
        )
    except KeyError as err:
        print(err.args[0], file=sys.stderr)
        return 2
    except (FileExistsError, FileNotFoundError, ValueError) as err:
        print(err, file=sys.stderr)
        return 2
    except GraderError as err:
        print(f"The grader could not run: {err}", file=sys.stderr)
        return 3
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(format_report(report, verbose=args.verbose))
    return 0 if report.passed else 1


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add ``grade`` to the ``dlspec`` command."""
    grade_parser = sub.add_parser(
        "grade",
        help="grade your own solution of a lab, offline",
        description="Grade a solution (.py or .ipynb) on the lab's fixed cases (the "
        "notebook's) and on generated cases (fresh inputs each run). The solution runs in a "
        "separate process with a time limit per case.",
    )
    add = grade_parser.add_argument
    add("lab", nargs="?", help="lab id, e.g. c1w2-logreg (see --list)")
    add("--list", action="store_true", help="list the labs and graded functions")
    add("--solution", help="your solution: a .py file or a .ipynb notebook")
    add(
        "--template",
        nargs="?",
        const="",
        metavar="PATH",
        help="write a starter file (default: <lab>_solution.py)",
    )
    add("--force", action="store_true", help="let --template overwrite a file")
    add("--function", action="append", metavar="NAME", help="grade only this function (repeatable)")
    add("--json", action="store_true", help="print the report as JSON")
    add("-v", "--verbose", action="store_true", help="list passing cases too")
    add("--timeout", type=float, default=5.0, help="seconds per case (default: 5)")
    add(
        "--load-timeout",
        type=float,
        default=60.0,
        help="seconds for the solution's top-level code (default: 60)",
    )
    add("--seed", type=int, help="seed of the generated cases (default: random)")
    add("--repeats", type=int, default=3, help="draws of each generated case (default: 3)")
    add(
        "--memory-mb",
        type=int,
        default=4096,
        help="address-space limit of the solution's process, 0 for none (default: 4096)",
    )
    grade_parser.set_defaults(func=_cmd_grade)
