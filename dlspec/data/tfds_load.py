"""Course data as tensorflow-datasets datasets, built offline from files in a manual folder.

The builders (:mod:`dlspec.data.tfds_builders`, subclasses of
:class:`~dlspec.data.tfds_builders.base.DlspecBuilder`) read the course's files from
``dl_manager.manual_dir``. :func:`load_tfds` is ``tfds.load`` with that manual folder defaulting
to ``$DLSPEC_DATA_DIR/<DATA_RELDIR>``, so the common case is one line.

Adding a course's data set: subclass ``DlspecBuilder`` in
``dlspec/data/tfds_builders/<name>.py`` (see ``catvnoncat.py``) and import the module in
``dlspec/data/tfds_builders/__init__.py``.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import tensorflow_datasets as tfds

import dlspec.data.tfds_builders  # noqa: F401 (importing the builders registers them)
from dlspec.data import paths
from dlspec.data.tfds_builders.base import BUILDERS, DlspecBuilder

__all__ = ["dlspec_builder", "dlspec_datasets", "load_tfds"]


def dlspec_datasets() -> list[str]:
    """Names of the tfds datasets that dlspec defines (and registers with tensorflow-datasets).

    Example:
        >>> "catvnoncat" in dlspec_datasets()
        True
    """
    return sorted(BUILDERS)


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
    if base not in BUILDERS:
        raise ValueError(
            f"{name!r} is not a dlspec tfds dataset; those are {known}. Public datasets load with "
            "tfds.load (which needs internet the first time)."
        )
    return BUILDERS[base]


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
