"""``dlspec data check``: which course files are present and intact."""

from __future__ import annotations

import argparse

from dlspec.data.check import main as check_main

__all__ = ["add_parsers"]


def _cmd_data_check(args: argparse.Namespace) -> int:
    return check_main(args.options)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add ``data check`` to the ``dlspec`` command; its options are parsed by
    :mod:`dlspec.data.check`, which owns them (``pass_options``)."""
    data = sub.add_parser("data", help="course data tools")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    check = data_sub.add_parser(
        "check", help="which course files are present and intact", add_help=False
    )
    check.set_defaults(func=_cmd_data_check, pass_options=True)
