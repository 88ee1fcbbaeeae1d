"""Course data as tensorflow-datasets datasets: registration with tfds, and ``load_tfds``.

dlspec's tfds builders (:mod:`dlspec.data.tfds_builders`) read the course files offline from
``$DLSPEC_DATA_DIR``; plain ``tfds.load("dlspec_signs", data_dir=...)`` works once they are
registered with tfds. This module imports neither TensorFlow nor tensorflow-datasets, so that
``import dlspec.data`` can call :func:`register_with_tfds`: it registers the builders at once
when tensorflow-datasets is already imported, and otherwise right after it is first imported
(a one-shot import hook on ``tensorflow_datasets``). Registering imports neither TensorFlow nor
the images.

Adding a course's data set: subclass ``DlspecBuilder`` in
``dlspec/data/tfds_builders/<name>.py`` (see ``catvnoncat.py``) and import the module in
``dlspec/data/tfds_builders/__init__.py``.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import logging
import os
import sys
from types import ModuleType
from typing import Any

__all__ = ["dlspec_builder", "dlspec_datasets", "load_tfds", "register_with_tfds"]

logger = logging.getLogger(__name__)

_TFDS = "tensorflow_datasets"


def _register_builders() -> None:
    """Import :mod:`dlspec.data.tfds_builders` (which registers them); never raise."""
    try:
        # lazy: the builders import tensorflow-datasets, which `import dlspec.data` must not
        import dlspec.data.tfds_builders  # noqa: F401
    except Exception as err:  # noqa: BLE001 (a failure here must not break the user's import)
        logger.warning("dlspec's tfds builders could not be registered: %r", err)


class _LoaderThenRegister(importlib.abc.Loader):
    """Wraps tensorflow-datasets' loader: run it, then register dlspec's builders."""

    def __init__(self, loader: importlib.abc.Loader) -> None:
        self._loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        _register_builders()

    def __getattr__(self, name: str) -> Any:  # resource readers etc. of the real loader
        return getattr(self._loader, name)


class _RegisterAfterTfdsImport(importlib.abc.MetaPathFinder):
    """One-shot finder: when ``tensorflow_datasets`` is imported, register after it loads."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != _TFDS:
            return None
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is not None and spec.loader is not None:
            spec.loader = _LoaderThenRegister(spec.loader)
        return spec


def register_with_tfds() -> bool:
    """Register dlspec's builders with tfds: now if it is imported, else right after it is.

    ``import dlspec.data`` calls this; it never imports tensorflow-datasets itself.

    Returns:
        True if the builders were registered now, False if that waits for the first
        ``import tensorflow_datasets``.

    Example:
        >>> register_with_tfds()  # doctest: +SKIP
        False
        >>> import tensorflow_datasets as tfds  # doctest: +SKIP
        >>> "dlspec_signs" in tfds.list_builders(with_community_datasets=False)  # doctest: +SKIP
        True
    """
    if _TFDS in sys.modules:
        _register_builders()
        return True
    if not any(isinstance(finder, _RegisterAfterTfdsImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _RegisterAfterTfdsImport())
    return False


def dlspec_datasets() -> list[str]:
    """Names of the tfds datasets that dlspec defines (and registers with tensorflow-datasets).

    Example:
        >>> dlspec_datasets()  # doctest: +SKIP
        ['dlspec_alpaca', 'dlspec_carla', 'dlspec_catvnoncat', 'dlspec_happy_house', 'dlspec_signs']
    """
    # lazy: the builders import tensorflow-datasets (see the module docs)
    from dlspec.data.tfds_builders.base import BUILDERS

    _register_builders()
    return sorted(BUILDERS)


def dlspec_builder(name: str) -> type:
    """The builder class of a dlspec tfds dataset (``"dlspec_signs"``, ``"dlspec_signs:1.0.0"``).

    Raises:
        ValueError: ``name`` is not a dlspec dataset; the message lists those that are.

    Example:
        >>> dlspec_builder("dlspec_catvnoncat").DATA_RELDIR  # doctest: +SKIP
        'course1/catvnoncat'
    """
    # lazy: the builders import tensorflow-datasets (see the module docs)
    from dlspec.data.tfds_builders.base import BUILDERS

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
    data_root: str | os.PathLike | None = None,
    **kwargs: Any,
) -> Any:
    """``tfds.load`` for a dlspec dataset, prepared offline from the course files.

    The same as ``tfds.load(name, split=split, data_dir=data_dir, ...)`` once the builders are
    registered, plus a clear error for a name that is not dlspec's and a ``data_root``
    shortcut. The first call writes the dataset (TFRecords) under ``data_dir``, in a config
    named after the course-data folder it read; later calls read it back.

    Args:
        name: dataset name, optionally with a version (``"dlspec_catvnoncat:1.0.0"``).
        split: as in ``tfds.load`` (``"train"``, ``"test[:10]"``, ``None`` for all splits).
        data_dir: where tfds keeps prepared datasets; ``None`` = tfds' default
            (``$TFDS_DATA_DIR`` or ``~/tensorflow_datasets``).
        data_root: the course-data folder (dlspec's layout); ``None`` = ``$DLSPEC_DATA_DIR``.
        **kwargs: passed to ``tfds.load`` (``as_supervised``, ``batch_size``, ``with_info``,
            ``builder_kwargs``, ``download_and_prepare_kwargs``, ...).

    Returns:
        What ``tfds.load`` returns: a ``tf.data.Dataset`` (or a dict of them, or a
        ``(dataset, info)`` pair with ``with_info=True``).

    Raises:
        DataNotFoundError: the dataset is not prepared yet and a course file is missing (the
            message names the files, the folder and ``DLSPEC_DATA_DIR``).
        ValueError: ``name`` is not a dlspec dataset.

    Example:
        >>> ds = load_tfds("dlspec_catvnoncat", "train", as_supervised=True)  # doctest: +SKIP
        >>> for image, label in ds.take(1):  # doctest: +SKIP
        ...     print(image.shape, image.dtype, label.numpy())
        (64, 64, 3) <dtype: 'uint8'> 0
    """
    # lazy: tensorflow-datasets (and TensorFlow) load only when a dataset is loaded
    import tensorflow_datasets as tfds

    dlspec_builder(name)
    if data_root is not None:
        kwargs["builder_kwargs"] = {**(kwargs.get("builder_kwargs") or {}), "data_root": data_root}
    return tfds.load(
        name,
        split=split,
        data_dir=None if data_dir is None else os.fspath(data_dir),
        **kwargs,
    )
