"""Error analysis: counts, % of errors, ceilings, exports, CSV input, contact sheets."""

from __future__ import annotations

import numpy as np
import pytest

from dlspec.strategy.error_analysis import MISLABELLED, error_analysis, read_tags_csv
from dlspec.strategy.plots import plot_error_analysis

TAGS = {
    "img1": {"dog", "blurry"},
    "img2": {"great cat"},
    "img3": {"blurry", MISLABELLED},
    "img4": set(),
    "img5": {"blurry"},
}


def test_table_counts_fractions_and_ceilings():
    ea = error_analysis(TAGS, error_rate=0.10)
    assert ea.tag_names == ["blurry", "dog", "great cat", MISLABELLED]
    row = ea.row("blurry")
    assert (row.count, row.fraction) == (3, 0.6)
    assert row.ceiling == pytest.approx(0.06) and row.best_error == pytest.approx(0.04)
    assert ea.row(MISLABELLED).count == 1
    assert error_analysis([{"dog"}], error_rate=0.1).row(MISLABELLED).count == 0
    md = ea.to_markdown()
    assert "| blurry | 3 | 60.0% | 6.00% | 4.00% |" in md
    assert ea.to_csv().splitlines()[1] == "blurry,3,0.6,0.06,0.04"
    with pytest.raises(KeyError, match="no tag 'cat'"):
        ea.row("cat")


def test_csv_round_trip(tmp_path):
    ea = error_analysis(TAGS, error_rate=0.10)
    sheet = tmp_path / "tags.csv"
    ea.spreadsheet_csv(sheet)
    assert read_tags_csv(sheet) == {k: frozenset(v) for k, v in TAGS.items()}
    assert error_analysis(sheet, error_rate=0.1).rows == ea.rows
    ea.to_csv(tmp_path / "table.csv")
    assert (tmp_path / "table.csv").read_text().startswith("tag,count,fraction")
    listed = tmp_path / "listed.csv"
    listed.write_text("example,tags\nimg1,dog; blurry\nimg2,\n")
    assert read_tags_csv(listed) == {"img1": frozenset({"dog", "blurry"}), "img2": frozenset()}


def test_contact_sheets(tmp_path):
    ea = error_analysis(TAGS, error_rate=0.10)
    images = np.random.default_rng(0).integers(0, 255, (5, 8, 8, 3)).astype(np.uint8)
    paths = ea.contact_sheets(images, tmp_path, limit=2)
    assert sorted(p.name for p in paths) == [
        "errors_blurry.png",
        "errors_dog.png",
        "errors_great_cat.png",
        "errors_incorrectly_labelled.png",
    ]
    assert plot_error_analysis(ea, tmp_path / "bars.png").exists()
    with pytest.raises(ValueError, match="one image per examined example"):
        ea.contact_sheets(images[:2], tmp_path)


def test_bad_input(tmp_path):
    with pytest.raises(ValueError, match="not misclassified: \\['img5'\\]"):
        error_analysis(TAGS, error_rate=0.1, misclassified=["img1", "img2", "img3", "img4"])
    with pytest.raises(ValueError, match=r"error_rate error must be a fraction"):
        error_analysis(TAGS, error_rate=10)
    with pytest.raises(ValueError, match="tags is empty"):
        error_analysis([], error_rate=0.1)
    with pytest.raises(TypeError, match="non-empty strings"):
        error_analysis([{"dog", 3}], error_rate=0.1)
    bad = tmp_path / "bad.csv"
    bad.write_text("example,dog\nimg1,maybe\n")
    with pytest.raises(ValueError, match="bad.csv:2: column 'dog' holds 'maybe'"):
        read_tags_csv(bad)
    bad.write_text("name,dog\nimg1,1\n")
    with pytest.raises(ValueError, match="first column must be named 'example'"):
        read_tags_csv(bad)
    bad.write_text("example,dog\nimg1,1\nimg1,0\n")
    with pytest.raises(ValueError, match="appears twice"):
        read_tags_csv(bad)
