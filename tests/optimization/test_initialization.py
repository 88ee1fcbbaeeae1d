"""C2W1A1 Initialization: golden cases, the course's three runs, gradients, bad input."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from dlspec.data.toy2d import load_initialization_dataset
from dlspec.grading import run_case
from dlspec.labs import get_lab
from dlspec.optimization import initialization as init
from dlspec.optimization import three_layer
from dlspec.optimization.golden.initialization import CASES
from dlspec.optimization.gradient_checking import gradient_check_n

LAB = "c2w1-init"


@pytest.mark.parametrize("case", CASES[LAB], ids=lambda case: case.label)
def test_a_slightly_wrong_answer_fails(case):
    def wrong(*args, **kwargs):
        return {k: v * 1.01 + 0.01 for k, v in getattr(init, case.function)(*args).items()}

    assert run_case(case, {case.function: wrong}).status == "wrong value"


def test_registry_serves_the_golden_cases():
    assert get_lab(LAB).reference == init.__name__
    # the cases themselves run once, in tests/grading/test_grade_generated.py
    assert [c.label for c in get_lab(LAB).golden_cases()] == [c.label for c in CASES[LAB]]


@pytest.fixture(scope="module")
def data():
    return load_initialization_dataset()


@pytest.fixture(scope="module")
def lab_result(tmp_path_factory):
    """The lab's run: the three 15000-iteration trainings (lr 0.01) and the figures."""
    return get_lab(LAB).run(out_dir=tmp_path_factory.mktemp("init"))


def _accuracy(parameters, X, Y) -> float:
    return float(np.mean(three_layer.predict_dec(parameters, X) == Y))


@pytest.mark.slow
def test_lab_run_meets_targets_and_writes_figures(lab_result):
    for target in get_lab(LAB).targets:
        assert target.met(lab_result.metrics[target.metric]), (target, lab_result.metrics)
    assert len(lab_result.figures) == 2
    assert all(path.stat().st_size > 10_000 for path in lab_result.figures)


@pytest.mark.slow
def test_zeros_never_break_symmetry(lab_result, data):
    _, _, test_X, _ = data
    metrics, parameters = lab_result.metrics, lab_result.extra["zeros parameters"]
    assert metrics["zeros cost @0"] == 0.6931471805599453  # log 2: every output is 0.5
    # db3 = mean(0.5 - y) is 0 up to rounding (150 of 300 labels are 1): b3 drifts by 1e-16
    assert metrics["zeros cost @14000"] == pytest.approx(0.6931471805599453, abs=1e-15)
    assert metrics["zeros train accuracy"] == 0.5 and metrics["zeros test accuracy"] == 0.5
    assert not three_layer.predict_dec(parameters, test_X).any()  # predicts 0 everywhere
    for l in (1, 2):  # every unit of a layer stays the same
        assert np.all(parameters[f"W{l}"] == parameters[f"W{l}"][0])


@pytest.mark.slow
def test_large_random_weights(lab_result):
    metrics = lab_result.metrics
    assert metrics["random cost @0"] == np.inf  # log(0) of saturated sigmoids
    # Course 0.3827817535: this run saturates, and its late costs depend on the platform's
    # rounding (numpy's exp/log and BLAS kernels); we measure 0.38275.
    assert metrics["random cost @14000"] == pytest.approx(0.3827817535, abs=1e-4)
    assert metrics["random train accuracy"] == pytest.approx(0.83)
    assert metrics["random test accuracy"] == pytest.approx(0.86)


@pytest.mark.slow
def test_he_reproduces_course(lab_result, data, capsys):
    train_X, train_Y, test_X, test_Y = data
    metrics, parameters = lab_result.metrics, lab_result.extra["He parameters"]
    assert metrics["He cost @0"] == 0.8830537463419761
    assert metrics["He cost @14000"] == pytest.approx(0.07357895962677362, rel=1e-12)
    p = three_layer.predict(train_X, train_Y, parameters)
    assert capsys.readouterr().out == "Accuracy: 0.9933333333333333\n"
    assert p.shape == (1, 300) and p.dtype.kind == "i"
    three_layer.predict(test_X, test_Y, parameters)
    assert capsys.readouterr().out == "Accuracy: 0.96\n"
    assert _accuracy(parameters, test_X, test_Y) == 0.96


def test_model_prints_like_the_course(data, capsys):
    train_X, train_Y, _, _ = data
    parameters = init.model(train_X, train_Y, num_iterations=1001)
    assert capsys.readouterr().out.splitlines() == [
        "Cost after iteration 0: 0.8830537463419761",
        "Cost after iteration 1000: 0.6879825919728063",
    ]
    assert sorted(parameters) == ["W1", "W2", "W3", "b1", "b2", "b3"]
    assert parameters["W1"].shape == (10, 2) and parameters["W3"].shape == (1, 5)
    init.model(train_X, train_Y, num_iterations=3, print_cost=False)
    assert capsys.readouterr().out == ""


def test_backward_propagation_passes_gradient_checking():
    # The gradient-checking lab's tool on the init_utils backward pass (dz3 = (a3 - Y) / m).
    np.random.seed(2)
    X = np.random.randn(2, 7)
    Y = (np.random.rand(1, 7) > 0.5).astype(float)
    parameters = init.initialize_parameters_he([2, 10, 5, 1])
    _, cache = three_layer.forward_propagation(X, parameters)
    gradients = three_layer.backward_propagation(X, Y, cache)
    assert {"dz3", "da2", "dz1", "dW1", "db1"} <= set(gradients)
    assert gradient_check_n(parameters, gradients, X, Y) < 2e-7
    # and it is the regularization lab's backward pass up to rounding
    reg = three_layer.backward(X, Y, cache)
    for key in ("dW1", "db1", "dW2", "db2", "dW3", "db3"):
        np.testing.assert_allclose(gradients[key], reg[key], rtol=1e-12, atol=1e-15)


def test_loss_ignores_nan_but_keeps_inf():
    Y = np.array([[1, 0]])
    assert three_layer.compute_loss(np.array([[1.0, 0.0]]), Y) == 0.0  # 0 · log 0 → nan → dropped
    assert three_layer.compute_loss(np.array([[0.0, 0.0]]), Y) == np.inf
    assert three_layer.compute_cost_sum(np.array([[0.9, 0.2]]), Y) == pytest.approx(
        2 * three_layer.compute_loss(np.array([[0.9, 0.2]]), Y)
    )


# --- bad input ------------------------------------------------------------------------------


def test_unknown_initialization(data):
    train_X, train_Y, _, _ = data
    with pytest.raises(ValueError, match=r"initialization must be one of \('zeros', 'random'"):
        init.model(train_X, train_Y, initialization="xavier")


def test_transposed_X(data):
    train_X, train_Y, _, _ = data
    with pytest.raises(ValueError, match="X and Y must have the same number of examples"):
        init.model(train_X.T, train_Y, num_iterations=1)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"learning_rate": 0}, "learning_rate must be a positive number; got 0"),
        ({"num_iterations": 1.5}, "num_iterations must be a positive integer; got 1.5"),
    ],
)
def test_bad_hyperparameters(data, kwargs, match):
    train_X, train_Y, _, _ = data
    with pytest.raises(ValueError, match=match):
        init.model(train_X, train_Y, **kwargs)


def test_bad_layer_dims():
    with pytest.raises(ValueError, match=r"layer_dims must hold positive integers"):
        init.initialize_parameters_he([2, 0, 1])


def test_forward_rejects_parameters_that_do_not_chain():
    parameters = init.initialize_parameters_he([2, 10, 5, 1])
    parameters["W2"] = np.zeros((5, 9))
    with pytest.raises(ValueError, match=r"W2 must have shape \(m, 10\); got \(5, 9\)"):
        three_layer.forward_propagation(np.zeros((2, 3)), parameters)
    del parameters["b3"]
    with pytest.raises(KeyError, match=r"parameters lacks \['b3'\]"):
        three_layer.forward_propagation(np.zeros((2, 3)), parameters)


def test_backward_rejects_a_cache_of_other_data():
    parameters = init.initialize_parameters_he([2, 10, 5, 1])
    _, cache = three_layer.forward_propagation(np.zeros((2, 3)), parameters)
    with pytest.raises(ValueError, match="but X has m=4 columns"):
        three_layer.backward_propagation(np.zeros((2, 4)), np.zeros((1, 4)), cache)
    with pytest.raises(ValueError, match="cache must be the 12-tuple"):
        three_layer.backward_propagation(np.zeros((2, 3)), np.zeros((1, 3)), cache[:5])


def test_module_is_the_registry_module():
    assert importlib.import_module(get_lab(LAB).reference) is init
