"""Runner of lab c1w2-logreg (logistic regression with a neural network mindset): the steps
`dlspec run c1w2-logreg` runs, on the cat / non-cat pictures.

A quick run trains 500 iterations instead of 2000 (numpy and Keras; the metric names say so:
``cost @400``, ``test accuracy % (500 it)``) and skips the learning-rate comparison.
"""

from __future__ import annotations

from dlspec.data.catvnoncat import flatten_images, load_dataset
from dlspec.foundations.keras_models import (
    fit_full_batch,
    keras_accuracy,
    logistic_regression_model,
)
from dlspec.foundations.logistic_regression import accuracy, model
from dlspec.labs import LabRun
from dlspec.viz import plot_costs, plot_mislabeled_images

NUM_ITERATIONS = 2000
QUICK_ITERATIONS = 500


def _iterations(run: LabRun) -> int:
    return QUICK_ITERATIONS if run.quick else NUM_ITERATIONS


def _suffix(run: LabRun) -> str:
    """What a quick run's accuracy names carry: `` (500 it)``; nothing for the full run."""
    return f" ({QUICK_ITERATIONS} it)" if run.quick else ""


def load_data(run: LabRun) -> None:
    """Load the cat / non-cat pictures and flatten them to columns."""
    train_x_orig, train_y, test_x_orig, test_y, classes = load_dataset()
    run.state.update(
        train_x=flatten_images(train_x_orig),
        train_y=train_y,
        test_x=flatten_images(test_x_orig),
        test_y=test_y,
        classes=classes,
    )


def train(run: LabRun) -> None:
    """Train the numpy model for 2000 iterations, 500 in quick mode (learning rate 0.005)."""
    s, n, sfx = run.state, _iterations(run), _suffix(run)
    d = model(s["train_x"], s["train_y"], s["test_x"], s["test_y"], n, 0.005)
    s["model"] = d
    run.result.metrics.update(
        {
            f"train accuracy %{sfx}": accuracy(d["Y_prediction_train"], s["train_y"]),
            f"test accuracy %{sfx}": accuracy(d["Y_prediction_test"], s["test_y"]),
            f"cost @{100 * (len(d['costs']) - 1)}": float(d["costs"][-1]),
        }
    )
    run.result.extra["costs"] = [float(cost) for cost in d["costs"]]


def figures(run: LabRun) -> None:
    """Plot the cost curve and the mislabelled test pictures."""
    s, d = run.state, run.state["model"]
    run.result.figures.append(
        plot_costs(d["costs"], run.out_dir / "costs.png", title="Learning rate = 0.005")
    )
    run.result.figures.append(
        plot_mislabeled_images(
            s["classes"],
            s["test_x"],
            s["test_y"],
            d["Y_prediction_test"],
            run.out_dir / "mislabeled.png",
        )
    )


def compare_learning_rates(run: LabRun) -> None:
    """Compare learning rates 0.01, 0.001 and 0.0001 over 1500 iterations (not in quick mode)."""
    if run.quick:
        return
    s = run.state
    costs = {
        f"lr = {lr}": model(s["train_x"], s["train_y"], s["test_x"], s["test_y"], 1500, lr)["costs"]
        for lr in (0.01, 0.001, 0.0001)
    }
    run.result.figures.append(
        plot_costs(costs, run.out_dir / "learning_rates.png", title="Learning rates")
    )


def train_keras(run: LabRun) -> None:
    """Train the Keras twin the same way and measure its test accuracy."""
    s = run.state
    keras_model = logistic_regression_model(s["train_x"].shape[0])
    fit_full_batch(
        keras_model,
        s["train_x"],
        s["train_y"],
        learning_rate=0.005,
        num_iterations=_iterations(run),
    )
    run.result.metrics[f"Keras test accuracy %{_suffix(run)}"] = 100 * keras_accuracy(
        keras_model, s["test_x"], s["test_y"]
    )


STEPS = (load_data, train, figures, compare_learning_rates, train_keras)
