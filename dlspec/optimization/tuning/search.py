"""Hyperparameter search the course's way (C2W3), on KerasTuner: random, log-scaled, coarse to fine.

The course's recipe: sample points at random (not on a grid), on the right scale (learning
rates log-uniform, ``β = 1 − 10^r``, see :mod:`dlspec.optimization.tuning.space`), then zoom
into the region where the best points are and sample more densely there. Here the recipe is a
KerasTuner oracle, :class:`CoarseToFineOracle`: stage 1 is KerasTuner's random search over the
whole space; stage 2 samples at random inside the space narrowed by
:func:`~dlspec.optimization.tuning.space.zoom_space` around the ``top_k`` best stage-1 trials.
:class:`CoarseToFineSearch` is the tuner that drives it. Both keep KerasTuner's project
folder: trials and the oracle's random state are saved after every trial, so the same seed
gives the same points, and a search rerun on the same folder carries on where it stopped
(the finished trials are not run again).

:func:`search_study` runs such a search on a real lab (the regularization data: learning rate
× λ; SIGNS: learning rate × width; see :mod:`dlspec.optimization.tuning.models`), and returns
the best trials, the two stages and a scatter plot of the sampled points.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import keras_tuner
import numpy as np
from keras_tuner.engine.trial import TrialStatus

from dlspec.optimization.tuning.models import DEFAULT_EPOCHS, load_study_data, study_hypermodel
from dlspec.optimization.tuning.space import zoom_space
from dlspec.validation import check_int, check_positive
from dlspec.viz.search import plot_search

__all__ = ["CoarseToFineOracle", "CoarseToFineSearch", "StudyResult", "search_study"]


class CoarseToFineOracle(keras_tuner.oracles.RandomSearchOracle):
    """Random search in two stages: the whole space, then the region of the best trials.

    The first ``coarse_trials`` trials are KerasTuner's random search over the space. Once they
    have all finished, the next ``zoom_trials`` are sampled at random in the space narrowed
    around the ``top_k`` best of them (the zoom rule of
    :func:`~dlspec.optimization.tuning.space.zoom_space`: per numerical hyperparameter, the
    interval of the top trials' values in its sampling coordinate, ``log10`` for log-sampled
    ones, widened by ``margin`` times the original width and clipped to it). When stage-1 trials
    are still running (parallel workers), the oracle answers ``IDLE`` until they are done. When
    no stage-1 trial completed, stage 2 samples the whole space.

    ``seed`` is the oracle's seed as given (KerasTuner would treat ``seed=0`` as "no seed" and
    draw one at random). ``coarse_trials``, ``top_k`` and ``margin`` are saved with the
    oracle's state; reloading a project made with other values raises ``ValueError``.

    Args:
        objective: KerasTuner objective (``"val_accuracy"`` is maximised).
        coarse_trials: trials of stage 1.
        zoom_trials: trials of stage 2.
        top_k: number of best stage-1 trials the zoom is drawn around.
        margin: padding of the zoomed ranges, fraction of the original width.
        seed: seed of the sampling.
        hyperparameters: a ``keras_tuner.HyperParameters`` declaring the space in advance.

    Example:
        >>> oracle = CoarseToFineOracle("val_accuracy", coarse_trials=10, zoom_trials=5)
        >>> oracle.max_trials, oracle.seed
        (15, 0)
    """

    def __init__(
        self,
        objective=None,
        coarse_trials: int = 10,
        zoom_trials: int = 10,
        *,
        top_k: int = 3,
        margin: float = 0.1,
        seed: int = 0,
        hyperparameters=None,
        **kwargs,
    ):
        check_positive(coarse_trials, "coarse_trials", integer=True)
        check_positive(top_k, "top_k", integer=True)
        check_int(zoom_trials, "zoom_trials", minimum=0)
        if not float(margin) >= 0:
            raise ValueError(f"margin must be >= 0 (a fraction of the width); got {margin!r}.")
        super().__init__(
            objective=objective,
            max_trials=coarse_trials + zoom_trials,
            seed=seed,
            hyperparameters=hyperparameters,
            **kwargs,
        )
        self.seed = self._seed_state = int(seed)
        self.coarse_trials, self.zoom_trials = int(coarse_trials), int(zoom_trials)
        self.top_k, self.margin = int(top_k), float(margin)

    def stage_of(self, trial_id: str) -> int:
        """1 for a trial of the coarse stage, 2 for a zoomed one."""
        return 1 if self.start_order.index(trial_id) < self.coarse_trials else 2

    def coarse_trial_ids(self) -> list[str]:
        """Ids of the stage-1 trials created so far, in order."""
        return self.start_order[: self.coarse_trials]

    def _top_coarse_trials(self):
        done = [
            self.trials[i]
            for i in self.coarse_trial_ids()
            if self.trials[i].status == TrialStatus.COMPLETED and self.trials[i].score is not None
        ]
        best_first = self.objective.direction == "max"
        return sorted(done, key=lambda t: t.score, reverse=best_first)[: self.top_k]

    def zoomed_space(self) -> keras_tuner.HyperParameters:
        """The stage-2 search space (the whole space when no stage-1 trial completed)."""
        top = self._top_coarse_trials()
        if not top:
            return self.hyperparameters.copy()
        return zoom_space(
            self.hyperparameters, [t.hyperparameters.values for t in top], self.margin
        )

    def _sample(self, space) -> dict | None:
        # Same procedure as KerasTuner's own random sampling, on another space.
        for _ in range(self._max_collisions + 1):
            hps = keras_tuner.HyperParameters()
            for hp in space.space:
                hps.merge([hp])
                if hps.is_active(hp):
                    hps.values[hp.name] = hp.random_sample(self._seed_state)
                    self._seed_state += 1
            if not self._duplicate(hps.values):
                return hps.values
        return None

    def populate_space(self, trial_id: str) -> dict:
        if len(self.start_order) < self.coarse_trials:
            return super().populate_space(trial_id)
        unfinished = [
            i
            for i in self.coarse_trial_ids()
            if self.trials[i].status in (TrialStatus.RUNNING, TrialStatus.IDLE)
        ]
        if unfinished or self._retry_queue:
            return {"status": TrialStatus.IDLE, "values": None}
        values = self._sample(self.zoomed_space())
        if values is None:
            return {"status": TrialStatus.STOPPED, "values": None}
        return {"status": TrialStatus.RUNNING, "values": values}

    def get_state(self) -> dict:
        """KerasTuner's oracle state plus the zoom settings, saved in the project folder."""
        state = super().get_state()
        state["coarse_to_fine"] = {
            "coarse_trials": self.coarse_trials,
            "top_k": self.top_k,
            "margin": self.margin,
        }
        return state

    def set_state(self, state: dict) -> None:
        """Restore a saved project; refuse one saved with other zoom settings."""
        saved = state.get("coarse_to_fine")
        mine = {"coarse_trials": self.coarse_trials, "top_k": self.top_k, "margin": self.margin}
        if saved is not None and saved != mine:
            raise ValueError(
                f"The project in {self._project_dir} was searched with {saved}; this oracle has "
                f"{mine}. Use the same settings to resume it, another project folder, or "
                "overwrite=True to start afresh."
            )
        super().set_state(state)


class CoarseToFineSearch(keras_tuner.Tuner):
    """A KerasTuner tuner running :class:`CoarseToFineOracle`.

    Each trial builds ``hypermodel.build(hp)`` and returns ``hypermodel.fit(hp, model, *args,
    **kwargs)``, KerasTuner's documented custom ``run_trial``. The study's hypermodels return
    the final metrics (a dict holding the objective), so a trial is scored by its last epoch;
    with a plain ``build(hp)`` function ``fit`` is ``model.fit`` and KerasTuner scores the
    History by its best epoch. The weights saved (what ``get_best_models`` loads) are the final
    ones, not the best epoch's. KerasTuner's default ``run_trial`` is not used: it imports
    ``tensorboard``, which TensorFlow-CPU installs lack.

    Args:
        hypermodel: a ``keras_tuner.HyperModel`` or a ``build(hp)`` function.
        objective, coarse_trials, zoom_trials, top_k, margin, seed, hyperparameters: see
            :class:`CoarseToFineOracle`.
        **kwargs: the ``keras_tuner.Tuner`` arguments: ``directory``, ``project_name``,
            ``overwrite``...

    Example:
        >>> class Parabola(CoarseToFineSearch):
        ...     def run_trial(self, trial):
        ...         x = trial.hyperparameters.Float("x", 1e-3, 1.0, sampling="log")
        ...         return {"val_accuracy": -(x - 0.1) ** 2}
        >>> tuner = Parabola(coarse_trials=4, zoom_trials=2, directory="reports/tuning",
        ...                  overwrite=True)  # doctest: +SKIP
        >>> tuner.search(verbose=0)  # doctest: +SKIP
    """

    def __init__(
        self,
        hypermodel=None,
        *,
        objective="val_accuracy",
        coarse_trials: int = 10,
        zoom_trials: int = 10,
        top_k: int = 3,
        margin: float = 0.1,
        seed: int = 0,
        hyperparameters=None,
        **kwargs,
    ):
        oracle = CoarseToFineOracle(
            objective,
            coarse_trials,
            zoom_trials,
            top_k=top_k,
            margin=margin,
            seed=seed,
            hyperparameters=hyperparameters,
        )
        super().__init__(oracle, hypermodel, **kwargs)

    def run_trial(self, trial, *args, **kwargs):
        if self.hypermodel is None:
            raise ValueError(
                "CoarseToFineSearch needs a hypermodel, or a subclass overriding run_trial."
            )
        hp = trial.hyperparameters
        model = self.hypermodel.build(hp)
        results = self.hypermodel.fit(hp, model, *args, **kwargs)
        model.save_weights(self._get_checkpoint_fname(trial.trial_id))  # for get_best_models
        return results

    def trial_records(self) -> list[dict]:
        """Every finished trial as a dict: id, stage, hyperparameters, score and metrics."""
        records = []
        for trial_id in self.oracle.start_order:
            trial = self.oracle.trials[trial_id]
            if trial.status != TrialStatus.COMPLETED:
                continue
            metrics = {
                name: trial.metrics.get_last_value(name)
                for name in trial.metrics.metrics
                if trial.metrics.get_last_value(name) is not None
            }
            records.append(
                {
                    "trial_id": trial_id,
                    "stage": self.oracle.stage_of(trial_id),
                    "hyperparameters": dict(trial.hyperparameters.values),
                    "score": float(trial.score),
                    **metrics,
                }
            )
        return records


def _ranges(space) -> dict[str, tuple]:
    out = {}
    for hp in space.space:
        if hasattr(hp, "min_value"):
            out[hp.name] = (hp.min_value, hp.max_value)
        elif hasattr(hp, "values"):
            out[hp.name] = tuple(hp.values)
    return out


@dataclass(frozen=True)
class StudyResult:
    """What :func:`search_study` found.

    Attributes:
        dataset: ``"regularization"`` or ``"signs"``.
        trials: every trial, in the order run: ``{"trial_id", "stage", "hyperparameters",
            "dev accuracy", "dev loss", "train accuracy"}``.
        best_trials: the best trials (highest dev accuracy first), same dicts.
        stages: ``{1: {...}, 2: {...}}``: per stage the number of trials, the ranges searched
            and the best and median dev accuracy.
        figures: PNG paths (the scatter plot of the sampled points).
        project_dir: KerasTuner's project folder (rerun on it to resume).
        wall_time_s: seconds this call took (a resumed call only counts the trials it ran).
        notes: sentences for the user (dev set used, resumed trials).
    """

    dataset: str
    trials: list[dict]
    best_trials: list[dict]
    stages: dict[int, dict]
    figures: list[Path]
    project_dir: Path
    wall_time_s: float
    notes: list[str] = field(default_factory=list)

    def to_markdown(self, n: int = 5) -> str:
        """The ``n`` best trials as a Markdown table."""
        names = list(self.best_trials[0]["hyperparameters"]) if self.best_trials else []
        lines = [
            "| rank | stage | " + " | ".join(names) + " | dev accuracy |",
            "|---|---|" + "---|" * len(names) + "---|",
        ]
        for rank, trial in enumerate(self.best_trials[:n], 1):
            values = " | ".join(f"{trial['hyperparameters'][k]:.4g}" for k in names)
            lines.append(f"| {rank} | {trial['stage']} | {values} | {trial['dev accuracy']:.4f} |")
        return "\n".join(lines)


def _study_record(record: dict) -> dict:
    return {
        "trial_id": record["trial_id"],
        "stage": record["stage"],
        "hyperparameters": record["hyperparameters"],
        "dev accuracy": record["val_accuracy"],
        "dev loss": record.get("val_loss"),
        "train accuracy": record.get("accuracy"),
    }


def search_study(
    dataset: str = "regularization",
    *,
    trials: int = 20,
    zoom_trials: int = 10,
    epochs: int | None = None,
    seed: int = 0,
    top_k: int = 3,
    margin: float = 0.1,
    momentum: bool = False,
    project_dir: str | os.PathLike | None = None,
    out_dir: str | os.PathLike = "reports/c2-practical",
    overwrite: bool = False,
    data: str | os.PathLike | None = None,
    verbose: int = 0,
) -> StudyResult:
    """Run the course's coarse-to-fine random search on a lab and plot the sampled points.

    Args:
        dataset: ``"regularization"`` (learning rate × λ) or ``"signs"`` (learning rate ×
            width); see :mod:`dlspec.optimization.tuning.models`.
        trials: random trials of the coarse stage.
        zoom_trials: random trials of the zoomed stage.
        epochs: training length of every trial (default 200 full-batch steps for
            regularization, 15 epochs for SIGNS).
        seed: seed of the sampling and of every trial's initialisation and shuffling: the
            same seed gives the same points and the same results.
        top_k, margin: the zoom rule (see :class:`CoarseToFineOracle`).
        momentum: also search Adam's ``β1 = 1 − 10^r`` (regularization only).
        project_dir: KerasTuner's folder (default ``out_dir/tuner``). The project inside is
            named after the dataset, seed, epochs and coarse trials; rerunning with the same
            settings resumes it (finished trials are not rerun; more ``zoom_trials`` adds
            trials).
        out_dir: where the figure goes.
        overwrite: start the project afresh.
        data: a folder in the course's layout replacing ``$DLSPEC_DATA_DIR``.
        verbose: KerasTuner's per-trial printout (0 silent).

    Returns:
        A :class:`StudyResult`.

    Example:
        >>> result = search_study("regularization", trials=8, zoom_trials=4,
        ...                       epochs=100)  # doctest: +SKIP
        >>> result.best_trials[0]["dev accuracy"]  # doctest: +SKIP
        0.935
    """
    check_positive(trials, "trials", integer=True)
    epochs = DEFAULT_EPOCHS.get(dataset, 1) if epochs is None else epochs
    check_positive(epochs, "epochs", integer=True)
    out_dir = Path(out_dir)
    project_dir = Path(project_dir) if project_dir is not None else out_dir / "tuner"
    study_data = load_study_data(dataset, None if data is None else str(data))
    hypermodel = study_hypermodel(dataset, study_data, seed=seed, momentum=momentum)
    name = f"{dataset}-seed{seed}-epochs{epochs}-coarse{trials}" + ("-beta1" if momentum else "")
    tuner = CoarseToFineSearch(
        hypermodel,
        objective=keras_tuner.Objective("val_accuracy", "max"),
        coarse_trials=trials,
        zoom_trials=zoom_trials,
        top_k=top_k,
        margin=margin,
        seed=seed,
        directory=str(project_dir),
        project_name=name,
        overwrite=overwrite,
    )
    done_before = sum(t.status == TrialStatus.COMPLETED for t in tuner.oracle.trials.values())
    start = time.perf_counter()
    tuner.search(study_data, epochs=epochs, verbose=verbose)
    wall = time.perf_counter() - start

    records = [_study_record(r) for r in tuner.trial_records()]
    best = sorted(records, key=lambda r: -r["dev accuracy"])
    space, zoomed = tuner.oracle.hyperparameters, tuner.oracle.zoomed_space()
    stages = {}
    for stage, searched in ((1, space), (2, zoomed)):
        mine = [r for r in records if r["stage"] == stage]
        stages[stage] = {
            "trials": len(mine),
            "ranges": _ranges(searched),
            "best dev accuracy": float(max((r["dev accuracy"] for r in mine), default=math.nan)),
            "median dev accuracy": float(np.median([r["dev accuracy"] for r in mine]))
            if mine
            else math.nan,
        }
    log_scale = {hp.name: getattr(hp, "sampling", "linear") == "log" for hp in space.space}
    figure = plot_search(
        records,
        out_dir / f"search_{dataset}.png",
        log_scale=log_scale,
        zoom_ranges=stages[2]["ranges"] if stages[2]["trials"] else None,
        title=f"Coarse-to-fine random search ({dataset})",
    )
    notes = [study_data.dev_note]
    if done_before:
        notes.append(f"resumed {tuner.project_dir}: {done_before} finished trials were kept")
    return StudyResult(
        dataset=dataset,
        trials=records,
        best_trials=best[:5],
        stages=stages,
        figures=[figure],
        project_dir=Path(tuner.project_dir),
        wall_time_s=wall,
        notes=notes,
    )
