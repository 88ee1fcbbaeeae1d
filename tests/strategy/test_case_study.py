"""The Course 3 case study on the real cat data: splits, tags, and the quick run end to end."""

from __future__ import annotations

import numpy as np
import pytest

import dlspec.labs
from dlspec.labs import get_lab
from dlspec.strategy.golden.case_study import CASES
from dlspec.strategy.labs import LABS
from dlspec.strategy.runs.case_study import build_splits, image_tags

LAB = "c3-case-study"


@pytest.fixture
def registered(monkeypatch):
    """The lab registry with the strategy package (until it is listed in COURSE_PACKAGES)."""
    if "dlspec.strategy" not in dlspec.labs.COURSE_PACKAGES:
        monkeypatch.setattr(
            dlspec.labs, "COURSE_PACKAGES", (*dlspec.labs.COURSE_PACKAGES, "dlspec.strategy")
        )


def test_registry_serves_the_golden_cases(registered):

    # the cases themselves run once, in tests/grading/test_grade_generated.py
    assert [c.label for c in get_lab(LAB).golden_cases()] == [c.label for c in CASES[LAB]]


def test_splits_of_the_real_data(cat_data):
    train_x, train_y, test_x, test_y, _ = cat_data
    splits = build_splits(train_x, train_y, test_x, test_y)
    assert {k: len(v[1]) for k, v in splits.items()} == {
        "train": 167,
        "train_dev": 42,
        "dev": 25,
        "test": 25,
    }
    inner = np.concatenate([splits["train"][2], splits["train_dev"][2]])
    outer = np.concatenate([splits["dev"][2], splits["test"][2]])
    assert sorted(inner) == list(range(209)) and sorted(outer) == list(range(50))
    tags = image_tags(splits["dev"][0], splits["train"][0])
    dark = np.mean(["dark" in t for t in image_tags(train_x, splits["train"][0])])
    assert 0.15 < dark < 0.25  # quintile thresholds of the training pictures
    assert all(t <= {"dark", "bright", "low contrast", "washed-out colour"} for t in tags)


@pytest.mark.slow
def test_quick_run_writes_the_report(registered, cat_data, tmp_path):
    result = get_lab(LAB).run(quick=True, out_dir=tmp_path)
    out_dir = tmp_path / LAB
    for target in LABS[0].quick_targets:
        assert target.met(result.metrics[target.metric]), (target, result.metrics)
    m = result.metrics
    assert m["human-level error (assumed)"] == 0.01
    for gap in ("avoidable bias", "variance", "data mismatch", "dev overfitting"):
        assert f"{gap} (600 epochs)" in m
    assert m["variance (600 epochs)"] == pytest.approx(
        m["train-dev error (600 epochs)"] - m["train error (600 epochs)"]
    )
    report = (out_dir / "c3_strategy.md").read_text()
    assert "| **avoidable bias** |" in report and "dominant problem" in report
    assert all(p.exists() for p in result.figures)
    assert (out_dir / "c3_error_curves.png").exists()
