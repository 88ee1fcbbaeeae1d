"""Runner of lab c4w1-conv-app (Convolution model application): the steps
`dlspec run c4w1-conv-app` runs in order.

``convolutional_model`` on SIGNS (100 epochs, batch 64) and ``happyModel`` on Happy House
(10 epochs, batch 16). ``quick`` trains SIGNS for 20 epochs and Happy House for 5; the metric
names then carry the epoch counts. Happy House metrics are computed on a seeded split of
``test_happy.h5`` when ``train_happy.h5`` is missing (the names and the notes say so); the
held-out accuracy is also given after re-estimating the BatchNormalization statistics on the
training images (:func:`dlspec.training.batchnorm.reestimate_batchnorm_statistics`), since
10 epochs of 8 batches leave the moving statistics far from the final network's.
"""

from __future__ import annotations

from dlspec.cnn.convolution_application import train_happy_model, train_signs_model
from dlspec.data.happy import happy_tf_dataset
from dlspec.labs import LabRun
from dlspec.training.batchnorm import reestimate_batchnorm_statistics
from dlspec.viz import plot_history


def _epochs(run: LabRun) -> tuple[int, int]:
    """(SIGNS epochs, Happy House epochs)."""
    return (20, 5) if run.quick else (100, 10)


def train_signs(run: LabRun) -> None:
    """Train convolutional_model on SIGNS (adam, batch 64, 100 epochs; 20 in quick mode)."""
    epochs = _epochs(run)[0]
    _, history = train_signs_model(epochs=epochs)
    suffix = f" ({epochs} epochs)" if run.quick else ""
    metrics = run.result.metrics
    metrics[f"SIGNS train accuracy{suffix}"] = float(history["accuracy"][-1])
    metrics[f"SIGNS test accuracy{suffix}"] = float(history["val_accuracy"][-1])
    metrics[f"SIGNS test loss{suffix}"] = float(history["val_loss"][-1])
    run.result.extra["SIGNS history"] = history
    run.result.notes.append(
        "SIGNS: trained on the 1080 training photos (the JPEG stand-in unless train_signs.h5 "
        "is present), tested on the course's test_signs.h5 (120 images). Course: train 0.85 / "
        "test 0.73 after 100 epochs."
    )


def train_happy(run: LabRun) -> None:
    """Train happyModel on Happy House (adam, batch 16, 10 epochs; 5 in quick mode)."""
    epochs = _epochs(run)[1]
    model, history, data = train_happy_model(epochs=epochs)
    if data.source == "course":
        names = ("Happy train accuracy", "Happy test accuracy")
    else:
        names = ("Happy split-train accuracy", "Happy split-held-out accuracy")
    for name, key in zip(names, ("accuracy", "val_accuracy")):
        run.result.metrics[f"{name} ({epochs} epochs)"] = float(history[key][-1])
    run.state.update(happy_model=model, happy_data=data, happy_held_out_name=names[1])
    run.result.extra["Happy history"] = history


def fix_batchnorm(run: LabRun) -> None:
    """Re-estimate happyModel's BatchNormalization statistics on its training images; rescore."""
    model, data, epochs = run.state["happy_model"], run.state["happy_data"], _epochs(run)[1]
    # The C4W2 fix for BatchNormalization after short runs (80 steps here): re-estimate the
    # moving statistics on the training images, then score the held-out images again.
    reestimate_batchnorm_statistics(
        model, happy_tf_dataset(data.X_train, data.Y_train, shuffle=False)
    )
    held = happy_tf_dataset(data.X_test, data.Y_test, shuffle=False)
    name = f"{run.state['happy_held_out_name']} ({epochs} epochs, BN statistics re-estimated)"
    run.result.metrics[name] = float(model.evaluate(held, verbose=0)[1])
    run.result.notes.append(f"Happy House: {data.description}.")
    if data.source != "course":
        run.result.notes.append(
            "Happy House gap: the course trains on 600 images and reports train ≈0.97 / test "
            "≈0.94; here only the 150 test images exist, so the model sees "
            f"{len(data.X_train)} and is scored on {len(data.X_test)}."
        )


def figures(run: LabRun) -> None:
    """Plot the accuracy and loss curves of both models."""
    signs_epochs, happy_epochs = _epochs(run)
    happy_split = "test" if run.state["happy_data"].source == "course" else "held-out"
    curves = {
        "signs_curves.png": (
            "SIGNS history",
            "test",
            f"convolutional_model on SIGNS (batch 64, {signs_epochs} epochs)",
        ),
        "happy_curves.png": (
            "Happy history",
            happy_split,
            f"happyModel (batch 16, {happy_epochs} epochs)",
        ),
    }
    for file_name, (key, held_out, title) in curves.items():
        run.result.figures.append(
            plot_history(
                run.result.extra[key],
                run.out_dir / file_name,
                metrics=("accuracy", "loss"),
                splits={"": "train", "val_": held_out},
                title=title,
            )
        )


STEPS = (train_signs, train_happy, fix_batchnorm, figures)
