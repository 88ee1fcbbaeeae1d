"""dlspec's from-scratch BatchNormalization against ``keras.layers.BatchNormalization``.

Same inputs, same settings: outputs in training and inference mode, the moving statistics
after several training calls, gradients with respect to the inputs, gamma and beta, and whole
models trained with ``model.fit`` and saved / loaded as ``.keras`` files, all within 1e-5.
"""

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from dlspec.optimization.batch_normalization import BatchNormalization

TOL = 1e-5


def _batches(shape, n=4, seed=0):
    """``n`` batches with per-feature means and scales far from 0 / 1."""
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=shape) * 3.0 + 2.0).astype(np.float32) for _ in range(n)]


def _pair(input_shape, **kwargs):
    ours = BatchNormalization(**kwargs)
    theirs = keras.layers.BatchNormalization(**kwargs)
    ours.build(input_shape)
    theirs.build(input_shape)
    # Non-trivial gamma / beta, identical in both.
    rng = np.random.default_rng(1)
    for name in ("gamma", "beta"):
        if getattr(theirs, name) is not None:
            value = rng.normal(size=getattr(theirs, name).shape).astype(np.float32)
            getattr(ours, name).assign(value)
            getattr(theirs, name).assign(value)
    return ours, theirs


CASES = {
    "dense": ((16, 5), {}),
    "conv NHWC": ((8, 4, 4, 3), {}),
    "channels first": ((8, 3, 4, 4), {"axis": 1}),
    "axis 2 of 3": ((6, 7, 5), {"axis": -2, "momentum": 0.9, "epsilon": 1e-5}),
    "no center": ((16, 5), {"center": False}),
    "no scale": ((8, 4, 4, 3), {"scale": False, "momentum": 0.5}),
    "initializers": (
        (16, 5),
        {
            "gamma_initializer": "random_normal",
            "moving_mean_initializer": keras.initializers.Constant(0.5),
            "moving_variance_initializer": keras.initializers.Constant(2.0),
            "beta_initializer": "ones",
        },
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_keras_in_training_and_inference(case):
    shape, kwargs = CASES[case]
    ours, theirs = _pair(shape, **kwargs)
    np.testing.assert_allclose(ours.moving_variance.numpy(), theirs.moving_variance.numpy())
    for x in _batches(shape):
        np.testing.assert_allclose(ours(x, training=False), theirs(x, training=False), atol=TOL)
        np.testing.assert_allclose(ours(x, training=True), theirs(x, training=True), atol=TOL)
        np.testing.assert_allclose(ours.moving_mean.numpy(), theirs.moving_mean.numpy(), atol=TOL)
        np.testing.assert_allclose(
            ours.moving_variance.numpy(), theirs.moving_variance.numpy(), atol=TOL, rtol=1e-6
        )
    # After the training calls, inference uses the (now non-trivial) moving statistics.
    x = _batches(shape, n=1, seed=9)[0]
    np.testing.assert_allclose(ours(x), theirs(x), atol=TOL)
    np.testing.assert_allclose(ours(x, training=False), theirs(x, training=False), atol=TOL)
    assert ours.compute_output_shape(shape) == theirs.compute_output_shape(shape) == shape
    assert [w.shape for w in ours.weights] == [w.shape for w in theirs.weights]
    assert len(ours.trainable_weights) == len(theirs.trainable_weights)


def test_training_mode_normalizes_each_channel_of_an_image_batch():
    x = _batches((32, 6, 6, 4), n=1)[0]
    y = BatchNormalization(epsilon=1e-8)(x, training=True).numpy()
    np.testing.assert_allclose(y.mean(axis=(0, 1, 2)), 0.0, atol=1e-5)
    np.testing.assert_allclose(y.var(axis=(0, 1, 2)), 1.0, atol=1e-4)


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("case", ["dense", "conv NHWC", "channels first"])
def test_gradients_match_keras(case, training):
    shape, kwargs = CASES[case]
    ours, theirs = _pair(shape, **kwargs)
    x = tf.constant(_batches(shape, n=1)[0])
    upstream = tf.constant(np.random.default_rng(3).normal(size=shape).astype(np.float32))
    grads = []
    for layer in (ours, theirs):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(layer(x, training=training) * upstream)
        grads.append(tape.gradient(loss, [x, layer.gamma, layer.beta]))
    for name, a, b in zip(["inputs", "gamma", "beta"], *grads):
        assert a is not None, name
        np.testing.assert_allclose(a, b, atol=TOL, rtol=1e-5, err_msg=name)


def test_frozen_layer_runs_in_inference_mode_like_keras():
    shape = (16, 5)
    ours, theirs = _pair(shape)
    ours.trainable = theirs.trainable = False
    x = _batches(shape, n=1)[0]
    np.testing.assert_allclose(ours(x, training=True), theirs(x, training=True), atol=TOL)
    np.testing.assert_array_equal(ours.moving_mean.numpy(), np.zeros(5, np.float32))
    assert ours.trainable_weights == []


def _model(layer_cls, seed=0):
    inputs = keras.Input((6, 6, 2))
    x = keras.layers.Conv2D(4, 3, kernel_initializer=keras.initializers.GlorotUniform(seed))(inputs)
    x = layer_cls(momentum=0.9)(x)
    x = keras.layers.ReLU()(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(3, kernel_initializer=keras.initializers.GlorotUniform(seed + 1))(x)
    x = layer_cls()(x)
    outputs = keras.layers.Dense(1, activation="sigmoid")(x)
    return keras.Model(inputs, outputs)


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 6, 6, 2)).astype(np.float32)
    y = (x.mean(axis=(1, 2, 3)) > 0).astype(np.float32).reshape(-1, 1)
    return x, y


def test_model_fit_with_our_layer_equals_model_fit_with_keras_layer(images):
    x, y = images
    ours = _model(BatchNormalization)
    theirs = _model(keras.layers.BatchNormalization)
    theirs.set_weights(ours.get_weights())
    for model in (ours, theirs):
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy")
        model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)  # 18 steps
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=TOL)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), atol=TOL)


@pytest.mark.slow
def test_saved_and_loaded_model_predicts_the_same(tmp_path, images):
    x, y = images
    model = _model(BatchNormalization)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(x, y, batch_size=32, epochs=2, verbose=0)
    model.save(tmp_path / "bn.keras")
    loaded = keras.saving.load_model(tmp_path / "bn.keras")
    assert [type(layer) for layer in loaded.layers] == [type(layer) for layer in model.layers]
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    bn = [layer for layer in loaded.layers if isinstance(layer, BatchNormalization)][0]
    assert np.any(bn.moving_mean.numpy() != 0)  # the moving statistics were saved too


def test_config_round_trip():
    layer = BatchNormalization(
        axis=1,
        momentum=0.9,
        epsilon=1e-5,
        center=False,
        gamma_initializer=keras.initializers.Constant(2.0),
        name="bn",
    )
    config = layer.get_config()
    clone = BatchNormalization.from_config(copy.deepcopy(config))
    assert clone.get_config() == config
    serialized = keras.layers.serialize(layer)
    assert serialized["registered_name"] == "dlspec>BatchNormalization"
    restored = keras.layers.deserialize(serialized)
    assert type(restored) is BatchNormalization and restored.get_config() == config
    restored.build((2, 3, 4))
    np.testing.assert_array_equal(restored.gamma.numpy(), [2.0, 2.0, 2.0])
    assert restored.beta is None


def test_symbolic_shapes_in_a_functional_model():
    inputs = keras.Input((None, None, 3))
    outputs = BatchNormalization()(inputs)
    assert outputs.shape == (None, None, None, 3)
    assert BatchNormalization().compute_output_shape((None, 5)) == (None, 5)


def test_mixed_precision_computes_in_float32_and_returns_float16():
    x = _batches((16, 5), n=1)[0]
    layer = BatchNormalization(dtype="mixed_float16")
    y = layer(x.astype(np.float16), training=True)
    assert y.dtype == "float16" and layer.moving_mean.dtype == "float32"
    reference = keras.layers.BatchNormalization(dtype="mixed_float16")
    expected = reference(x.astype(np.float16), training=True)
    np.testing.assert_allclose(
        np.asarray(y, np.float32), np.asarray(expected, np.float32), atol=2e-3
    )


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"momentum": 1.0}, ValueError, r"momentum must be a float in \[0, 1\)"),
        ({"momentum": -0.1}, ValueError, r"momentum must be a float in \[0, 1\)"),
        ({"momentum": "0.9"}, TypeError, "momentum must be a float"),
        ({"epsilon": 0.0}, ValueError, "epsilon must be a positive number"),
        ({"axis": [1, 2]}, TypeError, "axis must be an int"),
        ({"gamma_initializer": "no_such_init"}, ValueError, "no_such_init"),
    ],
)
def test_bad_arguments_are_rejected(kwargs, error, match):
    with pytest.raises(error, match=match):
        BatchNormalization(**kwargs)


@pytest.mark.parametrize(
    "axis, shape, match",
    [
        (3, (4, 5), r"axis=3 is out of range for inputs of rank 2.*\[-2, 1\]"),
        (-3, (4, 5), "axis=-3 is out of range"),
        (0, (4, 5), "axis=0 is the batch axis"),
        (-1, (4,), "needs inputs of rank >= 2"),
        (-1, (None, None), "feature axis -1 .* must be known"),
    ],
)
def test_bad_axis_for_the_input_is_rejected_at_build(axis, shape, match):
    with pytest.raises(ValueError, match=match):
        BatchNormalization(axis=axis).build(shape)


EMPTY_REPLICA = """
import json
import numpy as np
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras
from dlspec.optimization.batch_normalization import BatchNormalization
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
x = np.random.default_rng(0).normal(2.0, 3.0, size=(5, 3)).astype("float32")
# global batch 4: the last batch holds 1 example, so one replica gets an empty batch
data = tf.data.Dataset.from_tensor_slices((x, x[:, :1])).batch(4)
with strategy.scope():
    model = keras.Sequential([keras.Input((3,)), BatchNormalization(), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
model.fit(data, epochs=1, verbose=0)
bn = model.layers[0]
print(json.dumps({"mean": bn.moving_mean.numpy().tolist(),
                  "variance": bn.moving_variance.numpy().tolist()}))
"""


@pytest.mark.slow
def test_moving_statistics_survive_an_empty_replica_batch():
    """Issue 21 item 9: a replica's empty share of a short last batch leaves them finite."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run(
        [sys.executable, "-c", EMPTY_REPLICA],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    stats = json.loads(proc.stdout.strip().splitlines()[-1])
    assert np.all(np.isfinite(stats["mean"])) and np.all(np.isfinite(stats["variance"])), stats
    assert not np.allclose(stats["mean"], 0.0)  # the non-empty batches did update them


def test_empty_batch_leaves_moving_statistics_untouched():
    layer = BatchNormalization()
    layer(np.ones((2, 3), np.float32), training=True)
    before = layer.moving_mean.numpy().copy(), layer.moving_variance.numpy().copy()
    layer(np.zeros((0, 3), np.float32), training=True)
    np.testing.assert_array_equal(layer.moving_mean.numpy(), before[0])
    np.testing.assert_array_equal(layer.moving_variance.numpy(), before[1])
