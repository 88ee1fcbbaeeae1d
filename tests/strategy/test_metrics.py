"""Single-number metrics agree with scikit-learn; select_model explains its choice."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import precision_recall_fscore_support

from dlspec.strategy.metrics import f1, precision_recall_f1, select_model, weighted_error


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("average", [None, "macro", "micro", "weighted"])
def test_agrees_with_sklearn_multiclass(seed, average):
    rng = np.random.default_rng(seed)
    y, p = rng.integers(0, 4, 60), rng.integers(0, 5, 60)  # class 4 only predicted
    ours = precision_recall_f1(y, p, average=average)
    theirs = precision_recall_fscore_support(y, p, average=average, zero_division=0)
    for a, b in zip(ours[:3], theirs[:3]):
        np.testing.assert_allclose(a, b, atol=1e-12)
    if average is None:
        np.testing.assert_array_equal(ours[3], theirs[3])


@pytest.mark.parametrize("seed", range(5))
def test_agrees_with_sklearn_binary(seed):
    rng = np.random.default_rng(seed)
    y, p = rng.integers(0, 2, 40), rng.integers(0, 2, 40)
    ours = precision_recall_f1(y, p, average="binary")
    theirs = precision_recall_fscore_support(y, p, average="binary", zero_division=0)
    np.testing.assert_allclose(ours[:3], theirs[:3], atol=1e-12)


def test_explicit_labels_and_zero_division():
    p, r, f, s = precision_recall_f1([0, 0], [0, 0], labels=[0, 1])
    np.testing.assert_array_equal(p, [1.0, 0.0])
    np.testing.assert_array_equal(s, [2, 0])


def test_f1_punishes_a_small_value():
    assert f1(0.66, 0.8) == pytest.approx(0.7233, abs=1e-4)
    assert f1(0.66, 0.1) == pytest.approx(0.1737, abs=1e-4)
    assert f1(0, 0) == 0.0


def test_weighted_error():
    assert weighted_error([0, 1, 1, 0], [0, 1, 0, 1]) == 0.5
    assert weighted_error([0, 1, 1, 0], [0, 1, 0, 1], [1, 1, 10, 1]) == pytest.approx(11 / 13)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: f1(1.2, 0.5), r"precision must be a fraction in \[0, 1\]"),
        (lambda: f1(0.5, -0.1), r"recall must be a fraction"),
        (lambda: precision_recall_f1([1, 0], [1], average="macro"), "same number of labels"),
        (lambda: precision_recall_f1([1, 0], [1, 0], average="mean"), "average must be one of"),
        (lambda: precision_recall_f1([], [], average="macro"), "empty"),
        (lambda: precision_recall_f1([0, 0], [0, 0], average="binary"), "pos_label=1"),
        (lambda: weighted_error([1, 0], [1, 1], [1, -1]), "non-negative"),
        (lambda: weighted_error([1, 0], [1, 1], [1]), "one weight per example"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


CANDIDATES = {
    "A": {"accuracy": 0.90, "ms": 80, "false positives/24h": 0.5},
    "B": {"accuracy": 0.92, "ms": 95, "false positives/24h": 2},
    "C": {"accuracy": 0.95, "ms": 1500, "false positives/24h": 0.1},
}


def test_select_model_explains_each_rejection():
    s = select_model(CANDIDATES, optimizing="accuracy", satisficing={"ms": 100})
    assert (s.best, s.value, s.ranking) == ("B", 0.92, ("B", "A"))
    assert s.reasons["C"] == "ms = 1500 violates ms <= 100"
    assert "does not beat B's 0.92" in s.reasons["A"]
    s = select_model(
        CANDIDATES,
        optimizing="accuracy",
        satisficing={"ms": ("<=", 100), "false positives/24h": ("<=", 1)},
    )
    assert s.best == "A" and "false positives/24h = 2 violates" in s.reasons["B"]
    assert select_model(CANDIDATES, optimizing="ms", maximize=False).best == "A"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"satisficing": {"ms": 10}}, "no candidate meets every satisficing threshold"),
        ({"satisficing": {"memory": 10}}, "has no metric 'memory'"),
        ({"satisficing": {"ms": ("==", 10)}}, r"must be a number \(an upper bound\)"),
    ],
)
def test_select_model_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        select_model(CANDIDATES, optimizing="accuracy", **kwargs)
    with pytest.raises(ValueError, match="candidates is empty"):
        select_model({}, optimizing="accuracy")
