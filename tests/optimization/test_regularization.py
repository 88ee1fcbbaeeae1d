"""C2W1A2 Regularization: golden cases, the three runs, gradients, Keras twins, bad input."""

from __future__ import annotations

import contextlib
import io

import keras
import numpy as np
import pytest
from conftest import need_data
from numerical import numerical_gradient

from dlspec.data.football import FOOTBALL_FILE, load_2D_dataset
from dlspec.foundations.keras_models import (
    fit_full_batch,
    get_course_parameters,
    set_course_parameters,
)
from dlspec.grading import run_case
from dlspec.labs import LabRun, get_lab
from dlspec.optimization import regularization as reg
from dlspec.optimization.golden.regularization import CASES
from dlspec.optimization.keras_regularized import (
    course_l2,
    keras_regularized_cost,
    regularized_classifier,
)
from dlspec.optimization.runs import regularization as runner

LAB = "c2w1-regularization"


def _perturb(value):
    if isinstance(value, tuple):
        return tuple(_perturb(v) for v in value)
    return np.asarray(value) * 1.01 + 0.01


@pytest.mark.parametrize("case", CASES[LAB], ids=lambda case: case.label)
def test_a_slightly_wrong_answer_fails(case):
    func = getattr(reg, case.function)
    result = run_case(case, {case.function: lambda *a, **k: _perturb(func(*a, **k))})
    assert result.status == "wrong value"


def test_registry_serves_the_golden_cases():
    assert get_lab(LAB).reference == reg.__name__
    assert get_lab(LAB).steps == runner.STEPS
    # the cases themselves run once, in tests/grading/test_grade_generated.py
    assert [c.label for c in get_lab(LAB).golden_cases()] == [c.label for c in CASES[LAB]]


# --- the course's three runs ------------------------------------------------------------------


@pytest.fixture(scope="module")
def data():
    need_data(FOOTBALL_FILE)
    return load_2D_dataset()


@pytest.fixture(scope="module")
def lab_result(data, tmp_path_factory):
    """The lab's three numpy runs (30000 iterations, lr 0.3) and their figures.

    The Keras twins take 30000 SGD steps each (a minute or more on two cores): the full lab
    run belongs to ``dlspec run c2w1-regularization``; here a short Keras run checks the
    plumbing and :func:`test_keras_l2_training_follows_numpy` the training itself.
    """
    run = LabRun(LAB, out_dir=tmp_path_factory.mktemp("regularization"))
    run.state["data"] = data
    runner.train_numpy(run)
    runner.keras_twins(run, ["L2", "dropout"], num_iterations=300)
    runner.figures(run)
    return run.result


@pytest.mark.slow
def test_numpy_targets_met_and_figures_written(lab_result):
    for target in get_lab(LAB).targets:
        if not target.metric.startswith("Keras"):
            assert target.met(lab_result.metrics[target.metric]), (target, lab_result.metrics)
    assert {"Keras L2 test accuracy", "Keras dropout test accuracy"} <= set(lab_result.metrics)
    assert len(lab_result.figures) == 3
    assert all(path.stat().st_size > 10_000 for path in lab_result.figures)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "cost0", "train", "test"),
    [
        ("no regularization", 0.6557412523481002, 0.9478672985781991, 0.915),
        ("L2", 0.6974484493131264, 0.9383886255924171, 0.93),
        ("dropout", 0.6543912405149825, 0.9289099526066351, 0.95),
    ],
)
def test_runs_reproduce_course_exactly(lab_result, name, cost0, train, test):
    metrics = lab_result.metrics
    assert metrics[f"{name} cost @0"] == pytest.approx(cost0, rel=1e-14)
    assert metrics[f"{name} train accuracy"] == train
    assert metrics[f"{name} test accuracy"] == test


def test_model_prints_every_10000_iterations(data):
    train_X, train_Y, _, _ = data
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        parameters = reg.model(train_X, train_Y, num_iterations=10001, lambd=0.7)
    assert printed.getvalue().splitlines() == [
        "Cost after iteration 0: 0.6974484493131264",
        "Cost after iteration 10000: 0.2684918873282239",
    ]
    assert [parameters[f"W{l}"].shape for l in (1, 2, 3)] == [(20, 2), (3, 20), (1, 3)]


def test_keras_l2_training_follows_numpy(data):
    # Same start, same full-batch SGD: Keras (float32) tracks the numpy model step for step.
    train_X, train_Y, _, _ = data
    numpy_parameters, _ = reg.train(train_X, train_Y, 0.3, 50, False, 0.7, 1)
    model = regularized_classifier([2, 20, 3, 1], lambd=0.7, m=train_X.shape[1])
    set_course_parameters(model, reg.initialize_parameters([2, 20, 3, 1]))
    fit_full_batch(model, train_X, train_Y, learning_rate=0.3, num_iterations=50)
    keras_parameters = get_course_parameters(model)
    for key, value in numpy_parameters.items():
        np.testing.assert_allclose(keras_parameters[key], value, atol=2e-5, err_msg=key)


# --- gradients ----------------------------------------------------------------------------------

EPS = 1e-5  # larger than the lab's 1e-7: less rounding noise on these small gradients


def numerical_gradients(cost, parameters: dict) -> dict:
    """Centred differences of ``cost()`` w.r.t. every entry of every parameter."""
    return {"d" + key: numerical_gradient(cost, value, EPS) for key, value in parameters.items()}


def assert_gradients_match(grads: dict, approx: dict) -> None:
    for key, value in approx.items():
        numerator = np.linalg.norm(grads[key] - value)
        difference = numerator / (np.linalg.norm(grads[key]) + np.linalg.norm(value))
        assert difference < 1e-7, f"{key}: relative difference {difference:.2e}"


@pytest.fixture
def small_problem():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3, 9))
    Y = (rng.random((1, 9)) > 0.5).astype(float)
    parameters = {
        "W1": rng.normal(size=(6, 3)),
        "b1": rng.normal(size=(6, 1)) * 0.1,
        "W2": rng.normal(size=(4, 6)) * 0.5,
        "b2": rng.normal(size=(4, 1)) * 0.1,
        "W3": rng.normal(size=(1, 4)),
        "b3": rng.normal(size=(1, 1)) * 0.1,
    }
    return X, Y, parameters


def test_backward_with_regularization_matches_numerical_gradients(small_problem):
    # The gradients include the L2 term, so they are checked against the *regularized* cost.
    X, Y, parameters = small_problem
    lambd = 0.7
    _, cache = reg.forward_propagation(X, parameters)
    grads = reg.backward_propagation_with_regularization(X, Y, cache, lambd)

    def cost():
        A3, _ = reg.forward_propagation(X, parameters)
        return reg.compute_cost_with_regularization(A3, Y, parameters, lambd)

    assert_gradients_match(grads, numerical_gradients(cost, parameters))
    plain = reg.backward_propagation(X, Y, cache)
    m = X.shape[1]
    np.testing.assert_allclose(grads["dW2"] - plain["dW2"], lambd / m * parameters["W2"])
    np.testing.assert_array_equal(grads["db2"], plain["db2"])  # biases are not penalised


def test_backward_with_dropout_matches_numerical_gradients(small_problem):
    # forward_propagation_with_dropout reseeds numpy (seed 1) in every call, so the masks are
    # fixed and the cost is a function of the parameters alone.
    X, Y, parameters = small_problem
    keep_prob = 0.7
    _, cache = reg.forward_propagation_with_dropout(X, parameters, keep_prob)
    D1, D2 = cache[1], cache[6]
    assert 0 < D1.mean() < 1 and 0 < D2.mean() < 1  # some units dropped, some kept
    grads = reg.backward_propagation_with_dropout(X, Y, cache, keep_prob)

    def cost():
        A3, again = reg.forward_propagation_with_dropout(X, parameters, keep_prob)
        assert np.array_equal(again[1], D1) and np.array_equal(again[6], D2)
        return reg.compute_cost(A3, Y)

    assert_gradients_match(grads, numerical_gradients(cost, parameters))
    assert np.all(grads["dA1"][~D1] == 0)  # no gradient flows through a dropped unit


def test_dropout_forward_is_inverted_dropout(small_problem):
    X, _, parameters = small_problem
    A3, cache = reg.forward_propagation_with_dropout(X, parameters, keep_prob=0.8)
    Z1, D1, A1 = cache[:3]
    np.testing.assert_allclose(A1, np.maximum(0, Z1) * D1 / 0.8)
    np.random.seed(1)
    np.testing.assert_array_equal(D1, np.random.rand(*D1.shape) < 0.8)
    # keep_prob = 1 keeps everything: the plain forward pass
    A3_all, cache_all = reg.forward_propagation_with_dropout(X, parameters, keep_prob=1)
    np.testing.assert_array_equal(A3_all, reg.forward_propagation(X, parameters)[0])
    assert cache_all[1].all()


# --- Keras ------------------------------------------------------------------------------------


def test_course_l2_coefficient():
    assert course_l2(0.7, 211) == 0.7 / 422
    assert course_l2(0, 211) == 0.0


def test_keras_l2_loss_equals_numpy_regularized_cost(data):
    train_X, train_Y, _, _ = data
    parameters = reg.initialize_parameters([2, 20, 3, 1])
    parameters = {k: v.astype(np.float32).astype(np.float64) for k, v in parameters.items()}
    model = regularized_classifier(lambd=0.7, m=train_X.shape[1])
    set_course_parameters(model, parameters)
    A3, _ = reg.forward_propagation(train_X, parameters)
    expected = reg.compute_cost_with_regularization(A3, train_Y, parameters, 0.7)
    penalty = expected - reg.compute_cost(A3, train_Y)
    assert penalty > 0.04  # the penalty is a visible part of the cost
    got = keras_regularized_cost(model, train_X, train_Y)
    assert got == pytest.approx(expected, rel=1e-6)
    keras_penalty = sum(float(loss) for loss in model.losses)
    assert keras_penalty == pytest.approx(penalty, rel=1e-6)


def test_keras_dropout_layers():
    model = regularized_classifier(keep_prob=0.86, seed=2)
    rates = [layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
    assert rates == pytest.approx([0.14, 0.14])
    x = np.random.default_rng(0).normal(size=(64, 2)).astype(np.float32)

    def run(training):
        return keras.ops.convert_to_numpy(model(x, training=training))

    np.testing.assert_array_equal(run(False), run(False))
    assert not np.allclose(run(True), run(False))
    assert not model.losses  # no L2 unless lambd > 0


# Keras' own .keras writer (the dropout seed state) trips numpy 2's __array__ deprecation.
@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
def test_keras_builder_round_trips(tmp_path):
    model = regularized_classifier(lambd=0.7, m=211, keep_prob=0.86, seed=1)
    clone = keras.Model.from_config(model.get_config())
    assert clone.layers[1].kernel_regularizer.get_config() == {"l2": pytest.approx(0.7 / 422)}
    path = tmp_path / "regularized.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    x = np.linspace(-1, 1, 10, dtype=np.float32).reshape(5, 2)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


# --- bad input --------------------------------------------------------------------------------


def test_model_forbids_l2_with_dropout(data):
    train_X, train_Y, _, _ = data
    with pytest.raises(ValueError, match=r"use L2 \(lambd=0.7\) or dropout \(keep_prob=0.86\)"):
        reg.model(train_X, train_Y, lambd=0.7, keep_prob=0.86)


@pytest.mark.parametrize("keep_prob", [0, -0.5, 1.5, "0.5", True])
def test_bad_keep_prob(small_problem, keep_prob):
    X, Y, parameters = small_problem
    match = r"keep_prob is the probability of keeping a unit and must be in \(0, 1\]"
    with pytest.raises(ValueError, match=match):
        reg.forward_propagation_with_dropout(X, parameters, keep_prob)
    with pytest.raises(ValueError, match=match):
        reg.model(X, Y, keep_prob=keep_prob, num_iterations=1)
    with pytest.raises(ValueError, match=match):
        regularized_classifier(keep_prob=keep_prob)


@pytest.mark.parametrize("lambd", [-0.1, float("nan"), float("inf"), None])
def test_bad_lambd(small_problem, lambd):
    X, Y, parameters = small_problem
    A3, cache = reg.forward_propagation(X, parameters)
    match = "lambd is the L2 strength and must be a finite number >= 0"
    with pytest.raises(ValueError, match=match):
        reg.compute_cost_with_regularization(A3, Y, parameters, lambd)
    with pytest.raises(ValueError, match=match):
        reg.backward_propagation_with_regularization(X, Y, cache, lambd)
    with pytest.raises(ValueError, match=match):
        reg.model(X, Y, lambd=lambd, num_iterations=1)


def test_keras_l2_needs_m():
    with pytest.raises(ValueError, match=r"m \(the training-set size\) is needed"):
        regularized_classifier(lambd=0.7)


def test_mismatched_parameter_shapes(small_problem):
    X, Y, parameters = small_problem
    A3, _ = reg.forward_propagation(X, parameters)
    bad = {**parameters, "W3": np.ones((1, 5))}
    with pytest.raises(ValueError, match=r"W3 must have shape \(m, 4\); got \(1, 5\)"):
        reg.compute_cost_with_regularization(A3, Y, bad, 0.1)
    with pytest.raises(ValueError, match=r"W1 must have shape \(m, 3\); got \(6, 2\)"):
        reg.forward_propagation_with_dropout(X, {**parameters, "W1": np.ones((6, 2))})


def test_dropout_backward_needs_the_dropout_cache(small_problem):
    X, Y, parameters = small_problem
    _, cache = reg.forward_propagation(X, parameters)
    with pytest.raises(ValueError, match="cache must be the 14-tuple"):
        reg.backward_propagation_with_dropout(X, Y, cache, 0.8)
    _, cache = reg.forward_propagation_with_dropout(X, parameters, 0.8)
    with pytest.raises(ValueError, match=r"Y has shape \(2, 9\) but the output A3 is \(1, 9\)"):
        reg.backward_propagation_with_dropout(X, np.vstack([Y, Y]), cache, 0.8)
