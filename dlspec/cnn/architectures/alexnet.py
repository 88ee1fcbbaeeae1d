"""AlexNet (Krizhevsky, Sutskever & Hinton, 2012) in the single-tower layout of the course."""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers

from dlspec.cnn.architectures._common import check_classes, check_image_size

__all__ = ["alexnet"]


def alexnet(
    input_shape: Sequence[int] = (227, 227, 3), classes: int = 1000, dropout: float = 0.5
) -> keras.Model:
    """AlexNet: five convolutions and three dense layers, ReLU throughout.

    CONV 96 11×11/4 → MAXPOOL 3×3/2 → CONV 256 5×5 'same' → MAXPOOL 3×3/2 → CONV 384 3×3 →
    CONV 384 3×3 → CONV 256 3×3 (all 'same') → MAXPOOL 3×3/2 → FC 4096 → FC 4096 → softmax,
    with dropout before each 4096-unit layer. On 227×227×3 the feature maps are 55, 27, 13
    and 6 pixels wide, as in the lecture. The paper split the network over two GPUs (grouped
    convolutions) and used local response normalisation; this is the one-tower form without
    it, 62,378,344 parameters at 1000 classes:
    34,944 + 614,656 + 885,120 + 1,327,488 + 884,992 (convolutions)
    + 37,752,832 + 16,781,312 + 4,097,000 (dense).

    Args:
        input_shape: (height, width, channels), height and width ≥ 67 (the three pools need
            a 3×3 map).
        classes: size of the softmax.
        dropout: dropout rate before the two 4096-unit layers.

    Returns:
        An uncompiled functional ``keras.Model`` named ``"alexnet"``.

    Example:
        >>> alexnet().count_params()  # doctest: +SKIP
        62378344
    """
    shape = check_image_size(input_shape, min_size=67)
    classes = check_classes(classes)
    inputs = keras.Input(shape)
    x = layers.Conv2D(96, 11, strides=4, activation="relu", name="conv1")(inputs)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    x = layers.Conv2D(256, 5, padding="same", activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool2")(x)
    x = layers.Conv2D(384, 3, padding="same", activation="relu", name="conv3")(x)
    x = layers.Conv2D(384, 3, padding="same", activation="relu", name="conv4")(x)
    x = layers.Conv2D(256, 3, padding="same", activation="relu", name="conv5")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool5")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dropout(dropout, name="dropout6")(x)
    x = layers.Dense(4096, activation="relu", name="fc6")(x)
    x = layers.Dropout(dropout, name="dropout7")(x)
    x = layers.Dense(4096, activation="relu", name="fc7")(x)
    x = layers.Dense(classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, x, name="alexnet")
