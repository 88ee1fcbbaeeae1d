"""Per-epoch TensorBoard scalars, laid out like the Keras ``TensorBoard`` callback's."""

from __future__ import annotations

import os
from pathlib import Path

import tensorflow as tf
from tensorflow.core.framework import summary_pb2

__all__ = ["EpochSummaries"]


def _scalar_metadata() -> summary_pb2.SummaryMetadata:
    """What ``tf.summary.scalar`` attaches, built without needing the tensorboard package."""
    metadata = summary_pb2.SummaryMetadata()
    metadata.plugin_data.plugin_name = "scalars"
    metadata.data_class = summary_pb2.DATA_CLASS_SCALAR
    return metadata


class EpochSummaries:
    """Write each epoch's logs as ``epoch_<name>`` scalars under ``train/`` and ``validation/``.

    The events are the ones ``tf.summary.scalar`` writes, produced with the core
    ``tf.summary.write`` so that logging works even where the ``tensorboard`` package (needed
    only to *view* them) is not installed.

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

    def close(self) -> None:
        """Flush and close the writers."""
        self._train.close()
        self._validation.close()
