"""The one shared custom training loop (docs/design.md, "Data, weights, training").

:class:`Trainer` trains a Keras model with ``tf.function`` steps built from ``GradientTape``
under any ``tf.distribute.Strategy`` (:func:`strategy_from_name` builds one from a
``--strategy`` / ``--devices`` pair), with resumable ``tf.train.CheckpointManager``
checkpoints (a damaged newest one falls back to the previous), a NaN/inf guard
(:class:`NonFiniteLossError`), mixed precision and XLA as options, a progress bar with the
throughput, TensorBoard scalars and images, and a ``model.fit``-style history.

Example:
    >>> from dlspec.training import Trainer, strategy_from_name  # doctest: +SKIP
    >>> strategy = strategy_from_name("mirrored")  # doctest: +SKIP
    >>> trainer = Trainer(make_model, "adam", strategy=strategy,  # doctest: +SKIP
    ...                   checkpoint_dir="runs/c2w3")
    >>> history = trainer.fit(train_ds, epochs=10, validation_data=dev_ds)  # doctest: +SKIP
"""

from dlspec.training.checkpointing import TrainingCheckpoint
from dlspec.training.errors import CorruptCheckpointError, NonFiniteLossError
from dlspec.training.predict import predict_eagerly
from dlspec.training.resume import checkpoint_root
from dlspec.training.strategies import strategy_from_name
from dlspec.training.trainer import Trainer

__all__ = [
    "CorruptCheckpointError",
    "NonFiniteLossError",
    "Trainer",
    "TrainingCheckpoint",
    "checkpoint_root",
    "predict_eagerly",
    "strategy_from_name",
]
