"""Per-epoch TensorBoard scalars and images, laid out like the Keras ``TensorBoard`` callback's.

View them with ``tensorboard --logdir LOG_DIR`` (the ``tensorboard`` package is a dependency).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import tensorflow as tf

__all__ = ["EpochSummaries", "as_image_batch"]


def as_image_batch(images) -> tf.Tensor:
    """Images as the ``(N, H, W, C)`` batch ``tf.summary.image`` takes (floats in [0, 1]).

    Args:
        images: ``(N, H, W, C)``, ``(H, W, C)`` or ``(H, W)`` array, tensor or list, with C in
            {1, 3, 4}; floats are read as [0, 1] (clipped), integers as 0-255.

    Example:
        >>> as_image_batch(np.zeros((4, 6), "uint8")).shape.as_list()
        [1, 4, 6, 1]
    """
    images = tf.convert_to_tensor(np.asarray(images) if isinstance(images, list) else images)
    if images.shape.rank == 2:
        images = images[..., None]
    if images.shape.rank == 3:
        images = images[None]
    if images.shape.rank != 4 or images.shape[-1] not in (1, 3, 4):
        raise ValueError(
            "images must have shape (N, H, W, C), (H, W, C) or (H, W) with C in {1, 3, 4}; "
            f"got {images.shape}."
        )
    if images.dtype.is_floating:
        return tf.clip_by_value(tf.cast(images, tf.float32), 0.0, 1.0)
    return tf.cast(tf.clip_by_value(tf.cast(images, tf.int32), 0, 255), tf.uint8)


class EpochSummaries:
    """Write each epoch's logs as ``epoch_<name>`` scalars under ``train/`` and ``validation/``.

    Written with ``tf.summary.scalar`` and ``tf.summary.image``, in the layout of Keras'
    ``TensorBoard`` callback (so both show up side by side); images go under ``images/``.

    Args:
        log_dir: TensorBoard log folder (``tensorboard --logdir log_dir``).

    Example:
        >>> tb = EpochSummaries("logs/c2w3")  # doctest: +SKIP
        >>> tb.write(0, {"loss": 0.7, "val_loss": 0.8})  # doctest: +SKIP
    """

    def __init__(self, log_dir: str | os.PathLike) -> None:
        self.log_dir = Path(log_dir)
        self._train = tf.summary.create_file_writer(str(self.log_dir / "train"))
        self._validation = tf.summary.create_file_writer(str(self.log_dir / "validation"))
        self._images: tf.summary.SummaryWriter | None = None

    def write(self, epoch: int, logs: dict[str, float]) -> None:
        """Write one epoch's logs (``val_``-prefixed keys go to ``validation/``)."""
        for writer, prefix in ((self._train, ""), (self._validation, "val_")):
            items = {
                k[len(prefix) :]: v
                for k, v in logs.items()
                if k.startswith(prefix) and (prefix or not k.startswith("val_"))
            }
            scalars = {k: v for k, v in items.items() if np.size(v) == 1}
            if not scalars:
                continue
            with writer.as_default():
                for name, value in scalars.items():
                    tf.summary.scalar(f"epoch_{name}", float(np.ravel(value)[0]), step=epoch)
            writer.flush()

    def write_images(self, step: int, name: str, images, max_outputs: int = 3) -> None:
        """Write an image summary ``name`` (see :func:`as_image_batch`) at ``step``."""
        if self._images is None:
            self._images = tf.summary.create_file_writer(str(self.log_dir / "images"))
        with self._images.as_default():
            tf.summary.image(name, as_image_batch(images), step=step, max_outputs=max_outputs)
        self._images.flush()

    def close(self) -> None:
        """Flush and close the writers."""
        for writer in (self._train, self._validation, self._images):
            if writer is not None:
                writer.close()
