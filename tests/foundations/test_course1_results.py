"""End-to-end Course 1 runs with the course's hyperparameters: costs and accuracies."""

import numpy as np
import pytest
from conftest import need_data

from dlspec.data import load_planar_dataset
from dlspec.foundations import deep_nn_application as app
from dlspec.foundations import logistic_regression as logreg
from dlspec.foundations import planar_classification as planar
from dlspec.labs import get_lab

LOGREG_COSTS = [0.693147, 0.584508, 0.466949, 0.376007, 0.331463, 0.303273, 0.279880, 0.260042,
                0.242941, 0.228004, 0.214820, 0.203078, 0.192544, 0.183033, 0.174399, 0.166521,
                0.159305, 0.152667, 0.146542, 0.140872]  # fmt: skip


@pytest.mark.slow
def test_logistic_regression_reproduces_course(cat):
    train_x, train_y, test_x, test_y = cat
    d = logreg.model(train_x, train_y, test_x, test_y, num_iterations=2000, learning_rate=0.005)
    np.testing.assert_allclose(d["costs"], LOGREG_COSTS, atol=1e-6)
    assert logreg.accuracy(d["Y_prediction_train"], train_y) >= 98.0  # course 99.04
    assert logreg.accuracy(d["Y_prediction_test"], test_y) >= 68.0  # course 70.0
    assert d["Y_prediction_test"].shape == (1, 50)
    assert set(d) == {"costs", "Y_prediction_test", "Y_prediction_train", "w", "b",
                      "learning_rate", "num_iterations"}  # fmt: skip


def test_planar_network_reproduces_course(capsys):
    X, Y = load_planar_dataset()
    parameters = planar.nn_model(X, Y, n_h=4, num_iterations=10000, print_cost=True)
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "Cost after iteration 0: 0.693162"
    assert printed[1] == "Cost after iteration 1000: 0.258625"
    assert printed[-1] == "Cost after iteration 9000: 0.218483"
    accuracy = float(np.mean(planar.predict(parameters, X) == Y))
    assert accuracy >= 0.88  # course 0.9075
    assert accuracy == pytest.approx(0.9075)


def test_planar_logistic_baseline_fails_like_the_course():
    X, Y = load_planar_dataset()
    d = logreg.model(X, Y, X, Y, num_iterations=2000, learning_rate=0.5)
    assert logreg.accuracy(d["Y_prediction_train"], Y) < 60.0  # course: 47 % (not separable)


@pytest.mark.parametrize(
    ("train", "dims", "costs"),
    [
        (app.two_layer_model, (12288, 7, 1), [0.693049735659989, 0.6464320953428849]),
        (app.L_layer_model, (12288, 20, 7, 5, 1), [0.7717493284237686, 0.6720534400822914]),
    ],
    ids=["two-layer", "L-layer"],
)
def test_deep_nn_application_follows_the_course_cost_curve(cat, capsys, train, dims, costs):
    """101 iterations: the course's costs at iterations 0 and 100, printed as the lab prints
    them. The costs at 1000 and the accuracies are checked by the lab's quick run
    (``test_deep_nn_app_quick_run_meets_its_targets``), those at 2499 by ``make reproduce``."""
    train_x, train_y, test_x, test_y = cat
    parameters, recorded = train(train_x, train_y, dims, num_iterations=101, print_cost=True)
    assert recorded == pytest.approx(costs, abs=1e-9)
    printed = capsys.readouterr().out.splitlines()
    assert printed == [f"Cost after iteration {i}: {c}" for i, c in zip((0, 100), recorded)]
    predictions = app.predict(test_x, test_y, parameters, print_accuracy=False)
    assert predictions.shape == test_y.shape
    assert set(np.unique(predictions)) <= {0.0, 1.0}


@pytest.mark.slow
def test_deep_nn_app_quick_run_meets_its_targets(tmp_path):
    """The lab's quick run (1001 iterations of both numpy models, 1000 steps of the Keras twin):
    the course's costs at iteration 1000 (numpy to 1e-6, Keras within 0.035), the accuracies."""
    lab = get_lab("c1w4-deep-nn-app")
    need_data(*lab.data)
    result = lab.run(quick=True, out_dir=tmp_path)
    for target in lab.quick_targets:
        value = result.metrics[target.metric]
        assert target.met(value), f"{target.metric}: {value} (course {target.course})"
    assert [p.name for p in result.figures] == ["costs.png", "mislabeled.png"]
