"""Lab c2-practical: practical aspects of deep learning, measured on the course's data.

Course 2's lectures without a graded notebook, run on real data:

1. exponentially weighted averages (week 2) of a real training run's per-step loss, for
   β = 0.9, 0.98, 0.5, with and without bias correction (:mod:`dlspec.optimization.ewma`);
2. gradient health (week 1): per-layer gradient norms of a 20-layer plain network with bad
   initialisations vs He, Xavier, batch normalisation and residual connections
   (:mod:`dlspec.optimization.gradient_health`);
3. input normalisation (week 1): steps to a training loss with raw, /255 and standardised
   cat / non-cat pixels (:mod:`dlspec.optimization.input_normalization`);
4. early stopping vs L2 on the regularization lab's data
   (:mod:`dlspec.optimization.early_stopping`);
5. hyperparameter search (week 3): coarse-to-fine random search on the regularization data
   (:mod:`dlspec.optimization.hyperparameter_search`) and, in the full run, panda vs caviar
   (:mod:`dlspec.optimization.panda_caviar`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dlspec.labs import LabResult
from dlspec.optimization.input_normalization import SCALINGS

__all__ = ["FULL", "QUICK", "Settings", "per_step_losses", "run"]

LAB_ID = "c2-practical"
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
    10000,
    search={"trials": 6, "zoom_trials": 3, "epochs": 100},
    panda=None,
)


def per_step_losses(
    train_X, train_Y, *, steps: int = 300, batch_size: int = 16, seed: int = 0
) -> list[float]:
    """The loss of every step of a mini-batch SGD run: a real, noisy training curve.

    Trains the regularization lab's ``[2, 20, 3, 1]`` network (Keras, ``regularized_classifier``)
    with SGD (learning rate 0.1) on shuffled mini-batches of the course arrays through
    :class:`dlspec.training.Trainer`, one step per Trainer epoch so that its history holds each
    step's mini-batch loss.

    Example:
        >>> losses = per_step_losses(*load_2D_dataset()[:2], steps=50)  # doctest: +SKIP
    """
    import keras

    from dlspec.data.arrays import course_arrays_dataset
    from dlspec.optimization.keras_regularized import regularized_classifier
    from dlspec.training import Trainer

    keras.utils.set_random_seed(seed)
    trainer = Trainer(
        regularized_classifier([train_X.shape[0], 20, 3, 1], seed=seed),
        optimizer=lambda: keras.optimizers.SGD(0.1),
        metrics=(),
        verbose=0,
    )
    dataset = course_arrays_dataset(
        train_X, train_Y, batch_size=batch_size, shuffle=True, seed=seed, repeat=True
    )
    return trainer.fit(dataset, epochs=steps, steps_per_epoch=1)["loss"]


def _ewma_part(train_X, train_Y, out_dir: Path, settings: Settings, result: LabResult) -> None:
    from dlspec.optimization.ewma import effective_window, ewma, ewma_loop
    from dlspec.viz.ewma import plot_ewma

    losses = np.asarray(per_step_losses(train_X, train_Y, steps=settings.ewma_steps))
    diff = max(
        float(np.max(np.abs(ewma(losses, beta, corrected) - ewma_loop(losses, beta, corrected))))
        for beta in EWMA_BETAS
        for corrected in (True, False)
    )
    result.metrics["EWMA loop vs vectorised max |difference|"] = diff
    title = f"Per-step mini-batch loss ({len(losses)} SGD steps, football data)"
    result.figures.append(plot_ewma(losses, out_dir / "ewma.png", title=title, ylabel="loss"))
    windows = ", ".join(f"β={b:g}: ≈{effective_window(b):.0f} steps" for b in EWMA_BETAS)
    result.notes.append(f"EWMA effective windows 1/(1-β): {windows}.")


def _gradient_part(train_X, train_Y, out_dir: Path, settings: Settings, result: LabResult) -> None:
    from dlspec.optimization.gradient_health import gradient_health_demo
    from dlspec.viz.gradients import plot_by_layer

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
    result.figures.append(plot_by_layer(recorders, out_dir / "gradient_norms.png"))
    result.figures.append(
        plot_by_layer(
            recorders,
            out_dir / "activation_std.png",
            quantity="activation_std",
            ylabel="std of the layer's output",
        )
    )


def _normalization_part(out_dir: Path, settings: Settings, quick: bool, result: LabResult) -> None:
    from dlspec.data.catvnoncat import load_dataset
    from dlspec.optimization.input_normalization import normalization_speedup

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
    grid = grid if quick else ""
    steps = {}
    for name, run in runs.items():
        lr, steps[name] = run.best
        lr = float("nan") if lr is None else lr
        if steps[name] is not None:
            key = f"steps to training loss {TARGET_LOSS} ({name}{grid})"
            result.metrics[key] = float(steps[name])
        tried = ", ".join(f"{k:.3g} → {v}" for k, v in run.steps.items())
        result.notes.append(
            f"input scaling {name}: best learning rate {lr:.3g}, steps to loss ≤ {TARGET_LOSS}: "
            f"{steps[name]} (learning rate → steps: {tried})."
        )
    normalized = steps.get(SCALINGS[2])
    for name in runs if normalized else ():
        if name != SCALINGS[2] and steps[name] is not None:
            key = f"normalisation speed-up over {name} (steps to loss {TARGET_LOSS}{grid})"
            result.metrics[key] = steps[name] / normalized


def _early_stopping_part(
    football, out_dir: Path, settings: Settings, quick: bool, result: LabResult
) -> None:
    from dlspec.optimization.early_stopping import early_stopping_vs_l2
    from dlspec.viz.figures import new_axes, save_figure

    iterations = settings.early_stopping_iterations
    comparison = early_stopping_vs_l2(*football, num_iterations=iterations)
    study = f"early-stopping study, {iterations} iterations" if quick else "early-stopping study"
    for run, accuracy in comparison.accuracy.items():
        for split in ("train", "test"):
            result.metrics[f"{run} {split} accuracy ({study})"] = accuracy[split]
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
    result.figures.append(save_figure(fig, out_dir / "early_stopping.png"))


def _search_part(out_dir: Path, settings: Settings, quick: bool, result: LabResult) -> None:
    from dlspec.optimization.hyperparameter_search import search_study

    study = search_study("regularization", seed=0, out_dir=out_dir, **settings.search)
    shortened = ", ".join(f"{k} {v}" for k, v in settings.search.items())
    name = "search best dev accuracy (regularization data" + (f", {shortened})" if quick else ")")
    result.metrics[name] = float(study.best_trials[0]["dev accuracy"])
    result.figures.extend(study.figures)
    result.notes.extend(study.notes)
    result.notes.append("best trials of the search:\n" + study.to_markdown())
    if settings.panda is None:
        result.notes.append("panda vs caviar runs in the full lab only (without --quick).")
        return
    from dlspec.optimization.panda_caviar import panda_vs_caviar

    table = panda_vs_caviar("regularization", seed=0, out_dir=out_dir, **settings.panda)
    for side in ("panda", "caviar"):
        result.metrics[f"{side} best dev accuracy"] = float(table[side]["best dev accuracy"])
        result.metrics[f"{side} wall time (s)"] = float(table[side]["wall time (s)"])
    result.notes.append("panda vs caviar:\n" + table["markdown"])


def run(
    *,
    quick: bool = False,
    out_dir: str | Path = "reports/c2-practical",
    settings: Settings | None = None,
) -> LabResult:
    """Run the lab's five studies; figures go to ``out_dir``.

    ``quick`` runs :data:`QUICK` (fewer steps, a smaller search, no panda vs caviar) and names
    the shortened metrics after what was shortened; the full run (:data:`FULL`) names them as
    the registry's targets. ``settings`` replaces either (for experiments and tests).

    Example:
        >>> result = run(quick=True)  # doctest: +SKIP
        >>> result.metrics["EWMA loop vs vectorised max |difference|"] < 1e-12  # doctest: +SKIP
        True
    """
    from dlspec.data.football import load_2D_dataset

    settings = settings or (QUICK if quick else FULL)
    out_dir = Path(out_dir)
    result = LabResult(LAB_ID)
    football = load_2D_dataset()
    _ewma_part(*football[:2], out_dir, settings, result)
    _gradient_part(*football[:2], out_dir, settings, result)
    _normalization_part(out_dir, settings, quick, result)
    _early_stopping_part(football, out_dir, settings, quick, result)
    _search_part(out_dir, settings, quick, result)
    return result
