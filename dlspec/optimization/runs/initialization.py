"""Runner of lab c2w1-init (Initialization): the steps `dlspec run c2w1-init` runs in order.

The three trainings take a few seconds, so ``quick`` changes nothing.
"""

from __future__ import annotations

from dlspec.data.toy2d import load_initialization_dataset
from dlspec.labs import LabRun
from dlspec.optimization.initialization import train
from dlspec.optimization.three_layer import accuracy, predict_dec
from dlspec.viz import plot_costs, plot_decision_boundaries

#: the lab's initialisations and the names its metrics use
NAMES = {"zeros": "zeros", "random": "random", "he": "He"}


def load_data(run: LabRun) -> None:
    """Load the course's circles (300 training, 100 test points)."""
    run.state["data"] = load_initialization_dataset()


def train_networks(run: LabRun) -> None:
    """Train the 3-layer network with each initialisation (15000 iterations, lr 0.01)."""
    train_X, train_Y, test_X, test_Y = run.state["data"]
    metrics = run.result.metrics
    costs = run.state["costs"] = {}
    for initialization, name in NAMES.items():
        parameters, costs[name] = train(train_X, train_Y, 0.01, 15000, False, initialization)
        metrics[f"{name} cost @0"] = costs[name][0]
        metrics[f"{name} cost @14000"] = costs[name][14]
        for split, X, Y in (("train", train_X, train_Y), ("test", test_X, test_Y)):
            metrics[f"{name} {split} accuracy"] = accuracy(parameters, X, Y)
        run.result.extra[f"{name} parameters"] = parameters


def figures(run: LabRun) -> None:
    """Plot the decision boundaries and the cost curves."""
    train_X, train_Y, _, _ = run.state["data"]
    boundaries = {
        f"{name} initialization (test {run.result.metrics[f'{name} test accuracy']:.2f})": (
            lambda x, p=run.result.extra[f"{name} parameters"]: predict_dec(p, x)
        )
        for name in NAMES.values()
    }
    run.result.figures.append(
        plot_decision_boundaries(
            boundaries,
            train_X,
            train_Y,
            run.out_dir / "decision_boundaries.png",
            resolution=0.02,
        )
    )
    curves = {f"{name} initialization": costs for name, costs in run.state["costs"].items()}
    run.result.figures.append(
        plot_costs(
            curves,
            run.out_dir / "costs.png",
            every=1000,
            title="Learning rate = 0.01 (random ×10 starts at inf)",
            log_scale=True,
        )
    )


STEPS = (load_data, train_networks, figures)
