"""The Inception module (Szegedy et al., 2014) and a small GoogLeNet-style network."""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers

from dlspec.cnn.architectures._common import check_classes, check_image_size
from dlspec.validation import check_positive

__all__ = ["googlenet_small", "inception_module"]


def _conv(x, filters: int, size: int, name: str, strides: int = 1):
    return layers.Conv2D(
        filters, size, strides=strides, padding="same", activation="relu", name=name
    )(x)


def inception_module(
    x,
    filters_1x1: int,
    filters_3x3_reduce: int,
    filters_3x3: int,
    filters_5x5_reduce: int,
    filters_5x5: int,
    filters_pool_proj: int,
    name: str = "inception",
):
    """Four parallel branches concatenated along the channels.

    1×1 convolution; 1×1 bottleneck → 3×3; 1×1 bottleneck → 5×5; 3×3 max pool (stride 1) →
    1×1 projection. Every convolution is 'same' with ReLU, so height and width are kept and
    the output has ``filters_1x1 + filters_3x3 + filters_5x5 + filters_pool_proj`` channels.
    The bottlenecks make the 3×3 and 5×5 branches cheap: with n_C input channels the 5×5
    branch costs n_C·r + 25·r·f5 multiplications per position instead of 25·n_C·f5.

    Args:
        x: input tensor (m, n_H, n_W, n_C).
        filters_1x1 ... filters_pool_proj: the channels of each convolution (the columns of
            the GoogLeNet paper's Table 1).
        name: prefix of the layer names.

    Returns:
        The concatenated output (m, n_H, n_W, sum of the four branches' channels).

    Example:
        >>> y = inception_module(keras.Input((28, 28, 192)), 64, 96, 128, 16, 32, 32, name="3a")
        >>> tuple(y.shape)
        (None, 28, 28, 256)
    """
    for value, label in (
        (filters_1x1, "filters_1x1"),
        (filters_3x3_reduce, "filters_3x3_reduce"),
        (filters_3x3, "filters_3x3"),
        (filters_5x5_reduce, "filters_5x5_reduce"),
        (filters_5x5, "filters_5x5"),
        (filters_pool_proj, "filters_pool_proj"),
    ):
        check_positive(value, label, integer=True)
    branch_1 = _conv(x, filters_1x1, 1, f"{name}_1x1")
    branch_3 = _conv(x, filters_3x3_reduce, 1, f"{name}_3x3_reduce")
    branch_3 = _conv(branch_3, filters_3x3, 3, f"{name}_3x3")
    branch_5 = _conv(x, filters_5x5_reduce, 1, f"{name}_5x5_reduce")
    branch_5 = _conv(branch_5, filters_5x5, 5, f"{name}_5x5")
    branch_pool = layers.MaxPooling2D(3, strides=1, padding="same", name=f"{name}_pool")(x)
    branch_pool = _conv(branch_pool, filters_pool_proj, 1, f"{name}_pool_proj")
    return layers.Concatenate(axis=-1, name=f"{name}_concat")(
        [branch_1, branch_3, branch_5, branch_pool]
    )


def googlenet_small(
    input_shape: Sequence[int] = (224, 224, 3), classes: int = 1000, dropout: float = 0.4
) -> keras.Model:
    """A small GoogLeNet: the paper's stem and its first four Inception modules (3a, 3b, 4a,
    4b), then global average pooling, dropout and a softmax (no auxiliary classifiers).

    CONV 64 7×7/2 → MAXPOOL 3×3/2 → CONV 64 1×1 → CONV 192 3×3 → MAXPOOL 3×3/2 → 3a (256
    channels) → 3b (480) → MAXPOOL 3×3/2 → 4a (512) → 4b (512) → global average pool. The
    module sizes are those of the paper's Table 1. 2,015,184 parameters at 1000 classes (any
    input size: the head is global average pooling).

    Args:
        input_shape: (height, width, channels), height and width ≥ 32.
        classes: size of the softmax.
        dropout: dropout rate before the classifier.

    Returns:
        An uncompiled functional ``keras.Model`` named ``"googlenet_small"``.

    Example:
        >>> googlenet_small(input_shape=(32, 32, 3), classes=10).count_params()
        1507314
    """
    shape = check_image_size(input_shape)
    classes = check_classes(classes)
    inputs = keras.Input(shape)
    x = _conv(inputs, 64, 7, "conv1_7x7", strides=2)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
    x = _conv(x, 64, 1, "conv2_3x3_reduce")
    x = _conv(x, 192, 3, "conv2_3x3")
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool2")(x)
    x = inception_module(x, 64, 96, 128, 16, 32, 32, name="inception_3a")
    x = inception_module(x, 128, 128, 192, 32, 96, 64, name="inception_3b")
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool3")(x)
    x = inception_module(x, 192, 96, 208, 16, 48, 64, name="inception_4a")
    x = inception_module(x, 160, 112, 224, 24, 64, 64, name="inception_4b")
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    x = layers.Dense(classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, x, name="googlenet_small")
