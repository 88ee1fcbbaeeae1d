"""Where the course data lives: ``DLSPEC_DATA_DIR`` and the errors for missing or corrupt files."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "DATA_DIR_ENV",
    "REQUIRE_DATA_ENV",
    "CorruptDataError",
    "DataNotFoundError",
    "data_dir",
    "data_path",
    "require_data",
]

DATA_DIR_ENV = "DLSPEC_DATA_DIR"
REQUIRE_DATA_ENV = "DLSPEC_REQUIRE_DATA"


class DataNotFoundError(FileNotFoundError):
    """A course data file is not where dlspec looks for it."""


class CorruptDataError(OSError):
    """A course data file exists but cannot be read (truncated, wrong format, missing keys)."""


def data_dir() -> Path:
    """Return the course data folder: ``$DLSPEC_DATA_DIR``, else ``./data``.

    The folder has the layout of the project's ``shared/data``
    (``course1/catvnoncat/train_catvnoncat.h5``, ``course4/alpaca/...``).
    """
    env = os.environ.get(DATA_DIR_ENV)
    return Path(env).expanduser() if env else Path.cwd() / "data"


def require_data() -> bool:
    """True when ``DLSPEC_REQUIRE_DATA=1``: tests needing data fail instead of skipping."""
    return os.environ.get(REQUIRE_DATA_ENV, "").strip().lower() in {"1", "true", "yes"}


def data_path(relpath: str, *, root: str | os.PathLike | None = None) -> Path:
    """Return the path of the course file ``relpath``, raising a helpful error if it is absent.

    Args:
        relpath: path inside the data folder, e.g. ``"course1/catvnoncat/train_catvnoncat.h5"``.
        root: data folder to use instead of :func:`data_dir`.

    Raises:
        DataNotFoundError: naming the file, the folder searched and how to fix it.

    Example:
        >>> data_path("course1/catvnoncat/train_catvnoncat.h5")  # doctest: +SKIP
        PosixPath('/.../course1/catvnoncat/train_catvnoncat.h5')
    """
    base = Path(root).expanduser() if root is not None else data_dir()
    path = base / relpath
    if not path.exists():
        origin = (
            "the root argument"
            if root is not None
            else (
                f"{DATA_DIR_ENV}={os.environ[DATA_DIR_ENV]}"
                if os.environ.get(DATA_DIR_ENV)
                else f"{DATA_DIR_ENV} is not set, so ./data was used"
            )
        )
        raise DataNotFoundError(
            f"Course data file not found: {path} ({origin}). "
            f"Point {DATA_DIR_ENV} at a folder holding '{relpath}' (the layout of the course "
            f"data, see data/README.md), or copy the file there. "
            f"`dlspec data check` lists what is present and what is missing."
        )
    return path
