"""``dlspec data import PATH...``: put the course files of folders or zip files in place.

A learner's course downloads (lab workspaces saved from Coursera, a clone of their own course
repository, a zip of either) hold the course files under other folders. :func:`import_data`
looks at every file whose name the layout knows (``dlspec data layout``), checks its content
(the SHA-256 of the packaged ``SHA256SUMS`` where known; else the h5 keys and shapes, or that an
image of an image folder decodes) and copies it to its place in the data folder. A file that
fails its check is refused, and a good file already in place is never replaced.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

import h5py
from PIL import Image

from dlspec.data import paths
from dlspec.data.layout import LayoutItem, expected_files, item_for, layout_items
from dlspec.data.layout import packaged_checksums as _checksums

__all__ = ["ImportReport", "format_import", "import_data"]

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png"})


@dataclass(frozen=True)
class Candidate:
    """A file found in a source: how to show it, its folder names, and how to open it."""

    shown: str
    parts: tuple[str, ...]
    open: Callable[[], IO[bytes]]

    @property
    def name(self) -> str:
        return self.parts[-1]


@dataclass
class ImportReport:
    """What :func:`import_data` did.

    Attributes:
        root: the data folder written to.
        copied: ``(relative path, source)`` of each file put in place.
        in_place: relative paths already there and good (left untouched).
        refused: ``(source, reason)`` of each recognised file that failed its check.
        missing: course files still absent from ``root`` after the import.
    """

    root: Path
    copied: list[tuple[str, str]] = field(default_factory=list)
    in_place: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """A JSON-ready summary (``dlspec data import --json``)."""
        return {
            "root": str(self.root),
            "copied": [{"path": p, "source": s} for p, s in self.copied],
            "in_place": self.in_place,
            "refused": [{"source": s, "reason": r} for s, r in self.refused],
            "missing": self.missing,
        }


def _walk_folder(folder: Path, refused: list[tuple[str, str]]) -> Iterator[Candidate]:
    def unreadable(err: OSError) -> None:
        refused.append((str(err.filename), f"unreadable folder ({err.strerror})"))

    for dirpath, _dirs, files in os.walk(folder, onerror=unreadable):
        for name in sorted(files):
            path = Path(dirpath) / name
            rel = path.relative_to(folder.parent)
            yield Candidate(str(path), rel.parts, _opener(path))


def _opener(path: Path) -> Callable[[], IO[bytes]]:
    """A function opening ``path`` for reading bytes (called when the file is copied)."""
    return lambda: open(path, "rb")


def _walk_zip(archive: Path) -> Iterator[Candidate]:
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            parts = PurePosixPath(info.filename).parts
            yield Candidate(f"{archive}:{info.filename}", parts, lambda info=info: zf.open(info))


def _candidates(source: Path, refused: list[tuple[str, str]]) -> Iterator[Candidate]:
    if source.is_dir():
        yield from _walk_folder(source, refused)
    elif zipfile.is_zipfile(source):
        yield from _walk_zip(source)
    elif source.is_file():
        yield Candidate(str(source), (source.name,), _opener(source))
    else:
        refused.append((str(source), "no such file or folder"))


def _targets(candidate: Candidate, by_name: dict[str, list[str]]) -> list[str]:
    """The places in the layout a file of this name and folder may go."""
    places = list(by_name.get(candidate.name, ()))
    folder = candidate.parts[-2] if len(candidate.parts) > 1 else ""
    for item in layout_items():
        suffix = PurePosixPath(candidate.name).suffix.lower()
        if item.match and item.match == folder and suffix in IMAGE_SUFFIXES:
            places.append(f"{item.path}/{candidate.name}")
    return list(dict.fromkeys(places))


def _check_h5(path: Path, item: LayoutItem) -> str:
    """'' when the h5 file has the item's keys and shapes, else the reason."""
    try:
        with h5py.File(path, "r") as f:
            for key, shape in item.h5:
                if key not in f:
                    return f"not the course's file: no dataset {key!r} (has {sorted(f)})"
                if key != "list_classes" and tuple(f[key].shape) != shape:
                    return f"wrong shape: {key} is {tuple(f[key].shape)}, expected {shape}"
    except OSError as err:
        return f"corrupt: not a readable HDF5 file ({err})"
    return ""


def _check_image(path: Path) -> str:
    try:
        with Image.open(path) as image:
            image.verify()
    except Exception as err:  # PIL raises many types for a broken image
        return f"corrupt: not a readable image ({type(err).__name__})"
    return ""


def _problem(path: Path, relpath: str, digest: str) -> str:
    """'' when the file at ``path`` is a good copy of the course file ``relpath``."""
    known = _checksums().get(relpath)
    if known is not None:
        return "" if digest == known else "differs from the course's file (sha256 mismatch)"
    item = item_for(relpath)
    if item is not None and item.h5:
        return _check_h5(path, item)
    return _check_image(path)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _copy_in(candidate: Candidate, tmp_dir: Path) -> tuple[Path, str]:
    """Copy the candidate to a temporary file; return it and its sha256."""
    digest = hashlib.sha256()
    with candidate.open() as src, tempfile.NamedTemporaryFile(dir=tmp_dir, delete=False) as dst:
        while chunk := src.read(1 << 20):
            digest.update(chunk)
            dst.write(chunk)
    return Path(dst.name), digest.hexdigest()


def _place(
    candidate: Candidate, places: list[str], root: Path, tmp_dir: Path, report: ImportReport
) -> None:
    """Check one recognised file and put it at its place unless a good copy is there."""
    try:
        tmp, digest = _copy_in(candidate, tmp_dir)
    except (OSError, zipfile.BadZipFile) as err:
        report.refused.append((candidate.shown, f"unreadable ({err})"))
        return
    try:
        by_digest = [p for p in places if _checksums().get(p) == digest]
        relpath = by_digest[0] if by_digest else places[0]
        problem = _problem(tmp, relpath, digest)
        if problem:
            report.refused.append((candidate.shown, f"{relpath}: {problem}"))
            return
        dest = root / relpath
        if dest.is_file() and not _problem(dest, relpath, _sha256(dest)):
            report.in_place.append(relpath)
            return
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(tmp, 0o644)  # temporary files are created 0600
        os.replace(tmp, dest)
        report.copied.append((relpath, candidate.shown))
    finally:
        tmp.unlink(missing_ok=True)


def import_data(
    sources: Sequence[str | os.PathLike], root: str | os.PathLike | None = None
) -> ImportReport:
    """Copy the course files found in ``sources`` (folders, zip files, files) into ``root``.

    Args:
        sources: folders or zip files to search (recursively), or single files.
        root: the data folder; defaults to ``$DLSPEC_DATA_DIR``, else the user's data folder.

    Returns:
        An :class:`ImportReport`: copied, already in place, refused (and why), still missing.

    Example:
        >>> report = import_data(["~/Downloads/C1W2.zip"])  # doctest: +SKIP
        >>> print(format_import(report))  # doctest: +SKIP
    """
    root_path = Path(root).expanduser() if root is not None else paths.data_dir()
    if root_path.exists() and not root_path.is_dir():
        raise NotADirectoryError(f"The data folder {root_path} is a file, not a folder.")
    root_path.mkdir(parents=True, exist_ok=True)
    report = ImportReport(root_path)
    by_name: dict[str, list[str]] = {}
    for relpath in expected_files():
        by_name.setdefault(PurePosixPath(relpath).name, []).append(relpath)
    with tempfile.TemporaryDirectory(dir=root_path, prefix=".import-") as tmp_dir:
        for source in sources:
            source_path = Path(source).expanduser()
            for candidate in _candidates(source_path, report.refused):
                places = _targets(candidate, by_name)
                if places:
                    _place(candidate, places, root_path, Path(tmp_dir), report)
    report.missing = [rel for rel in expected_files() if not (root_path / rel).is_file()]
    return report


def _summarise_missing(missing: Sequence[str]) -> list[str]:
    counts = Counter(item.path if (item := item_for(rel)) else rel for rel in missing)
    return [f"  {path} ({n} file{'s' if n > 1 else ''})" for path, n in counts.items()]


def format_import(report: ImportReport) -> str:
    """The import report as text: one line per file copied or refused, missing per folder.

    Example:
        >>> print(format_import(ImportReport(Path("/data"))))
        Data folder: /data
        Copied 0 file(s); 0 already in place; 0 refused.
        Every course file is in place.
    """
    lines = [f"Data folder: {report.root}"]
    copied = Counter(item.path if (item := item_for(rel)) else rel for rel, _ in report.copied)
    for path, n in copied.items():
        lines.append(f"  copied   {path}" + (f" ({n} files)" if n > 1 else ""))
    for source, reason in report.refused:
        lines.append(f"  refused  {source}: {reason}")
    lines.append(
        f"Copied {len(report.copied)} file(s); {len(report.in_place)} already in place; "
        f"{len(report.refused)} refused."
    )
    if report.missing:
        lines.append(f"Still missing ({len(report.missing)} file(s)):")
        lines += _summarise_missing(report.missing)
        lines.append("`dlspec data layout` says where each comes from.")
    else:
        lines.append("Every course file is in place.")
    return "\n".join(lines)
