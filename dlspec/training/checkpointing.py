"""Resumable training state: ``tf.train.CheckpointManager`` checkpoints plus ``history.json``."""

from __future__ import annotations

import json
import os
import re
import shutil
import warnings
from collections.abc import Mapping
from pathlib import Path

import keras
import tensorflow as tf

from dlspec.io import atomic_write_text
from dlspec.training.errors import CorruptCheckpointError
from dlspec.training.layers import nested_layers

__all__ = ["CHECKPOINT_NAME", "HISTORY_FILE", "TrainingCheckpoint", "list_checkpoints"]

HISTORY_FILE = "history.json"
CHECKPOINT_NAME = "ckpt"
# What reading a damaged checkpoint raises: TF's DataLoss/NotFound/... (OpError), or an
# IndexError ("Read less bytes than requested") for a truncated data file.
_UNREADABLE = (tf.errors.OpError, IndexError, OSError)


def _number(prefix: str) -> int:
    match = re.search(rf"{CHECKPOINT_NAME}-(\d+)$", prefix)
    return int(match.group(1)) if match else -1


def list_checkpoints(directory: str | os.PathLike) -> list[str]:
    """Path prefixes of the checkpoints in ``directory``, oldest first.

    The ``checkpoint`` index file is the authority; when it is missing or unreadable (TensorFlow
    then reports no checkpoint at all) the ``ckpt-N.index`` files on disk are listed instead,
    so that a damaged index never makes a run silently start over.

    Example:
        >>> list_checkpoints("no/such/folder")
        []
    """
    directory = Path(directory)
    if not directory.is_dir():
        return []
    state = tf.train.get_checkpoint_state(str(directory))
    if state is not None and state.all_model_checkpoint_paths:  # already joined to directory
        return sorted(state.all_model_checkpoint_paths, key=_number)
    found = [str(p.with_suffix("")) for p in directory.glob(f"{CHECKPOINT_NAME}-*.index")]
    return sorted(found, key=_number)


class TrainingCheckpoint:
    """Checkpoints of a training run, kept in one folder.

    The checkpoint holds the model, the optimizer (slots, iteration count), the trainer's
    counters, the running metric totals and the random-number state (the model's Keras
    ``SeedGenerator`` states, which ``tf.train.Checkpoint`` does not save on its own, plus any
    ``rng_state`` given), so that a run killed at any point resumes where its last checkpoint
    left it. TensorFlow writes each checkpoint's files first and only then points the
    ``checkpoint`` index file at them (an atomic rename), so a kill mid-save leaves the previous
    checkpoint in force; a checkpoint damaged later (truncated or overwritten files) is skipped
    by :meth:`restore`, with a warning, for the newest one that reads. ``history.json``
    (per-epoch logs, as returned by ``fit``) is written atomically next to the checkpoints.

    With ``MultiWorkerMirroredStrategy`` every worker must take part in each save (reading
    the synchronised metric totals is a collective operation); only the chief writes into
    ``directory`` (which must then be on a file system shared by the workers, to resume), the
    others into a temporary folder removed after each save, as Keras' ``BackupAndRestore`` does.

    Args:
        directory: folder for the checkpoints and ``history.json`` (created if needed).
        model: the ``keras.Model``, or the ``tf.Variable`` trained instead of a model (style
            transfer trains one image).
        optimizer: the (built) ``keras.optimizers.Optimizer``.
        counters: named scalar ``tf.Variable`` counters, e.g. ``{"epoch": ..., "step": ...}``.
        metrics: metrics whose running state is saved too (restored leniently: a metric
            missing from the checkpoint simply starts from zero).
        rng_state: extra named random-number state: ``tf.random.Generator``,
            ``keras.random.SeedGenerator`` or ``tf.Variable`` objects (restored leniently).
        run_state: named ``tf.Variable`` facts about the run (e.g. that a callback stopped it),
            restored leniently (a checkpoint without them leaves their values).
        max_to_keep: number of most recent checkpoints kept on disk.
        chief: whether this process writes into ``directory`` (see above).
        worker: this worker's name, used for a non-chief's temporary folder.

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
        model: keras.Model | tf.Variable,
        optimizer: keras.optimizers.Optimizer,
        counters: dict[str, tf.Variable],
        metrics: list[keras.metrics.Metric] = (),
        rng_state: Mapping[str, object] | None = None,
        run_state: Mapping[str, tf.Variable] | None = None,
        max_to_keep: int = 3,
        chief: bool = True,
        worker: str = "chief",
    ) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.chief = chief
        self._core = {"model": model, "optimizer": optimizer, **counters}
        metric_state = {
            re.sub(r"\W", "_", m.name): list(m.variables) for m in metrics if m.variables
        }
        self._metric_state = tf.train.Checkpoint(**metric_state)
        self._rng_state = tf.train.Checkpoint(**_rng_variables(model, rng_state or {}))
        self._run_state = tf.train.Checkpoint(**dict(run_state or {}))
        self.checkpoint = tf.train.Checkpoint(
            **self._core,
            metric_state=self._metric_state,
            rng_state=self._rng_state,
            run_state=self._run_state,
        )
        self._write_dir = self.directory if chief else self.directory / f".{worker}-tmp"
        self.manager = tf.train.CheckpointManager(
            self.checkpoint,
            str(self._write_dir),
            max_to_keep=max_to_keep,
            checkpoint_name=CHECKPOINT_NAME,
        )
        self._last_saved_step: int | None = None

    @property
    def latest(self) -> str | None:
        """Path prefix of the newest checkpoint, or ``None``."""
        found = list_checkpoints(self.directory)
        return found[-1] if found else None

    @property
    def history_path(self) -> Path:
        """Where ``history.json`` lives."""
        return self.directory / HISTORY_FILE

    def save(self, global_step: int, *, force: bool = False) -> str:
        """Write a checkpoint numbered by the global step and return its path prefix.

        A second save at the same step is skipped unless ``force`` (the state changed since:
        say, a callback restored the best weights when training ended).
        """
        if self._last_saved_step == global_step and self.latest and not force:
            return self.latest
        path = self.manager.save(checkpoint_number=global_step)
        self._last_saved_step = global_step
        if not self.chief:
            shutil.rmtree(self._write_dir, ignore_errors=True)
            return str(self.directory / Path(path).name)
        return path

    def restore(self, path: str | None = None) -> str | None:
        """Restore ``path``, or else the newest readable checkpoint; return it (``None``: none).

        A damaged checkpoint (truncated, overwritten or missing files) is skipped with a
        warning for the previous one, down to the oldest kept.

        Raises:
            ValueError: the checkpoint does not match the model or optimizer.
            CorruptCheckpointError: no checkpoint could be read.
        """
        candidates = [path] if path else list_checkpoints(self.directory)[::-1]
        if not candidates:
            return None
        damaged: list[str] = []
        for candidate in candidates:
            try:
                self._read(candidate)
            except _UNREADABLE as err:
                damaged.append(f"{candidate} ({type(err).__name__}: {_first_line(err)})")
                continue
            if damaged:
                warnings.warn(
                    f"Skipped damaged checkpoint(s) {'; '.join(damaged)}; restored {candidate} "
                    "instead. Training resumes from there.",
                    stacklevel=3,
                )
            self._last_saved_step = None
            return candidate
        raise CorruptCheckpointError(
            f"No checkpoint in {self.directory} could be read: {'; '.join(damaged)}. Start "
            "over with Trainer(..., resume=False, overwrite=True), or delete the folder."
        )

    def _read(self, path: str) -> None:
        try:
            status = tf.train.Checkpoint(**self._core).read(path)
            # Partial by design: the lenient parts below are read on their own. Set before the
            # check, so that a mismatch is reported once (the ValueError), not again by
            # TensorFlow's "Value in checkpoint could not be found" log lines at exit.
            status.expect_partial()
            status.assert_existing_objects_matched()
        except (AssertionError, ValueError) as err:
            raise ValueError(
                f"The checkpoint {path} does not match this model and optimizer ({err}). Use a "
                "new checkpoint_dir, or delete this one to start over."
            ) from err
        # Lenient parts: absent from older checkpoints, or changed shape: they start afresh.
        lenient = (
            ("metric_state", self._metric_state),
            ("rng_state", self._rng_state),
            ("run_state", self._run_state),
        )
        for key, part in lenient:
            try:
                tf.train.Checkpoint(**{key: part}).read(path).expect_partial()
            except (ValueError, *_UNREADABLE) as err:
                warnings.warn(f"Could not restore {key} from {path}: {err}", stacklevel=4)

    def read_history(self) -> dict[str, list[float]]:
        """Return the saved ``history.json`` (``{}`` when there is none).

        Raises:
            CorruptCheckpointError: the file is not a JSON object of lists (names the file).
        """
        if not self.history_path.exists():
            return {}
        try:
            saved = json.loads(self.history_path.read_text("utf-8"))
            if not isinstance(saved, dict):
                raise ValueError(f"a JSON object was expected, not {type(saved).__name__}")
            return {str(k): list(v) for k, v in saved.items()}
        except (ValueError, TypeError, UnicodeDecodeError) as err:
            raise CorruptCheckpointError(
                f"{self.history_path} is damaged ({err}); it should hold the per-epoch logs "
                "as {name: [values]}. Delete it to resume with an empty history, or start "
                "over with Trainer(..., resume=False, overwrite=True)."
            ) from err

    def write_history(self, history: dict[str, list[float]]) -> Path | None:
        """Write ``history`` to ``history.json`` atomically (the chief only)."""
        if not self.chief:
            return None
        return atomic_write_text(self.history_path, json.dumps(history, indent=1) + "\n")


def _first_line(err: BaseException) -> str:
    text = str(getattr(err, "message", None) or err).strip()
    return text.splitlines()[0][:200] if text else ""


def _rng_variables(
    model: keras.Model | tf.Variable, extra: Mapping[str, object]
) -> dict[str, object]:
    """The random-number state to checkpoint: the model's SeedGenerators, then ``extra``."""
    state: dict[str, object] = {}
    layers = nested_layers(model) if isinstance(model, keras.layers.Layer) else []
    for layer in layers:
        for generator in getattr(layer, "_seed_generators", ()):
            state[f"seed_{len(state)}"] = generator.state
    for name, obj in extra.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"rng_state keys must be identifiers; got {name!r}.")
        if isinstance(obj, keras.random.SeedGenerator):
            obj = obj.state
        if not isinstance(obj, tf.random.Generator | tf.Variable | keras.Variable):
            raise TypeError(
                f"rng_state[{name!r}] must be a tf.random.Generator, a "
                f"keras.random.SeedGenerator or a tf.Variable; got {type(obj).__name__}."
            )
        state[f"user_{name}"] = obj
    return state
