"""The ``dlspec`` command: one module per subcommand.

- :mod:`dlspec.cli.labs`: ``list``, ``run LAB``, ``reproduce``;
- :mod:`dlspec.cli.data`: ``data check``;
- :mod:`dlspec.cli.grade`: ``grade LAB --solution FILE``;
- :mod:`dlspec.cli.doctor`: ``doctor``.

Nothing here imports TensorFlow until a lab runs, so ``dlspec --help`` and ``dlspec list`` are
quick.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from dlspec.cli import data, doctor, grade, labs

__all__ = ["build_parser", "main"]

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # read when a lab first imports TensorFlow


def build_parser() -> argparse.ArgumentParser:
    """The ``dlspec`` argument parser, with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="dlspec", description="The Deep Learning Specialization labs, runnable and tested."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    labs.add_parsers(sub)
    data.add_parsers(sub)
    grade.add_parsers(sub)
    doctor.add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``dlspec`` console script."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if getattr(args, "pass_options", False):
        args.options = extra  # parsed by the subcommand, which owns those options
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args.func(args)
