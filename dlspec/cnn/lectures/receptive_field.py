"""Receptive fields of a CNN's units, computed layer by layer from the layers' configurations.

A unit of a feature map sees a window of the input image: its *receptive field*. Along each
axis it is described by three numbers, updated through every convolution or pooling layer with
kernel f, stride s, dilation d and leading padding p (f_eff = d·(f − 1) + 1):

- size r:   r_out = r_in + (f_eff − 1) · j_in
- jump j:   j_out = j_in · s  (the distance in input pixels between neighbouring units)
- start c:  c_out = c_in + ((f_eff − 1) / 2 − p) · j_in  (the input position of the centre of
  unit 0's field; negative or past the image when padding put the field partly outside it)

"same" padding uses TensorFlow's rule (p = total padding // 2, total = max((⌈n/s⌉ − 1)·s +
f_eff − n, 0)), so the input size matters; element-wise layers (activations, normalisation,
dropout, additions) keep the field; where several inputs meet (Add, Concatenate) the largest
field is kept. Global pooling, Flatten and Dense see their whole input.

Deep units often have fields larger than the image (MobileNetV2's last block: hundreds of
pixels on a 160×160 input): :meth:`ReceptiveField.box` clips the window to the image.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import keras

from dlspec.cnn.lectures.cost_calculator import layer_calls

__all__ = ["ReceptiveField", "receptive_fields"]


@dataclass(frozen=True)
class ReceptiveField:
    """The receptive field of the units of one feature map, per spatial axis (rows, columns).

    Attributes:
        size: field size in input pixels, ``(rows, cols)``.
        jump: input pixels between two neighbouring units (the cumulative stride).
        start: input coordinate of the centre of unit (0, 0)'s field (may be fractional).
    """

    size: tuple[int, int]
    jump: tuple[int, int]
    start: tuple[float, float]

    def box(self, row: int, col: int, image_shape: tuple[int, int] | None = None):
        """The input window ``(top, left, bottom, right)`` (bottom/right exclusive) of unit
        ``(row, col)``; clipped to ``image_shape`` = (height, width) when given.

        Example:
            >>> field = ReceptiveField(size=(5, 5), jump=(2, 2), start=(2.0, 2.0))
            >>> field.box(1, 0), field.box(3, 3, image_shape=(8, 8))
            ((2, 0, 7, 5), (6, 6, 8, 8))
        """
        corners = []
        for axis, index in enumerate((row, col)):
            centre = self.start[axis] + index * self.jump[axis]
            first = math.floor(centre - (self.size[axis] - 1) / 2 + 1e-9)
            corners.append((first, first + self.size[axis]))
        (top, bottom), (left, right) = corners
        if image_shape is not None:
            top, left = max(top, 0), max(left, 0)
            bottom, right = min(bottom, image_shape[0]), min(right, image_shape[1])
        return top, left, bottom, right


_INPUT_FIELD = ReceptiveField((1, 1), (1, 1), (0.0, 0.0))
_ELEMENTWISE = (
    keras.layers.Activation,
    keras.layers.ReLU,
    keras.layers.LeakyReLU,
    keras.layers.PReLU,
    keras.layers.ELU,
    keras.layers.Softmax,
    keras.layers.BatchNormalization,
    keras.layers.LayerNormalization,
    keras.layers.Normalization,
    keras.layers.Rescaling,
    keras.layers.Dropout,
    keras.layers.SpatialDropout2D,
    keras.layers.GaussianNoise,
    keras.layers.Add,
    keras.layers.Subtract,
    keras.layers.Multiply,
    keras.layers.Average,
    keras.layers.Maximum,
    keras.layers.Minimum,
    keras.layers.Concatenate,
    keras.layers.RandomFlip,
    keras.layers.RandomRotation,
    keras.layers.Identity,
)
_WHOLE_INPUT = (
    keras.layers.GlobalAveragePooling2D,
    keras.layers.GlobalMaxPooling2D,
    keras.layers.Flatten,
    keras.layers.Dense,
)
_WINDOWED = (
    keras.layers.Conv2D,
    keras.layers.DepthwiseConv2D,
    keras.layers.SeparableConv2D,
    keras.layers.MaxPooling2D,
    keras.layers.AveragePooling2D,
)


def _pair(value) -> tuple[int, int]:
    return (int(value), int(value)) if isinstance(value, int) else tuple(int(v) for v in value)


def _same_padding(n: int, f_eff: int, s: int) -> int:
    total = max((math.ceil(n / s) - 1) * s + f_eff - n, 0)
    return total // 2


def _windowed(field: ReceptiveField, layer, spatial: tuple[int, int]) -> ReceptiveField:
    if isinstance(layer, keras.layers.MaxPooling2D | keras.layers.AveragePooling2D):
        kernel, strides, dilation = layer.pool_size, layer.strides, (1, 1)
    else:
        kernel, strides, dilation = layer.kernel_size, layer.strides, layer.dilation_rate
    size, jump, start = [], [], []
    for axis in range(2):
        f = _pair(kernel)[axis]
        s, d = _pair(strides)[axis], _pair(dilation)[axis]
        f_eff = d * (f - 1) + 1
        p = _same_padding(spatial[axis], f_eff, s) if layer.padding == "same" else 0
        j_in = field.jump[axis]
        size.append(field.size[axis] + (f_eff - 1) * j_in)
        jump.append(j_in * s)
        start.append(field.start[axis] + ((f_eff - 1) / 2 - p) * j_in)
    return ReceptiveField(tuple(size), tuple(jump), tuple(start))


def _shifted(field: ReceptiveField, before: tuple[int, int]) -> ReceptiveField:
    """Zero padding (``before`` > 0) or cropping (< 0) at the top/left: unit 0 moves."""
    start = tuple(c - b * j for c, b, j in zip(field.start, before, field.jump))
    return ReceptiveField(field.size, field.jump, start)


def _whole(field: ReceptiveField, spatial: tuple[int, int]) -> ReceptiveField:
    size = tuple(r + (n - 1) * j for r, n, j in zip(field.size, spatial, field.jump))
    start = tuple(c + (n - 1) * j / 2 for c, n, j in zip(field.start, spatial, field.jump))
    return ReceptiveField(size, field.jump, start)


def _merge(fields: list[ReceptiveField], path: str) -> ReceptiveField:
    if len({f.jump for f in fields}) > 1:
        raise ValueError(
            f"{path} joins feature maps of different strides {[f.jump for f in fields]}; their "
            "units have no common receptive-field grid."
        )
    return max(fields, key=lambda f: f.size)


def _spatial(shape: tuple, path: str) -> tuple[int, int]:
    if len(shape) != 4 or shape[1] is None or shape[2] is None:
        raise ValueError(
            f"{path}: receptive fields need (batch, height, width, channels) inputs of a known "
            f"size; got {shape}. Build the model with a fixed input_shape."
        )
    return int(shape[1]), int(shape[2])


def _next_field(call, fields: list[ReceptiveField]) -> ReceptiveField:
    layer, path = call.layer, call.path
    field = _merge(fields, path)
    if isinstance(layer, _ELEMENTWISE):
        return field
    if len(call.input_shapes[0]) == 4 and isinstance(layer, _WINDOWED):
        if getattr(layer, "data_format", "channels_last") != "channels_last":
            raise ValueError(f"{path}: only channels_last layers are supported.")
        return _windowed(field, layer, _spatial(call.input_shapes[0], path))
    if isinstance(layer, keras.layers.ZeroPadding2D):
        return _shifted(field, (layer.padding[0][0], layer.padding[1][0]))
    if isinstance(layer, keras.layers.Cropping2D):
        return _shifted(field, (-layer.cropping[0][0], -layer.cropping[1][0]))
    if isinstance(layer, _WHOLE_INPUT):
        if len(call.input_shapes[0]) == 4:
            return _whole(field, _spatial(call.input_shapes[0], path))
        return field  # already the whole image (e.g. Dense after Flatten)
    raise NotImplementedError(
        f"{path}: no receptive-field rule for {type(layer).__name__} layers (supported: "
        "convolutions, depthwise/separable convolutions, pooling, padding, cropping, "
        "element-wise layers, merges, global pooling, Flatten, Dense)."
    )


def receptive_fields(model: keras.Model) -> dict[str, ReceptiveField]:
    """The receptive field of every layer's output in ``model``, keyed by layer name.

    Nested models are opened (keys ``"outer/inner"``); the model's input must have a fixed
    height and width, since "same" padding depends on them.

    Args:
        model: a Functional or Sequential Keras model on (height, width, channels) images.

    Returns:
        ``{layer path: ReceptiveField}`` in graph order.

    Raises:
        NotImplementedError: a layer with no rule (e.g. upsampling), named.
        ValueError: a non-image input, or merged maps of different strides.

    Example:
        >>> model = keras.Sequential([keras.Input((32, 32, 3)),
        ...     keras.layers.Conv2D(4, 3, name="c1"), keras.layers.MaxPooling2D(2, name="p1"),
        ...     keras.layers.Conv2D(4, 3, name="c2")])
        >>> receptive_fields(model)["c2"]
        ReceptiveField(size=(8, 8), jump=(2, 2), start=(3.5, 3.5))
    """
    fields: dict[int, ReceptiveField] = {}
    result: dict[str, ReceptiveField] = {}
    for call in layer_calls(model):
        inputs = [fields.get(key, _INPUT_FIELD) for key in call.input_keys]
        field = _next_field(call, inputs)
        for key in call.output_keys:
            fields[key] = field
        result[call.path] = field
    return result
