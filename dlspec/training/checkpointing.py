"""Resumable training state: ``tf.train.CheckpointManager`` checkpoints plus ``history.json``."""

from __future__ import annotations

import json
import os
import re
import warnings
from pathlib import Path

import keras
import tensorflow as tf

from dlspec.io import atomic_write_text

__all__ = ["HISTORY_FILE", "TrainingCheckpoint"]

HISTORY_FILE = "history.json"


class TrainingCheckpoint:
    """Checkpoints of a training run, kept in one folder.

    The checkpoint holds the model, the optimizer (slots, iteration count), the trainer's
    counters and the running metric totals, so that a run killed at any point resumes where its
    last checkpoint left it. TensorFlow writes each checkpoint's files first and only then
    points the ``checkpoint`` index file at them (an atomic rename), so a kill mid-save leaves
    the previous checkpoint in force. ``history.json`` (per-epoch logs, as returned by ``fit``)
    is written atomically next to the checkpoints.

    Args:
        directory: folder for the checkpoints and ``history.json`` (created if needed).
        model: the ``keras.Model``.
        optimizer: the (built) ``keras.optimizers.Optimizer``.
        counters: named scalar ``tf.Variable`` counters, e.g. ``{"epoch": ..., "step": ...}``.
        metrics: metrics whose running state is saved too (restored leniently: a metric
            missing from the checkpoint simply starts from zero).
        max_to_keep: number of most recent checkpoints kept on disk.

    Example:
        >>> ckpt = TrainingCheckpoint("runs/c1w2", model=model, optimizer=opt,  # doctest: +SKIP
        ...                           counters={"epoch": epoch_var})
        >>> path = ckpt.save(global_step=100)  # doctest: +SKIP
        >>> ckpt.restore()  # doctest: +SKIP
        'runs/c1w2/ckpt-100'
    """

    def __init__(
        self,
        directory: str | os.PathLike,
        *,
        model: keras.Model,
        optimizer: keras.optimizers.Optimizer,
        counters: dict[str, tf.Variable],
        metrics: list[keras.metrics.Metric] = (),
        max_to_keep: int = 3,
    ) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._core = {"model": model, "optimizer": optimizer, **counters}
        metric_state = {
            re.sub(r"\W", "_", m.name): list(m.variables) for m in metrics if m.variables
        }
        self._metric_state = tf.train.Checkpoint(**metric_state)
        self.checkpoint = tf.train.Checkpoint(**self._core, metric_state=self._metric_state)
        self.manager = tf.train.CheckpointManager(
            self.checkpoint, str(self.directory), max_to_keep=max_to_keep, checkpoint_name="ckpt"
        )
        self._last_saved_step: int | None = None

    @property
    def latest(self) -> str | None:
        """Path prefix of the newest checkpoint, or ``None``."""
        return self.manager.latest_checkpoint

    @property
    def history_path(self) -> Path:
        """Where ``history.json`` lives."""
        return self.directory / HISTORY_FILE

    def save(self, global_step: int) -> str:
        """Write a checkpoint numbered by the global step and return its path prefix."""
        if self._last_saved_step == global_step and self.latest:
            return self.latest
        path = self.manager.save(checkpoint_number=global_step)
        self._last_saved_step = global_step
        return path

    def restore(self, path: str | None = None) -> str | None:
        """Restore ``path`` (default: the newest checkpoint); return it, or ``None`` if none.

        Raises:
            ValueError: the checkpoint does not match the model or optimizer.
        """
        path = path or self.latest
        if not path:
            return None
        try:
            status = tf.train.Checkpoint(**self._core).read(path)
            status.assert_existing_objects_matched().expect_partial()
        except (AssertionError, ValueError, tf.errors.OpError) as err:
            raise ValueError(
                f"The checkpoint {path} does not match this model and optimizer ({err}). Use a "
                "new checkpoint_dir, or delete this one to start over."
            ) from err
        try:
            tf.train.Checkpoint(metric_state=self._metric_state).read(path).expect_partial()
        except (ValueError, tf.errors.OpError) as err:  # metrics changed shape: start them afresh
            warnings.warn(
                f"Could not restore the running metric state from {path}: {err}", stacklevel=3
            )
        self._last_saved_step = None
        return path

    def read_history(self) -> dict[str, list[float]]:
        """Return the saved ``history.json`` (``{}`` when there is none)."""
        if not self.history_path.exists():
            return {}
        return {k: list(v) for k, v in json.loads(self.history_path.read_text("utf-8")).items()}

    def write_history(self, history: dict[str, list[float]]) -> Path:
        """Write ``history`` to ``history.json`` atomically."""
        return atomic_write_text(self.history_path, json.dumps(history, indent=1) + "\n")
