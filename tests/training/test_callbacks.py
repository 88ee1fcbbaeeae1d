"""Keras callbacks in Trainer's loop, how they combine with checkpoint/resume, KerasTuner, and
the checkpoint-folder faults of issue 21 (a file, read-only, two owners, bad history.json)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import keras_tuner
import numpy as np
import pytest
import tensorflow as tf

from dlspec.training import CorruptCheckpointError, NonFiniteLossError, Trainer
from dlspec.training.checkpointing import list_checkpoints

REPO = Path(__file__).resolve().parents[2]
rng = np.random.default_rng(3)
X = rng.normal(size=(64, 3)).astype("float32")
Y = (X.sum(axis=1) > 0).astype("float32")  # labels (None,): a Dense(1) output must align


def data() -> tf.data.Dataset:
    return tf.data.Dataset.from_tensor_slices((X, Y)).batch(16)


def make_model() -> keras.Model:
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, "sigmoid")])


def trainer(**kwargs) -> Trainer:
    return Trainer(make_model, optimizer=lambda: keras.optimizers.SGD(0.1), verbose=0, **kwargs)


class Recorder(keras.callbacks.Callback):
    """A user's own callback: records hook calls and what it can read from the model."""

    def __init__(self):
        super().__init__()
        self.calls: list[str] = []
        self.batch_losses: list[float] = []

    def on_train_begin(self, logs=None):
        self.calls.append("train_begin")
        self.optimizer_seen = self.model.optimizer

    def on_epoch_begin(self, epoch, logs=None):
        self.calls.append(f"epoch_begin {epoch}")

    def on_train_batch_end(self, batch, logs=None):
        self.batch_losses.append(logs["loss"])

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(f"epoch_end {epoch} {sorted(logs)}")

    def on_train_end(self, logs=None):
        self.calls.append("train_end")


def test_keras_callbacks_run_with_model_fit_semantics(tmp_path):
    """CSVLogger, ModelCheckpoint, TensorBoard, TerminateOnNaN and a user's callback get the
    hooks and logs model.fit gives them; History is model.history; model.optimizer is set."""
    recorder = Recorder()
    callbacks = [
        recorder,
        keras.callbacks.CSVLogger(str(tmp_path / "log.csv")),
        keras.callbacks.ModelCheckpoint(str(tmp_path / "best.keras"), monitor="val_loss"),
        keras.callbacks.TensorBoard(str(tmp_path / "tb")),
        keras.callbacks.TerminateOnNaN(),
    ]
    t = trainer(callbacks=callbacks)
    history = t.fit(data(), epochs=2, validation_data=data())
    assert recorder.calls == [
        "train_begin",
        "epoch_begin 0",
        "epoch_end 0 ['accuracy', 'loss', 'val_accuracy', 'val_loss']",
        "epoch_begin 1",
        "epoch_end 1 ['accuracy', 'loss', 'val_accuracy', 'val_loss']",
        "train_end",
    ]
    assert recorder.optimizer_seen is t.optimizer and len(recorder.batch_losses) == 8
    assert t.model.history.history["loss"] == history["loss"]
    rows = list(csv.DictReader(open(tmp_path / "log.csv")))
    assert [float(r["val_loss"]) for r in rows] == pytest.approx(history["val_loss"])
    assert keras.saving.load_model(tmp_path / "best.keras").count_params() == 4
    assert list((tmp_path / "tb" / "train").glob("events.out.tfevents.*"))


def test_terminate_on_nan_stops_and_the_guard_names_the_step():
    """A NaN loss: TerminateOnNaN asks to stop, and the NaN guard raises its clear error."""
    x = X.copy()
    x[20] = np.nan
    ds = tf.data.Dataset.from_tensor_slices((x, Y)).batch(16)
    t = trainer(callbacks=[keras.callbacks.TerminateOnNaN()])
    with pytest.raises(NonFiniteLossError, match="step 2") as err:
        t.fit(ds, epochs=3)
    assert "pass checkpoint_dir" in str(err.value) and t.model.stop_training


def test_early_stopping_ends_the_run_for_good_with_the_best_weights(tmp_path):
    """EarlyStopping(restore_best_weights) stops; the last checkpoint holds the restored best
    weights; resuming (even asking for more epochs) trains no further."""
    stop = keras.callbacks.EarlyStopping(
        monitor="loss", mode="max", patience=1, restore_best_weights=True
    )  # the loss falls, so "max" stops after 2 epochs and restores epoch 1's weights
    t = trainer(checkpoint_dir=tmp_path, callbacks=[stop])
    history = t.fit(data(), epochs=10)
    assert len(history["loss"]) == 2 and t.stopped_early
    final = [w.copy() for w in t.model.get_weights()]

    resumed = trainer(checkpoint_dir=tmp_path)
    assert resumed.fit(data(), epochs=20) == history and resumed.epoch == 2
    for got, want in zip(resumed.model.get_weights(), final):
        np.testing.assert_array_equal(got, want)


def test_learning_rate_a_callback_changed_is_restored_not_reset(tmp_path):
    """ReduceLROnPlateau halves the LR from the second epoch on; a resumed run keeps the halved
    LR (same constructor LR), while a Trainer asking for another LR gets that one."""
    plateau = keras.callbacks.ReduceLROnPlateau(monitor="loss", mode="max", factor=0.5, patience=0)
    t = trainer(checkpoint_dir=tmp_path, callbacks=[plateau])
    t.fit(data(), epochs=2)
    lr = float(t.optimizer.learning_rate.numpy())
    assert lr == pytest.approx(0.05)
    resumed = trainer(checkpoint_dir=tmp_path)
    resumed.fit(data(), epochs=3)
    assert float(resumed.optimizer.learning_rate.numpy()) == pytest.approx(lr)
    other = Trainer(
        make_model, optimizer=lambda: keras.optimizers.SGD(0.3), checkpoint_dir=tmp_path, verbose=0
    )
    other.fit(data(), epochs=3)
    assert float(other.optimizer.learning_rate.numpy()) == pytest.approx(0.3)


@pytest.mark.slow
def test_keras_tuner_drives_a_trainer_through_hypermodel_fit(tmp_path):
    class Model(keras_tuner.HyperModel):
        def build(self, hp):
            units = hp.Choice("units", [2, 4])
            return keras.Sequential(
                [keras.Input((3,)), keras.layers.Dense(units, "relu"), keras.layers.Dense(1)]
            )

        def fit(self, hp, model, x, validation_data=None, callbacks=None, **kwargs):
            t = Trainer(
                model,
                optimizer=keras.optimizers.SGD(hp.Float("lr", 0.01, 0.1)),
                loss=keras.losses.BinaryCrossentropy(from_logits=True),
                callbacks=callbacks,
                verbose=0,
            )
            t.fit(x, epochs=kwargs.get("epochs", 1), validation_data=validation_data)
            return t.model.history

    tuner = keras_tuner.RandomSearch(
        Model(), objective="val_loss", max_trials=2, directory=tmp_path, seed=0
    )
    tuner.search(data(), validation_data=data(), epochs=2, verbose=0)
    best = tuner.oracle.get_best_trials(1)[0]
    assert np.isfinite(best.score) and len(tuner.oracle.trials) == 2


STRATEGY = """
import json, os
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import sys; sys.path.insert(0, {test_dir!r})
import keras
from test_callbacks import Recorder, data, make_model
from dlspec.training import Trainer
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
recorder = Recorder()
callbacks = [recorder,
    keras.callbacks.EarlyStopping(monitor="loss", mode="max", patience=1,
                                  restore_best_weights=True),
    keras.callbacks.ReduceLROnPlateau(monitor="loss", mode="max", factor=0.5, patience=0),
    keras.callbacks.CSVLogger(os.path.join({tmp!r}, "log.csv"))]
t = Trainer(make_model, optimizer=lambda: keras.optimizers.SGD(0.1), strategy=strategy,
            checkpoint_dir=os.path.join({tmp!r}, "ckpt"), callbacks=callbacks, verbose=0)
history = t.fit(data(), epochs=10)
print(json.dumps({{"replicas": strategy.num_replicas_in_sync, "history": history,
                   "lr": float(t.optimizer.learning_rate.numpy()), "calls": recorder.calls,
                   "stopped": t.stopped_early}}))
"""


@pytest.mark.slow
def test_callbacks_under_a_two_replica_strategy(tmp_path):
    script = STRATEGY.format(test_dir=str(Path(__file__).parent), tmp=str(tmp_path))
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["replicas"] == 2 and result["stopped"]
    assert len(result["history"]["loss"]) == 2 and result["lr"] == pytest.approx(0.05)
    assert result["calls"][-1] == "train_end"
    assert len(list(csv.DictReader(open(tmp_path / "log.csv")))) == 2


# ---------------------------------------------------------------- checkpoint folder faults


def test_checkpoint_dir_that_is_a_file_fails_at_once(tmp_path):
    (tmp_path / "ckpt").write_text("not a folder")
    with pytest.raises(NotADirectoryError, match="is a file, not a folder"):
        trainer(checkpoint_dir=tmp_path / "ckpt" / "run")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes anywhere")
def test_read_only_checkpoint_dir_fails_before_training(tmp_path):
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(PermissionError, match="read-only"):
            trainer(checkpoint_dir=tmp_path / "run")
    finally:
        tmp_path.chmod(0o755)


def test_a_second_process_on_the_same_checkpoint_dir_gets_a_clear_error(tmp_path):
    """Another live process owns the folder: refused; its lock from a dead process: taken over."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"], stdout=subprocess.DEVNULL
    )
    try:
        lock = tmp_path / ".dlspec-lock"
        lock.write_text(json.dumps({"pid": holder.pid, "host": os.uname().nodename}))
        with pytest.raises(
            RuntimeError, match=f"in use by another training process .PID {holder.pid}"
        ):
            trainer(checkpoint_dir=tmp_path)
    finally:
        holder.kill()
        holder.wait()
    with pytest.warns(UserWarning, match="no longer running"):
        trainer(checkpoint_dir=tmp_path)
    assert json.loads(lock.read_text())["pid"] == os.getpid()


def test_corrupted_history_json_names_the_file(tmp_path):
    trainer(checkpoint_dir=tmp_path).fit(data(), epochs=1)
    (tmp_path / "history.json").write_text('{"loss": [0.6')
    with pytest.raises(CorruptCheckpointError, match="history.json is damaged"):
        trainer(checkpoint_dir=tmp_path).fit(data(), epochs=2)
    assert list_checkpoints(tmp_path)


def test_non_finite_loss_message_with_a_checkpoint_dir_does_not_ask_for_one(tmp_path):
    x = X.copy()
    x[3] = np.inf
    ds = tf.data.Dataset.from_tensor_slices((x, Y)).batch(16)
    with pytest.raises(NonFiniteLossError) as err:
        trainer(checkpoint_dir=tmp_path).fit(ds, epochs=1)
    assert "pass checkpoint_dir" not in str(err.value)
    assert str(tmp_path) in str(err.value)


def test_unbatched_dataset_says_call_batch():
    ds = tf.data.Dataset.from_tensor_slices((X, Y[:, None]))  # x (3,), y (1,): no .batch()
    with pytest.raises(ValueError, match=r"unbatched.*Call \.batch\(\)"):
        trainer().fit(ds)
