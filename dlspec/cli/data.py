"""``dlspec data check | layout | import``: the course data folder.

``layout`` prints where each course file goes and which labs use it (from the registry's
``Lab.data``, without importing TensorFlow); ``import`` copies the course files found in
folders or zip files into place; ``check`` verifies what is there.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping

from dlspec.cli.errors import EXIT_MISSED, EXIT_OK
from dlspec.data.check import main as check_main
from dlspec.data.importer import format_import, import_data
from dlspec.data.layout import LayoutItem, layout_items
from dlspec.data.paths import data_dir, data_dir_origin
from dlspec.labs import Lab, all_labs

__all__ = ["add_parsers", "labs_using"]


def labs_using(item: LayoutItem, labs: Mapping[str, Lab]) -> list[str]:
    """The ids of the labs whose ``data`` names ``item`` (or a file in it), or that it lists.

    Example:
        >>> from dlspec.data.layout import item_for
        >>> labs_using(item_for("course4/alpaca/alpaca"), all_labs())
        ['c4w2-alpaca', 'c4w2-architectures']
    """
    using = [
        lab.id
        for lab in labs.values()
        if any(item.covers(rel) or rel.startswith(item.path + "/") for rel in lab.data)
    ]
    return list(dict.fromkeys([*using, *item.used_by]))


def _cmd_data_check(args: argparse.Namespace) -> int:
    return check_main(args.options)


def _cmd_data_layout(args: argparse.Namespace) -> int:
    labs = all_labs()
    rows = [(item, labs_using(item, labs)) for item in layout_items()]
    if args.json:
        records = [
            {"path": i.path, "kind": i.kind, "what": i.what, "source": i.source, "labs": used}
            for i, used in rows
        ]
        print(json.dumps({"data_dir": str(data_dir()), "items": records}, indent=2))
        return EXIT_OK
    print(f"Data folder: {data_dir()} ({data_dir_origin()})")
    print("Put each course file at its path below (or let `dlspec data import PATH` do it).\n")
    for item, used in rows:
        print(f"{item.path}{'/' if item.kind != 'h5' and item.kind != 'file' else ''}")
        print(f"    {item.what}")
        print(f"    from: {item.source}")
        print(f"    labs: {', '.join(used) or '(none yet)'}")
    return EXIT_OK


def _cmd_data_import(args: argparse.Namespace) -> int:
    report = import_data(args.paths, root=args.root)
    print(json.dumps(report.to_dict(), indent=2) if args.json else format_import(report))
    return EXIT_MISSED if report.refused else EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add ``data check``, ``data layout`` and ``data import`` to the ``dlspec`` command;
    ``check`` options are parsed by :mod:`dlspec.data.check`, which owns them (``pass_options``).
    """
    data = sub.add_parser("data", help="course data: where files go, import, check")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    check = data_sub.add_parser(
        "check", help="which course files are present and intact", add_help=False
    )
    check.set_defaults(func=_cmd_data_check, pass_options=True)

    layout = data_sub.add_parser("layout", help="where each course file goes, which labs use it")
    layout.add_argument("--json", action="store_true", help="print the layout as JSON")
    layout.set_defaults(func=_cmd_data_layout)

    imp = data_sub.add_parser(
        "import",
        help="copy the course files found in folders or zip files into the data folder",
        description="Copy every course file found in PATH (folders are searched recursively; "
        "zip files are read) into the data folder, after a content check (checksum, h5 keys "
        "and shapes, images that decode). A good file already in place is never replaced.",
    )
    imp.add_argument("paths", nargs="+", metavar="PATH", help="folder or .zip file")
    imp.add_argument("--root", help="data folder (default: $DLSPEC_DATA_DIR, else the user one)")
    imp.add_argument("--json", action="store_true", help="print the report as JSON")
    imp.set_defaults(func=_cmd_data_import)
