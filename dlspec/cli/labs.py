"""``dlspec list``, ``dlspec run LAB`` and ``dlspec reproduce``: the labs of the registry.

The lab's title is printed before its code (and TensorFlow) is imported, and ``--out`` is
checked before any work starts. With ``--json`` the result goes to stdout as JSON and the
progress lines to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from dlspec.cli.errors import EXIT_MISSED, EXIT_OK, EXIT_SKIPPED, EXIT_USAGE, UserError
from dlspec.cli.table import print_table
from dlspec.labs import Lab, all_labs, check_lab_options
from dlspec.reproduce import LabOutcome, reproduce, results_table, run_lab

__all__ = [
    "LAB_OPTIONS",
    "StepLines",
    "add_parsers",
    "check_out_dir",
    "find_lab",
    "outcome_exit_code",
]

#: options of ``dlspec run`` passed to the labs that take them (``Lab.options``)
LAB_OPTIONS = {
    "data": "a folder with the lab's data in the course's layout, instead of DLSPEC_DATA_DIR",
    "weights": "a pretrained weight file for the lab's network",
    "content": "content image of the style-transfer lab",
    "style": "style image of the style-transfer lab",
}


def find_lab(lab_id: str) -> Lab:
    """The lab ``lab_id``, or a :class:`UserError` suggesting the closest ids.

    Example:
        >>> find_lab("c1w2-logreg").week
        2
        >>> find_lab("c1w2-logrg")
        Traceback (most recent call last):
        ...
        dlspec.cli.errors.UserError: unknown lab 'c1w2-logrg'. Did you mean c1w2-logreg? \
`dlspec list` shows every lab.
    """
    labs = all_labs()
    if lab_id in labs:
        return labs[lab_id]
    close = difflib.get_close_matches(lab_id, list(labs), n=3, cutoff=0.6)
    hint = f" Did you mean {' or '.join(close)}?" if close else ""
    raise UserError(f"unknown lab {lab_id!r}.{hint} `dlspec list` shows every lab.")


def check_out_dir(folder: str | os.PathLike, option: str = "--out") -> Path:
    """Create ``folder`` if needed and make sure a file can be written in it.

    Raises:
        UserError: the folder is a file, lies under a file, or cannot be written.

    Example:
        >>> check_out_dir("/etc/hostname")  # doctest: +SKIP
        Traceback (most recent call last):
        ...
        dlspec.cli.errors.UserError: --out: /etc/hostname is a file, not a folder. ...
    """
    path = Path(folder).expanduser()
    fix = f"Choose a folder you can write to with {option} DIR."
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except (FileExistsError, NotADirectoryError):
        raise UserError(
            f"{option}: {path} is (or lies under) a file, not a folder. {fix}"
        ) from None
    except PermissionError:
        raise UserError(
            f"{option}: cannot write in {path.absolute()} (permission denied). {fix}"
        ) from None
    except OSError as err:
        raise UserError(
            f"{option}: cannot write in {path.absolute()} ({err.strerror}). {fix}"
        ) from None
    return path


@contextlib.contextmanager
def _strategy_scope(args: argparse.Namespace, echo: Callable[[str], None]) -> Iterator[None]:
    """Run the labs' TensorFlow training under ``--strategy`` / ``--devices`` (numpy is unchanged).

    Models, optimizers and ``Trainer`` runs created inside the scope use the strategy.
    """
    if args.strategy is None and args.devices is None:
        yield
        return
    # lazy: dlspec.training imports TensorFlow, which `dlspec --help` and `dlspec list` skip
    from dlspec.training import strategy_from_name

    devices = int(args.devices) if args.devices and args.devices.isdigit() else args.devices
    try:
        strategy = strategy_from_name(args.strategy or "mirrored", devices=devices)
    except ValueError as err:
        raise UserError(f"--strategy / --devices: {err}") from None
    echo(f"TensorFlow training under {type(strategy).__name__} "
         f"({strategy.num_replicas_in_sync} replica(s))")  # fmt: skip
    with strategy.scope():
        yield


@contextlib.contextmanager
def _checkpoint_scope(
    args: argparse.Namespace, lab_id: str, echo: Callable[[str], None]
) -> Iterator[None]:
    """With ``--resume``: checkpoint the lab's Trainer runs in OUT/LAB/checkpoints, resume them."""
    if not args.resume:
        yield
        return
    # lazy: dlspec.training imports TensorFlow, which `dlspec --help` and `dlspec list` skip
    from dlspec.training import checkpoint_root

    with checkpoint_root(Path(args.out) / lab_id / "checkpoints") as root:
        echo(f"Checkpoints in {root} (rerun with --resume to carry on after an interruption)")
        yield


class StepLines:
    r"""``on_step`` of a lab run: one line per step. On a terminal the line of the running step
    counts the seconds spent on it (updated every ``tick`` seconds), and ends with the step's
    time; elsewhere (a pipe, a log file) the lines are plain.

    Example:
        >>> import io
        >>> lines = StepLines(io.StringIO())
        >>> lines(1, 2, "Load the data"); lines.finish()
        >>> lines.stream.getvalue()
        '  [1/2] Load the data ...\n'
    """

    def __init__(self, stream: TextIO, *, live: bool | None = None, tick: float = 1.0) -> None:
        self.stream = stream
        self.live = stream.isatty() if live is None else live
        self.tick = tick
        self._text = ""
        self._start = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __call__(self, n: int, total: int, title: str) -> None:
        self.finish()
        self._text, self._start = f"  [{n}/{total}] {title} ...", time.perf_counter()
        if not self.live:
            print(self._text, file=self.stream, flush=True)
            return
        self.stream.write(self._text)
        self.stream.flush()
        self._stop.clear()
        self._thread = threading.Thread(target=self._count, daemon=True)
        self._thread.start()

    def _count(self) -> None:
        while not self._stop.wait(self.tick):
            self.stream.write(f"\r{self._text} {time.perf_counter() - self._start:.0f} s")
            self.stream.flush()

    def finish(self) -> None:
        """End the running step's line (on a terminal: with the seconds it took)."""
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        self._thread = None
        self.stream.write(f"\r{self._text} {time.perf_counter() - self._start:.1f} s\n")
        self.stream.flush()


def _echo_to(args: argparse.Namespace) -> Callable[[str], None]:
    """Progress lines: stdout, or stderr when ``--json`` keeps stdout for the result."""
    stream = sys.stderr if getattr(args, "json", False) else sys.stdout
    return lambda line: print(line, file=stream, flush=True)


def outcome_exit_code(outcomes: list[LabOutcome]) -> int:
    """2 if a lab failed on bad input, 1 if a target was missed, 3 if a lab was skipped, else 0.

    Example:
        >>> outcome_exit_code([])
        0
    """
    statuses = {o.status for o in outcomes}
    for status, code in (("error", EXIT_USAGE), ("missed", EXIT_MISSED), ("skipped", EXIT_SKIPPED)):
        if status in statuses:
            return code
    return EXIT_OK


def _cmd_list(args: argparse.Namespace) -> int:
    labs = all_labs().values()
    if args.json:
        records = [
            {"id": lab.id, "title": lab.title, "course": lab.course, "week": lab.week,
             "data": list(lab.data), "options": list(lab.options),
             "targets": [vars(t) for t in lab.targets],
             "quick_targets": [vars(t) for t in lab.quick_targets]}
            for lab in labs
        ]  # fmt: skip
        print(json.dumps(records, indent=2))
        return EXIT_OK
    rows = [
        (lab.id, f"C{lab.course}W{lab.week}", lab.title, "course files" if lab.data else "none")
        for lab in labs
    ]
    print_table(rows, ("lab", "week", "title", "data files"))
    return EXIT_OK


def _print_outcome(outcome: LabOutcome) -> None:
    if outcome.result is None:
        print(f"{'Error' if outcome.error else 'Skipped'}: {outcome.error or outcome.skipped}",
              file=sys.stderr)  # fmt: skip
        return
    print_table(outcome.rows, ("metric", "ours", "course", "check"))
    for note in outcome.result.notes:
        print(f"  {note}")
    for figure in outcome.result.figures:
        print(f"figure: {figure}")
    print(f"({outcome.seconds:.1f} s)")


def _run_options(args: argparse.Namespace, lab: Lab) -> dict:
    options = {name: getattr(args, name) for name in LAB_OPTIONS if getattr(args, name)}
    try:
        check_lab_options(lab.id, lab.options, options)
    except ValueError as err:
        raise UserError(str(err)) from None
    if args.overwrite:
        options["overwrite"] = True
    return options


def _cmd_run(args: argparse.Namespace) -> int:
    lab = find_lab(args.lab)
    options = _run_options(args, lab)
    check_out_dir(Path(args.out) / lab.id)
    echo = _echo_to(args)
    echo(f"{lab.id}: {lab.title}")
    if "tensorflow" not in sys.modules:
        echo("  loading the lab's code and TensorFlow ...")
    steps = StepLines(sys.stderr if args.json else sys.stdout)
    with _strategy_scope(args, echo), _checkpoint_scope(args, lab.id, echo):
        try:
            outcome = run_lab(
                lab, quick=args.quick, out_dir=args.out, options=options, on_step=steps
            )
        except ValueError as err:  # a lab refusing its input or run folder: say why, no trace
            if os.environ.get("DLSPEC_DEBUG"):
                raise
            hint = " Pass --overwrite to start afresh." if "overwrite" in str(err) else ""
            raise UserError(f"{lab.id}: {err}{hint}") from None
        finally:
            steps.finish()
    if args.json:
        print(json.dumps(outcome.to_dict(), indent=2))
    else:
        _print_outcome(outcome)
    return outcome_exit_code([outcome])


def _cmd_reproduce(args: argparse.Namespace) -> int:
    for lab_id in args.labs:
        find_lab(lab_id)
    check_out_dir(args.out)
    echo = _echo_to(args)
    options = {"overwrite": True} if args.overwrite else {}
    with _strategy_scope(args, echo):
        outcomes = reproduce(
            args.labs or None, quick=args.quick, out_dir=args.out, echo=echo, options=options
        )
    if args.json:
        print(json.dumps([o.to_dict() for o in outcomes], indent=2))
        return outcome_exit_code(outcomes)
    print()
    print_table(results_table(outcomes), ("lab", "metric", "ours", "course", "check"))
    for outcome in outcomes:
        if outcome.result is None:
            print(f"\n{outcome.status.capitalize()} {outcome.lab.id}: "
                  f"{outcome.skipped or outcome.error}")  # fmt: skip
    return outcome_exit_code(outcomes)


def _add_common_options(parser: argparse.ArgumentParser, out_help: str) -> None:
    parser.add_argument(
        "--quick",
        action="store_true",
        help="the labs' quick recipes (shorter real runs, checked against their quick targets)",
    )
    parser.add_argument("--out", default="reports", help=out_help)
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="start afresh in a run folder that holds an earlier run with other settings",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
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
    listing = sub.add_parser("list", help="list the labs")
    listing.add_argument("--json", action="store_true", help="print the labs as JSON")
    listing.set_defaults(func=_cmd_list)

    run = sub.add_parser("run", help="run one lab and compare with the course")
    run.add_argument("lab", help="lab id, e.g. c1w2-logreg (see `dlspec list`)")
    _add_common_options(run, "folder for figures, OUT/LAB/ (default: reports)")
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
    _add_common_options(rep, "report folder (default: reports)")
    rep.set_defaults(func=_cmd_reproduce)
