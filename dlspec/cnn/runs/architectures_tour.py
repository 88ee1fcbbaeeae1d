"""Runner of lab c4w2-architectures (classic CNNs, what they cost, sliding windows, what
networks learn): the steps `dlspec run c4w2-architectures` runs in order.

A tour of the C4W2 lectures (and the C4W3/C4W4 lectures that reuse them) as one lab:

1. **Cost.** The lectures' numbers from
   :func:`dlspec.cnn.lectures.cost_calculator.lecture_costs`. Then every architecture of
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
``quick`` trains the SIGNS window classifier for 4 epochs instead of 15 and searches fewer
photos for the top patches (metric names carry the epochs); the cost tables are the same.
"""

from __future__ import annotations

import time

import keras
import matplotlib
import numpy as np

from dlspec.cnn import architectures
from dlspec.cnn.convolution_application import convolutional_model
from dlspec.cnn.lectures.cost_calculator import (
    MULTIPLYING_OPS,
    lecture_costs,
    model_cost,
    profiler_flops,
)
from dlspec.cnn.lectures.feature_visualization import (
    feature_maps,
    first_layer_filters,
    top_activating_patches,
)
from dlspec.cnn.lectures.receptive_field import receptive_fields
from dlspec.cnn.lectures.sliding_windows import (
    convolutional_sliding_windows,
    crop_and_classify,
    dense_head_to_conv,
    signs_mosaic,
    train_window_classifier,
    window_grid,
)
from dlspec.cnn.transfer_learning import mobilenet_v2_base, preprocess_input
from dlspec.data.image_folder import alpaca_datasets
from dlspec.data.signs import load_signs
from dlspec.io import atomic_write_text
from dlspec.labs import LabRun
from dlspec.viz import new_axes, save_figure
from dlspec.viz.activations import plot_feature_maps, plot_filters, plot_patch_grids
from dlspec.weights import WeightsNotFoundError

SIGNS_LAYERS = ("conv1", "conv2", "conv3")
MOBILENET_LAYERS = (
    "block_1_expand_relu",
    "block_3_expand_relu",
    "block_6_expand_relu",
    "block_13_expand_relu",
    "out_relu",
)


def _epochs(run: LabRun) -> int:
    return 4 if run.quick else 15


def costs(run: LabRun) -> None:
    """Compute the lectures' cost examples (5×5 vs 1×1 bottleneck, depthwise separable)."""
    run.out_dir.mkdir(parents=True, exist_ok=True)
    found = lecture_costs()
    metrics = run.result.metrics
    metrics["5x5 conv multiplications (millions)"] = found["5x5 conv"] / 1e6
    metrics["1x1 bottleneck + 5x5 conv multiplications (millions)"] = (
        found["1x1 bottleneck + 5x5 conv"] / 1e6
    )
    metrics["depthwise-separable / normal conv multiplications"] = found["separable / normal ratio"]
    run.state["report"] = [
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
            for k, v in found.items()
        ),
    ]


def tabulate_architectures(run: LabRun) -> None:
    """Build every architecture; count its parameters and multiplications against keras'."""
    builders = architectures.ARCHITECTURES
    lines = [
        "| architecture | input | parameters | keras.applications | equal | multiplications |",
        "|---|---|---:|---:|---|---:|",
    ]
    equal = []
    for name, builder in builders.items():
        model = builder()
        table = model_cost(model)
        if table.total_parameters != model.count_params():
            raise AssertionError(f"{name}: the cost table misses parameters.")
        twin = same = ""
        if name in architectures.KERAS_TWINS:
            twin_model = getattr(keras.applications, architectures.KERAS_TWINS[name])
            twin_count = twin_model(weights=None).count_params()
            equal.append(twin_count == table.total_parameters)
            twin, same = f"{twin_count:,}", "yes" if equal[-1] else "**no**"
        shape = "×".join(str(d) for d in model.input_shape[1:])
        lines.append(
            f"| {name} | {shape} | {table.total_parameters:,} | {twin} | {same} | "
            f"{table.total_multiplications / 1e6:,.1f}M |"
        )
        run.result.extra[f"{name} cost"] = table
        del model
        keras.backend.clear_session()
    run.result.metrics["parameter counts equal to keras.applications"] = float(np.mean(equal))
    run.result.notes.append("Parameters and multiplications per example:\n" + "\n".join(lines))
    run.state["report"] += [
        "",
        f"## Every architecture ({len(builders)} builders, built, not trained)",
        "",
        *lines,
    ]


def train_classifier(run: LabRun) -> None:
    """Train a small "valid"-padding SIGNS classifier (15 epochs; 4 in quick mode)."""
    epochs = _epochs(run)
    model, history = train_window_classifier(epochs=epochs)
    run.result.metrics[f"SIGNS window classifier test accuracy ({epochs} epochs)"] = history[
        "val_accuracy"
    ][-1]
    run.state["model"] = model


def compare_profiler(run: LabRun) -> None:
    """Compare our multiplications with TensorFlow's profiler FLOPs."""
    models = {
        "SIGNS window classifier": run.state["model"],
        "convolutional_model (course)": convolutional_model((64, 64, 3)),
        "mobilenet_v2 (dlspec)": architectures.ARCHITECTURES["mobilenet_v2"](),
    }
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
    run.result.metrics["profiler vs calculator, largest relative difference"] = worst
    run.state["report"] += [
        "",
        "## Multiplications vs TensorFlow's profiler",
        "",
        *lines,
        "",
        "## SIGNS window classifier, layer by layer",
        "",
        model_cost(run.state["model"]).to_markdown(),
    ]


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


def sliding_windows(run: LabRun) -> None:
    """Slide the classifier over a mosaic of SIGNS photos: one convolutional pass vs crops."""
    model, suffix, result = run.state["model"], f"{_epochs(run)} epochs", run.result
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
    result.figures.append(save_figure(fig, run.out_dir / "sliding_windows.png"))
    rows, cols = convolutional.shape[:2]
    run.state["report"] += [
        "",
        "## Sliding windows, convolutionally",
        "",
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


def _visualise(run: LabRun, model, layer_names, images, shown, tag: str, n_channels: int):
    """Top patches, feature maps and first-layer filters of ``model``; the receptive-field rows."""
    result, out_dir = run.result, run.out_dir
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
    run.state["report"] += lines


def visualise_signs_cnn(run: LabRun) -> None:
    """Show what the SIGNS classifier learned: top patches, feature maps, filters."""
    run.state["report"] += [
        "",
        "## Receptive fields of the visualised layers",
        "",
        "| network | layer | size | stride | centre of unit 0 |",
        "|---|---|---:|---:|---:|",
    ]
    signs = load_signs("test" if run.quick else "train")
    images = signs.images.astype("float32") / 255.0
    _visualise(run, run.state["model"], SIGNS_LAYERS, images, signs.images, "signs_cnn", 8)


def visualise_mobilenet(run: LabRun) -> None:
    """Show what MobileNetV2 (pretrained) learned, on the alpaca photos."""
    try:
        base, resolved = mobilenet_v2_base(weights="imagenet")
    except WeightsNotFoundError as err:
        run.result.notes.append(
            f"MobileNetV2 visualisations skipped: no pretrained weights ({err}). Random "
            "weights would show nothing a network learns."
        )
        return
    train, _ = alpaca_datasets()
    images = np.concatenate([x.numpy() for x, _ in (train.take(2) if run.quick else train)])
    run.result.notes.append(
        f"MobileNetV2 weights: {resolved.path.name} ({resolved.description}); {len(images)} alpaca "
        "training photos searched. Receptive fields of block_13 and out_relu exceed the 160×160 "
        "image: their patches are clipped to the image (gray around them in the grids)."
    )
    _visualise(
        run,
        base,
        MOBILENET_LAYERS,
        preprocess_input(images.copy()),
        images / 255.0,
        "mobilenet_v2",
        n_channels=4 if run.quick else 8,
    )


def write_report(run: LabRun) -> None:
    """Write the tables to architectures.md."""
    markdown = run.out_dir / "architectures.md"
    atomic_write_text(markdown, "\n".join(run.state["report"]) + "\n")
    run.result.extra["table"] = markdown
    run.result.notes.append(f"Tables: {markdown}")
    run.result.notes.append(
        "FLOPs: TensorFlow's profiler counts a multiply-accumulate as 2 FLOPs; its Conv2D, "
        "DepthwiseConv2dNative and MatMul FLOPs / 2 are compared with our multiplications."
    )


STEPS = (
    costs,
    tabulate_architectures,
    train_classifier,
    compare_profiler,
    sliding_windows,
    visualise_signs_cnn,
    visualise_mobilenet,
    write_report,
)
