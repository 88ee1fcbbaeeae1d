"""The SIGNS hand-sign images (digits 0–5, 64×64×3): C2 W3 TF intro, C4 W1 and W2 labs.

The course ships ``train_signs.h5`` (1080 images) and ``test_signs.h5`` (120). Each split is
read from its h5 file when present (``course4/signs/{train,test}_signs.h5``); otherwise from
the JPEG stand-in ``course4/signs/64x64_SIGNS/``: the same photos as 64×64 JPEGs, the training
split being ``train_signs/`` + ``val_signs/`` (864 + 216 = 1080) and the test split
``test_signs/``, with the label as the first character of each file name. The JPEG files are put
in a fixed seeded order (the folders group the files by label, which would give minibatches of
a single class); their pixels differ slightly from the course's (resized and JPEG-compressed,
about 3/255 on average), so results trained on them are close to, not equal to, the course's.
:attr:`SignsSplit.source` says which form was used, and loading the stand-in logs a warning
(``dlspec.data.signs`` logger, once per split, folder and seed in a process).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlspec.data.arrays import array_dataset
from dlspec.data.h5 import read_h5
from dlspec.data.paths import (
    DATA_DIR_ENV,
    CorruptDataError,
    DataNotFoundError,
    data_dir,
    data_dir_origin,
    data_path,
)
from dlspec.validation import check_int

__all__ = [
    "SIGNS_CLASSES",
    "SIGNS_FILES",
    "SIGNS_JPEG_DIR",
    "SIGNS_JPEG_FOLDERS",
    "SIGNS_ORDER_SEED",
    "SignsSplit",
    "load_signs",
    "load_signs_dataset",
    "signs_tf_dataset",
]

logger = logging.getLogger(__name__)

SIGNS_FILES = {
    "train": "course4/signs/train_signs.h5",
    "test": "course4/signs/test_signs.h5",
}
SIGNS_JPEG_DIR = "course4/signs/64x64_SIGNS"
#: the stand-in folders of each split, inside :data:`SIGNS_JPEG_DIR`
SIGNS_JPEG_FOLDERS = {"train": ("train_signs", "val_signs"), "test": ("test_signs",)}
#: seed of the fixed order of the JPEG stand-in (a permutation of the sorted file paths)
SIGNS_ORDER_SEED = 0
#: the class labels, as the h5 files' ``list_classes``
SIGNS_CLASSES = np.arange(6, dtype=np.int64)

_SOURCES = ("auto", "h5", "jpeg")
_REPORTED: set[tuple[str, str, int]] = set()  # stand-in loads already logged
_JPEG_SUFFIXES = (".jpg", ".jpeg")


@dataclass(frozen=True)
class SignsSplit:
    """One SIGNS split as arrays, and where it came from.

    Attributes:
        images: (m, 64, 64, 3) uint8.
        labels: (m,) int64 in 0..5 (the h5 files' ``{split}_set_y``).
        classes: ``list_classes``, ``[0 1 2 3 4 5]``.
        source: ``"h5"`` (the course's file) or ``"jpeg"`` (the stand-in).
        paths: the h5 file, or the JPEG files in the order of ``images``.
    """

    images: np.ndarray
    labels: np.ndarray
    classes: np.ndarray
    source: str
    paths: tuple[Path, ...]

    def __len__(self) -> int:
        return len(self.labels)


def _base(root: str | os.PathLike | None) -> Path:
    return Path(root).expanduser() if root is not None else data_dir()


def _origin(root: str | os.PathLike | None) -> str:
    if root is not None:
        return "the root argument"
    return data_dir_origin()


def _check_arrays(x: np.ndarray, y: np.ndarray, where: str) -> None:
    if x.ndim != 4 or x.shape[1:] != (64, 64, 3) or x.dtype != np.uint8 or len(y) != len(x):
        raise CorruptDataError(
            f"{where}: expected images of shape (m, 64, 64, 3) uint8 and m labels; "
            f"got {x.shape} {x.dtype} and {len(y)} labels."
        )
    if len(y) and not np.isin(y, SIGNS_CLASSES).all():
        raise CorruptDataError(
            f"{where}: expected labels in 0..5; got {sorted(set(y.tolist()))[:10]}."
        )


def _read_h5_split(path: Path, split: str) -> SignsSplit:
    x_key, y_key = f"{split}_set_x", f"{split}_set_y"
    arrays = read_h5(path, [x_key, y_key, "list_classes"])
    x, y = arrays[x_key], np.asarray(arrays[y_key]).reshape(-1).astype(np.int64)
    _check_arrays(x, y, str(path))
    return SignsSplit(x, y, np.asarray(arrays["list_classes"]), "h5", (path,))


def _jpeg_files(folders: list[Path]) -> list[Path]:
    files = []
    for folder in folders:
        files.extend(
            p for p in folder.iterdir() if p.suffix.lower() in _JPEG_SUFFIXES and p.is_file()
        )
    return sorted(files, key=lambda p: (p.parent.name, p.name))


def _decode_jpeg(path: Path) -> np.ndarray:
    from PIL import Image

    try:
        with Image.open(path) as image:
            pixels = np.asarray(image.convert("RGB"))
    except (OSError, ValueError, SyntaxError) as err:
        raise CorruptDataError(
            f"Cannot decode the SIGNS image {path} ({err}). The file is truncated or not a "
            "JPEG: copy the 64x64_SIGNS folder again (`dlspec data check` verifies checksums)."
        ) from err
    if pixels.shape != (64, 64, 3):
        raise CorruptDataError(
            f"{path}: expected a 64×64 RGB image like the rest of 64x64_SIGNS; "
            f"got shape {pixels.shape}."
        )
    return pixels


def _label_of(path: Path) -> int:
    first = path.name[:1]
    if not (first.isdigit() and int(first) in SIGNS_CLASSES):
        raise CorruptDataError(
            f"{path}: a SIGNS stand-in file name must start with its label 0..5 "
            f"(e.g. '3_IMG_6088.jpg'); got {path.name!r}."
        )
    return int(first)


def _read_jpeg_split(folders: list[Path], seed: int) -> SignsSplit:
    files = _jpeg_files(folders)
    if not files:
        raise DataNotFoundError(
            f"No .jpg files in {', '.join(map(str, folders))}: copy the 64x64_SIGNS folder "
            "of the course data there."
        )
    labels = np.array([_label_of(p) for p in files], dtype=np.int64)
    order = np.random.default_rng(seed).permutation(len(files))
    files = [files[i] for i in order]
    images = np.stack([_decode_jpeg(p) for p in files])
    return SignsSplit(images, labels[order], SIGNS_CLASSES.copy(), "jpeg", tuple(files))


def load_signs(
    split: str = "train",
    *,
    root: str | os.PathLike | None = None,
    source: str = "auto",
    seed: int = SIGNS_ORDER_SEED,
) -> SignsSplit:
    """Load one SIGNS split as arrays, from the course's h5 file or the JPEG stand-in.

    Args:
        split: ``"train"`` (1080 images) or ``"test"`` (120).
        root: data folder; defaults to ``$DLSPEC_DATA_DIR``.
        source: ``"auto"`` uses ``course4/signs/{split}_signs.h5`` when it exists, else the
            JPEG stand-in; ``"h5"`` / ``"jpeg"`` force one form.
        seed: seed of the fixed order of the JPEG files (ignored for h5 files, whose order is
            the course's).

    Returns:
        A :class:`SignsSplit`: ``images`` (m, 64, 64, 3) uint8, ``labels`` (m,) int64,
        ``classes``, ``source`` (``"h5"`` or ``"jpeg"``) and the files read.

    Raises:
        DataNotFoundError: neither form of the split is there (the message names both).
        CorruptDataError: an unreadable h5 file or JPEG (named), or arrays of the wrong shape.

    Example:
        >>> train = load_signs("train")  # doctest: +SKIP
        >>> train.images.shape, train.labels.shape, train.source  # doctest: +SKIP
        ((1080, 64, 64, 3), (1080,), 'jpeg')
    """
    if split not in SIGNS_FILES:
        raise ValueError(f"split must be one of {sorted(SIGNS_FILES)}; got {split!r}.")
    if source not in _SOURCES:
        raise ValueError(f"source must be one of {_SOURCES}; got {source!r}.")
    h5_rel = SIGNS_FILES[split]
    jpeg_rels = [f"{SIGNS_JPEG_DIR}/{folder}" for folder in SIGNS_JPEG_FOLDERS[split]]

    if source in ("auto", "h5"):
        path = _base(root) / h5_rel
        if path.exists() or source == "h5":
            path = data_path(h5_rel, root=root)  # raises the standard error when forced
            logger.info("SIGNS %s split: the course's file %s.", split, path)
            return _read_h5_split(path, split)

    folders = [_base(root) / rel for rel in jpeg_rels]
    missing = [f"{rel}/" for rel, folder in zip(jpeg_rels, folders) if not folder.is_dir()]
    if missing:
        raise DataNotFoundError(
            f"SIGNS {split} split not found in {_base(root)} ({_origin(root)}): "
            + (f"the course's file '{h5_rel}' is not there, nor " if source == "auto" else "")
            + f"the JPEG stand-in (missing: {', '.join(missing)}). Put "
            + (f"'{h5_rel}' (the course's file) or " if source == "auto" else "")
            + f"the folders {' + '.join(f'{rel}/' for rel in jpeg_rels)} (the stand-in) in the "
            f"data folder, or point {DATA_DIR_ENV} at a folder holding them. "
            "`dlspec data check` lists what is present and what is missing."
        )
    data = _read_jpeg_split(folders, seed)
    key = (split, str(_base(root).resolve()), seed)
    if key in _REPORTED:  # said once per process: the same load repeats in pipelines
        return data
    _REPORTED.add(key)
    logger.warning(
        "SIGNS %s split: %s, so the JPEG stand-in %s is used (%d images in a seeded order, "
        "seed=%d; pixels differ slightly from the course's h5 file).",
        split,
        f"{h5_rel} is not there" if source == "auto" else "source='jpeg'",
        " + ".join(f"{rel}/" for rel in jpeg_rels),
        len(data),
        seed,
    )
    return data


def load_signs_dataset(root: str | os.PathLike | None = None):
    """Load SIGNS as Course 4's ``load_dataset`` (``cnn_utils`` / ``resnets_utils``) does.

    Each split comes from its h5 file when present, else from the JPEG stand-in (see
    :func:`load_signs`, which also says which form was used).

    Returns:
        ``(X_train_orig, Y_train_orig, X_test_orig, Y_test_orig, classes)``: images
        (1080, 64, 64, 3) and (120, 64, 64, 3) uint8, labels (1, 1080) and (1, 120) int64,
        and ``classes`` = ``[0 1 2 3 4 5]``. (The C2W3 TF lab reads the labels as (m,)
        vectors: ``Y_train_orig[0]``, or :func:`load_signs`.)

    Example:
        >>> X_train_orig, Y_train_orig, X_test_orig, Y_test_orig, classes = (
        ...     load_signs_dataset())  # doctest: +SKIP
        >>> Y_train_orig.shape  # doctest: +SKIP
        (1, 1080)
    """
    train = load_signs("train", root=root)
    test = load_signs("test", root=root)
    return (
        train.images,
        train.labels.reshape(1, -1),
        test.images,
        test.labels.reshape(1, -1),
        train.classes,
    )


def signs_tf_dataset(
    split: str = "train",
    *,
    batch_size: int | None = 32,
    shuffle: bool = True,
    seed: int = 0,
    flatten: bool = False,
    one_hot: bool = False,
    root: str | os.PathLike | None = None,
    source: str = "auto",
) -> tf.data.Dataset:  # noqa: F821 (TensorFlow is imported lazily)
    """A SIGNS split as a ``tf.data`` pipeline of ``(image, label)`` pairs.

    Images are float32 in [0, 1], (64, 64, 3) or, with ``flatten``, (12288,) as the C2W3 lab's
    ``normalize`` gives; labels int64 scalars or, with ``one_hot``, float32 vectors (6,).
    Order: cache → shuffle (seeded, reshuffled each epoch) → batch → map → prefetch. With
    ``shuffle=False`` the batches follow :func:`load_signs`'s order, as the course's
    ``dataset.batch(32)`` minibatches do.

    Example:
        >>> ds = signs_tf_dataset("train", shuffle=False, flatten=True,
        ...                       one_hot=True)  # doctest: +SKIP
        >>> [tuple(t.shape) for t in next(iter(ds))]  # doctest: +SKIP
        [(32, 12288), (32, 6)]
    """
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", minimum=1)
    import tensorflow as tf

    data = load_signs(split, root=root, source=source)
    n_classes = len(SIGNS_CLASSES)

    def prepare(images, labels):
        images = tf.cast(images, tf.float32) / 255.0
        if flatten:
            images = tf.reshape(images, tf.concat([tf.shape(images)[:-3], [64 * 64 * 3]], 0))
        if one_hot:
            labels = tf.one_hot(labels, n_classes, dtype=tf.float32)
        return images, labels

    return array_dataset(
        (data.images, data.labels),
        batch_size=batch_size,
        shuffle=shuffle,
        seed=seed,
        map_fn=prepare,
    )
