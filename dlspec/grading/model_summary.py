"""Layer summaries of Keras models, compared the way the course's ``comparator`` does.

The course checks a learner's model builder (``happyModel``, ``convolutional_model``,
``ResNet50``, ``alpaca_model``, ``unet_model``...) by listing, for each layer, its class name,
output shape and parameter count, plus padding, activation, pool size, strides, rate or
initializer for the layer types where they matter. :func:`layer_summary` builds that list
(same row format as the course's ``summary(model)``, so the course's expected lists can be
pasted) and :func:`compare_summaries` reports the first layer that differs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["ModelCase", "SummaryMismatch", "compare_summaries", "layer_summary"]


def _name(fn: Any) -> str:
    return getattr(fn, "__name__", type(fn).__name__)


def _class_name(obj: Any) -> str:
    return type(obj).__name__


def _tupled(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_tupled(v) for v in value)
    return value


# (label, getter) of the extra columns the course lists for some layer types, in its order.
_EXTRAS: dict[str, tuple[tuple[str, Callable[[Any], Any]], ...]] = {
    "Conv2D": (
        ("padding", lambda layer: layer.padding),
        ("activation", lambda layer: _name(layer.activation)),
        ("kernel initializer", lambda layer: _class_name(layer.kernel_initializer)),
    ),
    "MaxPooling2D": (
        ("pool size", lambda layer: _tupled(layer.pool_size)),
        ("strides", lambda layer: _tupled(layer.strides)),
        ("padding", lambda layer: layer.padding),
    ),
    "Dropout": (("rate", lambda layer: layer.rate),),
    "ZeroPadding2D": (("padding", lambda layer: _tupled(layer.padding)),),
    "Dense": (("activation", lambda layer: _name(layer.activation)),),
}
_BASE_FIELDS = ("layer type", "output shape", "parameter count")


def _output_shape(layer: Any) -> Any:
    try:
        return _tupled(layer.output.shape)
    except (AttributeError, ValueError):  # a layer not called on a symbolic input
        return None


def layer_summary(model: Any) -> list[list]:
    """One row per layer: ``[class name, output shape, parameter count, *extras]``.

    Extras follow the course: Conv2D ``padding, activation, kernel initializer``; MaxPooling2D
    ``pool_size, strides, padding``; Dropout ``rate``; ZeroPadding2D ``padding``; Dense
    ``activation``.

    Example:
        >>> import keras
        >>> inputs = keras.Input((4,))
        >>> model = keras.Model(inputs, keras.layers.Dense(3, activation="relu")(inputs))
        >>> layer_summary(model)
        [['InputLayer', (None, 4), 0], ['Dense', (None, 3), 15, 'relu']]
    """
    rows = []
    for layer in model.layers:
        kind = type(layer).__name__
        row = [kind, _output_shape(layer), int(layer.count_params())]
        row += [getter(layer) for _, getter in _EXTRAS.get(kind, ())]
        rows.append(row)
    return rows


@dataclass(frozen=True)
class SummaryMismatch:
    """The first layer where two summaries differ.

    Attributes:
        index: position in ``model.layers`` (or where the shorter model ends).
        field: ``"layer type"``, ``"output shape"``, ``"parameter count"``, an extra column
            (``"padding"``, ``"activation"``...) or ``"number of layers"``.
        expected, got: the two rows (``None`` past the end of a model).
        message: one sentence for the learner.
    """

    index: int
    field: str
    expected: list | None
    got: list | None
    message: str


def _normalise(row: Sequence) -> list:
    row = [_tupled(value) for value in row]
    # The course's Keras 2 summaries list an InputLayer's shape as [(None, 64, 64, 3)].
    if len(row) > 1 and isinstance(row[1], tuple) and len(row[1]) == 1:
        if isinstance(row[1][0], tuple):
            row[1] = row[1][0]
    return row


def _field_name(kind: str, column: int) -> str:
    if column < len(_BASE_FIELDS):
        return _BASE_FIELDS[column]
    extras = _EXTRAS.get(kind, ())
    offset = column - len(_BASE_FIELDS)
    return extras[offset][0] if offset < len(extras) else f"column {column}"


def compare_summaries(expected_rows: Sequence[Sequence], model: Any) -> SummaryMismatch | None:
    """Compare ``model`` with the expected summary; ``None`` when every layer matches.

    Columns missing from an expected row are not checked, so rows written for the course's
    ``summary`` (which lists fewer extras for some layers) still work.

    Example:
        >>> import keras
        >>> inputs = keras.Input((4,))
        >>> model = keras.Model(inputs, keras.layers.Dense(2, name="out")(inputs))
        >>> print(compare_summaries([["InputLayer", (None, 4), 0],
        ...                          ["Dense", (None, 3), 15, "linear"]], model).message)
        model.layers[1] (Dense 'out'): output shape expected (None, 3), got (None, 2)
    """
    got_rows = layer_summary(model)
    layers = list(model.layers)
    expected = [_normalise(row) for row in expected_rows]
    for i, (want, have) in enumerate(zip(expected, got_rows)):
        for column, value in enumerate(want):
            other = have[column] if column < len(have) else None
            if value != other:
                field = _field_name(str(want[0]), column)
                where = f"model.layers[{i}] ({have[0]} {layers[i].name!r})"
                message = f"{where}: {field} expected {value!r}, got {other!r}"
                if column == 0:
                    message = f"{where}: expected a {value} layer, got {have[0]}"
                return SummaryMismatch(i, field, list(want), list(have), message)
    if len(expected) != len(got_rows):
        i = min(len(expected), len(got_rows))
        if len(got_rows) < len(expected):
            message = (
                f"expected {len(expected)} layers, got {len(got_rows)}: missing from "
                f"model.layers[{i}] on, starting with {expected[i][0]} {expected[i][1]}"
            )
            return SummaryMismatch(i, "number of layers", list(expected[i]), None, message)
        message = (
            f"expected {len(expected)} layers, got {len(got_rows)}: model.layers[{i}] "
            f"({got_rows[i][0]} {layers[i].name!r}) and after are extra"
        )
        return SummaryMismatch(i, "number of layers", None, list(got_rows[i]), message)
    return None


@dataclass(frozen=True)
class ModelCase:
    """A graded Keras model builder: call it, compare its layer summary with the course's.

    Attributes:
        function: the builder's name, e.g. ``"happyModel"``.
        make_inputs: builds ``(args, kwargs)`` for the call (default: no arguments).
        expected: the course's rows (see :func:`layer_summary`); ``None`` means "the summary
            of dlspec's own builder called with the same arguments".
        name: a short label; defaults to the function name.

    Example:
        >>> case = ModelCase("deep_classifier", lambda: (([5, 4, 1],), {}))
        >>> case.label
        'deep_classifier'
    """

    function: str
    make_inputs: Callable[[], tuple[tuple, dict]] = lambda: ((), {})
    expected: Sequence[Sequence] | None = None
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or self.function
