"""Neural style transfer, run fast and resumably: :func:`style_transfer`.

:class:`StyleTransferCosts` computes the content activation and the style Gram matrices once,
so a step runs the backbone once, on the generated image only; the course's ``train_step``
(:func:`~dlspec.cnn.style.neural_style_transfer.make_train_step`: one ``tf.function``, traced
once, a gradient step with Adam, clip to [0, 1]) takes the steps. :func:`style_transfer` runs
it with a progress bar, saves the image every ``save_every`` steps and checkpoints the
generated image, the optimizer and the step through the core
:class:`dlspec.training.TrainingCheckpoint`, so that running it again with the same
``out_dir`` resumes where it stopped. It is not :class:`dlspec.training.Trainer`: what is
trained is one image, not a model, and there is no dataset.

Backbones: the course's VGG-19 with ImageNet weights by default, resolved as docs/design.md
says (an explicit path, ``$DLSPEC_WEIGHTS_DIR``, Keras' cache, a download); any Keras CNN with
chosen layers works through :func:`dlspec.cnn.style.backbones.backbone_from_model`.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from dlspec.cnn.style.backbones import StyleBackbone, vgg19_backbone
from dlspec.cnn.style.neural_style_transfer import (
    ALPHA,
    BETA,
    EPOCHS,
    IMG_SIZE,
    LEARNING_RATE,
    SAVE_EVERY,
    SEED,
    generated_image_init,
    image_size,
    load_image,
    make_train_step,
    tensor_to_image,
    to_image_batch,
    total_cost,
)
from dlspec.io import atomic_write_text
from dlspec.training.checkpointing import TrainingCheckpoint
from dlspec.training.resume import prepare_checkpoint_dir
from dlspec.validation import check_int
from dlspec.viz.images import save_png

__all__ = ["StyleTransferCosts", "StyleTransferResult", "style_transfer"]

#: the folder of ``out_dir`` holding the checkpoints, ``history.json`` and ``settings.json``
CHECKPOINTS = "checkpoints"
SETTINGS_FILE = "settings.json"


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
        backbone: the :class:`~dlspec.cnn.style.backbones.StyleBackbone`.
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
    into ``out_dir/checkpoints`` through :class:`dlspec.training.TrainingCheckpoint`, with
    the costs in its ``history.json`` and the run's settings in ``settings.json``. Called
    again with the same ``out_dir`` (after an interruption, or with more ``epochs``), it
    resumes from the last checkpoint: the result equals an uninterrupted run's up to float
    rounding.

    Args:
        content, style: image file paths, or arrays (see :func:`to_image_batch`).
        backbone: a :class:`~dlspec.cnn.style.backbones.StyleBackbone` built for
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
    epochs = check_int(epochs, "epochs", minimum=0)
    save_every = check_int(save_every, "save_every", minimum=1)
    size = image_size(img_size)
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
    checkpoint = restored = None
    if out_dir is not None:
        out_dir = Path(out_dir)
        resume = _prepare(out_dir / CHECKPOINTS, config, overwrite)
        checkpoint = TrainingCheckpoint(
            out_dir / CHECKPOINTS,
            model=generated_image,
            optimizer=optimizer,
            counters={"step": step},
            max_to_keep=2,
        )
        if resume:
            restored = checkpoint.restore()
            J_history = checkpoint.read_history().get("J", [])[: int(step.numpy())]
    resumed_from = int(step.numpy())

    saved: list[Path] = []
    seconds: list[float] = []
    progbar = keras.utils.Progbar(epochs, verbose=verbose, stateful_metrics=["J"])
    if resumed_from and verbose:
        print(f"Resuming from {restored} at step {resumed_from}")
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
            _save(checkpoint, J_history, i + 1)

    J, J_content, J_style = costs(generated_image)
    if not J_history:
        J_history.append(float(J))
    if out_dir is not None:
        if epochs % save_every and epochs > resumed_from:
            _save(checkpoint, J_history, epochs)
        saved.append(save_png(tensor_to_image(generated_image), out_dir / "generated.png"))
    return StyleTransferResult(
        image=generated_image.numpy(),
        J=J_history,
        final_costs={"J": float(J), "J_content": float(J_content), "J_style": float(J_style)},
        resumed_from=resumed_from,
        saved=saved,
        seconds_per_step=float(np.median(seconds)) if seconds else float("nan"),
    )


def _prepare(directory: Path, config: dict, overwrite: bool) -> bool:
    """Apply the resume rules to ``directory``; return whether to restore its checkpoint.

    A fresh start (``overwrite``, or no checkpoint yet) records the run's settings; a run
    resumed must have the same ones.
    """
    settings = directory / SETTINGS_FILE
    if overwrite:
        settings.unlink(missing_ok=True)
    if not prepare_checkpoint_dir(directory, overwrite=overwrite):
        atomic_write_text(settings, json.dumps(config))
        return False
    saved = json.loads(settings.read_text("utf-8")) if settings.is_file() else {}
    if saved != config:
        differ = sorted(key for key in config if saved.get(key) != config[key])
        raise ValueError(
            f"{directory.parent} holds a style transfer run with other settings "
            f"({', '.join(differ or [SETTINGS_FILE + ' missing'])}). Use another out_dir, or "
            "overwrite=True to start afresh."
        )
    return True


def _save(checkpoint: TrainingCheckpoint, J_history: list[float], step: int) -> None:
    # The history first: a kill between the two writes leaves a longer history, cut on restore.
    checkpoint.write_history({"J": J_history})
    checkpoint.save(global_step=step)
