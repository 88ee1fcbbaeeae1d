"""Trainer under tf.distribute strategies: OneDeviceStrategy and a 2-replica MirroredStrategy."""

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

from dlspec.training import Trainer

REPO = Path(__file__).resolve().parents[2]
rng = np.random.default_rng(1)
X = rng.normal(size=(45, 3)).astype("float32")
Y = (X.sum(axis=1, keepdims=True) > 0).astype("float32")
INIT = [
    rng.normal(scale=0.5, size=(3, 4)).astype("float32"),
    np.zeros(4, "float32"),
    rng.normal(scale=0.5, size=(4, 1)).astype("float32"),
    np.zeros(1, "float32"),
]


def make_model() -> keras.Model:
    model = keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Dense(4, "tanh", kernel_regularizer=keras.regularizers.L2(0.01)),
            keras.layers.Dense(1, "sigmoid"),
        ]
    )
    model.set_weights(INIT)
    return model


def dataset() -> tf.data.Dataset:
    return tf.data.Dataset.from_tensor_slices((X, Y)).batch(8)  # last batch: 5 examples


def fit(strategy=None, epochs=3):
    trainer = Trainer(
        make_model,
        optimizer=lambda: keras.optimizers.SGD(learning_rate=0.2, momentum=0.5),
        strategy=strategy,
        verbose=0,
    )
    history = trainer.fit(dataset(), epochs=epochs, validation_data=dataset())
    return trainer, history


def test_one_device_strategy_matches_default():
    strategy = tf.distribute.OneDeviceStrategy("/cpu:0")
    trainer, history = fit(strategy)
    reference, expected = fit(None)
    assert trainer.strategy is strategy
    for name in expected:
        np.testing.assert_allclose(history[name], expected[name], rtol=1e-6)
    for got, want in zip(trainer.model.get_weights(), reference.model.get_weights()):
        np.testing.assert_allclose(got, want, atol=1e-6)


def test_model_instance_built_outside_strategy_scope_is_rejected():
    strategy = tf.distribute.OneDeviceStrategy("/cpu:0")
    with pytest.raises(ValueError, match="Pass a zero-argument function that builds the model"):
        Trainer(make_model(), strategy=strategy)
    with strategy.scope():
        inside = make_model()
    assert Trainer(inside, strategy=strategy, verbose=0).model is inside


def test_optimizer_instance_is_rebuilt_inside_the_scope():
    strategy = tf.distribute.OneDeviceStrategy("/cpu:0")
    sgd = keras.optimizers.SGD(learning_rate=0.2, momentum=0.5)
    trainer = Trainer(make_model, optimizer=sgd, strategy=strategy, verbose=0)
    assert trainer.optimizer is not sgd
    assert trainer.optimizer.get_config() == sgd.get_config()


MIRRORED = """
import json, sys
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    cpu, [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()]
)
sys.path.insert(0, {test_dir!r})
from test_distributed import dataset, fit, make_model
from dlspec.training import Trainer

strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
mirrored, history = fit(strategy)
default, expected = fit(None)
try:
    Trainer(make_model(), strategy=strategy)
    rejected = False
except ValueError:
    rejected = True
print(json.dumps({{
    "replicas": strategy.num_replicas_in_sync,
    "history": history,
    "expected": expected,
    "weights": [w.tolist() for w in mirrored.model.get_weights()],
    "expected_weights": [w.tolist() for w in default.model.get_weights()],
    "evaluate": mirrored.evaluate(dataset()),
    "rejected_instance": rejected,
}}))
"""


def test_mirrored_strategy_on_two_cpus_matches_default():
    """Per-replica averaging (batches of 8 split 4 + 4, the last batch of 5 split 3 + 2) and the
    scaled L2 loss give the default strategy's numbers."""
    script = MIRRORED.format(test_dir=str(Path(__file__).parent))
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["replicas"] == 2
    assert result["rejected_instance"]
    for name, values in result["expected"].items():
        np.testing.assert_allclose(result["history"][name], values, rtol=1e-5, atol=1e-6)
    for got, want in zip(result["weights"], result["expected_weights"]):
        np.testing.assert_allclose(got, want, atol=1e-5)
    assert result["evaluate"]["loss"] == pytest.approx(result["history"]["val_loss"][-1])
