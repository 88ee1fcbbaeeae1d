"""Runner of lab c1w4-deep-nn-app (deep neural network for image classification): the steps
`dlspec run c1w4-deep-nn-app` runs, on the cat / non-cat pictures.

A quick run trains both numpy models 1001 iterations instead of 2500, and only the 4-layer
Keras twin, 1000 steps: it reports the costs at iteration 1000, which the course prints, and
accuracies whose names say ``(1001 it)`` (the twin's ``(1000 it)``). The first layer's
backward pass leaves out ``dA0`` (see ``weight_gradients``): 26 s instead of 40 s on 2 cores.
"""

from __future__ import annotations

import numpy as np

from dlspec.data.catvnoncat import flatten_images, load_dataset
from dlspec.foundations.deep_nn_application import (
    initialize_parameters_deep,
    predict,
    train_L_layer,
    train_two_layer,
)
from dlspec.foundations.deep_nn_step_by_step import initialize_parameters
from dlspec.foundations.keras_models import (
    deep_classifier,
    fit_full_batch,
    keras_accuracy,
    keras_cost,
    set_course_parameters,
)
from dlspec.labs import LabRun
from dlspec.viz import plot_costs, plot_mislabeled_images

LEARNING_RATE = 0.0075
NUM_ITERATIONS = 2500
QUICK_ITERATIONS = 1001


def _iterations(run: LabRun) -> int:
    return QUICK_ITERATIONS if run.quick else NUM_ITERATIONS


def _suffix(run: LabRun) -> str:
    """What a quick run's accuracy names carry: `` (1001 it)``; nothing for the full run."""
    return f" ({QUICK_ITERATIONS} it)" if run.quick else ""


def load_data(run: LabRun) -> None:
    """Load the cat / non-cat pictures and flatten them to columns."""
    train_x_orig, train_y, test_x_orig, test_y, classes = load_dataset()
    train_x = flatten_images(train_x_orig)
    n_x = train_x.shape[0]
    run.state.update(
        train_x=train_x,
        train_y=train_y,
        test_x=flatten_images(test_x_orig),
        test_y=test_y,
        classes=classes,
        models={
            "two-layer": (train_two_layer, (n_x, 7, 1)),
            "L-layer": (train_L_layer, (n_x, 20, 7, 5, 1)),
        },
    )


def train(run: LabRun) -> None:
    """Train the two-layer and the 4-layer models for 2500 iterations, 1001 in quick mode
    (learning rate 0.0075)."""
    s = run.state
    s["costs"], s["last cost"] = {}, {}
    for name, (train_model, dims) in s["models"].items():
        parameters, costs, last_cost = train_model(
            s["train_x"], s["train_y"], dims, LEARNING_RATE, _iterations(run)
        )
        s["costs"][name], s["last cost"][name] = costs, last_cost
        run.result.extra[f"{name} parameters"] = parameters


def evaluate(run: LabRun) -> None:
    """Measure the last cost and the train / test accuracies of both models."""
    s = run.state
    for name in s["models"]:
        parameters = run.result.extra[f"{name} parameters"]
        if run.quick:  # the course prints the cost every 100 iterations: @1000 is costs[10]
            run.result.metrics[f"{name} cost @1000"] = float(s["costs"][name][10])
        else:
            run.result.metrics[f"{name} cost @2499"] = float(s["last cost"][name])
        for split in ("train", "test"):
            x, y = s[f"{split}_x"], s[f"{split}_y"]
            p = predict(x, y, parameters, print_accuracy=False)
            run.result.metrics[f"{name} {split} accuracy{_suffix(run)}"] = float(np.mean(p == y))


def figures(run: LabRun) -> None:
    """Plot both cost curves and the test pictures the 4-layer model gets wrong."""
    s = run.state
    run.result.figures.append(
        plot_costs(s["costs"], run.out_dir / "costs.png", title="Learning rate = 0.0075")
    )
    parameters = run.result.extra["L-layer parameters"]
    p_test = predict(s["test_x"], s["test_y"], parameters, print_accuracy=False)
    run.result.figures.append(
        plot_mislabeled_images(
            s["classes"], s["test_x"], s["test_y"], p_test, run.out_dir / "mislabeled.png"
        )
    )


def train_keras(run: LabRun) -> None:
    """Train the Keras twins from the course's initial weights: in quick mode the 4-layer one
    only, 1000 steps, its cost then compared with the course's numpy cost at iteration 1000."""
    s = run.state
    twins = {"L-layer": (s["models"]["L-layer"][1], initialize_parameters_deep)}
    if not run.quick:
        twins["two-layer"] = (s["models"]["two-layer"][1], lambda d: initialize_parameters(*d))
    for name, (dims, init) in twins.items():
        model = deep_classifier(dims)
        set_course_parameters(model, init(dims))
        steps = QUICK_ITERATIONS - 1 if run.quick else NUM_ITERATIONS
        fit_full_batch(
            model, s["train_x"], s["train_y"], learning_rate=LEARNING_RATE, num_iterations=steps
        )
        accuracy = keras_accuracy(model, s["test_x"], s["test_y"])
        suffix = f" ({steps} it)" if run.quick else ""
        run.result.metrics[f"Keras {name} test accuracy{suffix}"] = accuracy
        if run.quick:  # the cost after 1000 updates: numpy's cost at iteration 1000
            cost = keras_cost(model, s["train_x"], s["train_y"])
            run.result.metrics[f"Keras {name} cost @1000"] = cost


STEPS = (load_data, train, evaluate, figures, train_keras)
