"""YOLOv2 608 (Darknet-19 with the passthrough layer), the network of the car-detection lab.

:func:`yolo_v2_model` builds the architecture of yad2k's ``yolo_body`` (the Keras port the
course's model comes from): Darknet-19's 18 convolutions (3×3 / 1×1, each without bias,
batch-normalised, leaky ReLU 0.1) with 5 max-poolings, two more 3×3×1024 convolutions, the
passthrough branch (the 38×38×512 features through a 1×1×64 convolution and
:class:`SpaceToDepth` to 19×19×256, concatenated), a 3×3×1024 convolution and the 1×1
prediction with ``A·(5 + C)`` = 425 channels: output ``(m, 19, 19, 425)`` for a 608×608
image. 50,983,561 parameters (20,672 of them batch-norm moving statistics).

The course's weights (a SavedModel converted from darknet) cannot be downloaded from Keras:
:func:`load_yolo_v2` loads a ``.weights.h5`` file saved from this builder, from an explicit
path or ``$DLSPEC_WEIGHTS_DIR/yolo_v2_608_coco.weights.h5``, and raises
:class:`~dlspec.weights.WeightsNotFoundError` otherwise.
"""

from __future__ import annotations

import os

import keras
import tensorflow as tf

from dlspec.validation import check_int
from dlspec.weights import ResolvedWeights, WeightFile, resolve_weights

__all__ = [
    "YOLO_V2_WEIGHTS",
    "SpaceToDepth",
    "load_yolo_v2",
    "load_yolo_v2_weights",
    "resolve_yolo_v2_weights",
    "yolo_v2_model",
]

YOLO_V2_WEIGHTS = WeightFile(
    "yolo_v2_608_coco.weights.h5",
    "YOLOv2 608 COCO weights (the course's model) saved from "
    "dlspec.cnn.detection.yolo_v2.yolo_v2_model",
    origin=None,
)


@keras.saving.register_keras_serializable(package="dlspec")
class SpaceToDepth(keras.layers.Layer):
    """Move ``block_size × block_size`` spatial blocks into channels (YOLOv2's passthrough).

    ``(m, H, W, C)`` → ``(m, H / b, W / b, C · b²)`` with ``tf.nn.space_to_depth``.

    Args:
        block_size: ``b``; ``H`` and ``W`` must be multiples of it.

    Example:
        >>> SpaceToDepth(2)(tf.zeros((1, 38, 38, 64))).shape
        TensorShape([1, 19, 19, 256])
    """

    def __init__(self, block_size: int = 2, **kwargs) -> None:
        super().__init__(**kwargs)
        self.block_size = check_int(block_size, "block_size", minimum=2)

    def call(self, inputs):
        return tf.nn.space_to_depth(inputs, self.block_size)

    def compute_output_shape(self, input_shape):
        m, h, w, c = input_shape
        b = self.block_size
        return (m, None if h is None else h // b, None if w is None else w // b, c * b * b)

    def get_config(self) -> dict:
        return {**super().get_config(), "block_size": self.block_size}


def _conv_bn_leaky(x, filters: int, size: int):
    x = keras.layers.Conv2D(
        filters,
        size,
        padding="same",
        use_bias=False,
        kernel_regularizer=keras.regularizers.L2(5e-4),
    )(x)
    x = keras.layers.BatchNormalization()(x)
    return keras.layers.LeakyReLU(negative_slope=0.1)(x)


def yolo_v2_model(
    input_shape: tuple[int, int, int] = (608, 608, 3),
    num_anchors: int = 5,
    num_classes: int = 80,
) -> keras.Model:
    """Build YOLOv2 (random weights; see :func:`load_yolo_v2` for pretrained ones).

    Args:
        input_shape: ``(H, W, 3)``, ``H`` and ``W`` multiples of 32 (608 in the course).
        num_anchors: ``A`` (5).
        num_classes: ``C`` (80 COCO classes).

    Returns:
        A functional ``keras.Model`` with output ``(None, H/32, W/32, A·(5 + C))``.

    Example:
        >>> yolo_v2_model((64, 64, 3)).output.shape  # doctest: +SKIP
        (None, 2, 2, 425)
    """
    height, width = input_shape[:2]
    if height % 32 or width % 32:
        raise ValueError(
            f"YOLOv2's input height and width must be multiples of 32 (608 in the course); "
            f"got {input_shape}."
        )
    inputs = keras.Input(input_shape)
    x = _conv_bn_leaky(inputs, 32, 3)
    x = keras.layers.MaxPooling2D(2)(x)
    x = _conv_bn_leaky(x, 64, 3)
    x = keras.layers.MaxPooling2D(2)(x)
    for outer, inner, repeats in ((128, 64, 1), (256, 128, 1), (512, 256, 2), (1024, 512, 2)):
        x = _conv_bn_leaky(x, outer, 3)
        for _ in range(repeats):
            x = _conv_bn_leaky(x, inner, 1)
            x = _conv_bn_leaky(x, outer, 3)
        if outer == 512:
            passthrough = x  # 38×38×512 features (yad2k's conv13)
        if outer != 1024:
            x = keras.layers.MaxPooling2D(2)(x)
    x = _conv_bn_leaky(x, 1024, 3)
    x = _conv_bn_leaky(x, 1024, 3)
    shortcut = SpaceToDepth(2)(_conv_bn_leaky(passthrough, 64, 1))
    x = keras.layers.Concatenate()([shortcut, x])
    x = _conv_bn_leaky(x, 1024, 3)
    outputs = keras.layers.Conv2D(
        num_anchors * (5 + num_classes), 1, kernel_regularizer=keras.regularizers.L2(5e-4)
    )(x)
    return keras.Model(inputs, outputs, name="yolo_v2")


def resolve_yolo_v2_weights(weights: str | os.PathLike | None = None) -> ResolvedWeights:
    """Find the YOLOv2 weight file: ``weights`` if given (it must exist), else
    ``yolo_v2_608_coco.weights.h5`` in ``$DLSPEC_WEIGHTS_DIR`` or the Keras cache.

    Raises:
        WeightsNotFoundError: no file found (there is no download); the message says where to
            put it.

    Example:
        >>> try:
        ...     resolve_yolo_v2_weights("missing.weights.h5")
        ... except FileNotFoundError as err:
        ...     print(type(err).__name__)
        WeightsNotFoundError
    """
    return resolve_weights((YOLO_V2_WEIGHTS,), weights, download=False)


def load_yolo_v2_weights(model: keras.Model, resolved: ResolvedWeights) -> keras.Model:
    """Load a resolved ``.weights.h5`` file into :func:`yolo_v2_model`'s ``model``.

    Raises:
        ValueError: the file's weights do not fit the architecture.
    """
    try:
        model.load_weights(resolved.path)
    except (ValueError, OSError, KeyError) as err:
        raise ValueError(
            f"{resolved.path} does not hold weights of dlspec's YOLOv2 builder ({err}). Save "
            "them with yolo_v2_model().save_weights('yolo_v2_608_coco.weights.h5') after "
            "converting the course's model."
        ) from err
    return model


def load_yolo_v2(
    weights: str | os.PathLike | None = None, **model_kwargs
) -> tuple[keras.Model, ResolvedWeights]:
    """Build :func:`yolo_v2_model` and load pretrained weights into it.

    Args:
        weights: a ``.weights.h5`` file saved from :func:`yolo_v2_model` (``model
            .save_weights``); ``None`` looks for ``yolo_v2_608_coco.weights.h5`` in
            ``$DLSPEC_WEIGHTS_DIR`` and the Keras cache (there is no download).
        **model_kwargs: passed to :func:`yolo_v2_model`.

    Returns:
        ``(model, resolved)``: the model and which file was loaded.

    Raises:
        WeightsNotFoundError: no file found (the message says where to put it).
        ValueError: the file's weights do not fit the architecture.

    Example:
        >>> model, found = load_yolo_v2("yolo_v2_608_coco.weights.h5")  # doctest: +SKIP
    """
    resolved = resolve_yolo_v2_weights(weights)
    return load_yolo_v2_weights(yolo_v2_model(**model_kwargs), resolved), resolved
