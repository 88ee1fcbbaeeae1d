"""``dlspec list``, ``dlspec run LAB`` and ``dlspec reproduce``: the labs of the registry."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

from dlspec.cli.table import print_table
from dlspec.labs import all_labs, check_lab_options, get_lab
from dlspec.reproduce import reproduce, results_table, run_lab

__all__ = ["LAB_OPTIONS", "add_parsers"]

#: options of ``dlspec run`` passed to the labs that take them (``Lab.options``)
LAB_OPTIONS = {
    "data": "a folder with the lab's data in the course's layout, instead of DLSPEC_DATA_DIR",
    "weights": "a pretrained weight file for the lab's network",
    "content": "content image of the style-transfer lab",
    "style": "style image of the style-transfer lab",
}


@contextlib.contextmanager
def _strategy_scope(args: argparse.Namespace) -> Iterator[None]:
    """Run the labs' TensorFlow training under ``--strategy`` / ``--devices`` (numpy is unchanged).

    Models, optimizers and ``Trainer`` runs created inside the scope use the strategy.
    """
    if args.strategy is None and args.devices is None:
        yield
        return
    # lazy: dlspec.training imports TensorFlow, which `dlspec --help` and `dlspec list` skip
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
    # lazy: dlspec.training imports TensorFlow, which `dlspec --help` and `dlspec list` skip
    from dlspec.training import checkpoint_root

    with checkpoint_root(Path(args.out) / lab_id / "checkpoints") as root:
        print(f"Checkpoints in {root} (rerun with --resume to carry on after an interruption)")
        yield


def _print_step(n: int, total: int, title: str) -> None:
    print(f"  [{n}/{total}] {title} ...", flush=True)


def _cmd_list(args: argparse.Namespace) -> int:
    rows = [
        (lab.id, f"C{lab.course}W{lab.week}", lab.title, "course files" if lab.data else "none")
        for lab in all_labs().values()
    ]
    print_table(rows, ("lab", "week", "title", "data files"))
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    options = {name: getattr(args, name) for name in LAB_OPTIONS if getattr(args, name)}
    try:
        lab = get_lab(args.lab)
        check_lab_options(lab.id, lab.options, options)
    except KeyError as err:
        print(err.args[0], file=sys.stderr)
        return 2
    except ValueError as err:
        print(err, file=sys.stderr)
        return 2
    print(f"{lab.id}: {lab.title}")
    with _strategy_scope(args), _checkpoint_scope(args, lab.id):
        outcome = run_lab(
            lab, quick=args.quick, out_dir=args.out, options=options, on_step=_print_step
        )
    if outcome.result is None:
        print(f"Skipped: {outcome.skipped}", file=sys.stderr)
        return 1
    print_table(outcome.rows, ("metric", "ours", "course", "check"))
    for note in outcome.result.notes:
        print(f"  {note}")
    for figure in outcome.result.figures:
        print(f"figure: {figure}")
    print(f"({outcome.seconds:.1f} s)")
    return 1 if any(row[3].startswith("MISSED") for row in outcome.rows) else 0


def _cmd_reproduce(args: argparse.Namespace) -> int:
    with _strategy_scope(args):
        outcomes = reproduce(args.labs or None, quick=args.quick, out_dir=args.out)
    print()
    print_table(results_table(outcomes), ("lab", "metric", "ours", "course", "check"))
    for outcome in outcomes:
        if outcome.skipped:
            print(f"\nSkipped {outcome.lab.id}: {outcome.skipped}")
    missed = any(row[4].startswith("MISSED") for row in results_table(outcomes))
    return 1 if missed else 0


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


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add ``list``, ``run`` and ``reproduce`` to the ``dlspec`` command."""
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
