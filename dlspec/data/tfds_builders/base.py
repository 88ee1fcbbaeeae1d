"""The base class of dlspec's tensorflow-datasets builders, their configs and their registry.

A dlspec tfds builder subclasses :class:`DlspecBuilder`: it names the folder of the course data
that holds its files (``DATA_RELDIR``, relative to the data folder ``$DLSPEC_DATA_DIR``) and
reads them with dlspec's own loaders (:mod:`dlspec.data.catvnoncat`, :mod:`dlspec.data.signs`,
...). Nothing is downloaded, and no tfds ``manual_dir`` is needed: the data folder is
``$DLSPEC_DATA_DIR`` or the builder argument ``data_root``.

**One prepared copy per data folder.** The builder's config is derived from the data it reads
(:func:`course_data_config`): its name, ``data_<12 hex digits>``, hashes the resolved folder
``<data folder>/<DATA_RELDIR>`` with the name, size and modification time of every file in it.
tfds keeps each config in its own directory (``<tfds data_dir>/<dataset>/<config>/<version>``),
so a dataset prepared from one data folder is never read back for another one, nor after a file
was added, removed or replaced (say ``train_happy.h5`` arrives): tfds prepares it again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import os
from pathlib import Path
from typing import Any, ClassVar

import tensorflow_datasets as tfds
from etils import epath

from dlspec.data import paths

__all__ = [
    "BUILDERS",
    "CourseDataConfig",
    "DlspecBuilder",
    "course_data_config",
    "folder_fingerprint",
    "manual_download_instructions",
]

#: every concrete dlspec builder, by dataset name (filled as the builder modules are imported)
BUILDERS: dict[str, type[DlspecBuilder]] = {}


@dataclasses.dataclass(eq=False)
class CourseDataConfig(tfds.core.BuilderConfig):
    """A tfds builder config that names the course-data folder a dataset is prepared from.

    Attributes:
        data_root: the resolved data folder (``$DLSPEC_DATA_DIR`` or ``data_root=``); the
            builder reads ``<data_root>/<DATA_RELDIR>``.

    Example:
        >>> config = CourseDataConfig(name="data_0123456789ab", data_root="/data")
        >>> config.data_root
        '/data'
    """

    data_root: str = ""


def folder_fingerprint(folder: Path) -> str:
    """12 hex digits identifying a folder and its files (names, sizes, modification times).

    Hidden files and folders (``.name``) are ignored; an absent folder has a fingerprint too.

    Example:
        >>> a = folder_fingerprint(Path("/nowhere/a"))
        >>> len(a), a == folder_fingerprint(Path("/nowhere/b"))
        (12, False)
    """
    digest = hashlib.sha256(os.fsencode(folder))
    if not folder.is_dir():
        digest.update(b"\0absent")
        return digest.hexdigest()[:12]
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        stat = path.stat()
        digest.update(f"\0{relative.as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:12]


def course_data_config(data_root: str | os.PathLike, reldir: str) -> CourseDataConfig:
    """The config of a dlspec dataset read from ``<data_root>/<reldir>``, named by its content.

    Example:
        >>> config = course_data_config("/nowhere", "course4/happy")
        >>> config.name.startswith("data_"), config.data_root
        (True, '/nowhere')
    """
    root = Path(data_root).expanduser().resolve()
    folder = root / reldir
    return CourseDataConfig(
        name=f"data_{folder_fingerprint(folder)}",
        description=f"Prepared from the course files in {folder}.",
        data_root=str(root),
    )


def manual_download_instructions(reldir: str, files: str, note: str = "") -> str:
    """The ``MANUAL_DOWNLOAD_INSTRUCTIONS`` text of a dlspec builder: which files go where.

    Args:
        reldir: folder of the files inside the course data (``$DLSPEC_DATA_DIR``).
        files: the files the builder reads, in words (``"train_catvnoncat.h5 and ..."``).
        note: an extra sentence (where the files come from, stand-ins, ...).

    Returns:
        The instructions, as shown by tensorflow-datasets and in dlspec's errors.

    Example:
        >>> text = manual_download_instructions("course4/happy", "test_happy.h5")
        >>> "$DLSPEC_DATA_DIR/course4/happy" in text
        True
    """
    text = (
        f"Nothing is downloaded: put {files} (the course's files) in "
        f"$DLSPEC_DATA_DIR/{reldir}, or in <FOLDER>/{reldir} and pass "
        "builder_kwargs={'data_root': FOLDER} to tfds.load. `dlspec data check` verifies them."
    )
    return f"{text} {note}".strip()


class DlspecBuilder(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """Base class of dlspec's tfds builders: course files read offline from the data folder.

    Subclasses set ``DATA_RELDIR`` (their folder inside the data folder),
    ``MANUAL_DOWNLOAD_INSTRUCTIONS`` (use :func:`manual_download_instructions`), ``VERSION``,
    and the usual ``_info`` / ``_split_generators`` / ``_generate_examples``, reading the files
    under :attr:`course_root` with dlspec's loaders. Concrete subclasses register with
    tensorflow-datasets under their snake-case class name (``DlspecHappyHouse`` →
    ``dlspec_happy_house``) and in :data:`BUILDERS`.

    Args:
        data_root: the data folder in dlspec's layout; ``None`` = ``$DLSPEC_DATA_DIR`` (read
            when the builder is made). Pass it through ``tfds.load(...,
            builder_kwargs={"data_root": FOLDER})``.
        **kwargs: tfds' builder arguments (``data_dir``, ``config``, ``version``, ...).

    Raises:
        ValueError: from ``download_and_prepare``, when a ``download_config.manual_dir`` names
            another folder than the one the config was made for.

    Example:
        >>> builder = tfds.builder("dlspec_happy_house", data_dir=TFDS_DIR)  # doctest: +SKIP
        >>> builder.builder_config.name, builder.course_folder  # doctest: +SKIP
        ('data_5f0c1d2e3a4b', PosixPath('/data/course4/happy'))
    """

    DATA_RELDIR: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.DATA_RELDIR and not kwargs.get("skip_registration"):
            BUILDERS[cls.name] = cls

    def __init__(self, *, data_root: str | os.PathLike | None = None, **kwargs: Any) -> None:
        root = paths.data_dir() if data_root is None else Path(data_root).expanduser()
        self._data_root = root.resolve()
        super().__init__(**kwargs)
        self._original_state["data_root"] = str(self._data_root)  # kept when pickled

    def get_default_builder_config(self) -> CourseDataConfig:
        """The config of the data folder this builder was made for (see the module docs)."""
        return course_data_config(self._data_root, self.DATA_RELDIR)

    @property
    def course_root(self) -> Path:
        """The data folder the examples are read from (the config's ``data_root``)."""
        config = self.builder_config
        if isinstance(config, CourseDataConfig) and config.data_root:
            return Path(config.data_root)
        return self._data_root

    @property
    def course_folder(self) -> Path:
        """``<course_root>/<DATA_RELDIR>``: the folder holding this dataset's files."""
        return self.course_root / self.DATA_RELDIR

    @tfds.core.utils.classproperty
    @classmethod
    def code_path(cls) -> epath.Path | None:
        """The file defining the builder (tfds' own fallback, used directly).

        tensorflow-datasets 4.9.x first tries ``importlib_resources``, a package it does not
        declare as a dependency on Python >= 3.9; without it ``download_and_prepare`` fails
        with ``ModuleNotFoundError``. The file path is all that tfds needs from this property.
        """
        return epath.Path(inspect.getfile(cls))

    def download_and_prepare(self, *, download_config: Any = None, **kwargs: Any) -> None:
        """tfds' ``download_and_prepare``, refusing a ``manual_dir`` the config does not name.

        The course files are read from :attr:`course_folder`. A ``manual_dir`` pointing
        elsewhere would store that folder's data under this folder's config, so it raises.
        """
        manual_dir = getattr(download_config, "manual_dir", None)
        if manual_dir is not None:
            given = Path(os.fspath(manual_dir)).expanduser().resolve()
            if given != self.course_folder:
                raise ValueError(
                    f"tfds dataset {self.name!r}: manual_dir={given} is not the folder this "
                    f"builder reads, {self.course_folder} (config {self.builder_config.name}). "
                    f"Point {paths.DATA_DIR_ENV} at the data folder holding {self.DATA_RELDIR}/, "
                    "or pass builder_kwargs={'data_root': FOLDER} instead of manual_dir."
                )
        super().download_and_prepare(download_config=download_config, **kwargs)

    def require_files(self, *relpaths: str) -> dict[str, Path]:
        """Return ``{relpath: path}`` under :attr:`course_folder`; raise when any is missing.

        Raises:
            DataNotFoundError: names every missing file, the folder, and ``DLSPEC_DATA_DIR``.

        Example:
            >>> files = self.require_files("train_catvnoncat.h5")  # doctest: +SKIP
        """
        folder = self.course_folder
        missing = [rel for rel in relpaths if not (folder / rel).is_file()]
        if missing:
            env = os.environ.get(paths.DATA_DIR_ENV)
            env_text = f"{paths.DATA_DIR_ENV}={env}" if env else f"{paths.DATA_DIR_ENV} is not set"
            raise paths.DataNotFoundError(
                f"tfds dataset {self.name!r}: course file(s) {missing} not found in {folder} "
                f"({env_text}). {self.MANUAL_DOWNLOAD_INSTRUCTIONS}"
            )
        return {rel: folder / rel for rel in relpaths}
