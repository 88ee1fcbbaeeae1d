"""Bad inputs to the Course 1 references fail early with messages that say expected vs got."""

from __future__ import annotations

import re

import numpy as np
import pytest

from dlspec.foundations import deep_nn_application as app
from dlspec.foundations import deep_nn_step_by_step as dnn
from dlspec.foundations import logistic_regression as lr
from dlspec.foundations import planar_classification as planar

TRANSPOSE_HINT = "Did you forget to transpose?"
Y_TRANSPOSED_HINT = re.escape("Y looks transposed: use Y.reshape(1, -1).")


@pytest.fixture
def logreg_data():
    rng = np.random.default_rng(0)
    w = np.zeros((2, 1))
    X = rng.normal(size=(2, 5))
    Y = np.array([[1, 0, 1, 1, 0]])
    return w, 0.0, X, Y


@pytest.fixture
def app_data():
    rng = np.random.default_rng(1)
    return rng.normal(size=(12, 10)), (rng.random((1, 10)) > 0.5).astype(float)


@pytest.fixture
def planar_parameters():
    np.random.seed(0)
    return planar.initialize_parameters(2, 4, 1)


# --- X: wrong number of rows, transposed, NaN -----------------------------------------------


def test_X_with_wrong_rows(logreg_data):
    w, b, _, _ = logreg_data
    with pytest.raises(ValueError, match=re.escape("X must have shape (2, m); got (3, 5).")) as e:
        lr.propagate(w, b, np.ones((3, 5)), np.ones((1, 5)))
    assert TRANSPOSE_HINT not in str(e.value)  # (3, 5) is not (2, m) transposed


def test_transposed_X_suggests_transposing(logreg_data):
    w, b, X, Y = logreg_data
    msg = re.escape(f"X must have shape (2, m); got (5, 2). {TRANSPOSE_HINT}")
    with pytest.raises(ValueError, match=msg):
        lr.propagate(w, b, X.T, Y)
    with pytest.raises(ValueError, match=msg):
        lr.predict(w, b, X.T)


def test_model_checks_test_set_against_train_rows(logreg_data):
    _, _, X, Y = logreg_data
    with pytest.raises(ValueError, match=re.escape("X must have shape (2, m); got (3, 4).")):
        lr.model(X, Y, np.ones((3, 4)), np.ones((1, 4)), num_iterations=1)


def test_two_layer_model_X_rows_must_match_layers_dims(app_data):
    X, Y = app_data
    with pytest.raises(ValueError, match=re.escape("X must have shape (12, m); got (11, 10).")):
        app.two_layer_model(X[:11], Y, (12, 4, 1), num_iterations=1)
    with pytest.raises(ValueError, match=re.escape(f"got (10, 12). {TRANSPOSE_HINT}")):
        app.two_layer_model(X.T, Y, (12, 4, 1), num_iterations=1)
    with pytest.raises(ValueError, match=re.escape(f"got (10, 12). {TRANSPOSE_HINT}")):
        app.L_layer_model(X.T, Y, [12, 3, 1], num_iterations=1)


def test_deep_forward_transposed_X():
    parameters = dnn.initialize_parameters_deep([2, 3, 1])
    with pytest.raises(
        ValueError, match=re.escape(f"A_prev must have shape (2, m); got (5, 2). {TRANSPOSE_HINT}")
    ):
        dnn.L_model_forward(np.ones((5, 2)), parameters)


def test_planar_X_rows_must_match_W1(planar_parameters):
    with pytest.raises(
        ValueError, match=r"X has n_x=3 rows, W1 is \(4, 2\).*expected W1 \(n_h, 3\)"
    ):
        planar.forward_propagation(np.ones((3, 5)), planar_parameters)


def test_planar_transposed_X_suggests_transposing(planar_parameters):
    with pytest.raises(ValueError, match="transpose"):
        planar.forward_propagation(np.ones((5, 2)), planar_parameters)


NAN_MSG = "X contains NaN or infinity"


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_in_X(bad, logreg_data, app_data, planar_parameters):
    w, b, X, Y = logreg_data
    X = X.copy()
    X[1, 2] = bad
    with pytest.raises(ValueError, match=NAN_MSG):
        lr.propagate(w, b, X, Y)
    with pytest.raises(ValueError, match=NAN_MSG):
        planar.forward_propagation(X, planar_parameters)
    with pytest.raises(ValueError, match=NAN_MSG):
        planar.nn_model(X, Y, 4, num_iterations=1)
    X_app, Y_app = app_data
    X_app = X_app.copy()
    X_app[3, 3] = bad
    with pytest.raises(ValueError, match=NAN_MSG):
        app.two_layer_model(X_app, Y_app, (12, 4, 1), num_iterations=1)
    with pytest.raises(ValueError, match=NAN_MSG):
        app.L_layer_model(X_app, Y_app, [12, 3, 1], num_iterations=1)


def test_L_model_forward_rejects_nan_X():
    X = np.ones((2, 3))
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        dnn.L_model_forward(X, dnn.initialize_parameters_deep([2, 3, 1]))


# --- Y: mismatched m, transposed ---------------------------------------------------------------


def test_Y_with_mismatched_m(logreg_data):
    w, b, X, _ = logreg_data
    msg = re.escape("same number of examples m (columns): X is (2, 5), Y is (1, 4).")
    with pytest.raises(ValueError, match=msg) as e:
        lr.propagate(w, b, X, np.ones((1, 4)))
    assert "transposed" not in str(e.value)


def test_transposed_Y(logreg_data, app_data):
    w, b, X, Y = logreg_data
    with pytest.raises(ValueError, match=r"X is \(2, 5\), Y is \(5, 1\)\. " + Y_TRANSPOSED_HINT):
        lr.propagate(w, b, X, Y.T)
    with pytest.raises(ValueError, match=r"X is \(2, 5\), Y is \(5, 1\)\. " + Y_TRANSPOSED_HINT):
        planar.nn_model(X, Y.T, 4, num_iterations=1)
    X_app, Y_app = app_data
    with pytest.raises(ValueError, match=r"X is \(12, 10\), Y is \(10, 1\)\. " + Y_TRANSPOSED_HINT):
        app.L_layer_model(X_app, Y_app.T, [12, 3, 1], num_iterations=1)


@pytest.mark.parametrize("module", [planar, dnn], ids=["planar", "deep"])
def test_compute_cost_transposed_Y(module):
    with pytest.raises(ValueError, match=r"Y is \(3, 1\)\. " + Y_TRANSPOSED_HINT):
        module.compute_cost(np.full((1, 3), 0.5), np.array([[1], [0], [1]]))


def test_one_dimensional_Y(logreg_data):
    w, b, X, Y = logreg_data
    with pytest.raises(ValueError, match=re.escape("Y must have shape 2-D; got (5,) (1-D).")):
        lr.propagate(w, b, X, Y.ravel())


# --- layer_dims -------------------------------------------------------------------------------

BAD_LAYER_DIMS = [
    pytest.param([5], "needs at least 2 sizes (input, ..., output); got [5].", id="short"),
    pytest.param([], "needs at least 2 sizes (input, ..., output); got [].", id="empty"),
    pytest.param([5, 0, 1], "must hold positive integers; got [5, 0, 1] (bad: [0]).", id="zero"),
    pytest.param([5, -2, 1], "must hold positive integers; got [5, -2, 1] (bad: [-2]).", id="neg"),
    pytest.param(
        [5, 2.0, 1], "must hold positive integers; got [5, 2.0, 1] (bad: [2.0]).", id="float"
    ),
    pytest.param(
        [5, True, 1], "must hold positive integers; got [5, True, 1] (bad: [True]).", id="bool"
    ),
]


@pytest.mark.parametrize(("layer_dims", "msg"), BAD_LAYER_DIMS)
@pytest.mark.parametrize(
    "init", [dnn.initialize_parameters_deep, app.initialize_parameters_deep], ids=["w4a1", "w4a2"]
)
def test_bad_layer_dims(init, layer_dims, msg):
    with pytest.raises(ValueError, match=re.escape("layer_dims " + msg)):
        init(layer_dims)


def test_bad_layer_dims_in_models(app_data):
    X, Y = app_data
    with pytest.raises(ValueError, match=re.escape("at least 3 sizes (input, ..., output); got")):
        app.two_layer_model(X, Y, (12, 4), num_iterations=1)
    with pytest.raises(ValueError, match=re.escape("got [12, 3.5, 1] (bad: [3.5]).")):
        app.L_layer_model(X, Y, [12, 3.5, 1], num_iterations=1)


@pytest.mark.parametrize("init", [dnn.initialize_parameters, planar.initialize_parameters])
def test_bad_two_layer_sizes(init):
    with pytest.raises(ValueError, match=re.escape("n_h must be a positive integer; got 0.")):
        init(2, 0, 1)
    with pytest.raises(ValueError, match=re.escape("n_x must be a positive integer; got 2.5.")):
        init(2.5, 4, 1)


def test_initialize_with_zeros_bad_dim():
    with pytest.raises(ValueError, match=re.escape("dim must be a positive integer; got -1.")):
        lr.initialize_with_zeros(-1)


# --- learning_rate and num_iterations -----------------------------------------------------------


@pytest.mark.parametrize("learning_rate", [0, -0.1, 0.0])
def test_non_positive_learning_rate(learning_rate, logreg_data, app_data, planar_parameters):
    msg = re.escape(f"learning_rate must be a positive number; got {learning_rate!r}.")
    w, b, X, Y = logreg_data
    with pytest.raises(ValueError, match=msg):
        lr.optimize(w, b, X, Y, num_iterations=1, learning_rate=learning_rate)
    X_app, Y_app = app_data
    with pytest.raises(ValueError, match=msg):
        app.two_layer_model(X_app, Y_app, (12, 4, 1), learning_rate, num_iterations=1)
    with pytest.raises(ValueError, match=msg):
        app.L_layer_model(X_app, Y_app, [12, 3, 1], learning_rate, num_iterations=1)
    grads = {"d" + key: np.zeros_like(value) for key, value in planar_parameters.items()}
    with pytest.raises(ValueError, match=msg):
        planar.update_parameters(planar_parameters, grads, learning_rate)
    with pytest.raises(ValueError, match=msg):
        dnn.update_parameters(planar_parameters, grads, learning_rate)


@pytest.mark.parametrize("num_iterations", [0, -5, 2.5])
def test_bad_num_iterations(num_iterations, logreg_data, app_data):
    msg = re.escape(f"num_iterations must be a positive integer; got {num_iterations!r}.")
    w, b, X, Y = logreg_data
    with pytest.raises(ValueError, match=msg):
        lr.optimize(w, b, X, Y, num_iterations=num_iterations)
    with pytest.raises(ValueError, match=msg):
        lr.model(X, Y, X, Y, num_iterations=num_iterations)
    with pytest.raises(ValueError, match=msg):
        planar.nn_model(X, Y, 4, num_iterations=num_iterations)
    X_app, Y_app = app_data
    with pytest.raises(ValueError, match=msg):
        app.two_layer_model(X_app, Y_app, (12, 4, 1), num_iterations=num_iterations)
    with pytest.raises(ValueError, match=msg):
        app.L_layer_model(X_app, Y_app, [12, 3, 1], num_iterations=num_iterations)


# --- activation names ---------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["tanh", "Relu", "softmax", ""])
def test_wrong_activation_name(activation):
    msg = re.escape(f"activation must be one of ('sigmoid', 'relu'); got {activation!r}.")
    A_prev, W, b = np.ones((2, 3)), np.ones((1, 2)), np.zeros((1, 1))
    with pytest.raises(ValueError, match=msg):
        dnn.linear_activation_forward(A_prev, W, b, activation)
    cache = ((A_prev, W, b), np.ones((1, 3)))
    with pytest.raises(ValueError, match=msg):
        dnn.linear_activation_backward(np.ones((1, 3)), cache, activation)


# --- parameters: missing keys, shapes that do not chain -----------------------------------------


def test_planar_parameters_missing_key(planar_parameters):
    del planar_parameters["b2"]
    msg = re.escape("parameters lacks ['b2']; expected keys ['W1', 'b1', 'W2', 'b2'].")
    with pytest.raises(KeyError, match=msg):
        planar.forward_propagation(np.ones((2, 3)), planar_parameters)


def test_planar_parameters_do_not_chain(planar_parameters):
    planar_parameters["W2"] = np.ones((1, 3))
    msg = re.escape("W1 is (4, 2), W2 is (1, 3); expected W1 (n_h, 2) and W2 (n_y, n_h).")
    with pytest.raises(ValueError, match="parameter shapes do not chain: .*" + msg):
        planar.forward_propagation(np.ones((2, 3)), planar_parameters)


def test_deep_parameters_missing_key():
    parameters = dnn.initialize_parameters_deep([2, 3, 1])
    del parameters["b2"]
    msg = re.escape("parameters must hold keys ['W1', 'b1']; got ['W1', 'W2', 'b1'].")
    with pytest.raises(KeyError, match=msg):
        dnn.L_model_forward(np.ones((2, 3)), parameters)
    with pytest.raises(KeyError, match="parameters must hold keys"):
        dnn.update_parameters(parameters, {}, 0.1)


def test_deep_parameters_do_not_chain():
    parameters = dnn.initialize_parameters_deep([2, 3, 1])
    parameters["W2"] = np.ones((1, 4))  # layer 2 expects 4 inputs, layer 1 gives 3
    with pytest.raises(ValueError, match=re.escape("A_prev must have shape (4, m); got (3, 5).")):
        dnn.L_model_forward(np.ones((2, 5)), parameters)
    parameters["W2"] = np.ones((1, 3))
    parameters["b2"] = np.zeros((2, 1))
    with pytest.raises(ValueError, match=re.escape("b must have shape (1, 1); got (2, 1).")):
        dnn.L_model_forward(np.ones((2, 5)), parameters)


# --- update_parameters with gradients of the wrong shape -----------------------------------------


@pytest.mark.parametrize("module", [planar, dnn], ids=["planar", "deep"])
def test_update_parameters_mismatched_gradient(module, planar_parameters):
    grads = {"d" + key: np.zeros_like(value) for key, value in planar_parameters.items()}
    grads["dW1"] = grads["dW1"].T
    msg = re.escape("grads['dW1'] has shape (2, 4) but parameters['W1'] has (4, 2).")
    with pytest.raises(ValueError, match=msg):
        module.update_parameters(planar_parameters, grads, 0.1)
    grads["dW1"] = grads["dW1"].T
    grads["db2"] = np.zeros(1)
    msg = re.escape("grads['db2'] has shape (1,) but parameters['b2'] has (1, 1).")
    with pytest.raises(ValueError, match=msg):
        module.update_parameters(planar_parameters, grads, 0.1)


def test_update_parameters_leaves_inputs_alone_on_error(planar_parameters):
    before = {key: value.copy() for key, value in planar_parameters.items()}
    grads = {"d" + key: np.ones_like(value) for key, value in planar_parameters.items()}
    grads["db2"] = np.zeros((2, 1))
    with pytest.raises(ValueError):
        dnn.update_parameters(planar_parameters, grads, 0.1)
    for key, value in before.items():
        np.testing.assert_array_equal(planar_parameters[key], value)


# Issue 21 item 11: quiet wrong results refused with the course's expected input.
_w, _X = np.array([[1.0], [2.0]]), np.array([[1.0, -2.0, -1.0], [3.0, 0.5, -3.2]])


@pytest.mark.parametrize(
    ("b", "X", "Y", "message"),
    [
        (1.5, _X, np.array([[1, 1, 0], [0, 1, 0]]), r"Y must have shape \(1, m\); got \(2, 3\)"),
        (1.5, _X, np.array([[1, 2, 0]]), r"Y must hold labels 0 or 1 .*got \[2\]"),
        (float("nan"), _X, np.array([[1, 1, 0]]), r"b must be a finite number; got nan"),
        (1.5, _X[:, :0], np.zeros((1, 0)), r"no examples \(m = 0\)"),
    ],
    ids=["two-rows", "label-2", "b-nan", "m-0"],
)
def test_propagate_refuses_quiet_wrong_inputs(b, X, Y, message):
    with pytest.raises(ValueError, match=message):
        lr.propagate(_w, b, X, Y)


@pytest.mark.parametrize(
    ("X", "Y", "kwargs", "message"),
    [
        (_X[:, :0], np.zeros((1, 0)), {}, r"no examples"),
        (_X, np.array([[1, 1, 0]]), {"learning_rate": float("nan")}, r"learning_rate must be"),
    ],
    ids=["m-0", "lr-nan"],
)
def test_optimize_names_the_real_problem(X, Y, kwargs, message):
    with pytest.raises(ValueError, match=message) as err:
        lr.optimize(_w, 1.5, X, Y, **kwargs)
    assert "w contains NaN" not in str(err.value)


def test_L_model_backward_refuses_saturated_AL():
    parameters = dnn.initialize_parameters_deep([2, 3, 1])
    _, caches = dnn.L_model_forward(_X, parameters)
    AL = np.array([[0.3, 1.0, 0.0]])
    with pytest.raises(ValueError, match=r"2 entries equal to exactly 0 or 1"):
        dnn.L_model_backward(AL, np.array([[1, 1, 0]]), caches)
