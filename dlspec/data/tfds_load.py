"""Course data as tensorflow-datasets datasets, built offline from files in a manual folder.

A dlspec tfds builder subclasses :class:`DlspecBuilder`: it names the folder of the course data
that holds its files (``DATA_RELDIR``, relative to ``$DLSPEC_DATA_DIR``) and the files themselves
(``DATA_FILES``). tensorflow-datasets never downloads them: it reads them from
``dl_manager.manual_dir``. :func:`load_tfds` is ``tfds.load`` with that manual folder defaulting
to ``$DLSPEC_DATA_DIR/<DATA_RELDIR>``, so the common case is one line.

Adding a course's data set: subclass :class:`DlspecBuilder` in
``dlspec/data/tfds_builders/<name>.py`` (see ``catvnoncat.py``) and import the module in
``dlspec/data/tfds_builders/__init__.py``.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
from pathlib import Path
from typing import Any, ClassVar

import tensorflow_datasets as tfds
from etils import epath

from dlspec.data import paths

__all__ = [
    "DlspecBuilder",
    "dlspec_builder",
    "dlspec_datasets",
    "load_tfds",
    "manual_download_instructions",
]

_BUILDERS: dict[str, type[DlspecBuilder]] = {}


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
            _BUILDERS[cls.name] = cls

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


def dlspec_datasets() -> list[str]:
    """Names of the tfds datasets that dlspec defines (and registers with tensorflow-datasets).

    Example:
        >>> "catvnoncat" in dlspec_datasets()
        True
    """
    import dlspec.data.tfds_builders  # noqa: F401 (importing the builders registers them)

    return sorted(_BUILDERS)


def dlspec_builder(name: str) -> type[DlspecBuilder]:
    """The builder class of a dlspec tfds dataset (``"catvnoncat"``, ``"catvnoncat:1.0.0"``).

    Raises:
        ValueError: ``name`` is not a dlspec dataset; the message lists those that are.

    Example:
        >>> dlspec_builder("catvnoncat").DATA_RELDIR
        'course1/catvnoncat'
    """
    known = dlspec_datasets()
    base = name.split(":", 1)[0].split("/", 1)[0]
    if base not in _BUILDERS:
        raise ValueError(
            f"{name!r} is not a dlspec tfds dataset; those are {known}. Public datasets load with "
            "tfds.load (which needs internet the first time)."
        )
    return _BUILDERS[base]


def load_tfds(
    name: str,
    split: Any = None,
    *,
    data_dir: str | os.PathLike | None = None,
    manual_dir: str | os.PathLike | None = None,
    **kwargs: Any,
) -> Any:
    """``tfds.load`` for a dlspec dataset, prepared offline from the course files.

    The first call writes the dataset (TFRecords) under ``data_dir``; later calls read it back.
    The course files are read from ``manual_dir``, by default ``$DLSPEC_DATA_DIR/<folder of the
    dataset>`` (``course1/catvnoncat`` for ``"catvnoncat"``).

    Args:
        name: dataset name, optionally with a version (``"catvnoncat:1.0.0"``).
        split: as in ``tfds.load`` (``"train"``, ``"test[:10]"``, ``None`` for all splits).
        data_dir: where tfds keeps prepared datasets; ``None`` = tfds' default
            (``$TFDS_DATA_DIR`` or ``~/tensorflow_datasets``).
        manual_dir: folder holding the course files; ``None`` = ``$DLSPEC_DATA_DIR/<folder>``.
        **kwargs: passed to ``tfds.load`` (``as_supervised``, ``batch_size``, ``with_info``,
            ``shuffle_files``, ``read_config``, ...). A ``download_config`` given in
            ``download_and_prepare_kwargs`` is kept, with ``manual_dir`` filled in if unset.

    Returns:
        What ``tfds.load`` returns: a ``tf.data.Dataset`` (or a dict of them, or a
        ``(dataset, info)`` pair with ``with_info=True``).

    Raises:
        DataNotFoundError: the dataset is not prepared yet and a course file is missing from
            the manual folder (the message names the files, the folder and ``DLSPEC_DATA_DIR``).
        ValueError: ``name`` is not a dlspec dataset.

    Example:
        >>> ds = load_tfds("catvnoncat", "train", as_supervised=True)  # doctest: +SKIP
        >>> for image, label in ds.take(1):  # doctest: +SKIP
        ...     print(image.shape, image.dtype, label.numpy())
        (64, 64, 3) <dtype: 'uint8'> 0
    """
    builder_cls = dlspec_builder(name)
    if manual_dir is None:
        manual_dir = paths.data_dir() / builder_cls.DATA_RELDIR
    manual_dir = Path(manual_dir).expanduser()

    prepare_kwargs = dict(kwargs.pop("download_and_prepare_kwargs", None) or {})
    config = prepare_kwargs.get("download_config")
    if config is None:
        config = tfds.download.DownloadConfig(manual_dir=manual_dir)
    elif config.manual_dir is None:
        config = dataclasses.replace(config, manual_dir=manual_dir)
    prepare_kwargs["download_config"] = config
    return tfds.load(
        name,
        split=split,
        data_dir=None if data_dir is None else os.fspath(data_dir),
        download_and_prepare_kwargs=prepare_kwargs,
        **kwargs,
    )
