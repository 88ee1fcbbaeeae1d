"""A folder of images, one subfolder per class, as a ``tf.data`` pipeline (Course 4).

:func:`image_folder_dataset` is ``keras.utils.image_dataset_from_directory`` with the same files,
split, labels and pixels for the same arguments (the course's alpaca lab calls that with
``image_size=(160, 160), batch_size=32, validation_split=0.2, seed=42``: 262 training and 65
validation images), and with the pipeline order of docs/design.md: decode (parallel) → cache →
shuffle → batch → map (vectorised, per batch) → prefetch. Every file's header is checked up
front and, with ``verify=True``, every image is decoded once (which also fills the cache), so a
corrupt file is reported by name instead of failing mid-epoch.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import tensorflow as tf

from dlspec.data.paths import CorruptDataError, DataNotFoundError, data_path
from dlspec.validation import check_positive

__all__ = [
    "ALPACA_DIR",
    "IMAGE_EXTENSIONS",
    "alpaca_datasets",
    "image_folder_dataset",
    "index_image_folder",
]

ALPACA_DIR = "course4/alpaca"
IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")  # what tf.io.decode_image reads
_MAGIC = {  # first bytes of each format
    b"\xff\xd8\xff": "JPEG",
    b"\x89PNG\r\n\x1a\n": "PNG",
    b"GIF87a": "GIF",
    b"GIF89a": "GIF",
    b"BM": "BMP",
}
_CHANNELS = {"rgb": 3, "grayscale": 1, "rgba": 4}
_LABEL_MODES = ("int", "binary", "categorical", None)
_SUBSETS = ("training", "validation", "both", None)


def index_image_folder(
    directory: str | os.PathLike,
    *,
    class_names: Sequence[str] | None = None,
    shuffle: bool = True,
    seed: int | None = None,
) -> tuple[list[str], np.ndarray, list[str]]:
    """List the images of ``directory/<class>/...`` the way Keras does, labels included.

    Classes are the sorted non-hidden subfolders (or ``class_names``, in that order); each is
    walked recursively and its files with an image extension are taken in sorted order. With
    ``shuffle`` the list is shuffled by ``np.random.RandomState(seed)``, exactly as
    ``keras.utils.image_dataset_from_directory`` shuffles it, so a ``validation_split`` picks
    the same files.

    Returns:
        ``(paths, labels (int32), class_names)``.

    Raises:
        DataNotFoundError: ``directory`` does not exist.
        ValueError: ``class_names`` names missing subfolders, or there are no images.

    Example:
        >>> paths, labels, names = index_image_folder(  # doctest: +SKIP
        ...     data_path("course4/alpaca"), seed=42)
        >>> names, len(paths)  # doctest: +SKIP
        (['alpaca', 'not alpaca'], 327)
    """
    root = Path(directory)
    if not root.is_dir():
        raise DataNotFoundError(
            f"Image folder not found: {root}. It must hold one subfolder of images per class "
            "(e.g. course4/alpaca/alpaca, course4/alpaca/not alpaca)."
        )
    subdirs = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if class_names is not None:
        missing = sorted(set(class_names) - set(subdirs))
        if missing:
            raise ValueError(
                f"class_names {missing} are not subfolders of {root}; it has {subdirs}."
            )
        subdirs = list(class_names)
    paths: list[str] = []
    labels: list[int] = []
    for index, name in enumerate(subdirs):
        found = []
        for folder, _, files in sorted(os.walk(root / name), key=lambda walk: walk[0]):
            found += [
                os.path.join(folder, f)
                for f in sorted(files)
                if f.lower().endswith(IMAGE_EXTENSIONS)
            ]
        paths += found
        labels += [index] * len(found)
    if not paths:
        raise ValueError(f"No images ({', '.join(IMAGE_EXTENSIONS)}) found under {root}.")
    label_array = np.asarray(labels, dtype="int32")
    if shuffle:
        seed = int(np.random.randint(1e6)) if seed is None else seed
        np.random.RandomState(seed).shuffle(paths)
        np.random.RandomState(seed).shuffle(label_array)
    return paths, label_array, subdirs


def _check_headers(paths: Sequence[str]) -> None:
    """Raise ``CorruptDataError`` for an empty file or one that is no JPEG/PNG/GIF/BMP."""
    for path in paths:
        with open(path, "rb") as f:
            head = f.read(8)
        if not any(head.startswith(magic) for magic in _MAGIC):
            what = "is empty" if not head else f"does not start like an image ({head[:4]!r})"
            raise CorruptDataError(
                f"The image file {path} {what}: it is not a JPEG, PNG, GIF or BMP image. "
                "Replace it with an intact copy, or delete it."
            )


def _find_undecodable(paths: Sequence[str], load: Callable, error: Exception) -> None:
    """After a failed decode pass, name the file that fails (decoding one at a time)."""
    for path in paths:
        try:
            load(tf.constant(path))
        except tf.errors.OpError as err:
            raise CorruptDataError(
                f"Cannot decode the image file {path}: {err.message.splitlines()[-1].strip()}. "
                "It is truncated or damaged, or in a form tf.io.decode_image cannot read with "
                "this color_mode. Replace it with an intact copy, or delete it."
            ) from err
    raise CorruptDataError(f"Decoding the images failed: {error}") from error


def _split(paths, labels, validation_split: float | None, subset: str):
    if not validation_split:
        return paths, labels
    n_val = int(validation_split * len(paths))  # as Keras: int(), the rest trains
    if subset == "training":
        return paths[:-n_val], labels[:-n_val]
    return paths[-n_val:], labels[-n_val:]


def image_folder_dataset(
    directory: str | os.PathLike,
    *,
    image_size: tuple[int, int] = (256, 256),
    batch_size: int = 32,
    validation_split: float | None = None,
    subset: str | None = None,
    seed: int | None = None,
    shuffle: bool = True,
    label_mode: str | None = "int",
    class_names: Sequence[str] | None = None,
    color_mode: str = "rgb",
    interpolation: str = "bilinear",
    cache: bool | str = True,
    verify: bool = True,
    batch_map: Callable | None = None,
) -> tf.data.Dataset | tuple[tf.data.Dataset, tf.data.Dataset]:
    """Images from ``directory/<class name>/...`` as a batched ``tf.data.Dataset``.

    Same files, split, labels and pixel values as ``keras.utils.image_dataset_from_directory``
    with the same arguments (decode with ``tf.io.decode_image``, ``tf.image.resize``, float32
    in [0, 255]). The pipeline differs: images are decoded in parallel, then cached (``cache``),
    then shuffled over the whole set each epoch (seeded: the same orders in every run), batched,
    mapped with ``batch_map`` (vectorised work such as augmentation), and prefetched.

    Args:
        directory: the folder; e.g. ``data_path("course4/alpaca")``.
        image_size: ``(height, width)`` the images are resized to.
        batch_size: images per batch.
        validation_split: fraction of the files kept for validation (the last ones of the
            seeded shuffled list, as Keras keeps them).
        subset: ``"training"``, ``"validation"``, ``"both"`` (a pair of datasets) or ``None``.
        seed: shuffling seed (required with ``validation_split`` when shuffling).
        shuffle: shuffle the file list (as Keras) and each epoch's order. In
            ``subset="both"`` the validation set is not reshuffled, as in Keras.
        label_mode: ``"int"`` (int32 ``(batch,)``), ``"binary"`` (float32 ``(batch, 1)``),
            ``"categorical"`` (one-hot float32) or ``None`` (images only).
        class_names: subfolders to use, in label order (default: all, sorted).
        color_mode: ``"rgb"``, ``"grayscale"`` or ``"rgba"``.
        interpolation: ``tf.image.resize`` method.
        cache: ``True`` caches decoded images in memory, a path caches them in that file,
            ``False`` decodes every epoch.
        verify: decode every image once now, so that a damaged file raises here, by name
            (with ``cache``, this pass fills the cache: the first epoch is then as fast as the
            next ones).
        batch_map: optional ``fn(images, labels) -> (images, labels)`` (or ``fn(images)``
            with ``label_mode=None``) applied to each batch.

    Returns:
        The dataset (a pair for ``subset="both"``), with ``class_names`` and ``file_paths``
        attributes like Keras'.

    Raises:
        DataNotFoundError: no such folder.
        CorruptDataError: an image file is empty, not an image, or cannot be decoded
            (the message names it).
        ValueError: invalid arguments, or no images.

    Example:
        >>> train, val = image_folder_dataset(  # doctest: +SKIP
        ...     data_path("course4/alpaca"), image_size=(160, 160), batch_size=32,
        ...     validation_split=0.2, subset="both", seed=42)
        >>> len(train.file_paths), len(val.file_paths)  # doctest: +SKIP
        (262, 65)
    """
    if label_mode not in _LABEL_MODES:
        raise ValueError(f"label_mode must be one of {_LABEL_MODES}; got {label_mode!r}.")
    if color_mode not in _CHANNELS:
        raise ValueError(f"color_mode must be one of {tuple(_CHANNELS)}; got {color_mode!r}.")
    if subset not in _SUBSETS:
        raise ValueError(f"subset must be one of {_SUBSETS}; got {subset!r}.")
    if validation_split is not None and not 0 < validation_split < 1:
        raise ValueError(f"validation_split must be between 0 and 1; got {validation_split}.")
    if bool(validation_split) != (subset is not None):
        raise ValueError(
            "validation_split and subset go together: pass both (subset='training', "
            "'validation' or 'both') or neither."
        )
    if validation_split and shuffle and seed is None:
        raise ValueError(
            "Pass a seed with validation_split, so that the training and validation subsets "
            "come from the same shuffle and do not overlap (the course uses seed=42)."
        )
    if len(image_size) != 2:
        raise ValueError(f"image_size must be (height, width); got {image_size!r}.")
    for size in image_size:
        check_positive(size, "each of image_size", integer=True)
    check_positive(batch_size, "batch_size", integer=True)

    paths, labels, names = index_image_folder(
        directory, class_names=class_names, shuffle=shuffle, seed=seed
    )
    if label_mode == "binary" and len(names) != 2:
        raise ValueError(f"label_mode='binary' needs exactly 2 classes; found {names}.")
    channels = _CHANNELS[color_mode]
    height, width = int(image_size[0]), int(image_size[1])

    def load(path: tf.Tensor) -> tf.Tensor:
        image = tf.io.decode_image(
            tf.io.read_file(path), channels=channels, expand_animations=False
        )
        image = tf.image.resize(image, (height, width), method=interpolation)
        image.set_shape((height, width, channels))
        return image

    def encode(label: tf.Tensor) -> tf.Tensor:
        if label_mode == "binary":
            return tf.cast(label, tf.float32)[..., None]
        if label_mode == "categorical":
            return tf.one_hot(label, len(names))
        return label

    def pipeline(subset_paths, subset_labels, reshuffle: bool) -> tf.data.Dataset:
        if not subset_paths:
            raise ValueError(f"The {subset or 'requested'} subset of {directory} is empty.")
        _check_headers(subset_paths)
        files = tf.data.Dataset.from_tensor_slices((list(subset_paths), subset_labels))
        decoded = files.map(
            lambda path, label: (load(path), encode(label)),
            num_parallel_calls=tf.data.AUTOTUNE,
        )
        if cache:
            decoded = decoded.cache("" if cache is True else str(cache))
        if verify:
            try:
                for _ in decoded:
                    pass
            except tf.errors.OpError as err:
                _find_undecodable(subset_paths, load, err)
        ds = decoded
        if reshuffle:
            ds = ds.shuffle(len(subset_paths), seed=seed, reshuffle_each_iteration=True)
        ds = ds.batch(batch_size)
        if label_mode is None:
            ds = ds.map(lambda images, _: images)
        if batch_map is not None:
            ds = ds.map(batch_map, num_parallel_calls=tf.data.AUTOTUNE)
        ds = ds.prefetch(tf.data.AUTOTUNE)
        ds.class_names = list(names)
        ds.file_paths = list(subset_paths)
        return ds

    if subset == "both":
        train = pipeline(*_split(paths, labels, validation_split, "training"), shuffle)
        val = pipeline(*_split(paths, labels, validation_split, "validation"), False)
        return train, val
    return pipeline(*_split(paths, labels, validation_split, subset), shuffle)


def alpaca_datasets(
    root: str | os.PathLike | None = None, **overrides
) -> tuple[tf.data.Dataset, tf.data.Dataset]:
    """The alpaca lab's training and validation sets (C4W2 "Transfer learning with MobileNet").

    The course's call, ``image_dataset_from_directory("dataset/", shuffle=True, batch_size=32,
    image_size=(160, 160), validation_split=0.2, subset=..., seed=42)``, on
    ``$DLSPEC_DATA_DIR/course4/alpaca``: 262 training and 65 validation images, labels 0
    (``alpaca``) and 1 (``not alpaca``).

    Args:
        root: data folder to use instead of ``$DLSPEC_DATA_DIR``.
        **overrides: any :func:`image_folder_dataset` argument.

    Example:
        >>> train, val = alpaca_datasets()  # doctest: +SKIP
        >>> len(train.file_paths), len(val.file_paths), train.class_names  # doctest: +SKIP
        (262, 65, ['alpaca', 'not alpaca'])
    """
    args = dict(image_size=(160, 160), batch_size=32, validation_split=0.2, subset="both", seed=42)
    args.update(overrides)
    for name in ("alpaca", "not alpaca"):
        data_path(f"{ALPACA_DIR}/{name}", root=root)  # a clear error when missing
    return image_folder_dataset(data_path(ALPACA_DIR, root=root), **args)
