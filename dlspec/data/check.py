"""``dlspec data check``: which course files are present, intact (SHA-256), missing, and why.

The package ships the checksums of the course data (``dlspec/data/SHA256SUMS``, the format of
``sha256sum``; no data). :func:`check_data` compares a data folder with it, file by file, and
also reports the course files that the offline mirror could not obtain (:data:`KNOWN_MISSING`):
they are "missing (not obtainable offline; supply your own copy)" until a user puts a copy in
place, and then "present, unverified" (no checksum is known; the h5 keys are checked).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from importlib import resources
from pathlib import Path, PurePosixPath

from dlspec.data import paths
from dlspec.data.h5 import read_h5

__all__ = [
    "KNOWN_MISSING",
    "DataReport",
    "FileCheck",
    "KnownMissing",
    "Status",
    "check_data",
    "format_report",
    "main",
    "parse_manifest",
    "sha256_file",
]

_CHUNK = 1 << 20  # 1 MiB: hashing streams the file, memory stays flat


class Status(str, Enum):
    """State of one course file; the value is what the report prints."""

    OK = "ok"
    MISSING = "missing"
    CORRUPT = "corrupt"
    UNVERIFIED = "present, unverified"
    UNOBTAINABLE = "missing (not obtainable offline; supply your own copy)"


#: statuses that do not make a check fail
_FINE = frozenset({Status.OK, Status.UNVERIFIED, Status.UNOBTAINABLE})
#: statuses counted as "ok" in the per-folder fractions
_PRESENT_OK = frozenset({Status.OK, Status.UNVERIFIED})


@dataclass(frozen=True)
class KnownMissing:
    """A course file that the offline mirror lacks (``dlspec data layout``), and how to check it.

    Args:
        what: what the file is, for the report.
        h5_keys: datasets a user-supplied copy must contain (checked when it is present).
    """

    what: str
    h5_keys: tuple[str, ...] = ()


KNOWN_MISSING: dict[str, KnownMissing] = {
    "course4/happy/train_happy.h5": KnownMissing(
        "Happy House training set, 600 images (C4 W1); the lab can only use test_happy.h5 "
        "without it",
        ("train_set_x", "train_set_y"),
    ),
    "course4/signs/train_signs.h5": KnownMissing(
        "SIGNS training set, 1080 images (C2 W3, C4 W1/W2); course4/signs/64x64_SIGNS/ is the "
        "JPEG stand-in",
        ("train_set_x", "train_set_y"),
    ),
}


@dataclass(frozen=True)
class FileCheck:
    """The result for one file: its path in the data folder, status, and a detail line."""

    relpath: str
    status: Status
    detail: str = ""

    @property
    def folder(self) -> str:
        """The folder of the file inside the data folder (``course4/alpaca/alpaca``)."""
        return str(PurePosixPath(self.relpath).parent)


@dataclass(frozen=True)
class DataReport:
    """What :func:`check_data` found.

    Attributes:
        root: the data folder checked.
        root_origin: where the folder came from (argument, ``DLSPEC_DATA_DIR``, default).
        manifest: where the checksums came from.
        files: one :class:`FileCheck` per manifest file and per :data:`KNOWN_MISSING` file.
        extra: files under ``root`` that neither list names (e.g. ``README.md``).
        unreadable: folders under ``root`` that could not be listed (permissions), with why.
    """

    root: Path
    root_origin: str
    manifest: str
    files: tuple[FileCheck, ...]
    extra: tuple[str, ...] = ()
    unreadable: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when nothing is missing or corrupt (files not obtainable offline are fine)."""
        return all(f.status in _FINE for f in self.files)

    def counts(self) -> Counter[Status]:
        """Number of files per status."""
        return Counter(f.status for f in self.files)

    def problems(self) -> list[FileCheck]:
        """The files whose status is not ``ok``."""
        return [f for f in self.files if f.status is not Status.OK]

    def by_folder(self) -> dict[str, list[FileCheck]]:
        """The files grouped by folder, folders sorted."""
        groups: dict[str, list[FileCheck]] = {}
        for f in sorted(self.files, key=lambda f: (f.folder, f.relpath)):
            groups.setdefault(f.folder, []).append(f)
        return groups

    def to_dict(self) -> dict:
        """A JSON-ready summary (``dlspec data check --json``)."""
        return {
            "root": str(self.root),
            "root_origin": self.root_origin,
            "manifest": self.manifest,
            "ok": self.ok,
            "counts": {s.value: n for s, n in self.counts().items()},
            "problems": [
                {"path": f.relpath, "status": f.status.value, "detail": f.detail}
                for f in self.problems()
            ],
            "extra": list(self.extra),
            "unreadable": list(self.unreadable),
        }


def sha256_file(path: str | os.PathLike) -> str:
    """Return the hex SHA-256 of a file, read in 1 MiB chunks.

    Example:
        >>> sha256_file("course1/catvnoncat/test_catvnoncat.h5")[:12]  # doctest: +SKIP
        '6a9d39ce52fa'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


_LINE = re.compile(r"^(?P<escaped>\\?)(?P<digest>[0-9a-fA-F]{64}) [ *](?P<path>.+)$")
_UNESCAPE = re.compile(r"\\(.)")


def parse_manifest(text: str, source: str = "manifest") -> dict[str, str]:
    """Parse ``sha256sum`` output into ``{relative path: hex digest}``.

    Accepts text (``hash  path``) and binary (``hash *path``) lines, GNU's escaped names
    (a leading backslash), blank lines and ``#`` comments.

    Raises:
        ValueError: a malformed line, or a path that is absolute or leaves the folder
            (the message names ``source`` and the line number).

    Example:
        >>> entries = parse_manifest("ab" * 32 + "  course1/catvnoncat/test_catvnoncat.h5")
        >>> entries["course1/catvnoncat/test_catvnoncat.h5"] == "ab" * 32
        True
    """
    entries: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise ValueError(
                f"{source}, line {number}: expected '<64 hex digits>  <relative path>' "
                f"(sha256sum format); got {line[:80]!r}."
            )
        relpath = match["path"]
        if match["escaped"]:
            relpath = _UNESCAPE.sub(lambda m: {"n": "\n", "r": "\r"}.get(m[1], m[1]), relpath)
        pure = PurePosixPath(relpath)
        if pure.is_absolute() or ".." in pure.parts:
            raise ValueError(
                f"{source}, line {number}: paths must be relative to the data folder; "
                f"got {relpath!r}."
            )
        entries[str(pure)] = match["digest"].lower()
    return entries


def _load_manifest(manifest: str | os.PathLike | None) -> tuple[dict[str, str], str]:
    if manifest is None:
        text = resources.files("dlspec.data").joinpath("SHA256SUMS").read_text(encoding="utf-8")
        return parse_manifest(text, "dlspec/data/SHA256SUMS"), "dlspec/data/SHA256SUMS (packaged)"
    path = Path(manifest).expanduser()
    return parse_manifest(path.read_text(encoding="utf-8"), str(path)), str(path)


def _resolve_root(root: str | os.PathLike | None) -> tuple[Path, str]:
    if root is not None:
        return Path(root).expanduser(), "the root argument"
    return paths.data_dir(), paths.data_dir_origin()


def _is_file(path: Path) -> bool:
    """``path.is_file()``, False when a folder on the way cannot be read."""
    try:
        return path.is_file()
    except OSError:
        return False


def _check_listed(root: Path, relpath: str, expected: str) -> FileCheck:
    path = root / relpath
    if not _is_file(path):
        return FileCheck(relpath, Status.MISSING, f"expected at {path}")
    try:
        got = sha256_file(path)
    except OSError as err:
        return FileCheck(relpath, Status.CORRUPT, f"unreadable: {err}")
    if got != expected:
        size = path.stat().st_size
        return FileCheck(
            relpath,
            Status.CORRUPT,
            f"sha256 {got[:16]}... differs from the manifest's {expected[:16]}... "
            f"({size} bytes): copy the file again",
        )
    return FileCheck(relpath, Status.OK)


def _check_known_missing(root: Path, relpath: str, known: KnownMissing) -> FileCheck:
    path = root / relpath
    if not _is_file(path):
        return FileCheck(relpath, Status.UNOBTAINABLE, f"{known.what}; put it at {path}")
    if known.h5_keys:
        try:
            read_h5(path, known.h5_keys)
        except paths.CorruptDataError as err:
            return FileCheck(relpath, Status.CORRUPT, str(err))
        return FileCheck(
            relpath, Status.UNVERIFIED, f"no checksum known; h5 keys {known.h5_keys} ok"
        )
    return FileCheck(relpath, Status.UNVERIFIED, "no checksum known")


def check_data(
    root: str | os.PathLike | None = None,
    *,
    manifest: str | os.PathLike | None = None,
    known_missing: Mapping[str, KnownMissing] | None = None,
) -> DataReport:
    """Compare the course data folder with the checksum manifest.

    Every file of the manifest is ``ok``, ``missing`` or ``corrupt`` (checksum mismatch or
    unreadable). Every file of ``known_missing`` is ``missing (not obtainable offline; supply
    your own copy)`` or, once supplied, ``present, unverified`` (or ``corrupt`` when it is not
    a readable h5 with the expected keys). Files are hashed in 1 MiB chunks: the 160 MB of
    the course data take about a second.

    Args:
        root: data folder; defaults to ``$DLSPEC_DATA_DIR`` (else the user's data folder).
        manifest: a ``sha256sum``-format file; defaults to the packaged ``SHA256SUMS``.
        known_missing: files absent from the offline mirror; defaults to :data:`KNOWN_MISSING`.

    Returns:
        A :class:`DataReport`; ``report.ok`` is False when a file is missing or corrupt.

    Example:
        >>> report = check_data("/work/shared/data")  # doctest: +SKIP
        >>> report.ok, report.counts()[Status.OK]  # doctest: +SKIP
        (True, 1693)
        >>> print(format_report(report))  # doctest: +SKIP
    """
    root_path, origin = _resolve_root(root)
    entries, manifest_name = _load_manifest(manifest)
    known = KNOWN_MISSING if known_missing is None else known_missing

    files = [_check_listed(root_path, rel, digest) for rel, digest in entries.items()]
    files += [
        _check_known_missing(root_path, rel, k) for rel, k in known.items() if rel not in entries
    ]

    named = set(entries) | set(known)
    found, unreadable = _walk(root_path) if root_path.is_dir() else ([], [])
    extra = sorted(rel for rel in found if rel not in named)
    return DataReport(
        root_path, origin, manifest_name, tuple(files), tuple(extra), tuple(unreadable)
    )


def _walk(root: Path) -> tuple[list[str], list[str]]:
    """The files under ``root`` (relative, POSIX) and the folders that could not be listed."""
    unreadable: list[str] = []

    def record(err: OSError) -> None:
        unreadable.append(f"{err.filename}: {err.strerror}")

    files = [
        (Path(folder) / name).relative_to(root).as_posix()
        for folder, _dirs, names in os.walk(root, onerror=record)
        for name in names
    ]
    return files, unreadable


def _folder_summary(group: Sequence[FileCheck]) -> str:
    counts = Counter(f.status for f in group)
    ok = sum(counts[s] for s in _PRESENT_OK)
    parts = [f"{ok}/{len(group)} ok"]
    if counts[Status.UNVERIFIED]:
        parts[0] += f" ({counts[Status.UNVERIFIED]} {Status.UNVERIFIED.value})"
    for status in (Status.MISSING, Status.CORRUPT, Status.UNOBTAINABLE):
        if counts[status]:
            parts.append(f"{counts[status]} {status.value}")
    return "; ".join(parts)


def format_report(report: DataReport, verbose: bool = False) -> str:
    """Render a :class:`DataReport` as text, one line per folder.

    Args:
        report: what :func:`check_data` returned.
        verbose: also list every file that is not ``ok`` (with the reason) and the files
            that no list names.

    Returns:
        The report, e.g. ``course4/alpaca/alpaca  142/142 ok`` lines and a summary.

    Example:
        >>> print(format_report(check_data(), verbose=True))  # doctest: +SKIP
        Course data: /work/shared/data (DLSPEC_DATA_DIR=/work/shared/data)
        ...
          course4/alpaca/alpaca        142/142 ok
    """
    lines = [f"Course data: {report.root} ({report.root_origin})"]
    lines.append(f"Checksums: {report.manifest}")
    if report.root.is_file():
        lines.append(
            f"{report.root} is a file, not a folder: point {paths.DATA_DIR_ENV} at the folder "
            "that holds course1/, course2/ and course4/."
        )
    elif not report.root.is_dir():
        lines.append(
            f"The folder {report.root} does not exist. `dlspec data import PATH` copies the "
            f"course files of your downloads there (or point {paths.DATA_DIR_ENV} at a copy); "
            "`dlspec data layout` shows where each file goes."
        )
    for folder in report.unreadable:
        lines.append(f"Cannot read the folder {folder}: its files count as missing.")
    lines.append("")
    groups = report.by_folder()
    width = max((len(folder) for folder in groups), default=0) + 2
    for folder, group in groups.items():
        lines.append(f"  {folder:<{width}}{_folder_summary(group)}")
        if verbose:
            for f in group:
                if f.status is not Status.OK:
                    name = PurePosixPath(f.relpath).name
                    lines.append(f"      {name}: {f.status.value} ({f.detail})")

    counts = report.counts()
    total_ok = sum(counts[s] for s in _PRESENT_OK)
    lines.append("")
    verdict = "OK" if report.ok else "PROBLEMS"
    summary = [f"{total_ok}/{len(report.files)} files ok"]
    summary += [
        f"{counts[s]} {s.value}"
        for s in (Status.UNVERIFIED, Status.MISSING, Status.CORRUPT, Status.UNOBTAINABLE)
        if counts[s]
    ]
    lines.append(f"{verdict}: " + ", ".join(summary) + ".")
    unobtainable = [f for f in report.files if f.status is Status.UNOBTAINABLE]
    if unobtainable and not verbose:  # verbose lists them under their folders already
        lines.append(f"{Status.UNOBTAINABLE.value[:1].upper()}{Status.UNOBTAINABLE.value[1:]}:")
        lines += [f"  {f.relpath}: {f.detail}" for f in unobtainable]
    bad = counts[Status.MISSING] + counts[Status.CORRUPT]
    if bad and not verbose:
        lines.append(f"Run with --verbose to list the {bad} missing or corrupt files.")
    if bad:
        lines.append(
            "Fix: `dlspec data import PATH` copies the course files of your downloads (folders "
            "or zip files) into place; `dlspec data layout` says where each file comes from."
        )
    if verbose and report.extra:
        lines.append(f"Files that no list names ({len(report.extra)}):")
        lines += [f"  {rel}" for rel in report.extra]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``dlspec data check`` / ``python -m dlspec.data.check``: print the report.

    Returns:
        The exit status: 0 when nothing is missing or corrupt, else 1.

    Example:
        >>> main(["--root", "/work/shared/data", "--verbose"])  # doctest: +SKIP
        0
    """
    parser = argparse.ArgumentParser(
        prog="dlspec data check",
        description="Check the course data files against the packaged SHA-256 checksums.",
    )
    parser.add_argument(
        "--root", help=f"data folder (default: ${paths.DATA_DIR_ENV}, else the user's one)"
    )
    parser.add_argument("--manifest", help="sha256sum-format file (default: the packaged one)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every file not ok")
    parser.add_argument("--json", action="store_true", help="print a JSON summary")
    args = parser.parse_args(argv)
    report = check_data(args.root, manifest=args.manifest)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(format_report(report, verbose=args.verbose))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
