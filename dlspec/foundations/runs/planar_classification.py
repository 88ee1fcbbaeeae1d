"""Runner of lab c1w3-planar (planar data classification with one hidden layer): the steps
`dlspec run c1w3-planar` runs.

A quick run skips the sweep over hidden sizes and trains the Keras twin 2000 steps instead of
10000 (its metric name says so); the numpy network runs the course's 10000 iterations.
"""

from __future__ import annotations

import numpy as np

from dlspec.data.planar import load_planar_dataset
from dlspec.foundations import logistic_regression as logreg
from dlspec.foundations.keras_models import (
    fit_full_batch,
    keras_accuracy,
    set_course_parameters,
    shallow_classifier,
)
from dlspec.foundations.planar_classification import initialize_parameters, nn_model, predict
from dlspec.labs import LabRun
from dlspec.viz import plot_decision_boundaries, plot_decision_boundary

HIDDEN_SIZES = (1, 2, 3, 4, 5, 20, 50)
NUM_ITERATIONS = 10000
QUICK_KERAS_ITERATIONS = 2000


def _accuracy(parameters: dict, X: np.ndarray, Y: np.ndarray) -> float:
    return 100 * float(np.mean(predict(parameters, X) == Y))


def load_data(run: LabRun) -> None:
    """Load the planar "flower" data set."""
    run.state["X"], run.state["Y"] = load_planar_dataset()


def train_baseline(run: LabRun) -> None:
    """Fit logistic regression, the baseline that cannot separate the petals."""
    X, Y = run.state["X"], run.state["Y"]
    baseline = logreg.model(X, Y, X, Y, num_iterations=2000, learning_rate=0.5)
    run.state["baseline"] = baseline
    accuracy = logreg.accuracy(baseline["Y_prediction_train"], Y)
    run.result.metrics["logistic regression accuracy %"] = accuracy


def train(run: LabRun) -> None:
    """Train the network with a hidden layer of 4 tanh units (10000 iterations)."""
    X, Y = run.state["X"], run.state["Y"]
    parameters = nn_model(X, Y, n_h=4, num_iterations=NUM_ITERATIONS)
    run.state["parameters"] = parameters
    run.result.metrics["accuracy % (n_h = 4)"] = _accuracy(parameters, X, Y)


def figures(run: LabRun) -> None:
    """Plot the decision boundaries of the baseline and of the network."""
    X, Y, baseline = run.state["X"], run.state["Y"], run.state["baseline"]
    parameters = run.state["parameters"]
    boundaries = {
        "Logistic regression": lambda x: logreg.predict(baseline["w"], baseline["b"], x),
        "Hidden layer of size 4": lambda x: predict(parameters, x),
    }
    run.result.figures.append(
        plot_decision_boundaries(boundaries, X, Y, run.out_dir / "decision_boundaries.png")
    )


def sweep_hidden_sizes(run: LabRun) -> None:
    """Train 5000 iterations for each hidden size from 1 to 50 (not in quick mode)."""
    if run.quick:
        return
    X, Y = run.state["X"], run.state["Y"]
    sweep = {}
    for n_h in HIDDEN_SIZES:
        p = nn_model(X, Y, n_h, num_iterations=5000)
        acc = _accuracy(p, X, Y)
        run.result.metrics[f"accuracy % (n_h = {n_h}, 5000 it)"] = acc
        sweep[f"n_h = {n_h}: {acc:.2f} %"] = lambda x, p=p: predict(p, x)
    run.result.figures.append(
        plot_decision_boundaries(sweep, X, Y, run.out_dir / "hidden_sizes.png")
    )


def train_keras(run: LabRun) -> None:
    """Train the Keras twin from the course's initial weights and plot its boundary (10000
    steps; 2000 in quick mode)."""
    X, Y = run.state["X"], run.state["Y"]
    np.random.seed(3)
    keras_model = shallow_classifier(2, 4, 1)
    set_course_parameters(keras_model, initialize_parameters(2, 4, 1))
    steps = QUICK_KERAS_ITERATIONS if run.quick else NUM_ITERATIONS
    fit_full_batch(keras_model, X, Y, learning_rate=1.2, num_iterations=steps)
    name = f"Keras accuracy % (n_h = 4{f', {steps} it' if run.quick else ''})"
    run.result.metrics[name] = 100 * keras_accuracy(keras_model, X, Y)
    run.result.figures.append(
        plot_decision_boundary(
            lambda x: keras_model.predict(x.T, verbose=0, batch_size=65536).T > 0.5,
            X,
            Y,
            run.out_dir / "keras_boundary.png",
            title=f"Keras shallow_classifier, n_h = 4, {steps} steps",
            resolution=0.05,
        )
    )


STEPS = (load_data, train_baseline, train, figures, sweep_hidden_sizes, train_keras)
