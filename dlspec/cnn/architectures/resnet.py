"""ResNet-34 (basic blocks) and ResNet-50 (the lab's bottleneck blocks) at ImageNet size.

He et al., 2015. Both start with a 7×7/2 convolution and a 3×3/2 max pool, then four stages
(64, 128, 256, 512 base filters; the first block of stages 3-5 halves height and width),
global average pooling and a softmax.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import keras
from keras import layers

from dlspec.cnn.architectures._common import check_classes, check_image_size, load_weights
from dlspec.cnn.residual_networks import convolutional_block, identity_block

__all__ = ["basic_block", "resnet34", "resnet50"]


def _he_normal(seed=None):
    # The lab's blocks build every kernel initializer as ``initializer(seed=0)``, which gives
    # kernels of equal shape equal values; ignoring that seed lets each kernel draw its own
    # (still reproducible under keras.utils.set_random_seed).
    return keras.initializers.HeNormal()


def _stem(inputs, *, use_bias: bool):
    x = layers.ZeroPadding2D(3, name="conv1_pad")(inputs)
    x = layers.Conv2D(64, 7, strides=2, use_bias=use_bias, name="conv1_conv")(x)
    x = layers.BatchNormalization(axis=3, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(1, name="pool1_pad")(x)
    return layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)


def _head(x, classes: int):
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    return layers.Dense(classes, activation="softmax", name="predictions")(x)


def basic_block(x, filters: int, strides: int = 1, name: str = "block"):
    """ResNet-18/34's basic block: two 3×3 convolutions (BatchNorm, ReLU) added to a shortcut.

    The shortcut is the input itself, or a 1×1 convolution + BatchNorm with stride ``strides``
    when the block changes the shape (the paper's option B). Convolutions have no bias (the
    BatchNorm that follows has one).

    Args:
        x: input tensor (m, n_H, n_W, n_C).
        filters: channels of both convolutions and of the output.
        strides: stride of the first convolution (2 halves height and width).
        name: prefix of the layer names.

    Returns:
        The block's output, (m, ceil(n_H / strides), ceil(n_W / strides), filters).

    Example:
        >>> y = basic_block(keras.Input((8, 8, 16)), 32, strides=2, name="b")
        >>> tuple(y.shape)
        (None, 4, 4, 32)
    """
    shortcut = x
    if strides != 1 or x.shape[-1] != filters:
        shortcut = layers.Conv2D(
            filters, 1, strides=strides, use_bias=False, name=f"{name}_0_conv"
        )(x)
        shortcut = layers.BatchNormalization(axis=3, name=f"{name}_0_bn")(shortcut)
    y = layers.Conv2D(
        filters, 3, strides=strides, padding="same", use_bias=False, name=f"{name}_1_conv"
    )(x)
    y = layers.BatchNormalization(axis=3, name=f"{name}_1_bn")(y)
    y = layers.Activation("relu", name=f"{name}_1_relu")(y)
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_2_conv")(y)
    y = layers.BatchNormalization(axis=3, name=f"{name}_2_bn")(y)
    y = layers.Add(name=f"{name}_add")([shortcut, y])
    return layers.Activation("relu", name=f"{name}_out")(y)


def resnet34(input_shape: Sequence[int] = (224, 224, 3), classes: int = 1000) -> keras.Model:
    """ResNet-34: the stem, then 3, 4, 6 and 3 basic blocks of 64, 128, 256 and 512 filters.

    21,814,696 parameters at 1000 classes (any input size: the head is global average pooling),
    of which 21,797,672 trainable: the count of torchvision's ``resnet34`` (same layout:
    bias-free convolutions, BatchNorm, 1×1 projection shortcuts where the shape changes), which
    keeps the 17,024 BatchNorm moving means and variances as buffers, not parameters.
    keras.applications has no ResNet-34.

    Args:
        input_shape: (height, width, channels), height and width ≥ 32.
        classes: size of the softmax.

    Returns:
        An uncompiled functional ``keras.Model`` named ``"resnet34"``.

    Example:
        >>> resnet34(input_shape=(32, 32, 3), classes=10).count_params()
        21306826
    """
    shape = check_image_size(input_shape)
    classes = check_classes(classes)
    inputs = keras.Input(shape)
    x = _stem(inputs, use_bias=False)
    for stage, (blocks, filters) in enumerate(zip((3, 4, 6, 3), (64, 128, 256, 512)), 2):
        for block in range(1, blocks + 1):
            strides = 2 if block == 1 and stage > 2 else 1
            x = basic_block(x, filters, strides, name=f"conv{stage}_block{block}")
    return keras.Model(inputs, _head(x, classes), name="resnet34")


def resnet50(
    input_shape: Sequence[int] = (224, 224, 3),
    classes: int = 1000,
    weights: str | os.PathLike | None = None,
) -> keras.Model:
    """ResNet-50 at ImageNet size, built from the lab's :func:`convolutional_block` and
    :func:`identity_block`, with a global-average-pool head.

    The stem (with keras' padding before the max pool), then stages of 3, 4, 6 and 3 bottleneck
    blocks ([64, 64, 256] ... [512, 512, 2048] filters; the first of each a convolutional
    block, stride 1 in stage 2 and 2 after), global average pooling and a softmax: 25,636,712
    parameters at 1000 classes, exactly ``keras.applications.ResNet50``'s. (The lab's
    64×64 :func:`dlspec.cnn.residual_networks.ResNet50` ends with a 2×2 average pool and
    flatten instead: 23,600,006 at 6 classes.) The blocks' BatchNormalization layers follow
    the Keras training flag (``training=None``) and each kernel draws its own He-normal values.

    The lab's blocks build the shortcut after the main path and use Keras' default BatchNorm
    epsilon, so keras.applications' ResNet-50 weight files do not load into this model; for
    ImageNet weights use ``keras.applications.ResNet50``.

    Args:
        input_shape: (height, width, channels), height and width ≥ 32.
        classes: size of the softmax.
        weights: ``None`` (random initialisation) or the path of a weights file saved from a
            model of this builder (``model.save_weights("x.weights.h5")``).

    Returns:
        An uncompiled functional ``keras.Model`` named ``"resnet50"``.

    Example:
        >>> resnet50(input_shape=(64, 64, 3), classes=6).count_params()  # doctest: +SKIP
        23600006
    """
    shape = check_image_size(input_shape)
    classes = check_classes(classes)
    if isinstance(weights, str) and weights == "imagenet":
        raise ValueError(
            "resnet50 (the lab's blocks) cannot load keras.applications' ImageNet weights: its "
            "layer order differs. Use keras.applications.ResNet50(weights='imagenet'), or "
            "pass the path of a file saved from this builder."
        )
    inputs = keras.Input(shape)
    x = _stem(inputs, use_bias=True)
    stages = ((3, 64, 1), (4, 128, 2), (6, 256, 2), (3, 512, 2))
    for blocks, filters, strides in stages:
        block_filters = [filters, filters, 4 * filters]
        x = convolutional_block(
            x, 3, block_filters, s=strides, training=None, initializer=_he_normal
        )
        for _ in range(blocks - 1):
            x = identity_block(x, 3, block_filters, training=None, initializer=_he_normal)
    model = keras.Model(inputs, _head(x, classes), name="resnet50")
    return load_weights(model, weights)
