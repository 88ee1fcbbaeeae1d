"""End-to-end Course 1 runs with the course's hyperparameters: costs and accuracies."""

import numpy as np
import pytest

from dlspec.data import load_planar_dataset
from dlspec.foundations import deep_nn_application as app
from dlspec.foundations import logistic_regression as logreg
from dlspec.foundations import planar_classification as planar

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


@pytest.mark.slow
@pytest.mark.parametrize(
    ("train", "dims", "costs", "train_acc", "test_min"),
    [
        (app.two_layer_model, (12288, 7, 1),
         {0: 0.693049735659989, 1: 0.6464320953428849, 10: 0.3394281538366412,
          20: 0.07439078704319081, 2499: 0.04421498215868951}, 1.0, 0.70),
        (app.L_layer_model, (12288, 20, 7, 5, 1),
         {0: 0.7717493284237686, 1: 0.6720534400822914, 10: 0.3151869888600615,
          20: 0.1138206066863371, 2499: 0.088439943441702}, 0.9856459330143539, 0.78),
    ],
    ids=["two-layer", "L-layer"],
)  # fmt: skip
def test_deep_nn_application_reproduces_course(
    cat, capsys, train, dims, costs, train_acc, test_min
):
    train_x, train_y, test_x, test_y = cat
    parameters, recorded = train(train_x, train_y, dims, num_iterations=2500, print_cost=True)
    assert len(recorded) == 25  # every 100 iterations
    printed = capsys.readouterr().out.splitlines()
    assert printed[-1].startswith("Cost after iteration 2499: ")
    assert float(printed[-1].split(": ")[1]) == pytest.approx(costs.pop(2499), abs=1e-9)
    for index, expected in costs.items():
        assert recorded[index] == pytest.approx(expected, abs=1e-9)
    p_train = app.predict(train_x, train_y, parameters, print_accuracy=False)
    assert np.mean(p_train == train_y) == pytest.approx(train_acc)
    assert (
        np.mean(app.predict(test_x, test_y, parameters, print_accuracy=False) == test_y) >= test_min
    )
