"""Runner of lab c1w2-numpy-basics (Python basics with numpy): the steps `dlspec run` runs."""

from __future__ import annotations

import math
import time
import timeit

import numpy as np

from dlspec.foundations.numpy_basics import dot_loop, sigmoid, sigmoid_derivative
from dlspec.grading import check_lab
from dlspec.labs import LabRun
from dlspec.viz import new_axes, save_figure


def check_golden_cases(run: LabRun) -> None:
    """Check the functions on the course's test cases."""
    checked = check_lab(run.lab_id)
    run.result.metrics.update(checked.metrics)
    run.result.notes += checked.notes


def time_dot_product(run: LabRun) -> None:
    """Time a dot product written as a Python loop against np.dot."""
    x = np.random.default_rng(0).random(100_000 if run.quick else 1_000_000)
    start = time.perf_counter()
    looped = dot_loop(x, x)
    loop_seconds = time.perf_counter() - start
    vectorised = float(np.dot(x, x))
    dot_seconds = min(timeit.repeat(lambda: np.dot(x, x), number=10, repeat=5)) / 10
    if not math.isclose(looped, vectorised, rel_tol=1e-9):
        raise AssertionError(f"loop dot product {looped} differs from np.dot {vectorised}")
    speed_up = loop_seconds / max(dot_seconds, 1e-9)
    run.result.metrics["np.dot speed-up over a Python loop"] = speed_up


def figures(run: LabRun) -> None:
    """Plot the sigmoid and its derivative."""
    z = np.linspace(-6, 6, 200)
    fig, ax = new_axes()
    ax.plot(z, sigmoid(z), label="sigmoid")
    ax.plot(z, sigmoid_derivative(z), label="sigmoid_derivative")
    ax.legend()
    ax.set_xlabel("x")
    run.result.figures.append(save_figure(fig, run.out_dir / "sigmoid.png"))


STEPS = (check_golden_cases, time_dot_product, figures)
