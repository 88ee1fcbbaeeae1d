"""C4W4 lecture "What are deep ConvNets learning?": the input patches that excite a unit most.

Zeiler & Fergus (2013) pick a unit (a channel of a layer), run many images through the network
and show the image patches where that channel's activation is largest. A channel of a layer is
the same detector slid over the image, so each image contributes its strongest position; the
patch shown is that position's receptive field (:mod:`dlspec.cnn.lectures.receptive_field`,
computed from the layers, clipped to the image when it runs past the border, as it does for
deep layers). Early layers respond to edges and colours in small patches, deeper ones to textures
and object parts in large ones.

Beside the patches: the feature maps of one image (:func:`feature_maps`) and the first layer's
filters as RGB images (:func:`first_layer_filters`). Plots: :mod:`dlspec.viz.activations`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import keras
import numpy as np

from dlspec.cnn.lectures.cost_calculator import layer_calls
from dlspec.cnn.lectures.receptive_field import receptive_fields

__all__ = ["Patch", "feature_maps", "first_layer_filters", "top_activating_patches"]


@dataclass(frozen=True)
class Patch:
    """One image patch that strongly activates a channel.

    Attributes:
        image_index: index of the image in the data set searched.
        position: ``(row, col)`` of the unit in the feature map.
        activation: the channel's value there.
        box: ``(top, left, bottom, right)`` of the receptive field, clipped to the image.
        pixels: the image inside ``box`` (from the display images).
    """

    image_index: int
    position: tuple[int, int]
    activation: float
    box: tuple[int, int, int, int]
    pixels: np.ndarray


def _check_images(images, name: str = "images") -> np.ndarray:
    images = np.asarray(images)
    if images.ndim != 4 or len(images) == 0:
        raise ValueError(
            f"{name} must be a batch (n, height, width, channels); got {images.shape}."
        )
    return images


def _layer_model(model: keras.Model, layer_names: Sequence[str]) -> keras.Model:
    missing = [name for name in layer_names if name not in {layer.name for layer in model.layers}]
    if missing:
        raise ValueError(
            f"model {model.name!r} has no layer {missing[0]!r} (a layer of a nested model? pass "
            "that nested model itself)."
        )
    outputs = [model.get_layer(name).output for name in layer_names]
    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    return keras.Model(inputs, outputs[0] if len(outputs) == 1 else outputs)


def feature_maps(model: keras.Model, layer_names: Sequence[str], image) -> dict[str, np.ndarray]:
    """The outputs of ``layer_names`` for one ``image`` (as the model takes it).

    Returns:
        ``{layer name: (height, width, channels) array}``.

    Example:
        >>> from dlspec.cnn.lectures.sliding_windows import window_classifier
        >>> maps = feature_maps(window_classifier(), ["conv1", "pool3"], np.zeros((64, 64, 3)))
        >>> {name: m.shape for name, m in maps.items()}
        {'conv1': (60, 60, 16), 'pool3': (6, 6, 32)}
    """
    image = np.asarray(image, dtype="float32")
    if image.ndim != 3:
        raise ValueError(f"image must be (height, width, channels); got shape {image.shape}.")
    outputs = _layer_model(model, layer_names)(image[None], training=False)
    outputs = outputs if isinstance(outputs, list | tuple) else [outputs]
    return {name: keras.ops.convert_to_numpy(o)[0] for name, o in zip(layer_names, outputs)}


def top_activating_patches(
    model: keras.Model,
    layer_name: str,
    images,
    channels: Sequence[int],
    *,
    k: int = 9,
    display_images=None,
    batch_size: int = 32,
) -> dict[int, list[Patch]]:
    """The ``k`` image patches that activate each channel of ``layer_name`` most.

    Every image's strongest position for the channel is found; the ``k`` images with the
    largest such activations give the patches (so the patches come from ``k`` different
    images), cut out at the unit's receptive field (clipped to the image).

    Args:
        model: a Functional or Sequential model with a fixed input size.
        layer_name: a layer of ``model`` with a (height, width, channels) output.
        images: (n, height, width, channels), as the model takes them (preprocessed).
        channels: the channels to look at.
        k: patches per channel (9 in Zeiler & Fergus' grids).
        display_images: the same images as they should be shown (e.g. uint8 pixels before
            preprocessing); defaults to ``images``.
        batch_size: images per forward pass.

    Returns:
        ``{channel: [Patch, ...]}``, strongest first.

    Raises:
        ValueError: bad shapes, unknown layer, channel out of range, or k > number of images.

    Example:
        >>> from dlspec.cnn.lectures.sliding_windows import window_classifier
        >>> images = np.random.default_rng(0).random((12, 64, 64, 3), dtype="float32")
        >>> patches = top_activating_patches(window_classifier(), "conv2", images, [0, 5], k=4)
        >>> [p.pixels.shape for p in patches[5]]
        [(10, 10, 3), (10, 10, 3), (10, 10, 3), (10, 10, 3)]
    """
    images = _check_images(images)
    shown = images if display_images is None else _check_images(display_images, "display_images")
    if shown.shape[:3] != images.shape[:3]:
        raise ValueError(
            f"display_images {shown.shape} must show the same images as images {images.shape}."
        )
    if not 1 <= k <= len(images):
        raise ValueError(f"k must be between 1 and the number of images ({len(images)}); got {k}.")
    sub_model = _layer_model(model, [layer_name])
    n_channels = sub_model.output_shape[-1]
    channels = [int(c) for c in channels]
    if any(not 0 <= c < n_channels for c in channels):
        raise ValueError(
            f"channels must be in 0..{n_channels - 1} for {layer_name!r}; got {channels}."
        )
    best_value, best_at = [], []
    for start in range(0, len(images), batch_size):
        batch = images[start : start + batch_size].astype("float32")
        maps = keras.ops.convert_to_numpy(sub_model(batch, training=False))[..., channels]
        flat = maps.reshape(len(batch), -1, len(channels))  # (n, positions, channels)
        best_at.append(flat.argmax(axis=1))
        best_value.append(flat.max(axis=1))
    values, positions = np.concatenate(best_value), np.concatenate(best_at)
    map_width = sub_model.output_shape[2]
    field = receptive_fields(model)[layer_name]
    result: dict[int, list[Patch]] = {}
    for column, channel in enumerate(channels):
        order = np.argsort(-values[:, column], kind="stable")[:k]
        patches = []
        for index in order:
            row, col = divmod(int(positions[index, column]), map_width)
            box = field.box(row, col, image_shape=images.shape[1:3])
            top, left, bottom, right = box
            patches.append(
                Patch(
                    int(index),
                    (row, col),
                    float(values[index, column]),
                    box,
                    shown[index, top:bottom, left:right],
                )
            )
        result[channel] = patches
    return result


def first_layer_filters(model: keras.Model) -> np.ndarray:
    """The kernels of the model's first convolution, each scaled to [0, 1] to be shown.

    Returns:
        (n_filters, f, f, input channels), each filter min-max scaled on its own.

    Example:
        >>> from dlspec.cnn.lectures.sliding_windows import window_classifier
        >>> first_layer_filters(window_classifier()).shape
        (16, 5, 5, 3)
    """
    for call in layer_calls(model):
        if isinstance(call.layer, keras.layers.Conv2D):
            kernel = call.layer.get_weights()[0]
            filters = np.moveaxis(kernel, -1, 0)
            low = filters.min(axis=(1, 2, 3), keepdims=True)
            high = filters.max(axis=(1, 2, 3), keepdims=True)
            return (filters - low) / np.maximum(high - low, 1e-12)
    raise ValueError(f"model {model.name!r} has no Conv2D layer.")
