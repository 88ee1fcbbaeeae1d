"""C4W2A1 Residual networks: golden block outputs and ResNet-50 counts, the stackable Keras
layers (equal to the functional blocks, serialisable), bad input, and the BatchNormalization
fix on a shortened run."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import need_data

from dlspec.cnn import residual_networks as lab
from dlspec.cnn.golden.residual_networks import CASES
from dlspec.cnn.labs import LABS
from dlspec.cnn.residual_networks import (
    ConvolutionalBlock,
    IdentityBlock,
    ResNet50,
    convolutional_block,
    identity_block,
)
from dlspec.data.signs import SIGNS_JPEG_DIR, load_signs
from dlspec.grading import run_case
from dlspec.training.batchnorm import (
    ReestimatedBatchNormEvaluation,
    batchnorm_layers,
    reestimate_batchnorm_statistics,
    set_batchnorm_momentum,
)

LAB_ID = "c4w2-resnet"


def test_registry_points_here():
    entry = next(lab_ for lab_ in LABS if lab_.id == LAB_ID)
    assert entry.reference == lab.__name__
    assert len(entry.golden_cases()) == 3


def _identity_without_shortcut(X, f, filters, training=True, initializer=None):
    out = identity_block(X, f, filters, training=training, initializer=initializer)
    return keras.ops.relu(out - X)  # wrong: the shortcut removed again


def _convolutional_with_training_bn(X, f, filters, s=2, training=True, **kwargs):
    return convolutional_block(X, f, filters, s=s, training=True, **kwargs)  # ignores the flag


@pytest.mark.parametrize(
    ("name", "wrong"),
    [
        ("identity_block", _identity_without_shortcut),
        ("convolutional_block", _convolutional_with_training_bn),
        ("ResNet50", lambda input_shape, classes: ResNet50(input_shape, classes + 1)),
    ],
)
def test_wrong_implementations_are_caught(name, wrong):
    case = next(c for c in CASES[LAB_ID] if c.function == name)
    assert run_case(case, {name: wrong}).status == "wrong value"


# ------------------------------------------------------------------ stackable layers


def _copy_block_weights(functional_model: keras.Model, block) -> None:
    source = [layer for layer in functional_model.layers if layer.weights]
    if isinstance(block, ConvolutionalBlock):  # the shortcut's conv + BN go last, as in block
        conv = next(
            layer
            for layer in source
            if isinstance(layer, keras.layers.Conv2D)
            and layer.input is functional_model.inputs[0]
            and layer.filters == block.filters[2]
        )
        norm = next(layer for layer in source if layer.input is conv.output)
        source = [layer for layer in source if layer not in (conv, norm)] + [conv, norm]
    assert len(source) == len(block.block_layers)
    for src, dst in zip(source, block.block_layers):
        assert type(src) is type(dst)
        dst.set_weights(src.get_weights())


@pytest.mark.parametrize(
    ("builder", "layer", "filters", "kwargs"),
    [
        (identity_block, IdentityBlock, [4, 5, 6], {}),
        (convolutional_block, ConvolutionalBlock, [3, 4, 5], {"strides": 2}),
        (convolutional_block, ConvolutionalBlock, [3, 4, 5], {"strides": 1}),
    ],
)
@pytest.mark.parametrize("training", [False, True])
def test_layers_equal_functional_blocks(builder, layer, filters, kwargs, training):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 6, 6, 6)).astype(np.float32)
    inputs = keras.Input((6, 6, 6))
    extra = {"s": kwargs["strides"]} if kwargs else {}
    functional = keras.Model(inputs, builder(inputs, 3, filters, training=None, **extra))
    for bn in batchnorm_layers(functional):  # non-trivial moving statistics and affine terms
        n = bn.moving_mean.shape[0]
        bn.set_weights(
            [
                rng.normal(size=n) + 1,
                rng.normal(size=n),
                rng.normal(size=n),
                rng.uniform(0.5, 2.0, size=n),
            ]
        )
    block = layer(filters, kernel_size=3, **kwargs)
    block.build(x.shape)
    _copy_block_weights(functional, block)
    expected = functional(x, training=training)
    np.testing.assert_allclose(block(x, training=training), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.slow
def test_layers_stack_serialise_and_train(tmp_path):
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            ConvolutionalBlock([2, 2, 4], kernel_size=3, strides=2, name="conv_block"),
            IdentityBlock([2, 3, 4], kernel_size=2, bn_momentum=0.9, name="id_block"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )
    assert model.output_shape == (None, 2)
    assert model.get_layer("conv_block").compute_output_shape((None, 8, 8, 3)) == (None, 4, 4, 4)
    config = model.get_layer("id_block").get_config()
    assert config["filters"] == [2, 3, 4] and config["bn_momentum"] == 0.9
    clone = IdentityBlock.from_config(config)
    assert clone.get_config() == config
    x = np.random.default_rng(1).normal(size=(4, 8, 8, 3)).astype(np.float32)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, np.array([0, 1, 0, 1]), epochs=1, verbose=0)
    path = tmp_path / "blocks.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded.get_layer("id_block"), IdentityBlock)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


# ------------------------------------------------------------------ bad input


def test_bad_block_input():
    x = np.ones((1, 4, 4, 3), np.float32)
    with pytest.raises(ValueError, match="F3 = filters\\[2\\] must equal the input's channels"):
        identity_block(x, 2, [4, 4, 5])
    with pytest.raises(ValueError, match="filters must be a list of three positive ints"):
        convolutional_block(x, 2, [4, 4])
    with pytest.raises(ValueError, match="f must be a positive int"):
        identity_block(x, 0, [4, 4, 3])
    with pytest.raises(ValueError, match="s must be a positive int"):
        convolutional_block(x, 2, [2, 2, 2], s=0)
    with pytest.raises(ValueError, match="must be a 4-D tensor"):
        identity_block(np.ones((4, 4, 3), np.float32), 2, [4, 4, 3])
    with pytest.raises(ValueError, match="filters\\[2\\] must equal the input's channels"):
        IdentityBlock([2, 2, 5])(x)
    with pytest.raises(ValueError, match="expects 4-D inputs"):
        ConvolutionalBlock([2, 2, 2]).build((4, 4, 3))
    with pytest.raises(ValueError, match="bn_momentum"):
        IdentityBlock([2, 2, 3], bn_momentum=1.0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"classes": 1}, "classes must be an int ≥ 2"),
        ({"classes": 2.0}, "classes must be a positive integer"),
        ({"input_shape": (64, 64)}, r"input_shape must be \(height, width, channels\)"),
        ({"input_shape": (16, 16, 3)}, "too small for ResNet50"),
    ],
)
def test_bad_resnet_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ResNet50(**kwargs)


def test_reestimate_errors_and_momentum():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="no trainable BatchNormalization"):
        reestimate_batchnorm_statistics(model, [np.ones((2, 3), np.float32)])
    model = keras.Sequential([keras.Input((3,)), keras.layers.BatchNormalization()])
    with pytest.raises(ValueError, match="gave no batch"):
        reestimate_batchnorm_statistics(model, [])
    with pytest.raises(ValueError, match="momentum must be in"):
        set_batchnorm_momentum(model, 1.5)
    assert set_batchnorm_momentum(model, 0.9) == 1
    data = np.random.default_rng(0).normal(2.0, 3.0, size=(64, 3)).astype(np.float32)
    batches = [(data[i : i + 16], None) for i in range(0, 64, 16)]
    assert reestimate_batchnorm_statistics(model, batches) == 64
    bn = model.layers[0]
    assert bn.momentum == 0.9  # restored
    np.testing.assert_allclose(bn.moving_mean.numpy(), data.mean(0), rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), data.var(0), rtol=1e-4)
    assert reestimate_batchnorm_statistics(model, batches, steps=1) == 16
    np.testing.assert_allclose(bn.moving_mean.numpy(), data[:16].mean(0), rtol=1e-5)


# ------------------------------------------------------------------ the BatchNormalization fix


@pytest.mark.slow
def test_batchnorm_fix_on_a_short_run():
    """A small residual net of the stackable blocks, 4 epochs (60 steps of batch 32) on 480
    SIGNS training images. Inference-mode accuracy on 240 *other training* images (no test
    data): measured 0.20 with the lagging moving statistics, 0.70 after re-estimating them on
    the 480 training images."""
    need_data(f"{SIGNS_JPEG_DIR}/train_signs", f"{SIGNS_JPEG_DIR}/val_signs")
    data = load_signs("train")
    x = data.images.astype(np.float32) / 255.0
    y = keras.utils.to_categorical(data.labels, 6)
    x_fit, y_fit, x_held, y_held = x[:480], y[:480], x[480:720], y[480:720]
    keras.utils.set_random_seed(0)
    inputs = keras.Input((64, 64, 3))
    h = keras.layers.Conv2D(16, 5, strides=2, padding="same")(inputs)
    h = keras.layers.ReLU()(keras.layers.BatchNormalization()(h))
    h = keras.layers.MaxPooling2D(2)(h)
    h = ConvolutionalBlock([16, 16, 64], kernel_size=3, strides=2)(h)
    h = IdentityBlock([16, 16, 64])(h)
    h = ConvolutionalBlock([32, 32, 128], kernel_size=3, strides=2)(h)
    h = keras.layers.GlobalAveragePooling2D()(h)
    model = keras.Model(inputs, keras.layers.Dense(6, activation="softmax")(h))
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    fit = tf.data.Dataset.from_tensor_slices((x_fit, y_fit)).shuffle(480, seed=0).batch(32)
    fit_in_order = tf.data.Dataset.from_tensor_slices((x_fit, y_fit)).batch(32)
    held = tf.data.Dataset.from_tensor_slices((x_held, y_held)).batch(32)
    probe = ReestimatedBatchNormEvaluation(fit_in_order, held)
    history = model.fit(
        fit, epochs=4, validation_data=held, shuffle=False, verbose=0, callbacks=[probe]
    ).history
    assert history["accuracy"][-1] >= 0.6
    before = model.evaluate(held, verbose=0)[1]
    # the probe scores each epoch with re-estimated statistics, then puts the moving ones back
    assert len(probe.history["accuracy"]) == 4
    assert before == pytest.approx(history["val_accuracy"][-1], abs=1e-6)
    weights = [w.numpy() for w in model.trainable_weights]
    reestimate_batchnorm_statistics(model, fit_in_order)
    after = model.evaluate(held, verbose=0)[1]
    for old, new in zip(weights, model.trainable_weights):
        np.testing.assert_array_equal(old, new.numpy())  # only the statistics changed
    assert before <= 0.35
    assert after >= 0.55
    assert after >= before + 0.25
    assert probe.history["accuracy"][-1] == pytest.approx(after, abs=0.01)


def test_probe_selects_the_best_dev_epoch_and_records_reports():
    """keep_best: the weights of the best re-estimated dev epoch are put back at the end
    (ties to the earlier epoch); report_data is scored for the record only."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 4)).astype(np.float32)
    y = keras.utils.to_categorical((x[:, 0] + x[:, 1] > 0).astype(int), 2)
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(8),
            keras.layers.BatchNormalization(),
            keras.layers.ReLU(),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(0.5), loss="categorical_crossentropy", metrics=["accuracy"]
    )
    fit = tf.data.Dataset.from_tensor_slices((x[:64], y[:64])).batch(16)
    dev = tf.data.Dataset.from_tensor_slices((x[64:80], y[64:80])).batch(16)
    other = tf.data.Dataset.from_tensor_slices((x[80:], y[80:])).batch(16)
    snapshots = []
    keep = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: snapshots.append([w.numpy() for w in model.weights])
    )
    probe = ReestimatedBatchNormEvaluation(
        fit, dev, report_data={"other": other}, keep_best="loss", mode="min"
    )
    model.fit(fit, epochs=5, shuffle=False, verbose=0, callbacks=[keep, probe])
    losses = probe.history["loss"]
    assert len(losses) == 5 and len(probe.history["other accuracy"]) == 5
    assert probe.best_epoch == int(np.argmin(losses)) + 1
    assert probe.best == pytest.approx(min(losses))
    for saved, now in zip(snapshots[probe.best_epoch - 1], model.weights):
        np.testing.assert_array_equal(saved, now.numpy())
    reestimate_batchnorm_statistics(model, fit)
    assert model.evaluate(dev, verbose=0)[0] == pytest.approx(probe.best, rel=1e-4)
    with pytest.raises(ValueError, match="mode must be"):
        ReestimatedBatchNormEvaluation(fit, dev, mode="best")
    bad = ReestimatedBatchNormEvaluation(fit, dev, keep_best="auc")
    with pytest.raises(ValueError, match="keep_best='auc' is not a metric"):
        model.fit(fit, epochs=1, shuffle=False, verbose=0, callbacks=[bad])
