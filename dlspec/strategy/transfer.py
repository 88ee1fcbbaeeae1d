"""Transfer-learning helpers: freeze a pretrained model, unfreeze its top from a layer on.

Course 3 ("Transfer learning") says when to retrain only the last layers of a pretrained
network and when to retrain more of it; Course 4's alpaca lab does it on MobileNetV2:
``base_model.trainable = True`` then ``for layer in base_model.layers[:fine_tune_at]:
layer.trainable = False``. :func:`unfreeze_from` does that from a layer index or name,
keeps BatchNormalization layers in inference mode, and returns a :class:`TrainableSummary`
(trainable layers and parameter counts) to print.

BatchNormalization in Keras 3: a layer with ``trainable=False`` always runs in inference mode
(moving statistics, no updates), whatever the ``training`` flag of the call. With
``freeze_batchnorm=True`` (default) the BatchNormalization layers stay frozen, so fine-tuning
cannot disturb their statistics however the model is called. ``freeze_batchnorm=False`` is
the course's code: their scale and offset train with the rest. The course counts on calling
the base with ``training=False`` to keep them in inference mode, but in Keras 3 (3.15) a
functional model passes its own ``training`` flag down to the layers it calls, overriding
the ``training=False`` recorded at construction: under ``model.fit`` those trainable
BatchNormalization layers normalise with batch statistics and update their moving averages.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from dlspec.training.layers import nested_layers
from dlspec.validation import check_int

__all__ = ["TrainableSummary", "freeze", "layer_index", "trainable_summary", "unfreeze_from"]


@dataclass(frozen=True)
class TrainableSummary:
    """What trains in a model: layers and parameters, trainable or not.

    Attributes:
        name: the model's name.
        layers: number of top-level layers.
        trainable_layers: top-level layers with ``trainable=True``.
        first_trainable: index of the first trainable top-level layer (``None``: none).
        first_trainable_name: its name.
        trainable_params: parameters the optimizer updates.
        non_trainable_params: the others (frozen weights, BatchNormalization statistics).
        batchnorm_layers: BatchNormalization layers (nested ones included).
        batchnorm_trainable: those of them with ``trainable=True``.
    """

    name: str
    layers: int
    trainable_layers: int
    first_trainable: int | None
    first_trainable_name: str | None
    trainable_params: int
    non_trainable_params: int
    batchnorm_layers: int
    batchnorm_trainable: int

    def __str__(self) -> str:
        first = (
            "none"
            if self.first_trainable is None
            else f"{self.first_trainable} ({self.first_trainable_name})"
        )
        return (
            f"{self.name}: {self.trainable_layers} of {self.layers} layers trainable "
            f"(first trainable: {first}); trainable params {self.trainable_params:,}, "
            f"non-trainable params {self.non_trainable_params:,}; BatchNormalization layers "
            f"trainable: {self.batchnorm_trainable} of {self.batchnorm_layers}"
        )


def _count(weights) -> int:
    return int(sum(np.prod(w.shape) for w in weights))


def _check_model(model) -> None:
    if not isinstance(model, keras.Model):
        raise TypeError(
            f"model must be a keras.Model (e.g. the MobileNetV2 base); got {type(model).__name__}."
        )


def trainable_summary(model: keras.Model) -> TrainableSummary:
    """Count what trains in ``model``.

    Example:
        >>> inputs = keras.Input((4,))
        >>> hidden = keras.layers.Dense(3, name="hidden")(inputs)
        >>> model = keras.Model(inputs, keras.layers.Dense(1, name="out")(hidden), name="net")
        >>> print(unfreeze_from(model, "out"))
        net: 1 of 3 layers trainable (first trainable: 2 (out)); trainable params 4, \
non-trainable params 15; BatchNormalization layers trainable: 0 of 0
    """
    _check_model(model)
    flags = [layer.trainable for layer in model.layers]
    first = flags.index(True) if True in flags else None
    batchnorm = [
        layer
        for top in model.layers
        for layer in nested_layers(top)
        if isinstance(layer, keras.layers.BatchNormalization)
    ]
    return TrainableSummary(
        name=model.name,
        layers=len(flags),
        trainable_layers=sum(flags),
        first_trainable=first,
        first_trainable_name=None if first is None else model.layers[first].name,
        trainable_params=_count(model.trainable_weights),
        non_trainable_params=_count(model.non_trainable_weights),
        batchnorm_layers=len(batchnorm),
        batchnorm_trainable=sum(layer.trainable for layer in batchnorm),
    )


def layer_index(model: keras.Model, layer: int | str) -> int:
    """The index in ``model.layers`` of a layer given by index (negative allowed) or name.

    Raises:
        ValueError: no layer of that name, or the index is out of range.
        TypeError: ``layer`` is neither an int nor a str.

    Example:
        >>> inputs = keras.Input((4,))
        >>> model = keras.Model(inputs, keras.layers.Dense(1, name="out")(inputs))
        >>> layer_index(model, "out"), layer_index(model, -1)
        (1, 1)
    """
    _check_model(model)
    n = len(model.layers)
    if isinstance(layer, str):
        names = [lay.name for lay in model.layers]
        if layer not in names:
            close = [name for name in names if layer in name or name in layer][:5]
            hint = f" Similar names: {close}." if close else ""
            raise ValueError(
                f"model {model.name!r} has no layer named {layer!r} ({n} layers).{hint}"
            )
        return names.index(layer)
    try:
        layer = check_int(layer, "layer")
    except TypeError:
        raise TypeError(
            f"layer must be an index (int) or a layer name (str); got {layer!r}."
        ) from None
    if not -n <= layer <= n:
        raise ValueError(
            f"layer index {layer} is out of range for model {model.name!r} with {n} layers "
            f"(use 0..{n}, or a negative index)."
        )
    return int(layer) % n if layer < 0 else int(layer)


def freeze(model: keras.Model) -> TrainableSummary:
    """Freeze the whole model (``model.trainable = False``), as for feature extraction.

    Frozen BatchNormalization layers run in inference mode. Recompile a model after changing
    what trains in it.
    """
    _check_model(model)
    model.trainable = False
    return trainable_summary(model)


def unfreeze_from(
    model: keras.Model, layer: int | str, *, freeze_batchnorm: bool = True
) -> TrainableSummary:
    """Make ``model.layers[layer:]`` trainable and every layer before it frozen.

    The course's fine-tuning step (``fine_tune_at = 120``) with BatchNormalization kept in
    inference mode: ``unfreeze_from(base_model, 120)``; the course's code literally:
    ``unfreeze_from(base_model, 120, freeze_batchnorm=False)``.

    Args:
        model: the model whose top layers to retrain (e.g. the MobileNetV2 base).
        layer: first layer to train: an index into ``model.layers`` (negative allowed; the
            number of layers unfreezes nothing) or a layer name.
        freeze_batchnorm: keep every BatchNormalization layer frozen, hence in inference mode
            whatever the call's ``training`` flag. ``False`` makes them trainable like the
            other layers (the course's code); under Keras 3's ``model.fit`` they then run in
            training mode even inside a base called with ``training=False`` (module docstring).

    Returns:
        The :class:`TrainableSummary` after the change. Recompile before training.

    Raises:
        ValueError / TypeError: see :func:`layer_index`.

    Example:
        >>> inputs = keras.Input((4,))
        >>> x = keras.layers.Dense(3, name="a")(inputs)
        >>> x = keras.layers.BatchNormalization(name="bn")(x)
        >>> model = keras.Model(inputs, keras.layers.Dense(1, name="out")(x))
        >>> summary = unfreeze_from(model, "bn")
        >>> summary.first_trainable, summary.trainable_params, summary.batchnorm_trainable
        (3, 4, 0)
    """
    start = layer_index(model, layer)
    model.trainable = True
    for i, top in enumerate(model.layers):
        top.trainable = i >= start
        if i >= start and freeze_batchnorm:
            for sub in nested_layers(top):
                if isinstance(sub, keras.layers.BatchNormalization):
                    sub.trainable = False
    return trainable_summary(model)
