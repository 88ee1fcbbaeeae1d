"""Checks on the ``tf.data.Dataset`` objects handed to the trainer."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

__all__ = ["check_dataset", "known_num_batches"]

_BATCH_HINT = "tf.data.Dataset.from_tensor_slices((x, y)).batch(32)"


def check_dataset(dataset, name: str = "dataset") -> tuple[tf.TensorSpec, tf.TensorSpec]:
    """Check that ``dataset`` is a batched ``tf.data.Dataset`` of ``(x, y)`` pairs.

    ``x`` may be a tensor or a nested structure of tensors (for multi-input models); ``y``
    must be a single tensor.

    Args:
        dataset: the object to check.
        name: argument name used in error messages.

    Returns:
        ``(x_spec, y_spec)``, the dataset's ``element_spec``.

    Raises:
        TypeError: ``dataset`` is not a ``tf.data.Dataset``.
        ValueError: its elements are not ``(x, y)`` batches, or it is empty.

    Example:
        >>> ds = tf.data.Dataset.from_tensor_slices((np.zeros((4, 2)), np.ones((4, 1)))).batch(2)
        >>> x_spec, y_spec = check_dataset(ds)
        >>> x_spec.shape.as_list(), y_spec.shape.as_list()
        ([None, 2], [None, 1])
    """
    if isinstance(dataset, tf.distribute.DistributedDataset):
        raise TypeError(
            f"{name} must be a plain tf.data.Dataset; got a DistributedDataset. Pass the "
            "undistributed dataset: the Trainer distributes it with its own strategy."
        )
    if not isinstance(dataset, tf.data.Dataset):
        hint = ""
        if isinstance(dataset, np.ndarray | tuple | list):
            hint = f" Wrap arrays in a dataset first, e.g. {_BATCH_HINT}."
        raise TypeError(
            f"{name} must be a tf.data.Dataset yielding (x, y) batches; "
            f"got {type(dataset).__name__}.{hint}"
        )
    spec = dataset.element_spec
    if isinstance(spec, dict):
        raise ValueError(
            f"{name} must yield (x, y) pairs; it yields a dict with keys {sorted(spec)}. Map it "
            "to pairs, e.g. dataset.map(lambda d: (d['image'], d['label']))."
        )
    if not isinstance(spec, tuple) or len(spec) != 2:
        got = f"{len(spec)}-tuples" if isinstance(spec, tuple) else f"single {type(spec).__name__}s"
        hint = ""
        if isinstance(spec, tuple) and len(spec) == 3:
            hint = (
                " Sample weights are not supported; drop them with "
                "dataset.map(lambda x, y, w: (x, y))."
            )
        raise ValueError(f"{name} must yield (x, y) pairs; it yields {got}.{hint}")
    x_spec, y_spec = spec
    if not isinstance(y_spec, tf.TensorSpec):
        raise ValueError(
            f"{name} must yield a single label tensor y; got {y_spec!r}. Multi-output models "
            "are not supported by Trainer."
        )
    if y_spec.shape.rank == 0:
        raise ValueError(
            f"{name} yields scalar labels, so it looks unbatched (element_spec y: {y_spec}). "
            f"Batch it, e.g. {_BATCH_HINT}."
        )
    for leaf in tf.nest.flatten(x_spec):
        if not isinstance(leaf, tf.TensorSpec):
            raise ValueError(f"{name}: x must hold dense tensors; got {leaf!r}.")
        if leaf.shape.rank == 0:
            raise ValueError(
                f"{name} yields scalar inputs x, so it looks unbatched (element_spec x: {leaf}). "
                f"Batch it, e.g. {_BATCH_HINT}."
            )
    if int(dataset.cardinality()) == 0:
        raise ValueError(f"{name} is empty: it yields no batches.")
    return x_spec, y_spec


def known_num_batches(dataset: tf.data.Dataset) -> int | None:
    """Return the number of batches in ``dataset``; ``None`` when unknown or infinite.

    Example:
        >>> known_num_batches(tf.data.Dataset.range(10).batch(4))
        3
    """
    n = int(dataset.cardinality())
    return n if n >= 0 else None
