"""Runner of lab c2w2-optimization: the steps `dlspec run c2w2-optimization` runs in order.

Every run is the course's: ``layers_dims = [2, 5, 2, 1]``, 5000 epochs, mini-batches of 64.
``quick`` skips the decay runs (the learning-rate figure is drawn from the schedules alone).
"""

from __future__ import annotations

from dlspec.data.toy2d import load_moons_dataset
from dlspec.labs import LabRun
from dlspec.optimization.optimization_methods import schedule_lr_decay, train, update_lr
from dlspec.optimization.three_layer import accuracy, predict_dec
from dlspec.viz import plot_costs, plot_decision_boundaries, plot_learning_rates

LAYERS_DIMS = (2, 5, 2, 1)
"""The lab's network on the moons."""

# (metric prefix, optimizer, initial learning rate, decay): the lab's runs, 5000 epochs, batch 64.
HEADLINE_RUNS = (
    ("gd", "gd", 0.0007, None),
    ("momentum", "momentum", 0.0007, None),
    ("adam", "adam", 0.0007, None),
)
DECAY_RUNS = (
    ("gd + update_lr", "gd", 0.1, update_lr),
    ("gd + schedule_lr_decay", "gd", 0.1, schedule_lr_decay),
    ("momentum + schedule_lr_decay", "momentum", 0.1, schedule_lr_decay),
    ("adam + schedule_lr_decay", "adam", 0.01, schedule_lr_decay),
    ("adam + schedule_lr_decay (lr0 0.1)", "adam", 0.1, schedule_lr_decay),
)


def load_data(run: LabRun) -> None:
    """Load the moons (300 points)."""
    run.state["X"], run.state["Y"] = load_moons_dataset()


def train_networks(run: LabRun) -> None:
    """Train with gd, momentum and Adam, then (not quick) with learning-rate decay."""
    X, Y = run.state["X"], run.state["Y"]
    metrics = run.result.metrics
    histories = run.state["histories"] = {}
    for name, optimizer, learning_rate, decay in HEADLINE_RUNS + (() if run.quick else DECAY_RUNS):
        history = train(X, Y, LAYERS_DIMS, optimizer, learning_rate=learning_rate, decay=decay)
        histories[name] = history
        metrics[f"{name} accuracy"] = accuracy(history["parameters"], X, Y)
        run.result.extra[f"{name} parameters"] = history["parameters"]
    for name in ("gd", "momentum", "adam"):
        metrics[f"{name} cost @0"] = histories[name]["costs"][0]
    metrics["adam cost @1000"] = histories["adam"]["costs"][10]


def _boundaries(run: LabRun, names, filename: str):
    histories, metrics = run.state["histories"], run.result.metrics
    predictors = {
        f"{name}\n{100 * metrics[f'{name} accuracy']:.2f} % train accuracy": (
            lambda x, p=histories[name]["parameters"]: predict_dec(p, x)
        )
        for name in names
    }
    return plot_decision_boundaries(
        predictors, run.state["X"], run.state["Y"], run.out_dir / filename
    )


def _costs(run: LabRun, names, filename: str, title: str):
    curves = {name: run.state["histories"][name]["costs"] for name in names}
    return plot_costs(
        curves,
        run.out_dir / filename,
        every=100,
        title=title,
        xlabel="epochs",
        ylabel="cost (epoch mean)",
    )


def figures(run: LabRun) -> None:
    """Plot the decision boundaries, the cost curves and the learning-rate schedules."""
    figures = run.result.figures
    headline = [name for name, *_ in HEADLINE_RUNS]
    figures.append(_boundaries(run, headline, "decision_boundaries.png"))
    title = "Moons: learning_rate 0.0007, mini-batches of 64"
    figures.append(_costs(run, headline, "costs.png", title))
    figures.append(
        plot_learning_rates(
            {  # the course prints these: the learning rate after each epoch
                "update_lr (lr0 0.1)": lambda epoch: update_lr(0.1, int(epoch), 1),
                "schedule_lr_decay (lr0 0.1)": lambda epoch: schedule_lr_decay(0.1, int(epoch), 1),
                "schedule_lr_decay (lr0 0.01, Adam)": (
                    lambda epoch: schedule_lr_decay(0.01, int(epoch), 1)
                ),
            },
            5000,
            run.out_dir / "learning_rates.png",
            title="Learning-rate decay (decay_rate 1)",
            log_scale=True,
        )
    )
    if not run.quick:
        decayed = [name for name, *_ in DECAY_RUNS]
        figures.append(_boundaries(run, decayed[:4], "decay_boundaries.png"))
        figures.append(_costs(run, decayed, "decay_costs.png", "Moons with learning-rate decay"))


STEPS = (load_data, train_networks, figures)
