"""C4W3 lecture "Convolutional implementation of sliding windows": FC → conv.

A classifier of ``window``×``window`` crops whose head is Flatten → Dense → ... becomes fully
convolutional when the first Dense layer turns into a convolution with a kernel as large as the
feature map it flattened (its kernel reshaped to (h, w, c, units)) and every later Dense layer
into a 1×1 convolution. On a larger image, one pass of the converted network then gives the
scores of every window at a stride equal to the network's total stride, sharing the work the
windows have in common: :func:`convolutional_sliding_windows` vs :func:`crop_and_classify`.

The equivalence is exact only when every layer sees the same pixels inside a crop and inside
the big image, i.e. with "valid" padding everywhere ("same" padding pads a crop with zeros where
the big image has neighbouring pixels). :func:`window_classifier` is such a classifier for the
SIGNS photos; the course's ``convolutional_model`` uses "same" padding and does not qualify.
:func:`signs_mosaic` tiles photos into a larger image to slide the windows over.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np

from dlspec.cnn.lectures.receptive_field import receptive_fields
from dlspec.data.signs import signs_tf_dataset
from dlspec.training import Trainer
from dlspec.validation import check_positive

__all__ = [
    "convolutional_sliding_windows",
    "crop_and_classify",
    "dense_head_to_conv",
    "signs_mosaic",
    "train_window_classifier",
    "window_classifier",
    "window_grid",
]


def window_classifier(input_shape: Sequence[int] = (64, 64, 3), n_classes: int = 6) -> keras.Model:
    """A small "valid"-padding CNN for ``input_shape`` crops, ready for :func:`dense_head_to_conv`.

    CONV 5×5 (16) → RELU → MAXPOOL 2 → CONV 3×3 (32) → RELU → MAXPOOL 2 → CONV 3×3 (32) → RELU
    → MAXPOOL 2 → FLATTEN → DENSE 64 RELU → DENSE ``n_classes`` softmax. Total stride 8; on 64×64
    crops the last feature map is 6×6×32. Not compiled.

    Example:
        >>> model = window_classifier()
        >>> model.output_shape, model.count_params()
        ((None, 6), 89286)
    """
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input(tuple(input_shape)),
            layers.Conv2D(16, 5, activation="relu", name="conv1"),
            layers.MaxPooling2D(2, name="pool1"),
            layers.Conv2D(32, 3, activation="relu", name="conv2"),
            layers.MaxPooling2D(2, name="pool2"),
            layers.Conv2D(32, 3, activation="relu", name="conv3"),
            layers.MaxPooling2D(2, name="pool3"),
            layers.Flatten(name="flatten"),
            layers.Dense(64, activation="relu", name="fc1"),
            layers.Dense(n_classes, activation="softmax", name="fc2"),
        ],
        name="window_classifier",
    )


def _chain(model: keras.Model) -> list[keras.layers.Layer]:
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    for before, layer in zip(layers, layers[1:]):
        if layer.input is not before.output:
            raise ValueError(
                f"dense_head_to_conv needs a chain of layers (each feeding the next); "
                f"{layer.name!r} does not take {before.name!r}'s output."
            )
    return layers


def dense_head_to_conv(model: keras.Model) -> keras.Model:
    """The fully convolutional twin of ``model``: Flatten + Dense → Conv2D, Dense → 1×1 Conv2D.

    The first Dense layer after ``Flatten`` of an (h, w, c) map becomes ``Conv2D(units, (h, w))``
    with the Dense kernel reshaped to (h, w, c, units) (Flatten's order is row, column, channel);
    each later Dense layer becomes a 1×1 convolution with its kernel reshaped to (1, 1, in,
    units). Other layers are copied with their weights. The result takes images of any size
    ≥ the original's (input (None, None, channels)).

    Args:
        model: a chain of layers (Sequential or a functional chain) ending in Flatten → Dense...

    Returns:
        A ``keras.Sequential`` whose output at position (i, j) is ``model``'s output on the
        window at (i·stride, j·stride).

    Raises:
        ValueError: not a chain, no Flatten → Dense head, or layers after the head that are
            not Dense / Dropout / Activation.

    Example:
        >>> conv = dense_head_to_conv(window_classifier())
        >>> conv(np.zeros((1, 80, 72, 3), "float32")).shape
        TensorShape([1, 3, 2, 6])
    """
    layers = _chain(model)
    names = [type(layer).__name__ for layer in layers]
    if "Flatten" not in names:
        raise ValueError(f"model {model.name!r} has no Flatten layer to start its dense head.")
    head_at = names.index("Flatten")
    head = layers[head_at + 1 :]
    if (
        not head
        or not isinstance(head[0], keras.layers.Dense)
        or not all(
            isinstance(layer, keras.layers.Dense | keras.layers.Dropout | keras.layers.Activation)
            for layer in head
        )
    ):
        raise ValueError(
            "dense_head_to_conv needs Flatten followed by Dense layers (Dropout / Activation "
            f"allowed between them); got {' → '.join(names[head_at:])}."
        )
    feature_map = tuple(layers[head_at].input.shape[1:])
    converted: list[keras.layers.Layer] = [
        keras.Input((None, None, model.input_shape[-1]), name="image")
    ]
    for layer in layers[:head_at]:
        converted.append(layer.__class__.from_config(layer.get_config()))
    kernels = []
    for index, layer in enumerate(head):
        if not isinstance(layer, keras.layers.Dense):
            converted.append(layer.__class__.from_config(layer.get_config()))
            continue
        size = feature_map[:2] if index == 0 else (1, 1)
        converted.append(
            keras.layers.Conv2D(
                layer.units,
                size,
                activation=layer.activation,
                use_bias=layer.use_bias,
                name=f"{layer.name}_as_conv",
            )
        )
        kernel, *bias = layer.get_weights()
        in_channels = feature_map[2] if index == 0 else kernel.shape[0]
        kernels.append([kernel.reshape(*size, in_channels, layer.units), *bias])
    conv_model = keras.Sequential(converted, name=f"{model.name}_fully_convolutional")
    for source, target in zip(layers[:head_at], conv_model.layers[:head_at]):
        target.set_weights(source.get_weights())
    dense_targets = [
        layer for layer in conv_model.layers[head_at:] if isinstance(layer, keras.layers.Conv2D)
    ]
    for weights, target in zip(kernels, dense_targets):
        target.set_weights(weights)
    return conv_model


def window_grid(model: keras.Model) -> tuple[int, int]:
    """``(window, stride)`` of ``model``: its input size and total stride (receptive-field jump).

    Example:
        >>> window_grid(window_classifier())
        (64, 8)
    """
    height, width = model.input_shape[1:3]
    if height != width:
        raise ValueError(f"square windows only; the model takes {height}×{width} inputs.")
    last = list(receptive_fields(model).values())[-1]
    return int(height), int(last.jump[0])


def _check_image(image) -> np.ndarray:
    image = np.asarray(image, dtype="float32")
    if image.ndim != 3:
        raise ValueError(f"image must be (height, width, channels); got shape {image.shape}.")
    return image


def crop_and_classify(
    model: keras.Model, image, *, window: int, stride: int, batch_size: int = 256
) -> np.ndarray:
    """Scores of every ``window``×``window`` crop of ``image`` at ``stride``, one crop at a time.

    The baseline of the lecture: crop every window, then run the classifier on the crops (in
    batches of ``batch_size``).

    Returns:
        (rows, cols, n_classes), rows = (height − window) // stride + 1, likewise cols.

    Example:
        >>> scores = crop_and_classify(window_classifier(), np.zeros((80, 72, 3)),
        ...                            window=64, stride=8)
        >>> scores.shape
        (3, 2, 6)
    """
    image = _check_image(image)
    if min(image.shape[:2]) < window:
        raise ValueError(f"image {image.shape[:2]} is smaller than the window {window}.")
    view = np.lib.stride_tricks.sliding_window_view(image, (window, window), axis=(0, 1))
    view = view[::stride, ::stride]  # (rows, cols, channels, window, window)
    rows, cols = view.shape[:2]
    crops = np.ascontiguousarray(view.transpose(0, 1, 3, 4, 2)).reshape(
        -1, window, window, image.shape[2]
    )
    scores = np.concatenate(
        [
            keras.ops.convert_to_numpy(model(crops[i : i + batch_size], training=False))
            for i in range(0, len(crops), batch_size)
        ]
    )
    return scores.reshape(rows, cols, -1)


def convolutional_sliding_windows(conv_model: keras.Model, image) -> np.ndarray:
    """Scores of every window of ``image`` from one pass of a :func:`dense_head_to_conv` model.

    Returns:
        (rows, cols, n_classes), the same grid as :func:`crop_and_classify`.

    Example:
        >>> conv = dense_head_to_conv(window_classifier())
        >>> convolutional_sliding_windows(conv, np.zeros((80, 72, 3))).shape
        (3, 2, 6)
    """
    image = _check_image(image)
    return keras.ops.convert_to_numpy(conv_model(image[None], training=False))[0]


def train_window_classifier(
    *, epochs: int = 10, batch_size: int = 32, seed: int = 0
) -> tuple[keras.Model, dict[str, list[float]]]:
    """Train :func:`window_classifier` on the SIGNS photos with :class:`dlspec.training.Trainer`.

    Adam (0.001), sparse categorical cross-entropy, the 1080 training photos in seeded
    shuffled batches; the 120 test photos are evaluated after each epoch (``val_*``).

    Returns:
        ``(trained model, history dict)``.

    Example:
        >>> model, history = train_window_classifier(epochs=8)  # doctest: +SKIP
        >>> history["val_accuracy"][-1] > 0.8  # doctest: +SKIP
        True
    """
    check_positive(epochs, "epochs", integer=True)
    keras.utils.set_random_seed(seed)
    trainer = Trainer(
        window_classifier,
        optimizer=lambda: keras.optimizers.Adam(learning_rate=0.001),
        loss="sparse_categorical_crossentropy",
        metrics=("accuracy",),
        verbose=0,
    )
    train = signs_tf_dataset("train", batch_size=batch_size, seed=seed)
    test = signs_tf_dataset("test", batch_size=batch_size, shuffle=False)
    history = trainer.fit(train, epochs=epochs, validation_data=test)
    return trainer.model, history


def signs_mosaic(images: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Tile ``rows × cols`` photos (n, h, w, c) into one image, row by row: a larger image
    whose windows can be classified (photo i sits at row ``i // cols``, column ``i % cols``).

    Example:
        >>> signs_mosaic(np.zeros((6, 64, 64, 3)), 2, 3).shape
        (128, 192, 3)
    """
    if len(images) < rows * cols:
        raise ValueError(
            f"need {rows * cols} images for a {rows}×{cols} mosaic; got {len(images)}."
        )
    height, width, channels = images.shape[1:]
    tiles = np.asarray(images[: rows * cols]).reshape(rows, cols, height, width, channels)
    return tiles.transpose(0, 2, 1, 3, 4).reshape(rows * height, cols * width, channels)
