"""Figures are written as real PNG files, atomically, with clear errors on bad input."""

import os
import subprocess
import sys

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from dlspec.viz import (
    InlineFigure,
    plot_costs,
    plot_decision_boundaries,
    plot_decision_boundary,
    plot_image_grid,
    plot_mislabeled_images,
    save_figure,
)
from dlspec.viz.figures import new_axes


def _png(path):
    with Image.open(path) as image:
        assert image.format == "PNG"
        return image.size


def test_cost_curves(tmp_path):
    one = plot_costs([0.7, 0.5, 0.3], tmp_path / "one.png", title="lr = 0.005")
    many = plot_costs({"lr = 0.01": [0.7, 0.4], "lr = 0.001": [0.7, 0.6]}, tmp_path / "m.png")
    assert _png(one)[0] > 100 and _png(many)[0] > 100
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.png", "one.png"]  # no temp files


def test_decision_boundary(tmp_path):
    X = np.random.default_rng(0).normal(size=(2, 50))
    Y = (X[0] > 0).astype(int).reshape(1, -1)
    path = plot_decision_boundary(lambda x: x[0] > 0, X, Y, tmp_path / "b.png", resolution=0.1)
    _png(path)
    both = plot_decision_boundaries(
        {"left": lambda x: x[0] > 0, "up": lambda x: x[1] > 0}, X, Y, tmp_path / "bb.png"
    )
    assert _png(both)[0] > _png(path)[0]
    with pytest.raises(ValueError, match=r"X must have shape \(2, m\)"):
        plot_decision_boundary(lambda x: x[0] > 0, X.T, Y, tmp_path / "bad.png")


def test_image_grids(tmp_path):
    images = np.random.default_rng(0).integers(0, 255, size=(7, 8, 8, 3), dtype=np.uint8)
    _png(plot_image_grid(images, [str(i) for i in range(7)], tmp_path / "g.png", ncols=3))
    with pytest.raises(ValueError, match="one title each"):
        plot_image_grid(images, ["a"], tmp_path / "bad.png")
    X = images.reshape(7, -1).T / 255.0
    y = np.array([[1, 0, 1, 1, 0, 0, 1]])
    p = np.array([[1, 1, 1, 0, 0, 0, 1]])
    path = plot_mislabeled_images([b"non-cat", b"cat"], X, y, p, tmp_path / "mis.png",
                                  image_shape=(8, 8, 3))  # fmt: skip
    _png(path)


def test_save_figure_insists_on_png(tmp_path):
    fig, _ = new_axes()
    with pytest.raises(ValueError, match="PNG"):
        save_figure(fig, tmp_path / "figure.pdf")


def test_import_leaves_the_backend_alone():
    # A kernel's inline backend (here: svg, chosen by the environment) must survive the import.
    code = (
        "import dlspec.viz, matplotlib, sys; "
        "print(matplotlib.get_backend(), 'matplotlib.pyplot' in sys.modules)"
    )
    env = {**os.environ, "MPLBACKEND": "svg"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["svg", "False"], out.stderr


def test_without_a_path_the_figure_is_returned(tmp_path):
    fig = plot_costs({"a": [0.7, 0.5], "b": [0.7, 0.6]}, title="two runs")
    assert isinstance(fig, InlineFigure) and len(fig.axes) == 1
    assert fig._repr_png_().startswith(b"\x89PNG")  # what Jupyter shows inline
    assert not plt.get_fignums()  # nothing left in pyplot's global list
    assert save_figure(fig, tmp_path / "later.png") == tmp_path / "later.png"
    assert _png(tmp_path / "later.png")[0] > 100
