"""C4W2A1 "Residual networks": the identity and convolutional blocks and ResNet-50 in Keras.

The course-named builders (``identity_block``, ``convolutional_block``, ``ResNet50``) follow the
lab line by line: the same layers, ``initializer(seed=0)`` for every convolution, and the
``training`` flag handed to every ``BatchNormalization`` call. :class:`IdentityBlock` and
:class:`ConvolutionalBlock` are the same blocks as serialisable Keras layers a user can stack in
any model (they compute the same outputs given the same weights).

Batch normalisation after a short run. Trained the course's way (10 epochs of 34 batches),
ResNet-50 reaches a high training accuracy while its inference-mode test accuracy swings far
below it: the BatchNormalization layers' moving statistics lag the final network. (The course's
TF 2.x Keras 2 model, built with ``training=True`` on every BatchNormalization call, most likely
kept batch statistics at test time too, which hid this; in Keras 3 ``evaluate``/``predict``
switch the layers to inference mode.) The fix, re-estimating those statistics on training data,
is :mod:`dlspec.training.batchnorm`; the lab's runner (:mod:`dlspec.cnn.runs.residual_networks`)
applies it and chooses the epoch on a train-dev slice of the training images.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras.initializers import glorot_uniform, random_uniform
from keras.layers import (
    Activation,
    Add,
    AveragePooling2D,
    BatchNormalization,
    Conv2D,
    Dense,
    Flatten,
    Input,
    MaxPooling2D,
    ZeroPadding2D,
)

from dlspec.validation import check_input_shape, check_positive

__all__ = [
    "identity_block",
    "convolutional_block",
    "ResNet50",
    "IdentityBlock",
    "ConvolutionalBlock",
]


# ------------------------------------------------------------------ validation


def _check_filters(filters) -> tuple[int, int, int]:
    try:
        values = list(filters)
    except TypeError:
        values = None
    if values is None or len(values) != 3:
        raise ValueError(
            f"filters must be a list of three positive ints [F1, F2, F3]; got {filters!r}."
        )
    for value in values:
        check_positive(value, "each of filters [F1, F2, F3]", integer=True)
    return tuple(int(value) for value in values)


def _check_block_input(X, name: str = "X") -> None:
    shape = getattr(X, "shape", None)
    if shape is None or len(shape) != 4:
        raise ValueError(
            f"{name} must be a 4-D tensor (m, n_H, n_W, n_C) (channels last); got shape "
            f"{None if shape is None else tuple(shape)}."
        )


# ------------------------------------------------------------------ the course's builders


def identity_block(X, f: int, filters: Sequence[int], training=True, initializer=random_uniform):
    """The identity block: a 3-layer main path added to the unchanged input.

    CONV2D(F1, 1×1, 'valid') → BatchNorm(axis 3) → ReLU → CONV2D(F2, f×f, 'same') → BatchNorm →
    ReLU → CONV2D(F3, 1×1, 'valid') → BatchNorm → Add(input) → ReLU. Every convolution uses
    ``initializer(seed=0)``; every BatchNormalization is called with ``training=training``.

    Args:
        X: input tensor (m, n_H_prev, n_W_prev, n_C_prev), symbolic or eager.
        f: kernel size of the middle convolution.
        filters: [F1, F2, F3]; F3 must equal n_C_prev (the shortcut is the input itself).
        training: True: BatchNormalization uses batch statistics (and updates its moving
            ones); False: its moving statistics.
        initializer: called as ``initializer(seed=0)`` for each kernel initializer.

    Returns:
        The block's output, shape (m, n_H_prev, n_W_prev, F3).

    Raises:
        ValueError: bad ``filters``/``f``, a non 4-D input, or F3 ≠ the input's channels.

    Example:
        >>> import numpy as np
        >>> X = np.ones((2, 4, 4, 3), np.float32)
        >>> tuple(identity_block(X, 2, [4, 4, 3], training=False).shape)
        (2, 4, 4, 3)
    """
    F1, F2, F3 = _check_filters(filters)
    check_positive(f, "f", integer=True)
    f = int(f)
    _check_block_input(X)
    if X.shape[-1] is not None and X.shape[-1] != F3:
        raise ValueError(
            f"identity_block adds its input to the main path, so F3 = filters[2] must equal the "
            f"input's channels; got F3={F3} and X with {X.shape[-1]} channels. Use "
            "convolutional_block to change the number of channels."
        )
    X_shortcut = X
    X = Conv2D(F1, 1, strides=(1, 1), padding="valid", kernel_initializer=initializer(seed=0))(X)
    X = BatchNormalization(axis=3)(X, training=training)
    X = Activation("relu")(X)
    X = Conv2D(F2, f, strides=(1, 1), padding="same", kernel_initializer=initializer(seed=0))(X)
    X = BatchNormalization(axis=3)(X, training=training)
    X = Activation("relu")(X)
    X = Conv2D(F3, 1, strides=(1, 1), padding="valid", kernel_initializer=initializer(seed=0))(X)
    X = BatchNormalization(axis=3)(X, training=training)
    X = Add()([X_shortcut, X])
    return Activation("relu")(X)


def convolutional_block(
    X, f: int, filters: Sequence[int], s: int = 2, training=True, initializer=glorot_uniform
):
    """The convolutional block: the identity block with a strided first convolution and a
    CONV2D(F3, 1×1, stride s) + BatchNorm on the shortcut, so shapes and channels can change.

    Args:
        X: input tensor (m, n_H_prev, n_W_prev, n_C_prev).
        f: kernel size of the middle convolution.
        filters: [F1, F2, F3].
        s: stride of the first convolution and of the shortcut's.
        training: the flag handed to every BatchNormalization call.
        initializer: called as ``initializer(seed=0)`` for each kernel initializer.

    Returns:
        The block's output, (m, ceil(n_H_prev / s), ceil(n_W_prev / s), F3).

    Example:
        >>> import numpy as np
        >>> X = np.ones((3, 4, 4, 3), np.float32)
        >>> tuple(convolutional_block(X, 2, [2, 4, 6], training=False).shape)
        (3, 2, 2, 6)
    """
    F1, F2, F3 = _check_filters(filters)
    check_positive(f, "f", integer=True)
    check_positive(s, "s", integer=True)
    f, s = int(f), int(s)
    _check_block_input(X)
    X_shortcut = X
    X = Conv2D(F1, 1, strides=(s, s), padding="valid", kernel_initializer=initializer(seed=0))(X)
    X = BatchNormalization(axis=3)(X, training=training)
    X = Activation("relu")(X)
    X = Conv2D(F2, f, strides=(1, 1), padding="same", kernel_initializer=initializer(seed=0))(X)
    X = BatchNormalization(axis=3)(X, training=training)
    X = Activation("relu")(X)
    X = Conv2D(F3, 1, strides=(1, 1), padding="valid", kernel_initializer=initializer(seed=0))(X)
    X = BatchNormalization(axis=3)(X, training=training)
    X_shortcut = Conv2D(
        F3, 1, strides=(s, s), padding="valid", kernel_initializer=initializer(seed=0)
    )(X_shortcut)
    X_shortcut = BatchNormalization(axis=3)(X_shortcut, training=training)
    X = Add()([X, X_shortcut])
    return Activation("relu")(X)


def _resnet50_final_size(n: int) -> int:
    n = (n + 6 - 7) // 2 + 1  # ZeroPadding2D(3) + 7×7 conv, stride 2
    n = (n - 3) // 2 + 1  # 3×3 max pool, stride 2
    for _ in range(3):  # stages 3-5: 1×1 convolutions with stride 2
        n = (n - 1) // 2 + 1
    return n


def ResNet50(input_shape: Sequence[int] = (64, 64, 3), classes: int = 6) -> keras.Model:
    """The course's ResNet-50: 23,600,006 parameters (23,546,886 trainable) for 64×64×3, 6 classes.

    ZEROPAD(3) → CONV2D(64, 7×7, stride 2) → BatchNorm → ReLU → MAXPOOL(3×3, stride 2)
    → stage 2: convolutional_block(f=3, [64, 64, 256], s=1) + 2 identity blocks
    → stage 3: convolutional_block([128, 128, 512], s=2) + 3 identity blocks
    → stage 4: convolutional_block([256, 256, 1024], s=2) + 5 identity blocks
    → stage 5: convolutional_block([512, 512, 2048], s=2) + 2 identity blocks
    → AVGPOOL(2×2) → FLATTEN → DENSE(classes, softmax). The blocks are built with the course's
    defaults (``training=True``, ``random_uniform`` / ``glorot_uniform`` with seed 0). Not
    compiled (the course uses adam / categorical_crossentropy / accuracy).

    Raises:
        ValueError: ``input_shape`` is not (height, width, channels) of positive ints, is too
            small for the 2×2 average pool at the end (height and width ≥ 32), or
            ``classes`` < 2.

    Example:
        >>> model = ResNet50(input_shape=(64, 64, 3), classes=6)  # doctest: +SKIP
        >>> model.count_params()  # doctest: +SKIP
        23600006
    """
    shape = check_input_shape(input_shape)
    check_positive(classes, "classes", integer=True)
    if classes < 2:
        raise ValueError(f"classes must be an int ≥ 2 (a softmax over classes); got {classes!r}.")
    if min(_resnet50_final_size(shape[0]), _resnet50_final_size(shape[1])) < 2:
        raise ValueError(
            f"input_shape {shape} is too small for ResNet50: stage 5 would be smaller than the "
            "final 2×2 average pool; height and width must be at least 32 (the course uses 64)."
        )
    X_input = Input(shape)
    X = ZeroPadding2D((3, 3))(X_input)
    X = Conv2D(64, (7, 7), strides=(2, 2), kernel_initializer=glorot_uniform(seed=0))(X)
    X = BatchNormalization(axis=3)(X)
    X = Activation("relu")(X)
    X = MaxPooling2D((3, 3), strides=(2, 2))(X)

    X = convolutional_block(X, f=3, filters=[64, 64, 256], s=1)
    X = identity_block(X, 3, [64, 64, 256])
    X = identity_block(X, 3, [64, 64, 256])

    X = convolutional_block(X, f=3, filters=[128, 128, 512], s=2)
    for _ in range(3):
        X = identity_block(X, 3, [128, 128, 512])

    X = convolutional_block(X, f=3, filters=[256, 256, 1024], s=2)
    for _ in range(5):
        X = identity_block(X, 3, [256, 256, 1024])

    X = convolutional_block(X, f=3, filters=[512, 512, 2048], s=2)
    for _ in range(2):
        X = identity_block(X, 3, [512, 512, 2048])

    X = AveragePooling2D(pool_size=(2, 2))(X)
    X = Flatten()(X)
    X = Dense(classes, activation="softmax", kernel_initializer=glorot_uniform(seed=0))(X)
    return keras.Model(inputs=X_input, outputs=X)


# ------------------------------------------------------------------ stackable Keras layers


class _ResidualBlock(keras.layers.Layer):
    """Shared code of :class:`IdentityBlock` and :class:`ConvolutionalBlock`."""

    _projection: bool = False

    def __init__(
        self,
        filters: Sequence[int],
        kernel_size: int = 3,
        strides: int = 1,
        kernel_initializer="glorot_uniform",
        bn_momentum: float = 0.99,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.filters = _check_filters(filters)
        check_positive(kernel_size, "kernel_size", integer=True)
        check_positive(strides, "strides", integer=True)
        self.kernel_size, self.strides = int(kernel_size), int(strides)
        if not 0.0 <= float(bn_momentum) < 1.0:
            raise ValueError(f"bn_momentum must be in [0, 1); got {bn_momentum!r}.")
        self.bn_momentum = float(bn_momentum)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        F1, F2, F3 = self.filters
        s = self.strides

        def conv(filters, size, stride, padding, name):
            initializer = keras.initializers.get(
                keras.initializers.serialize(self.kernel_initializer)
            )
            return Conv2D(
                filters,
                size,
                strides=(stride, stride),
                padding=padding,
                kernel_initializer=initializer,
                name=name,
            )

        def bn(name):
            return BatchNormalization(axis=3, momentum=self.bn_momentum, name=name)

        self.conv1 = conv(F1, 1, s, "valid", "conv1")
        self.bn1 = bn("bn1")
        self.conv2 = conv(F2, self.kernel_size, 1, "same", "conv2")
        self.bn2 = bn("bn2")
        self.conv3 = conv(F3, 1, 1, "valid", "conv3")
        self.bn3 = bn("bn3")
        if self._projection:
            self.shortcut_conv = conv(F3, 1, s, "valid", "shortcut_conv")
            self.shortcut_bn = bn("shortcut_bn")

    def _check_4d(self, input_shape) -> None:
        if len(input_shape) != 4:
            raise ValueError(
                f"{type(self).__name__} expects 4-D inputs (m, n_H, n_W, n_C); got shape "
                f"{tuple(input_shape)}."
            )

    def build(self, input_shape):
        self._check_4d(input_shape)
        shape = tuple(input_shape)
        for conv, norm in ((self.conv1, self.bn1), (self.conv2, self.bn2), (self.conv3, self.bn3)):
            conv.build(shape)
            shape = conv.compute_output_shape(shape)
            norm.build(shape)
        if self._projection:
            self.shortcut_conv.build(tuple(input_shape))
            self.shortcut_bn.build(self.shortcut_conv.compute_output_shape(tuple(input_shape)))

    def call(self, inputs, training=None):
        X = keras.ops.relu(self.bn1(self.conv1(inputs), training=training))
        X = keras.ops.relu(self.bn2(self.conv2(X), training=training))
        X = self.bn3(self.conv3(X), training=training)
        if self._projection:
            shortcut = self.shortcut_bn(self.shortcut_conv(inputs), training=training)
            return keras.ops.relu(X + shortcut)
        return keras.ops.relu(inputs + X)

    def compute_output_shape(self, input_shape):
        self._check_4d(input_shape)
        return self.conv1.compute_output_shape(tuple(input_shape))[:3] + (self.filters[2],)

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=list(self.filters),
            kernel_size=self.kernel_size,
            strides=self.strides,
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
            bn_momentum=self.bn_momentum,
        )
        return config

    @property
    def block_layers(self) -> list[keras.layers.Layer]:
        """The convolution and BatchNormalization layers in the functional block's order."""
        layers = [self.conv1, self.bn1, self.conv2, self.bn2, self.conv3, self.bn3]
        if self._projection:
            layers += [self.shortcut_conv, self.shortcut_bn]
        return layers


@keras.saving.register_keras_serializable(package="dlspec")
class IdentityBlock(_ResidualBlock):
    """:func:`identity_block` as a Keras layer: the main path added to the unchanged input.

    The main path is CONV2D(F1, 1×1) → BN → ReLU → CONV2D(F2, k×k, 'same') → BN → ReLU →
    CONV2D(F3, 1×1) → BN; the input is added unchanged, so F3 must equal its channels.

    Args:
        filters: [F1, F2, F3].
        kernel_size: f, the middle convolution's kernel size.
        kernel_initializer: any Keras initializer (the course's ``random_uniform(seed=0)`` is
            ``keras.initializers.RandomUniform(seed=0)``).
        bn_momentum: momentum of the BatchNormalization moving averages (0.99 as Keras; lower
            it, e.g. 0.9, for short trainings).

    Call arguments:
        inputs: (m, n_H, n_W, F3) tensor.
        training: BatchNormalization mode (batch statistics when True).

    Example:
        >>> import numpy as np
        >>> block = IdentityBlock([4, 4, 3], kernel_size=2)
        >>> tuple(block(np.ones((2, 4, 4, 3), np.float32)).shape)
        (2, 4, 4, 3)
    """

    def __init__(self, filters, kernel_size=3, kernel_initializer="glorot_uniform", **kwargs):
        kwargs.pop("strides", None)  # always 1; accepted so that from_config round-trips
        super().__init__(filters, kernel_size, 1, kernel_initializer, **kwargs)

    def build(self, input_shape):
        self._check_4d(input_shape)
        if input_shape[-1] is not None and input_shape[-1] != self.filters[2]:
            raise ValueError(
                f"IdentityBlock adds its input to the main path, so filters[2] must equal the "
                f"input's channels; got filters {list(self.filters)} and inputs with "
                f"{input_shape[-1]} channels. Use ConvolutionalBlock to change the channels."
            )
        super().build(input_shape)


@keras.saving.register_keras_serializable(package="dlspec")
class ConvolutionalBlock(_ResidualBlock):
    """:func:`convolutional_block` as a Keras layer: a strided identity block whose shortcut is
    CONV2D(F3, 1×1, stride s) → BN, so the spatial size and the channels can change.

    Args:
        filters: [F1, F2, F3].
        kernel_size: f, the middle convolution's kernel size.
        strides: s, the stride of the first convolution and of the shortcut's.
        kernel_initializer: any Keras initializer (the course: ``GlorotUniform(seed=0)``).
        bn_momentum: momentum of the BatchNormalization moving averages.

    Call arguments:
        inputs: (m, n_H, n_W, n_C) tensor.
        training: BatchNormalization mode.

    Example:
        >>> import numpy as np
        >>> block = ConvolutionalBlock([2, 4, 6], kernel_size=2, strides=2)
        >>> tuple(block(np.ones((3, 4, 4, 3), np.float32)).shape)
        (3, 2, 2, 6)
    """

    _projection = True

    def __init__(
        self, filters, kernel_size=3, strides=2, kernel_initializer="glorot_uniform", **kwargs
    ):
        super().__init__(filters, kernel_size, strides, kernel_initializer, **kwargs)
