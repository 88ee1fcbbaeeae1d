"""Runner of lab c4w1-conv-step (Convolutional model, step by step): the steps
`dlspec run c4w1-conv-step` runs in order.

The golden cases, then the course's loops against their vectorised twin
(:mod:`dlspec.cnn.convolution_vectorized`): agreement, speed, and a feature-map figure.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from dlspec.cnn import convolution_step_by_step as loops
from dlspec.cnn import convolution_vectorized as vec
from dlspec.cnn.convolution_step_by_step import POOL_MODES
from dlspec.grading import check_lab
from dlspec.labs import LabRun
from dlspec.viz import new_axes, save_figure


def max_difference_to_vectorized(seed: int = 0) -> float:
    """Largest |loop − vectorised| over forward and backward of conv and both poolings."""
    rng = np.random.default_rng(seed)
    A_prev = rng.standard_normal((3, 9, 8, 3))
    W = rng.standard_normal((3, 3, 3, 4))
    b = rng.standard_normal((1, 1, 1, 4))
    hp = {"stride": 2, "pad": 1}
    (Z1, c1), (Z2, c2) = loops.conv_forward(A_prev, W, b, hp), vec.conv_forward(A_prev, W, b, hp)
    dZ = rng.standard_normal(Z1.shape)
    diffs = [np.abs(Z1 - Z2).max()]
    for g1, g2 in zip(loops.conv_backward(dZ, c1), vec.conv_backward(dZ, c2)):
        diffs.append(np.abs(g1 - g2).max())
    for mode in POOL_MODES:
        hp = {"stride": 2, "f": 3}
        (A1, c1), (A2, c2) = (
            loops.pool_forward(A_prev, hp, mode),
            vec.pool_forward(A_prev, hp, mode),
        )
        dA = rng.standard_normal(A1.shape)
        diffs.append(np.abs(A1 - A2).max())
        backward = loops.pool_backward(dA, c1, mode) - vec.pool_backward(dA, c2, mode)
        diffs.append(np.abs(backward).max())
    return float(max(diffs))


def time_forward_backward(module, A_prev, W, b, hparameters, repeats: int = 1) -> float:
    """Median seconds of one conv forward + backward (upstream gradient: ones) with ``module``."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        Z, cache = module.conv_forward(A_prev, W, b, hparameters)
        module.conv_backward(np.ones_like(Z), cache)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def _demo_image(size: int = 64) -> np.ndarray:
    """A generated grey image: a bright disc and a dark square on a gradient background."""
    yy, xx = np.mgrid[0:size, 0:size] / size
    image = 0.3 + 0.3 * xx
    image[(yy - 0.35) ** 2 + (xx - 0.3) ** 2 < 0.04] = 1.0
    image[(yy > 0.55) & (yy < 0.85) & (xx > 0.55) & (xx < 0.85)] = 0.0
    return image


def plot_edges_and_pooling(path: str | Path) -> Path:
    """A generated image, its vertical/horizontal edge maps (conv_forward), and max/avg pooling."""
    image = _demo_image()[None, :, :, None]
    sobel = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
    W = np.stack([sobel, sobel.T], axis=-1)[:, :, None, :]
    Z, _ = vec.conv_forward(image, W, np.zeros((1, 1, 1, 2)), {"stride": 1, "pad": 1})
    A_max, _ = vec.pool_forward(image, {"f": 4, "stride": 4}, "max")
    A_avg, _ = vec.pool_forward(image, {"f": 4, "stride": 4}, "average")
    panels = [
        ("generated input (64×64)", image[0, :, :, 0], "gray"),
        ("conv, Sobel x (vertical edges)", Z[0, :, :, 0], "RdBu"),
        ("conv, Sobel y (horizontal edges)", Z[0, :, :, 1], "RdBu"),
        ("max pool f=4 s=4", A_max[0, :, :, 0], "gray"),
        ("average pool f=4 s=4", A_avg[0, :, :, 0], "gray"),
    ]
    fig, axes = new_axes(len(panels), width=3.0, height=3.0)
    for ax, (title, data, cmap) in zip(axes, panels):
        limit = np.abs(data).max() or 1.0
        ax.imshow(data, cmap=cmap, **({"vmin": -limit, "vmax": limit} if cmap == "RdBu" else {}))
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    return save_figure(fig, path)


def grade(run: LabRun) -> None:
    """Grade the loop implementation on the course's golden cases."""
    graded = check_lab(run.lab_id)
    run.result.metrics.update(graded.metrics)
    run.result.notes.extend(graded.notes)


def compare(run: LabRun) -> None:
    """Compare the loops with the vectorised twin (forward and backward, conv and pooling)."""
    run.result.metrics["vectorised vs loop max difference"] = max_difference_to_vectorized()


def time_both(run: LabRun) -> None:
    """Time conv forward + backward, loops vs vectorised (10 examples, 2 in quick mode)."""
    m = 2 if run.quick else 10
    rng = np.random.default_rng(1)
    A_prev = rng.standard_normal((m, 64, 64, 3))
    W = rng.standard_normal((3, 3, 3, 8))
    b = rng.standard_normal((1, 1, 1, 8))
    hp = {"stride": 1, "pad": 1}
    vec_seconds = time_forward_backward(vec, A_prev, W, b, hp, repeats=5)
    loop_seconds = time_forward_backward(loops, A_prev, W, b, hp)
    label = f"conv fwd+bwd, A_prev ({m}, 64, 64, 3), W (3, 3, 3, 8)"
    metrics = run.result.metrics
    metrics[f"loop seconds ({label})"] = loop_seconds
    metrics[f"vectorised seconds ({label})"] = vec_seconds
    metrics[f"vectorised speed-up over loops ({label})"] = loop_seconds / vec_seconds


def figures(run: LabRun) -> None:
    """Plot edge maps and poolings of a generated image."""
    run.result.figures.append(plot_edges_and_pooling(run.out_dir / "feature_maps.png"))
    run.result.notes.append("make bench compares the vectorised version with tf.nn.conv2d as well.")


STEPS = (grade, compare, time_both, figures)
