"""``dlspec notebook LAB [--template] [--out PATH]``: write the lab's Jupyter notebook."""

from __future__ import annotations

import argparse
import sys

from dlspec.notebooks import write_notebook

__all__ = ["add_parsers"]


def _cmd_notebook(args: argparse.Namespace) -> int:
    try:
        path = write_notebook(
            args.lab, args.out, template=args.template, quick=args.quick, overwrite=args.force
        )
    except (KeyError, ValueError, FileExistsError) as err:
        print(f"dlspec notebook: {err.args[0] if err.args else err}", file=sys.stderr)
        return 2
    print(f"Wrote {path}. Open it with `jupyter lab {path}`.")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register ``notebook`` on the ``dlspec`` parser's subcommands.

    Example:
        >>> parser = argparse.ArgumentParser(prog="dlspec")
        >>> add_parsers(parser.add_subparsers(dest="command"))
        >>> parser.parse_args(["notebook", "c1w2-logreg", "--template"]).template
        True
    """
    p = sub.add_parser(
        "notebook",
        help="write a Jupyter notebook of a lab (its steps, or a template to fill in)",
        description="Write LAB's notebook: the lab's steps one per cell with the figures "
        "inline, or with --template the graded functions to fill in, each with a check() cell.",
    )
    p.add_argument("lab", help="lab id (see `dlspec list`)")
    p.add_argument("--template", action="store_true", help="the functions to fill in, graded")
    p.add_argument("--out", default=None, help="notebook path (default: LAB.ipynb)")
    p.add_argument("--quick", action="store_true", help="run the steps in quick mode")
    p.add_argument("--force", action="store_true", help="overwrite an existing notebook")
    p.set_defaults(func=_cmd_notebook)
