"""C2W2A1 "Optimization methods": golden cases, update rules against Keras, mini-batches, the
learning-rate decays, the lab's headline runs on the moons (exact), and bad input."""

from __future__ import annotations

import re

import numpy as np
import pytest

from dlspec.data.toy2d import load_moons_dataset
from dlspec.grading import run_case
from dlspec.labs import get_lab
from dlspec.optimization import optimization_methods as om
from dlspec.optimization.golden.optimization_methods import CASES
from dlspec.optimization.runs import optimization_methods as om_runner
from dlspec.optimization.three_layer import accuracy, backward, forward

LAB = "c2w2-optimization"
DIMS = [2, 5, 2, 1]
# The course shows only the shapes of the large mini-batch case: a perturbed value passes it.
SHAPE_ONLY = {"random_mini_batches (12288 x 148, size 64)"}
GOLDEN = [pytest.param(case, id=case.label) for case in CASES[LAB]]


def _adam_case_inputs() -> tuple:
    """``(parameters, grads, v, s)`` of the course's Adam test case (fresh arrays)."""
    case = next(c for c in CASES[LAB] if c.function == "update_parameters_with_adam")
    return case.make_inputs()[0]


# --- golden cases ------------------------------------------------------------------------------


def test_registry_points_here():
    lab = get_lab(LAB)
    assert lab.reference == om.__name__
    assert lab.golden == "dlspec.optimization.golden.optimization_methods"
    labels = [case.label for case in CASES[LAB]]
    assert len(labels) == len(set(labels)) == 10
    # the cases themselves run once, in tests/grading/test_grade_generated.py
    assert [c.label for c in get_lab(LAB).golden_cases()] == [c.label for c in CASES[LAB]]


@pytest.mark.parametrize("case", GOLDEN)
def test_golden_inputs_are_rebuilt_identically(case):
    first, second = case.make_inputs(), case.make_inputs()
    np.testing.assert_equal(first, second)


def _perturb(value):
    if isinstance(value, dict):
        return {key: _perturb(v) for key, v in value.items()}
    if isinstance(value, tuple | list):
        return type(value)(_perturb(v) for v in value)
    if isinstance(value, np.ndarray | float):
        return value * 1.01 + 0.01
    return value


@pytest.mark.parametrize("case", [c for c in GOLDEN if c.values[0].label not in SHAPE_ONLY])
def test_a_slightly_wrong_answer_fails(case):
    func = getattr(om, case.function)
    result = run_case(case, {case.function: lambda *a, **k: _perturb(func(*a, **k))})
    assert result.status == "wrong value", result.message


def test_wrong_mini_batch_count_is_caught():
    case = next(c for c in CASES[LAB] if c.label in SHAPE_ONLY)
    result = run_case(
        case, {"random_mini_batches": lambda X, Y, size: om.random_mini_batches(X, Y, size)[:2]}
    )
    assert result.status == "wrong shape"


def test_update_functions_leave_their_inputs_alone():
    parameters, grads, v, s = _adam_case_inputs()
    before = {key: value.copy() for key, value in {**parameters, **v}.items()}
    om.update_parameters_with_adam(parameters, grads, v, s, t=2)
    om.update_parameters_with_momentum(parameters, grads, v, 0.9, 0.1)
    om.update_parameters_with_gd(parameters, grads, 0.1)
    np.testing.assert_equal({**parameters, **v}, before)


# --- update rules ------------------------------------------------------------------------------


def _random_problem(seed: int = 0, steps: int = 5):
    rng = np.random.default_rng(seed)
    parameters = {
        "W1": rng.normal(size=(3, 2)),
        "b1": rng.normal(size=(3, 1)),
        "W2": rng.normal(size=(1, 3)),
        "b2": rng.normal(size=(1, 1)),
    }
    grads = [
        {"d" + k: rng.normal(size=p.shape) for k, p in parameters.items()} for _ in range(steps)
    ]
    return parameters, grads


def test_momentum_with_beta_zero_is_gradient_descent():
    parameters, grads = _random_problem()
    p_gd, p_mom, v = dict(parameters), dict(parameters), om.initialize_velocity(parameters)
    for g in grads:
        p_gd = om.update_parameters_with_gd(p_gd, g, 0.05)
        p_mom, v = om.update_parameters_with_momentum(p_mom, g, v, 0.0, 0.05)
    np.testing.assert_allclose(
        np.concatenate([p_gd[k].ravel() for k in parameters]),
        np.concatenate([p_mom[k].ravel() for k in parameters]),
        rtol=1e-15,
    )


def _keras_steps(make_optimizer, parameters, grads):
    """The steps of a Keras optimizer built and run with floatx float64 (restored after).

    Keras casts its Python-float hyperparameters (momentum, β1, β2) through float32, so the
    tests use values float32 holds exactly (0.875, 1 − 2⁻⁹).
    """
    import keras

    floatx = keras.config.floatx()
    keras.config.set_floatx("float64")
    try:
        optimizer = make_optimizer()
        variables = {k: keras.Variable(p, dtype="float64") for k, p in parameters.items()}
        for g in grads:
            optimizer.apply([g["d" + k] for k in variables], list(variables.values()))
    finally:
        keras.config.set_floatx(floatx)
    return {k: np.asarray(var.numpy()) for k, var in variables.items()}


def test_momentum_matches_keras_sgd():
    # v = βv + (1−β)g; W −= lr·v  ≡  Keras SGD(momentum=β) with learning rate lr·(1−β).
    import keras

    parameters, grads = _random_problem(1)
    p, v = parameters, om.initialize_velocity(parameters)
    for g in grads:
        p, v = om.update_parameters_with_momentum(p, g, v, beta=0.875, learning_rate=0.1)
    expected = _keras_steps(
        lambda: keras.optimizers.SGD(0.1 * (1 - 0.875), momentum=0.875), parameters, grads
    )
    for key in parameters:
        np.testing.assert_allclose(p[key], expected[key], rtol=1e-12, err_msg=key)


def test_adam_matches_keras_adam():
    # Keras puts ε outside the bias correction (ε·sqrt(1−β2^t)); with ε = 1e-12 the two agree.
    import keras

    B1, B2 = 0.875, 1 - 2**-9
    parameters, grads = _random_problem(2)
    p, (v, s) = parameters, om.initialize_adam(parameters)
    for t, g in enumerate(grads, start=1):
        p, v, s, v_c, s_c = om.update_parameters_with_adam(p, g, v, s, t, 0.01, B1, B2, 1e-12)
    np.testing.assert_allclose(v_c["dW1"], v["dW1"] / (1 - B1**5))
    np.testing.assert_allclose(s_c["db2"], s["db2"] / (1 - B2**5))
    expected = _keras_steps(
        lambda: keras.optimizers.Adam(0.01, beta_1=B1, beta_2=B2, epsilon=1e-12),
        parameters,
        grads,
    )
    for key in parameters:
        np.testing.assert_allclose(p[key], expected[key], rtol=1e-10, err_msg=key)


def test_first_adam_step_moves_every_weight_by_the_learning_rate():
    parameters, grads = _random_problem(3, steps=1)
    p, *_ = om.update_parameters_with_adam(
        parameters,
        grads[0],
        *om.initialize_adam(parameters),
        t=1,
        learning_rate=0.01,
        epsilon=1e-12,
    )
    for key in parameters:
        step = parameters[key] - p[key]
        np.testing.assert_allclose(step, 0.01 * np.sign(grads[0]["d" + key]), rtol=1e-9)


def test_lab_gradients_are_the_mean_cost_gradients():
    # The lab's backward (dz3 = (a3 - Y)/m, what train uses) is the gradient of compute_cost
    # (a sum over the batch) divided by m; checked on a mini-batch of 64 moons at the lab's
    # init, biases moved off zero so that no ReLU input sits on the kink.
    X, Y = load_moons_dataset()
    X, Y = X[:, :64], Y[:, :64]
    parameters = {
        k: p + 0.1 if k[0] == "b" else p for k, p in om.initialize_parameters(DIMS).items()
    }
    _, cache = forward(X, parameters)
    assert np.abs(cache[0]).min() > 1e-3 and np.abs(cache[4]).min() > 1e-3  # no ReLU kinks
    grads = backward(X, Y, cache, scale_output_error=True)
    eps = 1e-7
    for key, value in parameters.items():
        approx = np.zeros_like(value)
        for idx in np.ndindex(value.shape):
            old = value[idx]
            costs = []
            for shift in (eps, -eps):
                value[idx] = old + shift
                costs.append(om.compute_cost(om.forward_propagation(X, parameters)[0], Y) / 64)
            value[idx] = old
            approx[idx] = (costs[0] - costs[1]) / (2 * eps)
        g = grads["d" + key]
        diff = np.linalg.norm(g - approx) / (np.linalg.norm(g) + np.linalg.norm(approx))
        assert diff < 1e-7, f"d{key}: relative difference {diff:.1e}"


def test_backward_propagation_feeds_the_update_functions():
    # The course's names: dz3, da2 ... but dW3, db3 (the keys the update functions read).
    np.random.seed(0)
    X, Y = np.random.randn(2, 7), (np.random.randn(1, 7) > 0).astype(float)
    parameters = om.initialize_parameters(DIMS)
    grads = om.backward_propagation(X, Y, om.forward_propagation(X, parameters)[1])
    assert {"dz3", "dW3", "db3", "da2", "dz2", "dW2", "db2", "da1", "dz1", "dW1", "db1"} == set(
        grads
    )
    om.update_parameters_with_gd(parameters, grads, 0.01)


# --- mini-batches ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("m", "size", "sizes"),
    [(7, 2, [2, 2, 2, 1]), (8, 4, [4, 4]), (5, 64, [5]), (300, 64, [64] * 4 + [44])],
)
def test_mini_batches_partition_a_shuffle(m, size, sizes):
    X = np.vstack([np.arange(m), -np.arange(m)]).astype(float)
    Y = (np.arange(m) % 3 == 0).reshape(1, m)
    batches = om.random_mini_batches(X, Y, size, seed=5)
    assert [x.shape[1] for x, _ in batches] == sizes
    columns = np.concatenate([x for x, _ in batches], axis=1)
    labels = np.concatenate([y for _, y in batches], axis=1)
    np.random.seed(5)
    np.testing.assert_array_equal(columns[0], np.random.permutation(m))  # the course's shuffle
    np.testing.assert_array_equal(labels[0], columns[0] % 3 == 0)  # Y stays with its column
    again = om.random_mini_batches(X, Y, size, seed=5)
    np.testing.assert_array_equal(np.concatenate([x for x, _ in again], axis=1), columns)


def test_model_reshuffles_every_epoch_with_seeds_from_11():
    X, Y = load_moons_dataset()
    first = [x for x, _ in om.random_mini_batches(X, Y, 64, seed=11)]
    second = [x for x, _ in om.random_mini_batches(X, Y, 64, seed=12)]
    assert not np.array_equal(first[0], second[0])


# --- learning-rate decay -----------------------------------------------------------------------


def test_update_lr_decays_every_epoch():
    assert [om.update_lr(0.1, i, 1) for i in (0, 1, 9, 99)] == pytest.approx(
        [0.1, 0.05, 0.01, 0.001]
    )
    assert om.update_lr(0.2, 10, 0) == 0.2


def test_schedule_lr_decay_is_a_staircase():
    rates = [om.schedule_lr_decay(0.1, i, 1) for i in range(5000)]
    assert rates[:1000] == [0.1] * 1000
    assert rates[1000] == pytest.approx(0.05)
    assert sorted(set(rates), reverse=True) == pytest.approx([0.1, 0.05, 0.1 / 3, 0.025, 0.02])
    assert om.schedule_lr_decay(0.1, 250, 2, time_interval=100) == pytest.approx(0.02)


def test_train_records_the_learning_rate_of_each_epoch():
    X, Y = load_moons_dataset()
    history = om.train(X, Y, DIMS, "gd", 0.1, num_epochs=12, decay=om.update_lr, decay_rate=0.5)
    assert history["learning_rates"] == [0.1] + [om.update_lr(0.1, i, 0.5) for i in range(11)]
    assert len(history["costs"]) == 1  # every 100 epochs


# --- the lab's headline runs (moons, 5000 epochs, mini-batches of 64, exact) -------------------

HEADLINE = [
    # optimizer, lr, decay, printed costs {epoch: cost}, course accuracy
    ("gd", 0.0007, None, {0: "0.702405", 1000: "0.668101"}, 0.7166666666666667),
    ("momentum", 0.0007, None, {0: "0.702413"}, 0.7166666666666667),
    ("adam", 0.0007, None, {0: "0.702166", 1000: "0.167845", 4000: "0.136066"},
     0.9433333333333334),
    ("gd", 0.1, om.update_lr, {0: "0.701091"}, 0.6533333333333333),
    ("gd", 0.1, om.schedule_lr_decay, {}, 0.9433333333333334),  # lab table 94.6 %
    ("momentum", 0.1, om.schedule_lr_decay, {}, 0.9533333333333334),  # lab table 95.6 %
    ("adam", 0.01, om.schedule_lr_decay, {}, 0.94),  # lab table 94 %
]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(
    ("optimizer", "lr", "decay", "printed", "course"),
    HEADLINE,
    ids=["gd", "momentum", "adam", "gd+update_lr", "gd+schedule", "momentum+schedule",
         "adam+schedule"],
)  # fmt: skip
def test_headline_run_reproduces_course(capsys, optimizer, lr, decay, printed, course):
    X, Y = load_moons_dataset()
    parameters = om.model(X, Y, DIMS, optimizer, learning_rate=lr, decay=decay)
    lines = capsys.readouterr().out.splitlines()
    costs = [line for line in lines if line.startswith("Cost after epoch")]
    assert len(costs) == 5  # epochs 0, 1000, ..., 4000
    for epoch, value in printed.items():
        assert f"Cost after epoch {epoch}: {value}" in costs
    if decay is not None:
        assert f"learning rate after epoch 1000: {decay(lr, 1000, 1):f}" in lines
    assert accuracy(parameters, X, Y) == course
    p = om.predict(X, Y, parameters)
    assert capsys.readouterr().out == f"Accuracy: {course}\n"
    assert p.shape == (1, 300)


def test_update_lr_decays_too_fast_and_stalls():
    # The course's failure: after 100 epochs update_lr has cut the rate 100-fold, and the cost
    # hardly moves afterwards (it stays near the starting 0.70), unlike the staircase schedule.
    X, Y = load_moons_dataset()
    fast = om.train(X, Y, DIMS, "gd", 0.1, num_epochs=1001, decay=om.update_lr)
    assert fast["learning_rates"][100] == pytest.approx(0.1 / 100)
    assert fast["learning_rates"][1000] == pytest.approx(1e-4)
    assert fast["costs"][10] > 0.65  # epoch 1000
    assert fast["costs"][5] - fast["costs"][10] < 0.005  # epochs 500 to 1000: a plateau
    staircase = om.train(X, Y, DIMS, "gd", 0.1, num_epochs=1001, decay=om.schedule_lr_decay)
    assert staircase["costs"][10] < 0.2


def test_model_returns_trains_parameters():
    X, Y = load_moons_dataset()
    parameters = om.model(X, Y, DIMS, "momentum", num_epochs=3, print_cost=False)
    history = om.train(X, Y, DIMS, "momentum", num_epochs=3)
    np.testing.assert_equal(parameters, history["parameters"])


def test_initialize_parameters_is_the_he_initialisation_seeded_3():
    parameters = om.initialize_parameters(DIMS)
    np.random.seed(3)
    W1 = np.random.randn(5, 2) * np.sqrt(2 / 2)
    W2 = np.random.randn(2, 5) * np.sqrt(2 / 5)
    np.testing.assert_array_equal(parameters["W1"], W1)
    np.testing.assert_array_equal(parameters["W2"], W2)
    assert not parameters["b3"].any()


@pytest.mark.slow
def test_run_produces_every_target_and_figure(tmp_path, monkeypatch):
    # The lab's runs, shortened to 1001 epochs: the metric names and figures, not the numbers.
    train = om.train
    monkeypatch.setattr(om_runner, "train", lambda *a, **k: train(*a, **k, num_epochs=1001))
    result = get_lab(LAB).run(quick=False, out_dir=tmp_path)
    targets = {t.metric for t in get_lab(LAB).targets}
    assert targets <= set(result.metrics)
    names = sorted(path.name for path in result.figures)
    assert names == [
        "costs.png",
        "decay_boundaries.png",
        "decay_costs.png",
        "decision_boundaries.png",
        "learning_rates.png",
    ]
    assert all(path.stat().st_size > 10_000 for path in result.figures)
    quick = get_lab(LAB).run(quick=True, out_dir=tmp_path / "quick")
    assert set(quick.metrics) & targets == {"gd accuracy", "momentum accuracy", "adam accuracy"}
    assert {t.metric for t in get_lab(LAB).quick_targets} <= set(quick.metrics)


# --- bad input ---------------------------------------------------------------------------------


@pytest.fixture
def problem():
    return _adam_case_inputs()


def test_unknown_optimizer():
    X, Y = load_moons_dataset()
    msg = re.escape("optimizer must be one of ['gd', 'momentum', 'adam']; got 'rmsprop'.")
    with pytest.raises(ValueError, match=msg):
        om.model(X, Y, DIMS, "rmsprop", num_epochs=1)


@pytest.mark.parametrize("beta", [1.0, -0.1, 1.5])
def test_beta_out_of_range(problem, beta):
    parameters, grads, v, _ = problem
    with pytest.raises(
        ValueError, match=re.escape(f"beta must be a float in [0, 1) (typically 0.9); got {beta}")
    ):
        om.update_parameters_with_momentum(parameters, grads, v, beta, 0.01)
    X, Y = load_moons_dataset()
    with pytest.raises(ValueError, match=r"beta1 must be a float in \[0, 1\)"):
        om.model(X, Y, DIMS, "adam", beta1=beta, num_epochs=1)
    with pytest.raises(ValueError, match=r"beta2 must be a float in \[0, 1\)"):
        om.update_parameters_with_adam(*problem, t=1, beta2=beta)


def test_beta_must_be_a_number(problem):
    parameters, grads, v, _ = problem
    with pytest.raises(TypeError, match="beta must be a float in"):
        om.update_parameters_with_momentum(parameters, grads, v, True, 0.01)


@pytest.mark.parametrize("size", [0, -64, 2.5, "64"])
def test_bad_mini_batch_size(size):
    X, Y = load_moons_dataset()
    msg = re.escape(f"mini_batch_size must be a positive integer; got {size!r}.")
    with pytest.raises(ValueError, match=msg):
        om.random_mini_batches(X, Y, size)
    with pytest.raises(ValueError, match=msg):
        om.model(X, Y, DIMS, "gd", mini_batch_size=size, num_epochs=1)


def test_mismatched_gradient_shape_names_the_key(problem):
    parameters, grads, v, s = problem
    grads["dW2"] = grads["dW2"][:, :2]
    msg = re.escape("grads['dW2'] has shape (3, 2) but parameters['W2'] has shape (3, 3)")
    with pytest.raises(ValueError, match=msg):
        om.update_parameters_with_gd(parameters, grads, 0.01)
    with pytest.raises(ValueError, match=msg):
        om.update_parameters_with_adam(parameters, grads, v, s, 1)
    v["db1"] = np.zeros((1, 2))
    with pytest.raises(
        ValueError, match=re.escape("v['db1'] has shape (1, 2) but parameters['b1']")
    ):
        om.update_parameters_with_momentum(parameters, _adam_case_inputs()[1], v, 0.9, 0.01)


def test_missing_gradient_names_the_key(problem):
    parameters, grads, _, _ = problem
    del grads["db2"]
    with pytest.raises(
        KeyError, match=re.escape("grads lacks 'db2' (the entry for parameters['b2'])")
    ):
        om.update_parameters_with_gd(parameters, grads, 0.01)


def test_bad_parameter_keys(problem):
    parameters, grads, _, _ = problem
    with pytest.raises(KeyError, match="parameters must hold W1, b1, ..., WL, bL; got keys"):
        om.update_parameters_with_gd({**parameters, "W3": parameters["W2"]}, grads, 0.01)
    with pytest.raises(TypeError, match="parameters must be a dict"):
        om.initialize_velocity([parameters["W1"]])


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_gradient_names_the_key(problem, bad):
    parameters, grads, v, s = problem
    grads["dW1"][1, 2] = bad
    msg = re.escape("grads['dW1'] contains NaN or infinity")
    with pytest.raises(ValueError, match=msg):
        om.update_parameters_with_gd(parameters, grads, 0.01)
    with pytest.raises(ValueError, match=msg):
        om.update_parameters_with_momentum(parameters, grads, v, 0.9, 0.01)
    with pytest.raises(ValueError, match=msg):
        om.update_parameters_with_adam(parameters, grads, v, s, 1)


def test_diverging_training_stops_with_the_parameter_and_epoch():
    X, Y = load_moons_dataset()
    with (
        np.errstate(over="ignore", invalid="ignore"),
        pytest.raises(
            FloatingPointError,
            match=r"parameters\['W\d'\] became NaN or infinite in "
            r"epoch 0 \(optimizer 'gd', learning_rate 0.0007\)",
        ),
    ):
        om.train(X * 1e200, Y, DIMS, "gd", num_epochs=2)


def test_bad_adam_step_counter_and_epsilon(problem):
    with pytest.raises(ValueError, match=re.escape("t must be a positive integer; got 0.")):
        om.update_parameters_with_adam(*problem, t=0)
    with pytest.raises(ValueError, match=re.escape("epsilon must be a positive number; got 0")):
        om.update_parameters_with_adam(*problem, t=1, epsilon=0)


def test_bad_learning_rates_and_decays():
    with pytest.raises(ValueError, match=re.escape("learning_rate0 must be a positive number")):
        om.update_lr(0, 1, 1)
    with pytest.raises(ValueError, match=re.escape("epoch_num must be a non-negative integer")):
        om.schedule_lr_decay(0.1, -1, 1)
    with pytest.raises(ValueError, match=re.escape("decay_rate must be a non-negative number")):
        om.update_lr(0.1, 1, -1)
    with pytest.raises(ValueError, match=re.escape("time_interval must be a positive integer")):
        om.schedule_lr_decay(0.1, 1, 1, time_interval=0)
    X, Y = load_moons_dataset()
    with pytest.raises(TypeError, match="decay must be None or a function"):
        om.model(X, Y, DIMS, "gd", decay="update_lr", num_epochs=1)
    with pytest.raises(ValueError, match=re.escape("learning_rate must be a positive number")):
        om.model(X, Y, DIMS, "gd", learning_rate=-0.1, num_epochs=1)


def test_bad_data_and_layers():
    X, Y = load_moons_dataset()
    with pytest.raises(ValueError, match=re.escape("X must have shape (2, m); got (300, 2). Did")):
        om.model(X.T, Y, DIMS, "gd", num_epochs=1)
    with pytest.raises(ValueError, match="Y looks transposed"):
        om.random_mini_batches(X, Y.T)
    with pytest.raises(ValueError, match=re.escape("layers_dims must be [n_x, n_1, n_2, 1]")):
        om.model(X, Y, [2, 5, 1], "gd", num_epochs=1)
    with pytest.raises(ValueError, match=re.escape("Y must have shape (1, m)")):
        om.random_mini_batches(X, np.vstack([Y, Y]))
