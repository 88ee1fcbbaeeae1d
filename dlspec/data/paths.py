"""Where the course data lives: ``DLSPEC_DATA_DIR`` (else the user's data folder) and the
errors for missing or corrupt files."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

__all__ = [
    "DATA_DIR_ENV",
    "REQUIRE_DATA_ENV",
    "CorruptDataError",
    "DataNotFoundError",
    "data_dir",
    "data_dir_origin",
    "data_path",
    "default_data_dir",
    "require_data",
]

DATA_DIR_ENV = "DLSPEC_DATA_DIR"
REQUIRE_DATA_ENV = "DLSPEC_REQUIRE_DATA"

#: what every "file not found" message tells the user to do
HOW_TO_GET_DATA = (
    "Put the course files in place with `dlspec data import PATH` (a folder or .zip of your "
    "course downloads); `dlspec data layout` shows where each file goes, `dlspec data check` "
    "what is present."
)


class DataNotFoundError(FileNotFoundError):
    """A course data file is not where dlspec looks for it."""


class CorruptDataError(OSError):
    """A course data file exists but cannot be read (truncated, wrong format, missing keys)."""


def default_data_dir() -> Path:
    """The data folder used when ``DLSPEC_DATA_DIR`` is unset: ``<user data dir>/dlspec/data``.

    Example:
        >>> default_data_dir().parts[-2:]
        ('dlspec', 'data')
    """
    return Path(platformdirs.user_data_dir("dlspec", appauthor=False)) / "data"


def data_dir() -> Path:
    """Return the course data folder: ``$DLSPEC_DATA_DIR``, else :func:`default_data_dir`.

    The folder has the layout that ``dlspec data layout`` prints
    (``course1/catvnoncat/train_catvnoncat.h5``, ``course4/alpaca/...``).

    Example:
        >>> data_dir()  # doctest: +SKIP
        PosixPath('/home/me/.local/share/dlspec/data')
    """
    env = os.environ.get(DATA_DIR_ENV)
    return Path(env).expanduser() if env else default_data_dir()


def data_dir_origin() -> str:
    """Where :func:`data_dir` came from, for messages.

    Example:
        >>> data_dir_origin()  # doctest: +SKIP
        'DLSPEC_DATA_DIR is not set: the default data folder'
    """
    env = os.environ.get(DATA_DIR_ENV)
    return f"{DATA_DIR_ENV}={env}" if env else f"{DATA_DIR_ENV} is not set: the default data folder"


def require_data() -> bool:
    """True when ``DLSPEC_REQUIRE_DATA=1``: tests needing data fail instead of skipping."""
    return os.environ.get(REQUIRE_DATA_ENV, "").strip().lower() in {"1", "true", "yes"}


def data_path(relpath: str, *, root: str | os.PathLike | None = None) -> Path:
    """Return the path of the course file ``relpath``, raising a helpful error if it is absent.

    Args:
        relpath: path inside the data folder, e.g. ``"course1/catvnoncat/train_catvnoncat.h5"``.
        root: data folder to use instead of :func:`data_dir`.

    Raises:
        DataNotFoundError: naming the file, the folder searched and how to fix it (also when
            the data folder is a file).

    Example:
        >>> data_path("course1/catvnoncat/train_catvnoncat.h5")  # doctest: +SKIP
        PosixPath('/.../course1/catvnoncat/train_catvnoncat.h5')
    """
    base = Path(root).expanduser() if root is not None else data_dir()
    origin = "the root argument" if root is not None else data_dir_origin()
    if base.is_file():
        raise DataNotFoundError(
            f"The course data folder {base} ({origin}) is a file, not a folder. Point "
            f"{DATA_DIR_ENV} at the folder that holds course1/, course2/ and course4/. "
            + HOW_TO_GET_DATA
        )
    path = base / relpath
    if not path.exists():
        raise DataNotFoundError(
            f"Course data file not found: {path} ({origin}). " + HOW_TO_GET_DATA
        )
    return path
