"""C4W4A2 "Art generation with neural style transfer": the course's costs and training step.

The lab's functions with the course's names and formulas: :func:`compute_content_cost`,
:func:`gram_matrix`, :func:`compute_layer_style_cost`, :func:`compute_style_cost` (the
course's ``STYLE_LAYERS``), :func:`total_cost` (alpha 10, beta 40, a ``tf.function``),
:func:`clip_0_1`, :func:`tensor_to_image`, :func:`make_train_step` (the course's
``train_step``) and ``get_layer_outputs`` (from :mod:`dlspec.cnn.style.backbones`). They work
on symbolic tensors inside ``tf.function``.

The optimisation that uses them lives in :mod:`dlspec.cnn.style.transfer`
(:func:`~dlspec.cnn.style.transfer.style_transfer`: the content and style targets computed
once, a resumable loop saving images and checkpoints); the backbones (the course's VGG-19,
the offline MobileNetV2, any Keras CNN) in :mod:`dlspec.cnn.style.backbones`; the lab's run
in :mod:`dlspec.cnn.runs.neural_style_transfer`.

Images: files are decoded with TensorFlow (JPEG, PNG, GIF, BMP). Grayscale images become RGB
(the gray level copied to the three channels); images with an alpha channel (RGBA, gray +
alpha) are composited onto a white background; then each image is resized to the generated
image's size (bilinear, antialiased), as the course resizes both to 400×400.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import keras
import numpy as np
import PIL.Image
import tensorflow as tf

from dlspec.cnn.style.backbones import CONTENT_LAYER, STYLE_LAYERS, get_layer_outputs
from dlspec.data.paths import CorruptDataError
from dlspec.validation import check_int

__all__ = [
    "ALPHA",
    "BETA",
    "CONTENT_FILE",
    "CONTENT_LAYER",
    "EPOCHS",
    "IMG_SIZE",
    "LEARNING_RATE",
    "SAVE_EVERY",
    "SEED",
    "STYLE_FILE",
    "STYLE_LAYERS",
    "clip_0_1",
    "compute_content_cost",
    "compute_layer_style_cost",
    "compute_style_cost",
    "generated_image_init",
    "get_layer_outputs",
    "gram_matrix",
    "image_size",
    "image_to_uint8",
    "load_image",
    "make_train_step",
    "tensor_to_image",
    "to_image_batch",
    "total_cost",
]

#: the course's image size, cost weights, learning rate, epochs and save interval
IMG_SIZE = 400
ALPHA = 10.0
BETA = 40.0
LEARNING_RATE = 0.01
EPOCHS = 2501
SAVE_EVERY = 250
SEED = 272
#: the course's content and style images, inside the data folder
CONTENT_FILE = "course4/style/images/louvre_small.jpg"
STYLE_FILE = "course4/style/images/monet.jpg"


def _activation(a, name: str, what: str) -> tf.Tensor:
    """``a`` as a floating tensor of rank 4, (1, n_H, n_W, n_C), or a message naming that shape."""
    a = tf.convert_to_tensor(a)
    if not a.dtype.is_floating:
        a = tf.cast(a, tf.float32)
    if a.shape.rank is not None and a.shape.rank != 4:
        raise ValueError(
            f"{what}: {name} must be a layer's activation of shape (1, n_H, n_W, n_C); got shape "
            f"{a.shape.as_list()}."
        )
    return a


def _last_output(outputs, name: str) -> tf.Tensor:
    """The content activation: ``outputs[-1]`` of the layer model's outputs (a list or a 5-D
    tensor, the current edition), or ``outputs`` itself when it is that activation (v3a)."""
    if not isinstance(outputs, list | tuple):
        outputs = tf.convert_to_tensor(outputs)
        if outputs.shape.rank == 4:  # edition v3a: compute_content_cost(a_C, a_G)
            return _activation(outputs, name, "compute_content_cost")
    if len(outputs) == 0:
        raise ValueError(f"compute_content_cost: {name} is empty; pass the layer model's outputs.")
    return _activation(outputs[-1], f"{name}[-1]", "compute_content_cost")


def _same_dtype(a: tf.Tensor, b: tf.Tensor) -> tf.Tensor:
    """``a`` cast to the dtype of ``b`` (float64 activations next to float32 ones)."""
    return a if a.dtype == b.dtype else tf.cast(a, b.dtype)


def _static_shapes_match(a: tf.Tensor, b: tf.Tensor, what: str) -> None:
    if a.shape.is_fully_defined() and b.shape.is_fully_defined() and a.shape != b.shape:
        raise ValueError(
            f"{what}: the two activations must have the same shape; got {a.shape.as_list()} "
            f"and {b.shape.as_list()}. Compute both with the same model on images of the same "
            "size."
        )


def compute_content_cost(content_output, generated_output) -> tf.Tensor:
    """The content cost: ``1/(4·n_H·n_W·n_C) · Σ(a_C − a_G)²`` on the last activations.

    As the course: ``a_C = content_output[-1]`` and ``a_G = generated_output[-1]`` (the
    content layer is the last output of the layer model), each of shape (1, n_H, n_W, n_C).
    Edition v3a passed the two activations themselves: a 4-D tensor is taken as the activation.
    A float64 activation next to a float32 one is cast to the generated one's dtype.

    Args:
        content_output: the layer model's outputs for the content image (a list, or a tensor
            whose first axis lists them), or its content activation (1, n_H, n_W, n_C).
        generated_output: the same for the generated image.

    Returns:
        A scalar float32 tensor. Works on symbolic tensors (no NumPy).

    Example:
        >>> a = tf.ones((1, 2, 2, 3))
        >>> float(compute_content_cost([a], [a * 3.0]))  # 12 entries of 4, over 4·12
        1.0
    """
    a_G = _last_output(generated_output, "generated_output")
    a_C = _same_dtype(_last_output(content_output, "content_output"), a_G)
    _static_shapes_match(a_C, a_G, "compute_content_cost")
    shape = tf.shape(a_G)
    n = tf.cast(shape[1] * shape[2] * shape[3], a_G.dtype)
    return tf.reduce_sum(tf.square(a_C - a_G)) / (4.0 * n)


def gram_matrix(A) -> tf.Tensor:
    """The Gram matrix ``A·Aᵀ`` of ``A`` of shape (n_C, n_H·n_W): shape (n_C, n_C).

    Example:
        >>> gram_matrix(tf.constant([[1.0, 2.0], [3.0, 4.0]])).numpy().tolist()
        [[5.0, 11.0], [11.0, 25.0]]
    """
    A = tf.convert_to_tensor(A)
    if A.shape.rank is not None and A.shape.rank != 2:
        raise ValueError(
            f"gram_matrix: A must have shape (n_C, n_H*n_W); got shape {A.shape.as_list()}. "
            "Unroll an activation (1, n_H, n_W, n_C) first: "
            "tf.transpose(tf.reshape(a, (-1, n_C)))."
        )
    return tf.linalg.matmul(A, A, transpose_b=True)


def _unrolled(a: tf.Tensor) -> tf.Tensor:
    """(1, n_H, n_W, n_C) → (n_C, n_H·n_W), as the course: reshape to (−1, n_C), transpose."""
    return tf.transpose(tf.reshape(a, (-1, tf.shape(a)[-1])))


def _style_normaliser(shape, dtype=tf.float32) -> tf.Tensor:
    """``4·n_C²·(n_H·n_W)²`` for an activation of shape (1, n_H, n_W, n_C)."""
    shape = tf.cast(shape, dtype)
    return 4.0 * tf.square(shape[3]) * tf.square(shape[1] * shape[2])


def compute_layer_style_cost(a_S, a_G) -> tf.Tensor:
    """One layer's style cost: ``1/(4·n_C²·(n_H·n_W)²) · Σ(G_S − G_G)²``.

    Each activation (1, n_H, n_W, n_C) is unrolled to (n_C, n_H·n_W) (reshape to (−1, n_C),
    then transpose, as the course) and its :func:`gram_matrix` taken.

    Example:
        >>> a = tf.ones((1, 2, 2, 3))
        >>> float(compute_layer_style_cost(a, a))
        0.0
    """
    a_G = _activation(a_G, "a_G", "compute_layer_style_cost")
    a_S = _same_dtype(_activation(a_S, "a_S", "compute_layer_style_cost"), a_G)
    _static_shapes_match(a_S, a_G, "compute_layer_style_cost")
    GS = gram_matrix(_unrolled(a_S))
    GG = gram_matrix(_unrolled(a_G))
    return tf.reduce_sum(tf.square(GS - GG)) / _style_normaliser(tf.shape(a_G), a_G.dtype)


def compute_style_cost(
    style_image_output, generated_image_output, STYLE_LAYERS=STYLE_LAYERS
) -> tf.Tensor:
    """The style cost: ``Σ_l weight_l · J_style_layer(a_S[l], a_G[l])``.

    As the course, the outputs list the style layers' activations then the content layer's,
    which is left out (``[:-1]``).

    Args:
        style_image_output: the layer model's outputs for the style image.
        generated_image_output: the same for the generated image.
        STYLE_LAYERS: ``((layer name, weight), ...)``; only the weights are used, in order.

    Example:
        >>> a = [tf.ones((1, 2, 2, 3)), tf.zeros((1, 1, 1, 8))]
        >>> float(compute_style_cost(a, a, [("any", 1.0)]))
        0.0
    """
    a_S = list(style_image_output[:-1])
    a_G = list(generated_image_output[:-1])
    if len(a_S) != len(STYLE_LAYERS) or len(a_G) != len(STYLE_LAYERS):
        raise ValueError(
            f"compute_style_cost: expected {len(STYLE_LAYERS)} style activations plus the "
            f"content one (one per STYLE_LAYERS entry), got {len(a_S) + 1} and "
            f"{len(a_G) + 1} outputs."
        )
    J_style = tf.constant(0.0)
    for (_, weight), s, g in zip(STYLE_LAYERS, a_S, a_G):
        J_style += weight * compute_layer_style_cost(s, g)
    return J_style


@tf.function()
def total_cost(J_content, J_style, alpha=10, beta=40):
    """The course's ``total_cost``: ``alpha·J_content + beta·J_style`` (a ``tf.function``).

    Example:
        >>> float(total_cost(0.2, 0.8))
        34.0
    """
    return alpha * J_content + beta * J_style


def clip_0_1(image) -> tf.Tensor:
    """Clip pixel values to [0, 1].

    Example:
        >>> clip_0_1(tf.constant([-0.5, 0.5, 1.5])).numpy().tolist()
        [0.0, 0.5, 1.0]
    """
    return tf.clip_by_value(image, clip_value_min=0.0, clip_value_max=1.0)


def image_to_uint8(tensor) -> np.ndarray:
    """A float image in [0, 1], (1, H, W, 3) or (H, W, 3), as a uint8 (H, W, 3) array.

    Example:
        >>> image_to_uint8(tf.fill((1, 1, 2, 3), 0.5)).tolist()
        [[[127, 127, 127], [127, 127, 127]]]
    """
    tensor = np.asarray(tensor, dtype=np.float32) * 255
    if tensor.ndim > 3:
        if tensor.shape[0] != 1:
            raise ValueError(
                f"tensor_to_image takes one image, (1, H, W, 3) or (H, W, 3); got shape "
                f"{tensor.shape}."
            )
        tensor = tensor[0]
    return np.clip(tensor, 0, 255).astype(np.uint8)


def tensor_to_image(tensor) -> PIL.Image.Image:
    """A float image in [0, 1], (1, H, W, 3) or (H, W, 3), as a ``PIL.Image`` (the course's).

    Example:
        >>> tensor_to_image(tf.fill((1, 1, 2, 3), 0.5)).size
        (2, 1)
    """
    return PIL.Image.fromarray(image_to_uint8(tensor))


# --- images -------------------------------------------------------------------------------


def image_size(img_size) -> tuple[int, int]:
    """``(height, width)`` of an image size given as an int (square) or a pair.

    Example:
        >>> image_size(400), image_size((300, 400))
        ((400, 400), (300, 400))
    """
    if np.ndim(img_size) == 0:
        side = check_int(img_size, "img_size")
        return side, side
    return tuple(int(s) for s in img_size)


def _to_rgb(image: tf.Tensor, what: str) -> tf.Tensor:
    """(H, W, C) float in [0, 1] → RGB: gray copied to 3 channels, alpha composited on white."""
    channels = image.shape[-1]
    if channels in (2, 4):
        color, alpha = image[..., :-1], image[..., -1:]
        image = color * alpha + (1.0 - alpha)
        channels -= 1
    if channels == 1:
        image = tf.image.grayscale_to_rgb(image)
    elif channels != 3:
        raise ValueError(
            f"{what} must have 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA) channels; got "
            f"{channels}."
        )
    return image


def to_image_batch(image, img_size=IMG_SIZE, *, what: str = "image") -> tf.Tensor:
    """An image array as the course's input: (1, H, W, 3) float32 in [0, 1] at ``img_size``.

    Args:
        image: (H, W), (H, W, C) or (1, H, W, C); uint8 in [0, 255] or floats in [0, 1];
            C is 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA): see the module docstring.
        img_size: an int (square) or (height, width).
        what: the argument's name, for error messages.

    Raises:
        ValueError: wrong rank, an empty image, several images, or floats outside [0, 1].

    Example:
        >>> to_image_batch(np.zeros((10, 20), np.uint8), 32).shape
        TensorShape([1, 32, 32, 3])
    """
    array = tf.convert_to_tensor(image)
    if array.shape.rank == 4:
        if array.shape[0] != 1:
            raise ValueError(f"{what} must be one image; got a batch of shape {array.shape}.")
        array = array[0]
    if array.shape.rank == 2:
        array = array[..., tf.newaxis]
    if array.shape.rank != 3 or 0 in array.shape:
        raise ValueError(
            f"{what} must be an image of shape (H, W), (H, W, C) or (1, H, W, C); got shape "
            f"{tuple(array.shape)}."
        )
    if array.dtype == tf.uint8:
        array = tf.image.convert_image_dtype(array, tf.float32)
    else:
        array = tf.cast(array, tf.float32)
        low, high = float(tf.reduce_min(array)), float(tf.reduce_max(array))
        if low < 0.0 or high > 1.0:
            raise ValueError(
                f"{what}: float pixels must be in [0, 1]; got values in [{low:g}, {high:g}]. "
                "Divide uint8-range values by 255, or pass a uint8 array."
            )
    array = _to_rgb(array, what)
    resized = tf.image.resize(array, image_size(img_size), antialias=True)
    return clip_0_1(resized)[tf.newaxis]


def load_image(path: str | os.PathLike, img_size=IMG_SIZE) -> tf.Tensor:
    """Read an image file as a (1, H, W, 3) float32 batch in [0, 1] at ``img_size``.

    Gray and alpha images are handled as :func:`to_image_batch` says.

    Raises:
        FileNotFoundError: no such file.
        dlspec.data.paths.CorruptDataError: the file is not an image TensorFlow can decode.

    Example:
        >>> load_image(data_path(CONTENT_FILE)).shape  # doctest: +SKIP
        TensorShape([1, 400, 400, 3])
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"image file not found: {path}. Pass the path of an image.")
    try:
        image = tf.io.decode_image(tf.io.read_file(str(path)), channels=0, expand_animations=False)
    except (tf.errors.InvalidArgumentError, tf.errors.UnknownError) as err:
        raise CorruptDataError(
            f"cannot decode {path} as an image (JPEG, PNG, GIF or BMP expected): "
            f"{err.message.splitlines()[0]}"
        ) from err
    return to_image_batch(image, img_size, what=str(path))


def generated_image_init(content_image, *, seed: int = SEED, noise: float = 0.25) -> tf.Tensor:
    """The course's starting image: the content plus uniform noise in [−noise, noise], clipped.

    Seeded with ``tf.random.Generator.from_seed(seed)`` (the course sets the global seed 272
    instead; dlspec leaves global random state alone).

    Example:
        >>> start = generated_image_init(tf.fill((1, 4, 4, 3), 0.5), seed=0)
        >>> bool(tf.reduce_all(tf.abs(start - 0.5) <= 0.25))
        True
    """
    content_image = tf.convert_to_tensor(content_image, tf.float32)
    rng = tf.random.Generator.from_seed(seed)
    shifted = content_image + rng.uniform(tf.shape(content_image), -noise, noise)
    return clip_0_1(shifted)


# --- the training step --------------------------------------------------------------------


def make_train_step(
    costs: Callable[[tf.Variable], tuple[tf.Tensor, tf.Tensor, tf.Tensor]],
    optimizer: keras.optimizers.Optimizer,
    *,
    jit_compile: bool = False,
):
    """The course's ``train_step(generated_image)``: one Adam step on the image, then clip.

    Args:
        costs: the image's ``(J, J_content, J_style)``, e.g. the
            :class:`~dlspec.cnn.style.transfer.StyleTransferCosts` of the content and style
            images.
        optimizer: e.g. ``keras.optimizers.Adam(learning_rate=0.01)`` (the course's). Build
            it first (``optimizer.build([generated_image])``): an optimizer creating its
            variables in the first call makes ``tf.function`` trace twice.
        jit_compile: compile the step with XLA (measured slower on CPU, see
            ``benchmarks/bench_style_transfer.py``).

    Returns:
        A ``tf.function`` taking the generated image (a ``tf.Variable``), updating it in place
        and returning the total cost ``J`` before the update. Called again with the same
        variable it does not retrace.

    Example:
        >>> step = make_train_step(costs, keras.optimizers.Adam(0.01))  # doctest: +SKIP
        >>> J = step(generated_image)  # doctest: +SKIP
    """

    @tf.function(jit_compile=jit_compile)
    def train_step(generated_image):
        with tf.GradientTape() as tape:
            J, _, _ = costs(generated_image)
        grad = tape.gradient(J, generated_image)
        optimizer.apply_gradients([(grad, generated_image)])
        generated_image.assign(clip_0_1(generated_image))
        return J

    return train_step
