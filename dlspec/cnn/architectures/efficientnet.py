"""EfficientNet (Tan & Le, 2019): a B0 network of MBConv blocks, scaled by compound scaling.

Compound scaling grows depth by α^φ, width by β^φ and resolution by γ^φ with α=1.2, β=1.1,
γ=1.15 (chosen so that α·β²·γ² ≈ 2: each step of φ doubles the FLOPs). At φ=0 the builder is
``keras.applications.EfficientNetB0`` layer for layer (same names, order, initialisers, the
in-model rescaling and normalisation), so B0 weight files load into it.
"""

from __future__ import annotations

import math
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
from dlspec.cnn.architectures.mobilenet_v2 import make_divisible
from dlspec.weights import WeightFile

__all__ = [
    "ALPHA",
    "BETA",
    "GAMMA",
    "efficientnet",
    "efficientnet_b0",
    "efficientnet_from_coefficients",
    "efficientnet_scaling",
    "mbconv_block",
]

ALPHA, BETA, GAMMA = 1.2, 1.1, 1.15  # depth, width, resolution bases of compound scaling
B0_RESOLUTION = 224
_ORIGIN = "https://storage.googleapis.com/keras-applications/"
_IMAGENET_STDDEV_RGB = (0.229, 0.224, 0.225)

# B0's stages: (kernel, repeats, filters in, filters out, expansion, stride); SE ratio 0.25.
_B0_STAGES = (
    (3, 1, 32, 16, 1, 1),
    (3, 2, 16, 24, 6, 2),
    (5, 2, 24, 40, 6, 2),
    (3, 3, 40, 80, 6, 2),
    (5, 3, 80, 112, 6, 1),
    (5, 4, 112, 192, 6, 2),
    (3, 1, 192, 320, 6, 1),
)
_CONV_INIT = {
    "class_name": "VarianceScaling",
    "config": {"scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal"},
}
_DENSE_INIT = {
    "class_name": "VarianceScaling",
    "config": {"scale": 1.0 / 3.0, "mode": "fan_out", "distribution": "uniform"},
}


def efficientnet_scaling(phi: float) -> tuple[float, float, float]:
    """Compound scaling: the (depth, width, resolution) multipliers α^φ, β^φ, γ^φ.

    Args:
        phi: the compound coefficient φ ≥ 0 (0 = B0); each unit about doubles the FLOPs.

    Returns:
        ``(1.2 ** phi, 1.1 ** phi, 1.15 ** phi)``.

    Example:
        >>> [round(m, 4) for m in efficientnet_scaling(1)]
        [1.2, 1.1, 1.15]
        >>> d, w, r = efficientnet_scaling(2)
        >>> round(d * w**2 * r**2, 3)  # FLOPs multiplier, ≈ 2**phi
        3.687
    """
    if isinstance(phi, bool) or not isinstance(phi, int | float) or phi < 0:
        raise ValueError(f"phi must be a number ≥ 0 (0 = EfficientNet-B0); got {phi!r}.")
    return ALPHA**phi, BETA**phi, GAMMA**phi


def _correct_pad(x, kernel_size: int):
    height, width = x.shape[1:3]
    adjust = (1, 1) if height is None else (1 - height % 2, 1 - width % 2)
    half = kernel_size // 2
    return ((half - adjust[0], half), (half - adjust[1], half))


def mbconv_block(
    x,
    filters_in: int,
    filters_out: int,
    kernel_size: int = 3,
    strides: int = 1,
    expand_ratio: int = 6,
    se_ratio: float = 0.25,
    drop_rate: float = 0.0,
    name: str = "block1a_",
):
    """EfficientNet's MBConv: MobileNet v2's inverted residual with swish and
    squeeze-and-excitation.

    Expand (1×1, BN, swish; skipped when ``expand_ratio`` is 1) → depthwise k×k (BN, swish) →
    squeeze-and-excitation (global pool → 1×1 swish to ``max(1, int(filters_in * se_ratio))``
    → 1×1 sigmoid → channel-wise product) → project (1×1, BN, linear) → dropout of the whole
    residual branch per example (stochastic depth, ``drop_rate``) and the skip when the shape
    is unchanged.

    Args:
        x: input tensor (m, n_H, n_W, filters_in).
        filters_in, filters_out: input and output channels.
        kernel_size: depthwise kernel size (3 or 5 in B0).
        strides: 1, or 2 to halve height and width.
        expand_ratio: channel expansion of the first 1×1 convolution.
        se_ratio: squeeze ratio, relative to ``filters_in``.
        drop_rate: stochastic-depth rate of the residual branch.
        name: prefix of the layer names.

    Returns:
        The block's output (m, ceil(n_H / strides), ceil(n_W / strides), filters_out).

    Example:
        >>> y = mbconv_block(keras.Input((8, 8, 16)), 16, 24, strides=2)
        >>> tuple(y.shape)
        (None, 4, 4, 24)
    """
    inputs = x
    filters = filters_in * expand_ratio
    if expand_ratio != 1:
        x = layers.Conv2D(
            filters,
            1,
            padding="same",
            use_bias=False,
            kernel_initializer=_CONV_INIT,
            name=f"{name}expand_conv",
        )(x)
        x = layers.BatchNormalization(axis=3, name=f"{name}expand_bn")(x)
        x = layers.Activation("swish", name=f"{name}expand_activation")(x)
    if strides == 2:
        x = layers.ZeroPadding2D(_correct_pad(x, kernel_size), name=f"{name}dwconv_pad")(x)
    x = layers.DepthwiseConv2D(
        kernel_size,
        strides=strides,
        padding="same" if strides == 1 else "valid",
        use_bias=False,
        depthwise_initializer=_CONV_INIT,
        name=f"{name}dwconv",
    )(x)
    x = layers.BatchNormalization(axis=3, name=f"{name}bn")(x)
    x = layers.Activation("swish", name=f"{name}activation")(x)
    if 0 < se_ratio <= 1:
        se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
        se = layers.Reshape((1, 1, filters), name=f"{name}se_reshape")(se)
        se = layers.Conv2D(
            max(1, int(filters_in * se_ratio)),
            1,
            padding="same",
            activation="swish",
            kernel_initializer=_CONV_INIT,
            name=f"{name}se_reduce",
        )(se)
        se = layers.Conv2D(
            filters,
            1,
            padding="same",
            activation="sigmoid",
            kernel_initializer=_CONV_INIT,
            name=f"{name}se_expand",
        )(se)
        x = layers.Multiply(name=f"{name}se_excite")([x, se])
    x = layers.Conv2D(
        filters_out,
        1,
        padding="same",
        use_bias=False,
        kernel_initializer=_CONV_INIT,
        name=f"{name}project_conv",
    )(x)
    x = layers.BatchNormalization(axis=3, name=f"{name}project_bn")(x)
    if strides == 1 and filters_in == filters_out:
        if drop_rate > 0:
            x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
        x = layers.Add(name=f"{name}add")([x, inputs])
    return x


def efficientnet_from_coefficients(
    width: float,
    depth: float,
    input_shape: Sequence[int],
    classes: int = 1000,
    *,
    dropout: float = 0.2,
    drop_connect_rate: float = 0.2,
    include_top: bool = True,
    weights: str | os.PathLike | None = None,
    name: str = "efficientnet",
) -> keras.Model:
    """The B0 network with every stage's channels scaled by ``width`` (rounded to multiples of
    8) and its block count by ``depth`` (rounded up), at ``input_shape``.

    This is Keras' ``EfficientNet(width_coefficient, depth_coefficient, ...)``: with the
    published coefficients of B1-B7 (e.g. width 1.1, depth 1.2 at 260×260 for B2) it builds
    the same network. Inputs are raw pixels in [0, 255]: the model rescales them by 1/255 and
    normalises them with a ``Normalization`` layer (mean, variance and count: 7 non-trainable
    parameters, set by ImageNet weights or by ``adapt``).

    Args:
        width, depth: the width and depth multipliers (> 0).
        input_shape: (height, width, 3), height and width ≥ 32.
        classes: size of the softmax.
        dropout: dropout rate before the classifier.
        drop_connect_rate: the stochastic-depth rate, rising linearly over the blocks to it.
        include_top: ``False`` ends at ``top_activation`` (a feature extractor).
        weights: ``None``, or the path of a weights file saved from a model of the same
            coefficients (or Keras' ``efficientnetb*.h5``).
        name: the model's name.

    Returns:
        An uncompiled functional ``keras.Model``.

    Example:
        >>> model = efficientnet_from_coefficients(1.1, 1.2, (260, 260, 3))  # doctest: +SKIP
        >>> model.count_params()  # keras.applications.EfficientNetB2's  # doctest: +SKIP
        9177569
    """
    width = check_multiplier(width, "width")
    depth = check_multiplier(depth, "depth")
    shape = check_image_size(input_shape)
    classes = check_classes(classes)
    imagenet = isinstance(weights, str) and weights == "imagenet"

    def round_filters(filters: int) -> int:
        return make_divisible(filters * width, 8)

    def round_repeats(repeats: int) -> int:
        return int(math.ceil(depth * repeats))

    inputs = keras.Input(shape)
    x = layers.Rescaling(1.0 / 255.0)(inputs)
    x = layers.Normalization(axis=3)(x)
    if imagenet:
        # Keras' ImageNet files hold the variance where the standard deviation belongs; Keras
        # corrects it with this extra rescaling, and so must we for the same outputs.
        x = layers.Rescaling([1.0 / math.sqrt(s) for s in _IMAGENET_STDDEV_RGB])(x)
    x = layers.ZeroPadding2D(_correct_pad(x, 3), name="stem_conv_pad")(x)
    x = layers.Conv2D(
        round_filters(32),
        3,
        strides=2,
        padding="valid",
        use_bias=False,
        kernel_initializer=_CONV_INIT,
        name="stem_conv",
    )(x)
    x = layers.BatchNormalization(axis=3, name="stem_bn")(x)
    x = layers.Activation("swish", name="stem_activation")(x)
    total = float(sum(round_repeats(stage[1]) for stage in _B0_STAGES))
    done = 0
    for i, (kernel, repeats, f_in, f_out, expand, strides) in enumerate(_B0_STAGES, 1):
        f_in, f_out = round_filters(f_in), round_filters(f_out)
        for j in range(round_repeats(repeats)):
            x = mbconv_block(
                x,
                f_in if j == 0 else f_out,
                f_out,
                kernel,
                strides if j == 0 else 1,
                expand,
                0.25,
                drop_connect_rate * done / total,
                name=f"block{i}{chr(j + 97)}_",
            )
            done += 1
    x = layers.Conv2D(
        round_filters(1280),
        1,
        padding="same",
        use_bias=False,
        kernel_initializer=_CONV_INIT,
        name="top_conv",
    )(x)
    x = layers.BatchNormalization(axis=3, name="top_bn")(x)
    x = layers.Activation("swish", name="top_activation")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if dropout > 0:
            x = layers.Dropout(dropout, name="top_dropout")(x)
        x = layers.Dense(
            classes, activation="softmax", kernel_initializer=_DENSE_INIT, name="predictions"
        )(x)
    model = keras.Model(inputs, x, name=name)
    files = ()
    if name.startswith("efficientnetb"):
        file = f"{name}{'' if include_top else '_notop'}.h5"
        files = (WeightFile(file, f"ImageNet {name}", _ORIGIN + file),)
    return load_weights(model, weights, files)


def efficientnet(
    phi: float = 0,
    classes: int = 1000,
    input_shape: Sequence[int] | None = None,
    *,
    include_top: bool = True,
    weights: str | os.PathLike | None = None,
) -> keras.Model:
    """EfficientNet scaled from B0 by compound scaling: depth α^φ, width β^φ, resolution
    ``round(224·γ^φ)`` (see :func:`efficientnet_scaling`).

    φ=0 is EfficientNet-B0: 5,330,571 parameters with top at 224×224×3 and 1000 classes
    (7 of them the input ``Normalization``'s mean, variance and count), exactly
    ``keras.applications.EfficientNetB0``'s. For φ>0 the multipliers are the exact
    powers; the published B1-B7 use hand-rounded coefficients instead (B1: depth 1.1, width
    1.0, 240 px), which :func:`efficientnet_from_coefficients` builds.

    Args:
        phi: compound coefficient φ ≥ 0.
        classes: size of the softmax.
        input_shape: ``None``: square at the scaled resolution, 3 channels; or any
            (height, width, 3).
        include_top: ``False`` ends at ``top_activation``.
        weights: ``None``, a weights file path, or ``"imagenet"`` (φ=0 only:
            ``efficientnetb0[_notop].h5`` found by :func:`dlspec.weights.resolve_weights`).

    Returns:
        An uncompiled functional ``keras.Model`` (``"efficientnetb0"`` at φ=0).

    Example:
        >>> efficientnet(phi=0).count_params()  # doctest: +SKIP
        5330571
    """
    depth, width, resolution = efficientnet_scaling(phi)
    if phi != 0 and isinstance(weights, str) and weights == "imagenet":
        raise ValueError(
            f"No ImageNet weights exist for efficientnet(phi={phi}) (keras.applications' B1-B7 "
            "use the published coefficients): pass weights=None, a weights file of this "
            "model, or use efficientnet_from_coefficients / keras.applications.EfficientNetB*."
        )
    if input_shape is None:
        size = int(round(B0_RESOLUTION * resolution))
        input_shape = (size, size, 3)
    if phi == 0:
        name = "efficientnetb0"
    else:
        name = f"efficientnet_phi{phi:g}"
    return efficientnet_from_coefficients(
        width,
        depth,
        input_shape,
        classes,
        include_top=include_top,
        weights=weights,
        name=name,
    )


def efficientnet_b0(
    input_shape: Sequence[int] = (224, 224, 3),
    classes: int = 1000,
    *,
    include_top: bool = True,
    weights: str | os.PathLike | None = None,
) -> keras.Model:
    """EfficientNet-B0 (``efficientnet(phi=0)``): 5,330,571 parameters with top, 1000 classes.

    Example:
        >>> efficientnet_b0(input_shape=(32, 32, 3), classes=10).count_params()  # doctest: +SKIP
        4062381
    """
    return efficientnet(0, classes, input_shape, include_top=include_top, weights=weights)
