"""``dlspec grade LAB --solution FILE``: grade a learner's solution offline (and ``--list``,
``--template``)."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from dlspec.cli.table import print_table
from dlspec.grading.case_index import CASE_COUNTS
from dlspec.grading.cases import CaseSource
from dlspec.grading.classroom import grade_class, write_csv, write_json
from dlspec.grading.report import format_report
from dlspec.grading.runner import GraderError, check_options, grade
from dlspec.grading.template import write_template

__all__ = ["add_parsers"]


def _grade_list() -> int:
    rows = []
    fixed_total = generated_total = 0
    for lab_id, functions in CASE_COUNTS.items():
        for i, (name, n_fixed, n_generated) in enumerate(functions):
            rows.append((lab_id if i == 0 else "", name, str(n_fixed), str(n_generated)))
            fixed_total += n_fixed
            generated_total += n_generated
    print_table(rows, ("lab", "function", "fixed", "generated"))
    with_generated = sum(g > 0 for fs in CASE_COUNTS.values() for _, _, g in fs)
    graded = sum(len(fs) for fs in CASE_COUNTS.values())
    print(
        f"\n{graded} graded functions, {with_generated} with generated cases; "
        f"{fixed_total} fixed cases, {generated_total} generated recipes."
    )
    print("Generated cases are drawn afresh on each run (--repeats draws of each recipe).")
    return 0


def _show_case(args: argparse.Namespace) -> int:
    """Print the inputs and the expected output of one planned case (no learner code runs)."""
    from dlspec.grading.cases import plan_cases  # lazy: builds the lab's cases (TensorFlow)

    if not args.function or len(args.function) != 1 or args.case is None:
        print("--show needs one --function NAME and --case N.", file=sys.stderr)
        return 2
    seed = 0 if args.seed is None else args.seed
    source = CaseSource.for_lab(args.lab)
    plan = [
        p
        for p in plan_cases(source, seed=seed, repeats=args.repeats)
        if p.function in args.function
    ]
    if not 1 <= args.case <= len(plan):
        print(f"--case must be 1..{len(plan)} for {args.function[0]}.", file=sys.stderr)
        return 2
    planned = plan[args.case - 1]
    case = planned.build()
    inputs, kwargs = case.make_inputs()
    print(f"{args.lab} {planned.label} ({planned.kind}, seed {seed}, repeats {args.repeats})")
    for i, value in enumerate(inputs):
        print(f"argument {i + 1}: {_show(value)}")
    for key, value in kwargs.items():
        print(f"{key} = {_show(value)}")
    print(f"expected: {_show(case.expected)}")
    return 0


def _show(value) -> str:
    text = repr(value)
    return text if len(text) < 4000 else text[:4000] + " ..."


def _check_cli_options(args: argparse.Namespace) -> None:
    check_options(
        timeout=args.timeout,
        load_timeout=args.load_timeout,
        repeats=args.repeats,
        memory_mb=args.memory_mb,
    )
    for flag, value in (("--statement-timeout", args.statement_timeout),
                        ("--load-budget", args.load_budget)):  # fmt: skip
        if value is not None and not (math.isfinite(value) and value > 0):
            raise ValueError(f"{flag} must be a finite number of seconds > 0; got {value!r}.")
    if args.jobs is not None and args.jobs < 1:
        raise ValueError(f"--jobs must be a whole number >= 1; got {args.jobs}.")


def _grade_options(args: argparse.Namespace) -> dict:
    return {
        "functions": args.function,
        "seed": args.seed,
        "repeats": args.repeats,
        "timeout": args.timeout,
        "load_timeout": args.load_timeout,
        "memory_mb": args.memory_mb or None,
        "statement_timeout": args.statement_timeout,
        "load_budget": args.load_budget,
        "keras3_strict": args.keras3_strict,
    }


def _class_mode(args: argparse.Namespace) -> int:
    results = grade_class(args.lab, args.solution, jobs=args.jobs, **_grade_options(args))
    rows = [r.row() for r in results]
    table = [
        (r["solution"], f"{r['score']:g}/{r['max_score']}" if r["max_score"] != "" else "-",
         f"{r['cases_passed']}/{r['cases']}", r["error"][:60])
        for r in rows
    ]  # fmt: skip
    print_table(table, ("submission", "score", "cases", "problem"))
    first = next((r.report for r in results if r.report is not None), None)
    if first is not None and first.protections:
        print("\nIsolation of each submission:")
        for name, state in first.protections.items():
            print(f"  {name}: {state}")
    if args.csv:
        write_csv(results, args.csv)
        print(f"Wrote {args.csv}")
    if args.json not in (None, "-"):
        write_json(results, args.json)
        print(f"Wrote {args.json}")
    return 0 if all(r["passed"] for r in rows) else 1


def _cmd_grade(args: argparse.Namespace) -> int:
    if args.list:
        return _grade_list()
    if not args.lab:
        print("Name a lab (see `dlspec grade --list`).", file=sys.stderr)
        return 2
    try:
        _check_cli_options(args)
        if args.show:
            return _show_case(args)
        if args.template is not None:
            path = args.template or f"{args.lab.replace('-', '_')}_solution.py"
            written = write_template(args.lab, path, overwrite=args.force)
            print(f"Wrote {written}. Fill in the functions, then run:")
            print(f"  dlspec grade {args.lab} --solution {written}")
            return 0
        if not args.solution:
            print("Give --solution FILE (.py or .ipynb), or --template.", file=sys.stderr)
            return 2
        if len(args.solution) > 1 or Path(args.solution[0]).is_dir() or args.csv:
            return _class_mode(args)
        report = grade(args.lab, args.solution[0], **_grade_options(args))
    except KeyError as err:
        print(err.args[0], file=sys.stderr)
        return 2
    except (FileExistsError, FileNotFoundError, ValueError) as err:
        print(err, file=sys.stderr)
        return 2
    except GraderError as err:
        print(f"The grader could not run: {err}", file=sys.stderr)
        return 3
    if args.json == "-":
        print(json.dumps(report.to_dict(), indent=2))
    else:
        if args.json:
            Path(args.json).write_text(json.dumps(report.to_dict(), indent=2) + "\n")
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
    add(
        "--solution",
        nargs="+",
        metavar="FILE",
        help="your solution (.py or .ipynb); several files or a folder: class mode",
    )
    add(
        "--template",
        nargs="?",
        const="",
        metavar="PATH",
        help="write a starter file (default: <lab>_solution.py)",
    )
    add("--force", action="store_true", help="let --template overwrite a file")
    add("--function", action="append", metavar="NAME", help="grade only this function (repeatable)")
    add(
        "--json",
        nargs="?",
        const="-",
        metavar="PATH",
        help="the report as JSON: printed, or written to PATH (class mode: all scores)",
    )
    add("--csv", metavar="PATH", help="class mode: write one row per submission to PATH")
    add("--jobs", type=int, help="class mode: submissions graded at once (default: cores)")
    add("--show", action="store_true", help="print the inputs and expected output of --case N")
    add("--case", type=int, metavar="N", help="with --show: the N-th case of --function")
    add("--statement-timeout", type=float, help="seconds per notebook statement (default: 30)")
    add("--load-budget", type=float, help="seconds for loading the whole notebook (default: 180)")
    add("--keras3-strict", action="store_true", help="no Keras 2 adaptations of the solution")
    add("-v", "--verbose", action="store_true", help="list passing cases too")
    add("--timeout", type=float, default=5.0, help="seconds per case, > 0 (default: 5)")
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
