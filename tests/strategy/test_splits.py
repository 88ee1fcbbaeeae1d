"""Splits: disjoint, complete, seeded, stratified, sized by the course's rules."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlspec.strategy.splits import (
    SPLITS,
    default_fractions,
    split_arrays,
    split_dataset,
    split_indices,
    split_sizes,
    target_distribution_split,
)


def _fractions():
    return st.lists(st.integers(1, 20), min_size=4, max_size=4).map(
        lambda w: {s: v / sum(w) for s, v in zip(SPLITS, w)}
    )


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(8, 400),
    fractions=_fractions(),
    seed=st.integers(0, 2**16),
    stratified=st.booleans(),
)
def test_no_example_in_two_splits_and_sizes_add_up(n, fractions, seed, stratified):
    labels = np.random.default_rng(seed).integers(0, 3, n) if stratified else None
    try:
        parts = split_indices(n, fractions, seed=seed, stratify=labels)
    except ValueError as err:  # only when a split asked for would be empty
        assert "would be empty" in str(err)
        return
    everything = np.concatenate([parts[s] for s in SPLITS])
    assert len(everything) == n
    assert len(np.unique(everything)) == n  # disjoint and complete
    assert {s: len(parts[s]) for s in SPLITS} == split_sizes(n, fractions)
    for s in SPLITS:
        assert abs(len(parts[s]) - fractions[s] * n) < 4 + 1e-9


def test_course_size_rules():
    assert split_sizes(1000) == {"train": 600, "train_dev": 0, "dev": 200, "test": 200}
    assert split_sizes(1_000_000) == {
        "train": 980_000,
        "train_dev": 0,
        "dev": 10_000,
        "test": 10_000,
    }
    assert default_fractions(10_000)["train"] == 0.6
    assert sum(default_fractions(500, train_dev=0.2).values()) == pytest.approx(1.0)
    assert split_sizes(100, {"train": 50, "dev": 10, "test": 10})["train_dev"] == 0


def test_seeded_and_stratified():
    y = np.r_[np.ones(30), np.zeros(70)].astype(int)
    a = split_indices(100, (0.6, 0.2, 0.2), seed=3, stratify=y)
    b = split_indices(100, (0.6, 0.2, 0.2), seed=3, stratify=y)
    c = split_indices(100, (0.6, 0.2, 0.2), seed=4, stratify=y)
    assert all(np.array_equal(a[s], b[s]) for s in SPLITS)
    assert not np.array_equal(a["train"], c["train"])
    assert [int(y[a[s]].sum()) for s in ("train", "dev", "test")] == [18, 6, 6]


def test_split_arrays_column_layout():
    X, Y = np.arange(40).reshape(2, 20), (np.arange(20) % 2).reshape(1, 20)
    parts = split_arrays(X, Y, fractions=(0.5, 0.1, 0.2, 0.2), axis=-1, seed=0)
    assert parts["train_dev"][0].shape == (2, 2)
    np.testing.assert_array_equal(parts["dev"][0][0] % 2, parts["dev"][1][0])
    with pytest.raises(ValueError, match="same number of examples"):
        split_arrays(X, Y[:, :5], axis=-1)


def test_split_dataset_matches_indices():
    import tensorflow as tf

    x = np.arange(30)
    ds = tf.data.Dataset.from_tensor_slices((x, x % 3))
    parts = split_dataset(ds, (0.6, 0.1, 0.2, 0.1), seed=1, stratify=x % 3)
    idx = split_indices(30, (0.6, 0.1, 0.2, 0.1), seed=1, stratify=x % 3)
    for s in SPLITS:
        got = sorted(int(a) for a, _ in parts[s])
        assert got == idx[s].tolist()
        assert int(parts[s].cardinality()) == len(idx[s])
    unknown = tf.data.Dataset.range(10).filter(lambda v: v >= 0)
    assert sum(int(parts.cardinality()) for parts in split_dataset(unknown).values()) == 10
    with pytest.raises(ValueError, match="infinite"):
        split_dataset(tf.data.Dataset.range(3).repeat())


def test_target_distribution_recipe():
    parts = target_distribution_split(2000, 100, target_to_train=0.5, train_dev=0.1, seed=0)
    assert {s: len(v) for s, v in parts.items()} == {
        "train": 1845,
        "train_dev": 205,
        "dev": 25,
        "test": 25,
    }
    assert all(v >= 2000 for s in ("dev", "test") for v in parts[s])  # target only
    everything = np.concatenate(list(parts.values()))
    assert len(np.unique(everything)) == 2100


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: split_sizes(10, (0.5, 0.2, 0.2)), "must add up to 1"),
        (lambda: split_sizes(3, (0.9, 0.05, 0.05)), "dev, test would be empty"),
        (lambda: split_sizes(10, {"train": 8, "dev": 5}), "add up to 13 but there are only 10"),
        (lambda: split_sizes(10, {"training": 1.0}), "unknown split names"),
        (lambda: split_sizes(10, (1.2, -0.1, -0.1)), "must be >= 0"),
        (lambda: split_sizes(0), "positive number of examples"),
        (lambda: split_indices(5, stratify=[0, 1]), "one label per example"),
        (lambda: target_distribution_split(10, 1), "cannot fill both dev and test"),
        (lambda: target_distribution_split(10, 10, target_to_train=1.0), "target_to_train"),
    ],
)
def test_unsatisfiable_requests(call, match):
    with pytest.raises(ValueError, match=match):
        call()
