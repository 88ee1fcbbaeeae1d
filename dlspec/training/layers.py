"""Walk every layer of a Keras model, nested models and blocks included."""

from __future__ import annotations

import keras

__all__ = ["nested_layers"]


def nested_layers(model: keras.layers.Layer, *, include_self: bool = True) -> list:
    """Every layer of ``model``, recursively (sub-models and layers tracked inside blocks).

    Example:
        >>> inner = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
        >>> outer = keras.Sequential([keras.Input((2,)), inner, keras.layers.Dense(1)])
        >>> [layer.name for layer in nested_layers(outer, include_self=False)
        ...  if not isinstance(layer, keras.layers.InputLayer)] == [inner.name, *(
        ...      layer.name for layer in inner.layers), outer.layers[-1].name]
        True
    """
    flatten = getattr(model, "_flatten_layers", None)
    if flatten is None:  # pragma: no cover - every Keras 3 layer has it
        return ([model] if include_self else []) + list(getattr(model, "layers", []))
    return list(flatten(include_self=include_self, recursive=True))
