"""C4W2A2 "Transfer learning with MobileNetV2": alpaca / not alpaca from a pretrained backbone.

The lab's functions with the course's names: :func:`data_augmenter` (random horizontal flips
and rotations, Keras 3 layers) and :func:`alpaca_model` (``preprocess_input``, a frozen
MobileNetV2 base called in inference mode, global average pooling, dropout 0.2 and one logit).
Beside them, the data (:func:`alpaca_datasets`: the course's split of the 327 images, 262
training and 65 validation), the two training phases of the lab (:func:`train_frozen`: Adam
0.001 on the new head for 5 epochs; :func:`fine_tune`: the base unfrozen from layer 120, Adam
0.0001, continuing from the course's ``initial_epoch``) and the learning curves with the
fine-tuning boundary (:func:`plot_learning_curves`).

Weights: the course downloads Keras' ImageNet file. dlspec resolves it as DESIGN.md says
(:mod:`dlspec.weights`): an explicit path, ``$DLSPEC_WEIGHTS_DIR`` (the real ImageNet file,
else the offline ``mobilenet_v2_1.00_160_notop_dogs.weights.h5``: ImageNet fine-tuned on dog
breeds, real pretrained features but not the course's exact weights), Keras' cache, a Keras
download, else a clear error. ``weights=None`` gives an untrained backbone, with a warning.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from dlspec.data.image_folder import alpaca_datasets
from dlspec.labs import LabResult
from dlspec.strategy.transfer import TrainableSummary, freeze, unfreeze_from
from dlspec.weights import (
    ResolvedWeights,
    mobilenet_v2_weight_files,
    resolve_weights_argument,
)

__all__ = [
    "IMG_SIZE",
    "alpaca_datasets",
    "alpaca_model",
    "compile_model",
    "data_augmenter",
    "fine_tune",
    "mobilenet_v2_base",
    "plot_learning_curves",
    "preprocess_input",
    "resolve_mobilenet_weights",
    "run",
    "train_frozen",
]

#: the lab's image size, batch size and hyperparameters
IMG_SIZE = (160, 160)
BATCH_SIZE = 32
BASE_LEARNING_RATE = 0.001
INITIAL_EPOCHS = 5
FINE_TUNE_EPOCHS = 5
FINE_TUNE_AT = 120

#: the course's ``preprocess_input``: pixels in [0, 255] → [-1, 1]
preprocess_input = keras.applications.mobilenet_v2.preprocess_input


def data_augmenter() -> keras.Sequential:
    """The lab's augmentation: ``Sequential([RandomFlip('horizontal'), RandomRotation(0.2)])``.

    Both layers are active only in training (``model.fit``) and are identity at inference.
    ``RandomRotation(0.2)`` rotates by up to ±0.2 of a full turn (±72°).

    Returns:
        A ``keras.Sequential`` of exactly those two layers.

    Example:
        >>> augmenter = data_augmenter()
        >>> [type(layer).__name__ for layer in augmenter.layers]
        ['RandomFlip', 'RandomRotation']
        >>> augmenter.layers[0].mode, augmenter.layers[1].factor  # Keras 3 stores 0.2 as a range
        ('horizontal', (-0.2, 0.2))
    """
    return keras.Sequential(
        [keras.layers.RandomFlip("horizontal"), keras.layers.RandomRotation(0.2)]
    )


def _check_image_shape(image_shape) -> tuple[int, int]:
    if (
        not isinstance(image_shape, Sequence)
        or len(image_shape) != 2
        or not all(isinstance(s, int | np.integer) and not isinstance(s, bool) for s in image_shape)
        or min(image_shape) < 32
    ):
        raise ValueError(
            "image_shape must be (height, width) integers of at least 32 (MobileNetV2's "
            f"minimum), e.g. the course's (160, 160); got {image_shape!r}. Leave out the "
            "channels: the model adds 3."
        )
    return int(image_shape[0]), int(image_shape[1])


def resolve_mobilenet_weights(
    weights: str | os.PathLike | None = "imagenet", *, image_shape=IMG_SIZE
) -> ResolvedWeights | None:
    """Find the no-top MobileNetV2 weights for ``image_shape`` (see :mod:`dlspec.weights`).

    Args:
        weights: ``"imagenet"`` (search ``$DLSPEC_WEIGHTS_DIR``, the Keras cache, then
            download), a file path, or ``None`` (untrained: warns and returns ``None``).
        image_shape: ``(height, width)``; Keras has ImageNet files for square 96, 128, 160,
            192 and 224 inputs.

    Raises:
        dlspec.weights.WeightsNotFoundError: no file found (the message says where to put it).
    """
    rows = _check_image_shape(image_shape)[0]
    files = mobilenet_v2_weight_files(rows=rows, include_top=False)
    return resolve_weights_argument(weights, files, what="MobileNetV2 backbone")


def mobilenet_v2_base(
    image_shape=IMG_SIZE, weights: str | os.PathLike | None = "imagenet"
) -> tuple[keras.Model, ResolvedWeights | None]:
    """The lab's ``base_model``: MobileNetV2 without its top, and the weight file used.

    ``MobileNetV2(input_shape=image_shape + (3,), include_top=False, weights=...)`` with the
    weights found by :func:`resolve_mobilenet_weights` (154 layers, 2,257,984 parameters,
    output (None, 5, 5, 1280) at 160×160).
    """
    resolved = resolve_mobilenet_weights(weights, image_shape=image_shape)
    base = keras.applications.MobileNetV2(
        input_shape=(*_check_image_shape(image_shape), 3),
        include_top=False,
        weights=None if resolved is None else str(resolved.path),
    )
    return base, resolved


def alpaca_model(
    image_shape=IMG_SIZE,
    data_augmentation: keras.layers.Layer | None = None,
    weights: str | os.PathLike | None = "imagenet",
) -> keras.Model:
    """The lab's binary classifier on a frozen MobileNetV2 base.

    Input (image_shape + (3,)) → ``data_augmentation`` → :data:`preprocess_input` → MobileNetV2
    base (``trainable=False``, called with ``training=False``) → GlobalAveragePooling2D →
    Dropout(0.2) → Dense(1) (a logit: train with ``BinaryCrossentropy(from_logits=True)``).

    Args:
        image_shape: ``(height, width)`` of the images, the course's (160, 160).
        data_augmentation: a layer applied first; ``None`` (default) builds a fresh
            :func:`data_augmenter` (the course's default ``data_augmenter()`` is built once at
            definition time and shared between calls).
        weights: backbone weights: ``"imagenet"`` (resolved as in :mod:`dlspec.weights`: the
            file used is logged), a file path, or ``None`` for an untrained backbone (warns).

    Returns:
        The uncompiled ``keras.Model``. The base is ``model.layers[2]`` (the course's
        ``model2.layers[4]``: Keras 3 lists the two ``preprocess_input`` operations in
        ``model.operations``, not in ``model.layers``).

    Raises:
        ValueError: bad ``image_shape``.
        dlspec.weights.WeightsNotFoundError: no weights file found.

    Example:
        >>> model = alpaca_model(weights=None)  # an untrained backbone: warns
        >>> model.layers[2].name, model.layers[2].count_params()
        ('mobilenetv2_1.00_160', 2257984)
    """
    base, _ = mobilenet_v2_base(image_shape, weights)
    base.trainable = False
    if data_augmentation is None:
        data_augmentation = data_augmenter()
    inputs = keras.Input(shape=(*_check_image_shape(image_shape), 3))
    x = data_augmentation(inputs)
    x = preprocess_input(x)
    x = base(x, training=False)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dropout(0.2)(x)
    outputs = keras.layers.Dense(1)(x)
    return keras.Model(inputs, outputs)


def _base_of(model: keras.Model) -> keras.Model:
    nested = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    if not nested or not nested[-1].name.startswith("mobilenetv2"):
        raise ValueError(
            "model must be built by alpaca_model (a MobileNetV2 base among its layers); "
            f"got layers {[layer.name for layer in model.layers]}."
        )
    return nested[-1]


def compile_model(model: keras.Model, learning_rate: float) -> keras.Model:
    """Compile as the lab: Adam(learning_rate), ``BinaryCrossentropy(from_logits=True)``, accuracy.

    Accuracy is ``BinaryAccuracy(threshold=0.0)``: the model outputs a logit, so 0 is the
    decision boundary. The course's ``metrics=['accuracy']`` thresholds the logit at 0.5
    (probability 0.62), slightly under-counting positives.
    """
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=[keras.metrics.BinaryAccuracy(name="accuracy", threshold=0.0)],
    )
    return model


class _EpochTimer(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["seconds"] = time.perf_counter() - self._start


def _fit(model, train, val, *, epochs: int, initial_epoch: int = 0, verbose: int = 0) -> dict:
    history = model.fit(
        train,
        validation_data=val,
        epochs=epochs,
        initial_epoch=initial_epoch,
        callbacks=[_EpochTimer()],
        verbose=verbose,
    )
    out = {key: [float(v) for v in values] for key, values in history.history.items()}
    out["epoch"] = list(history.epoch)
    return out


def train_frozen(
    model: keras.Model,
    train: tf.data.Dataset,
    val: tf.data.Dataset,
    *,
    epochs: int = INITIAL_EPOCHS,
    learning_rate: float = BASE_LEARNING_RATE,
    verbose: int = 0,
) -> dict:
    """Phase 1 of the lab: train the new head on the frozen base.

    Freezes the base, compiles (:func:`compile_model`) and fits for ``epochs``.

    Returns:
        The history dict (``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``, ``seconds``
        per epoch, and ``epoch``: Keras' 0-based epoch numbers).
    """
    freeze(_base_of(model))
    compile_model(model, learning_rate)
    return _fit(model, train, val, epochs=epochs, verbose=verbose)


def fine_tune(
    model: keras.Model,
    train: tf.data.Dataset,
    val: tf.data.Dataset,
    *,
    history: Mapping | None = None,
    fine_tune_at: int | str = FINE_TUNE_AT,
    epochs: int = FINE_TUNE_EPOCHS,
    learning_rate: float = 0.1 * BASE_LEARNING_RATE,
    freeze_batchnorm: bool = False,
    verbose: int = 0,
) -> tuple[dict, TrainableSummary]:
    """Phase 2 of the lab: unfreeze the base from ``fine_tune_at`` and train at a lower rate.

    As the course: ``base_model.trainable = True``, the layers ``[:fine_tune_at]`` frozen again,
    Adam at 10× less than phase 1, ``fit(epochs=initial_epochs + epochs,
    initial_epoch=history.epoch[-1])`` (so the course's run trains 6 more epochs, numbered 4
    to 9 by Keras).

    BatchNormalization: the course makes the ones from ``fine_tune_at`` on trainable and
    counts on ``base_model(x, training=False)`` to keep them in inference mode. Keras 3's
    ``fit`` overrides that flag (see :mod:`dlspec.strategy.transfer`): with the course's code
    (the default, ``freeze_batchnorm=False``) those 12 layers normalise with batch statistics
    and update their moving averages while fine-tuning. ``freeze_batchnorm=True`` keeps them
    frozen, in inference mode, as the course intends. On the alpaca data both reach high
    validation accuracy; the course's code was the steadier of the two (see ``run``).

    Args:
        history: the phase-1 history (its last epoch sets ``initial_epoch``); ``None`` starts
            at epoch 0.

    Returns:
        ``(history of this phase, TrainableSummary of the base)``.
    """
    summary = unfreeze_from(_base_of(model), fine_tune_at, freeze_batchnorm=freeze_batchnorm)
    compile_model(model, learning_rate)
    done = list(history["epoch"]) if history else []
    initial_epoch = done[-1] if done else 0
    total = len(done) + epochs
    return _fit(
        model, train, val, epochs=total, initial_epoch=initial_epoch, verbose=verbose
    ), summary


def plot_learning_curves(
    phases: Mapping[str, tuple[Mapping, Mapping | None]], path: str | os.PathLike
) -> Path:
    """Accuracy and loss per epoch, frozen then fine-tuning, with the boundary marked.

    Args:
        phases: ``{label: (frozen history, fine-tuning history or None)}``; one line style per
            label (e.g. pretrained vs untrained backbone).
        path: the PNG to write.
    """
    from dlspec.viz import new_axes, save_figure

    fig, axes = new_axes(2, 1, width=5.5, height=4.0, squeeze=False)
    styles = ("-", "--", "-.", ":")
    boundary = None
    for i, (label, (frozen, tuned)) in enumerate(phases.items()):
        for ax, key in zip(axes[0], ("accuracy", "loss")):
            for split, color in (("", "tab:blue"), ("val_", "tab:orange")):
                values = list(frozen[split + key]) + (list(tuned[split + key]) if tuned else [])
                name = "validation" if split else "training"
                ax.plot(
                    np.arange(1, len(values) + 1),
                    values,
                    styles[i % len(styles)],
                    color=color,
                    marker="o",
                    markersize=3,
                    label=f"{name} ({label})",
                )
        if tuned:
            boundary = len(frozen["accuracy"]) + 0.5
    for ax, key in zip(axes[0], ("accuracy", "loss")):
        if boundary is not None:
            ax.axvline(boundary, color="gray", linewidth=1, label="start of fine-tuning")
        ax.set_xlabel("epochs trained")
        ax.set_ylabel(key)
        ax.set_title(f"Training and validation {key}")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, fontsize=8)
    return save_figure(fig, path)


def _run_recipe(
    weights, *, frozen_epochs: int, tune_epochs: int, freeze_batchnorm: bool = False
) -> tuple[dict, dict | None, TrainableSummary | None]:
    """One seeded run of the lab's recipe on fresh datasets (the same data orders each time)."""
    train, val = alpaca_datasets()
    keras.utils.set_random_seed(1)
    model = alpaca_model(IMG_SIZE, data_augmenter(), weights=weights)
    frozen = train_frozen(model, train, val, epochs=frozen_epochs)
    if not tune_epochs:
        return frozen, None, None
    tuned, summary = fine_tune(
        model,
        train,
        val,
        history=frozen,
        epochs=tune_epochs,
        freeze_batchnorm=freeze_batchnorm,
    )
    return frozen, tuned, summary


def run(*, quick: bool = False, out_dir: str | Path = "reports/c4w2-alpaca") -> LabResult:
    """Reproduce the lab: frozen phase, fine-tuning from layer 120, and an untrained baseline.

    ``quick=False`` runs the course's recipe (5 frozen epochs at 0.001, then fine-tuning at
    0.0001 from ``initial_epoch=4`` to 10: 6 epochs) with the pretrained backbone and, beside
    it, the same recipe with an untrained backbone (``weights=None``) and fine-tuning with the
    BatchNormalization layers kept in inference mode (see :func:`fine_tune`).
    ``quick=True`` runs 2 frozen epochs, fine-tuning from ``initial_epoch=1`` to 4 (3 epochs)
    and a 2-epoch baseline; its metric names carry the epoch counts. On 2 idle CPU cores an
    epoch takes about 1.5 s frozen and 3 s fine-tuning, plus 5 to 15 s of tracing for the
    first epoch of each phase.
    """
    import warnings

    from dlspec.viz import plot_image_grid

    out_dir = Path(out_dir)
    result = LabResult("c4w2-alpaca")
    train, val = alpaca_datasets()
    result.notes.append(
        f"alpaca data: {len(train.file_paths)} training / {len(val.file_paths)} validation "
        f"images (the course's split: validation_split 0.2, seed 42); classes "
        f"{train.class_names}."
    )
    val_labels = np.concatenate([labels.numpy() for _, labels in val])
    majority = float(max(val_labels.mean(), 1 - val_labels.mean()))
    result.metrics["val majority-class rate (chance)"] = majority

    images, labels = next(iter(train))
    result.figures.append(
        plot_image_grid(
            images[:9].numpy().astype("uint8"),
            [train.class_names[int(y)] for y in labels[:9]],
            out_dir / "training_images.png",
            ncols=3,
        )
    )
    augmenter = data_augmenter()
    keras.utils.set_random_seed(1)
    first = images[:1]
    augmented = np.stack([augmenter(first, training=True)[0].numpy() for _ in range(9)])
    result.figures.append(
        plot_image_grid(
            np.clip(augmented, 0, 255).astype("uint8"),
            ["augmented"] * 9,
            out_dir / "augmented_image.png",
            ncols=3,
        )
    )

    resolved = resolve_mobilenet_weights("imagenet")
    result.notes.append(f"MobileNetV2 weights: {resolved}.")
    result.extra["weights"] = resolved
    if not resolved.exact:
        result.notes.append(
            "These are not the course's ImageNet weights: accuracies can differ from the course's."
        )

    frozen_epochs, tune_epochs = (2, 2) if quick else (INITIAL_EPOCHS, FINE_TUNE_EPOCHS)
    frozen, tuned, summary = _run_recipe(
        resolved.path, frozen_epochs=frozen_epochs, tune_epochs=tune_epochs
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # warn_untrained also logs; the note below says it
        base_frozen, base_tuned, _ = _run_recipe(
            None,
            frozen_epochs=frozen_epochs,
            tune_epochs=0 if quick else tune_epochs,
        )
    base_final = (base_tuned or base_frozen)["val_accuracy"][-1]
    result.notes.append(
        "Untrained-backbone baseline (weights=None, same recipe; not the course's results): "
        f"final validation accuracy {base_final:.3f}, against the majority-class rate "
        f"{majority:.3f} of always answering '{train.class_names[int(val_labels.mean() > 0.5)]}'."
    )
    result.notes.append(f"Fine-tuning from layer {FINE_TUNE_AT}: {summary}.")

    n_tuned = len(tuned["epoch"])
    sfx_frozen = "" if not quick else f" ({frozen_epochs} epochs)"
    sfx_tuned = "" if not quick else f" ({n_tuned} epochs)"
    result.metrics[f"val accuracy after the frozen phase{sfx_frozen}"] = frozen["val_accuracy"][-1]
    result.metrics[f"train accuracy after the frozen phase{sfx_frozen}"] = frozen["accuracy"][-1]
    result.metrics[f"val accuracy after fine-tuning{sfx_tuned}"] = tuned["val_accuracy"][-1]
    result.metrics[f"train accuracy after fine-tuning{sfx_tuned}"] = tuned["accuracy"][-1]
    result.metrics[f"untrained backbone: val accuracy after the frozen phase{sfx_frozen}"] = (
        base_frozen["val_accuracy"][-1]
    )
    if base_tuned is not None:
        result.metrics["untrained backbone: val accuracy after fine-tuning"] = base_tuned[
            "val_accuracy"
        ][-1]
    result.metrics[f"best val accuracy during fine-tuning{sfx_tuned}"] = max(tuned["val_accuracy"])
    result.notes.append(
        "Fine-tuning runs the course's code: BatchNormalization layers from layer 120 on are "
        "trainable. The course says calling the base with training=False keeps them in "
        "inference mode, but Keras 3's fit overrides that flag, so they normalise with batch "
        "statistics and update their moving averages."
    )
    if not quick:
        _, frozen_bn, _ = _run_recipe(
            resolved.path,
            frozen_epochs=frozen_epochs,
            tune_epochs=tune_epochs,
            freeze_batchnorm=True,
        )
        name = "BatchNormalization frozen (inference mode)"
        result.metrics[f"val accuracy after fine-tuning, {name}"] = frozen_bn["val_accuracy"][-1]
        result.metrics[f"best val accuracy during fine-tuning, {name}"] = max(
            frozen_bn["val_accuracy"]
        )
        result.extra["tuned_batchnorm_frozen"] = frozen_bn
        result.notes.append(
            "Beside it, the course's intent (BatchNormalization kept in inference mode: "
            "fine_tune(..., freeze_batchnorm=True)), same seed and data orders."
        )
    result.metrics["seconds per frozen epoch (median)"] = float(np.median(frozen["seconds"]))
    result.metrics["seconds per fine-tuning epoch (median)"] = float(np.median(tuned["seconds"]))
    result.notes.append(
        f"Fine-tuning ran Keras epochs {tuned['epoch'][0]}..{tuned['epoch'][-1]} "
        f"(initial_epoch = history.epoch[-1] as the course: {n_tuned} epochs)."
    )
    result.extra.update(
        frozen=frozen, tuned=tuned, baseline_frozen=base_frozen, baseline_tuned=base_tuned
    )
    curves = {"pretrained": (frozen, tuned), "untrained backbone": (base_frozen, base_tuned)}
    if "tuned_batchnorm_frozen" in result.extra:
        curves["pretrained, BatchNormalization frozen"] = (
            frozen,
            result.extra["tuned_batchnorm_frozen"],
        )
    result.figures.append(plot_learning_curves(curves, out_dir / "learning_curves.png"))
    return result
