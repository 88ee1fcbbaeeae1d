"""The one in-memory ``tf.data`` pipeline: arrays → cache → shuffle → batch → map → prefetch."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dlspec.validation import check_int, check_X_Y

__all__ = ["array_dataset", "course_arrays_dataset", "scale_pixels"]


def array_dataset(
    arrays: tuple,
    *,
    batch_size: int | None = 32,
    shuffle: bool = False,
    seed: int | None = 0,
    map_fn: Callable | None = None,
    repeat: int | bool = False,
    buffer_size: int | None = None,
):
    """A ``tf.data.Dataset`` of in-memory arrays, in dlspec's one order of stages.

    ``from_tensor_slices(arrays)`` → ``cache`` → ``shuffle`` (seeded, reshuffled each epoch) →
    ``batch`` → ``map(map_fn)`` (vectorised, on whole batches) → ``repeat`` → ``prefetch``.
    ``batch_size=None`` leaves the examples unbatched; ``repeat=True`` repeats forever, an
    integer that many times; ``buffer_size`` is the shuffle buffer (default: every example,
    a full shuffle).

    Example:
        >>> ds = array_dataset((np.zeros((5, 2)), np.ones(5)), batch_size=2)
        >>> [tuple(t.shape) for t in next(iter(ds))]
        [(2, 2), (2,)]
    """
    import tensorflow as tf  # lazy: dlspec.data imports without TensorFlow

    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", minimum=1)
    if buffer_size is None:
        buffer_size = max(len(arrays[0]), 1)
    ds = tf.data.Dataset.from_tensor_slices(tuple(arrays)).cache()
    if shuffle:
        buffer_size = check_int(buffer_size, "buffer_size", minimum=1)
        ds = ds.shuffle(buffer_size, seed=seed, reshuffle_each_iteration=True)
    if batch_size is not None:
        ds = ds.batch(batch_size)
    if map_fn is not None:
        ds = ds.map(map_fn, num_parallel_calls=tf.data.AUTOTUNE)
    if repeat is True:
        ds = ds.repeat()
    elif repeat:
        ds = ds.repeat(check_int(repeat, "repeat", minimum=1))
    return ds.prefetch(tf.data.AUTOTUNE)


def scale_pixels(images, *rest):
    """``map_fn`` for uint8 images: float32 in [0, 1], other elements unchanged.

    Example:
        >>> ds = array_dataset((np.zeros((4, 8, 8, 1), np.uint8),), map_fn=scale_pixels)
    """
    import tensorflow as tf  # lazy: dlspec.data imports without TensorFlow

    scaled = tf.cast(images, tf.float32) / 255.0
    return (scaled, *rest) if rest else scaled


def course_arrays_dataset(
    X,
    Y,
    *,
    batch_size: int | None = None,
    shuffle: bool = False,
    seed: int = 0,
    repeat: bool = False,
):
    """A ``tf.data.Dataset`` of ``(x, y)`` rows from course arrays, for Keras models.

    Transposes ``X`` (n_x, m) → (m, n_x) and ``Y`` (1, m) → (m, 1), casts to float32.
    ``batch_size=None`` gives one full batch per step, i.e. the course's batch gradient descent.

    Example:
        >>> ds = course_arrays_dataset(np.zeros((2, 5)), np.ones((1, 5)))
        >>> [tuple(t.shape) for t in next(iter(ds))]
        [(5, 2), (5, 1)]
    """
    X, Y = check_X_Y(X, Y)
    x, y = X.T.astype(np.float32), Y.T.astype(np.float32)
    return array_dataset(
        (x, y), batch_size=batch_size or len(x), shuffle=shuffle, seed=seed, repeat=repeat
    )
