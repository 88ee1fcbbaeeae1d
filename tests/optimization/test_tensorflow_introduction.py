"""C2W3A1 Introduction to TensorFlow: golden cases, the lab's functions, model(), the Keras twin
trained with the shared Trainer, and the 100-epoch headline run on SIGNS."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import need_data

from dlspec.data.signs import SIGNS_FILES, SIGNS_JPEG_DIR
from dlspec.grading import run_case
from dlspec.labs import get_lab
from dlspec.optimization import tensorflow_introduction as lab
from dlspec.optimization.golden.tensorflow_introduction import CASES
from dlspec.optimization.runs.tensorflow_introduction import QUICK_EPOCHS

LAB_ID = "c2w3-tf-intro"


# ------------------------------------------------------------------ golden cases


def test_registry_points_here():
    entry = get_lab(LAB_ID)
    assert entry.reference == lab.__name__
    assert [c.label for c in entry.golden_cases()] == [c.label for c in CASES[LAB_ID]]
    labels = [c.label for c in CASES[LAB_ID]]
    assert len(labels) == len(set(labels))


@pytest.mark.parametrize(
    ("name", "wrong", "status"),
    [
        (
            "compute_total_loss",  # the mean instead of the sum
            lambda logits, labels: tf.reduce_mean(
                keras.losses.categorical_crossentropy(
                    tf.transpose(labels), tf.transpose(logits), from_logits=True
                )
            ),
            "wrong value",
        ),
        ("normalize", lambda image: tf.reshape(tf.cast(image, tf.float32), [-1]), "wrong value"),
        ("sigmoid", lambda z: tf.sigmoid(tf.cast(z, tf.float64)), "wrong value"),
        ("one_hot_matrix", lambda label, C=6: tf.one_hot(label, C)[None], "wrong shape"),
        (
            "forward_propagation",  # no ReLU on the second layer
            lambda X, p: (
                p["W3"] @ (p["W2"] @ tf.nn.relu(p["W1"] @ X + p["b1"]) + p["b2"]) + p["b3"]
            ),
            "wrong value",
        ),
    ],
    ids=["loss-mean", "normalize-unscaled", "sigmoid-float64", "one-hot-2d", "forward-no-relu"],
)
def test_wrong_answers_are_caught(name, wrong, status):
    cases = [c for c in CASES[LAB_ID] if c.function == name]
    results = [run_case(c, {name: wrong}) for c in cases]
    assert any(r.status == status for r in results), [r.message for r in results]


# ------------------------------------------------------------------ the lab's functions


def test_linear_function_matches_numpy():
    np.random.seed(1)
    X, W, b = np.random.randn(3, 1), np.random.randn(4, 3), np.random.randn(4, 1)
    Y = lab.linear_function()
    assert isinstance(Y, tf.Tensor) and Y.shape == (4, 1)
    np.testing.assert_allclose(Y.numpy(), W @ X + b, rtol=1e-12)


def test_sigmoid_and_one_hot():
    z = np.array([-3.0, 0.0, 2.0])
    np.testing.assert_allclose(lab.sigmoid(z).numpy(), 1 / (1 + np.exp(-z)), rtol=1e-6)
    assert lab.sigmoid(z).dtype == tf.float32
    np.testing.assert_array_equal(lab.one_hot_matrix(tf.constant(5)).numpy(), np.eye(6)[5])
    assert lab.one_hot_matrix(2, C=3).shape == (3,)
    with pytest.raises(ValueError, match="C must be a positive integer"):
        lab.one_hot_matrix(1, C=0)


def test_normalize_flattens_in_row_major_order():
    image = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    out = lab.normalize(image)
    assert out.shape == (12288,) and out.dtype == tf.float32
    np.testing.assert_allclose(out.numpy(), image.reshape(-1) / 255.0, rtol=1e-6)


def test_initialize_parameters_is_deterministic_glorot():
    first, second = lab.initialize_parameters(), lab.initialize_parameters()
    assert list(first) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    for key in first:
        assert isinstance(first[key], tf.Variable) and first[key].dtype == tf.float32
        np.testing.assert_array_equal(first[key].numpy(), second[key].numpy())
    # Glorot normal: std sqrt(2 / (fan_in + fan_out)) (truncated at 2 std, rescaled).
    W1 = first["W1"].numpy()
    assert W1.std() == pytest.approx(np.sqrt(2 / (25 + 12288)), rel=0.02)
    assert np.abs(W1).max() <= 2 * np.sqrt(2 / (25 + 12288)) / 0.87962566 + 1e-6


def test_forward_propagation_matches_numpy_on_the_lab_shapes():
    parameters = lab.initialize_parameters()
    X = np.random.default_rng(1).random((12288, 5)).astype(np.float32)
    p = {k: v.numpy().astype(np.float64) for k, v in parameters.items()}
    A1 = np.maximum(p["W1"] @ X + p["b1"], 0)
    A2 = np.maximum(p["W2"] @ A1 + p["b2"], 0)
    expected = p["W3"] @ A2 + p["b3"]
    Z3 = lab.forward_propagation(X, parameters)
    assert Z3.shape == (6, 5)
    np.testing.assert_allclose(Z3.numpy(), expected, rtol=1e-4, atol=1e-5)


def test_forward_propagation_rejects_examples_as_rows():
    with pytest.raises(ValueError, match=r"\(12288, m\).*got \(5, 12288\).*transpose"):
        lab.forward_propagation(np.zeros((5, 12288), np.float32), lab.initialize_parameters())


def test_compute_total_loss_is_the_sum_and_its_gradient_is_softmax_minus_y():
    rng = np.random.default_rng(2)
    logits = tf.constant(rng.normal(size=(6, 7)), tf.float32)
    labels = tf.one_hot(rng.integers(0, 6, 7), 6, axis=0)
    with tf.GradientTape() as tape:
        tape.watch(logits)
        loss = lab.compute_total_loss(logits, labels)
    z = logits.numpy().astype(np.float64)
    log_softmax = z - np.log(np.exp(z).sum(axis=0))
    assert float(loss) == pytest.approx(-(labels.numpy() * log_softmax).sum(), rel=1e-6)
    softmax = np.exp(log_softmax)
    np.testing.assert_allclose(tape.gradient(loss, logits).numpy(), softmax - labels, atol=1e-6)


def test_compute_total_loss_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"\(6, 2\) and \(2, 6\)"):
        lab.compute_total_loss(tf.zeros((6, 2)), tf.zeros((2, 6)))


# ------------------------------------------------------------------ model() on small data


def _toy_data(m: int, seed: int = 0):
    """Learnable fake SIGNS rows: class k brightens the k-th sixth of the pixels."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 6, m)
    X = rng.random((m, 12288)).astype(np.float32) * 0.5
    for i, k in enumerate(labels):
        X[i, k * 2048 : (k + 1) * 2048] += 0.5
    return X, np.eye(6, dtype=np.float32)[labels]


@pytest.mark.slow
def test_model_records_every_10_epochs_and_learns(capsys):
    X, Y = _toy_data(80)
    Xt, Yt = _toy_data(30, seed=1)
    parameters, costs, train_acc, test_acc = lab.model(X, Y, Xt, Yt, num_epochs=21)
    assert len(costs) == len(train_acc) == len(test_acc) == 3  # epochs 0, 10, 20
    assert costs[0] > costs[1] > costs[2]
    assert test_acc[-1] >= 0.7 and all(isinstance(c, float) for c in costs)
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == f"Cost after epoch 0: {costs[0]:f}"
    assert printed[1].startswith("Train accuracy: ") and printed[2].startswith("Test_accuracy: ")
    assert len(printed) == 9
    assert {k: tuple(v.shape) for k, v in parameters.items()}["W1"] == (25, 12288)


@pytest.mark.slow
def test_model_accepts_the_labs_datasets_and_records_only_when_printing(capsys):
    X, Y = _toy_data(40)
    images = (X.reshape(40, 64, 64, 3) * 255).astype(np.uint8)
    x_train = tf.data.Dataset.from_tensor_slices(images).map(lab.normalize)
    y_train = tf.data.Dataset.from_tensor_slices(Y.argmax(axis=1)).map(lab.one_hot_matrix)
    _, costs, train_acc, test_acc = lab.model(
        x_train, y_train, x_train, y_train, num_epochs=2, print_cost=False
    )
    assert costs == train_acc == test_acc == []  # the course records only when printing
    assert capsys.readouterr().out == ""


def test_model_rejects_bad_input():
    X, Y = _toy_data(10)
    with pytest.raises(ValueError, match="X_train has 10 examples but Y_train has 9"):
        lab.model(X, Y[:9], X, Y, num_epochs=1)
    with pytest.raises(ValueError, match=r"X_test must have shape \(m, 12288\)"):
        lab.model(X, Y, X.T, Y, num_epochs=1)
    bad = tf.data.Dataset.from_tensor_slices(np.zeros((10, 64, 64, 3), np.float32))
    with pytest.raises(ValueError, match=r"unbatched dataset of \(12288,\) vectors"):
        lab.model(bad, Y, X, Y, num_epochs=1)
    with pytest.raises(ValueError, match="learning_rate"):
        lab.model(X, Y, X, Y, learning_rate=0.0, num_epochs=1)
    with pytest.raises(ValueError, match="minibatch_size"):
        lab.model(X, Y, X, Y, minibatch_size=2.5, num_epochs=1)


# ------------------------------------------------------------------ the Keras twin


def test_keras_model_starts_from_the_course_parameters():
    parameters = lab.initialize_parameters()
    net = lab.keras_model(parameters)
    X = np.random.default_rng(3).random((4, 12288)).astype(np.float32)
    np.testing.assert_allclose(
        net(X).numpy().T, lab.forward_propagation(X.T, parameters).numpy(), rtol=1e-5, atol=1e-5
    )
    assert [layer.units for layer in net.layers[1:]] == [25, 12, 6]
    assert net.layers[-1].activation is keras.activations.linear  # logits
    # Without parameters: Glorot normal, deterministic under the seed.
    a, b = lab.keras_model(seed=1), lab.keras_model(seed=1)
    np.testing.assert_array_equal(a.layers[1].kernel.numpy(), b.layers[1].kernel.numpy())


@pytest.mark.slow
def test_trainer_with_the_labs_summed_loss_reproduces_model():
    # 80 examples: 2 full minibatches of 32 and a short one of 16, in a fixed order.
    X, Y = _toy_data(80)
    parameters, *_ = lab.model(X, Y, X, Y, num_epochs=3, print_cost=False)
    ds = tf.data.Dataset.from_tensor_slices((X, Y)).batch(32)
    trainer = lab.fit_keras_model(
        lab.keras_model(lab.initialize_parameters()), ds, num_epochs=3, total_loss=True
    )
    for l, layer in enumerate(trainer.model.layers[1:], start=1):
        np.testing.assert_allclose(
            layer.kernel.numpy().T, parameters[f"W{l}"].numpy(), rtol=1e-4, atol=1e-6
        )
        np.testing.assert_allclose(layer.bias.numpy(), parameters[f"b{l}"].numpy()[:, 0], atol=1e-6)


# ------------------------------------------------------------------ the headline run (SIGNS)


@pytest.fixture(scope="module")
def lab_run(tmp_path_factory):
    need_data(SIGNS_FILES["test"], f"{SIGNS_JPEG_DIR}/train_signs", f"{SIGNS_JPEG_DIR}/val_signs")
    return get_lab(LAB_ID).run(quick=True, out_dir=tmp_path_factory.mktemp("c2w3"))


@pytest.mark.slow
def test_run_meets_every_quick_target(lab_run):
    for target in get_lab(LAB_ID).quick_targets:
        value = lab_run.metrics[target.metric]
        assert target.met(value), f"{target.metric}: {value} (course {target.course})"


@pytest.mark.slow
def test_run_costs_decrease_and_figures_exist(lab_run):
    costs = lab_run.extra["costs"]
    assert len(costs) == 3 and all(a > b for a, b in zip(costs, costs[1:]))  # epochs 0, 10, 20
    assert lab_run.metrics["epoch 0 cost"] == costs[0]
    assert lab_run.metrics["epoch 0 cost"] == pytest.approx(1.8302439, abs=0.05)  # course
    for figure in lab_run.figures:
        assert figure.exists() and figure.stat().st_size > 1000
    assert any("SIGNS training set (1080 images)" in note for note in lab_run.notes)


@pytest.mark.slow
def test_trainer_twin_is_close_to_the_course_loop(lab_run):
    metrics, sfx = lab_run.metrics, f" ({QUICK_EPOCHS} epochs)"
    for split, minimum in (("train", 0.50), ("test", 0.45)):
        assert metrics[f"Trainer {split} accuracy{sfx}"] >= minimum
        assert (
            abs(metrics[f"Trainer {split} accuracy{sfx}"] - metrics[f"{split} accuracy{sfx}"])
            <= 0.06
        )
    history = lab_run.extra["trainer history"]
    assert len(history["loss"]) == QUICK_EPOCHS and history["loss"][-1] < history["loss"][0]
