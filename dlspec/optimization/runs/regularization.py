"""Runner of lab c2w1-regularization: the steps `dlspec run c2w1-regularization` runs in order.

The lab's three runs (no regularization, L2 with λ = 0.7, dropout with keep_prob = 0.86;
learning rate 0.3, 30000 iterations) in numpy, then their Keras twins (Keras L2 / dropout
layers, trained full-batch with SGD 0.3). A quick run trains the L2 and dropout twins
:data:`QUICK_KERAS_ITERATIONS` steps (their metric names say so) and skips the twin without
regularization; the numpy runs are the course's in both modes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dlspec.data.football import load_2D_dataset
from dlspec.labs import LabRun
from dlspec.optimization.keras_regularized import keras_predict, train_keras_run
from dlspec.optimization.regularization import train
from dlspec.optimization.three_layer import accuracy, predict_dec
from dlspec.viz import plot_costs, plot_decision_boundaries

RUNS = {
    "no regularization": {"lambd": 0, "keep_prob": 1},
    "L2": {"lambd": 0.7, "keep_prob": 1},
    "dropout": {"lambd": 0, "keep_prob": 0.86},
}
"""The lab's three runs (learning rate 0.3, 30000 iterations)."""
QUICK_KERAS_ITERATIONS = 5000


def load_data(run: LabRun) -> None:
    """Load the French football data (211 training, 200 test positions)."""
    run.state["data"] = load_2D_dataset()


def train_numpy(run: LabRun) -> None:
    """Train the numpy network three ways: no regularization, L2 (λ = 0.7), dropout (0.86)."""
    train_X, train_Y, test_X, test_Y = run.state["data"]
    costs = run.state["costs"] = {}
    for name, kwargs in RUNS.items():
        parameters, costs[name] = train(train_X, train_Y, 0.3, 30000, False, **kwargs)
        run.result.metrics[f"{name} cost @0"] = costs[name][0]
        for split, X, Y in (("train", train_X, train_Y), ("test", test_X, test_Y)):
            run.result.metrics[f"{name} {split} accuracy"] = accuracy(parameters, X, Y)
        run.result.extra[f"{name} parameters"] = parameters


def keras_twins(
    run: LabRun, names: Sequence[str], num_iterations: int = 30000, suffix: str = ""
) -> None:
    """Train the Keras twins of the runs ``names`` (keys of :data:`RUNS`) and measure them;
    their metric names end with ``suffix`` (a quick run's `` (5000 it)``)."""
    train_X, train_Y, test_X, test_Y = run.state["data"]
    models = run.state["keras models"] = {}
    run.state["keras suffix"] = suffix
    for name in names:
        models[name] = train_keras_run(
            train_X, train_Y, num_iterations=num_iterations, **RUNS[name]
        )
        for split, X, Y in (("train", train_X, train_Y), ("test", test_X, test_Y)):
            value = float(np.mean(keras_predict(models[name], X) == Y))
            run.result.metrics[f"Keras {name} {split} accuracy{suffix}"] = value
    run.result.notes.append(
        "Keras dropout draws fresh masks every step; the course's numpy model reseeds numpy "
        "in every forward pass, so it drops the same units every iteration."
    )


def train_keras(run: LabRun) -> None:
    """Train the Keras twins (Keras L2 / dropout layers, full-batch SGD 0.3, 30000 steps).

    ``quick`` skips the twin without regularization and trains the others 5000 steps.
    """
    if run.quick:
        steps = QUICK_KERAS_ITERATIONS
        keras_twins(run, ["L2", "dropout"], steps, suffix=f" ({steps} it)")
    else:
        keras_twins(run, list(RUNS))


def figures(run: LabRun) -> None:
    """Plot the decision boundaries of every run and the numpy cost curves."""
    train_X, train_Y, _, _ = run.state["data"]
    metrics, out_dir = run.result.metrics, run.out_dir
    boundaries = {
        f"{name} (test {metrics[f'{name} test accuracy']:.3f})": (
            lambda x, p=run.result.extra[f"{name} parameters"]: predict_dec(p, x)
        )
        for name in RUNS
    }
    run.result.figures.append(
        plot_decision_boundaries(
            boundaries, train_X, train_Y, out_dir / "decision_boundaries.png", margin=0.15
        )
    )
    run.result.figures.append(
        plot_costs(
            run.state["costs"], out_dir / "costs.png", every=1000, title="Learning rate = 0.3"
        )
    )
    sfx = run.state["keras suffix"]
    keras_boundaries = {
        f"Keras {name} (test {metrics[f'Keras {name} test accuracy{sfx}']:.3f})": (
            lambda x, k=model: keras_predict(k, x)
        )
        for name, model in run.state["keras models"].items()
    }
    run.result.figures.append(
        plot_decision_boundaries(
            keras_boundaries,
            train_X,
            train_Y,
            out_dir / "keras_decision_boundaries.png",
            margin=0.15,
        )
    )


STEPS = (load_data, train_numpy, train_keras, figures)
