"""The cat / non-cat images of Course 1 (W2 logistic regression, W4 deep NN application)."""

from __future__ import annotations

import os

import numpy as np

from dlspec.data.arrays import array_dataset
from dlspec.data.h5 import read_h5
from dlspec.data.paths import CorruptDataError, data_path

__all__ = [
    "CATVNONCAT_FILES",
    "CLASS_NAMES",
    "read_catvnoncat_file",
    "load_dataset",
    "flatten_images",
    "catvnoncat_tf_dataset",
]

CATVNONCAT_FILES = {
    "train": "course1/catvnoncat/train_catvnoncat.h5",
    "test": "course1/catvnoncat/test_catvnoncat.h5",
}


CLASS_NAMES = ("non-cat", "cat")


def read_catvnoncat_file(path: str | os.PathLike, split: str):
    """Read and validate one course h5 file: ``(images, labels (1, m), classes)``.

    Raises:
        CorruptDataError: unreadable file, or arrays that are not the course's (images
            (m, 64, 64, 3) uint8, m labels in {0, 1}, classes ``[b'non-cat', b'cat']``).
    """
    x_key, y_key = f"{split}_set_x", f"{split}_set_y"
    arrays = read_h5(path, [x_key, y_key, "list_classes"])
    x, y, classes = arrays[x_key], arrays[y_key].reshape(1, -1), arrays["list_classes"]
    names = tuple(c.decode() if isinstance(c, bytes) else str(c) for c in classes)
    if x.ndim != 4 or x.shape[1:] != (64, 64, 3) or x.dtype != np.uint8 or y.shape[1] != len(x):
        raise CorruptDataError(
            f"{path}: expected {x_key} of shape (m, 64, 64, 3) uint8 and m labels; "
            f"got {x.shape} {x.dtype} and {y.shape[1]} labels."
        )
    if names != CLASS_NAMES or not np.isin(y, (0, 1)).all():
        raise CorruptDataError(
            f"{path}: expected list_classes {list(CLASS_NAMES)} and labels in {{0, 1}}; "
            f"got {list(names)} and labels {sorted(set(y.ravel().tolist()))}."
        )
    return x, y, classes


def _load_split(split: str, root) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return read_catvnoncat_file(data_path(CATVNONCAT_FILES[split], root=root), split)


def load_dataset(root: str | os.PathLike | None = None):
    """Load the cat / non-cat data as the course's ``lr_utils.load_dataset`` does.

    Args:
        root: data folder; defaults to ``$DLSPEC_DATA_DIR``.

    Returns:
        ``(train_set_x_orig, train_set_y, test_set_x_orig, test_set_y, classes)``:
        images (209, 64, 64, 3) and (50, 64, 64, 3) uint8, labels (1, 209) and (1, 50)
        (1 = cat), and ``classes`` = ``[b'non-cat', b'cat']``.

    Example:
        >>> train_x_orig, train_y, test_x_orig, test_y, classes = load_dataset()  # doctest: +SKIP
        >>> train_x = flatten_images(train_x_orig)  # doctest: +SKIP
    """
    train_x, train_y, classes = _load_split("train", root)
    test_x, test_y, _ = _load_split("test", root)
    return train_x, train_y, test_x, test_y, classes


def flatten_images(images: np.ndarray) -> np.ndarray:
    """Turn images (m, h, w, c) into the course's (h·w·c, m) column matrix scaled to [0, 1].

    Example:
        >>> flatten_images(np.zeros((5, 64, 64, 3), np.uint8)).shape
        (12288, 5)
    """
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(
            f"images must have shape (m, height, width, channels); got {images.shape}."
        )
    # C-contiguous: W @ X is several times faster than on the transposed (Fortran) view.
    return np.ascontiguousarray(images.reshape(images.shape[0], -1).T / 255.0)


def catvnoncat_tf_dataset(
    split: str = "train",
    *,
    batch_size: int | None = 32,
    shuffle: bool = True,
    seed: int = 0,
    flatten: bool = False,
    root: str | os.PathLike | None = None,
) -> tf.data.Dataset:  # noqa: F821 (TensorFlow is imported lazily)
    """The cat / non-cat split as a ``tf.data`` pipeline of ``(image, label)`` pairs.

    Images are float32 in [0, 1], (64, 64, 3) or, with ``flatten``, (12288,); labels float32
    scalars. Order: cache → shuffle (seeded, reshuffled each epoch) → batch → map → prefetch.

    Example:
        >>> ds = catvnoncat_tf_dataset("train", batch_size=64, flatten=True)  # doctest: +SKIP
        >>> keras_model.fit(ds, epochs=10)  # doctest: +SKIP
    """
    import tensorflow as tf

    if split not in CATVNONCAT_FILES:
        raise ValueError(f"split must be one of {sorted(CATVNONCAT_FILES)}; got {split!r}.")
    x, y, _ = _load_split(split, root)

    def scale(images, labels):
        images = tf.cast(images, tf.float32) / 255.0
        if flatten:
            images = tf.reshape(images, tf.concat([tf.shape(images)[:-3], [64 * 64 * 3]], 0))
        return images, labels

    return array_dataset(
        (x, y[0].astype(np.float32)),
        batch_size=batch_size,
        shuffle=shuffle,
        seed=seed,
        map_fn=scale,
    )
