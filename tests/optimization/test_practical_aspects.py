"""Lab c2-practical end to end on tiny settings: every study runs, the registry's metrics appear."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import need_data

from dlspec.data.catvnoncat import CATVNONCAT_FILES
from dlspec.data.football import FOOTBALL_FILE, load_2D_dataset
from dlspec.labs import get_lab, run_steps
from dlspec.optimization.input_normalization import SCALINGS
from dlspec.optimization.practical_aspects import per_step_losses
from dlspec.optimization.runs import practical_aspects as runner
from dlspec.optimization.runs.practical_aspects import QUICK, Settings

TINY = Settings(
    ewma_steps=60,
    gradient_steps=10,
    gradient_depth=8,
    step_multiples=(4, 8),
    scalings=(SCALINGS[0], SCALINGS[2]),
    early_stopping_iterations=300,
    search={"trials": 2, "zoom_trials": 1, "epochs": 5},
    panda=None,
)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    need_data(FOOTBALL_FILE, *CATVNONCAT_FILES.values())
    out = tmp_path_factory.mktemp("c2-practical")
    return run_steps("c2-practical", runner.STEPS, out_dir=out, settings=TINY)


@pytest.mark.slow
def test_every_registry_target_is_reported_by_the_full_run_names(tiny_run):
    lab = get_lab("c2-practical")
    assert lab.runner == runner.__name__ and lab.steps == runner.STEPS
    missing = [t.metric for t in lab.targets if t.metric not in tiny_run.metrics]
    assert not missing


@pytest.mark.slow
def test_tiny_run_results_are_sound(tiny_run):
    metrics = tiny_run.metrics
    assert metrics["EWMA loop vs vectorised max |difference|"] < 1e-12
    # 8 layers here (20 in the lab): 0.04^8 and 4^8 per-layer gains vs He's ≈ 1
    assert metrics["first-layer gradient norm at init / He's (tiny init N(0, 0.01²))"] < 1e-8
    assert metrics["first-layer gradient norm at init / He's (large init N(0, 1))"] > 1e4
    assert metrics["normalisation speed-up over raw 0-255 (steps to loss 0.3)"] > 2
    assert 0.5 < metrics["search best dev accuracy (regularization data)"] <= 1
    names = {path.name for path in tiny_run.figures}
    assert {"ewma.png", "gradient_norms.png", "activation_std.png", "early_stopping.png"} <= names
    assert all(path.exists() for path in tiny_run.figures)


def test_quick_metric_names_say_what_was_shortened():
    assert QUICK.panda is None and QUICK.early_stopping_iterations < 30000
    lab = get_lab("c2-practical")
    shortened = {
        "search best dev accuracy (regularization data, trials 4, zoom_trials 2, epochs 100)",
        f"early stopping test accuracy (early-stopping study, {QUICK.early_stopping_iterations} "
        "iterations)",
    }
    assert shortened <= {t.metric for t in lab.quick_targets}
    assert not shortened & {t.metric for t in lab.targets}


def test_per_step_losses_are_a_noisy_decreasing_curve():
    need_data(FOOTBALL_FILE)
    train_X, train_Y, _, _ = load_2D_dataset()
    losses = np.asarray(per_step_losses(train_X, train_Y, steps=120))
    assert losses.shape == (120,)
    assert losses[-30:].mean() < losses[:30].mean()
    assert np.std(np.diff(losses)) > 0.01  # mini-batch noise: what the EWMA smooths
