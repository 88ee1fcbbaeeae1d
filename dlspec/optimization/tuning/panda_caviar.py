"""Panda vs caviar (C2W3): babysit one model, or train many in parallel and keep the best.

The course's two ways of searching: the *panda* raises one model, watching it every day and
nudging its learning rate (when compute is scarce), the *caviar* strategy trains many models at
once and picks the best (when compute is plentiful). :func:`panda_vs_caviar` runs both on the
same lab and the same budget of training passes:

* **panda**: one model from a sensible starting point, trained for ``(trials + zoom_trials) ×
  epochs`` passes;
  after every ``epochs`` passes its dev loss is checked and ``ReduceLROnPlateau`` halves the
  learning rate when it stopped improving (the babysitting); its best dev accuracy over the
  checks is reported;
* **caviar**: the coarse-to-fine search of :mod:`dlspec.optimization.tuning.search`
  (``trials`` coarse + ``zoom_trials`` zoomed, ``epochs`` passes each) with its trials run in
  ``processes`` worker processes. The oracle stays in this process and speaks KerasTuner's
  parallel protocol (``create_trial`` per worker, ``update_trial`` and ``end_trial`` with the
  results), so the project folder holds the trials like any KerasTuner search.

Both sides run in the same ``processes`` fresh ``spawn`` workers (each imports its own
TensorFlow with ``cpu_count // processes`` threads and loads the data before the clocks start;
that start-up time is reported apart): the panda on one of them, the caviar on all.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from multiprocessing import get_context
from pathlib import Path

import keras
import keras_tuner
import tensorflow as tf
from keras_tuner.engine.trial import TrialStatus

from dlspec.optimization.tuning.models import (
    DEFAULT_EPOCHS,
    STUDY_DATASETS,
    load_study_data,
    study_hypermodel,
    training_passes,
)
from dlspec.optimization.tuning.search import CoarseToFineSearch
from dlspec.validation import check_positive

__all__ = ["PANDA_START", "panda_vs_caviar", "comparison_markdown"]

#: the panda's starting point: hyperparameters a practitioner would try first
PANDA_START = {
    "regularization": {"learning_rate": 0.01, "lambd": 0.1},
    "signs": {"learning_rate": 0.001, "width": 64},
}


def _init_worker(threads: int, dataset: str, root: str | None, barrier) -> None:
    """Start a worker: TensorFlow with ``threads`` threads, the data loaded, then wait for all."""
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    load_study_data(dataset, root)
    barrier.wait(timeout=600)


def _ready() -> int:
    return os.getpid()


def _build(dataset: str, values: dict, seed: int, root: str | None):
    data = load_study_data(dataset, root)
    hypermodel = study_hypermodel(dataset, data, seed=seed)
    hp = keras_tuner.HyperParameters()
    hp.values.update(values)
    return hypermodel, hp, hypermodel.build(hp), data


def _caviar_trial(dataset: str, values: dict, epochs: int, seed: int, root: str | None) -> dict:
    """Worker: train one configuration, return its metrics (and the seconds it took)."""
    start = time.perf_counter()
    hypermodel, hp, model, data = _build(dataset, values, seed, root)
    metrics = hypermodel.fit(hp, model, data, epochs=epochs)
    return {**metrics, "seconds": time.perf_counter() - start}


def _panda_run(dataset: str, values: dict, epochs: int, checks: int, seed: int, root):
    """Worker: one model, ``checks`` rounds of ``epochs`` passes, LR halved on a plateau."""
    start = time.perf_counter()
    hypermodel, _, model, data = _build(dataset, values, seed, root)
    passes = training_passes(data, batch_size=hypermodel.batch_size, seed=seed, passes=epochs)
    # model.fit, not dlspec's Trainer: the babysitting is Keras' ReduceLROnPlateau callback.
    history = model.fit(
        passes,
        epochs=checks,
        validation_data=(data.x_dev, data.y_dev),
        callbacks=[keras.callbacks.ReduceLROnPlateau("val_loss", factor=0.5, patience=1)],
        shuffle=False,
        verbose=0,
    )
    dev = history.history["val_accuracy"]
    best = max(range(len(dev)), key=dev.__getitem__)
    return {
        "best dev accuracy": float(dev[best]),
        "best check": best + 1,
        "learning rates": [float(v) for v in history.history["learning_rate"]],
        "dev accuracy": [float(v) for v in dev],
        "seconds": time.perf_counter() - start,
    }


def _started_pool(processes: int, dataset: str, root: str | None) -> ProcessPoolExecutor:
    """``processes`` spawned workers, all started (TensorFlow imported, data loaded)."""
    context = get_context("spawn")
    threads = max(1, (os.cpu_count() or 1) // processes)
    pool = ProcessPoolExecutor(
        processes,
        mp_context=context,
        initializer=_init_worker,
        initargs=(threads, dataset, root, context.Barrier(processes)),
    )
    # one task per worker: the barrier holds each worker until every one has started
    for future in [pool.submit(_ready) for _ in range(processes)]:
        future.result()
    return pool


def _run_caviar(pool, tuner, dataset, *, processes, epochs, seed, root) -> list[float]:
    """Run the tuner's oracle with its trials spread over the ``processes`` workers of ``pool``.

    Returns the seconds each completed trial took in its worker.
    """
    oracle = tuner.oracle
    seconds: list[float] = []
    running: dict = {}
    finished_creating = False
    while True:
        while not finished_creating and len(running) < processes:
            busy = {tuner_id for tuner_id, _ in running.values()}
            tuner_id = next(f"worker{i}" for i in range(processes) if f"worker{i}" not in busy)
            trial = oracle.create_trial(tuner_id)
            if trial.status == TrialStatus.STOPPED:
                finished_creating = True
            elif trial.status == TrialStatus.IDLE:
                if not running:
                    raise RuntimeError("the oracle is waiting, but no trial is running.")
                break
            else:
                values = dict(trial.hyperparameters.values)
                future = pool.submit(_caviar_trial, dataset, values, epochs, seed, root)
                running[future] = (tuner_id, trial)
        if not running:
            return seconds
        done, _ = wait(running, return_when=FIRST_COMPLETED)
        for future in done:
            _, trial = running.pop(future)
            try:
                metrics = future.result()
            except Exception as err:  # a crashed trial is recorded, as KerasTuner does
                trial.status, trial.message = TrialStatus.FAILED, repr(err)
            else:
                seconds.append(metrics["seconds"])
                oracle.update_trial(trial.trial_id, {"val_accuracy": metrics["val_accuracy"]})
                trial.status = TrialStatus.COMPLETED
            oracle.end_trial(trial)


def comparison_markdown(table: dict) -> str:
    """The panda / caviar comparison of :func:`panda_vs_caviar` as a Markdown table."""
    rows = ["panda", "caviar"]
    keys = ["models trained", "processes", "passes per model", "wall time (s)", "best dev accuracy"]
    lines = ["| | " + " | ".join(keys) + " |", "|---|" + "---|" * len(keys)]
    for row in rows:
        cells = [
            f"{table[row][k]:.4f}" if k == "best dev accuracy" else f"{table[row][k]:.4g}"
            for k in keys
        ]
        lines.append(f"| {row} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def panda_vs_caviar(
    dataset: str = "regularization",
    *,
    trials: int = 8,
    zoom_trials: int = 4,
    processes: int = 2,
    epochs: int | None = None,
    seed: int = 0,
    panda_start: dict | None = None,
    out_dir: str | os.PathLike = "reports/c2-practical",
    data: str | os.PathLike | None = None,
) -> dict:
    """Babysit one model (panda) vs run the search's trials in parallel (caviar), side by side.

    Args:
        dataset: ``"regularization"`` or ``"signs"`` (see
            :mod:`dlspec.optimization.tuning.models`).
        trials, zoom_trials: the caviar's coarse and zoomed trials.
        processes: the caviar's worker processes (keep it at most the number of cores).
        epochs: passes per caviar trial (default: the study's, 200 / 15); the panda trains
            ``(trials + zoom_trials) × epochs`` passes, checked every ``epochs``.
        seed: seed of the search and of every model's initialisation and shuffling.
        panda_start: the panda's hyperparameters (default :data:`PANDA_START`).
        out_dir: where the caviar's KerasTuner project goes (``out_dir/caviar``, started
            afresh each call).
        data: a folder in the course's layout replacing ``$DLSPEC_DATA_DIR``.

    Returns:
        ``{"panda": {...}, "caviar": {...}, "worker startup (s)": float, "markdown": table}``;
        each side has ``"models trained"``, ``"processes"``, ``"passes per model"``, ``"wall
        time (s)"``, ``"best dev accuracy"`` and ``"best hyperparameters"``; the panda also
        its learning rates and dev accuracy at every check, the caviar the sum of its trials'
        times (over the wall time: the speed-up of running them in parallel).

    Example:
        >>> table = panda_vs_caviar(trials=4, zoom_trials=2, epochs=50)  # doctest: +SKIP
        >>> print(table["markdown"])  # doctest: +SKIP
    """
    if dataset not in STUDY_DATASETS:
        raise ValueError(f"dataset must be one of {STUDY_DATASETS}; got {dataset!r}.")
    check_positive(trials, "trials", integer=True)
    check_positive(processes, "processes", integer=True)
    epochs = DEFAULT_EPOCHS[dataset] if epochs is None else epochs
    check_positive(epochs, "epochs", integer=True)
    root = None if data is None else str(data)
    start_values = dict(panda_start or PANDA_START[dataset])
    checks = trials + zoom_trials
    hypermodel = study_hypermodel(dataset, load_study_data(dataset, root), seed=seed)
    tuner = CoarseToFineSearch(
        hypermodel,
        objective=keras_tuner.Objective("val_accuracy", "max"),
        coarse_trials=trials,
        zoom_trials=zoom_trials,
        seed=seed,
        directory=str(Path(out_dir) / "caviar"),
        project_name=dataset,
        overwrite=True,
    )
    tuner.oracle.verbose = 0

    start = time.perf_counter()
    with _started_pool(processes, dataset, root) as pool:
        startup = time.perf_counter() - start
        start = time.perf_counter()
        panda = pool.submit(_panda_run, dataset, start_values, epochs, checks, seed, root)
        panda = panda.result()
        panda_wall = time.perf_counter() - start
        start = time.perf_counter()
        seconds = _run_caviar(
            pool, tuner, dataset, processes=processes, epochs=epochs, seed=seed, root=root
        )
        caviar_wall = time.perf_counter() - start
    best = tuner.oracle.get_best_trials(1)[0]

    table = {
        "panda": {
            "models trained": 1,
            "processes": 1,
            "passes per model": checks * epochs,
            "wall time (s)": panda_wall,
            "best dev accuracy": panda["best dev accuracy"],
            "best hyperparameters": start_values,
            "learning rates": panda["learning rates"],
            "dev accuracy": panda["dev accuracy"],
        },
        "caviar": {
            "models trained": sum(t.status == "COMPLETED" for t in tuner.oracle.trials.values()),
            "processes": processes,
            "passes per model": epochs,
            "wall time (s)": caviar_wall,
            "summed trial time (s)": sum(seconds),
            "best dev accuracy": float(best.score),
            "best hyperparameters": dict(best.hyperparameters.values),
        },
    }
    table["worker startup (s)"] = startup
    table["markdown"] = comparison_markdown(table)
    return table
