"""Trainer: convergence, equivalence with model.fit, metrics, evaluate and input validation."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from dlspec.training import Trainer


def blobs(m: int = 96, n_x: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two linearly separable Gaussian blobs: X (m, n_x) float32, y (m, 1) in {0, 1}."""
    rng = np.random.default_rng(seed)
    y = (rng.random(m) < 0.5).astype("float32")[:, None]
    x = rng.normal(size=(m, n_x)).astype("float32") + 2.5 * (2 * y - 1)
    return x, y


def dataset(x, y, batch_size: int = 16) -> tf.data.Dataset:
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size)


def mlp(n_x: int = 3, n_out: int = 1, activation: str = "sigmoid", l2: float = 0.0):
    reg = keras.regularizers.L2(l2) if l2 else None
    return keras.Sequential(
        [
            keras.Input((n_x,)),
            keras.layers.Dense(4, activation="tanh", kernel_regularizer=reg),
            keras.layers.Dense(n_out, activation=activation),
        ]
    )


def test_converges_on_separable_data():
    x, y = blobs(128)
    trainer = Trainer(mlp(), optimizer=lambda: keras.optimizers.SGD(learning_rate=0.3), verbose=0)
    history = trainer.fit(dataset(x, y), epochs=15)
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert history["accuracy"][-1] >= 0.97
    assert trainer.epoch == 15
    assert int(trainer.optimizer.iterations.numpy()) == 15 * 8


@pytest.mark.parametrize(
    "case",
    [
        dict(loss="binary_crossentropy", n_out=1, act="sigmoid", l2=0.01, momentum=0.0),
        dict(loss="sparse_categorical_crossentropy", n_out=3, act="softmax", l2=0.0, momentum=0.9),
    ],
    ids=["binary+l2", "sparse+momentum"],
)
def test_matches_model_fit(case):
    """Same initial weights, plain SGD, fixed batch order (short last batch): same result."""
    x, y = blobs(90)
    if case["n_out"] == 3:
        y = (np.arange(90) % 3).astype("int32")  # sparse labels, shape (m,)
    ds = dataset(x, y, batch_size=16)  # 5 batches of 16 and one of 10
    reference = mlp(n_out=case["n_out"], activation=case["act"], l2=case["l2"])
    ours = mlp(n_out=case["n_out"], activation=case["act"], l2=case["l2"])
    ours.set_weights(reference.get_weights())

    def sgd():
        return keras.optimizers.SGD(learning_rate=0.1, momentum=case["momentum"])

    reference.compile(optimizer=sgd(), loss=case["loss"], metrics=["accuracy"])
    expected = reference.fit(ds, epochs=3, verbose=0, shuffle=False).history
    trainer = Trainer(ours, optimizer=sgd, loss=case["loss"], metrics=["accuracy"], verbose=0)
    history = trainer.fit(ds, epochs=3)

    assert set(history) == set(expected)
    for name in expected:
        np.testing.assert_allclose(history[name], expected[name], rtol=1e-5, atol=1e-6)
    for got, want in zip(ours.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(got, want, atol=1e-5)


def test_validation_metrics_and_evaluate_match_keras():
    x, y = blobs(64)
    xv, yv = blobs(40, seed=1)
    trainer = Trainer(
        mlp(),
        optimizer=lambda: keras.optimizers.Adam(learning_rate=0.01),
        metrics=["accuracy", keras.metrics.AUC, "mse"],
        verbose=0,
    )
    history = trainer.fit(dataset(x, y), epochs=2, validation_data=dataset(xv, yv, 8))
    names = ["loss", "accuracy", "auc", "mse"]
    assert set(history) == {*names, *(f"val_{n}" for n in names)}
    assert all(len(v) == 2 for v in history.values())

    results = trainer.evaluate(dataset(xv, yv, 8))
    assert results["loss"] == pytest.approx(history["val_loss"][-1], rel=1e-6)
    reference = mlp()
    reference.set_weights(trainer.model.get_weights())
    reference.compile(loss="binary_crossentropy", metrics=["accuracy", "mse"])
    expected = reference.evaluate(dataset(xv, yv, 8), return_dict=True, verbose=0)
    for name in ("loss", "accuracy", "mse"):
        assert results[name] == pytest.approx(expected[name], rel=1e-5, abs=1e-6)


def test_custom_loss_function_and_unknown_cardinality():
    """A plain per-example loss function and a dataset of unknown length (filter)."""
    x, y = blobs(64)
    ds = dataset(x, y).filter(lambda xb, yb: True)
    assert int(ds.cardinality()) == tf.data.UNKNOWN_CARDINALITY

    def squared_error(y_true, y_pred):
        return tf.square(y_true - y_pred)  # (batch, 1): averaged over the last axis

    trainer = Trainer(mlp(), optimizer="adam", loss=squared_error, metrics=[], verbose=0)
    history = trainer.fit(ds, epochs=2)
    assert set(history) == {"loss"}
    assert int(trainer.optimizer.iterations.numpy()) == 2 * 4


def test_steps_per_epoch_streams_the_data():
    x, y = blobs(48)

    def shuffled():
        return tf.data.Dataset.from_tensor_slices((x, y)).shuffle(48, seed=0).batch(16)

    init = mlp().get_weights()

    def model():
        m = mlp()
        m.set_weights(init)
        return m

    trainer = Trainer(model, verbose=0)
    ds = shuffled()
    history = trainer.fit(ds, epochs=2, steps_per_epoch=5)  # 3 batches per pass
    assert len(history["loss"]) == 2
    assert int(trainer.optimizer.iterations.numpy()) == 10
    trainer.fit(ds, epochs=4, steps_per_epoch=5)  # the same stream carries on
    straight = Trainer(model, verbose=0)
    straight.fit(shuffled(), epochs=4, steps_per_epoch=5)
    for got, want in zip(trainer.model.get_weights(), straight.model.get_weights()):
        np.testing.assert_allclose(got, want, atol=1e-6)

    trainer.fit(dataset(x, y).repeat(), epochs=5, steps_per_epoch=2)  # infinite data
    assert int(trainer.optimizer.iterations.numpy()) == 22


def test_jit_compile_gives_the_same_result():
    x, y = blobs(48)
    init = mlp().get_weights()
    results = []
    for jit in (False, True):
        model = mlp()
        model.set_weights(init)
        trainer = Trainer(model, jit_compile=jit, verbose=0)
        results.append((trainer.fit(dataset(x, y), epochs=2), model.get_weights()))
        assert trainer.jit_compile is jit
    (h0, w0), (h1, w1) = results
    np.testing.assert_allclose(h0["loss"], h1["loss"], rtol=1e-5)
    for a, b in zip(w0, w1):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_mixed_precision_trains_close_to_float32():
    """mixed_float16 on CPU: float16 layers, dynamic loss scaling, loss going down, and
    predictions within float16 rounding of the float32 run's; the global policy is untouched."""
    x, y = blobs(96)
    init = mlp().get_weights()

    def model():
        m = mlp()
        m.set_weights(init)
        return m

    runs = {}
    for policy in (False, True):
        trainer = Trainer(
            model,
            optimizer=lambda: keras.optimizers.SGD(learning_rate=0.3),
            mixed_precision=policy,
            verbose=0,
        )
        runs[policy] = (trainer, trainer.fit(dataset(x, y), epochs=4))
    mixed, history = runs[True]
    assert mixed.mixed_precision == "mixed_float16"
    assert isinstance(mixed.optimizer, keras.optimizers.LossScaleOptimizer)
    assert mixed.model.layers[0].compute_dtype == "float16"
    assert mixed.model.layers[0].kernel.dtype == "float32"  # float32 master weights
    assert keras.config.dtype_policy().name == "float32"
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    np.testing.assert_allclose(history["loss"], runs[False][1]["loss"], rtol=2e-2)
    got = np.asarray(mixed.model(x[:32]), "float32")
    want = np.asarray(runs[False][0].model(x[:32]))
    np.testing.assert_allclose(got, want, atol=1e-2)


def test_mixed_precision_needs_a_model_built_under_the_policy():
    with pytest.raises(ValueError, match="built in float32.*zero-argument function"):
        Trainer(mlp(), mixed_precision=True)
    with pytest.raises(ValueError, match="mixed_precision must be"):
        Trainer(mlp, mixed_precision="float16")


def read_events(folder) -> dict[str, list]:
    """{tag: [(step, tensor as numpy)]} from the TensorBoard event files in ``folder``."""
    found = {}
    for path in sorted(folder.glob("events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            for value in event.summary.value:
                tensor = tf.make_ndarray(value.tensor)
                found.setdefault(value.tag, []).append((event.step, tensor))
    return found


def test_progress_bar_throughput_and_tensorboard(tmp_path, capsys):
    x, y = blobs(32)

    def predictions(model, epoch):
        return {"predictions": np.asarray(model(x[:4])).reshape(4, 1, 1, 1) * np.ones((1, 5, 7, 3))}

    trainer = Trainer(mlp(), log_dir=tmp_path / "logs", verbose=1, epoch_images=predictions)
    trainer.fit(dataset(x, y), epochs=2, validation_data=dataset(x, y))
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out and "val_accuracy" in out
    assert "examples/s" in out
    assert len(trainer.throughput) == 2 and all(rate > 0 for rate in trainer.throughput)

    train = read_events(tmp_path / "logs" / "train")
    validation = read_events(tmp_path / "logs" / "validation")
    assert [float(v) for _, v in train["epoch_loss"]] == pytest.approx(trainer.history["loss"])
    assert [float(v) for _, v in validation["epoch_accuracy"]] == pytest.approx(
        trainer.history["val_accuracy"]
    )
    assert [float(v) for _, v in train["epoch_examples_per_second"]] == pytest.approx(
        trainer.throughput, rel=1e-6
    )

    trainer.log_images("inputs", np.zeros((2, 6, 8, 1), "uint8"), step=7)
    images = read_events(tmp_path / "logs" / "images")
    assert [step for step, _ in images["predictions"]] == [0, 1]
    width, height, *pngs = images["predictions"][-1][1]
    assert (width, height, len(pngs)) == (b"7", b"5", 3)  # at most 3 images per summary
    assert tf.io.decode_png(pngs[0]).shape == (5, 7, 3)
    ((step, tensor),) = images["inputs"]
    assert step == 7 and tf.io.decode_png(tensor[2]).shape == (6, 8, 1)

    line = Trainer(mlp(), verbose=2)
    line.fit(dataset(x, y), epochs=1)
    assert "examples/s" in capsys.readouterr().out

    quiet = Trainer(mlp(), verbose=0)
    quiet.fit(dataset(x, y), epochs=1)
    assert capsys.readouterr().out == ""
    assert quiet.fit(dataset(x, y), epochs=1) == quiet.history  # already done: no-op
    with pytest.raises(ValueError, match="needs a log_dir"):
        quiet.log_images("x", np.zeros((4, 4)))


# ---------------------------------------------------------------- input validation

XY = blobs(16)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(epochs=0), ValueError, "epochs must be a positive integer"),
        (dict(epochs=2.5), ValueError, "epochs must be a positive integer"),
        (dict(epochs=True), ValueError, "epochs must be a positive integer"),
        (dict(steps_per_epoch=0), ValueError, "steps_per_epoch must be a positive integer"),
        (dict(dataset=XY), TypeError, r"from_tensor_slices\(\(x, y\)\)"),
        (dict(dataset=XY[0]), TypeError, "must be a tf.data.Dataset"),
        (
            dict(dataset=tf.data.Dataset.from_tensor_slices((XY[0], XY[1][:, 0]))),
            ValueError,
            "unbatched",
        ),
        (
            dict(dataset=tf.data.Dataset.from_tensor_slices(XY + (XY[1],)).batch(4)),
            ValueError,
            "Sample weights are not supported",
        ),
        (
            dict(dataset=tf.data.Dataset.from_tensor_slices({"x": XY[0], "y": XY[1]}).batch(4)),
            ValueError,
            "yields a dict",
        ),
        (
            dict(dataset=tf.data.Dataset.from_tensor_slices(XY[0]).batch(4)),
            ValueError,
            r"must yield \(x, y\) pairs",
        ),
        (dict(dataset=dataset(*XY).repeat()), ValueError, "steps_per_epoch"),
        (dict(dataset=dataset(*XY).take(0)), ValueError, "empty"),
        (dict(validation_data=XY), TypeError, "validation_data must be a tf.data.Dataset"),
        (
            dict(validation_data=dataset(*XY).repeat()),
            ValueError,
            "validation_data is infinite",
        ),
        (
            dict(dataset=dataset(np.zeros((16, 5), "float32"), XY[1])),
            ValueError,
            "cannot take the dataset's inputs",
        ),
    ],
)
def test_fit_rejects_bad_input(kwargs, error, match):
    trainer = Trainer(mlp(), verbose=0)
    args = {"dataset": dataset(*XY), "epochs": 1, **kwargs}
    with pytest.raises(error, match=match):
        trainer.fit(**args)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(model="mlp"), TypeError, "model must be a keras.Model"),
        (dict(model=lambda: "mlp"), TypeError, "must return a keras.Model"),
        (dict(optimizer="sgdd"), ValueError, "Unknown optimizer 'sgdd'"),
        (dict(optimizer=0.1), TypeError, "optimizer must be"),
        (dict(optimizer=lambda: "sgd"), TypeError, "not an optimizer"),
        (dict(loss="binary_crossentropi"), ValueError, "Unknown loss"),
        (dict(loss=3), TypeError, "loss must be"),
        (dict(metrics=3), TypeError, "metrics must be a list"),
        (dict(metrics=["accuracy", 3]), TypeError, "Each metric"),
        (dict(strategy="mirrored"), TypeError, "tf.distribute.Strategy"),
        (dict(verbose=3), ValueError, "verbose must be"),
        (dict(max_to_keep=0), ValueError, "max_to_keep must be a positive integer"),
        (dict(checkpoint_every="step"), ValueError, "checkpoint_every must be 'epoch'"),
        (dict(checkpoint_every=0), ValueError, "checkpoint_every must be 'epoch'"),
        (dict(checkpoint_dir=3), TypeError, "checkpoint_dir must be a folder"),
        (dict(jit_compile="yes"), ValueError, "jit_compile must be"),
        (dict(epoch_images=lambda m, e: {}), ValueError, "epoch_images must be"),
    ],
)
def test_constructor_rejects_bad_input(kwargs, error, match):
    args = {"model": mlp, **kwargs}
    with pytest.raises(error, match=match):
        Trainer(**args)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(metrics=["no_such_metric"]), "Unknown metric 'no_such_metric'"),
        (dict(metrics=["accuracy", "accuracy"]), "must be unique"),
        (dict(metrics=[keras.metrics.Mean(name="loss")]), "may not be named 'loss'"),
        (dict(loss=lambda y_true, y_pred: tf.reduce_mean(y_pred)), "returned a scalar"),
    ],
)
def test_bad_metrics_and_losses_fail_at_first_fit(kwargs, match):
    trainer = Trainer(mlp, verbose=0, **kwargs)
    with pytest.raises(ValueError, match=match):
        trainer.fit(dataset(*XY), epochs=1)
