"""The one shared custom training loop (DESIGN.md, "Training").

:class:`Trainer` trains a Keras model with ``tf.function`` steps built from ``GradientTape``
under a ``tf.distribute.Strategy``, with resumable ``tf.train.CheckpointManager`` checkpoints,
a NaN/inf guard (:class:`NonFiniteLossError`), a progress bar, optional TensorBoard logs, and a
``model.fit``-style history.

Example:
    >>> from dlspec.training import Trainer  # doctest: +SKIP
    >>> trainer = Trainer(make_model, "adam", checkpoint_dir="runs/c2w3")  # doctest: +SKIP
    >>> history = trainer.fit(train_ds, epochs=10, validation_data=dev_ds)  # doctest: +SKIP
"""

from dlspec.training.checkpointing import TrainingCheckpoint
from dlspec.training.errors import NonFiniteLossError
from dlspec.training.trainer import Trainer

__all__ = ["NonFiniteLossError", "Trainer", "TrainingCheckpoint"]
