"""Runner of lab c2w1-gradient-checking: the steps `dlspec run c2w1-gradient-checking` runs.

The lab runs in well under a second, so ``quick`` changes nothing.
"""

from __future__ import annotations

import numpy as np

from dlspec.grading import check_lab
from dlspec.labs import LabRun
from dlspec.optimization.gradient_checking import (
    approximate_gradients,
    backward_propagation_n,
    dictionary_to_vector,
    forward_propagation_n,
    gradient_check,
    gradient_check_n,
    gradient_check_n_test_case,
    gradients_to_vector,
)
from dlspec.optimization.three_layer import PARAMETER_KEYS
from dlspec.viz import new_axes, save_figure

#: the two backward passes compared: the lab's buggy one and the corrected one
BACKPROPS = {"buggy backprop": True, "correct backprop": False}


def check_golden_cases(run: LabRun) -> None:
    """Check the lab's functions against the golden cases."""
    passed = check_lab(run.lab_id).metrics["golden cases passed"]
    run.result.metrics["golden cases passed"] = passed


def check_one_dimension(run: LabRun) -> None:
    """Check the 1-D example J(θ) = θx at x = 3, θ = 4."""
    run.result.metrics["1-D difference"] = gradient_check(3, 4)


def check_network(run: LabRun) -> None:
    """Check the buggy and the corrected backprop of the [4, 5, 3, 1] network."""
    X, Y, parameters = gradient_check_n_test_case()
    _, cache = forward_propagation_n(X, Y, parameters)
    approx = approximate_gradients(parameters, X, Y)
    errors = run.state["errors"] = {}
    for label, buggy in BACKPROPS.items():
        gradients = backward_propagation_n(X, Y, cache, buggy=buggy)
        run.result.metrics[f"{label} difference"] = gradient_check_n(parameters, gradients, X, Y)
        errors[label] = np.abs(gradients_to_vector(gradients) - approx).ravel()
    run.state["parameters"] = parameters


def figures(run: LabRun) -> None:
    """Plot |grad − gradapprox| per parameter for both backprops."""
    theta, keys = dictionary_to_vector(run.state["parameters"])
    fig, ax = new_axes()
    for label, error in run.state["errors"].items():
        ax.semilogy(np.arange(theta.shape[0]), np.maximum(error, 1e-18), "o-", label=label, ms=3)
    ticks = [keys.index(key) for key in PARAMETER_KEYS]
    ax.set_xticks(ticks, PARAMETER_KEYS)
    ax.set_xlabel("parameter index (θ); dead ReLU units give exact zeros, drawn at 1e-18")
    ax.set_ylabel("|grad − gradapprox|")
    ax.set_title("Backprop vs centred differences (ε = 1e-7)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2, frameon=False)
    run.result.figures.append(save_figure(fig, run.out_dir / "gradient_errors.png"))


STEPS = (check_golden_cases, check_one_dimension, check_network, figures)
