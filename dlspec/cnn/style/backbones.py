"""Feature extractors for neural style transfer: VGG-19 (the course's), MobileNetV2, any Keras CNN.

A :class:`StyleBackbone` is a Keras model returning the activations of the style layers and,
last, of the content layer (the course's ``get_layer_outputs``), with the layer weights of
the style cost and the preprocessing that maps images in [0, 1] to the network's input.

- :func:`vgg19_backbone`: the course's VGG-19 (``include_top=False``), STYLE_LAYERS
  ``block1_conv1`` … ``block5_conv1`` (0.2 each) and content layer ``block5_conv4``. Its
  ImageNet weights are resolved as docs/design.md says (:mod:`dlspec.weights`: a path,
  ``$DLSPEC_WEIGHTS_DIR``, Keras' cache, a Keras download). Like the course, it feeds the
  [0, 1] images to VGG-19 without ``vgg19.preprocess_input``.
- :func:`mobilenet_v2_backbone`: MobileNetV2 (alpha 1.0, any input size from 32), with the
  offline ``mobilenet_v2_1.00_160_notop_dogs.weights.h5`` (real pretrained features) when
  the ImageNet file is absent. The lab uses it when VGG-19's weights cannot be found, and
  says so.
- :func:`backbone_from_model`: any Keras model and any layers.

:func:`lab_backbone` picks the lab's: VGG-19 when its weights are found, else MobileNetV2.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from dlspec.validation import check_int
from dlspec.weights import (
    ResolvedWeights,
    WeightFile,
    WeightsNotFoundError,
    mobilenet_v2_weight_files,
    resolve_weights_argument,
)

__all__ = [
    "MOBILENET_V2_CONTENT_LAYER",
    "MOBILENET_V2_STYLE_LAYERS",
    "STYLE_LAYERS",
    "CONTENT_LAYER",
    "VGG19_NOTOP",
    "StyleBackbone",
    "backbone_from_model",
    "get_layer_outputs",
    "is_mobilenet_v2_file",
    "lab_backbone",
    "mobilenet_v2_backbone",
    "vgg19_backbone",
    "vgg19_weight_files",
]

#: the course's style layers of VGG-19 and their weights
STYLE_LAYERS = (
    ("block1_conv1", 0.2),
    ("block2_conv1", 0.2),
    ("block3_conv1", 0.2),
    ("block4_conv1", 0.2),
    ("block5_conv1", 0.2),
)
#: the course's content layer of VGG-19
CONTENT_LAYER = "block5_conv4"

#: MobileNetV2 layers playing the same roles: an early activation at each of the strides
#: 2, 4, 8 and 16 (as VGG-19's blockN_conv1), the content a deep one at stride 16 (as
#: block5_conv4)
MOBILENET_V2_STYLE_LAYERS = (
    ("Conv1_relu", 0.25),
    ("block_2_expand_relu", 0.25),
    ("block_4_expand_relu", 0.25),
    ("block_7_expand_relu", 0.25),
)
MOBILENET_V2_CONTENT_LAYER = "block_13_expand_relu"

VGG19_NOTOP = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
_VGG19_ORIGIN = "https://storage.googleapis.com/tensorflow/keras-applications/vgg19/"
MIN_IMAGE_SIZE = 32


@dataclass(frozen=True)
class StyleBackbone:
    """A layer-output model for style transfer and how to use it.

    Attributes:
        model: maps a (1, height, width, 3) network input to the list of activations
            ``[style layer 1, ..., style layer L, content layer]``.
        style_layers: ``((layer name, weight), ...)`` in the model's output order.
        content_layer: name of the last output's layer.
        preprocess: maps images in [0, 1] to the network's input.
        name: what the backbone is, shown to the user.
        weights: the weight file used, or ``None`` (untrained, or weights already loaded).
    """

    model: keras.Model
    style_layers: tuple[tuple[str, float], ...]
    content_layer: str
    preprocess: Callable[[tf.Tensor], tf.Tensor]
    name: str
    weights: ResolvedWeights | None = None

    @property
    def exact(self) -> bool:
        """Whether this is the course's network with the course's weights."""
        return self.name.startswith("VGG-19") and self.weights is not None and self.weights.exact

    def describe(self) -> str:
        """One line for the user: network, weights, layers."""
        weights = "untrained (random weights)" if self.weights is None else str(self.weights)
        layers = ", ".join(f"{name} ({w:g})" for name, w in self.style_layers)
        return (
            f"{self.name}; weights: {weights}; style layers: {layers}; "
            f"content layer: {self.content_layer}"
        )


def get_layer_outputs(vgg: keras.Model, layer_names: Sequence) -> keras.Model:
    """The course's ``get_layer_outputs``: a model returning the named layers' activations.

    Args:
        vgg: the backbone.
        layer_names: layer names, or ``(name, weight)`` pairs as in ``STYLE_LAYERS``.

    Returns:
        ``keras.Model(vgg.input, [vgg.get_layer(name).output for name in names])``.

    Raises:
        ValueError: a name is not a layer of ``vgg`` (the message lists some that are).

    Example:
        >>> vgg = keras.applications.VGG19(include_top=False, weights=None,
        ...                                input_shape=(32, 32, 3))
        >>> model = get_layer_outputs(vgg, [("block1_conv1", 1.0), "block5_conv4"])
        >>> [tuple(t.shape) for t in model(tf.zeros((1, 32, 32, 3)))]
        [(1, 32, 32, 64), (1, 2, 2, 512)]
    """
    names = [item[0] if isinstance(item, tuple | list) else item for item in layer_names]
    known = {layer.name for layer in vgg.layers}
    for name in names:
        if name not in known:
            candidates = [layer.name for layer in vgg.layers if "conv" in layer.name.lower()]
            candidates = candidates or [layer.name for layer in vgg.layers]
            raise ValueError(
                f"layer {name!r} is not a layer of {vgg.name}; its layers include "
                f"{candidates[:12]}{' ...' if len(candidates) > 12 else ''}. Pass names of "
                "vgg.layers."
            )
    inputs = vgg.inputs[0] if len(vgg.inputs) == 1 else vgg.inputs
    return keras.Model(inputs, [vgg.get_layer(name).output for name in names])


def _identity(images: tf.Tensor) -> tf.Tensor:
    return images


def _minus_one_one(images: tf.Tensor) -> tf.Tensor:
    return images * 2.0 - 1.0


def backbone_from_model(
    model: keras.Model,
    style_layers: Sequence[tuple[str, float]],
    content_layer: str,
    *,
    preprocess: Callable[[tf.Tensor], tf.Tensor] | None = None,
    name: str | None = None,
    weights: ResolvedWeights | None = None,
) -> StyleBackbone:
    """Make any Keras CNN a style-transfer backbone (frozen, with the given layers).

    Args:
        model: a Keras model taking (1, height, width, 3) images.
        style_layers: ``((layer name, weight), ...)``; weights are positive numbers.
        content_layer: the content layer's name.
        preprocess: maps images in [0, 1] to the model's input (default: unchanged).
        name: shown to the user (default: the model's name).
        weights: the weight file the model was loaded from, if any.

    Raises:
        ValueError: no style layer, a weight that is not a positive number, or an unknown
            layer name.

    Example:
        >>> cnn = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Conv2D(4, 3, name="c1"),
        ...                         keras.layers.Conv2D(8, 3, name="c2")])
        >>> backbone = backbone_from_model(cnn, [("c1", 1.0)], "c2")
        >>> [tuple(t.shape) for t in backbone.model(tf.zeros((1, 32, 32, 3)))]
        [(1, 30, 30, 4), (1, 28, 28, 8)]
    """
    style_layers = tuple(style_layers)
    if not style_layers:
        raise ValueError("style_layers must name at least one (layer name, weight) pair.")
    for item in style_layers:
        ok = isinstance(item, tuple | list) and len(item) == 2 and isinstance(item[0], str)
        if not ok or isinstance(item[1], bool) or not isinstance(item[1], int | float):
            raise ValueError(
                f"style_layers must be (layer name, weight) pairs, e.g. ('block1_conv1', 0.2); "
                f"got {item!r}."
            )
        if not item[1] > 0:
            raise ValueError(f"style layer weights must be positive; got {item!r}.")
    pairs = tuple((str(n), float(w)) for n, w in style_layers)
    outputs = get_layer_outputs(model, [*pairs, content_layer])
    outputs.trainable = False
    return StyleBackbone(
        outputs,
        pairs,
        content_layer,
        preprocess or _identity,
        name or model.name,
        weights,
    )


def _check_size(img_size) -> tuple[int, int]:
    try:
        size = (img_size, img_size) if np.ndim(img_size) == 0 else tuple(img_size)
        height, width = (check_int(s, "img_size", minimum=MIN_IMAGE_SIZE) for s in size)
    except (TypeError, ValueError):
        raise ValueError(
            f"img_size must be an integer or (height, width) of at least {MIN_IMAGE_SIZE} "
            f"(the deepest layers downsample 16 times); got {img_size!r}. The course uses 400."
        ) from None
    return height, width


def vgg19_weight_files() -> tuple[WeightFile, ...]:
    """The accepted VGG-19 file: Keras' no-top ImageNet weights (the course's, ~80 MB).

    Example:
        >>> vgg19_weight_files()[0].name
        'vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5'
    """
    return (
        WeightFile(
            VGG19_NOTOP,
            "ImageNet VGG-19, no top: the course's weights",
            _VGG19_ORIGIN + VGG19_NOTOP,
        ),
    )


def vgg19_backbone(
    img_size=400,
    weights: str | os.PathLike | None = "imagenet",
    *,
    style_layers: Sequence[tuple[str, float]] = STYLE_LAYERS,
    content_layer: str = CONTENT_LAYER,
    download: bool = True,
) -> StyleBackbone:
    """The course's VGG-19 feature extractor: ``VGG19(include_top=False)``, frozen.

    Args:
        img_size: the generated image's size, an int (square, the course's 400) or
            ``(height, width)``.
        weights: ``"imagenet"`` (resolved as in :mod:`dlspec.weights`), a file path, or
            ``None`` for random weights (warns with ``UntrainedBackboneWarning``).
        style_layers, content_layer: default to the course's.
        download: allow the Keras download when the file is nowhere on disk.

    Raises:
        dlspec.weights.WeightsNotFoundError: no weights file (the message says where to put
            ``vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5``).

    Example:
        >>> backbone = vgg19_backbone(400)  # doctest: +SKIP
    """
    height, width = _check_size(img_size)
    resolved = resolve_weights_argument(
        weights, vgg19_weight_files(), what="VGG-19", download=download
    )
    vgg = keras.applications.VGG19(
        include_top=False,
        input_shape=(height, width, 3),
        weights=None if resolved is None else str(resolved.path),
    )
    vgg.trainable = False
    return backbone_from_model(
        vgg, style_layers, content_layer, name="VGG-19 (include_top=False)", weights=resolved
    )


def mobilenet_v2_backbone(
    img_size=160,
    weights: str | os.PathLike | None = "imagenet",
    *,
    style_layers: Sequence[tuple[str, float]] = MOBILENET_V2_STYLE_LAYERS,
    content_layer: str = MOBILENET_V2_CONTENT_LAYER,
    download: bool = True,
) -> StyleBackbone:
    """MobileNetV2 (alpha 1.0, no top) as a style-transfer backbone, images scaled to [-1, 1].

    Its convolutions do not depend on the input size, so the 160×160 weight files load at
    any ``img_size``. ``"imagenet"`` finds the ImageNet file, else the offline
    ``mobilenet_v2_1.00_160_notop_dogs.weights.h5`` (ImageNet fine-tuned on dog breeds:
    real pretrained features, not ImageNet's exact weights).

    Args: as :func:`vgg19_backbone`.

    Example:
        >>> backbone = mobilenet_v2_backbone(64)  # doctest: +SKIP
        >>> len(backbone.model.outputs)  # doctest: +SKIP
        5
    """
    height, width = _check_size(img_size)
    files = mobilenet_v2_weight_files(rows=160, include_top=False)
    resolved = resolve_weights_argument(weights, files, what="MobileNetV2", download=download)
    base = keras.applications.MobileNetV2(
        input_shape=(height, width, 3),
        include_top=False,
        weights=None if resolved is None else str(resolved.path),
    )
    base.trainable = False
    return backbone_from_model(
        base,
        style_layers,
        content_layer,
        preprocess=_minus_one_one,
        name="MobileNetV2 (alpha 1.0, include_top=False)",
        weights=resolved,
    )


def is_mobilenet_v2_file(path: str | os.PathLike) -> bool:
    """Whether a weights file's name says it holds MobileNetV2 weights (``mobilenet_v2...``).

    Example:
        >>> is_mobilenet_v2_file("w/mobilenet_v2_1.00_160_notop_dogs.weights.h5")
        True
    """
    return Path(path).name.lower().startswith("mobilenet_v2")


def lab_backbone(
    img_size, weights: str | os.PathLike | None = None
) -> tuple[StyleBackbone, list[str]]:
    """The lab's backbone: VGG-19 with ImageNet weights, else the offline MobileNetV2.

    Args:
        img_size: the generated image's size.
        weights: ``None`` (find VGG-19's ImageNet file; if it is nowhere, MobileNetV2's
            ImageNet or offline file), or a file: a ``mobilenet_v2*`` file builds MobileNetV2,
            any other VGG-19.

    Returns:
        ``(backbone, notes for the user saying what was used)``.

    Raises:
        dlspec.weights.WeightsNotFoundError: neither network's weights were found.
    """
    if weights is not None:
        build = mobilenet_v2_backbone if is_mobilenet_v2_file(weights) else vgg19_backbone
        backbone = build(img_size, weights)
        return backbone, [f"Backbone: {backbone.describe()}."]
    try:
        backbone = vgg19_backbone(img_size)
        return backbone, [f"Backbone: {backbone.describe()} (the course's network and weights)."]
    except WeightsNotFoundError as vgg_error:
        try:
            backbone = mobilenet_v2_backbone(img_size)
        except WeightsNotFoundError as mobilenet_error:
            raise WeightsNotFoundError(f"{vgg_error} Fallback: {mobilenet_error}") from None
    return backbone, [
        "VGG-19 ImageNet weights (vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5) were not "
        "found, so this run does NOT use the course's network: it uses "
        f"{backbone.describe()}. Pass --weights PATH to the VGG-19 file (or put it in "
        "$DLSPEC_WEIGHTS_DIR) for the course's run. Costs and images differ from the course's.",
    ]
