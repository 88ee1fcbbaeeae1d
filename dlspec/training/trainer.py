"""The one custom training loop shared by every lab that trains with TensorFlow: ``Trainer``."""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from dlspec.training.callbacks import check_callbacks, make_callback_list, wants_batch_logs
from dlspec.training.checkpointing import TrainingCheckpoint
from dlspec.training.data_checks import check_dataset, known_num_batches
from dlspec.training.distribute import (
    build_model,
    build_optimizer,
    is_chief,
    is_default_strategy,
    is_multi_worker,
    resolve_jit_compile,
    resolve_strategy,
    worker_name,
)
from dlspec.training.epoch_batches import EpochBatches
from dlspec.training.errors import NonFiniteLossError
from dlspec.training.losses import per_example_loss
from dlspec.training.metrics import build_metrics, check_metric_identifiers
from dlspec.training.precision import (
    build_under_policy,
    check_model_policy,
    loss_scaled,
    resolve_policy,
)
from dlspec.training.progress import EpochProgress, Throughput
from dlspec.training.resume import (
    check_checkpoint_dir,
    default_checkpoint_dir,
    lock_run_folder,
    prepare_checkpoint_dir,
)
from dlspec.training.steps import make_step_functions
from dlspec.training.tensorboard import EpochSummaries
from dlspec.validation import check_positive

__all__ = ["Trainer"]

History = dict[str, list[float]]
EpochImages = Callable[[keras.Model, int], Mapping[str, object]]


def _to_python(value) -> float | list:
    """A metric result as a float (or a list for vector-valued metrics such as F1Score)."""
    arr = np.asarray(keras.ops.convert_to_numpy(value), dtype=np.float64)
    return float(arr) if arr.size == 1 else arr.tolist()


def _check_batched(model: keras.Model, x_spec) -> None:
    """Refuse inputs one rank short of the model's: an unbatched dataset (say "call .batch()").

    Example:
        >>> _check_batched(keras.Sequential([keras.Input((3,))]), tf.TensorSpec((None, 3)))
    """
    try:
        inputs = tf.nest.flatten(model.inputs)
    except (AttributeError, ValueError):  # a subclassed model: nothing declared
        return
    leaves = tf.nest.flatten(x_spec)
    if not inputs or len(inputs) != len(leaves):
        return
    for declared, leaf in zip(inputs, leaves):
        if leaf.shape.rank is not None and leaf.shape.rank == len(declared.shape) - 1:
            raise ValueError(
                f"The dataset looks unbatched: its inputs x have shape {leaf.shape}, and the "
                f"model takes batches of shape {tuple(declared.shape)}. Call .batch() on it, "
                "e.g. dataset.batch(32)."
            )


class Trainer:
    """Train a Keras model with a custom ``tf.distribute``-aware loop, like ``model.fit``.

    Each step is a ``tf.function`` built from ``tf.GradientTape`` and run on every replica with
    ``strategy.run``: per-example losses are summed and divided by the *global* batch size
    (``tf.nn.compute_average_loss``; the global size is counted in-graph, so a short last batch
    is weighted correctly), ``model.losses`` are added with ``tf.nn.scale_regularization_loss``,
    and the replicas' losses are combined with ``strategy.reduce``. The loss and metrics are
    stateful Keras metrics, reset each epoch and reported under ``model.fit``'s names
    (``loss``, ``accuracy``, ``val_loss``, ...). Any ``tf.distribute.Strategy`` works: the
    default one, ``OneDeviceStrategy``, ``MirroredStrategy``, ``MultiWorkerMirroredStrategy``
    (see :func:`~dlspec.training.strategy_from_name`); the model, optimizer and metrics are
    created inside its scope and the dataset is split by it (batch size = global batch size).

    With ``checkpoint_dir``, the model, optimizer, counters, running metrics and random state
    (the model's ``SeedGenerator`` states, e.g. of ``Dropout``, plus ``rng_state``) are saved
    with ``tf.train.CheckpointManager`` (and the per-epoch history to ``history.json``,
    atomically). By default (``resume="auto"``) a Trainer pointed at a folder holding a
    checkpoint restores it and carries on, so a killed run resumes where it stopped and ends
    with the same weights and history as an uninterrupted one (given a deterministic data
    order); it prints ``Resuming from checkpoint ... at epoch N`` unless ``verbose=0``. A
    damaged newest checkpoint is skipped, with a warning, for the previous one. A constant
    learning rate passed to the new Trainer wins over the checkpoint's. After every step the
    loss is checked: a NaN or infinite loss restores the last good checkpoint and raises
    :class:`~dlspec.training.NonFiniteLossError` naming the epoch and step, so the run can be
    restarted with, say, a lower learning rate.

    Keras callbacks (``callbacks=[...]``) run as under ``model.fit``: a
    ``keras.callbacks.CallbackList`` (with a ``History``, also set as ``model.history``)
    gets the train, epoch and batch hooks with the logs dict, ``model.optimizer`` is the
    Trainer's optimizer, and a callback setting ``model.stop_training`` ends the run after the
    current batch's epoch. With ``checkpoint_dir`` the rules are:

    - each epoch's checkpoint is written *after* the callbacks' ``on_epoch_end``, so a learning
      rate changed by ``ReduceLROnPlateau`` (or any callback) is in it and is restored on
      resume, unless the new Trainer asks for a different constant learning rate than the run
      was started with (that one then wins);
    - a run a callback stopped (``EarlyStopping``, ``TerminateOnNaN``) is finished: the
      checkpoint records it, and resuming trains no further, whatever ``epochs`` says;
    - when training ends, after the callbacks' ``on_train_end`` (``EarlyStopping`` with
      ``restore_best_weights`` sets the best weights there), the checkpoint is rewritten, so
      the last checkpoint holds the weights the run ended with;
    - the callbacks' own state (``EarlyStopping``'s patience count, ``ReduceLROnPlateau``'s
      best value) is not checkpointed: a resumed run's callbacks start afresh, as with
      Keras' ``BackupAndRestore``.

    Not supported (use ``model.fit``): sample weights, multi-output models, loss masks.

    Args:
        model: a ``keras.Model``, or a zero-argument callable returning one (called inside
            ``strategy.scope()`` and under the mixed-precision policy; required for a
            non-default strategy unless the model was already built inside that scope).
        optimizer: a ``keras.optimizers`` name, an ``Optimizer``, or a zero-argument callable
            returning one; always created inside ``strategy.scope()``, and wrapped in a
            ``keras.optimizers.LossScaleOptimizer`` when the model computes in float16.
        loss: a ``keras.losses`` name, a ``keras.losses.Loss``, or ``fn(y_true, y_pred)``
            returning per-example losses.
        metrics: metric names (``"accuracy"`` picks binary / categorical / sparse accuracy from
            the shapes, as Keras does), ``keras.metrics.Metric`` instances, metric classes or
            zero-argument callables returning metrics, or metric functions ``fn(y_true,
            y_pred)``.
        strategy: a ``tf.distribute.Strategy``; ``None`` uses the current (default) strategy.
        checkpoint_dir: folder for checkpoints and ``history.json``.
        max_to_keep: number of most recent checkpoints kept.
        checkpoint_every: ``"epoch"``, or a number of steps between checkpoints (a checkpoint
            is also written when ``fit`` finishes).
        log_dir: folder for TensorBoard per-epoch scalars (``train/``, ``validation/``; the
            training throughput as ``epoch_examples_per_second``) and images (``images/``).
        verbose: 0 silent, 1 a progress bar per epoch, 2 one line per epoch; both show the
            throughput (``examples/s``).
        jit_compile: compile each step with XLA. ``"auto"`` (default) does what ``model.fit``
            does: XLA on GPU machines with the default strategy, never on CPU-only machines.
        mixed_precision: ``True`` (``"mixed_float16"``, with dynamic loss scaling),
            ``"mixed_bfloat16"``, or ``False`` (float32). A model passed as an instance must
            already have been built under that policy.
        resume: ``"auto"`` (carry on from a checkpoint in ``checkpoint_dir`` if there is one),
            ``True`` (a checkpoint must be there: what a CLI's ``--resume`` asks for), or
            ``False`` (start afresh; a folder already holding a run is refused with
            ``FileExistsError`` unless ``overwrite=True``).
        overwrite: start afresh, deleting the checkpoints and ``history.json`` of a previous
            run in ``checkpoint_dir`` (nothing else in the folder is touched).
        rng_state: more random state to checkpoint, by name: ``tf.random.Generator`` or
            ``keras.random.SeedGenerator`` objects used outside the model (say, by data
            augmentation). A generator inside a ``tf.data`` pipeline runs ahead of training by
            the prefetch depth, so its resumed stream is not bitwise the uninterrupted one's;
            seeded ``tf.data`` ops (``shuffle(seed=...)``) are replayed exactly instead.
        epoch_images: ``fn(model, epoch) -> {name: images}`` called after each epoch; the
            images (``(N, H, W, C)``, floats in [0, 1] or uint8) are logged to TensorBoard.
            Needs ``log_dir``.
        callbacks: ``keras.callbacks.Callback`` objects called during ``fit`` (see above);
            ``fit(callbacks=...)`` adds more for one call.

    Attributes:
        model: the built ``keras.Model``.
        optimizer: the ``keras.optimizers.Optimizer``.
        strategy: the ``tf.distribute.Strategy``.
        metrics: the metric objects (after the first ``fit``/``evaluate``).
        history: per-epoch logs, including epochs restored from a checkpoint.
        throughput: training examples per second of each epoch this object trained.

    Example:
        >>> x = np.random.default_rng(0).normal(size=(256, 2)).astype("float32")
        >>> y = (x[:, :1] + x[:, 1:] > 0).astype("float32")
        >>> ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(32)
        >>> trainer = Trainer(lambda: keras.Sequential([keras.layers.Dense(1, "sigmoid")]),
        ...                   optimizer=lambda: keras.optimizers.SGD(learning_rate=0.5),
        ...                   verbose=0)
        >>> history = trainer.fit(ds, epochs=20)
        >>> history["accuracy"][-1] > 0.95
        True
        >>> sorted(trainer.evaluate(ds))
        ['accuracy', 'loss']
    """

    def __init__(
        self,
        model: keras.Model | Callable[[], keras.Model],
        optimizer: str | keras.optimizers.Optimizer | Callable = "sgd",
        loss: str | keras.losses.Loss | Callable = "binary_crossentropy",
        metrics=("accuracy",),
        strategy: tf.distribute.Strategy | None = None,
        checkpoint_dir: str | os.PathLike | None = None,
        max_to_keep: int = 3,
        checkpoint_every: str | int = "epoch",
        log_dir: str | os.PathLike | None = None,
        verbose: int = 1,
        jit_compile: bool | str = "auto",
        mixed_precision: bool | str = False,
        resume: bool | str = "auto",
        overwrite: bool = False,
        rng_state: Mapping[str, object] | None = None,
        epoch_images: EpochImages | None = None,
        callbacks: list[keras.callbacks.Callback] | None = None,
    ) -> None:
        if isinstance(verbose, bool) or verbose not in (0, 1, 2):
            raise ValueError(f"verbose must be 0 (silent), 1 (bar) or 2 (line); got {verbose!r}.")
        check_positive(max_to_keep, "max_to_keep", integer=True)
        if checkpoint_every != "epoch":
            try:
                check_positive(checkpoint_every, "checkpoint_every", integer=True)
            except ValueError:
                raise ValueError(
                    f"checkpoint_every must be 'epoch' or a positive number of steps; "
                    f"got {checkpoint_every!r}."
                ) from None
        for name, folder in (("checkpoint_dir", checkpoint_dir), ("log_dir", log_dir)):
            if folder is not None and not isinstance(folder, str | os.PathLike):
                raise TypeError(f"{name} must be a folder path or None; got {folder!r}.")
        if jit_compile not in (True, False, "auto"):
            raise ValueError(f"jit_compile must be True, False or 'auto'; got {jit_compile!r}.")
        if epoch_images is not None and (not callable(epoch_images) or log_dir is None):
            raise ValueError("epoch_images must be a function fn(model, epoch), with a log_dir.")
        policy = resolve_policy(mixed_precision)
        self.callbacks = check_callbacks(callbacks)
        if checkpoint_dir is not None:
            check_checkpoint_dir(checkpoint_dir)  # before any work: a file, or read-only

        self.strategy = resolve_strategy(strategy)
        self._chief = is_chief(self.strategy)
        if not isinstance(model, keras.Model) and callable(model):
            model = build_under_policy(model, policy)
        self.model = build_model(model, self.strategy)
        check_model_policy(self.model, policy)
        self.optimizer = loss_scaled(
            build_optimizer(optimizer, self.strategy), self.model, self.strategy
        )
        self.mixed_precision = policy
        self._per_example_loss = per_example_loss(loss)
        self._metric_ids = check_metric_identifiers(metrics)
        if checkpoint_dir is None:
            checkpoint_dir = default_checkpoint_dir()  # set by checkpoint_root(), else None
        # Only once every argument is known good, since overwrite=True deletes files.
        if checkpoint_dir is not None and self._chief:
            # One process at a time per run folder; held until this Trainer is collected.
            self._lock = lock_run_folder(checkpoint_dir)
        prepare_checkpoint_dir(
            checkpoint_dir, resume=resume, overwrite=overwrite, chief=self._chief
        )
        self._resume = resume is not False and not overwrite  # restore when built, if any
        self.checkpoint_dir = Path(checkpoint_dir) if checkpoint_dir is not None else None
        self.max_to_keep = int(max_to_keep)
        self.checkpoint_every = checkpoint_every
        self.log_dir = Path(log_dir) if log_dir is not None else None
        self.verbose = verbose
        self._jit_request = jit_compile
        self.jit_compile = False
        self._rng_state = dict(rng_state or {})
        self._epoch_images = epoch_images
        self.metrics: list[keras.metrics.Metric] = []
        self.history: History = {}
        self.throughput: list[float] = []

        # Completed epochs, steps since the start, and steps into the current epoch. Python
        # ints drive the loop; these variables are synced before each checkpoint.
        self._epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="epoch")
        self._step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
        self._epoch_step = tf.Variable(0, dtype=tf.int64, trainable=False, name="epoch_step")
        # Facts about the run kept in the checkpoint: the epochs done when a callback stopped
        # it (0: not stopped), and the constant learning rate the run was started with.
        self._stopped = tf.Variable(0, dtype=tf.int64, trainable=False, name="stopped_at")
        self._requested_lr = tf.Variable(
            self._constant_learning_rate() or math.nan, dtype=tf.float64, trainable=False
        )

        self._built = False
        self._checkpoint: TrainingCheckpoint | None = None
        self._summaries: EpochSummaries | None = None
        self._batches: EpochBatches | None = None

    # ------------------------------------------------------------------ public API

    @property
    def epoch(self) -> int:
        """Number of completed epochs (including those restored from a checkpoint)."""
        return int(self._epoch.numpy())

    @property
    def stopped_early(self) -> bool:
        """Whether a callback stopped the run (then ``fit`` trains no further)."""
        return bool(self._stopped.numpy())

    def fit(
        self,
        dataset: tf.data.Dataset,
        epochs: int = 1,
        validation_data: tf.data.Dataset | None = None,
        steps_per_epoch: int | None = None,
        callbacks: list[keras.callbacks.Callback] | None = None,
    ) -> History:
        """Train until ``epochs`` epochs are complete and return the history.

        ``epochs`` counts from the start of training, as with ``model.fit(...,
        initial_epoch=...)``: a Trainer resumed from a checkpoint after 2 epochs and asked for
        ``epochs=4`` trains epochs 3 and 4.

        Args:
            dataset: a batched ``tf.data.Dataset`` of ``(x, y)`` pairs; the batch size is the
                global batch size, split between the strategy's replicas. Each epoch is one
                pass over it, unless ``steps_per_epoch`` is given.
            epochs: the total number of epochs to reach.
            validation_data: optional ``tf.data.Dataset`` of ``(x, y)`` pairs, evaluated after
                each epoch (``val_`` logs).
            steps_per_epoch: optional steps per epoch. The data is then read as one endless
                stream (the dataset repeated), so epochs need not line up with passes over it;
                required for infinite datasets.
            callbacks: more Keras callbacks for this call, after the constructor's.

        Returns:
            ``{name: [value per epoch]}`` like ``model.fit(...).history``: ``"loss"``, the
            metrics, and ``"val_..."`` entries when validating.

        Raises:
            NonFiniteLossError: a step produced a NaN or infinite loss.
            TypeError, ValueError: invalid arguments (messages say what to change).

        Example:
            >>> history = trainer.fit(train_ds, epochs=10, validation_data=dev_ds)  # doctest: +SKIP
            >>> history["val_accuracy"][-1]  # doctest: +SKIP
            0.93
        """
        check_positive(epochs, "epochs", integer=True)
        callbacks = [*self.callbacks, *check_callbacks(callbacks)]
        if steps_per_epoch is not None:
            check_positive(steps_per_epoch, "steps_per_epoch", integer=True)
        check_dataset(dataset, "dataset")
        if steps_per_epoch is None and dataset.cardinality() == tf.data.INFINITE_CARDINALITY:
            raise ValueError(
                "dataset is infinite (it was .repeat()ed), so an epoch never ends; pass "
                "steps_per_epoch=..., or drop the .repeat()."
            )
        if validation_data is not None:
            check_dataset(validation_data, "validation_data")
            if validation_data.cardinality() == tf.data.INFINITE_CARDINALITY:
                raise ValueError("validation_data is infinite; drop its .repeat().")
        self._ensure_built(dataset)

        start_epoch = self.epoch
        if self.stopped_early:
            if self.verbose:
                print(
                    f"A callback stopped this run after {start_epoch} epochs; it is finished, "
                    "so nothing is trained. Start a new run (another checkpoint_dir, or "
                    "overwrite=True) to train again."
                )
            return self._history_copy()
        if start_epoch >= epochs:
            if self.verbose:
                print(
                    f"Already trained for {start_epoch} epochs (epochs={epochs}); nothing to do. "
                    "Pass a larger epochs to train further."
                )
            return self._history_copy()
        progress = EpochProgress(self.verbose)
        val_dist = val_steps = None
        if validation_data is not None:
            val_dist = self.strategy.experimental_distribute_dataset(validation_data)
            val_steps = known_num_batches(validation_data)

        if self._batches is None or self._batches.dataset is not dataset:
            self._batches = EpochBatches(dataset, self.strategy)
        batches = self._batches.epochs(
            steps_per_epoch,
            epochs_done=lambda: self.epoch,
            step=lambda: int(self._step.numpy()),
            epoch_step=lambda: int(self._epoch_step.numpy()),
        )
        hooks = make_callback_list(
            callbacks, self.model, self.optimizer, verbose=self.verbose, epochs=epochs
        )
        self.model.stop_training = False
        hooks.on_train_begin()
        logs: dict = {}
        for epoch in range(start_epoch, epochs):
            iterator, num_steps = next(batches)
            hooks.params["steps"] = num_steps
            hooks.on_epoch_begin(epoch)
            progress.start(epoch + 1, epochs, num_steps)
            logs, steps, rate = self._train_epoch(iterator, num_steps, epoch, progress, hooks)
            if val_dist is not None:
                val_logs = self._run_eval(val_dist, val_steps)
                logs.update({f"val_{name}": value for name, value in val_logs.items()})
            hooks.on_epoch_end(epoch, logs)  # before the checkpoint: it keeps their effects
            self._end_epoch(epoch, logs, rate)
            progress.finish(steps, {**logs, "examples/s": rate})
            if self.model.stop_training:
                break
        hooks.on_train_end(logs)
        if self._checkpoint is not None and (callbacks or self.checkpoint_every != "epoch"):
            # The weights the run ended with (EarlyStopping may have restored the best ones).
            self._checkpoint.save(int(self._step.numpy()), force=bool(callbacks))
        return self._history_copy()

    def evaluate(self, dataset: tf.data.Dataset) -> dict[str, float]:
        """Return the loss and metrics over one pass of ``dataset``.

        A fresh Trainer whose ``checkpoint_dir`` holds a checkpoint restores it first.

        Args:
            dataset: a batched ``tf.data.Dataset`` of ``(x, y)`` pairs (finite).

        Returns:
            ``{"loss": ..., metric name: ...}``, like ``model.evaluate(..., return_dict=True)``.

        Example:
            >>> trainer.evaluate(test_ds)  # doctest: +SKIP
            {'loss': 0.21, 'accuracy': 0.94}
        """
        check_dataset(dataset, "dataset")
        if dataset.cardinality() == tf.data.INFINITE_CARDINALITY:
            raise ValueError("dataset is infinite; evaluate needs a finite dataset (no .repeat()).")
        self._ensure_built(dataset)
        dist = self.strategy.experimental_distribute_dataset(dataset)
        return self._run_eval(dist, known_num_batches(dataset))

    def log_images(self, name: str, images, step: int | None = None) -> None:
        """Log images to TensorBoard (``log_dir/images``), e.g. predictions or augmentations.

        With several workers only the chief writes; on the others this does nothing.

        Args:
            name: the summary tag.
            images: ``(N, H, W, C)``, ``(H, W, C)`` or ``(H, W)``; floats in [0, 1] or uint8.
                At most 3 are kept.
            step: TensorBoard step; default: the number of completed epochs.

        Example:
            >>> trainer.log_images("inputs", next(iter(train_ds))[0] / 255.0)  # doctest: +SKIP
        """
        if self.log_dir is None:
            raise ValueError("log_images needs a log_dir: Trainer(..., log_dir='logs/run').")
        if not self._chief:
            return
        if self._summaries is None:
            self._summaries = EpochSummaries(self.log_dir)
        self._summaries.write_images(self.epoch if step is None else int(step), name, images)

    # ------------------------------------------------------------------ building

    def _ensure_built(self, dataset: tf.data.Dataset) -> None:
        """Build model, optimizer, metrics and step functions; restore a checkpoint if any."""
        if self._built:
            return
        x_spec, y_spec = dataset.element_spec
        with self.strategy.scope():
            y_pred = self._output_spec(dataset, x_spec)
            if not self.model.trainable_variables:
                raise ValueError("The model has no trainable weights; there is nothing to train.")
            if not self.optimizer.built:
                self.optimizer.build(self.model.trainable_variables)
            self._loss_tracker = keras.metrics.Mean(name="loss")
        self.metrics = build_metrics(
            self._metric_ids,
            y_spec,
            y_pred,
            self.strategy,
            default_strategy=is_default_strategy(self.strategy),
        )
        self.jit_compile = resolve_jit_compile(self._jit_request, self.model, self.strategy)
        self._steps = make_step_functions(
            model=self.model,
            optimizer=self.optimizer,
            per_example_loss=self._per_example_loss,
            loss_tracker=self._loss_tracker,
            metrics=self.metrics,
            strategy=self.strategy,
            loss_dtype=tf.float64 if y_pred.dtype == tf.float64 else tf.float32,
            jit_compile=self.jit_compile,
        )
        if self.checkpoint_dir is not None:
            self._checkpoint = TrainingCheckpoint(
                self.checkpoint_dir,
                model=self.model,
                optimizer=self.optimizer,
                counters={"epoch": self._epoch, "step": self._step, "epoch_step": self._epoch_step},
                metrics=[self._loss_tracker, *self.metrics],
                rng_state=self._rng_state,
                run_state={"stopped_at": self._stopped, "requested_lr": self._requested_lr},
                max_to_keep=self.max_to_keep,
                chief=self._chief,
                worker=worker_name(self.strategy),
            )
        if self.log_dir is not None and self._chief and self._summaries is None:
            self._summaries = EpochSummaries(self.log_dir)
        self._built = True
        if self._checkpoint is not None and self._resume and self._checkpoint.latest:
            path = self._restore()
            if self.verbose and path:
                into = self._epoch_step.numpy()
                within = f", {into} steps into epoch {self.epoch + 1}" if into else ""
                print(
                    f"Resuming from checkpoint {path} at epoch {self.epoch} "
                    f"({self.epoch} epochs done{within}; global step {int(self._step.numpy())})."
                )

    def _output_spec(self, dataset: tf.data.Dataset, x_spec):
        """Build the model on the dataset's input spec and return the output's spec."""
        _check_batched(self.model, x_spec)
        symbolic = tf.nest.map_structure(
            lambda s: keras.KerasTensor(s.shape.as_list(), dtype=s.dtype.name), x_spec
        )
        try:
            out = self.model(symbolic)
        except Exception as symbolic_err:  # some subclassed models only run on real tensors
            try:
                x, _ = next(iter(dataset.take(1)))
                out = self.model(x, training=False)
            except Exception:
                hint = ""
                if any(leaf.shape[0] is not None for leaf in tf.nest.flatten(x_spec)):
                    hint = (
                        " If the dataset is not batched yet, call .batch() on it, e.g. "
                        "dataset.batch(32)."
                    )
                raise ValueError(
                    f"The model cannot take the dataset's inputs x (element_spec {x_spec}): "
                    f"{symbolic_err}{hint}"
                ) from symbolic_err
        if len(tf.nest.flatten(out)) != 1:
            raise ValueError("Trainer supports single-output models; the model returns several.")
        return tf.nest.flatten(out)[0]

    # ------------------------------------------------------------------ loop

    def _train_epoch(
        self,
        iterator,
        num_steps: int | None,
        epoch: int,
        progress: EpochProgress,
        hooks: keras.callbacks.CallbackList,
    ) -> tuple[dict[str, float], int, float]:
        """Run one epoch's steps; return its logs, its number of steps and examples/s."""
        step = int(self._epoch_step.numpy())
        global_step = int(self._step.numpy())
        if step == 0:
            self._reset_metrics()
        meter = Throughput(self._examples_seen)
        meter.start()
        # Reading a metric is a collective op across workers: only at the same steps on all.
        values = None if is_multi_worker(self.strategy) else self._progress_values(meter)
        every = None if self.checkpoint_every == "epoch" else int(self.checkpoint_every)
        pending = None  # the last step's loss, checked once the next step is queued
        batch_logs = wants_batch_logs(hooks)
        while num_steps is None or step < num_steps:
            hooks.on_train_batch_begin(step)
            if num_steps is None:
                has_batch, loss = self._steps.train_maybe(iterator)
                if not bool(has_batch):
                    break
            else:
                try:
                    loss = self._steps.train(iterator)
                except (tf.errors.OutOfRangeError, StopIteration):
                    warnings.warn(
                        f"The training data ran out after {step} of {num_steps} steps in epoch "
                        f"{epoch + 1}; the epoch ends early.",
                        stacklevel=3,
                    )
                    break
            step += 1
            global_step += 1
            if pending is not None:
                self._check_finite(*pending)
            pending = (loss, epoch, step, global_step)
            if every is not None and self._checkpoint is not None and global_step % every == 0:
                self._check_finite(*pending)
                pending = None
                self._save(epoch, step, global_step)
            progress.update(step, values)
            hooks.on_train_batch_end(step - 1, self._results() if batch_logs else None)
            if self.model.stop_training:
                break
        if pending is not None:
            self._check_finite(*pending)
        if step == 0:
            raise ValueError(f"The training dataset yielded no batches in epoch {epoch + 1}.")
        self._step.assign(global_step)
        logs = self._results()
        return logs, step, meter.rate()

    def _run_eval(self, dist_dataset, num_steps: int | None) -> dict[str, float]:
        self._reset_metrics()
        iterator = iter(dist_dataset)
        step = 0
        while num_steps is None or step < num_steps:
            if num_steps is None:
                if not bool(self._steps.evaluate_maybe(iterator)[0]):
                    break
            else:
                self._steps.evaluate(iterator)
            step += 1
        if step == 0:
            raise ValueError("The evaluation dataset yielded no batches.")
        return self._results()

    def _end_epoch(self, epoch: int, logs: dict[str, float], rate: float) -> None:
        for name, value in logs.items():
            self.history.setdefault(name, []).append(_to_python(value))
        self.throughput.append(rate)
        self._epoch.assign(epoch + 1)
        self._epoch_step.assign(0)
        if self.model.stop_training:
            self._stopped.assign(epoch + 1)
        if self._checkpoint is not None:
            # history.json first: it may run ahead of the checkpoints, never behind them.
            self._checkpoint.write_history(self.history)
            if self.checkpoint_every == "epoch":
                self._checkpoint.save(int(self._step.numpy()))
        if self._summaries is not None:
            self._summaries.write(epoch, {**logs, "examples_per_second": rate})
            if self._epoch_images is not None:
                for name, images in self._epoch_images(self.model, epoch + 1).items():
                    self._summaries.write_images(epoch, name, images)

    def _save(self, epoch: int, step: int, global_step: int) -> None:
        """Checkpoint in the middle of epoch ``epoch`` (0-based), after ``step`` of its steps."""
        self._epoch.assign(epoch)
        self._epoch_step.assign(step)
        self._step.assign(global_step)
        self._checkpoint.save(global_step)

    # ------------------------------------------------------------------ state

    def _reset_metrics(self) -> None:
        self._loss_tracker.reset_state()
        for metric in self.metrics:
            metric.reset_state()

    def _results(self) -> dict[str, float]:
        logs = {"loss": _to_python(self._loss_tracker.result())}
        for metric in self.metrics:
            logs[metric.name] = _to_python(metric.result())
        return logs

    def _examples_seen(self) -> float:
        """Examples counted by the loss tracker this epoch, over all replicas and workers."""
        return float(tf.convert_to_tensor(self._loss_tracker.count))

    def _progress_values(self, meter: Throughput) -> Callable[[], list[tuple[str, float]]]:
        def values() -> list[tuple[str, float]]:
            logs = [(k, v) for k, v in self._results().items() if isinstance(v, float)]
            return [*logs, ("examples/s", meter.rate())]

        return values

    def _history_copy(self) -> History:
        return {name: list(values) for name, values in self.history.items()}

    def _constant_learning_rate(self) -> float | None:
        lr = self.optimizer.learning_rate
        return float(lr.numpy()) if isinstance(lr, keras.Variable) else None

    def _restore(self) -> str | None:
        """Restore the newest checkpoint and the history up to it.

        The checkpoint's learning rate is kept (a callback may have lowered it), unless this
        Trainer asks for another constant learning rate than the run was started with.
        """
        learning_rate = self._constant_learning_rate()
        requested = float(self._requested_lr.numpy())
        path = self._checkpoint.restore()
        if path is None:
            return None
        restored_lr = self._constant_learning_rate()
        started_with = float(self._requested_lr.numpy())  # as recorded in the checkpoint
        self._requested_lr.assign(requested)
        changed_request = not math.isclose(requested, started_with)
        if (
            learning_rate is not None
            and changed_request
            and not math.isclose(restored_lr, learning_rate)
        ):
            self.optimizer.learning_rate = learning_rate
            if self.verbose:
                print(
                    f"Using learning_rate={learning_rate:g} (the checkpoint had {restored_lr:g})."
                )
        done = self.epoch
        saved = self._checkpoint.read_history()
        if done and (not saved or min(len(v) for v in saved.values()) < done):
            warnings.warn(
                f"{self._checkpoint.history_path} holds fewer than the checkpoint's {done} "
                "epochs; the returned history is incomplete.",
                stacklevel=3,
            )
        self.history = {name: values[:done] for name, values in saved.items()}
        return path

    def _check_finite(self, loss: tf.Tensor, epoch: int, step: int, global_step: int) -> None:
        """Stop training on a NaN/inf loss, after restoring the last good checkpoint."""
        value = float(loss)
        if math.isfinite(value):
            return
        restored = self._restore() if self._checkpoint is not None else None
        if restored:
            state = (
                f"Restored the last good checkpoint {restored} ({self.epoch} epochs done, "
                f"global step {int(self._step.numpy())})."
            )
        elif self._checkpoint is not None:
            state = (
                f"No checkpoint had been written to {self.checkpoint_dir} yet, so the model "
                "weights may now hold NaN/inf."
            )
        else:
            state = (
                "There was no checkpoint to restore (pass checkpoint_dir=... to keep one), so "
                "the model weights may now hold NaN/inf."
            )
        lr = self._constant_learning_rate()
        lr_text = f" (now {lr:g})" if lr is not None else ""
        raise NonFiniteLossError(
            f"The training loss became {value} at epoch {epoch + 1}, step {step} "
            f"(global step {global_step}). {state} Try lowering the learning rate{lr_text}, "
            "check the inputs and labels for NaN/inf or extreme values, or clip gradients "
            "(e.g. an optimizer with clipnorm=1.0).",
            epoch=epoch + 1,
            step=step,
            global_step=global_step,
            loss=value,
            restored_from=restored,
        )
