"""MobileNet v2 (Sandler et al., 2018): inverted-residual bottleneck blocks with linear
projections, expansion 6.

Layer names and order are those of ``keras.applications.MobileNetV2``, so its weight files (a
``save_weights`` file or the ImageNet ``.h5`` files) load into these models.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import keras
from keras import layers

from dlspec.cnn.architectures._common import (
    check_classes,
    check_image_size,
    check_multiplier,
    load_weights,
)
from dlspec.weights import mobilenet_v2_weight_files

__all__ = ["inverted_residual_block", "make_divisible", "mobilenet_v2"]

# (output filters, stride, expansion) of the 17 bottleneck blocks (the paper's Table 2).
_BLOCKS = (
    ((16, 1, 1),)
    + ((24, 2, 6), (24, 1, 6))
    + ((32, 2, 6),)
    + ((32, 1, 6),) * 2
    + ((64, 2, 6),)
    + ((64, 1, 6),) * 3
    + ((96, 1, 6),) * 3
    + ((160, 2, 6),)
    + ((160, 1, 6),) * 2
    + ((320, 1, 6),)
)


def make_divisible(value: float, divisor: int = 8) -> int:
    """``value`` rounded to the nearest multiple of ``divisor``, never below 90 % of it.

    Example:
        >>> make_divisible(32 * 0.35), make_divisible(1280 * 1.3)
        (16, 1664)
    """
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def _bn(name: str):
    return layers.BatchNormalization(axis=-1, epsilon=1e-3, momentum=0.999, name=name)


def inverted_residual_block(x, filters: int, strides: int = 1, expansion: int = 6, block_id=0):
    """Expand (1×1, ReLU6) → depthwise 3×3 (ReLU6) → project (1×1, linear), plus the input when
    the shape is unchanged.

    The expansion multiplies the channels by ``expansion`` (skipped for block 0, as in Keras);
    the projection back to a narrow ``filters`` has no activation (a linear bottleneck). A
    stride-2 block pads as Keras' ``correct_pad`` and convolves 'valid'.

    Args:
        x: input tensor (m, n_H, n_W, n_C).
        filters: output channels (already width-scaled and divisible by 8).
        strides: 1, or 2 to halve height and width.
        expansion: channel expansion of the first 1×1 convolution.
        block_id: number in the layer names (``block_{id}_expand``...; block 0 is
            ``expanded_conv_...``).

    Returns:
        The block's output, (m, ceil(n_H / strides), ceil(n_W / strides), filters).

    Example:
        >>> y = inverted_residual_block(keras.Input((8, 8, 16)), 16, block_id=1)
        >>> tuple(y.shape)
        (None, 8, 8, 16)
    """
    inputs = x
    in_channels = x.shape[-1]
    prefix = f"block_{block_id}_"
    if block_id:
        x = layers.Conv2D(
            expansion * in_channels, 1, padding="same", use_bias=False, name=f"{prefix}expand"
        )(x)
        x = _bn(f"{prefix}expand_BN")(x)
        x = layers.ReLU(6.0, name=f"{prefix}expand_relu")(x)
    else:
        prefix = "expanded_conv_"
    if strides == 2:
        height, width = x.shape[1:3]
        adjust = (1, 1) if height is None else (1 - height % 2, 1 - width % 2)
        padding = ((1 - adjust[0], 1), (1 - adjust[1], 1))
        x = layers.ZeroPadding2D(padding, name=f"{prefix}pad")(x)
    x = layers.DepthwiseConv2D(
        3,
        strides=strides,
        use_bias=False,
        padding="same" if strides == 1 else "valid",
        name=f"{prefix}depthwise",
    )(x)
    x = _bn(f"{prefix}depthwise_BN")(x)
    x = layers.ReLU(6.0, name=f"{prefix}depthwise_relu")(x)
    x = layers.Conv2D(filters, 1, padding="same", use_bias=False, name=f"{prefix}project")(x)
    x = _bn(f"{prefix}project_BN")(x)
    if in_channels == filters and strides == 1:
        return layers.Add(name=f"{prefix}add")([inputs, x])
    return x


def mobilenet_v2(
    input_shape: Sequence[int] = (224, 224, 3),
    classes: int = 1000,
    alpha: float = 1.0,
    weights: str | os.PathLike | None = None,
    include_top: bool = True,
) -> keras.Model:
    """MobileNet v2: a 3×3/2 convolution, 17 inverted-residual blocks, a 1×1 convolution to
    1280 channels, global average pool, softmax.

    Channels are ``make_divisible(filters * alpha, 8)``; the last convolution keeps 1280
    channels unless ``alpha > 1``. 3,538,984 parameters with top at 1000 classes and
    ``alpha=1.0`` (any input size), exactly ``keras.applications.MobileNetV2``'s, whose layer
    names and order it shares (the alpaca lab's backbone).

    Args:
        input_shape: (height, width, channels), height and width ≥ 32.
        classes: size of the softmax.
        alpha: width multiplier (Keras' ImageNet files exist for 0.35, 0.5, 0.75, 1.0, 1.3, 1.4).
        weights: ``None`` (random initialisation), the path of a weights file (saved from
            ``keras.applications.MobileNetV2`` or this model, or Keras' ImageNet ``.h5``), or
            ``"imagenet"``: ``mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{alpha}_{rows}
            [_no_top].h5`` looked up by :func:`dlspec.weights.resolve_weights` (for 160×160
            without top, also the offline dogs stand-in in ``$DLSPEC_WEIGHTS_DIR``).
        include_top: ``False`` ends at ``out_relu`` (a feature extractor).

    Returns:
        An uncompiled functional ``keras.Model``.

    Example:
        >>> mobilenet_v2(input_shape=(32, 32, 3), alpha=0.35).count_params()
        1691208
    """
    shape = check_image_size(input_shape)
    classes = check_classes(classes)
    alpha = check_multiplier(alpha, "alpha")
    inputs = keras.Input(shape)
    x = layers.Conv2D(
        make_divisible(32 * alpha), 3, strides=2, padding="same", use_bias=False, name="Conv1"
    )(inputs)
    x = _bn("bn_Conv1")(x)
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    for block_id, (filters, strides, expansion) in enumerate(_BLOCKS):
        filters = make_divisible(int(filters * alpha))
        x = inverted_residual_block(x, filters, strides, expansion, block_id)
    last = make_divisible(1280 * alpha) if alpha > 1.0 else 1280
    x = layers.Conv2D(last, 1, use_bias=False, name="Conv_1")(x)
    x = _bn("Conv_1_bn")(x)
    x = layers.ReLU(6.0, name="out_relu")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D()(x)
        x = layers.Dense(classes, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs, x, name=f"mobilenetv2_{alpha:0.2f}_{shape[0]}")
    files = ()
    if shape[0] == shape[1]:
        files = mobilenet_v2_weight_files(alpha=alpha, rows=shape[0], include_top=include_top)
    return load_weights(model, weights, files)
