"""FaceNet as the course uses it: the Keras port of Inception-ResNet v1 (160×160×3 → 128).

The course loads ``keras-facenet-h5/model.json`` + ``model.h5``: Hiroki Taniai's Keras port
(``keras-facenet``) of David Sandberg's TensorFlow FaceNet, Inception-ResNet v1 trained on
VGGFace2 / CASIA-WebFace. Those files are not shipped offline, so :func:`InceptionResNetV1`
builds the same network in code, layer for layer and with the port's layer names, so that the
port's ``facenet_keras_weights.h5`` or the course's ``model.h5`` load into it by name:

- stem: ``Conv2d_1a_3x3`` … ``Conv2d_4b_3x3`` (conv + BatchNorm without scale + ReLU);
- 5 × ``Block35`` (scale 0.17), ``Mixed_6a``, 10 × ``Block17`` (scale 0.1), ``Mixed_7a``,
  5 × ``Block8`` (scale 0.2) and ``Block8_6`` (scale 1, no activation);
- ``AvgPool``, ``Dropout`` (keep probability 0.8), ``Bottleneck`` Dense(128, no bias) and
  ``Bottleneck_BatchNorm`` (no scale).

That is 22,808,144 parameters (22,779,312 trainable; 28,832 BatchNormalization moving
statistics). The course L2-normalises the output in ``img_to_encoding``, not in the model.
The residual scaling is a :class:`ResidualScale` layer, where the port uses a ``Lambda``
(which does not serialise safely in Keras 3); it has no weights, so loading is unaffected.

Weights: :func:`facenet_weight_files` lists the file names accepted in
``$DLSPEC_WEIGHTS_DIR`` (no download origin: the files are not published by Keras);
:func:`facenet_model` resolves and loads them, or warns that the model is untrained
(``weights=None``).
"""

from __future__ import annotations

import os
from pathlib import Path

import keras

from dlspec.weights import (
    ResolvedWeights,
    WeightFile,
    WeightsNotFoundError,
    resolve_weights_argument,
)

__all__ = [
    "FACENET_INPUT_SHAPE",
    "ResidualScale",
    "InceptionResNetV1",
    "facenet_model",
    "facenet_weight_files",
    "load_facenet_weights",
    "resolve_facenet_weights",
]

#: the input of the course's FaceNet: RGB images, 160×160, pixels in [0, 1]
FACENET_INPUT_SHAPE = (160, 160, 3)
_BN = {"momentum": 0.995, "epsilon": 0.001, "scale": False}


@keras.saving.register_keras_serializable(package="dlspec")
class ResidualScale(keras.layers.Layer):
    """Multiply the residual branch by a constant: the port's ``Lambda(scaling)``.

    Args:
        scale: the factor (0.17 in Block35, 0.1 in Block17, 0.2 in Block8, 1 in Block8_6).

    Example:
        >>> ResidualScale(0.5)(keras.ops.ones((1, 2))).numpy()
        array([[0.5, 0.5]], dtype=float32)
    """

    def __init__(self, scale: float, **kwargs) -> None:
        super().__init__(**kwargs)
        self.scale = float(scale)

    def call(self, inputs):
        return inputs * self.scale

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": self.scale}


def _conv2d_bn(
    x,
    filters: int,
    kernel_size,
    name: str,
    *,
    strides: int = 1,
    padding: str = "same",
    activation: str | None = "relu",
    use_bias: bool = False,
):
    """Conv2D, then (without bias) ``<name>_BatchNorm``, then ``<name>_Activation``."""
    x = keras.layers.Conv2D(
        filters, kernel_size, strides=strides, padding=padding, use_bias=use_bias, name=name
    )(x)
    if not use_bias:
        x = keras.layers.BatchNormalization(axis=3, name=f"{name}_BatchNorm", **_BN)(x)
    if activation is not None:
        x = keras.layers.Activation(activation, name=f"{name}_Activation")(x)
    return x


# (filters, kernel) of each branch's convolutions, per block type
_BLOCKS = {
    "Block35": (
        ((32, 1, "Conv2d_1x1"),),
        ((32, 1, "Conv2d_0a_1x1"), (32, 3, "Conv2d_0b_3x3")),
        ((32, 1, "Conv2d_0a_1x1"), (32, 3, "Conv2d_0b_3x3"), (32, 3, "Conv2d_0c_3x3")),
    ),
    "Block17": (
        ((128, 1, "Conv2d_1x1"),),
        ((128, 1, "Conv2d_0a_1x1"), (128, (1, 7), "Conv2d_0b_1x7"), (128, (7, 1), "Conv2d_0c_7x1")),
    ),
    "Block8": (
        ((192, 1, "Conv2d_1x1"),),
        ((192, 1, "Conv2d_0a_1x1"), (192, (1, 3), "Conv2d_0b_1x3"), (192, (3, 1), "Conv2d_0c_3x1")),
    ),
}


def _inception_resnet_block(x, block_type: str, index: int, scale: float, activation="relu"):
    """An Inception-ResNet block: branches, concatenation, 1×1 conv, scaled residual sum."""
    prefix = f"{block_type}_{index}"
    branches = []
    for b, convs in enumerate(_BLOCKS[block_type]):
        branch = x
        for filters, kernel, conv_name in convs:
            branch = _conv2d_bn(branch, filters, kernel, f"{prefix}_Branch_{b}_{conv_name}")
        branches.append(branch)
    mixed = keras.layers.Concatenate(axis=3, name=f"{prefix}_Concatenate")(branches)
    up = _conv2d_bn(mixed, x.shape[3], 1, f"{prefix}_Conv2d_1x1", activation=None, use_bias=True)
    up = ResidualScale(scale, name=f"{prefix}_ScaleResidual")(up)
    x = keras.layers.Add(name=f"{prefix}_Add")([x, up])
    if activation is not None:
        x = keras.layers.Activation(activation, name=f"{prefix}_Activation")(x)
    return x


def _reduction_a(x):
    """``Mixed_6a``: 17×17×256 → 8×8×896."""
    b0 = _conv2d_bn(x, 384, 3, "Mixed_6a_Branch_0_Conv2d_1a_3x3", strides=2, padding="valid")
    b1 = _conv2d_bn(x, 192, 1, "Mixed_6a_Branch_1_Conv2d_0a_1x1")
    b1 = _conv2d_bn(b1, 192, 3, "Mixed_6a_Branch_1_Conv2d_0b_3x3")
    b1 = _conv2d_bn(b1, 256, 3, "Mixed_6a_Branch_1_Conv2d_1a_3x3", strides=2, padding="valid")
    pool = keras.layers.MaxPooling2D(3, strides=2, name="Mixed_6a_Branch_2_MaxPool_1a_3x3")(x)
    return keras.layers.Concatenate(axis=3, name="Mixed_6a")([b0, b1, pool])


def _reduction_b(x):
    """``Mixed_7a``: 8×8×896 → 3×3×1792."""
    name = "Mixed_7a_Branch_{}_{}"
    b0 = _conv2d_bn(x, 256, 1, name.format(0, "Conv2d_0a_1x1"))
    b0 = _conv2d_bn(b0, 384, 3, name.format(0, "Conv2d_1a_3x3"), strides=2, padding="valid")
    b1 = _conv2d_bn(x, 256, 1, name.format(1, "Conv2d_0a_1x1"))
    b1 = _conv2d_bn(b1, 256, 3, name.format(1, "Conv2d_1a_3x3"), strides=2, padding="valid")
    b2 = _conv2d_bn(x, 256, 1, name.format(2, "Conv2d_0a_1x1"))
    b2 = _conv2d_bn(b2, 256, 3, name.format(2, "Conv2d_0b_3x3"))
    b2 = _conv2d_bn(b2, 256, 3, name.format(2, "Conv2d_1a_3x3"), strides=2, padding="valid")
    pool = keras.layers.MaxPooling2D(3, strides=2, name=name.format(3, "MaxPool_1a_3x3"))(x)
    return keras.layers.Concatenate(axis=3, name="Mixed_7a")([b0, b1, b2, pool])


def InceptionResNetV1(  # noqa: N802 (the port's name)
    input_shape: tuple[int, int, int] = FACENET_INPUT_SHAPE,
    classes: int = 128,
    dropout_keep_prob: float = 0.8,
) -> keras.Model:
    """The course's FaceNet: Inception-ResNet v1 as in ``keras-facenet``, untrained.

    Args:
        input_shape: ``(height, width, 3)``; the course's (160, 160, 3). At least 75×75
            (the three stride-2 reductions need it).
        classes: size of the embedding (the ``Bottleneck`` units), 128 in the course.
        dropout_keep_prob: keep probability of the ``Dropout`` layer (rate = 1 − it).

    Returns:
        A ``keras.Model`` named ``inception_resnet_v1``: (None, 160, 160, 3) →
        (None, 128), not L2-normalised (``img_to_encoding`` divides by the norm).

    Raises:
        ValueError: ``input_shape`` is not RGB or too small.

    Example:
        >>> model = InceptionResNetV1()  # doctest: +SKIP
        >>> model.count_params(), model.output.shape  # doctest: +SKIP
        (22808144, (None, 128))
    """
    if len(input_shape) != 3 or input_shape[2] != 3 or min(input_shape[:2]) < 75:
        raise ValueError(
            "input_shape must be (height, width, 3) with height and width at least 75, e.g. "
            f"the course's (160, 160, 3); got {input_shape!r}."
        )
    inputs = keras.Input(shape=input_shape)
    x = _conv2d_bn(inputs, 32, 3, "Conv2d_1a_3x3", strides=2, padding="valid")
    x = _conv2d_bn(x, 32, 3, "Conv2d_2a_3x3", padding="valid")
    x = _conv2d_bn(x, 64, 3, "Conv2d_2b_3x3")
    x = keras.layers.MaxPooling2D(3, strides=2, name="MaxPool_3a_3x3")(x)
    x = _conv2d_bn(x, 80, 1, "Conv2d_3b_1x1", padding="valid")
    x = _conv2d_bn(x, 192, 3, "Conv2d_4a_3x3", padding="valid")
    x = _conv2d_bn(x, 256, 3, "Conv2d_4b_3x3", strides=2, padding="valid")
    for index in range(1, 6):
        x = _inception_resnet_block(x, "Block35", index, 0.17)
    x = _reduction_a(x)
    for index in range(1, 11):
        x = _inception_resnet_block(x, "Block17", index, 0.1)
    x = _reduction_b(x)
    for index in range(1, 6):
        x = _inception_resnet_block(x, "Block8", index, 0.2)
    x = _inception_resnet_block(x, "Block8", 6, 1.0, activation=None)
    x = keras.layers.GlobalAveragePooling2D(name="AvgPool")(x)
    x = keras.layers.Dropout(1.0 - dropout_keep_prob, name="Dropout")(x)
    x = keras.layers.Dense(classes, use_bias=False, name="Bottleneck")(x)
    x = keras.layers.BatchNormalization(name="Bottleneck_BatchNorm", **_BN)(x)
    return keras.Model(inputs, x, name="inception_resnet_v1")


def facenet_weight_files() -> tuple[WeightFile, ...]:
    """The FaceNet weight files accepted in ``$DLSPEC_WEIGHTS_DIR``, in order of preference.

    The course's ``keras-facenet-h5/model.h5`` (the folder name kept), then the port's
    ``facenet_keras_weights.h5`` and its full-model file ``facenet_keras.h5``. None has a
    download origin: put the file there or pass its path.

    Example:
        >>> [f.name for f in facenet_weight_files()]
        ['keras-facenet-h5/model.h5', 'facenet_keras_weights.h5', 'facenet_keras.h5']
    """
    what = "FaceNet (Inception-ResNet v1, keras-facenet port)"
    return (
        WeightFile("keras-facenet-h5/model.h5", f"{what}: the course's weights"),
        WeightFile("facenet_keras_weights.h5", f"{what}: the port's weights file"),
        WeightFile("facenet_keras.h5", f"{what}: the port's full-model file"),
    )


def resolve_facenet_weights(
    weights: str | os.PathLike | None = "facenet",
) -> ResolvedWeights | None:
    """Find the FaceNet weights (see :mod:`dlspec.weights`); ``None`` warns and returns ``None``.

    Args:
        weights: ``"facenet"`` (search ``$DLSPEC_WEIGHTS_DIR`` and the Keras cache for
            :func:`facenet_weight_files`), a file path, or ``None`` (untrained).

    Raises:
        dlspec.weights.WeightsNotFoundError: nothing found (the message says where to put it).
    """
    path = None if weights in (None, "facenet") else Path(weights).expanduser()
    if path is not None and not path.is_file():
        raise WeightsNotFoundError(
            f"The FaceNet weights file {path} does not exist. Pass the path of the course's "
            "keras-facenet-h5/model.h5 (or the port's facenet_keras_weights.h5), "
            "weights='facenet' to look in $DLSPEC_WEIGHTS_DIR, or weights=None to run the "
            "model untrained."
        )
    return resolve_weights_argument(
        weights,
        facenet_weight_files(),
        what="FaceNet (face encodings are untrained)",
        keyword="facenet",
        download=False,
    )


def _weighted_layer_names(model: keras.Model) -> set[str]:
    return {layer.name for layer in model.layers if layer.weights}


def _h5_layer_names(path: Path) -> set[str] | None:
    """Layer names stored in a legacy (Keras 2) h5 weights or model file, if it is one."""
    import h5py

    try:
        with h5py.File(path, "r") as f:
            group = (
                f["model_weights"] if "layer_names" not in f.attrs and "model_weights" in f else f
            )
            names = group.attrs.get("layer_names")
    except OSError as err:
        raise ValueError(f"Cannot read the weights file {path} as HDF5 ({err}).") from err
    if names is None:
        return None
    return {n.decode() if isinstance(n, bytes) else str(n) for n in names}


def load_facenet_weights(model: keras.Model, path: str | os.PathLike) -> keras.Model:
    """Load FaceNet weights into ``model`` (from :func:`InceptionResNetV1`), by layer name.

    Legacy Keras 2 ``.h5`` files (the course's ``model.h5``, the port's files) load by layer
    name, and every weighted layer of the model must be in the file; Keras 3
    ``.weights.h5`` files load as Keras does.

    Raises:
        ValueError: the file is not HDF5, lacks some of the model's layers (named), or a
            layer's weights have other shapes.
    """
    path = Path(path)
    if path.name.endswith(".weights.h5"):
        model.load_weights(path)
        return model
    stored = _h5_layer_names(path)
    if stored is None:
        raise ValueError(
            f"{path} holds no Keras layer weights (no 'layer_names' attribute): expected the "
            "course's keras-facenet-h5/model.h5 or the port's facenet_keras_weights.h5."
        )
    missing = sorted(_weighted_layer_names(model) - stored)
    if missing:
        raise ValueError(
            f"{path} lacks {len(missing)} of FaceNet's layers (e.g. {missing[:3]}): it is not "
            "a weights file of the keras-facenet Inception-ResNet v1."
        )
    model.load_weights(path, by_name=True)
    return model


def facenet_model(
    weights: str | os.PathLike | None = "facenet",
) -> tuple[keras.Model, ResolvedWeights | None]:
    """The course's FaceNet with its weights when available: ``(model, weights found)``.

    Args:
        weights: ``"facenet"`` to search ``$DLSPEC_WEIGHTS_DIR`` and the Keras cache, a
            file path, or ``None`` for an untrained model (warns
            :class:`~dlspec.weights.UntrainedBackboneWarning`).

    Raises:
        dlspec.weights.WeightsNotFoundError: ``"facenet"`` found nothing, or the path does
            not exist.

    Example:
        >>> model, found = facenet_model(weights=None)  # doctest: +SKIP
        >>> found is None  # doctest: +SKIP
        True
    """
    resolved = resolve_facenet_weights(weights)
    model = InceptionResNetV1()
    if resolved is not None:
        load_facenet_weights(model, resolved.path)
    return model, resolved
