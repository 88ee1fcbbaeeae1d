"""The Happy House faces (smiling or not, 64×64×3): C4 W1 "Convolution model application".

The course ships ``train_happy.h5`` (600 images) and ``test_happy.h5`` (150). Only the test file
is in the course data here (``course4/happy/test_happy.h5``); the training file is not
obtainable offline. :func:`load_happy_dataset` therefore reads both files when the training
file is there (the course's split), and otherwise splits the 150 test images with a seeded
permutation into a training part and a held-out part. :attr:`HappyData.source` says which:
``"course"`` or ``"test-split"``, and results computed on the split must be reported as such
(they are not comparable with the course's 600/150 numbers).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlspec.data.arrays import array_dataset, scale_pixels
from dlspec.data.h5 import read_h5
from dlspec.data.paths import CorruptDataError, DataNotFoundError, data_dir, data_path
from dlspec.validation import check_positive

__all__ = [
    "HAPPY_FILES",
    "HAPPY_SPLIT_SEED",
    "HappyData",
    "happy_tf_dataset",
    "load_happy_dataset",
    "read_happy_file",
]

logger = logging.getLogger(__name__)

HAPPY_FILES = {
    "train": "course4/happy/train_happy.h5",
    "test": "course4/happy/test_happy.h5",
}
#: seed of the permutation that splits ``test_happy.h5`` when ``train_happy.h5`` is missing
HAPPY_SPLIT_SEED = 0


@dataclass(frozen=True)
class HappyData:
    """The Happy House arrays, as the course's ``load_happy_dataset`` gives them, and their origin.

    Attributes:
        X_train, X_test: (m, 64, 64, 3) uint8 images.
        Y_train, Y_test: (m, 1) float32 labels (1 = happy), the shape the course feeds ``fit``.
        classes: ``list_classes`` of the files.
        source: ``"course"`` (train_happy.h5 + test_happy.h5) or ``"test-split"`` (a seeded
            split of the 150 images of test_happy.h5).
        description: one sentence saying which images each part holds.
    """

    X_train: np.ndarray
    Y_train: np.ndarray
    X_test: np.ndarray
    Y_test: np.ndarray
    classes: np.ndarray
    source: str
    description: str


def read_happy_file(path: Path, split: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(images, labels, classes)`` of one Happy House h5 file (``split``: train or test),
    checked: (m, 64, 64, 3) uint8 images, one label each.

    Example:
        >>> path = data_path(HAPPY_FILES["test"])  # doctest: +SKIP
        >>> x, y, classes = read_happy_file(path, "test")  # doctest: +SKIP
    """
    x_key, y_key = f"{split}_set_x", f"{split}_set_y"
    arrays = read_h5(path, [x_key, y_key])
    x, y = arrays[x_key], np.asarray(arrays[y_key]).reshape(-1)
    if x.ndim != 4 or x.shape[1:] != (64, 64, 3) or x.dtype != np.uint8 or len(y) != len(x):
        raise CorruptDataError(
            f"{path}: expected {x_key} of shape (m, 64, 64, 3) uint8 and m labels; "
            f"got {x.shape} {x.dtype} and {len(y)} labels."
        )
    if not np.isin(y, (0, 1)).all():
        raise CorruptDataError(
            f"{path}: expected labels in {{0, 1}}; got {sorted(set(y.tolist()))[:10]}."
        )
    try:
        classes = np.asarray(read_h5(path, ["list_classes"])["list_classes"])
    except CorruptDataError:  # optional key
        classes = np.array([0, 1])
    return x, y.astype(np.float32).reshape(-1, 1), classes


def load_happy_dataset(
    root: str | os.PathLike | None = None,
    *,
    train_fraction: float = 0.8,
    seed: int = HAPPY_SPLIT_SEED,
) -> HappyData:
    """Load Happy House as the course's ``load_happy_dataset``, or a seeded split of its test file.

    Args:
        root: data folder; defaults to ``$DLSPEC_DATA_DIR``.
        train_fraction: with only ``test_happy.h5`` present, the fraction of its 150 images
            used for training (the rest is held out). Ignored when ``train_happy.h5`` exists.
        seed: seed of that split's permutation (stratified by label).

    Returns:
        A :class:`HappyData`; labels are (m, 1) float32. With the course's files: 600 / 150
        images; with the test file only and the defaults: 120 / 30, ``source="test-split"``.

    Raises:
        DataNotFoundError: ``test_happy.h5`` is missing (the message names both files and
            where they go).
        CorruptDataError: an unreadable file or arrays that are not the course's.

    Example:
        >>> data = load_happy_dataset()  # doctest: +SKIP
        >>> data.source, data.X_train.shape, data.Y_train.shape  # doctest: +SKIP
        ('test-split', (120, 64, 64, 3), (120, 1))
    """
    if not 0.0 < float(train_fraction) < 1.0:
        raise ValueError(f"train_fraction must be in (0, 1); got {train_fraction!r}.")
    base = Path(root).expanduser() if root is not None else data_dir()
    train_path = base / HAPPY_FILES["train"]
    try:
        test_path = data_path(HAPPY_FILES["test"], root=root)
    except DataNotFoundError as err:
        raise DataNotFoundError(
            f"Happy House needs the course's '{HAPPY_FILES['test']}' (150 images) and, for the "
            f"course's split, '{HAPPY_FILES['train']}' (600 images; "
            f"{'present' if train_path.exists() else 'missing too'}). {err}"
        ) from err
    X_test, Y_test, classes = read_happy_file(test_path, "test")
    if train_path.exists():
        X_train, Y_train, _ = read_happy_file(train_path, "train")
        return HappyData(
            X_train,
            Y_train,
            X_test,
            Y_test,
            classes,
            "course",
            f"the course's split: {len(X_train)} training images (train_happy.h5), "
            f"{len(X_test)} test images (test_happy.h5)",
        )
    rng = np.random.default_rng(seed)
    train_idx, held_idx = [], []
    for label in (0.0, 1.0):  # stratified: each part keeps the file's class balance
        idx = rng.permutation(np.flatnonzero(Y_test[:, 0] == label))
        n_train = int(round(train_fraction * len(idx)))
        train_idx.extend(idx[:n_train])
        held_idx.extend(idx[n_train:])
    train_idx = rng.permutation(np.array(train_idx, dtype=np.int64))
    held_idx = np.sort(np.array(held_idx, dtype=np.int64))
    description = (
        f"a seeded split (seed={seed}) of the {len(X_test)} images of test_happy.h5: "
        f"{len(train_idx)} for training, {len(held_idx)} held out; the course's "
        "train_happy.h5 (600 images) is missing, so numbers are not the course's"
    )
    logger.warning("Happy House: %s is not there; using %s.", HAPPY_FILES["train"], description)
    return HappyData(
        X_test[train_idx],
        Y_test[train_idx],
        X_test[held_idx],
        Y_test[held_idx],
        classes,
        "test-split",
        description,
    )


def happy_tf_dataset(
    images: np.ndarray,
    labels: np.ndarray,
    *,
    batch_size: int = 16,
    shuffle: bool = True,
    seed: int = 0,
) -> tf.data.Dataset:  # noqa: F821 (TensorFlow is imported lazily)
    """Happy House arrays as a ``tf.data`` pipeline: cache → shuffle → batch → scale → prefetch.

    Images become float32 in [0, 1] (the course's ``X / 255``); labels stay (1,) float32.

    Example:
        >>> ds = happy_tf_dataset(np.zeros((4, 64, 64, 3), np.uint8), np.ones((4, 1)),
        ...                       batch_size=2)
        >>> [tuple(t.shape) for t in next(iter(ds))]
        [(2, 64, 64, 3), (2, 1)]
    """
    images, labels = np.asarray(images), np.asarray(labels, dtype=np.float32)
    if images.ndim != 4 or images.shape[1:] != (64, 64, 3):
        raise ValueError(f"images must have shape (m, 64, 64, 3); got {images.shape}.")
    if labels.shape != (len(images), 1):
        raise ValueError(f"labels must have shape (m, 1) = ({len(images)}, 1); got {labels.shape}.")
    check_positive(batch_size, "batch_size", integer=True)
    return array_dataset(
        (images, labels), batch_size=batch_size, shuffle=shuffle, seed=seed, map_fn=scale_pixels
    )
