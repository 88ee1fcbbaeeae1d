"""C4W4A2 "Art generation with neural style transfer": the course's costs, a fast resumable loop.

The lab's functions with the course's names and formulas: :func:`compute_content_cost`,
:func:`gram_matrix`, :func:`compute_layer_style_cost`, :func:`compute_style_cost` (the
course's ``STYLE_LAYERS``), :func:`total_cost` (alpha 10, beta 40, a ``tf.function``),
:func:`clip_0_1`, :func:`tensor_to_image` and ``get_layer_outputs`` (from
:mod:`dlspec.cnn.style_backbones`). They work on symbolic tensors inside ``tf.function``.

Beside them, the optimisation: :class:`StyleTransferCosts` computes the content activation
and the style Gram matrices once, so a step runs the backbone once, on the generated image
only; :func:`make_train_step` builds the course's ``train_step`` (one ``tf.function``, traced
once, gradient step with Adam, clip to [0, 1]); :func:`style_transfer` runs it with a
progress bar, saves the image every ``save_every`` steps and checkpoints the generated
image, the optimizer and the step (``tf.train.CheckpointManager``), so that running it again
with the same ``out_dir`` resumes where it stopped. It is not :class:`dlspec.training.Trainer`:
what is trained is one image, not a model, and there is no dataset.

Backbones: the course's VGG-19 with ImageNet weights, resolved as DESIGN.md says (an explicit
path, ``$DLSPEC_WEIGHTS_DIR``, Keras' cache, a download). Without them the lab (:func:`run`)
uses the offline MobileNetV2 weights instead, and says so; any Keras CNN with chosen layers
works through :func:`dlspec.cnn.style_backbones.backbone_from_model`.

Images: files are decoded with TensorFlow (JPEG, PNG, GIF, BMP). Grayscale images become RGB
(the gray level copied to the three channels); images with an alpha channel (RGBA, gray +
alpha) are composited onto a white background; then each image is resized to the generated
image's size (bilinear, antialiased), as the course resizes both to 400×400.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np
import PIL.Image
import tensorflow as tf

from dlspec.cnn.style_backbones import (
    CONTENT_LAYER,
    STYLE_LAYERS,
    StyleBackbone,
    get_layer_outputs,
    is_mobilenet_v2_file,
    mobilenet_v2_backbone,
    vgg19_backbone,
)
from dlspec.data.paths import CorruptDataError, data_path
from dlspec.io import atomic_write_text
from dlspec.labs import LabResult
from dlspec.viz.images import save_png
from dlspec.weights import WeightsNotFoundError

__all__ = [
    "ALPHA",
    "BETA",
    "CONTENT_LAYER",
    "IMG_SIZE",
    "STYLE_LAYERS",
    "StyleTransferCosts",
    "StyleTransferResult",
    "clip_0_1",
    "compute_content_cost",
    "compute_layer_style_cost",
    "compute_style_cost",
    "generated_image_init",
    "get_layer_outputs",
    "gram_matrix",
    "image_to_uint8",
    "lab_backbone",
    "load_image",
    "make_train_step",
    "run",
    "style_transfer",
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
#: the lab's (image size, steps, save interval, learning rate) of quick and full runs
QUICK = (128, 120, 40, 0.03)
FULL = (400, 250, 50, LEARNING_RATE)
CONTENT_FILE = "course4/style/images/louvre_small.jpg"
STYLE_FILE = "course4/style/images/monet.jpg"


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

    Args:
        content_output: the layer model's outputs for the content image (a list, or a tensor
            whose first axis lists them).
        generated_output: the same for the generated image.

    Returns:
        A scalar float32 tensor. Works on symbolic tensors (no NumPy).

    Example:
        >>> a = tf.ones((1, 2, 2, 3))
        >>> float(compute_content_cost([a], [a * 3.0]))  # 12 entries of 4, over 4·12
        1.0
    """
    a_C = tf.convert_to_tensor(content_output[-1])
    a_G = tf.convert_to_tensor(generated_output[-1])
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
    return tf.linalg.matmul(A, A, transpose_b=True)


def _unrolled(a: tf.Tensor) -> tf.Tensor:
    """(1, n_H, n_W, n_C) → (n_C, n_H·n_W), as the course: reshape to (−1, n_C), transpose."""
    return tf.transpose(tf.reshape(a, (-1, tf.shape(a)[-1])))


def _style_normaliser(shape) -> tf.Tensor:
    """``4·n_C²·(n_H·n_W)²`` for an activation of shape (1, n_H, n_W, n_C)."""
    shape = tf.cast(shape, tf.float32)
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
    a_S = tf.convert_to_tensor(a_S)
    a_G = tf.convert_to_tensor(a_G)
    _static_shapes_match(a_S, a_G, "compute_layer_style_cost")
    GS = gram_matrix(_unrolled(a_S))
    GG = gram_matrix(_unrolled(a_G))
    return tf.reduce_sum(tf.square(GS - GG)) / _style_normaliser(tf.shape(a_G))


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


def _size(img_size) -> tuple[int, int]:
    return (img_size, img_size) if isinstance(img_size, int) else tuple(int(s) for s in img_size)


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
    resized = tf.image.resize(array, _size(img_size), antialias=True)
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


# --- the optimisation ---------------------------------------------------------------------


@tf.custom_gradient
def _gram_of_rows(A: tf.Tensor):
    """``Aᵀ·A`` for A (n_H·n_W, n_C): ``gram_matrix`` of the course's unrolled (n_C, n_H·n_W).

    Its gradient is one product, ``A·(dG + dGᵀ)``, where automatic differentiation of
    ``matmul(A, A)`` computes two (one per operand) and adds them.
    """

    def grad(dG):
        return tf.matmul(A, dG + tf.transpose(dG))

    return tf.matmul(A, A, transpose_a=True), grad


class StyleTransferCosts:
    """The costs of a generated image against a fixed content and style image.

    The targets are computed once, when the object is made: the content layer's activation
    of the content image and the Gram matrix of every style layer of the style image. A call
    runs the backbone once, on the generated image, and returns the course's costs, equal
    (up to float rounding) to :func:`compute_content_cost`, :func:`compute_style_cost` and
    :func:`total_cost` on the backbone's outputs. Gram matrices are taken as ``Aᵀ·A`` of the
    (n_H·n_W, n_C) activation (no transpose of the activation), with a gradient of one
    matrix product instead of two.

    Args:
        backbone: the :class:`~dlspec.cnn.style_backbones.StyleBackbone`.
        content_image, style_image: (1, H, W, 3) images in [0, 1] of the generated size.
        alpha, beta: the weights of the content and style costs.

    Call arguments:
        generated_image: (1, H, W, 3) in [0, 1].

    Returns:
        ``(J, J_content, J_style)``, scalar float32 tensors.
    """

    def __init__(
        self,
        backbone: StyleBackbone,
        content_image,
        style_image,
        *,
        alpha: float = ALPHA,
        beta: float = BETA,
    ) -> None:
        self.backbone = backbone
        self.alpha, self.beta = float(alpha), float(beta)
        self.weights = [weight for _, weight in backbone.style_layers]
        a_C = self._activations(content_image)[-1]
        self.a_C = tf.constant(a_C)
        self.content_scale = 1.0 / (4.0 * float(np.prod(a_C.shape[1:])))
        self.style_grams, self.style_scales = [], []
        for a_S in self._activations(style_image)[:-1]:
            _, n_H, n_W, n_C = a_S.shape
            self.style_grams.append(tf.constant(_gram_of_rows(tf.reshape(a_S, (-1, n_C)))))
            self.style_scales.append(1.0 / (4.0 * n_C**2 * (n_H * n_W) ** 2))

    def _activations(self, image) -> list[tf.Tensor]:
        outputs = self.backbone.model(self.backbone.preprocess(image), training=False)
        return list(outputs)

    def __call__(self, generated_image) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        a_G = self._activations(generated_image)
        J_content = self.content_scale * tf.reduce_sum(tf.square(self.a_C - a_G[-1]))
        J_style = tf.constant(0.0)
        for weight, scale, G_S, a in zip(
            self.weights, self.style_scales, self.style_grams, a_G[:-1]
        ):
            G_G = _gram_of_rows(tf.reshape(a, (-1, a.shape[-1])))  # gram_matrix(_unrolled(a))
            J_style += (weight * scale) * tf.reduce_sum(tf.square(G_S - G_G))
        return total_cost(J_content, J_style, self.alpha, self.beta), J_content, J_style


def make_train_step(
    costs: StyleTransferCosts,
    optimizer: keras.optimizers.Optimizer,
    *,
    jit_compile: bool = False,
):
    """The course's ``train_step(generated_image)``: one Adam step on the image, then clip.

    Args:
        costs: the :class:`StyleTransferCosts` of the content and style images.
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


@dataclass
class StyleTransferResult:
    """What :func:`style_transfer` returns.

    Attributes:
        image: the generated image, (1, H, W, 3) float32 in [0, 1].
        J: the total cost at each step, before that step's update (``J[0]``: the start).
        final_costs: ``{"J", "J_content", "J_style"}`` of the final image.
        resumed_from: the step of the checkpoint the run resumed from (0: a fresh start).
        saved: the PNG files written (intermediate images, then the final one).
        seconds_per_step: median wall time of the steps this call ran (``nan`` if none).
    """

    image: np.ndarray
    J: list[float]
    final_costs: dict[str, float]
    resumed_from: int = 0
    saved: list[Path] = field(default_factory=list)
    seconds_per_step: float = float("nan")

    @property
    def cost_reduction(self) -> float:
        """The fraction by which the total cost fell: ``1 − J(final) / J(start)``."""
        return 1.0 - self.final_costs["J"] / self.J[0]


def _digest(image: tf.Tensor) -> str:
    return hashlib.sha256(np.asarray(image, np.float32).tobytes()).hexdigest()[:16]


def _as_batch(image, img_size, what: str) -> tf.Tensor:
    if isinstance(image, str | os.PathLike):
        return load_image(image, img_size)
    return to_image_batch(image, img_size, what=what)


def _check_backbone_size(backbone: StyleBackbone, size: tuple[int, int]) -> None:
    expected = tuple(backbone.model.inputs[0].shape[1:3])
    if any(e is not None and e != s for e, s in zip(expected, size)):
        raise ValueError(
            f"the backbone was built for {expected[0]}x{expected[1]} images but img_size is "
            f"{size[0]}x{size[1]}. Build it with the same size, e.g. "
            f"vgg19_backbone(img_size={size})."
        )


def style_transfer(
    content,
    style,
    *,
    backbone: StyleBackbone | None = None,
    img_size=IMG_SIZE,
    epochs: int = EPOCHS,
    learning_rate: float = LEARNING_RATE,
    alpha: float = ALPHA,
    beta: float = BETA,
    out_dir: str | os.PathLike | None = None,
    save_every: int = SAVE_EVERY,
    seed: int = SEED,
    overwrite: bool = False,
    jit_compile: bool = False,
    verbose: int = 1,
) -> StyleTransferResult:
    """Paint ``content`` in the style of ``style``: the course's optimisation, resumable.

    Starts from :func:`generated_image_init` and takes ``epochs`` steps of
    :func:`make_train_step` (Adam, the course's costs). With ``out_dir`` it writes
    ``images/image_<step>.png`` every ``save_every`` steps and ``generated.png`` at the end,
    checkpoints (the image, Adam's state, the step) every ``save_every`` steps and at the end
    into ``out_dir/checkpoints``, and the costs into ``out_dir/history.json``. Called again
    with the same ``out_dir`` (after an interruption, or with more ``epochs``), it resumes
    from the last checkpoint: the result equals an uninterrupted run's up to float rounding.

    Args:
        content, style: image file paths, or arrays (see :func:`to_image_batch`).
        backbone: a :class:`~dlspec.cnn.style_backbones.StyleBackbone` built for
            ``img_size``; ``None`` builds the course's VGG-19 with ImageNet weights (an error
            says where to put the file when it is missing; never random weights).
        img_size: the generated image's size: int (square; the course's 400) or (h, w).
        epochs: total number of steps (the course: 2501).
        learning_rate: Adam's (the course: 0.01; a later version 0.03).
        alpha, beta: content and style weights (10, 40).
        out_dir: folder for images, checkpoints and the history; ``None`` keeps nothing.
        save_every: steps between saved images and checkpoints (the course: 250).
        seed: seed of the starting noise.
        overwrite: start afresh even if ``out_dir`` holds a run.
        jit_compile: compile the step with XLA.
        verbose: 1 shows a Keras progress bar, 0 nothing.

    Raises:
        ValueError: bad images or arguments, or ``out_dir`` holding a run with other
            settings (use another folder or ``overwrite=True``).

    Example:
        >>> result = style_transfer("louvre.jpg", "monet.jpg", out_dir="nst")  # doctest: +SKIP
        >>> result.cost_reduction  # doctest: +SKIP
    """
    for name, value, low in (("epochs", epochs, 0), ("save_every", save_every, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"{name} must be an integer ≥ {low}; got {value!r}.")
    size = _size(img_size)
    backbone = backbone or vgg19_backbone(size)
    _check_backbone_size(backbone, size)
    content_image = _as_batch(content, size, "content")
    style_image = _as_batch(style, size, "style")
    costs = StyleTransferCosts(backbone, content_image, style_image, alpha=alpha, beta=beta)

    generated_image = tf.Variable(generated_image_init(content_image, seed=seed))
    optimizer = keras.optimizers.Adam(learning_rate=learning_rate)
    optimizer.build([generated_image])
    step = tf.Variable(0, dtype=tf.int64)
    train_step = make_train_step(costs, optimizer, jit_compile=jit_compile)

    config = {
        "img_size": list(size),
        "backbone": backbone.describe(),
        "content": _digest(content_image),
        "style": _digest(style_image),
        "alpha": float(alpha),
        "beta": float(beta),
        "learning_rate": float(learning_rate),
        "seed": int(seed),
    }
    J_history: list[float] = []
    manager = None
    if out_dir is not None:
        out_dir = Path(out_dir)
        checkpoint = tf.train.Checkpoint(
            generated_image=generated_image, optimizer=optimizer, step=step
        )
        manager, J_history = _restore(out_dir, checkpoint, config, overwrite)
    resumed_from = int(step.numpy())

    saved: list[Path] = []
    seconds: list[float] = []
    progbar = keras.utils.Progbar(epochs, verbose=verbose, stateful_metrics=["J"])
    if resumed_from and verbose:
        print(f"Resuming from {manager.latest_checkpoint} at step {resumed_from}")
    for i in range(resumed_from, epochs):
        start = time.perf_counter()
        J_history.append(float(train_step(generated_image)))
        seconds.append(time.perf_counter() - start)
        step.assign(i + 1)
        progbar.update(i + 1, [("J", J_history[-1])])
        if out_dir is not None and (i + 1) % save_every == 0:
            saved.append(
                save_png(
                    tensor_to_image(generated_image), out_dir / "images" / f"image_{i + 1}.png"
                )
            )
            _save(manager, out_dir, config, J_history, i + 1)

    J, J_content, J_style = costs(generated_image)
    if not J_history:
        J_history.append(float(J))
    if out_dir is not None:
        if epochs % save_every and epochs > resumed_from:
            _save(manager, out_dir, config, J_history, epochs)
        saved.append(save_png(tensor_to_image(generated_image), out_dir / "generated.png"))
    return StyleTransferResult(
        image=generated_image.numpy(),
        J=J_history,
        final_costs={"J": float(J), "J_content": float(J_content), "J_style": float(J_style)},
        resumed_from=resumed_from,
        saved=saved,
        seconds_per_step=float(np.median(seconds)) if seconds else float("nan"),
    )


HISTORY_FILE = "history.json"


def _restore(out_dir: Path, checkpoint, config: dict, overwrite: bool):
    ckpt_dir = out_dir / "checkpoints"
    history_path = out_dir / HISTORY_FILE
    if overwrite:
        shutil.rmtree(ckpt_dir, ignore_errors=True)
        history_path.unlink(missing_ok=True)
    manager = tf.train.CheckpointManager(checkpoint, str(ckpt_dir), max_to_keep=2)
    if manager.latest_checkpoint is None:
        return manager, []
    saved = json.loads(history_path.read_text("utf-8")) if history_path.is_file() else {}
    if saved.get("config") != config:
        differ = sorted(
            key for key in config if saved.get("config", {}).get(key) != config[key]
        ) or ["history.json missing"]
        raise ValueError(
            f"{out_dir} holds a style transfer run with other settings ({', '.join(differ)}). "
            "Use another out_dir, or overwrite=True to start afresh."
        )
    checkpoint.restore(manager.latest_checkpoint).assert_consumed()
    done = int(checkpoint.step.numpy())
    return manager, list(saved["J"][:done])


def _save(manager, out_dir: Path, config: dict, J_history: list[float], step: int) -> None:
    # The history first: a kill between the two writes leaves a longer history, cut on restore.
    atomic_write_text(out_dir / HISTORY_FILE, json.dumps({"config": config, "J": J_history}))
    manager.save(checkpoint_number=step)


# --- the lab ------------------------------------------------------------------------------


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


def run(
    *,
    quick: bool = False,
    out_dir: str | Path = "reports/c4w4-nst",
    weights: str | os.PathLike | None = None,
    content: str | os.PathLike | None = None,
    style: str | os.PathLike | None = None,
) -> LabResult:
    """Reproduce the lab: golden cases, then style transfer of the louvre in Monet's style.

    Full run: the course's 400×400 and Adam 0.01, 250 steps (the course: 2501 on a GPU),
    images and checkpoints every 50 steps. A 400×400 VGG-19 step took 7 to 10 s on a busy
    2-core machine (``benchmarks/bench_style_transfer.py``): the full VGG-19 run takes tens
    of minutes on such a CPU, minutes on a GPU. The offline MobileNetV2 fallback takes about
    0.2 s a step (the full run: under 2 minutes). ``quick=True``: 128×128, 120 steps, Adam
    0.03 (the course's later rate), images every 40 steps (about a minute with MobileNetV2);
    its metric names say so. Rerunning with the same ``out_dir`` resumes (a finished run
    just reports again).

    Args:
        weights: see :func:`lab_backbone`.
        content, style: image files (default: the course's louvre_small.jpg and monet.jpg).
    """
    from dlspec.grading.golden import check_lab
    from dlspec.viz import plot_costs, plot_image_grid

    out_dir = Path(out_dir)
    result = LabResult("c4w4-nst")
    golden = check_lab("c4w4-nst")
    result.metrics["golden cases passed"] = golden.metrics["golden cases passed"]
    result.notes.extend(golden.notes)

    size, epochs, save_every, rate = QUICK if quick else FULL
    backbone, notes = lab_backbone(size, weights)
    result.notes.extend(notes)
    content = Path(content) if content else data_path(CONTENT_FILE)
    style = Path(style) if style else data_path(STYLE_FILE)
    result.notes.append(
        f"Content {content}, style {style}, {size}x{size}, {epochs} steps of Adam "
        f"({rate}), alpha {ALPHA:g}, beta {BETA:g}"
        + (
            " (quick: a smaller image and fewer steps than the course's 400x400, 2501)."
            if quick
            else "."
        )
    )
    run_dir = out_dir / ("quick" if quick else "full")
    transfer = style_transfer(
        content,
        style,
        backbone=backbone,
        img_size=size,
        epochs=epochs,
        learning_rate=rate,
        out_dir=run_dir,
        save_every=save_every,
    )
    if transfer.resumed_from:
        result.notes.append(f"Resumed from the checkpoint at step {transfer.resumed_from}.")
    suffix = f" ({epochs} steps, {size}x{size})" if quick else ""
    result.metrics[f"total cost reduction{suffix}"] = transfer.cost_reduction
    result.metrics["initial total cost"] = transfer.J[0]
    result.metrics["final total cost"] = transfer.final_costs["J"]
    result.metrics["final content cost"] = transfer.final_costs["J_content"]
    result.metrics["final style cost"] = transfer.final_costs["J_style"]
    if not np.isnan(transfer.seconds_per_step):
        result.metrics["seconds per step (median)"] = transfer.seconds_per_step
    result.notes.append(
        f"Intermediate images every {save_every} steps and checkpoints in {run_dir}."
    )
    panels = np.stack(
        [
            image_to_uint8(load_image(content, size)),
            image_to_uint8(load_image(style, size)),
            image_to_uint8(transfer.image),
        ]
    )
    result.figures.append(
        plot_image_grid(
            panels,
            ["content", "style", f"generated ({epochs} steps)"],
            out_dir / "images.png",
            ncols=3,
        )
    )
    result.figures.append(
        plot_costs(
            transfer.J,
            out_dir / "total_cost.png",
            every=1,
            title="Total cost J = alpha J_content + beta J_style",
            xlabel="steps",
            log_scale=True,
        )
    )
    result.figures.extend(transfer.saved)
    return result
