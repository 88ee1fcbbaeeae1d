"""Errors of the training loop: a NaN/inf loss, and checkpoints that cannot be read."""

from __future__ import annotations

__all__ = ["CorruptCheckpointError", "NonFiniteLossError"]


class NonFiniteLossError(FloatingPointError):
    """The training loss became NaN or infinite.

    Raised by :meth:`dlspec.training.Trainer.fit` right after the step that produced the bad
    loss, once the last good checkpoint (if there is one) has been restored.

    Args:
        message: the full explanation shown to the user.
        epoch: 1-based epoch in which the loss went bad.
        step: 1-based step within that epoch.
        global_step: 1-based step counted from the start of training.
        loss: the offending loss value (``nan``, ``inf`` or ``-inf``).
        restored_from: path of the checkpoint restored, or ``None``.

    Example:
        >>> err = NonFiniteLossError(
        ...     "loss is nan", epoch=2, step=3, global_step=13, loss=float("nan")
        ... )
        >>> isinstance(err, FloatingPointError), err.epoch, err.step
        (True, 2, 3)
    """

    def __init__(
        self,
        message: str,
        *,
        epoch: int,
        step: int,
        global_step: int,
        loss: float,
        restored_from: str | None = None,
    ) -> None:
        super().__init__(message)
        self.epoch = epoch
        self.step = step
        self.global_step = global_step
        self.loss = loss
        self.restored_from = restored_from


class CorruptCheckpointError(OSError):
    """Every checkpoint in the folder is damaged (truncated, overwritten, missing files).

    Raised instead of silently starting over, which would overwrite the run. A damaged newest
    checkpoint alone only gives a warning: the previous one is restored.

    Example:
        >>> isinstance(CorruptCheckpointError("runs/x: ckpt-8 unreadable"), OSError)
        True
    """
