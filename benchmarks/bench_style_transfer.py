"""Style transfer step time: dlspec's ``train_step`` vs the TensorFlow tutorial's, side by side.

The baseline is the tensorflow.org neural style transfer tutorial's step, rewritten here:
a ``StyleContentModel`` (VGG-19 layer outputs, ``vgg19.preprocess_input`` on ``255·image``,
Gram matrices by ``einsum`` divided by the number of locations), its ``style_content_loss``
(per layer ``reduce_mean((G − G_target)²)``, weights 1e-2 / 1e4 over the layer counts), the
total variation term (weight 30) and ``Adam(0.02, beta_1=0.99, epsilon=1e-1)``, in a
``tf.function``; its style and content targets are computed once, as the tutorial does.
Ours: :class:`dlspec.cnn.style.transfer.StyleTransferCosts` and ``make_train_step``
(Adam 0.01, the course's costs).

Both run the same VGG-19 (``include_top=False``, the same random weights: ``weights=None``
is enough for timing), the same layers (the course's: ``block1_conv1`` … ``block5_conv1``,
content ``block5_conv4``), on the course's louvre / monet images at 400×400. Each competitor
is traced and run once before timing; then ``--repeats`` interleaved repeats of ``--steps``
steps each (``benchmarks/report.py: interleaved``). Target: our time per step ≤ the
tutorial's (time ratio ≤ 1.0, written to ``reports/bench.md`` as the speed ratio
tutorial time / our time ≥ 1.0). ``--xla`` also times our step compiled with XLA.

Run:
    python benchmarks/bench_style_transfer.py [--size 400] [--repeats 5] [--steps 2] [--xla]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from report import Row, interleaved, record  # noqa: E402

from dlspec.cnn.style import neural_style_transfer as nst  # noqa: E402
from dlspec.cnn.style.backbones import CONTENT_LAYER, STYLE_LAYERS, vgg19_backbone  # noqa: E402
from dlspec.cnn.style.transfer import StyleTransferCosts  # noqa: E402
from dlspec.data.paths import data_path  # noqa: E402


def tutorial_gram_matrix(input_tensor):
    result = tf.linalg.einsum("bijc,bijd->bcd", input_tensor, input_tensor)
    input_shape = tf.shape(input_tensor)
    num_locations = tf.cast(input_shape[1] * input_shape[2], tf.float32)
    return result / num_locations


class StyleContentModel(keras.Model):
    """The tutorial's extractor: style Gram matrices and content activations, as dicts."""

    def __init__(self, vgg, style_layers, content_layers):
        super().__init__()
        self.vgg = keras.Model(
            vgg.inputs, [vgg.get_layer(name).output for name in style_layers + content_layers]
        )
        self.vgg.trainable = False
        self.style_layers = style_layers
        self.content_layers = content_layers
        self.num_style_layers = len(style_layers)

    def call(self, inputs):
        inputs = inputs * 255.0
        preprocessed_input = keras.applications.vgg19.preprocess_input(inputs)
        outputs = self.vgg(preprocessed_input)
        style_outputs = [tutorial_gram_matrix(out) for out in outputs[: self.num_style_layers]]
        content_outputs = outputs[self.num_style_layers :]
        return {
            "content": dict(zip(self.content_layers, content_outputs)),
            "style": dict(zip(self.style_layers, style_outputs)),
        }


def tutorial_step(vgg, content_image, style_image):
    """The tutorial's ``train_step`` on a fresh image variable; returns ``step()``."""
    style_layers = [name for name, _ in STYLE_LAYERS]
    content_layers = [CONTENT_LAYER]
    extractor = StyleContentModel(vgg, style_layers, content_layers)
    style_targets = extractor(style_image)["style"]
    content_targets = extractor(content_image)["content"]
    style_weight, content_weight, total_variation_weight = 1e-2, 1e4, 30
    opt = keras.optimizers.Adam(learning_rate=0.02, beta_1=0.99, epsilon=1e-1)
    image = tf.Variable(content_image)

    def style_content_loss(outputs):
        style_outputs, content_outputs = outputs["style"], outputs["content"]
        style_loss = tf.add_n(
            [
                tf.reduce_mean((style_outputs[name] - style_targets[name]) ** 2)
                for name in style_outputs
            ]
        )
        style_loss *= style_weight / len(style_layers)
        content_loss = tf.add_n(
            [
                tf.reduce_mean((content_outputs[name] - content_targets[name]) ** 2)
                for name in content_outputs
            ]
        )
        content_loss *= content_weight / len(content_layers)
        return style_loss + content_loss

    @tf.function()
    def train_step(image):
        with tf.GradientTape() as tape:
            outputs = extractor(image)
            loss = style_content_loss(outputs)
            loss += total_variation_weight * tf.image.total_variation(image)
        grad = tape.gradient(loss, image)
        opt.apply_gradients([(grad, image)])
        image.assign(tf.clip_by_value(image, clip_value_min=0.0, clip_value_max=1.0))
        return loss

    return lambda: train_step(image)


def our_step(backbone, content_image, style_image, *, jit_compile=False):
    """dlspec's step on a fresh image variable; returns ``step()``."""
    costs = StyleTransferCosts(backbone, content_image, style_image)
    train_step = nst.make_train_step(
        costs, keras.optimizers.Adam(learning_rate=nst.LEARNING_RATE), jit_compile=jit_compile
    )
    image = tf.Variable(nst.generated_image_init(content_image))
    return lambda: train_step(image)


def steps_per_second(step, n: int):
    def run() -> float:
        start = time.perf_counter()
        for _ in range(n):
            loss = step()
        float(tf.reduce_sum(loss))  # wait for the last step
        return n / (time.perf_counter() - start)

    return run


def compare(names, steps, args) -> tuple[dict, list[float]]:
    for name, step in zip(names, steps):
        start = time.perf_counter()
        float(tf.reduce_sum(step()))
        print(f"{name}: first call (tracing) {time.perf_counter() - start:.1f} s", flush=True)
    runs = {name: steps_per_second(step, args.steps) for name, step in zip(names, steps)}
    samples, ratios = interleaved(runs, args.repeats)
    for i, ratio in enumerate(ratios):
        times = ", ".join(f"{name} {1e3 / samples[name][i]:.0f} ms/step" for name in names)
        print(f"repeat {i + 1}: {times}; speed ratio {ratio:.3f}")
    return samples, ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=nst.IMG_SIZE)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=2, help="steps per repeat")
    parser.add_argument("--xla", action="store_true", help="also time ours with XLA")
    parser.add_argument("--no-report", action="store_true", help="do not write reports/bench.md")
    args = parser.parse_args()

    content = nst.load_image(data_path(nst.CONTENT_FILE), args.size)
    style = nst.load_image(data_path(nst.STYLE_FILE), args.size)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # weights=None warns: random weights are fine to time
        backbone = vgg19_backbone(args.size, weights=None)
    vgg = keras.applications.VGG19(include_top=False, weights=None)  # the tutorial's
    for layer in vgg.layers:
        if layer.weights:
            layer.set_weights(backbone.model.get_layer(layer.name).get_weights())

    names = ["TF tutorial train_step", "dlspec train_step"]
    steps = [tutorial_step(vgg, content, style), our_step(backbone, content, style)]
    samples, ratios = compare(names, steps, args)
    speed = statistics.median(ratios)
    ms = {name: 1e3 / statistics.median(samples[name]) for name in names}
    print(
        f"\n{args.size}x{args.size}, VGG-19 course layers, median of {args.repeats} interleaved "
        f"repeats of {args.steps} steps: tutorial {ms[names[0]]:.0f} ms/step, ours "
        f"{ms[names[1]]:.0f} ms/step; time ratio ours/tutorial {1 / speed:.3f} (target ≤ 1.0)"
    )
    rows = [
        Row(
            f"style transfer step {args.size}x{args.size}: dlspec vs TF tutorial",
            f"{ms[names[0]]:.0f} ms/step (tutorial)",
            f"{ms[names[1]]:.0f} ms/step (dlspec)",
            speed,
            target=1.0,
            notes=(
                f"VGG-19 (random weights) course layers, louvre/monet, CPU; ratio = tutorial "
                f"time / our time (time ratio {1 / speed:.3f}); median of {args.repeats} "
                f"interleaved repeats of {args.steps} steps"
            ),
        )
    ]
    if args.xla:
        xla_names = ["dlspec train_step", "dlspec train_step (XLA)"]
        xla_steps = [steps[1], our_step(backbone, content, style, jit_compile=True)]
        xla_samples, xla_ratios = compare(xla_names, xla_steps, args)
        xla_speed = statistics.median(xla_ratios)
        xla_ms = 1e3 / statistics.median(xla_samples[xla_names[1]])
        print(f"XLA: {xla_ms:.0f} ms/step; speed ratio XLA / plain {xla_speed:.3f}")
        rows.append(
            Row(
                f"style transfer step {args.size}x{args.size}: XLA vs plain tf.function",
                f"{1e3 / statistics.median(xla_samples[xla_names[0]]):.0f} ms/step (plain)",
                f"{xla_ms:.0f} ms/step (jit_compile=True)",
                xla_speed,
                notes="CPU; ratio = plain time / XLA time; decides make_train_step's default",
            )
        )
    if not args.no_report:
        record(rows)


if __name__ == "__main__":
    main()
