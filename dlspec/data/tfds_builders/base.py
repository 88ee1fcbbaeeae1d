"""The base class of dlspec's tensorflow-datasets builders and their registry.

A dlspec tfds builder subclasses :class:`DlspecBuilder`: it names the folder of the course data
that holds its files (``DATA_RELDIR``, relative to ``$DLSPEC_DATA_DIR``) and the files themselves
(``DATA_FILES``). tensorflow-datasets never downloads them: it reads them from
``dl_manager.manual_dir`` (:func:`dlspec.data.tfds_load.load_tfds` points it at the course data).
"""

from __future__ import annotations

import inspect
import os
from pathlib import Path
from typing import Any, ClassVar

import tensorflow_datasets as tfds
from etils import epath

from dlspec.data import paths

__all__ = ["BUILDERS", "DlspecBuilder", "manual_download_instructions"]

#: every concrete dlspec builder, by dataset name (filled as the builder modules are imported)
BUILDERS: dict[str, type[DlspecBuilder]] = {}


def manual_download_instructions(reldir: str, files: tuple[str, ...], note: str = "") -> str:
    """The ``MANUAL_DOWNLOAD_INSTRUCTIONS`` text of a dlspec builder: which files go where.

    Args:
        reldir: folder of the files inside the course data (``$DLSPEC_DATA_DIR``).
        files: names of the files the builder reads from its manual folder.
        note: an extra sentence (where the files come from, stand-ins, ...).

    Returns:
        The instructions, as shown by tensorflow-datasets and in dlspec's errors.

    Example:
        >>> text = manual_download_instructions("course1/catvnoncat", ("train_catvnoncat.h5",))
        >>> "$DLSPEC_DATA_DIR/course1/catvnoncat" in text
        True
    """
    listed = ", ".join(files)
    text = (
        f"Put {listed} (the course's files) in one folder and pass it as manual_dir: "
        f"tfds.load(..., download_and_prepare_kwargs={{'download_config': "
        f"tfds.download.DownloadConfig(manual_dir=FOLDER)}}). "
        f"dlspec.data.load_tfds uses $DLSPEC_DATA_DIR/{reldir} by default, i.e. the layout of "
        f"the course data folder ({reldir}/{files[0]}, ...). "
        "`dlspec data check` verifies the files."
    )
    return f"{text} {note}".strip()


class DlspecBuilder(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """Base class of dlspec's tfds builders: course files read offline from ``manual_dir``.

    Subclasses set ``DATA_RELDIR`` (their folder inside ``$DLSPEC_DATA_DIR``), ``DATA_FILES``
    (the file names that must be in the manual folder), ``MANUAL_DOWNLOAD_INSTRUCTIONS``
    (use :func:`manual_download_instructions`), ``VERSION``, and the usual ``_info`` /
    ``_split_generators`` / ``_generate_examples``. In ``_split_generators`` they call
    :meth:`manual_files` to get the paths of their files, which raises
    :class:`~dlspec.data.paths.DataNotFoundError` when one is missing. Concrete subclasses are
    registered with tensorflow-datasets (under their snake-case class name) and with
    :func:`load_tfds`.

    Example:
        >>> class MyCourseData(DlspecBuilder):  # doctest: +SKIP
        ...     VERSION = tfds.core.Version("1.0.0")
        ...     DATA_RELDIR = "course4/happy"
        ...     DATA_FILES = ("test_happy.h5",)
        ...     MANUAL_DOWNLOAD_INSTRUCTIONS = manual_download_instructions(
        ...         DATA_RELDIR, DATA_FILES)
        ...     def _split_generators(self, dl_manager):
        ...         files = self.manual_files(dl_manager)
        ...         return {"test": self._generate_examples(files["test_happy.h5"])}
    """

    DATA_RELDIR: ClassVar[str] = ""
    DATA_FILES: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.DATA_RELDIR and not kwargs.get("skip_registration"):
            BUILDERS[cls.name] = cls

    @tfds.core.utils.classproperty
    @classmethod
    def code_path(cls) -> epath.Path | None:
        """The file defining the builder (tfds' own fallback, used directly).

        tensorflow-datasets 4.9.x first tries ``importlib_resources``, a package it does not
        declare as a dependency on Python >= 3.9; without it ``download_and_prepare`` fails
        with ``ModuleNotFoundError``. The file path is all that tfds needs from this property.
        """
        return epath.Path(inspect.getfile(cls))

    def manual_files(self, dl_manager: tfds.download.DownloadManager) -> dict[str, Path]:
        """Return ``{file name: path}`` for every file of ``DATA_FILES`` in the manual folder.

        Raises:
            DataNotFoundError: the manual folder is absent or empty, or lacks a file; the
                message names the files, the folder, and ``DLSPEC_DATA_DIR``.

        Example:
            >>> files = self.manual_files(dl_manager)  # doctest: +SKIP
            >>> files["train_catvnoncat.h5"]  # doctest: +SKIP
            PosixPath('/data/course1/catvnoncat/train_catvnoncat.h5')
        """
        try:
            folder = Path(os.fspath(dl_manager.manual_dir))
            missing = [name for name in self.DATA_FILES if not (folder / name).is_file()]
        except AssertionError:  # tfds: the manual folder does not exist or is empty
            folder = Path(os.fspath(getattr(dl_manager, "_manual_dir", None) or "?"))
            missing = list(self.DATA_FILES)
        if missing:
            env = os.environ.get(paths.DATA_DIR_ENV)
            env_text = f"{paths.DATA_DIR_ENV}={env}" if env else f"{paths.DATA_DIR_ENV} is not set"
            raise paths.DataNotFoundError(
                f"tfds dataset {self.name!r}: course file(s) {missing} not found in the manual "
                f"folder {folder}. {self.MANUAL_DOWNLOAD_INSTRUCTIONS} ({env_text}.)"
            )
        return {name: folder / name for name in self.DATA_FILES}
