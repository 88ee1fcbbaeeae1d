"""Runner of lab c4w4-nst (neural style transfer): the steps `dlspec run c4w4-nst` runs in order.

Golden cases, then style transfer of the louvre in Monet's style. Full run: the course's
400×400 and Adam 0.01, 250 steps (the course: 2501 on a GPU), images and checkpoints every 50
steps. A 400×400 VGG-19 step took 7 to 10 s on a busy 2-core machine
(``benchmarks/bench_style_transfer.py``): the full VGG-19 run takes tens of minutes on such a
CPU, minutes on a GPU. The offline MobileNetV2 fallback takes about 0.2 s a step (the full
run: under 2 minutes). A quick run: 128×128, 120 steps, Adam 0.03 (the course's later rate),
images every 40 steps (about a minute with MobileNetV2); its metric names say so. Rerunning
with the same output folder resumes (a finished run just reports again).

Options: ``weights`` (see :func:`~dlspec.cnn.style.backbones.lab_backbone`), ``content`` and
``style`` image files (default: the course's louvre_small.jpg and monet.jpg).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dlspec.cnn.style.backbones import lab_backbone
from dlspec.cnn.style.neural_style_transfer import (
    ALPHA,
    BETA,
    CONTENT_FILE,
    LEARNING_RATE,
    STYLE_FILE,
    image_to_uint8,
    load_image,
)
from dlspec.cnn.style.transfer import style_transfer
from dlspec.data.paths import data_path
from dlspec.grading import check_lab
from dlspec.labs import LabRun
from dlspec.viz.costs import plot_costs
from dlspec.viz.images import plot_image_grid

__all__ = ["FULL", "QUICK", "STEPS"]

#: the lab's (image size, steps, save interval, learning rate) of quick and full runs
QUICK = (128, 120, 40, 0.03)
FULL = (400, 250, 50, LEARNING_RATE)


def grade(run: LabRun) -> None:
    """Grade the content, style and total costs on the golden cases."""
    golden = check_lab(run.lab_id)
    run.result.metrics["golden cases passed"] = golden.metrics["golden cases passed"]
    run.result.notes.extend(golden.notes)


def choose_backbone(run: LabRun) -> None:
    """Build VGG-19 with ImageNet weights (else the offline MobileNetV2, said so)."""
    size, epochs, _, rate = QUICK if run.quick else FULL
    backbone, notes = lab_backbone(size, run.options.get("weights"))
    run.result.notes.extend(notes)
    content, style = run.options.get("content"), run.options.get("style")
    content = Path(content) if content else data_path(CONTENT_FILE)
    style = Path(style) if style else data_path(STYLE_FILE)
    run.result.notes.append(
        f"Content {content}, style {style}, {size}x{size}, {epochs} steps of Adam "
        f"({rate}), alpha {ALPHA:g}, beta {BETA:g}"
        + (
            " (quick: a smaller image and fewer steps than the course's 400x400, 2501)."
            if run.quick
            else "."
        )
    )
    run.state.update(backbone=backbone, content=content, style=style)


def transfer(run: LabRun) -> None:
    """Optimise the generated image with Adam, saving images and checkpoints (resumable)."""
    size, epochs, save_every, rate = QUICK if run.quick else FULL
    result = run.result
    run_dir = run.out_dir / ("quick" if run.quick else "full")
    transferred = style_transfer(
        run.state["content"],
        run.state["style"],
        backbone=run.state["backbone"],
        img_size=size,
        epochs=epochs,
        learning_rate=rate,
        out_dir=run_dir,
        save_every=save_every,
        overwrite=bool(run.options.get("overwrite")),
    )
    if transferred.resumed_from:
        result.notes.append(f"Resumed from the checkpoint at step {transferred.resumed_from}.")
    suffix = f" ({epochs} steps, {size}x{size})" if run.quick else ""
    result.metrics[f"total cost reduction{suffix}"] = transferred.cost_reduction
    result.metrics["initial total cost"] = transferred.J[0]
    result.metrics["final total cost"] = transferred.final_costs["J"]
    result.metrics["final content cost"] = transferred.final_costs["J_content"]
    result.metrics["final style cost"] = transferred.final_costs["J_style"]
    if not np.isnan(transferred.seconds_per_step):
        result.metrics["seconds per step (median)"] = transferred.seconds_per_step
    result.notes.append(
        f"Intermediate images every {save_every} steps and checkpoints in {run_dir}."
    )
    run.state["transfer"] = transferred


def figures(run: LabRun) -> None:
    """Show the content, style and generated images and plot the total cost."""
    size, epochs, _, _ = QUICK if run.quick else FULL
    transferred = run.state["transfer"]
    panels = np.stack(
        [
            image_to_uint8(load_image(run.state["content"], size)),
            image_to_uint8(load_image(run.state["style"], size)),
            image_to_uint8(transferred.image),
        ]
    )
    run.result.figures.append(
        plot_image_grid(
            panels,
            ["content", "style", f"generated ({epochs} steps)"],
            run.out_dir / "images.png",
            ncols=3,
        )
    )
    run.result.figures.append(
        plot_costs(
            transferred.J,
            run.out_dir / "total_cost.png",
            every=1,
            title="Total cost J = alpha J_content + beta J_style",
            xlabel="steps",
            log_scale=True,
        )
    )
    run.result.figures.extend(transferred.saved)


STEPS = (grade, choose_backbone, transfer, figures)
