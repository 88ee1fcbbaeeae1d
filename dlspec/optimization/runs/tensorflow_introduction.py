"""Runner of lab c2w3-tf-intro: the steps `dlspec run c2w3-tf-intro` runs in order.

100 epochs of the lab's ``model`` loop, then the Keras twin trained with the shared Trainer
(about 15 s each on 2 CPU cores). Without ``quick``, when the JPEG stand-in is used, a sweep
over four more orders of it shows how much the final accuracies depend on the minibatches.
A quick run trains both :data:`QUICK_EPOCHS` epochs: the costs at epochs 0, 10 and 20 are the
course's printed ones, the accuracies' names say ``(21 epochs)``.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from dlspec.data.signs import load_signs, signs_tf_dataset
from dlspec.labs import LabRun
from dlspec.optimization.tensorflow_introduction import (
    course_datasets,
    fit_keras_model,
    forward_propagation,
    initialize_parameters,
    keras_model,
    train,
)
from dlspec.viz import plot_history, plot_image_grid

NUM_EPOCHS = 100
QUICK_EPOCHS = 21


def _epochs(run: LabRun) -> int:
    return QUICK_EPOCHS if run.quick else NUM_EPOCHS


def _suffix(run: LabRun) -> str:
    """What a quick run's accuracy names carry: `` (21 epochs)``; nothing for the full run."""
    return f" ({QUICK_EPOCHS} epochs)" if run.quick else ""


def accuracy(parameters: dict, images: np.ndarray, labels: np.ndarray) -> float:
    """Accuracy of the lab's network on uint8 images (m, 64, 64, 3) with labels (m,)."""
    X = tf.transpose(tf.reshape(tf.cast(images, tf.float32) / 255.0, (len(images), -1)))
    predictions = tf.argmax(forward_propagation(X, parameters), axis=0).numpy()
    return float(np.mean(predictions == labels))


def _train_on(
    images: np.ndarray, labels: np.ndarray, test, record: bool, num_epochs: int = NUM_EPOCHS
):
    return train(
        *course_datasets(images, labels),
        *course_datasets(test.images, test.labels),
        learning_rate=0.0001,
        num_epochs=num_epochs,
        minibatch_size=32,
        record=record,
        verbose=False,
    )


def load_data(run: LabRun) -> None:
    """Load the SIGNS training and test images and show the first 25."""
    train_set = run.state["train"] = load_signs("train")
    test_set = run.state["test"] = load_signs("test")
    for split, data in (("training", train_set), ("test", test_set)):
        where = (
            f"the course's {data.paths[0].name}"
            if data.source == "h5"
            else "the JPEG stand-in 64x64_SIGNS (seeded order; pixels differ slightly)"
        )
        run.result.notes.append(f"SIGNS {split} set ({len(data)} images): {where}.")
    run.result.figures.append(
        plot_image_grid(
            train_set.images[:25],
            [f"y = {y}" for y in train_set.labels[:25]],
            run.out_dir / "first_training_images.png",
        )
    )


def train_course_loop(run: LabRun) -> None:
    """Train the lab's model loop for 100 epochs, 21 in quick mode (Adam 0.0001, minibatches
    of 32)."""
    train_set, test_set = run.state["train"], run.state["test"]
    metrics, epochs, sfx = run.result.metrics, _epochs(run), _suffix(run)
    parameters, costs, train_acc, test_acc = _train_on(
        train_set.images, train_set.labels, test_set, record=True, num_epochs=epochs
    )
    for epoch in (0, 10, 20):
        i = epoch // 10
        metrics[f"epoch {epoch} cost"] = costs[i]
        metrics[f"epoch {epoch} train accuracy"] = train_acc[i]
        metrics[f"epoch {epoch} test accuracy"] = test_acc[i]
    metrics[f"train accuracy{sfx}"] = accuracy(parameters, train_set.images, train_set.labels)
    metrics[f"test accuracy{sfx}"] = accuracy(parameters, test_set.images, test_set.labels)
    run.result.notes.append(
        f"train/test accuracy: the parameters after {epochs} epochs on the whole sets (the "
        f"lab's last recorded values, epoch {10 * (len(costs) - 1)}: train {train_acc[-1]:.4f}, "
        f"test {test_acc[-1]:.4f})."
    )
    run.result.extra.update(
        parameters=parameters, costs=costs, train_acc=train_acc, test_acc=test_acc
    )
    cost = "cost (total loss / m)"
    curves = {cost: costs, "accuracy": train_acc, "test_accuracy": test_acc}
    run.result.figures.append(
        plot_history(
            curves,
            run.out_dir / "costs.png",
            metrics=(cost, "accuracy"),
            splits={"": "train", "test_": "test"},
            every=10,
            title="Learning rate = 0.0001,",
        )
    )


def train_keras_twin(run: LabRun) -> None:
    """Train the Keras twin from the same parameters with the shared Trainer (100 epochs, 21 in
    quick mode)."""

    def pipeline(split: str) -> tf.data.Dataset:
        return signs_tf_dataset(split, batch_size=32, shuffle=False, flatten=True, one_hot=True)

    train_ds = pipeline("train")
    net = keras_model(initialize_parameters())
    trainer = fit_keras_model(net, train_ds, num_epochs=_epochs(run))
    metrics, sfx = run.result.metrics, _suffix(run)
    metrics[f"Trainer train accuracy{sfx}"] = trainer.evaluate(train_ds)["accuracy"]
    metrics[f"Trainer test accuracy{sfx}"] = trainer.evaluate(pipeline("test"))["accuracy"]
    run.result.extra["trainer history"] = trainer.history


def sweep_orders(run: LabRun) -> None:
    """Retrain on four more orders of the JPEG stand-in (full run with the stand-in only)."""
    train_set, test_set = run.state["train"], run.state["test"]
    if run.quick or train_set.source != "jpeg":
        return
    metrics = run.result.metrics
    sweep = {"train": [], "test": []}
    for seed in range(1, 5):
        shuffled = load_signs("train", seed=seed)
        params, *_ = _train_on(shuffled.images, shuffled.labels, test_set, record=False)
        sweep["train"].append(accuracy(params, shuffled.images, shuffled.labels))
        sweep["test"].append(accuracy(params, test_set.images, test_set.labels))
    for split in ("train", "test"):
        values = [metrics[f"{split} accuracy"], *sweep[split]]
        metrics[f"{split} accuracy, 5 stand-in orders, min"] = min(values)
        metrics[f"{split} accuracy, 5 stand-in orders, max"] = max(values)


STEPS = (load_data, train_course_loop, train_keras_twin, sweep_orders)
