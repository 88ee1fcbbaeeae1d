"""Runner of lab c2-practical: the steps `dlspec run c2-practical` runs in order.

``quick`` runs :data:`QUICK` (fewer steps, a smaller search, no panda vs caviar) and names the
shortened metrics after what was shortened; the full run (:data:`FULL`) names them as the
registry's targets. A :class:`Settings` passed as the option ``settings`` (to
:func:`dlspec.labs.run_steps`, for experiments and tests) replaces either.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dlspec.data.catvnoncat import load_dataset
from dlspec.data.football import load_2D_dataset
from dlspec.labs import LabRun
from dlspec.optimization.early_stopping import early_stopping_vs_l2
from dlspec.optimization.ewma import effective_window, ewma, ewma_loop
from dlspec.optimization.gradient_health import gradient_health_demo
from dlspec.optimization.input_normalization import SCALINGS, normalization_speedup
from dlspec.optimization.practical_aspects import per_step_losses
from dlspec.optimization.tuning.panda_caviar import panda_vs_caviar
from dlspec.optimization.tuning.search import search_study
from dlspec.viz import new_axes, plot_by_layer, plot_ewma, save_figure

EWMA_BETAS = (0.9, 0.98, 0.5)
TARGET_LOSS = 0.3


@dataclass(frozen=True)
class Settings:
    """How long each study of the lab runs.

    Attributes:
        ewma_steps: SGD steps of the run whose per-step loss is averaged.
        gradient_steps: training steps of each gradient-health network (recorded every 10).
        gradient_depth: hidden layers of the gradient-health networks.
        step_multiples: the learning-rate grid of the normalisation study, in units of 1/L.
        scalings: the input scalings compared (names of ``input_normalization.SCALINGS``).
        early_stopping_iterations: full-batch iterations of the early-stopping study's runs.
        search: keyword arguments of ``search_study`` (empty: its defaults).
        panda: keyword arguments of ``panda_vs_caviar``; ``None`` skips it.
    """

    ewma_steps: int
    gradient_steps: int
    gradient_depth: int
    step_multiples: tuple[float, ...]
    scalings: tuple[str, ...]
    early_stopping_iterations: int
    search: dict = field(default_factory=dict)
    panda: dict | None = field(default_factory=dict)


FULL = Settings(500, 150, 20, (1, 2, 4, 8, 16, 32), SCALINGS, 30000)
QUICK = Settings(
    200,
    30,
    20,
    (2, 4, 8, 16),
    (SCALINGS[0], SCALINGS[2]),
    2500,
    search={"trials": 4, "zoom_trials": 2, "epochs": 100},
    panda=None,
)


def load_data(run: LabRun) -> None:
    """Choose the studies' lengths and load the regularization lab's football data."""
    run.state["settings"] = run.options.get("settings") or (QUICK if run.quick else FULL)
    run.state["football"] = load_2D_dataset()


def ewma_study(run: LabRun) -> None:
    """Average a real run's per-step loss with EWMAs (β = 0.9, 0.98, 0.5)."""
    train_X, train_Y, _, _ = run.state["football"]
    steps = run.state["settings"].ewma_steps
    losses = np.asarray(per_step_losses(train_X, train_Y, steps=steps))
    diff = max(
        float(np.max(np.abs(ewma(losses, beta, corrected) - ewma_loop(losses, beta, corrected))))
        for beta in EWMA_BETAS
        for corrected in (True, False)
    )
    run.result.metrics["EWMA loop vs vectorised max |difference|"] = diff
    averages = {
        f"β = {beta:g} (≈ {effective_window(beta):.0f} values)": (
            ewma(losses, beta, bias_correction=False),
            ewma(losses, beta, bias_correction=True),
        )
        for beta in EWMA_BETAS
    }
    title = f"Per-step mini-batch loss ({len(losses)} SGD steps, football data)"
    run.result.figures.append(
        plot_ewma(losses, averages, run.out_dir / "ewma.png", title=title, ylabel="loss")
    )
    windows = ", ".join(f"β={b:g}: ≈{effective_window(b):.0f} steps" for b in EWMA_BETAS)
    run.result.notes.append(f"EWMA effective windows 1/(1-β): {windows}.")


def gradient_health_study(run: LabRun) -> None:
    """Record per-layer gradient norms of deep plain networks: bad inits vs the remedies."""
    train_X, train_Y, _, _ = run.state["football"]
    settings, result = run.state["settings"], run.result
    steps = settings.gradient_steps
    recorders = gradient_health_demo(
        train_X, train_Y, depth=settings.gradient_depth, width=32, steps=steps, every=10
    )
    he = recorders["He (ReLU)"].gradient_norms[0, 0]
    for name, recorder in recorders.items():
        if name != "He (ReLU)":
            ratio = recorder.gradient_norms[0, 0] / he
            result.metrics[f"first-layer gradient norm at init / He's ({name})"] = float(ratio)
        loss = recorder.history["loss"]
        result.notes.append(
            f"gradient health, {name}: first-layer ‖∂J/∂W‖ at init "
            f"{recorder.gradient_norms[0, 0]:.2e}, training loss over the first 10 steps "
            f"{loss[0]:.3g} → over steps {steps - 9}-{steps} {loss[-1]:.3g}."
        )
    result.figures.append(plot_by_layer(recorders, run.out_dir / "gradient_norms.png"))
    result.figures.append(
        plot_by_layer(
            recorders,
            run.out_dir / "activation_std.png",
            quantity="activation_std",
            ylabel="std of the layer's output",
        )
    )


def normalization_study(run: LabRun) -> None:
    """Count the steps to a training loss of 0.3 with raw, /255 and standardised pixels."""
    settings, result = run.state["settings"], run.result
    train_x, train_y, *_ = load_dataset()
    pixels = train_x.reshape(len(train_x), -1).astype(np.float32)
    runs = normalization_speedup(
        pixels,
        train_y.T,
        step_multiples=settings.step_multiples,
        target_loss=TARGET_LOSS,
        scalings=settings.scalings,
    )
    grid = f", grid {min(settings.step_multiples):g}-{max(settings.step_multiples):g}/L"
    grid = grid if run.quick else ""
    steps = {}
    for name, speedup in runs.items():
        lr, steps[name] = speedup.best
        lr = float("nan") if lr is None else lr
        if steps[name] is not None:
            key = f"steps to training loss {TARGET_LOSS} ({name}{grid})"
            result.metrics[key] = float(steps[name])
        tried = ", ".join(f"{k:.3g} → {v}" for k, v in speedup.steps.items())
        result.notes.append(
            f"input scaling {name}: best learning rate {lr:.3g}, steps to loss ≤ {TARGET_LOSS}: "
            f"{steps[name]} (learning rate → steps: {tried})."
        )
    normalized = steps.get(SCALINGS[2])
    for name in runs if normalized else ():
        if name != SCALINGS[2] and steps[name] is not None:
            key = f"normalisation speed-up over {name} (steps to loss {TARGET_LOSS}{grid})"
            result.metrics[key] = steps[name] / normalized


def early_stopping_study(run: LabRun) -> None:
    """Compare early stopping with L2 (λ = 0.7) and no regularisation on the football data."""
    result = run.result
    iterations = run.state["settings"].early_stopping_iterations
    comparison = early_stopping_vs_l2(*run.state["football"], num_iterations=iterations)
    study = (
        f"early-stopping study, {iterations} iterations" if run.quick else "early-stopping study"
    )
    for name, accuracy in comparison.accuracy.items():
        for split in ("train", "test"):
            result.metrics[f"{name} {split} accuracy ({study})"] = accuracy[split]
    result.metrics[f"early stopping best iteration ({study})"] = float(comparison.best_iteration)
    result.notes.append(
        "early stopping watches a random half of the course's test set (dev) and is compared "
        "on the other half (test) with L2 (λ = 0.7) and no regularisation; it restored the "
        f"weights of iteration {comparison.best_iteration} and stopped at "
        f"{comparison.stopped_iteration}."
    )
    fig, ax = new_axes()
    ax.plot(comparison.iterations, comparison.train_loss, label="train loss (mean of 100 steps)")
    ax.plot(comparison.iterations, comparison.dev_loss, label="dev loss")
    ax.axvline(comparison.best_iteration, color="0.4", linestyle="--", label="restored weights")
    ax.set_xlabel("iterations (full-batch SGD, lr 0.3)")
    ax.set_ylabel("cross-entropy")
    ax.set_title("Early stopping on the football data")
    ax.legend()
    result.figures.append(save_figure(fig, run.out_dir / "early_stopping.png"))


def hyperparameter_search(run: LabRun) -> None:
    """Run the coarse-to-fine random search, then (full run) panda vs caviar."""
    settings, result = run.state["settings"], run.result
    study = search_study("regularization", seed=0, out_dir=run.out_dir, **settings.search)
    shortened = ", ".join(f"{k} {v}" for k, v in settings.search.items())
    name = "search best dev accuracy (regularization data" + (
        f", {shortened})" if run.quick else ")"
    )
    result.metrics[name] = float(study.best_trials[0]["dev accuracy"])
    result.figures.extend(study.figures)
    result.notes.extend(study.notes)
    result.notes.append("best trials of the search:\n" + study.to_markdown())
    if settings.panda is None:
        result.notes.append("panda vs caviar runs in the full lab only (without --quick).")
        return
    table = panda_vs_caviar("regularization", seed=0, out_dir=run.out_dir, **settings.panda)
    for side in ("panda", "caviar"):
        result.metrics[f"{side} best dev accuracy"] = float(table[side]["best dev accuracy"])
        result.metrics[f"{side} wall time (s)"] = float(table[side]["wall time (s)"])
    result.notes.append("panda vs caviar:\n" + table["markdown"])


STEPS = (
    load_data,
    ewma_study,
    gradient_health_study,
    normalization_study,
    early_stopping_study,
    hyperparameter_search,
)
