"""C4W4A1 "Face recognition": FaceNet encodings, the triplet loss, verify and who_is_it.

The lab's functions with the course's names and signatures:

- :func:`triplet_loss` (alpha 0.2), the loss FaceNet was trained with;
- :func:`img_to_encoding`: an image resized to the model's input (160×160 for FaceNet,
  nearest neighbour as ``keras.utils.load_img``), ``/ 255`` rounded to 12 decimals, encoded
  and divided by its L2 norm;
- :func:`verify` (is this person who they claim to be? distance < 0.7) and
  :func:`who_is_it` (the closest identity of the database, if closer than 0.7), over a
  database from :func:`build_database` (the course's 12 people of ``course4/faces/images``).

The course loads FaceNet from files not shipped offline; :mod:`dlspec.cnn.faces.facenet`
builds it in code (:func:`InceptionResNetV1`) and loads the weights from a user path or
``$DLSPEC_WEIGHTS_DIR``. Without them the encodings are random and the lab's runner
(:mod:`dlspec.cnn.runs.face_recognition`) says so; it then shows triplet training working on a
real offline data set (:mod:`dlspec.cnn.faces.triplet_training` on scikit-learn's digits as
identities). ``verify`` and ``who_is_it`` work with any embedding model: the input size and
channels are taken from the model.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from PIL import Image

from dlspec.cnn.faces.facenet import InceptionResNetV1
from dlspec.data.images import check_eight_bit, open_image
from dlspec.data.paths import data_path

__all__ = [
    "DATABASE_FILES",
    "FACES_DIR",
    "THRESHOLD",
    "InceptionResNetV1",
    "build_database",
    "img_to_encoding",
    "load_face_image",
    "triplet_loss",
    "verify",
    "who_is_it",
]

#: the course's distance threshold of verify and who_is_it
THRESHOLD = 0.7
#: the course's face images, inside the data folder
FACES_DIR = "course4/faces/images"
#: the course's database: name → image file in :data:`FACES_DIR`
DATABASE_FILES = {
    "danielle": "danielle.png",
    **{
        name: f"{name}.jpg"
        for name in (
            "younes tian andrew kian dan sebastiano bertrand kevin felix benoit arnaud".split()
        )
    },
}


def triplet_loss(y_true, y_pred, alpha: float = 0.2) -> tf.Tensor:
    """The course's triplet loss: ``Σ_batch max(‖a − p‖² − ‖a − n‖² + alpha, 0)``.

    Args:
        y_true: unused (Keras' loss signature).
        y_pred: ``(anchor, positive, negative)``, each (m, 128) (or any equal shapes; the
            squared distances are summed over the last axis).
        alpha: the margin.

    Returns:
        A scalar tensor.

    Raises:
        ValueError: ``y_pred`` is not three tensors of one shape.

    Example:
        >>> float(triplet_loss(None, ([1.0, 1.0], [1.0, 1.0], [0.0, 0.0]), 3))
        1.0
    """
    if not isinstance(y_pred, Sequence | tf.Tensor | np.ndarray) or len(y_pred) != 3:
        raise ValueError(
            "y_pred must be (anchor, positive, negative) encodings of one shape, e.g. three "
            f"(m, 128) tensors; got {type(y_pred).__name__} of length "
            f"{len(y_pred) if hasattr(y_pred, '__len__') else '?'}."
        )
    anchor, positive, negative = (tf.cast(tf.convert_to_tensor(t), tf.float32) for t in y_pred)
    if not (anchor.shape == positive.shape == negative.shape):
        raise ValueError(
            "anchor, positive and negative must have one shape; got "
            f"{anchor.shape}, {positive.shape}, {negative.shape}."
        )
    pos_dist = tf.reduce_sum(tf.square(anchor - positive), axis=-1)
    neg_dist = tf.reduce_sum(tf.square(anchor - negative), axis=-1)
    return tf.reduce_sum(tf.maximum(pos_dist - neg_dist + alpha, 0.0))


def _model_input(model: keras.Model) -> tuple[int, int, int]:
    shape = tuple(model.inputs[0].shape[1:])
    if len(shape) != 3 or None in shape or shape[2] not in (1, 3):
        raise ValueError(
            "model must take images of a fixed size with 1 or 3 channels, e.g. FaceNet's "
            f"(160, 160, 3); its input is {model.inputs[0].shape}."
        )
    return shape


def _open_image(image):
    if isinstance(image, np.ndarray):
        if image.dtype != np.uint8 or image.ndim not in (2, 3):
            raise ValueError(
                f"an image array must be uint8 (H, W) or (H, W, C) in [0, 255]; got "
                f"{image.dtype} of shape {image.shape}."
            )
        if image.ndim == 3 and image.shape[2] not in (1, 3, 4):
            raise ValueError(f"an image array needs 1, 3 or 4 channels; got {image.shape}.")
        return Image.fromarray(image[..., 0] if image.ndim == 3 and image.shape[2] == 1 else image)
    return open_image(image)


def load_face_image(image, size: tuple[int, int], channels: int = 3) -> np.ndarray:
    """An image as the model's uint8 input: ``(height, width, channels)``.

    Like ``keras.utils.load_img(path, target_size=size)``, which the course uses: an alpha
    channel is dropped (RGBA → RGB: the course's ``danielle.png`` is RGBA), grayscale and
    palette images are converted to RGB (gray replicated), and the image is resized with
    nearest-neighbour sampling when its size differs. For a one-channel model, colour images
    are converted to grayscale (ITU-R 601 luma), as ``color_mode="grayscale"`` does.

    Args:
        image: a file path, or a uint8 array (H, W), (H, W, 1), (H, W, 3) or (H, W, 4).
        size: ``(height, width)`` of the model's input.
        channels: 3 (RGB) or 1 (grayscale).

    Raises:
        FileNotFoundError: no file at the path.
        dlspec.data.paths.CorruptDataError: the file is not a readable image.
        ValueError: a 16-bit or floating-point image (``I;16``, ``I``, ``F`` modes; convert
            it to 8 bits first), or an array that is not uint8.

    Example:
        >>> rgba = np.zeros((96, 96, 4), dtype=np.uint8)
        >>> load_face_image(rgba, (160, 160)).shape
        (160, 160, 3)
    """
    if channels not in (1, 3):
        raise ValueError(f"channels must be 3 (RGB) or 1 (grayscale); got {channels!r}.")
    picture = check_eight_bit(
        _open_image(image), image if not isinstance(image, np.ndarray) else "the image"
    )
    picture = picture.convert("RGB" if channels == 3 else "L")
    height, width = size
    if picture.size != (width, height):
        picture = picture.resize((width, height), resample=Image.NEAREST)
    return np.asarray(picture, dtype=np.uint8).reshape(height, width, channels)


def img_to_encoding(image_path, model: keras.Model) -> np.ndarray:
    """The course's encoding of one image: ``(1, d)``, L2-normalised.

    The image is loaded at the model's input size (:func:`load_face_image`: alpha dropped,
    nearest-neighbour resize), scaled ``/ 255`` and rounded to 12 decimals as the course,
    given a batch axis, encoded with ``predict_on_batch`` and divided by its L2 norm.

    Args:
        image_path: a file path (or a uint8 image array).
        model: the encoder (FaceNet: (None, 160, 160, 3) → (None, 128)).

    Returns:
        A (1, d) float32 array of norm 1.

    Example:
        >>> model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten()])
        >>> encoding = img_to_encoding(np.full((8, 8), 255, np.uint8), model)
        >>> encoding.shape, float(np.linalg.norm(encoding))
        ((1, 64), 1.0)
    """
    height, width, channels = _model_input(model)
    pixels = load_face_image(image_path, (height, width), channels)
    img = np.around(pixels / 255.0, decimals=12)
    x_train = np.expand_dims(img, axis=0).astype(np.float32)
    embedding = np.asarray(model.predict_on_batch(x_train))
    norm = np.linalg.norm(embedding, ord=2)
    if not np.isfinite(norm) or norm == 0:
        raise ValueError(f"the model encoded {image_path} as a zero or non-finite vector.")
    return embedding / norm


def build_database(
    model: keras.Model,
    *,
    folder: str | os.PathLike | None = None,
    files: Mapping[str, str] | None = None,
) -> dict[str, np.ndarray]:
    """The course's ``database``: name → :func:`img_to_encoding` of that person's picture.

    Args:
        model: the encoder.
        folder: the faces folder; defaults to ``$DLSPEC_DATA_DIR/course4/faces/images``.
        files: name → file name in ``folder``; defaults to :data:`DATABASE_FILES`.

    Raises:
        dlspec.data.paths.DataNotFoundError: the folder or a picture is missing.
    """
    folder = Path(folder) if folder is not None else data_path(FACES_DIR)
    files = DATABASE_FILES if files is None else files
    return {
        name: img_to_encoding(data_path(file, root=folder), model) for name, file in files.items()
    }


def _check_database(database: Mapping, size: int) -> None:
    if not isinstance(database, Mapping) or not database:
        raise ValueError(
            "database must be a non-empty dict name → encoding (see build_database); got "
            f"{type(database).__name__}{' (empty)' if isinstance(database, Mapping) else ''}."
        )
    for name, encoding in database.items():
        got = np.shape(encoding)
        if int(np.prod(got)) != size or len(got) > 2:
            raise ValueError(
                f"database[{name!r}] has an encoding of shape {got}, but the model encodes "
                f"images as (1, {size}): the database was built with another model. Rebuild "
                "it with build_database(model)."
            )


def verify(image_path, identity: str, database: Mapping, model: keras.Model, *, verbose=True):
    """Is the person in ``image_path`` the ``identity`` they claim? The course's ``verify``.

    ``dist = ‖encoding − database[identity]‖₂``; the door opens when ``dist < 0.7``; prints
    "It's {identity}, welcome in!" or "It's not {identity}, please go away".

    Args:
        image_path: the picture taken at the door.
        identity: the claimed name, a key of ``database``.
        database: name → (1, d) encoding from the same ``model``.
        model: the encoder.
        verbose: print the course's message.

    Returns:
        ``(dist, door_open)``: a float32 scalar and a bool.

    Raises:
        KeyError: ``identity`` is not in the database.
        ValueError: an empty database, or encodings of another size than the model's.
    """
    if isinstance(database, Mapping) and database and identity not in database:
        raise KeyError(f"{identity!r} is not in the database; it holds {sorted(database)}.")
    encoding = img_to_encoding(image_path, model)
    _check_database(database, encoding.size)
    dist = np.linalg.norm(encoding - np.reshape(database[identity], encoding.shape))
    door_open = bool(dist < THRESHOLD)
    if verbose:
        print(
            f"It's {identity}, welcome in!" if door_open else f"It's not {identity}, please go away"
        )
    return dist, door_open


def who_is_it(image_path, database: Mapping, model: keras.Model, *, verbose=True):
    """Who, in the database, is the person in ``image_path``? The course's ``who_is_it``.

    The closest encoding wins (``min_dist`` starts at 100); when ``min_dist > 0.7`` prints
    "Not in the database.", else "it's {identity}, the distance is {min_dist}".

    Returns:
        ``(min_dist, identity)``.

    Raises:
        ValueError: an empty database, or encodings of another size than the model's.
    """
    encoding = img_to_encoding(image_path, model)
    _check_database(database, encoding.size)
    min_dist, identity = 100, None
    for name, db_enc in database.items():
        dist = np.linalg.norm(encoding - np.reshape(db_enc, encoding.shape))
        if dist < min_dist:
            min_dist, identity = dist, name
    if verbose:
        if min_dist > THRESHOLD:
            print("Not in the database.")
        else:
            print(f"it's {identity}, the distance is {min_dist}")
    return min_dist, identity
