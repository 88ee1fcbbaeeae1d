"""``dlspec doctor``: versions, devices, data and weights, to paste into a help request."""

from __future__ import annotations

import argparse
import json

from dlspec.doctor import doctor, format_doctor

__all__ = ["add_parsers"]


def _cmd_doctor(args: argparse.Namespace) -> int:
    report = doctor(
        data_dir=args.data_dir,
        manifest=args.manifest,
        weights_dir=args.weights_dir,
        devices=not args.no_devices,
    )
    print(json.dumps(report.to_dict(), indent=2) if args.json else format_doctor(report))
    return 0 if report.ok else 1


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add ``doctor`` to the ``dlspec`` command."""
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
