"""MobileNet v1 (Howard et al., 2017): depthwise-separable convolutions and a width multiplier.

Layer names and order are those of ``keras.applications.MobileNet``, so its weight files (a
``save_weights`` file or the ImageNet ``.h5`` files) load into these models.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import keras
from keras import layers

from dlspec.cnn.architectures._common import (
    KERAS_APPLICATIONS,
    check_classes,
    check_image_size,
    check_multiplier,
    load_weights,
)
from dlspec.weights import WeightFile

__all__ = ["depthwise_separable_block", "mobilenet_v1", "mobilenet_v1_imagenet_files"]

# (pointwise filters, stride) of the 13 depthwise-separable blocks.
_BLOCKS = (
    (64, 1),
    (128, 2),
    (128, 1),
    (256, 2),
    (256, 1),
    (512, 2),
    (512, 1),
    (512, 1),
    (512, 1),
    (512, 1),
    (512, 1),
    (1024, 2),
    (1024, 1),
)


def depthwise_separable_block(x, filters: int, strides: int = 1, block_id: int = 1):
    """A 3×3 depthwise convolution then a 1×1 pointwise one, each with BatchNorm and ReLU6.

    A stride-2 block pads the bottom/right by one and convolves 'valid' (as Keras' MobileNet).
    Costs 9·n_C + n_C·filters multiplications per output position against 9·n_C·filters
    for a full 3×3 convolution.

    Args:
        x: input tensor (m, n_H, n_W, n_C).
        filters: output channels of the pointwise convolution (already width-scaled).
        strides: 1, or 2 to halve height and width.
        block_id: number in the layer names (``conv_dw_{id}``, ``conv_pw_{id}``...).

    Returns:
        The block's output, (m, ceil(n_H / strides), ceil(n_W / strides), filters).

    Example:
        >>> y = depthwise_separable_block(keras.Input((8, 8, 16)), 32, strides=2)
        >>> tuple(y.shape)
        (None, 4, 4, 32)
    """
    if strides != 1:
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
    x = layers.DepthwiseConv2D(
        3,
        strides=strides,
        padding="same" if strides == 1 else "valid",
        use_bias=False,
        name=f"conv_dw_{block_id}",
    )(x)
    x = layers.BatchNormalization(axis=-1, name=f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(filters, 1, padding="same", use_bias=False, name=f"conv_pw_{block_id}")(x)
    x = layers.BatchNormalization(axis=-1, name=f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)


def mobilenet_v1_imagenet_files(
    alpha: float, rows: int, include_top: bool
) -> tuple[WeightFile, ...]:
    """The keras.applications ImageNet weight file for MobileNet v1 (``alpha`` in 0.25, 0.5,
    0.75, 1.0; ``rows`` in 128, 160, 192, 224), or ``()`` where Keras has none.

    Example:
        >>> mobilenet_v1_imagenet_files(1.0, 224, include_top=True)[0].name
        'mobilenet_1_0_224_tf.h5'
    """
    texts = {1.0: "1_0", 0.75: "7_5", 0.5: "5_0", 0.25: "2_5"}
    if alpha not in texts or rows not in (128, 160, 192, 224):
        return ()
    name = f"mobilenet_{texts[alpha]}_{rows}_tf{'' if include_top else '_no_top'}.h5"
    top = "with top" if include_top else "no top"
    what = f"ImageNet MobileNet v1 (alpha {alpha}, {rows}x{rows}, {top})"
    return (WeightFile(name, what, f"{KERAS_APPLICATIONS}mobilenet/{name}"),)


def mobilenet_v1(
    input_shape: Sequence[int] = (224, 224, 3),
    classes: int = 1000,
    alpha: float = 1.0,
    weights: str | os.PathLike | None = None,
    include_top: bool = True,
    dropout: float = 1e-3,
) -> keras.Model:
    """MobileNet v1: a 3×3/2 convolution, 13 depthwise-separable blocks, average pool, softmax.

    The width multiplier ``alpha`` scales every layer's channels (``int(filters * alpha)``).
    The head is Keras': global average pool (kept 4-D) → dropout → 1×1 convolution to
    ``classes`` → reshape → softmax. 4,253,864 parameters with top at 1000 classes and
    ``alpha=1.0`` (any input size), exactly ``keras.applications.MobileNet``'s, whose layer
    names and order it shares.

    Args:
        input_shape: (height, width, channels), height and width ≥ 32.
        classes: size of the softmax.
        alpha: width multiplier (Keras' ImageNet files exist for 0.25, 0.5, 0.75 and 1.0).
        weights: ``None`` (random initialisation), the path of a weights file (saved from
            ``keras.applications.MobileNet`` or this model, or Keras' ImageNet ``.h5``), or
            ``"imagenet"``: ``mobilenet_{alpha}_{rows}_tf[_no_top].h5`` looked up in
            ``$DLSPEC_WEIGHTS_DIR``, the Keras cache, then downloaded when online (square inputs
            of 128, 160, 192 or 224 only).
        include_top: ``False`` ends after the last block (a feature extractor).
        dropout: dropout rate before the classifier.

    Returns:
        An uncompiled functional ``keras.Model``.

    Example:
        >>> mobilenet_v1(input_shape=(32, 32, 3), alpha=0.25).count_params()
        475544
    """
    shape = check_image_size(input_shape)
    classes = check_classes(classes)
    alpha = check_multiplier(alpha, "alpha")
    inputs = keras.Input(shape)
    x = layers.Conv2D(int(32 * alpha), 3, strides=2, padding="same", use_bias=False, name="conv1")(
        inputs
    )
    x = layers.BatchNormalization(axis=-1, name="conv1_bn")(x)
    x = layers.ReLU(6.0, name="conv1_relu")(x)
    for block_id, (filters, strides) in enumerate(_BLOCKS, 1):
        x = depthwise_separable_block(x, int(filters * alpha), strides, block_id)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, 1, padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        x = layers.Activation("softmax", name="predictions")(x)
    model = keras.Model(inputs, x, name=f"mobilenet_{alpha:0.2f}_{shape[0]}")
    files = (
        mobilenet_v1_imagenet_files(alpha, shape[0], include_top) if shape[0] == shape[1] else ()
    )
    return load_weights(model, weights, files)
