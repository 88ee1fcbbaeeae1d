"""Per-epoch TensorBoard scalars and images, laid out like the Keras ``TensorBoard`` callback's."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import tensorflow as tf
from tensorflow.core.framework import summary_pb2

__all__ = ["EpochSummaries", "image_summary_tensor"]


def _scalar_metadata() -> summary_pb2.SummaryMetadata:
    """What ``tf.summary.scalar`` attaches, built without needing the tensorboard package."""
    metadata = summary_pb2.SummaryMetadata()
    metadata.plugin_data.plugin_name = "scalars"
    metadata.data_class = summary_pb2.DATA_CLASS_SCALAR
    return metadata


def _image_metadata() -> summary_pb2.SummaryMetadata:
    """What ``tf.summary.image`` attaches (image plugin, version 0: empty content)."""
    metadata = summary_pb2.SummaryMetadata()
    metadata.plugin_data.plugin_name = "images"
    metadata.data_class = summary_pb2.DATA_CLASS_BLOB_SEQUENCE
    return metadata


def image_summary_tensor(images, max_outputs: int = 3) -> tf.Tensor:
    """Encode images as the image plugin stores them: ``[width, height, png, png, ...]``.

    Args:
        images: ``(N, H, W, C)``, ``(H, W, C)`` or ``(H, W)`` array or tensor with C in
            {1, 3, 4}; floats are read as [0, 1] (clipped), integers as 0-255.
        max_outputs: at most this many images are kept.

    Example:
        >>> t = image_summary_tensor(np.zeros((2, 4, 6, 3), "float32"))
        >>> t.shape.as_list(), t[:2].numpy().tolist()
        ([4], [b'6', b'4'])
    """
    images = tf.convert_to_tensor(images)
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
        images = tf.image.convert_image_dtype(tf.clip_by_value(images, 0.0, 1.0), tf.uint8)
    else:
        images = tf.cast(tf.clip_by_value(tf.cast(images, tf.int32), 0, 255), tf.uint8)
    images = images[:max_outputs]
    encoded = [tf.io.encode_png(image) for image in tf.unstack(images)]
    size = [tf.as_string(tf.shape(images)[2]), tf.as_string(tf.shape(images)[1])]
    return tf.stack(size + encoded)


class EpochSummaries:
    """Write each epoch's logs as ``epoch_<name>`` scalars under ``train/`` and ``validation/``.

    The events are the ones ``tf.summary.scalar`` and ``tf.summary.image`` write, produced with
    the core ``tf.summary.write`` so that logging works even where the ``tensorboard`` package
    (needed only to *view* them) is not installed. Images go under ``images/``.

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
        self._metadata = _scalar_metadata()

    def write(self, epoch: int, logs: dict[str, float]) -> None:
        """Write one epoch's logs (``val_``-prefixed keys go to ``validation/``)."""
        for writer, prefix in ((self._train, ""), (self._validation, "val_")):
            items = {
                k[len(prefix) :]: v
                for k, v in logs.items()
                if k.startswith(prefix) and (prefix or not k.startswith("val_"))
            }
            if not items:
                continue
            with writer.as_default():
                for name, value in items.items():
                    tf.summary.write(
                        f"epoch_{name}",
                        tf.constant(value, tf.float32),
                        step=epoch,
                        metadata=self._metadata,
                    )
            writer.flush()

    def write_images(self, step: int, name: str, images, max_outputs: int = 3) -> None:
        """Write an image summary ``name`` (see :func:`image_summary_tensor`) at ``step``."""
        if self._images is None:
            self._images = tf.summary.create_file_writer(str(self.log_dir / "images"))
        tensor = image_summary_tensor(
            np.asarray(images) if isinstance(images, list) else images, max_outputs
        )
        with self._images.as_default():
            tf.summary.write(name, tensor, step=step, metadata=_image_metadata())
        self._images.flush()

    def close(self) -> None:
        """Flush and close the writers."""
        for writer in (self._train, self._validation, self._images):
            if writer is not None:
                writer.close()
