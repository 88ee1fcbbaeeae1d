"""Trainer checkpoints: resume equivalence, atomic files, max_to_keep, kills and the NaN guard."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

import dlspec.training.checkpointing as checkpointing
from dlspec.training import NonFiniteLossError, Trainer

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
import os, sys
import numpy as np, tensorflow as tf
sys.path.insert(0, {test_dir!r})
from test_checkpointing import make_dataset, trainer

calls = {{"n": 0}}

def batches():  # the 8 batches of make_dataset(); the process dies fetching global batch 14
    for x, y in make_dataset():
        calls["n"] += 1
        if calls["n"] == 14:
            os._exit(9)  # like SIGKILL: no cleanup, no atexit, no flush
        yield x, y

spec = (tf.TensorSpec((None, 3), tf.float32), tf.TensorSpec((None, 1), tf.float32))
options = tf.data.Options()  # no read-ahead: die exactly when batch 14 is requested
options.autotune.enabled = False
options.experimental_optimization.inject_prefetch = False
ds = tf.data.Dataset.from_generator(batches, output_signature=spec).with_options(options)
trainer(checkpoint_dir={ckpt!r}, checkpoint_every=3).fit(ds, epochs=3)
"""


def test_run_killed_mid_epoch_resumes_exactly(tmp_path):
    """A process killed in epoch 2 resumes from its step-12 checkpoint, 4 steps into epoch 2."""
    script = KILLED_RUN.format(test_dir=str(Path(__file__).parent), ckpt=str(tmp_path))
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 9, proc.stderr[-3000:]
    assert Path(tf.train.latest_checkpoint(str(tmp_path))).name == "ckpt-12"
    assert len(json.loads((tmp_path / "history.json").read_text())["loss"]) == 1

    resumed = trainer(checkpoint_dir=tmp_path)
    history = resumed.fit(make_dataset(), epochs=3)
    full = trainer()
    assert_same_run(resumed, history, full, full.fit(make_dataset(), epochs=3))


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
