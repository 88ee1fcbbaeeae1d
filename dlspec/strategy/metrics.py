"""Single-number evaluation metrics (C3W1): precision, recall, F1, weighted error, model choice.

The course's advice: evaluate with one number (F1 instead of precision *and* recall, the
average error over regions), weight the errors that matter more, and choose a model by
maximising one *optimizing* metric subject to thresholds on the *satisficing* ones.
Pure NumPy; the averaging conventions are scikit-learn's (a 0/0 ratio counts as 0).
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "f1",
    "precision_recall_f1",
    "weighted_error",
    "Selection",
    "select_model",
]

AVERAGES = (None, "binary", "macro", "micro", "weighted")


def f1(precision: float, recall: float) -> float:
    """The harmonic mean ``2PR / (P + R)`` of precision and recall (0 when both are 0).

    It punishes a small value: ``P = 0.66, R = 0.8`` gives 0.72 but ``R = 0.1`` gives 0.17.

    Example:
        >>> round(f1(0.66, 0.8), 4), round(f1(0.66, 0.1), 4)
        (0.7233, 0.1737)
    """
    for name, value in (("precision", precision), ("recall", recall)):
        _check_fraction(value, name)
    total = precision + recall
    return 0.0 if total == 0 else float(2 * precision * recall / total)


def _check_fraction(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number in [0, 1]; got {value!r}.")
    if not 0.0 <= float(value) <= 1.0:  # also rejects NaN
        raise ValueError(f"{name} must be a fraction in [0, 1]; got {value!r}.")
    return float(value)


def _labels_pair(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    y_true, y_pred = np.ravel(np.asarray(y_true)), np.ravel(np.asarray(y_pred))
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred must hold the same number of labels; got {y_true.size} and "
            f"{y_pred.size}."
        )
    if y_true.size == 0:
        raise ValueError("y_true and y_pred are empty; there is nothing to evaluate.")
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
            raise ValueError(f"{name} contains NaN or infinity; labels must be class ids.")
    return y_true, y_pred


def _divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num, den = np.asarray(num, float), np.asarray(den, float)
    return np.divide(num, den, out=np.zeros_like(num), where=den != 0)


def precision_recall_f1(
    y_true,
    y_pred,
    *,
    average: str | None = None,
    labels: Sequence | None = None,
    pos_label=1,
):
    """Precision ``TP/(TP+FP)``, recall ``TP/(TP+FN)`` and F1 per class or averaged.

    Args:
        y_true, y_pred: class labels of the same length (any shape; flattened).
        average: ``None`` (one value per class), ``"binary"`` (the class ``pos_label``),
            ``"macro"`` (plain mean over classes), ``"micro"`` (from the summed counts) or
            ``"weighted"`` (mean weighted by each class's support).
        labels: the classes, in output order; default: sorted union of both label arrays.
        pos_label: the positive class of ``average="binary"``.

    Returns:
        ``(precision, recall, f1, support)``: arrays over ``labels`` when ``average`` is
        ``None``, else three floats and the total support (an int).

    Example:
        >>> p, r, f, s = precision_recall_f1([1, 1, 0, 0, 1], [1, 0, 0, 1, 1], average="binary")
        >>> round(p, 4), round(r, 4), round(f, 4), s
        (0.6667, 0.6667, 0.6667, 3)
    """
    if average not in AVERAGES:
        raise ValueError(f"average must be one of {AVERAGES}; got {average!r}.")
    y_true, y_pred = _labels_pair(y_true, y_pred)
    if labels is None:
        labels = np.union1d(y_true, y_pred)
    labels = np.asarray(labels)
    if labels.size == 0 or len(np.unique(labels)) != labels.size:
        raise ValueError(f"labels must be a non-empty list of distinct classes; got {labels}.")
    if average == "binary":
        if pos_label not in labels.tolist():
            raise ValueError(f"pos_label={pos_label!r} is not one of the labels {labels}.")
        labels = np.asarray([pos_label])
    match_true = y_true[None, :] == labels[:, None]  # (classes, m)
    match_pred = y_pred[None, :] == labels[:, None]
    tp = np.sum(match_true & match_pred, axis=1)
    fp = np.sum(~match_true & match_pred, axis=1)
    fn = np.sum(match_true & ~match_pred, axis=1)
    support = tp + fn
    if average == "micro":
        tp, fp, fn = tp.sum(), fp.sum(), fn.sum()
    precision, recall = _divide(tp, tp + fp), _divide(tp, tp + fn)
    f = _divide(2 * precision * recall, precision + recall)
    if average is None:
        return precision, recall, f, support
    if average in ("binary", "micro"):
        return float(precision.item()), float(recall.item()), float(f.item()), int(support.sum())
    weights = support if average == "weighted" else np.ones_like(support)
    if weights.sum() == 0:
        return 0.0, 0.0, 0.0, 0
    values = tuple(float(np.average(v, weights=weights)) for v in (precision, recall, f))
    return (*values, int(support.sum()))


def weighted_error(y_true, y_pred, weights=None) -> float:
    """The course's weighted error ``Σ w(i)·1[ŷ(i) ≠ y(i)] / Σ w(i)``.

    Give a weight of, e.g., 10 to examples whose mistakes cost more (a forbidden class).

    Example:
        >>> y, p = [0, 1, 1, 0], [0, 1, 0, 1]
        >>> weighted_error(y, p), weighted_error(y, p, [1, 1, 10, 1])
        (0.5, 0.8461538461538461)
    """
    y_true, y_pred = _labels_pair(y_true, y_pred)
    if weights is None:
        weights = np.ones(y_true.shape)
    w = np.ravel(np.asarray(weights, dtype=float))
    if w.shape != y_true.shape:
        raise ValueError(f"weights must hold one weight per example ({y_true.size}); got {w.size}.")
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError("weights must be finite, non-negative and not all zero.")
    return float(np.sum(w * (y_true != y_pred)) / np.sum(w))


_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
}


@dataclass(frozen=True)
class Selection:
    """The outcome of :func:`select_model`.

    Attributes:
        best: name of the chosen candidate.
        value: its optimizing metric.
        ranking: the candidates meeting every threshold, best first.
        reasons: for each other candidate, why it was not chosen.
    """

    best: str
    value: float
    ranking: tuple[str, ...]
    reasons: dict[str, str] = field(default_factory=dict)

    def explain(self) -> str:
        """A few lines a person reads: the choice, then one line per rejected candidate."""
        lines = [f"chose {self.best}"]
        lines += [f"rejected {name}: {why}" for name, why in self.reasons.items()]
        return "\n".join(lines)


def _threshold(metric: str, rule) -> tuple[str, float]:
    if isinstance(rule, tuple | list) and len(rule) == 2 and rule[0] in _OPS:
        op, bound = rule
    elif isinstance(rule, int | float | np.number) and not isinstance(rule, bool):
        op, bound = "<=", rule
    else:
        raise ValueError(
            f"satisficing[{metric!r}] must be a number (an upper bound) or a pair (op, bound) "
            f"with op in {list(_OPS)}; got {rule!r}."
        )
    if isinstance(bound, bool) or not isinstance(bound, int | float | np.number):
        raise ValueError(f"satisficing[{metric!r}]: bound must be a number; got {bound!r}.")
    return op, float(bound)


def _metric(name: str, metrics: Mapping, key: str) -> float:
    if key not in metrics:
        raise ValueError(f"candidate {name!r} has no metric {key!r} (it has {sorted(metrics)}).")
    value = metrics[key]
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise TypeError(f"candidate {name!r}: metric {key!r} must be a number; got {value!r}.")
    if math.isnan(value):
        raise ValueError(f"candidate {name!r}: metric {key!r} is NaN.")
    return float(value)


def select_model(
    candidates: Mapping[str, Mapping[str, float]],
    *,
    optimizing: str,
    satisficing: Mapping[str, object] | None = None,
    maximize: bool = True,
) -> Selection:
    """Pick the candidate with the best ``optimizing`` metric among those meeting thresholds.

    Args:
        candidates: ``{name: {metric: value}}``.
        optimizing: the metric to maximise (or minimise with ``maximize=False``).
        satisficing: ``{metric: bound}`` meaning ``metric <= bound``, or
            ``{metric: (op, bound)}`` with ``op`` in ``"<=", "<", ">=", ">"``.
        maximize: whether a larger optimizing metric is better.

    Returns:
        A :class:`Selection` naming the winner and explaining each rejection.

    Raises:
        ValueError: no candidates, a missing metric, or no candidate meets every threshold
            (the message lists why each failed).

    Example:
        >>> s = select_model({"A": {"accuracy": 0.90, "ms": 80},
        ...                   "B": {"accuracy": 0.92, "ms": 95},
        ...                   "C": {"accuracy": 0.95, "ms": 1500}},
        ...                  optimizing="accuracy", satisficing={"ms": 100})
        >>> print(s.explain())
        chose B
        rejected C: ms = 1500 violates ms <= 100
        rejected A: accuracy = 0.9 does not beat B's 0.92
    """
    if not candidates:
        raise ValueError("candidates is empty; pass {name: {metric: value}}.")
    rules = {k: _threshold(k, v) for k, v in (satisficing or {}).items()}
    feasible: dict[str, float] = {}
    reasons: dict[str, str] = {}
    for name, metrics in candidates.items():
        if not isinstance(metrics, Mapping):
            raise TypeError(f"candidate {name!r} must map metric names to values; got {metrics!r}.")
        value = _metric(name, metrics, optimizing)
        broken = []
        for key, (op, bound) in rules.items():
            got = _metric(name, metrics, key)
            if not _OPS[op](got, bound):
                broken.append(f"{key} = {got:g} violates {key} {op} {bound:g}")
        if broken:
            reasons[name] = "; ".join(broken)
        else:
            feasible[name] = value
    if not feasible:
        detail = "; ".join(f"{n}: {why}" for n, why in reasons.items())
        raise ValueError(f"no candidate meets every satisficing threshold ({detail}).")
    ranking = sorted(feasible, key=lambda n: -feasible[n] if maximize else feasible[n])
    best = ranking[0]
    for name in ranking[1:]:
        reasons[name] = (
            f"{optimizing} = {feasible[name]:g} does not beat {best}'s {feasible[best]:g}"
        )
    return Selection(best, feasible[best], tuple(ranking), reasons)
