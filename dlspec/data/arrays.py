"""tf.data pipelines from the course's column-major arrays (X (n_x, m), Y (1, m))."""

from __future__ import annotations

import numpy as np

from dlspec.validation import check_X_Y

__all__ = ["course_arrays_dataset"]


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
    import tensorflow as tf

    X, Y = check_X_Y(X, Y)
    x, y = X.T.astype(np.float32), Y.T.astype(np.float32)
    if batch_size is None:
        ds = tf.data.Dataset.from_tensors((x, y))
    else:
        ds = tf.data.Dataset.from_tensor_slices((x, y)).cache()
        if shuffle:
            ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
        ds = ds.batch(batch_size)
    if repeat:
        ds = ds.repeat()
    return ds.prefetch(tf.data.AUTOTUNE)
