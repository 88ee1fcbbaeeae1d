"""The layout of the course data folder, as shipped in the package (``dlspec/data/layout.json``).

Each :class:`LayoutItem` is a course file or folder: where it goes under the data folder, what
it is, where a learner finds it in the course's lab workspaces, and how ``dlspec data import``
checks a copy (``h5`` keys and shapes; ``match``: the folder name whose images belong to it).
The checksums of the files dlspec knows come from the packaged ``SHA256SUMS``.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources

from dlspec.data.check import parse_manifest

__all__ = ["LayoutItem", "expected_files", "item_for", "layout_items", "packaged_checksums"]


@dataclass(frozen=True)
class LayoutItem:
    """One course file or folder of the data layout.

    Example:
        >>> item = item_for("course4/alpaca/alpaca/0a1b.jpg")
        >>> item.path, item.covers("course4/alpaca/alpaca/0a1b.jpg")
        ('course4/alpaca/alpaca', True)
    """

    path: str
    kind: str
    what: str
    source: str
    h5: tuple[tuple[str, tuple[int, ...]], ...] = ()
    match: str = ""
    used_by: tuple[str, ...] = ()

    def covers(self, relpath: str) -> bool:
        """True when ``relpath`` is this item or lies in its folder."""
        return relpath == self.path or relpath.startswith(self.path + "/")


@functools.lru_cache(maxsize=1)
def layout_items() -> tuple[LayoutItem, ...]:
    """The items of the packaged ``layout.json``, in course order.

    Example:
        >>> layout_items()[0].path
        'course1/catvnoncat/train_catvnoncat.h5'
    """
    text = resources.files("dlspec.data").joinpath("layout.json").read_text(encoding="utf-8")
    return tuple(
        LayoutItem(
            path=raw["path"],
            kind=raw["kind"],
            what=raw["what"],
            source=raw["source"],
            h5=tuple((key, tuple(shape)) for key, shape in raw.get("h5", {}).items()),
            match=raw.get("match", ""),
            used_by=tuple(raw.get("used_by", ())),
        )
        for raw in json.loads(text)["items"]
    )


def item_for(relpath: str) -> LayoutItem | None:
    """The layout item that ``relpath`` belongs to, or None.

    Example:
        >>> item_for("course1/catvnoncat/test_catvnoncat.h5").kind
        'h5'
    """
    return next((item for item in layout_items() if item.covers(relpath)), None)


@functools.lru_cache(maxsize=1)
def packaged_checksums() -> dict[str, str]:
    """``{relative path: sha256}`` of every course file whose checksum dlspec knows.

    Example:
        >>> len(packaged_checksums()) > 1000
        True
    """
    text = resources.files("dlspec.data").joinpath("SHA256SUMS").read_text(encoding="utf-8")
    return parse_manifest(text, "dlspec/data/SHA256SUMS")


def expected_files() -> list[str]:
    """Every course file of the layout: the checksummed ones and the h5 files known only by
    their keys (``train_signs.h5``, ``train_happy.h5``).

    Example:
        >>> "course4/happy/train_happy.h5" in expected_files()
        True
    """
    files = list(packaged_checksums())
    files += [i.path for i in layout_items() if i.kind == "h5" and i.path not in files]
    return files
