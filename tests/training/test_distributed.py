"""Trainer under tf.distribute: OneDevice, Mirrored over 2 logical CPUs, and MultiWorkerMirrored
with two worker processes on localhost, each giving the default strategy's weights."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import textwrap
import time
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


def make_conv_model() -> keras.Model:
    init = keras.initializers.GlorotUniform
    return keras.Sequential(
        [
            keras.Input((6, 6, 3)),
            keras.layers.Conv2D(4, 3, activation="relu", kernel_initializer=init(seed=1)),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(1, "sigmoid", kernel_initializer=init(seed=2)),
        ]
    )


def conv_dataset() -> tf.data.Dataset:
    images = np.random.default_rng(2).random((9, 6, 6, 3), dtype=np.float32)
    return tf.data.Dataset.from_tensor_slices((images, Y[:9])).batch(8)


def dataset() -> tf.data.Dataset:
    return tf.data.Dataset.from_tensor_slices((X, Y)).batch(8)  # last batch: 5 examples


def fit(strategy=None, epochs=3, **kwargs):
    trainer = Trainer(
        make_model,
        optimizer=lambda: keras.optimizers.SGD(learning_rate=0.2, momentum=0.5),
        strategy=strategy,
        verbose=0,
        **kwargs,
    )
    history = trainer.fit(dataset(), epochs=epochs, validation_data=dataset())
    return trainer, history


def run_python(script: str, env: dict | None = None, timeout: float = 120) -> dict:
    """Run ``script`` in a fresh interpreter (new TF runtime); return its last stdout line."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(REPO), **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def assert_same(result: dict, history_key="history", weights_key="weights", atol=1e-5):
    for name, values in result["expected"].items():
        np.testing.assert_allclose(result[history_key][name], values, rtol=1e-5, atol=1e-6)
    for got, want in zip(result[weights_key], result["expected_weights"]):
        np.testing.assert_allclose(got, want, atol=atol)


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
from dlspec.training import Trainer, strategy_from_name

strategy = strategy_from_name("cpu:2")  # first: it splits the CPU before TF starts
import numpy as np
sys.path.insert(0, {test_dir!r})
from test_distributed import conv_dataset, dataset, fit, make_conv_model, make_model

mirrored, history = fit(strategy)
default, expected = fit(None)
jit, jit_history = fit(strategy, jit_compile=True)
mixed, mixed_history = fit(strategy, mixed_precision=True)
conv_results = []
for conv_strategy in (strategy, None):  # 9 examples, batch 8: replica 2 gets none of the last
    conv = Trainer(make_conv_model, strategy=conv_strategy, metrics=["accuracy"], verbose=0)
    conv_results.append(conv.evaluate(conv_dataset()))
try:
    Trainer(make_model(), strategy=strategy)
    rejected = False
except ValueError:
    rejected = True
weights = lambda t: [w.tolist() for w in t.model.get_weights()]
print(json.dumps({{
    "replicas": strategy.num_replicas_in_sync,
    "devices": list(strategy.extended.worker_devices),
    "history": history,
    "expected": expected,
    "weights": weights(mirrored),
    "expected_weights": weights(default),
    "jit_history": jit_history,
    "jit_weights": weights(jit),
    "mixed_loss": mixed_history["loss"],
    "mixed_optimizer": type(mixed.optimizer).__name__,
    "evaluate": mirrored.evaluate(dataset()),
    "conv_evaluate": conv_results,
    "rejected_instance": rejected,
}}))
"""


@pytest.mark.slow
def test_mirrored_strategy_on_two_cpus_matches_default():
    """Per-replica averaging (batches of 8 split 4 + 4, the last batch of 5 split 3 + 2) and the
    scaled L2 loss give the default strategy's numbers after 18 steps (max abs diff <= 1e-5);
    so do XLA (forward/backward compiled between the all-reduces) and the evaluation of a conv
    net on a last batch of 1 (one replica empty); mixed precision trains."""
    result = run_python(MIRRORED.format(test_dir=str(Path(__file__).parent)))
    assert result["replicas"] == 2 and len(result["devices"]) == 2
    assert result["rejected_instance"]
    assert_same(result)
    assert_same(result, "jit_history", "jit_weights")
    assert result["evaluate"]["loss"] == pytest.approx(result["history"]["val_loss"][-1])
    conv_mirrored, conv_default = result["conv_evaluate"]
    assert conv_mirrored == pytest.approx(conv_default, rel=1e-5)
    assert result["mixed_optimizer"] == "LossScaleOptimizer"
    assert result["mixed_loss"][-1] < 0.9 * result["mixed_loss"][0]


# ---------------------------------------------------------------- two workers on localhost

WORKER = """
import json, sys
from dlspec.training import strategy_from_name

strategy = strategy_from_name("multiworker")  # reads TF_CONFIG; first, before any TF op
sys.path.insert(0, {test_dir!r})
from test_distributed import dataset, fit

trainer, history = fit(strategy, checkpoint_dir={ckpt!r})
resolver = strategy.cluster_resolver
print(json.dumps({{
    "task": [resolver.task_type, resolver.task_id],
    "replicas": strategy.num_replicas_in_sync,
    "history": history,
    "weights": [w.tolist() for w in trainer.model.get_weights()],
    "evaluate": trainer.evaluate(dataset()),
}}))
"""


def free_ports(n: int) -> list[int]:
    """``n`` ports free on the loopback interface (bound to port 0, then released)."""
    with contextlib.ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(n)]
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in socks]


def run_workers(script: str, n: int = 2, timeout: float = 150) -> list[tuple[int, str, str]]:
    """Start ``n`` workers of one cluster on 127.0.0.1; return (returncode, stdout, stderr) each.

    Every process is killed in ``finally``, whatever happens: none outlives the test.
    """
    cluster = {"worker": [f"127.0.0.1:{port}" for port in free_ports(n)]}
    procs = []
    try:
        for index in range(n):
            tf_config = {"cluster": cluster, "task": {"type": "worker", "index": index}}
            env = {
                **os.environ,
                "TF_CPP_MIN_LOG_LEVEL": "3",
                "PYTHONPATH": str(REPO),
                "TF_CONFIG": json.dumps(tf_config),
            }
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-c", textwrap.dedent(script)],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    env=env,
                )
            )
        deadline = time.monotonic() + timeout
        results = []
        for proc in procs:
            try:
                out, err = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pytest.fail(f"a worker did not finish within {timeout} s (killed)")
            results.append((proc.returncode, out, err))
        return results
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=10)


@pytest.mark.slow
def test_multi_worker_mirrored_strategy_with_two_workers_matches_default(tmp_path):
    """Two worker processes (TF_CONFIG, loopback ports) train the default strategy's model to
    the same weights; the chief alone writes the checkpoints and history.json."""
    script = WORKER.format(test_dir=str(Path(__file__).parent), ckpt=str(tmp_path))
    results = run_workers(script)
    for code, _, err in results:
        assert code == 0, err[-3000:]
    outputs = [json.loads(out.strip().splitlines()[-1]) for _, out, _ in results]
    reference, expected = fit(None)
    expected_weights = [w.tolist() for w in reference.model.get_weights()]
    assert sorted(tuple(o["task"]) for o in outputs) == [("worker", 0), ("worker", 1)]
    for output in outputs:
        assert output["replicas"] == 2
        assert_same({**output, "expected": expected, "expected_weights": expected_weights})
        assert output["evaluate"]["loss"] == pytest.approx(output["history"]["val_loss"][-1])
    assert Path(tf.train.latest_checkpoint(str(tmp_path))).name == "ckpt-18"
    assert json.loads((tmp_path / "history.json").read_text()) == outputs[0]["history"]
    assert not list(tmp_path.glob(".*-tmp"))  # the non-chief's scratch folder is gone
