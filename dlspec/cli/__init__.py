"""The ``dlspec`` command: one module per subcommand.

- :mod:`dlspec.cli.labs`: ``list``, ``run LAB``, ``reproduce``;
- :mod:`dlspec.cli.data`: ``data check``, ``data layout``, ``data import``;
- :mod:`dlspec.cli.grade`: ``grade LAB --solution FILE``;
- :mod:`dlspec.cli.doctor`: ``doctor``.

Nothing here imports TensorFlow until a lab runs, so ``dlspec --help`` and ``dlspec list`` are
quick. :func:`main` turns the errors a user can fix into one line and an exit code
(:mod:`dlspec.cli.errors`), Ctrl-C into exit 130, and filters TensorFlow's start-up log lines
from stderr (:mod:`dlspec.cli.stderr_filter`).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import dlspec
from dlspec.cli import data, doctor, grade, labs, notebook
from dlspec.cli.errors import EXIT_CODES_HELP, EXIT_INTERRUPTED, EXIT_USAGE, UserError
from dlspec.cli.stderr_filter import filtered_stderr
from dlspec.data.paths import CorruptDataError

__all__ = ["build_parser", "main"]

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # read when a lab first imports TensorFlow

#: errors whose message tells the user what to fix: printed without a traceback (exit 2)
USER_ERRORS = (UserError, CorruptDataError)


def build_parser() -> argparse.ArgumentParser:
    """The ``dlspec`` argument parser, with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="dlspec",
        description="The Deep Learning Specialization labs, runnable and tested.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"dlspec {dlspec.__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    labs.add_parsers(sub)
    data.add_parsers(sub)
    grade.add_parsers(sub)
    doctor.add_parsers(sub)
    notebook.add_parsers(sub)
    # More subcommands register here: <module>.add_parsers(sub)
    return parser


#: exit status of a command whose reader closed the pipe (128 + SIGPIPE), as a shell reports it
EXIT_BROKEN_PIPE = 141


def _run(args: argparse.Namespace) -> int:
    """Run the subcommand; a user error prints its message (the traceback with DLSPEC_DEBUG=1)."""
    try:
        return args.func(args)
    except USER_ERRORS as err:
        if os.environ.get("DLSPEC_DEBUG"):
            raise
        print(f"dlspec: error: {err}", file=sys.stderr)
        return EXIT_USAGE


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``dlspec`` console script; returns the exit code (see ``--help``)."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if getattr(args, "pass_options", False):
        args.options = extra  # parsed by the subcommand, which owns those options
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        with filtered_stderr():
            return _run(args)
    except KeyboardInterrupt:
        print("\nInterrupted (Ctrl-C).", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `dlspec list | head`: the reader left; stop quietly, as cat does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
