"""The CARLA image / mask pairs of C4W3A2 "Image segmentation with U-Net" as ``tf.data`` pipelines.

The course reads ``data/CameraRGB/*.png`` (camera frames) and ``data/CameraMask/*.png`` (the
semantic masks, the class id in the red channel), 1060 pairs matched by file name. Here they sit
under ``$DLSPEC_DATA_DIR/course4/carla/`` (or any folder passed as ``data=``, holding
``CameraRGB/`` and ``CameraMask/``). :func:`process_path` and :func:`preprocess` are the
course's: the image as float32 in [0, 1], the mask as the maximum over its channels (so
``(H, W, 1)`` uint8 class ids), both resized to 96×128 with nearest-neighbour sampling.

Splitting: frames of one recorded episode are strongly correlated, so a random split would put
near-copies of the test frames into training. :func:`carla_datasets` holds out the *last*
``n_test`` pairs of the sorted order instead (one contiguous block, one boundary with training).
The order is by file name with runs of digits compared as numbers (:func:`frame_order_key`), so
episode frames ``<episode>_<frame>.png`` follow each other. The stand-in in ``shared/data``
(60 pairs: 3 official Lyft-challenge samples ``0.png``, ``1.png``, ``2.png`` and 57 frames
``000_0021`` ... ``000_0469`` of one episode) sorts as ``0``, the 57 episode frames, ``1``,
``2``; with ``n_test=12`` the held-out block is the last 10 episode frames (``000_0397`` to
``000_0469``) plus the independent samples ``1`` and ``2``, and training gets ``0`` and the
first 47 episode frames.

Input handling (checked before anything is decoded): every image needs a mask of the same name
and the same size (a missing partner, a file that is not a PNG, or a size mismatch raises an
error naming the file). Images of any PNG colour mode are decoded to RGB as the course does
(grey is repeated over the 3 channels, alpha is dropped, a palette is expanded); masks must be
grey, grey + alpha, RGB or RGBA 8-bit PNGs, since a palette or 16-bit mask would not hold class
ids in its decoded channels. Images of any size are resized to 96×128 (a frame that is not 4:3
is stretched, as in the course). A truncated PNG, or a mask with a class id of at least
``n_classes``, raises an error naming the file.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import tensorflow as tf

from dlspec.data.arrays import array_dataset
from dlspec.data.paths import CorruptDataError, DataNotFoundError, data_path
from dlspec.validation import check_int, check_positive

__all__ = [
    "CARLA_CLASSES",
    "CARLA_DIR",
    "IMAGE_SIZE",
    "CarlaData",
    "carla_datasets",
    "carla_folder",
    "carla_pairs",
    "frame_order_key",
    "holdout_split",
    "preprocess",
    "process_path",
]

#: the data folder of the lab inside ``$DLSPEC_DATA_DIR``
CARLA_DIR = "course4/carla"
IMAGE_FOLDER, MASK_FOLDER = "CameraRGB", "CameraMask"
#: the course's (height, width) after resizing
IMAGE_SIZE = (96, 128)
#: names of the CARLA 0.8 semantic tags (the class ids 0-12 of the masks); ids 13-22 are unused
CARLA_CLASSES = (
    "None",
    "Buildings",
    "Fences",
    "Other",
    "Pedestrians",
    "Poles",
    "RoadLines",
    "Roads",
    "Sidewalks",
    "Vegetation",
    "Vehicles",
    "Walls",
    "TrafficSigns",
)
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_MASK_MODES = ("L", "LA", "RGB", "RGBA")


def frame_order_key(name: str) -> tuple:
    """Sort key of a file name: runs of digits compare as numbers ("natural" order).

    Example:
        >>> sorted(["10.png", "9.png", "000_0021.png", "0.png"], key=frame_order_key)
        ['0.png', '000_0021.png', '9.png', '10.png']
    """
    parts = re.split(r"(\d+)", Path(name).stem)
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts if p)


def carla_folder(data: str | os.PathLike | None = None) -> Path:
    """The folder holding ``CameraRGB/`` and ``CameraMask/``.

    Args:
        data: a folder in the course's layout (``data/`` of the lab, holding ``CameraRGB/`` and
            ``CameraMask/``); ``None`` uses ``$DLSPEC_DATA_DIR/course4/carla``.

    Raises:
        DataNotFoundError: the folder or one of its two subfolders is missing.
    """
    if data is None:
        for sub in (IMAGE_FOLDER, MASK_FOLDER):
            data_path(f"{CARLA_DIR}/{sub}")  # names the variable and the fix when missing
        return data_path(CARLA_DIR)
    root = Path(data).expanduser()
    for sub in (IMAGE_FOLDER, MASK_FOLDER):
        if not (root / sub).is_dir():
            raise DataNotFoundError(
                f"{root / sub} is not a folder. --data must be a folder holding {IMAGE_FOLDER}/ "
                f"(the camera PNGs) and {MASK_FOLDER}/ (the masks, same file names), like the "
                "course's data/ folder."
            )
    return root


def _png_size_and_mode(path: Path) -> tuple[tuple[int, int], str]:
    from PIL import Image, UnidentifiedImageError

    with open(path, "rb") as f:
        head = f.read(8)
    if head != _PNG_MAGIC:
        what = "is empty" if not head else f"does not start like a PNG ({head[:4]!r})"
        raise CorruptDataError(f"{path} {what}. Replace it with an intact PNG copy, or delete it.")
    try:
        with Image.open(path) as image:
            return image.size, image.mode
    except (UnidentifiedImageError, OSError) as err:
        raise CorruptDataError(f"Cannot read the PNG header of {path}: {err}.") from err


def carla_pairs(data: str | os.PathLike | None = None) -> tuple[list[str], list[str]]:
    """Image and mask paths matched by file name, in :func:`frame_order_key` order.

    Every file is checked (headers only, nothing decoded): it is a PNG, its image and mask have
    the same size, and the mask's colour mode holds class ids (grey, grey + alpha, RGB, RGBA).

    Args:
        data: the folder (see :func:`carla_folder`); ``None`` uses ``$DLSPEC_DATA_DIR``.

    Returns:
        ``(image_paths, mask_paths)``, two equally long lists of strings.

    Raises:
        DataNotFoundError: the folders are missing or hold no PNG.
        CorruptDataError: an image without its mask (or the reverse), a file that is not a PNG,
            or a mask whose colour mode cannot hold class ids.
        ValueError: an image and its mask differ in size.

    Example:
        >>> images, masks = carla_pairs()  # doctest: +SKIP
        >>> len(images), Path(images[0]).name, Path(masks[0]).parent.name  # doctest: +SKIP
        (60, '0.png', 'CameraMask')
    """
    root = carla_folder(data)
    images_dir, masks_dir = root / IMAGE_FOLDER, root / MASK_FOLDER
    images = {p.name for p in images_dir.iterdir() if p.suffix.lower() == ".png"}
    masks = {p.name for p in masks_dir.iterdir() if p.suffix.lower() == ".png"}
    if not images and not masks:
        raise DataNotFoundError(f"No PNG files in {images_dir} and {masks_dir}.")
    for have, lacking, lacking_dir in ((images, masks, masks_dir), (masks, images, images_dir)):
        missing = sorted(have - lacking, key=frame_order_key)
        if missing:
            more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
            raise CorruptDataError(
                f"{lacking_dir / missing[0]} is missing{more}: every image in {IMAGE_FOLDER}/ "
                f"needs a mask of the same name in {MASK_FOLDER}/ and the reverse. Add the "
                "partner file or remove the unmatched one."
            )
    names = sorted(images, key=frame_order_key)
    for name in names:
        image_size, _ = _png_size_and_mode(images_dir / name)
        mask_size, mask_mode = _png_size_and_mode(masks_dir / name)
        if mask_mode not in _MASK_MODES:
            raise CorruptDataError(
                f"The mask {masks_dir / name} has PNG mode {mask_mode!r}; masks must be 8-bit "
                f"{', '.join(_MASK_MODES)} with the class id in the first channel (a palette or "
                "16-bit mask does not decode to class ids). Convert it, e.g. with PIL: "
                "Image.fromarray(class_ids.astype('uint8')).save(path)."
            )
        if image_size != mask_size:
            raise ValueError(
                f"{images_dir / name} is {image_size[0]}x{image_size[1]} (WxH) but its mask "
                f"{masks_dir / name} is {mask_size[0]}x{mask_size[1]}: a mask must have its "
                "image's size."
            )
    return [str(images_dir / n) for n in names], [str(masks_dir / n) for n in names]


def process_path(image_path: tf.Tensor, mask_path: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """The course's ``process_path``: decode an image (float32 in [0, 1]) and its mask.

    The mask is decoded with 3 channels and reduced to its maximum over them (``keepdims``):
    ``(H, W, 1)`` uint8 class ids (the id is in the red channel, green and blue are 0).

    Example:
        >>> images, masks = carla_pairs()  # doctest: +SKIP
        >>> image, mask = process_path(images[0], masks[0])  # doctest: +SKIP
        >>> image.dtype.name, mask.shape  # doctest: +SKIP
        ('float32', TensorShape([600, 800, 1]))
    """
    image = tf.image.decode_png(tf.io.read_file(image_path), channels=3)
    image = tf.image.convert_image_dtype(image, tf.float32)
    mask = tf.image.decode_png(tf.io.read_file(mask_path), channels=3)
    mask = tf.math.reduce_max(mask, axis=-1, keepdims=True)
    return image, mask


def preprocess(image: tf.Tensor, mask: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """The course's ``preprocess``: both resized to 96×128 with nearest-neighbour sampling.

    Nearest keeps the mask's values class ids (bilinear would blend neighbouring ids).

    Example:
        >>> image, mask = preprocess(tf.zeros((600, 800, 3)), tf.ones((600, 800, 1), "uint8"))
        >>> image.shape, mask.shape, mask.dtype.name
        (TensorShape([96, 128, 3]), TensorShape([96, 128, 1]), 'uint8')
    """
    image = tf.image.resize(image, IMAGE_SIZE, method="nearest")
    mask = tf.image.resize(mask, IMAGE_SIZE, method="nearest")
    return image, mask


def holdout_split(
    image_paths: list[str], mask_paths: list[str], n_test: int = 12
) -> tuple[tuple[list[str], list[str]], tuple[list[str], list[str]]]:
    """Split pairs into training and a held-out block: the last ``n_test`` in the given order.

    Example:
        >>> (train, _), (test, _) = holdout_split(list("abcde"), list("ABCDE"), n_test=2)
        >>> train, test
        (['a', 'b', 'c'], ['d', 'e'])
    """
    if len(image_paths) != len(mask_paths):
        raise ValueError(
            f"image_paths and mask_paths must pair up; got {len(image_paths)} and "
            f"{len(mask_paths)} paths."
        )
    check_int(n_test, "n_test")
    if not 0 < n_test < len(image_paths):
        raise ValueError(
            f"n_test must be between 1 and {len(image_paths) - 1} (the number of pairs minus "
            f"one, so that both parts are non-empty); got {n_test}."
        )
    cut = len(image_paths) - int(n_test)
    return (image_paths[:cut], mask_paths[:cut]), (image_paths[cut:], mask_paths[cut:])


@dataclass
class CarlaData:
    """The lab's datasets: batched ``(image, mask)`` pipelines and the files behind them.

    Attributes:
        train: shuffled each epoch (seeded), batched, prefetched.
        test: the held-out block in file order, batched, prefetched.
        train_files, test_files: the image paths of each part.
        train_counts, test_counts: pixels per class id in each part's masks (after resizing),
            arrays of length ``n_classes``.
    """

    train: tf.data.Dataset
    test: tf.data.Dataset
    train_files: list[str]
    test_files: list[str]
    train_counts: np.ndarray = field(repr=False)
    test_counts: np.ndarray = field(repr=False)


def _decoded(images: list[str], masks: list[str], n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Decode and resize the pairs into arrays; the one decoding pass checks every file by name."""
    files = tf.data.Dataset.from_tensor_slices((images, masks))
    ds = files.map(process_path, num_parallel_calls=tf.data.AUTOTUNE)
    ds = ds.map(preprocess, num_parallel_calls=tf.data.AUTOTUNE)
    decoded_images, decoded_masks = [], []
    try:
        for (image, mask), name in zip(ds, masks):
            top = int(tf.reduce_max(mask))
            if top >= n_classes:
                raise ValueError(
                    f"The mask {name} holds class id {top}, but the model has n_classes="
                    f"{n_classes} (ids 0 to {n_classes - 1}). Use a larger n_classes or fix "
                    "the mask."
                )
            decoded_images.append(image.numpy())
            decoded_masks.append(mask.numpy())
    except tf.errors.OpError as err:
        for image_path, mask_path in zip(images, masks):
            for path in (image_path, mask_path):
                try:
                    tf.image.decode_png(tf.io.read_file(path))
                except tf.errors.OpError as bad:
                    raise CorruptDataError(
                        f"Cannot decode the PNG file {path}: "
                        f"{bad.message.splitlines()[-1].strip()}. It is truncated or damaged; "
                        "replace it with an intact copy, or delete it with its partner."
                    ) from bad
        raise CorruptDataError(f"Decoding the CARLA pairs failed: {err.message}") from err
    return np.stack(decoded_images), np.stack(decoded_masks)


def _class_counts(masks: np.ndarray, n_classes: int) -> np.ndarray:
    return np.bincount(masks.ravel(), minlength=n_classes).astype(np.int64)


def carla_datasets(
    data: str | os.PathLike | None = None,
    *,
    n_test: int = 12,
    batch_size: int = 16,
    buffer_size: int = 500,
    seed: int | None = 0,
    n_classes: int = 23,
) -> CarlaData:
    """Training and held-out pipelines of the lab, split by :func:`holdout_split`.

    Each part: ``process_path`` → ``preprocess`` (every file is decoded and checked once,
    here, into arrays) → :func:`~dlspec.data.arrays.array_dataset`: cache → shuffle (training
    only; ``buffer_size`` 500 as the course, seeded, reshuffled each epoch) → batch →
    prefetch. Elements are ``(image (b, 96, 128, 3) float32,
    mask (b, 96, 128, 1) uint8)``.

    Args:
        data: a folder holding ``CameraRGB/`` and ``CameraMask/``; ``None`` uses
            ``$DLSPEC_DATA_DIR/course4/carla``.
        n_test: size of the held-out block (the last pairs in frame order).
        batch_size: pairs per batch (the course: 32).
        buffer_size: shuffle buffer (the course: 500, more than the data: a full shuffle).
        seed: shuffle seed (``None``: a different order in every run).
        n_classes: masks with an id of at least this raise ``ValueError``.

    Raises:
        DataNotFoundError, CorruptDataError, ValueError: see :func:`carla_pairs`; a truncated
            PNG or an out-of-range class id names the file.

    Example:
        >>> data = carla_datasets(n_test=12)  # doctest: +SKIP
        >>> len(data.train_files), len(data.test_files)  # doctest: +SKIP
        (48, 12)
    """
    check_positive(batch_size, "batch_size", integer=True)
    check_positive(buffer_size, "buffer_size", integer=True)
    images, masks = carla_pairs(data)
    (train_images, train_masks), (test_images, test_masks) = holdout_split(images, masks, n_test)
    train = _decoded(train_images, train_masks, n_classes)
    test = _decoded(test_images, test_masks, n_classes)
    return CarlaData(
        train=array_dataset(
            train, batch_size=batch_size, shuffle=True, seed=seed, buffer_size=buffer_size
        ),
        test=array_dataset(test, batch_size=batch_size),
        train_files=train_images,
        test_files=test_images,
        train_counts=_class_counts(train[1], n_classes),
        test_counts=_class_counts(test[1], n_classes),
    )
