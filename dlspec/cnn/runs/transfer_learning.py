"""Runner of lab c4w2-alpaca (Transfer learning with MobileNetV2): the steps
`dlspec run c4w2-alpaca` runs in order.

A full run is the course's recipe (5 frozen epochs at 0.001, then fine-tuning at 0.0001 from
``initial_epoch=4`` to 10: 6 epochs) with the pretrained backbone and, beside it, the same
recipe with an untrained backbone (``weights=None``) and fine-tuning with the
BatchNormalization layers kept in inference mode (see
:func:`dlspec.cnn.transfer_learning.fine_tune`). ``quick`` runs 2 frozen epochs, fine-tuning
from ``initial_epoch=1`` to 4 (3 epochs), and no untrained-backbone baseline; its metric names
carry the epoch counts. On 2 idle CPU cores an epoch takes about 1.5 s frozen and 3 s
fine-tuning, plus 5 to 15 s of tracing for the first epoch of each phase.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import keras
import numpy as np

from dlspec.cnn.transfer_learning import (
    FINE_TUNE_AT,
    FINE_TUNE_EPOCHS,
    IMG_SIZE,
    INITIAL_EPOCHS,
    alpaca_datasets,
    alpaca_model,
    data_augmenter,
    fine_tune,
    resolve_mobilenet_weights,
    train_frozen,
)
from dlspec.labs import LabRun
from dlspec.viz import plot_history, plot_image_grid

CURVES = ("accuracy", "loss", "val_accuracy", "val_loss")


def _run_recipe(weights, *, frozen_epochs: int, tune_epochs: int, freeze_batchnorm: bool = False):
    """One seeded run of the lab's recipe on fresh datasets (the same data orders each time).

    Returns ``(frozen history, fine-tuning history or None, TrainableSummary or None)``.
    """
    train, val = alpaca_datasets()
    keras.utils.set_random_seed(1)
    model = alpaca_model(IMG_SIZE, data_augmenter(), weights=weights)
    frozen = train_frozen(model, train, val, epochs=frozen_epochs)
    if not tune_epochs:
        return frozen, None, None
    tuned, summary = fine_tune(
        model, train, val, history=frozen, epochs=tune_epochs, freeze_batchnorm=freeze_batchnorm
    )
    return frozen, tuned, summary


def _epochs(run: LabRun) -> tuple[int, int]:
    """(frozen epochs, fine-tuning epochs)."""
    return (2, 2) if run.quick else (INITIAL_EPOCHS, FINE_TUNE_EPOCHS)


def _suffixes(run: LabRun) -> tuple[str, str]:
    """The metric-name suffixes of the frozen and fine-tuning phases (quick runs only)."""
    if not run.quick:
        return "", ""
    return f" ({_epochs(run)[0]} epochs)", f" ({len(run.state['tuned']['epoch'])} epochs)"


def load_data(run: LabRun) -> None:
    """Load the alpaca images (the course's split: 262 training, 65 validation)."""
    train, val = alpaca_datasets()
    run.result.notes.append(
        f"alpaca data: {len(train.file_paths)} training / {len(val.file_paths)} validation "
        f"images (the course's split: validation_split 0.2, seed 42); classes "
        f"{train.class_names}."
    )
    val_labels = np.concatenate([labels.numpy() for _, labels in val])
    run.state["majority"] = float(max(val_labels.mean(), 1 - val_labels.mean()))
    run.state["majority class"] = train.class_names[int(val_labels.mean() > 0.5)]
    run.result.metrics["val majority-class rate (chance)"] = run.state["majority"]
    run.state["train"] = train


def show_images(run: LabRun) -> None:
    """Plot nine training images, and nine augmentations of the first one."""
    train = run.state["train"]
    images, labels = next(iter(train))
    run.result.figures.append(
        plot_image_grid(
            images[:9].numpy().astype("uint8"),
            [train.class_names[int(y)] for y in labels[:9]],
            run.out_dir / "training_images.png",
            ncols=3,
        )
    )
    augmenter = data_augmenter()
    keras.utils.set_random_seed(1)
    first = images[:1]
    augmented = np.stack([augmenter(first, training=True)[0].numpy() for _ in range(9)])
    run.result.figures.append(
        plot_image_grid(
            np.clip(augmented, 0, 255).astype("uint8"),
            ["augmented"] * 9,
            run.out_dir / "augmented_image.png",
            ncols=3,
        )
    )


def find_weights(run: LabRun) -> None:
    """Find the pretrained MobileNetV2 weights."""
    resolved = resolve_mobilenet_weights("imagenet")
    run.result.notes.append(f"MobileNetV2 weights: {resolved}.")
    run.result.extra["weights"] = resolved
    if not resolved.exact:
        run.result.notes.append(
            "These are not the course's ImageNet weights: accuracies can differ from the course's."
        )
    run.state["weights"] = resolved.path


def train(run: LabRun) -> None:
    """Train the new head on the frozen base, then fine-tune from layer 120."""
    frozen_epochs, tune_epochs = _epochs(run)
    run.state["frozen"], run.state["tuned"], run.state["summary"] = _run_recipe(
        run.state["weights"], frozen_epochs=frozen_epochs, tune_epochs=tune_epochs
    )


def train_untrained_baseline(run: LabRun) -> None:
    """Run the same recipe on an untrained backbone (full runs only)."""
    if run.quick:
        run.state["baseline_frozen"] = run.state["baseline_tuned"] = None
        run.result.notes.append("The untrained-backbone baseline runs in the full lab only.")
        return
    frozen_epochs, tune_epochs = _epochs(run)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # warn_untrained also logs; the note below says it
        base_frozen, base_tuned, _ = _run_recipe(
            None, frozen_epochs=frozen_epochs, tune_epochs=tune_epochs
        )
    run.state["baseline_frozen"], run.state["baseline_tuned"] = base_frozen, base_tuned
    base_final = (base_tuned or base_frozen)["val_accuracy"][-1]
    run.result.notes.append(
        "Untrained-backbone baseline (weights=None, same recipe; not the course's results): "
        f"final validation accuracy {base_final:.3f}, against the majority-class rate "
        f"{run.state['majority']:.3f} of always answering '{run.state['majority class']}'."
    )


def evaluate(run: LabRun) -> None:
    """Report the validation accuracies of both phases and of the baseline."""
    frozen, tuned = run.state["frozen"], run.state["tuned"]
    base_frozen, base_tuned = run.state["baseline_frozen"], run.state["baseline_tuned"]
    sfx_frozen, sfx_tuned = _suffixes(run)
    metrics = run.result.metrics
    run.result.notes.append(f"Fine-tuning from layer {FINE_TUNE_AT}: {run.state['summary']}.")
    metrics[f"val accuracy after the frozen phase{sfx_frozen}"] = frozen["val_accuracy"][-1]
    metrics[f"train accuracy after the frozen phase{sfx_frozen}"] = frozen["accuracy"][-1]
    metrics[f"val accuracy after fine-tuning{sfx_tuned}"] = tuned["val_accuracy"][-1]
    metrics[f"train accuracy after fine-tuning{sfx_tuned}"] = tuned["accuracy"][-1]
    if base_frozen is not None:
        metrics["untrained backbone: val accuracy after the frozen phase"] = base_frozen[
            "val_accuracy"
        ][-1]
    if base_tuned is not None:
        metrics["untrained backbone: val accuracy after fine-tuning"] = base_tuned["val_accuracy"][
            -1
        ]
    metrics[f"best val accuracy during fine-tuning{sfx_tuned}"] = max(tuned["val_accuracy"])
    run.result.notes.append(
        "Fine-tuning runs the course's code: BatchNormalization layers from layer 120 on are "
        "trainable. The course says calling the base with training=False keeps them in "
        "inference mode, but Keras 3's fit overrides that flag, so they normalise with batch "
        "statistics and update their moving averages."
    )


def fine_tune_batchnorm_frozen(run: LabRun) -> None:
    """Fine-tune again with BatchNormalization kept in inference mode (full runs only)."""
    if run.quick:
        return
    frozen_epochs, tune_epochs = _epochs(run)
    _, frozen_bn, _ = _run_recipe(
        run.state["weights"],
        frozen_epochs=frozen_epochs,
        tune_epochs=tune_epochs,
        freeze_batchnorm=True,
    )
    name = "BatchNormalization frozen (inference mode)"
    run.result.metrics[f"val accuracy after fine-tuning, {name}"] = frozen_bn["val_accuracy"][-1]
    run.result.metrics[f"best val accuracy during fine-tuning, {name}"] = max(
        frozen_bn["val_accuracy"]
    )
    run.result.extra["tuned_batchnorm_frozen"] = frozen_bn
    run.result.notes.append(
        "Beside it, the course's intent (BatchNormalization kept in inference mode: "
        "fine_tune(..., freeze_batchnorm=True)), same seed and data orders."
    )


def record_times(run: LabRun) -> None:
    """Record the seconds per epoch and the Keras epochs fine-tuning ran."""
    frozen, tuned = run.state["frozen"], run.state["tuned"]
    run.result.metrics["seconds per frozen epoch (median)"] = float(np.median(frozen["seconds"]))
    run.result.metrics["seconds per fine-tuning epoch (median)"] = float(
        np.median(tuned["seconds"])
    )
    run.result.notes.append(
        f"Fine-tuning ran Keras epochs {tuned['epoch'][0]}..{tuned['epoch'][-1]} "
        f"(initial_epoch = history.epoch[-1] as the course: {len(tuned['epoch'])} epochs)."
    )
    run.result.extra.update(
        frozen=frozen,
        tuned=tuned,
        baseline_frozen=run.state["baseline_frozen"],
        baseline_tuned=run.state["baseline_tuned"],
    )


def joined_history(frozen: Mapping, tuned: Mapping | None) -> dict[str, list[float]]:
    """The frozen phase's curves followed by the fine-tuning phase's (if any)."""
    return {key: list(frozen[key]) + (list(tuned[key]) if tuned else []) for key in CURVES}


def figures(run: LabRun) -> None:
    """Plot the learning curves, frozen then fine-tuning, with the boundary marked."""
    frozen, extra = run.state["frozen"], run.result.extra
    phases = {"pretrained": (frozen, run.state["tuned"])}
    if run.state["baseline_frozen"] is not None:
        phases["untrained backbone"] = (run.state["baseline_frozen"], run.state["baseline_tuned"])
    if "tuned_batchnorm_frozen" in extra:
        phases["pretrained, BatchNormalization frozen"] = (frozen, extra["tuned_batchnorm_frozen"])
    tuned_any = any(tuned for _, tuned in phases.values())
    run.result.figures.append(
        plot_history(
            {label: joined_history(*phase) for label, phase in phases.items()},
            run.out_dir / "learning_curves.png",
            metrics=("accuracy", "loss"),
            splits={"": "training", "val_": "validation"},
            title="Training and validation",
            mark_epoch=len(frozen["accuracy"]) + 0.5 if tuned_any else None,
            mark_label="start of fine-tuning",
        )
    )


STEPS = (
    load_data,
    show_images,
    find_weights,
    train,
    train_untrained_baseline,
    evaluate,
    fine_tune_batchnorm_frozen,
    record_times,
    figures,
)
