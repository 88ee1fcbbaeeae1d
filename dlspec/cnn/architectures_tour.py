"""Lab c4w2-architectures: classic CNNs, what they cost, sliding windows, what networks learn.

A tour of the C4W2 lectures (and the C4W3/C4W4 lectures that reuse them) as one lab:

1. **Cost.** The lectures' numbers from :func:`dlspec.cnn.cost_calculator.conv_cost`: a 5×5
   "same" convolution with 32 filters on 28×28×192 (≈120M multiplications), the same through a
   1×1 bottleneck of 16 channels (≈12.4M), a 3×3 convolution 6×6×3 → 4×4×5 (2,160) against its
   depthwise-separable version (672, ratio 1/n_c + 1/f²). Then every architecture of
   :mod:`dlspec.cnn.architectures` is built (never trained) and its parameters and
   multiplications tabulated; parameter counts are compared with ``keras.applications``' twins,
   and multiplications with TensorFlow's profiler (FLOPs = 2 × multiply-accumulates).
2. **Sliding windows, convolutionally.** A small "valid"-padding SIGNS classifier is trained,
   its dense head turned into convolutions, and one pass over a mosaic of SIGNS test photos is
   compared with cropping and classifying every window (scores and time).
3. **What deep networks learn.** For that SIGNS CNN and for the MobileNetV2 backbone (offline
   weights) on the alpaca photos: the 9 patches that activate a channel most (receptive fields
   computed from the layers), for several layers from early to deep; feature maps of one image;
   first-layer filters.

Everything is written to ``out_dir``: ``architectures.md`` (the tables) and PNG figures.
"""

from __future__ import annotations

import time
from pathlib import Path

import keras
import numpy as np

from dlspec.cnn.cost_calculator import (
    MULTIPLYING_OPS,
    conv_cost,
    model_cost,
    profiler_flops,
)
from dlspec.cnn.feature_visualization import (
    feature_maps,
    first_layer_filters,
    top_activating_patches,
)
from dlspec.cnn.receptive_field import receptive_fields
from dlspec.cnn.sliding_windows import (
    convolutional_sliding_windows,
    crop_and_classify,
    dense_head_to_conv,
    train_window_classifier,
    window_grid,
)
from dlspec.io import atomic_write_text
from dlspec.labs import LabResult

__all__ = ["KERAS_TWINS", "lecture_costs", "run", "signs_mosaic"]

#: our builders whose parameter count must equal a keras.applications model's (weights=None)
KERAS_TWINS = {
    "vgg16": "VGG16",
    "vgg19": "VGG19",
    "resnet50": "ResNet50",
    "mobilenet_v1": "MobileNet",
    "mobilenet_v2": "MobileNetV2",
    "efficientnet_b0": "EfficientNetB0",
}
SIGNS_LAYERS = ("conv1", "conv2", "conv3")
MOBILENET_LAYERS = (
    "block_1_expand_relu",
    "block_3_expand_relu",
    "block_6_expand_relu",
    "block_13_expand_relu",
    "out_relu",
)


def lecture_costs() -> dict[str, int | float]:
    """The lectures' cost examples, computed with :func:`conv_cost`.

    Returns:
        ``{"5x5 conv", "1x1 bottleneck + 5x5 conv", "3x3 conv", "depthwise-separable conv",
        "separable / normal ratio", "1/n_c + 1/f^2"}``.

    Example:
        >>> costs = lecture_costs()
        >>> costs["5x5 conv"], costs["1x1 bottleneck + 5x5 conv"]
        (120422400, 12443648)
        >>> costs["3x3 conv"], costs["depthwise-separable conv"]
        (2160, 672)
    """
    layers = keras.layers
    five = conv_cost((28, 28, 192), layers.Conv2D(32, 5, padding="same"))
    squeeze = conv_cost((28, 28, 192), layers.Conv2D(16, 1))
    after = conv_cost(squeeze.output_shape, layers.Conv2D(32, 5, padding="same"))
    normal = conv_cost((6, 6, 3), layers.Conv2D(5, 3))
    depthwise = conv_cost((6, 6, 3), layers.DepthwiseConv2D(3))
    pointwise = conv_cost(depthwise.output_shape, layers.Conv2D(5, 1))
    separable = depthwise.multiplications + pointwise.multiplications
    return {
        "5x5 conv": five.multiplications,
        "1x1 bottleneck + 5x5 conv": squeeze.multiplications + after.multiplications,
        "3x3 conv": normal.multiplications,
        "depthwise-separable conv": separable,
        "separable / normal ratio": separable / normal.multiplications,
        "1/n_c + 1/f^2": 1 / 5 + 1 / 3**2,
    }


def _keras_twin_params(name: str) -> int:
    model = getattr(keras.applications, KERAS_TWINS[name])(weights=None)
    return model.count_params()


def _architecture_rows(result: LabResult) -> list[str]:
    from dlspec.cnn.architectures import ARCHITECTURES

    lines = [
        "| architecture | input | parameters | keras.applications | equal | multiplications |",
        "|---|---|---:|---:|---|---:|",
    ]
    equal = []
    for name, builder in ARCHITECTURES.items():
        model = builder()
        table = model_cost(model)
        if table.total_parameters != model.count_params():
            raise AssertionError(f"{name}: the cost table misses parameters.")
        twin = same = ""
        if name in KERAS_TWINS:
            twin_count = _keras_twin_params(name)
            equal.append(twin_count == table.total_parameters)
            twin, same = f"{twin_count:,}", "yes" if equal[-1] else "**no**"
        shape = "×".join(str(d) for d in model.input_shape[1:])
        lines.append(
            f"| {name} | {shape} | {table.total_parameters:,} | {twin} | {same} | "
            f"{table.total_multiplications / 1e6:,.1f}M |"
        )
        result.extra[f"{name} cost"] = table
        del model
        keras.backend.clear_session()
    result.metrics["parameter counts equal to keras.applications"] = float(np.mean(equal))
    result.notes.append("Parameters and multiplications per example:\n" + "\n".join(lines))
    return lines


def _profiler_rows(models: dict[str, keras.Model], result: LabResult) -> list[str]:
    lines = [
        "| model | multiplications (ours) | profiler FLOPs of conv/matmul ops / 2 | ratio | "
        "all profiler FLOPs / 2 |",
        "|---|---:|---:|---:|---:|",
    ]
    worst = 0.0
    for name, model in models.items():
        ours = model_cost(model).total_multiplications
        flops = profiler_flops(model)
        theirs = sum(flops.get(op, 0) for op in MULTIPLYING_OPS) / 2
        ratio = theirs / ours
        worst = max(worst, abs(ratio - 1))
        lines.append(
            f"| {name} | {ours:,} | {theirs:,.0f} | {ratio:.4f} | {sum(flops.values()) / 2:,.0f} |"
        )
    result.metrics["profiler vs calculator, largest relative difference"] = worst
    return lines


def signs_mosaic(images: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Tile ``rows × cols`` photos (n, h, w, c) into one image, row by row.

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


def _interleaved_seconds(first, second, repeats: int) -> tuple[float, float]:
    """Median seconds of ``first()`` and ``second()``, timed in alternating order."""
    times: tuple[list[float], list[float]] = ([], [])
    for repeat in range(repeats):
        order = (0, 1) if repeat % 2 == 0 else (1, 0)
        for which in order:
            start = time.perf_counter()
            (first, second)[which]()
            times[which].append(time.perf_counter() - start)
    return float(np.median(times[0])), float(np.median(times[1]))


def _sliding_windows(model, suffix: str, out_dir: Path, result: LabResult) -> list[str]:
    import matplotlib

    from dlspec.data.signs import load_signs
    from dlspec.viz.figures import new_axes, save_figure

    test = load_signs("test")
    mosaic = signs_mosaic(test.images, 3, 4).astype("float32") / 255.0
    window, stride = window_grid(model)
    conv_model = dense_head_to_conv(model)
    convolutional = convolutional_sliding_windows(conv_model, mosaic)
    cropped = crop_and_classify(model, mosaic, window=window, stride=stride)
    difference = float(np.abs(convolutional - cropped).max())
    # the windows that sit exactly on a photo of the mosaic: their true label is known
    step = window // stride
    aligned = convolutional[::step, ::step].argmax(-1).ravel()
    aligned_accuracy = float(np.mean(aligned == test.labels[: aligned.size]))
    crop_time, conv_time = _interleaved_seconds(
        lambda: crop_and_classify(model, mosaic, window=window, stride=stride),
        lambda: convolutional_sliding_windows(conv_model, mosaic),
        repeats=5,
    )
    result.metrics[f"sliding windows: max |conv - crop| ({suffix})"] = difference
    result.metrics["sliding windows: crop-and-classify time / convolutional time"] = (
        crop_time / conv_time
    )
    result.metrics[f"photo-aligned window accuracy ({suffix})"] = aligned_accuracy
    fig, axes = new_axes(2, 1, width=5.5, height=4.2, squeeze=False)
    axes[0, 0].imshow(mosaic)
    axes[0, 0].set_title(f"12 SIGNS test photos, {mosaic.shape[0]}×{mosaic.shape[1]}")
    n_classes = convolutional.shape[-1]
    shown = axes[0, 1].imshow(
        convolutional.argmax(-1),
        cmap=matplotlib.colormaps["tab10"].resampled(n_classes),
        vmin=-0.5,
        vmax=n_classes - 0.5,
    )
    axes[0, 1].set_title(f"digit predicted per window ({window}×{window}, stride {stride})")
    fig.colorbar(shown, ax=axes[0, 1], fraction=0.04, ticks=range(n_classes))
    for ax in axes.ravel():
        ax.grid(False)
    result.figures.append(save_figure(fig, out_dir / "sliding_windows.png"))
    rows, cols = convolutional.shape[:2]
    return [
        f"- Mosaic {mosaic.shape[0]}×{mosaic.shape[1]} of SIGNS test photos, window {window}, "
        f"stride {stride}: {rows}×{cols} = {rows * cols} windows.",
        f"- max |one convolutional pass − crop and classify| = {difference:.2e}; crop and "
        f"classify {1e3 * crop_time:.1f} ms, convolutional {1e3 * conv_time:.1f} ms "
        f"({crop_time / conv_time:.1f}× faster, median of 5 interleaved repeats, eager calls).",
        f"- accuracy of the {aligned.size} windows that sit exactly on a photo: "
        f"{aligned_accuracy:.3f}.",
    ]


def _spread_channels(patches: dict, n: int) -> dict:
    """``n`` channels evenly spread over those that respond at all (ReLU6 layers saturate, so
    ranking by the top activation would only pick ties)."""
    alive = [channel for channel, found in patches.items() if found[0].activation > 0]
    picked = [alive[i] for i in np.linspace(0, len(alive) - 1, min(n, len(alive))).astype(int)]
    return {channel: patches[channel] for channel in picked}


def _visualise(model, layer_names, images, shown, tag: str, out_dir: Path, result, n_channels):
    from dlspec.viz.activations import plot_feature_maps, plot_filters, plot_patch_grids

    fields = receptive_fields(model)
    lines = []
    for name in layer_names:
        channels = range(model.get_layer(name).output.shape[-1])
        patches = _spread_channels(
            top_activating_patches(model, name, images, channels, display_images=shown), n_channels
        )
        field = fields[name]
        title = (
            f"{tag} {name}: top-9 patches of {len(patches)} channels (receptive field "
            f"{field.size[0]}×{field.size[1]}, stride {field.jump[0]}"
            + (", clipped to the image)" if field.size[0] > images.shape[1] else ")")
        )
        lines.append(f"| {tag} | {name} | {field.size[0]} | {field.jump[0]} | {field.start[0]:g} |")
        grids = {f"channel {c}": [p.pixels for p in ps] for c, ps in patches.items()}
        if not grids:
            result.notes.append(f"{tag} {name}: no channel responds to these images.")
            continue
        result.figures.append(
            plot_patch_grids(grids, out_dir / f"{tag}_{name}_patches.png", title=title)
        )
    maps = feature_maps(model, layer_names[:2], images[0])
    for name, values in maps.items():
        result.figures.append(
            plot_feature_maps(values, out_dir / f"{tag}_{name}_maps.png", title=f"{tag} {name}")
        )
    result.figures.append(
        plot_filters(
            first_layer_filters(model), out_dir / f"{tag}_filters.png", title=f"{tag} first layer"
        )
    )
    return lines


def _mobilenet(quick: bool, out_dir: Path, result: LabResult) -> list[str]:
    from dlspec.cnn.transfer_learning import mobilenet_v2_base, preprocess_input
    from dlspec.data.image_folder import alpaca_datasets
    from dlspec.weights import WeightsNotFoundError

    try:
        base, resolved = mobilenet_v2_base(weights="imagenet")
    except WeightsNotFoundError as err:
        result.notes.append(
            f"MobileNetV2 visualisations skipped: no pretrained weights ({err}). Random "
            "weights would show nothing a network learns."
        )
        return []
    train, _ = alpaca_datasets()
    images = np.concatenate([x.numpy() for x, _ in (train.take(2) if quick else train)])
    result.notes.append(
        f"MobileNetV2 weights: {resolved.path.name} ({resolved.description}); {len(images)} alpaca "
        "training photos searched. Receptive fields of block_13 and out_relu exceed the 160×160 "
        "image: their patches are clipped to the image (gray around them in the grids)."
    )
    return _visualise(
        base,
        MOBILENET_LAYERS,
        preprocess_input(images.copy()),
        images / 255.0,
        "mobilenet_v2",
        out_dir,
        result,
        n_channels=4 if quick else 8,
    )


def run(*, quick: bool = False, out_dir: str | Path = "reports/c4w2-architectures") -> LabResult:
    """Build every architecture, tabulate costs, convert FC → conv, visualise what CNNs learn.

    ``quick`` trains the SIGNS window classifier for 4 epochs instead of 15 and searches fewer
    photos for the top patches (metric names carry the epochs); the cost tables are the same.
    """
    from dlspec.cnn.architectures import ARCHITECTURES
    from dlspec.cnn.convolution_application import convolutional_model
    from dlspec.data.signs import load_signs

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    result = LabResult("c4w2-architectures")
    costs = lecture_costs()
    result.metrics["5x5 conv multiplications (millions)"] = costs["5x5 conv"] / 1e6
    result.metrics["1x1 bottleneck + 5x5 conv multiplications (millions)"] = (
        costs["1x1 bottleneck + 5x5 conv"] / 1e6
    )
    result.metrics["depthwise-separable / normal conv multiplications"] = costs[
        "separable / normal ratio"
    ]
    report = [
        "# C4W2 architectures tour",
        "",
        "Multiplications are multiply-accumulates for one example, counted as the lectures do "
        "(convolution: output volume × f·f·n_C_prev; depthwise: output volume × f·f; dense: "
        "inputs × units); pooling, BatchNormalization, activations and additions count 0.",
        "",
        "## The lectures' examples",
        "",
        "| case | multiplications |",
        "|---|---:|",
        *(
            f"| {k} | {v:,.4g} |" if isinstance(v, float) else f"| {k} | {v:,} |"
            for k, v in costs.items()
        ),
        "",
        f"## Every architecture ({len(ARCHITECTURES)} builders, built, not trained)",
        "",
        *_architecture_rows(result),
    ]

    epochs = 4 if quick else 15
    suffix = f"{epochs} epochs"
    model, history = train_window_classifier(epochs=epochs)
    result.metrics[f"SIGNS window classifier test accuracy ({suffix})"] = history["val_accuracy"][
        -1
    ]
    report += [
        "",
        "## Multiplications vs TensorFlow's profiler",
        "",
        *_profiler_rows(
            {
                "SIGNS window classifier": model,
                "convolutional_model (course)": convolutional_model((64, 64, 3)),
                "mobilenet_v2 (dlspec)": ARCHITECTURES["mobilenet_v2"](),
            },
            result,
        ),
        "",
        "## SIGNS window classifier, layer by layer",
        "",
        model_cost(model).to_markdown(),
        "",
        "## Sliding windows, convolutionally",
        "",
        *_sliding_windows(model, suffix, out_dir, result),
        "",
        "## Receptive fields of the visualised layers",
        "",
        "| network | layer | size | stride | centre of unit 0 |",
        "|---|---|---:|---:|---:|",
    ]
    signs = load_signs("test" if quick else "train")
    report += _visualise(
        model,
        SIGNS_LAYERS,
        signs.images.astype("float32") / 255.0,
        signs.images,
        "signs_cnn",
        out_dir,
        result,
        n_channels=8,
    )
    report += _mobilenet(quick, out_dir, result)
    markdown = out_dir / "architectures.md"
    atomic_write_text(markdown, "\n".join(report) + "\n")
    result.extra["table"] = markdown
    result.notes.append(f"Tables: {markdown}")
    result.notes.append(
        "FLOPs: TensorFlow's profiler counts a multiply-accumulate as 2 FLOPs; its Conv2D, "
        "DepthwiseConv2dNative and MatMul FLOPs / 2 are compared with our multiplications."
    )
    return result
