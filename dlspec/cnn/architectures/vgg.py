"""VGG-16 and VGG-19 (Simonyan & Zisserman, 2014): stacks of 3×3 convolutions and 2×2 pools.

Layer names and order are those of ``keras.applications.VGG16`` / ``VGG19``, so their weight
files (a ``save_weights`` file or the ImageNet ``.h5`` files) load into these models.
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
    load_weights,
)
from dlspec.weights import WeightFile

__all__ = ["vgg16", "vgg19", "vgg_imagenet_files"]

# Convolutions per block (64, 128, 256, 512, 512 filters) for each depth.
_BLOCK_DEPTHS = {16: (2, 2, 3, 3, 3), 19: (2, 2, 4, 4, 4)}
_BLOCK_FILTERS = (64, 128, 256, 512, 512)


def vgg_imagenet_files(depth: int, include_top: bool) -> tuple[WeightFile, ...]:
    """The keras.applications ImageNet weight file for VGG-``depth`` (16 or 19).

    Example:
        >>> vgg_imagenet_files(16, include_top=False)[0].name
        'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5'
    """
    name = f"vgg{depth}_weights_tf_dim_ordering_tf_kernels{'' if include_top else '_notop'}.h5"
    top = "with top" if include_top else "no top"
    return (
        WeightFile(name, f"ImageNet VGG-{depth} ({top})", f"{KERAS_APPLICATIONS}vgg{depth}/{name}"),
    )


def _vgg(
    depth: int,
    input_shape: Sequence[int],
    classes: int,
    include_top: bool,
    weights: str | os.PathLike | None,
) -> keras.Model:
    shape = check_image_size(input_shape)
    classes = check_classes(classes)
    inputs = keras.Input(shape)
    x = inputs
    for block, (convs, filters) in enumerate(zip(_BLOCK_DEPTHS[depth], _BLOCK_FILTERS), 1):
        for conv in range(1, convs + 1):
            x = layers.Conv2D(
                filters, 3, padding="same", activation="relu", name=f"block{block}_conv{conv}"
            )(x)
        x = layers.MaxPooling2D(2, strides=2, name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        x = layers.Dense(classes, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs, x, name=f"vgg{depth}")
    return load_weights(model, weights, vgg_imagenet_files(depth, include_top))


def vgg16(
    input_shape: Sequence[int] = (224, 224, 3),
    classes: int = 1000,
    include_top: bool = True,
    weights: str | os.PathLike | None = None,
) -> keras.Model:
    """VGG-16: 13 3×3 convolutions (ReLU, 'same') in 5 blocks, each closed by a 2×2 max pool,
    then FC-4096 → FC-4096 → softmax.

    138,357,544 parameters with top at 224×224×3 and 1000 classes (14,714,688 without top),
    exactly those of ``keras.applications.VGG16``, whose layer names and order it shares.

    Args:
        input_shape: (height, width, channels), height and width ≥ 32; with the top, the first
            dense layer's size depends on it (the ImageNet top needs 224×224×3).
        classes: size of the softmax.
        include_top: ``False`` ends at ``block5_pool`` (a feature extractor).
        weights: ``None`` (random initialisation), the path of a weights file (one saved from
            ``keras.applications.VGG16`` or from this model, ``.weights.h5``, or Keras' ImageNet
            ``.h5``), or ``"imagenet"``: ``vgg16_weights_tf_dim_ordering_tf_kernels[_notop].h5``
            looked up in ``$DLSPEC_WEIGHTS_DIR``, the Keras cache, then downloaded when online.

    Returns:
        An uncompiled functional ``keras.Model`` named ``"vgg16"``.

    Raises:
        ValueError: bad ``input_shape`` or ``classes``.
        dlspec.weights.WeightsNotFoundError: ``weights`` names no file that can be found.

    Example:
        >>> vgg16(input_shape=(32, 32, 3), include_top=False).count_params()
        14714688
    """
    return _vgg(16, input_shape, classes, include_top, weights)


def vgg19(
    input_shape: Sequence[int] = (224, 224, 3),
    classes: int = 1000,
    include_top: bool = True,
    weights: str | os.PathLike | None = None,
) -> keras.Model:
    """VGG-19: VGG-16 with a fourth 3×3 convolution in blocks 3, 4 and 5 (16 convolutions).

    143,667,240 parameters with top at 224×224×3 and 1000 classes (20,024,384 without top),
    exactly those of ``keras.applications.VGG19``, whose layer names and order it shares.
    Arguments as :func:`vgg16` (``"imagenet"`` looks for
    ``vgg19_weights_tf_dim_ordering_tf_kernels[_notop].h5``).

    Example:
        >>> vgg19(input_shape=(32, 32, 3), include_top=False).count_params()
        20024384
    """
    return _vgg(19, input_shape, classes, include_top, weights)
