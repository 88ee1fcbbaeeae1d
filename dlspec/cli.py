"""The ``dlspec`` command: list, run and reproduce labs, grade solutions, check the setup."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

#: options of ``dlspec run`` passed to the labs that take them (``Lab.options``)
LAB_OPTIONS = {
    "data": "a folder with the lab's data in the course's layout, instead of DLSPEC_DATA_DIR",
    "weights": "a pretrained weight file for the lab's network",
    "content": "content image of the style-transfer lab",
    "style": "style image of the style-transfer lab",
}

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _print_table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip())


@contextlib.contextmanager
def _strategy_scope(args: argparse.Namespace) -> Iterator[None]:
    """Run the labs' TensorFlow training under ``--strategy`` / ``--devices`` (numpy is unchanged).

    Models, optimizers and ``Trainer`` runs created inside the scope use the strategy.
    """
    if args.strategy is None and args.devices is None:
        yield
        return
    from dlspec.training import strategy_from_name

    devices = int(args.devices) if args.devices and args.devices.isdigit() else args.devices
    strategy = strategy_from_name(args.strategy or "mirrored", devices=devices)
    print(f"TensorFlow training under {type(strategy).__name__} "
          f"({strategy.num_replicas_in_sync} replica(s))")  # fmt: skip
    with strategy.scope():
        yield


@contextlib.contextmanager
def _checkpoint_scope(args: argparse.Namespace, lab_id: str) -> Iterator[None]:
    """With ``--resume``: checkpoint the lab's Trainer runs in OUT/LAB/checkpoints, resume them."""
    if not args.resume:
        yield
        return
    from dlspec.training import checkpoint_root

    with checkpoint_root(Path(args.out) / lab_id / "checkpoints") as root:
        print(f"Checkpoints in {root} (rerun with --resume to carry on after an interruption)")
        yield


def _add_strategy_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--strategy",
        default=None,
        help="tf.distribute strategy for TensorFlow training: default, one_device, mirrored, "
        "multiworker, cpu:N, gpu:N (default: TensorFlow's default strategy)",
    )
    parser.add_argument(
        "--devices", default=None, help="number of devices (e.g. 2), or GPU indices such as 0,1"
    )


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
    options = {name: getattr(args, name) for name in LAB_OPTIONS if getattr(args, name)}
    unknown = sorted(set(options) - set(lab.options))
    if unknown:
        takes = ", ".join(f"--{name}" for name in lab.options) or "none of them"
        print(
            f"lab {lab.id} does not take --{unknown[0]}; of the lab options it takes {takes}.",
            file=sys.stderr,
        )
        return 2
    print(f"{lab.id}: {lab.title}")
    with _strategy_scope(args), _checkpoint_scope(args, lab.id):
        outcome = run_lab(lab, quick=args.quick, out_dir=args.out, options=options)
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

    with _strategy_scope(args):
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


def _grade_list() -> int:
    from dlspec.grading.cases import CaseSource
    from dlspec.labs import all_labs

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
    _print_table(rows, ("lab", "function", "fixed", "generated"))
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
            from dlspec.grading.template import write_template

            path = args.template or f"{args.lab.replace('-', '_')}_solution.py"
            written = write_template(args.lab, path, overwrite=args.force)
            print(f"Wrote {written}. Fill in the functions, then run:")
            print(f"  dlspec grade {args.lab} --solution {written}")
            return 0
        if not args.solution:
            print("Give --solution FILE (.py or .ipynb), or --template.", file=sys.stderr)
            return 2
        from dlspec.grading.report import format_report
        from dlspec.grading.runner import GraderError, grade

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


def _cmd_doctor(args: argparse.Namespace) -> int:
    from dlspec.grading.doctor import doctor, format_doctor

    report = doctor(
        data_dir=args.data_dir,
        manifest=args.manifest,
        weights_dir=args.weights_dir,
        devices=not args.no_devices,
    )
    print(json.dumps(report.to_dict(), indent=2) if args.json else format_doctor(report))
    return 0 if report.ok else 1


def _add_grade_parser(sub: argparse._SubParsersAction) -> None:
    grade = sub.add_parser(
        "grade",
        help="grade your own solution of a lab, offline",
        description="Grade a solution (.py or .ipynb) on the lab's fixed cases (the "
        "notebook's) and on generated cases (fresh inputs each run). The solution runs in a "
        "separate process with a time limit per case.",
    )
    grade.add_argument("lab", nargs="?", help="lab id, e.g. c1w2-logreg (see --list)")
    grade.add_argument("--list", action="store_true", help="list the labs and graded functions")
    grade.add_argument("--solution", help="your solution: a .py file or a .ipynb notebook")
    grade.add_argument(
        "--template",
        nargs="?",
        const="",
        metavar="PATH",
        help="write a starter file (default: <lab>_solution.py)",
    )
    grade.add_argument("--force", action="store_true", help="let --template overwrite a file")
    grade.add_argument(
        "--function", action="append", metavar="NAME", help="grade only this function (repeatable)"
    )
    grade.add_argument("--json", action="store_true", help="print the report as JSON")
    grade.add_argument("-v", "--verbose", action="store_true", help="list passing cases too")
    grade.add_argument("--timeout", type=float, default=5.0, help="seconds per case (default: 5)")
    grade.add_argument(
        "--load-timeout",
        type=float,
        default=60.0,
        help="seconds for the solution's top-level code (default: 60)",
    )
    grade.add_argument("--seed", type=int, help="seed of the generated cases (default: random)")
    grade.add_argument(
        "--repeats", type=int, default=3, help="draws of each generated case (default: 3)"
    )
    grade.add_argument(
        "--memory-mb",
        type=int,
        default=4096,
        help="address-space limit of the solution's process, 0 for none (default: 4096)",
    )
    grade.set_defaults(func=_cmd_grade)


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
    _add_strategy_options(run)
    for name, help_text in LAB_OPTIONS.items():
        run.add_argument(f"--{name}", metavar=name.upper(), help=help_text)
    run.add_argument(
        "--resume",
        action="store_true",
        help="checkpoint the lab's TensorFlow trainings in OUT/LAB/checkpoints and carry on "
        "from them when rerun",
    )
    run.set_defaults(func=_cmd_run)

    rep = sub.add_parser("reproduce", help="run all labs, write reports/results.md")
    rep.add_argument("labs", nargs="*", help="lab ids (default: all)")
    rep.add_argument("--quick", action="store_true", help="skip the slow side experiments")
    rep.add_argument("--out", default="reports", help="report folder (default: reports)")
    _add_strategy_options(rep)
    rep.set_defaults(func=_cmd_reproduce)

    data = sub.add_parser("data", help="course data tools")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    check = data_sub.add_parser(
        "check", help="which course files are present and intact", add_help=False
    )
    check.set_defaults(func=_cmd_data_check)

    _add_grade_parser(sub)
    doc = sub.add_parser(
        "doctor", help="versions, devices, data and weights: paste it into a help request"
    )
    doc.add_argument("--json", action="store_true", help="print the report as JSON")
    doc.add_argument("--data-dir", help="course data folder (default: $DLSPEC_DATA_DIR)")
    doc.add_argument("--manifest", help="checksums of the data (default: the packaged ones)")
    doc.add_argument("--weights-dir", help="weights folder (default: $DLSPEC_WEIGHTS_DIR)")
    doc.add_argument(
        "--no-devices", action="store_true", help="skip importing TensorFlow to list devices"
    )
    doc.set_defaults(func=_cmd_doctor)
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
