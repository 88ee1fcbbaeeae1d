"""Classic CNN architectures as functional Keras builders (C4W2 "Classic networks" and after).

Each builder takes ``input_shape`` and ``classes`` and returns an uncompiled ``keras.Model``.
Where ``keras.applications`` has the same network (VGG-16/19, ResNet-50, MobileNet v1/v2,
EfficientNet-B0) the parameter counts are the same, and for VGG and MobileNet the layer names
and order too, so Keras' weight files (ImageNet ``.h5`` included) load with ``weights=``.

========================  ==========================  ==================================
builder                   default input               parameters (default classes)
========================  ==========================  ==================================
``lenet5``                32×32×1, 10 classes         60,850 (1998); 61,706 (modern)
``alexnet``               227×227×3                   62,378,344
``vgg16`` / ``vgg19``     224×224×3                   138,357,544 / 143,667,240
``resnet34``              224×224×3                   21,814,696 (21,797,672 trainable)
``resnet50``              224×224×3                   25,636,712
``googlenet_small``       224×224×3                   2,015,184
``mobilenet_v1``          224×224×3                   4,253,864
``mobilenet_v2``          224×224×3                   3,538,984
``efficientnet_b0``       224×224×3                   5,330,571
========================  ==========================  ==================================

``ARCHITECTURES`` maps a name to a zero-argument builder of the default model; ``KERAS_TWINS``
names the ``keras.applications`` model with the same parameter count as one of them.

Example:
    >>> from dlspec.cnn.architectures import ARCHITECTURES
    >>> ARCHITECTURES["lenet5"]().count_params()
    60850
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import keras

from dlspec.cnn.architectures.alexnet import alexnet
from dlspec.cnn.architectures.efficientnet import (
    efficientnet,
    efficientnet_b0,
    efficientnet_from_coefficients,
    efficientnet_scaling,
    mbconv_block,
)
from dlspec.cnn.architectures.inception import googlenet_small, inception_module
from dlspec.cnn.architectures.lenet import (
    LENET5_C3_TABLE,
    ConnectionTableConv2D,
    Subsampling,
    lenet5,
    scaled_tanh,
)
from dlspec.cnn.architectures.mobilenet_v1 import depthwise_separable_block, mobilenet_v1
from dlspec.cnn.architectures.mobilenet_v2 import (
    inverted_residual_block,
    make_divisible,
    mobilenet_v2,
)
from dlspec.cnn.architectures.resnet import basic_block, resnet34, resnet50
from dlspec.cnn.architectures.vgg import vgg16, vgg19

__all__ = [
    "ARCHITECTURES",
    "KERAS_TWINS",
    "LENET5_C3_TABLE",
    "ConnectionTableConv2D",
    "Subsampling",
    "alexnet",
    "basic_block",
    "depthwise_separable_block",
    "efficientnet",
    "efficientnet_b0",
    "efficientnet_from_coefficients",
    "efficientnet_scaling",
    "googlenet_small",
    "inception_module",
    "inverted_residual_block",
    "lenet5",
    "make_divisible",
    "mbconv_block",
    "mobilenet_v1",
    "mobilenet_v2",
    "resnet34",
    "resnet50",
    "scaled_tanh",
    "vgg16",
    "vgg19",
]

ARCHITECTURES: dict[str, Callable[[], keras.Model]] = {
    "lenet5": lenet5,
    "lenet5_modern": partial(lenet5, modern=True),
    "alexnet": alexnet,
    "vgg16": vgg16,
    "vgg19": vgg19,
    "resnet34": resnet34,
    "resnet50": resnet50,
    "googlenet_small": googlenet_small,
    "mobilenet_v1": mobilenet_v1,
    "mobilenet_v2": mobilenet_v2,
    "efficientnet_b0": efficientnet_b0,
}

#: our builders whose parameter count equals a keras.applications model's (weights=None)
KERAS_TWINS = {
    "vgg16": "VGG16",
    "vgg19": "VGG19",
    "resnet50": "ResNet50",
    "mobilenet_v1": "MobileNet",
    "mobilenet_v2": "MobileNetV2",
    "efficientnet_b0": "EfficientNetB0",
}
