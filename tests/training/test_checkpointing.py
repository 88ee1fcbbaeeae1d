"""Trainer checkpoints: resume equivalence, atomic files, max_to_keep, SIGKILL, damaged
checkpoints, random state, resume/overwrite rules and the NaN guard."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

import dlspec.training.checkpointing as checkpointing
from dlspec.training import CorruptCheckpointError, NonFiniteLossError, Trainer

REPO = Path(__file__).resolve().parents[2]
rng = np.random.default_rng(0)
X = rng.normal(size=(64, 3)).astype("float32")
Y = (X @ np.array([1.0, -2.0, 0.5], "float32") > 0).astype("float32")[:, None]
BATCH = 8  # 8 batches per epoch


def make_model() -> keras.Model:
    """Seeded initializers: the same weights in every process (the kill test needs that)."""
    init = keras.initializers.GlorotUniform
    return keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Dense(4, "tanh", kernel_initializer=init(seed=1)),
            keras.layers.Dense(1, "sigmoid", kernel_initializer=init(seed=2)),
        ]
    )


INIT = make_model().get_weights()


def model_factory():
    """A fresh model with the same initial weights, as a restarted script would build it."""
    model = make_model()
    model.set_weights(INIT)
    return model


def adam():
    return keras.optimizers.Adam(learning_rate=0.05)


def make_dataset(shuffle: bool = False) -> tf.data.Dataset:
    ds = tf.data.Dataset.from_tensor_slices((X, Y))
    if shuffle:  # a seeded reshuffle each epoch: deterministic, but different every epoch
        ds = ds.shuffle(64, seed=3, reshuffle_each_iteration=True)
    return ds.batch(BATCH)


def trainer(**kwargs) -> Trainer:
    kwargs = {"optimizer": adam, "verbose": 0, **kwargs}
    return Trainer(model_factory, **kwargs)


def assert_same_run(a: Trainer, history_a, b: Trainer, history_b, atol=1e-6):
    assert set(history_a) == set(history_b)
    for name in history_a:
        np.testing.assert_allclose(history_a[name], history_b[name], rtol=1e-6, atol=1e-7)
    for wa, wb in zip(a.model.get_weights(), b.model.get_weights()):
        np.testing.assert_allclose(wa, wb, atol=atol)
    assert int(a.optimizer.iterations.numpy()) == int(b.optimizer.iterations.numpy())


@pytest.mark.slow
@pytest.mark.parametrize(
    "shuffle, steps_per_epoch",
    [(False, None), (True, None), (True, 5)],
    ids=["fixed-order", "seeded-reshuffle", "steps_per_epoch-stream"],
)
def test_resume_matches_uninterrupted_run(tmp_path, capsys, shuffle, steps_per_epoch):
    def fit(run: Trainer, epochs: int):
        return run.fit(
            make_dataset(shuffle),
            epochs=epochs,
            validation_data=make_dataset(),
            steps_per_epoch=steps_per_epoch,
        )

    full = trainer()
    full_history = fit(full, 4)
    fit(trainer(checkpoint_dir=tmp_path), 2)
    resumed = trainer(checkpoint_dir=tmp_path, verbose=1)
    history = fit(resumed, 4)

    out = capsys.readouterr().out
    assert "Resuming from checkpoint" in out and "at epoch 2" in out
    assert "Epoch 1/4" not in out.split("Resuming")[1] and "Epoch 3/4" in out
    assert len(history["loss"]) == 4
    assert_same_run(resumed, history, full, full_history)
    assert json.loads((tmp_path / "history.json").read_text()) == history

    # The same Trainer asked for more epochs carries on where it stopped, too.
    more = fit(resumed, 5)
    fit(full, 5)
    assert_same_run(resumed, more, full, full.history)


def test_checkpoints_are_atomic_and_max_to_keep_is_honoured(tmp_path, monkeypatch):
    writes = []
    real_write = checkpointing.atomic_write_text

    def spy(path, text):
        writes.append(Path(path).name)
        return real_write(path, text)

    monkeypatch.setattr(checkpointing, "atomic_write_text", spy)
    run = trainer(checkpoint_dir=tmp_path, max_to_keep=2)
    run.fit(make_dataset(), epochs=4)

    assert writes == ["history.json"] * 4  # every history write goes through dlspec.io
    index_files = sorted(p.name for p in tmp_path.glob("ckpt-*.index"))
    assert index_files == ["ckpt-24.index", "ckpt-32.index"]  # numbered by global step
    state = tf.train.get_checkpoint_state(str(tmp_path))
    assert Path(state.model_checkpoint_path).name == "ckpt-32"
    assert [Path(p).name for p in state.all_model_checkpoint_paths] == ["ckpt-24", "ckpt-32"]
    leftovers = [p.name for p in tmp_path.iterdir() if "tmp" in p.name or "temp" in p.name]
    assert leftovers == [] and not list(tmp_path.glob(".history*"))
    assert len(json.loads((tmp_path / "history.json").read_text())["loss"]) == 4


def test_mismatched_checkpoint_is_rejected(tmp_path):
    trainer(checkpoint_dir=tmp_path).fit(make_dataset(), epochs=1)
    other = Trainer(
        lambda: keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, "sigmoid")]),
        checkpoint_dir=tmp_path,
        verbose=0,
    )
    with pytest.raises(ValueError, match="does not match this model"):
        other.fit(make_dataset(), epochs=2)


KILLED_RUN = """
import sys, time
from pathlib import Path
import tensorflow as tf
sys.path.insert(0, {test_dir!r})
from test_checkpointing import make_dataset, trainer

calls = {{"n": 0}}

def batches():  # the 8 batches of make_dataset(); global batch 14 is never delivered
    for x, y in make_dataset():
        calls["n"] += 1
        if calls["n"] == 14:  # 5 steps into epoch 2: tell the parent, and wait to be killed
            Path({marker!r}).write_text("mid-epoch")
            time.sleep(600)
        yield x, y

spec = (tf.TensorSpec((None, 3), tf.float32), tf.TensorSpec((None, 1), tf.float32))
options = tf.data.Options()  # no read-ahead: block exactly when batch 14 is requested
options.autotune.enabled = False
options.experimental_optimization.inject_prefetch = False
ds = tf.data.Dataset.from_generator(batches, output_signature=spec).with_options(options)
trainer(checkpoint_dir={ckpt!r}, checkpoint_every=3).fit(ds, epochs=3)
"""


@pytest.mark.slow
def test_run_killed_with_sigkill_mid_epoch_resumes_exactly(tmp_path):
    """A training process SIGKILLed in epoch 2 (by this test, from outside) resumes from its
    step-12 checkpoint, 4 steps into epoch 2, and ends with the uninterrupted run's weights."""
    ckpt, marker = tmp_path / "run", tmp_path / "mid-epoch"
    script = KILLED_RUN.format(
        test_dir=str(Path(__file__).parent), ckpt=str(ckpt), marker=str(marker)
    )
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), f"the run never reached epoch 2: {proc.communicate()[1][-3000:]}"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert Path(tf.train.latest_checkpoint(str(ckpt))).name == "ckpt-12"
    assert len(json.loads((ckpt / "history.json").read_text())["loss"]) == 1

    with pytest.warns(UserWarning, match=r"Taking over .*: its owner \(PID \d+\) is no longer"):
        resumed = trainer(checkpoint_dir=ckpt)  # the killed run's lock file is left behind
    history = resumed.fit(make_dataset(), epochs=3)
    assert resumed.epoch == 3
    full = trainer()
    assert_same_run(resumed, history, full, full.fit(make_dataset(), epochs=3))


# ---------------------------------------------------------------- damaged checkpoints


def _truncate(path: Path) -> None:
    with open(path, "r+b") as f:
        f.truncate(path.stat().st_size // 2)


def _overwrite(path: Path) -> None:
    with open(path, "r+b") as f:
        f.seek(path.stat().st_size // 2)
        f.write(b"\x00garbage\x00")


DAMAGE = {
    "truncated-data": ("data-00000-of-00001", _truncate),
    "overwritten-data": ("data-00000-of-00001", _overwrite),
    "deleted-data": ("data-00000-of-00001", Path.unlink),
    "empty-index": ("index", lambda p: p.write_bytes(b"")),
}


@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_damaged_latest_checkpoint_falls_back_to_the_previous_one(tmp_path, damage):
    trainer(checkpoint_dir=tmp_path).fit(make_dataset(), epochs=3)  # ckpt-8, -16, -24
    suffix, spoil = DAMAGE[damage]
    spoil(tmp_path / f"ckpt-24.{suffix}")

    resumed = trainer(checkpoint_dir=tmp_path)
    with pytest.warns(
        UserWarning, match=r"Skipped damaged checkpoint.*ckpt-24.*restored .*ckpt-16"
    ):
        history = resumed.fit(make_dataset(), epochs=3)
    assert resumed.epoch == 3 and len(history["loss"]) == 3  # epoch 3 trained again
    full = trainer()
    assert_same_run(resumed, history, full, full.fit(make_dataset(), epochs=3))


def test_every_checkpoint_damaged_is_an_error_not_a_silent_restart(tmp_path):
    trainer(checkpoint_dir=tmp_path, max_to_keep=2).fit(make_dataset(), epochs=2)
    for data in tmp_path.glob("ckpt-*.data-*"):
        _truncate(data)
    with pytest.raises(CorruptCheckpointError, match=r"ckpt-16 .*ckpt-8 .*overwrite=True"):
        trainer(checkpoint_dir=tmp_path).fit(make_dataset(), epochs=3)


def test_unreadable_checkpoint_index_file_still_resumes(tmp_path):
    """TensorFlow reads a garbled ``checkpoint`` file as 'no checkpoint': the ckpt-N files on
    disk are used instead of silently starting over."""
    trainer(checkpoint_dir=tmp_path).fit(make_dataset(), epochs=2)
    (tmp_path / "checkpoint").write_text("garbage {{{")
    resumed = trainer(checkpoint_dir=tmp_path)
    resumed.fit(make_dataset(), epochs=2)
    assert resumed.epoch == 2 and int(resumed.optimizer.iterations.numpy()) == 16


# ---------------------------------------------------------------- random state


def dropout_model() -> keras.Model:
    model = keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Dense(8, "tanh", kernel_initializer=keras.initializers.GlorotUniform(1)),
            keras.layers.Dropout(0.5, seed=7),
            keras.layers.Dense(
                1, "sigmoid", kernel_initializer=keras.initializers.GlorotUniform(2)
            ),
        ]
    )
    return model


def test_resume_restores_dropout_and_generator_state(tmp_path):
    """The model's SeedGenerator (Dropout) state and a user generator are checkpointed: the
    resumed run draws the same masks as the uninterrupted one, so ends with its weights."""

    def run(checkpoint_dir=None, epochs=4, seed=5):
        generator = tf.random.Generator.from_seed(seed)
        generator.normal([3])  # stands for draws made by, say, augmentation
        t = Trainer(
            dropout_model,
            optimizer=adam,
            checkpoint_dir=checkpoint_dir,
            rng_state={"augment": generator},
            verbose=0,
        )
        return t, t.fit(make_dataset(), epochs=epochs), generator

    full, full_history, full_generator = run()
    run(tmp_path, epochs=2)
    resumed, history, generator = run(tmp_path, seed=99)  # restored from the checkpoint
    assert_same_run(resumed, history, full, full_history, atol=1e-6)
    np.testing.assert_array_equal(generator.state.numpy(), full_generator.state.numpy())
    state = resumed.model.layers[1].seed_generator.state.numpy()
    np.testing.assert_array_equal(state, full.model.layers[1].seed_generator.state.numpy())


# ---------------------------------------------------------------- resume / overwrite


def test_resume_false_refuses_a_folder_holding_a_run(tmp_path):
    trainer(checkpoint_dir=tmp_path).fit(make_dataset(), epochs=1)
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match=r"already holds a training run.*resume=True"):
        trainer(checkpoint_dir=tmp_path, resume=False)

    fresh = trainer(checkpoint_dir=tmp_path, resume=False, overwrite=True)
    assert not list(tmp_path.glob("ckpt-*")) and not (tmp_path / "history.json").exists()
    assert (tmp_path / "notes.txt").read_text() == "mine"  # only the Trainer's files go
    fresh.fit(make_dataset(), epochs=1)
    assert fresh.epoch == 1 and int(fresh.optimizer.iterations.numpy()) == 8


def test_relative_checkpoint_dir_resumes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    trainer(checkpoint_dir="runs/a").fit(make_dataset(), epochs=1)
    resumed = trainer(checkpoint_dir=Path("runs") / "a", resume=True)
    resumed.fit(make_dataset(), epochs=2)
    assert int(resumed.optimizer.iterations.numpy()) == 16


def test_resume_true_needs_a_checkpoint(tmp_path):
    with pytest.raises(FileNotFoundError, match="holds no checkpoint to resume from"):
        trainer(checkpoint_dir=tmp_path, resume=True)
    with pytest.raises(ValueError, match="contradict"):
        trainer(checkpoint_dir=tmp_path, resume=True, overwrite=True)
    with pytest.raises(ValueError, match="resume must be"):
        trainer(checkpoint_dir=tmp_path, resume="yes")
    trainer(checkpoint_dir=tmp_path, resume=False).fit(make_dataset(), epochs=1)  # empty: ok
    resumed = trainer(checkpoint_dir=tmp_path, resume=True)
    resumed.fit(make_dataset(), epochs=2)
    assert int(resumed.optimizer.iterations.numpy()) == 16


def nan_dataset(bad_epoch: int, bad_step: int) -> tf.data.Dataset:
    """make_dataset(), except that batch ``bad_step`` of epoch ``bad_epoch`` holds a NaN."""
    epoch = {"n": 0}

    def batches():
        epoch["n"] += 1
        for step, (x, y) in enumerate(make_dataset(), start=1):
            if (epoch["n"], step) == (bad_epoch, bad_step):
                x = tf.tensor_scatter_nd_update(x, [[0, 0]], [np.nan])
            yield x, y

    spec = (tf.TensorSpec((None, 3), tf.float32), tf.TensorSpec((None, 1), tf.float32))
    return tf.data.Dataset.from_generator(batches, output_signature=spec)


def test_nan_guard_restores_last_checkpoint_and_names_the_step(tmp_path):
    run = trainer(checkpoint_dir=tmp_path)
    with pytest.raises(NonFiniteLossError, match=r"epoch 2, step 3 \(global step 11\)") as info:
        run.fit(nan_dataset(bad_epoch=2, bad_step=3), epochs=3)
    err = info.value
    assert isinstance(err, FloatingPointError)
    assert (err.epoch, err.step, err.global_step) == (2, 3, 11) and np.isnan(err.loss)
    assert "lowering the learning rate" in str(err) and "ckpt-8" in str(err)
    assert err.restored_from.endswith("ckpt-8")

    one_epoch = trainer()
    one_epoch.fit(make_dataset(), epochs=1)
    for got, want in zip(run.model.get_weights(), one_epoch.model.get_weights()):
        np.testing.assert_allclose(got, want, atol=1e-6)  # back to the end of epoch 1
    assert run.epoch == 1 and len(run.history["loss"]) == 1
    assert int(run.optimizer.iterations.numpy()) == 8

    # Carry on (here with clean data): the run continues from epoch 2 like nothing happened.
    history = run.fit(make_dataset(), epochs=3)
    full = trainer()
    assert_same_run(run, history, full, full.fit(make_dataset(), epochs=3))


def test_nan_guard_without_checkpoint_says_so():
    run = trainer()
    with pytest.raises(NonFiniteLossError, match="epoch 1, step 2") as info:
        run.fit(nan_dataset(bad_epoch=1, bad_step=2), epochs=2)
    assert "no checkpoint to restore" in str(info.value)
    assert info.value.restored_from is None


def test_evaluate_on_fresh_trainer_restores_checkpoint(tmp_path):
    first = trainer(checkpoint_dir=tmp_path)
    first.fit(make_dataset(), epochs=2)
    expected = first.evaluate(make_dataset())
    assert trainer(checkpoint_dir=tmp_path).evaluate(make_dataset()) == pytest.approx(expected)


def test_restore_keeps_the_new_learning_rate(tmp_path):
    trainer(checkpoint_dir=tmp_path).fit(make_dataset(), epochs=1)
    slower = trainer(
        checkpoint_dir=tmp_path, optimizer=lambda: keras.optimizers.Adam(learning_rate=0.001)
    )
    slower.fit(make_dataset(), epochs=2)
    assert float(slower.optimizer.learning_rate.numpy()) == pytest.approx(0.001)


def test_a_variable_is_checkpointed_in_place_of_a_model(tmp_path):
    """Style transfer trains one image: a tf.Variable stands where the model goes."""

    def state():
        image = tf.Variable(tf.fill((1, 4, 4, 3), 0.5))
        optimizer = keras.optimizers.Adam(0.1)
        optimizer.build([image])
        step = tf.Variable(0, dtype=tf.int64)
        ckpt = checkpointing.TrainingCheckpoint(
            tmp_path, model=image, optimizer=optimizer, counters={"step": step}
        )
        return image, optimizer, step, ckpt

    image, optimizer, step, ckpt = state()
    optimizer.apply_gradients([(tf.ones_like(image), image)])
    step.assign(1)
    ckpt.write_history({"J": [2.5]})
    path = ckpt.save(global_step=1)

    again, optimizer_again, step_again, ckpt_again = state()
    assert ckpt_again.restore() == path and int(step_again.numpy()) == 1
    np.testing.assert_array_equal(again.numpy(), image.numpy())
    assert int(optimizer_again.iterations.numpy()) == 1
    assert ckpt_again.read_history() == {"J": [2.5]}
