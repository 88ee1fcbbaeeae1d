"""LeNet-5 (LeCun, Bottou, Bengio & Haffner, 1998) as published, and its modern form.

The 1998 network reads 32×32 images through C1 (6 5×5 convolutions) → S2 (trainable 2×2
subsampling) → C3 (16 5×5 convolutions, each over a subset of S2's maps) → S4 → C5 (120 5×5
convolutions) → F6 (84 units), every layer squashed by 1.7159·tanh(2a/3). The paper counts
156, 12, 1,516, 32, 48,120 and 10,164 trainable parameters in these layers: 60,000 in all.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import keras
import numpy as np
from keras import layers, ops

from dlspec.cnn.architectures._common import check_classes, check_image_size
from dlspec.validation import check_positive

__all__ = [
    "LENET5_C3_TABLE",
    "ConnectionTableConv2D",
    "Subsampling",
    "lenet5",
    "scaled_tanh",
]

# The paper's Table I: the S2 maps that each C3 map reads.
LENET5_C3_TABLE: tuple[tuple[int, ...], ...] = (
    tuple(tuple(sorted((j + i) % 6 for i in range(3))) for j in range(6))
    + tuple(tuple(sorted((j + i) % 6 for i in range(4))) for j in range(6))
    + ((0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5))
    + ((0, 1, 2, 3, 4, 5),)
)


@keras.saving.register_keras_serializable(package="dlspec")
def scaled_tanh(x):
    """LeNet-5's squashing function 1.7159·tanh(2x/3) (f(±1) = ±1, largest gain near 0).

    Example:
        >>> round(float(scaled_tanh(np.float32(1.0))), 4)
        1.0
    """
    return 1.7159 * ops.tanh(x * (2.0 / 3.0))


@keras.saving.register_keras_serializable(package="dlspec")
class Subsampling(layers.Layer):
    """LeNet-5's subsampling layer: each map's 2×2 sums times a trainable coefficient plus a
    trainable bias (2 parameters per map), stride 2.

    Args:
        pool_size: the pooling window and stride.

    Call arguments:
        inputs: (m, n_H, n_W, n_C).

    Returns:
        (m, n_H // pool_size, n_W // pool_size, n_C).

    Example:
        >>> layer = Subsampling()
        >>> y = layer(np.ones((1, 4, 4, 6), np.float32))
        >>> tuple(y.shape), layer.count_params()
        ((1, 2, 2, 6), 12)
    """

    def __init__(self, pool_size: int = 2, **kwargs):
        super().__init__(**kwargs)
        check_positive(pool_size, "pool_size", integer=True)
        self.pool_size = int(pool_size)

    def build(self, input_shape):
        channels = input_shape[-1]
        self.coefficient = self.add_weight(
            shape=(channels,), initializer="ones", name="coefficient"
        )
        self.bias = self.add_weight(shape=(channels,), initializer="zeros", name="bias")

    def call(self, inputs):
        window = self.pool_size
        sums = ops.average_pool(inputs, window, strides=window, padding="valid") * window**2
        return sums * self.coefficient + self.bias

    def multiplications(self, input_shape, output_shape) -> int:
        """One multiplication (the trainable coefficient) per output value of one example."""
        return math.prod(int(v) for v in output_shape)

    def compute_output_shape(self, input_shape):
        m, height, width, channels = input_shape
        window = self.pool_size
        return (
            m,
            None if height is None else height // window,
            None if width is None else width // window,
            channels,
        )

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size}


@keras.saving.register_keras_serializable(package="dlspec")
class ConnectionTableConv2D(layers.Layer):
    """A 'valid' convolution in which output map j reads only the input maps ``table[j]``.

    Weights exist only for the connections of the table (LeNet-5's C3: 60 5×5 kernels and 16
    biases, 1,516 parameters, where a full convolution would have 2,416). Computed as a
    depthwise convolution over the gathered input maps, summed per output map.

    Args:
        table: for each output map, the indices of the input maps it reads.
        kernel_size: the square kernel's size.
        kernel_initializer: initializer of the kernels.

    Call arguments:
        inputs: (m, n_H, n_W, n_C) with n_C > every index in ``table``.

    Returns:
        (m, n_H - kernel_size + 1, n_W - kernel_size + 1, len(table)).

    Example:
        >>> layer = ConnectionTableConv2D(LENET5_C3_TABLE, 5)
        >>> y = layer(np.ones((1, 14, 14, 6), np.float32))
        >>> tuple(y.shape), layer.count_params()
        ((1, 10, 10, 16), 1516)
    """

    def __init__(
        self,
        table: Sequence[Sequence[int]],
        kernel_size: int = 5,
        kernel_initializer="glorot_uniform",
        **kwargs,
    ):
        super().__init__(**kwargs)
        try:
            self.table = tuple(tuple(int(i) for i in maps) for maps in table)
        except TypeError:
            raise ValueError(
                f"table must be a sequence of sequences of input-map indices; got {table!r}."
            ) from None
        if not self.table or any(not maps or min(maps) < 0 for maps in self.table):
            raise ValueError(
                "table must list, for each output map, at least one input-map index ≥ 0; got "
                f"{table!r}."
            )
        check_positive(kernel_size, "kernel_size", integer=True)
        self.kernel_size = int(kernel_size)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self._sources = np.array([i for maps in self.table for i in maps], dtype="int32")
        targets = np.repeat(np.arange(len(self.table)), [len(maps) for maps in self.table])
        self._assign = np.eye(len(self.table), dtype="float32")[targets]

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is not None and int(self._sources.max()) >= channels:
            raise ValueError(
                f"table reads input map {int(self._sources.max())} but the input has only "
                f"{channels} channels."
            )
        size = self.kernel_size
        self.kernel = self.add_weight(
            shape=(size, size, len(self._sources), 1),
            initializer=self.kernel_initializer,
            name="kernel",
        )
        self.bias = self.add_weight(shape=(len(self.table),), initializer="zeros", name="bias")

    def call(self, inputs):
        gathered = ops.take(inputs, self._sources, axis=-1)
        per_connection = ops.depthwise_conv(gathered, self.kernel, strides=1, padding="valid")
        return ops.matmul(per_connection, ops.cast(self._assign, per_connection.dtype)) + self.bias

    def multiplications(self, input_shape, output_shape) -> int:
        """f·f multiplications per connection of the table and output position (one example):
        LeNet-5's C3 makes 10·10·60·25 = 150,000, where a full convolution would make 240,000."""
        positions = math.prod(int(v) for v in output_shape[:-1])
        return positions * len(self._sources) * self.kernel_size**2

    def compute_output_shape(self, input_shape):
        m, height, width, _ = input_shape
        shrink = self.kernel_size - 1
        return (
            m,
            None if height is None else height - shrink,
            None if width is None else width - shrink,
            len(self.table),
        )

    def get_config(self):
        return {
            **super().get_config(),
            "table": [list(maps) for maps in self.table],
            "kernel_size": self.kernel_size,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
        }


def lenet5(
    input_shape: Sequence[int] = (32, 32, 1), classes: int = 10, modern: bool = False
) -> keras.Model:
    """LeNet-5 as in the 1998 paper, or (``modern=True``) with ReLU and max pooling.

    ``modern=False``: C1 ``Conv2D(6, 5×5)`` → S2 :class:`Subsampling` → C3
    :class:`ConnectionTableConv2D` (the paper's table) → S4 :class:`Subsampling` → C5
    ``Conv2D(120, 5×5)`` → F6 ``Dense(84)``, each followed by :func:`scaled_tanh`, then a
    softmax over ``classes`` in place of the paper's Euclidean RBF units (whose prototypes were
    fixed by hand, not trained). Layers C1-F6 hold the paper's 60,000 trainable parameters;
    with the 850 of the softmax layer, 60,850 at 10 classes.

    ``modern=True``: the lecture's modern reading, ``Conv2D(6, 5×5, relu)`` → max pool 2×2 →
    ``Conv2D(16, 5×5, relu)`` → max pool 2×2 → ``Dense(120, relu)`` → ``Dense(84, relu)`` →
    softmax: 61,706 parameters at 10 classes on 32×32×1.

    Args:
        input_shape: (height, width, channels), height and width ≥ 32 (32×32×1 in the paper:
            MNIST digits padded to 32×32).
        classes: size of the softmax.
        modern: the ReLU / max-pool / full-connection form.

    Returns:
        An uncompiled functional ``keras.Model`` (``"lenet5"`` or ``"lenet5_modern"``).

    Example:
        >>> lenet5().count_params(), lenet5(modern=True).count_params()
        (60850, 61706)
    """
    shape = check_image_size(input_shape)
    classes = check_classes(classes)
    inputs = keras.Input(shape)
    if modern:
        x = layers.Conv2D(6, 5, activation="relu", name="conv1")(inputs)
        x = layers.MaxPooling2D(2, name="pool1")(x)
        x = layers.Conv2D(16, 5, activation="relu", name="conv2")(x)
        x = layers.MaxPooling2D(2, name="pool2")(x)
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(120, activation="relu", name="fc3")(x)
        x = layers.Dense(84, activation="relu", name="fc4")(x)
        x = layers.Dense(classes, activation="softmax", name="predictions")(x)
        return keras.Model(inputs, x, name="lenet5_modern")
    x = layers.Conv2D(6, 5, activation=scaled_tanh, name="C1")(inputs)
    x = layers.Activation(scaled_tanh, name="S2_squash")(Subsampling(name="S2")(x))
    x = layers.Activation(scaled_tanh, name="C3_squash")(
        ConnectionTableConv2D(LENET5_C3_TABLE, 5, name="C3")(x)
    )
    x = layers.Activation(scaled_tanh, name="S4_squash")(Subsampling(name="S4")(x))
    x = layers.Conv2D(120, 5, activation=scaled_tanh, name="C5")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(84, activation=scaled_tanh, name="F6")(x)
    x = layers.Dense(classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, x, name="lenet5")
