"""Bias / variance / data-mismatch diagnosis (C3W1-W2): which gap to work on, and how.

Errors are fractions in [0, 1] (0.08, not 8). With human-level error as the proxy for Bayes
error, the course reads four gaps off the errors of the successive data sets:

========================  ==============================================
avoidable bias            train − human-level
variance                  train-dev − train (dev − train without train-dev)
data mismatch             dev − train-dev
overfitting to dev        test − dev
========================  ==============================================

The largest gap is the problem to work on first, with the course's remedies for it.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

__all__ = ["GAPS", "REMEDIES", "Diagnosis", "diagnose", "check_error_rate"]

GAPS = ("avoidable bias", "variance", "data mismatch", "dev overfitting")

REMEDIES: dict[str, tuple[str, ...]] = {
    "avoidable bias": (
        "train a bigger model",
        "train longer / use a better optimizer (momentum, RMSprop, Adam)",
        "search architectures / hyperparameters",
    ),
    "variance": (
        "get more training data",
        "regularise (L2, dropout, data augmentation)",
        "search architectures / hyperparameters",
    ),
    "data mismatch": (
        "do error analysis on the difference between training and dev/test data",
        "make training data more similar to dev/test (e.g. artificial data synthesis)",
        "collect more data like the dev/test sets",
    ),
    "dev overfitting": ("get a bigger dev set",),
}

_STAGES = ("human", "train", "train_dev", "dev", "test")


def check_error_rate(value, name: str) -> float:
    """Return ``value`` as a float after checking it is an error rate: a fraction in [0, 1].

    Example:
        >>> check_error_rate(0.08, "train")
        0.08
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} error must be a number in [0, 1]; got {value!r}.")
    value = float(value)
    if math.isnan(value) or value < 0:
        raise ValueError(f"{name} error must be a fraction in [0, 1]; got {value!r}.")
    if value > 1:
        raise ValueError(
            f"{name} error must be a fraction in [0, 1]; got {value!r}. Errors are fractions: "
            f"pass {value / 100:g} for {value:g}%."
        )
    return value


@dataclass(frozen=True)
class Diagnosis:
    """The gaps between successive error rates, the dominant one and its remedies.

    A gap is ``None`` when an error it needs was not given. ``dominant`` is the largest
    positive gap (ties go to the earlier stage, as the course works front to back), or
    ``"none"`` when no gap is positive.
    """

    human: float | None
    train: float
    train_dev: float | None
    dev: float | None
    test: float | None
    avoidable_bias: float | None
    variance: float | None
    data_mismatch: float | None
    dev_overfitting: float | None
    dominant: str
    remedies: tuple[str, ...]

    @property
    def gaps(self) -> dict[str, float | None]:
        """``{gap name: value}`` in the course's order."""
        values = (self.avoidable_bias, self.variance, self.data_mismatch, self.dev_overfitting)
        return dict(zip(GAPS, values))

    def as_dict(self) -> dict:
        """All fields as a plain dict (gaps under their course names)."""
        errors = {s: getattr(self, s) for s in _STAGES}
        return {**errors, **self.gaps, "dominant": self.dominant, "remedies": self.remedies}

    def table(self) -> str:
        """The diagnosis as a Markdown table (errors and gaps in %)."""
        rows = ["| quantity | value |", "|---|---|"]
        labels = ("human-level error", "train error", "train-dev error", "dev error", "test error")
        for label, stage in zip(labels, _STAGES):
            rows.append(f"| {label} | {_pct(getattr(self, stage))} |")
        for gap, value in self.gaps.items():
            rows.append(f"| **{gap}** | {_pct(value)} |")
        rows.append(f"| dominant problem | {self.dominant} |")
        return "\n".join(rows)

    def __str__(self) -> str:
        if self.dominant == "none":
            return "No positive gap: the model is at human level on every set given."
        todo = "; ".join(self.remedies)
        return f"Focus on {self.dominant} ({_pct(self.gaps[self.dominant])}): {todo}."


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.2f}%"


def _gap(later: float | None, earlier: float | None) -> float | None:
    return None if later is None or earlier is None else later - earlier


def diagnose(
    *,
    train: float,
    human: float | None = None,
    train_dev: float | None = None,
    dev: float | None = None,
    test: float | None = None,
) -> Diagnosis:
    """Diagnose a model from its error rates (fractions) on the course's data sets.

    Args:
        train: training error.
        human: human-level error, the proxy for Bayes error (the best humans, e.g. a team
            of experts); without it avoidable bias is unknown (``None``).
        train_dev: error on held-out data from the training distribution.
        dev, test: errors on the dev and test sets (the target distribution).

    Returns:
        A :class:`Diagnosis`. Variance is ``train_dev − train``, or ``dev − train`` when there
        is no train-dev set (then data mismatch is unknown).

    Raises:
        TypeError / ValueError: an error that is not a number in [0, 1] (8 instead of 0.08),
            or only ``train`` given.

    Example:
        >>> d = diagnose(human=0.0, train=0.01, train_dev=0.015, dev=0.10)
        >>> d.dominant, round(d.data_mismatch, 3)
        ('data mismatch', 0.085)
        >>> diagnose(human=0.01, train=0.08, dev=0.10).dominant
        'avoidable bias'
    """
    errors = {"human": human, "train": train, "train_dev": train_dev, "dev": dev, "test": test}
    for stage, value in errors.items():
        if value is not None or stage == "train":
            errors[stage] = check_error_rate(value, stage)
    h, tr, td, dv, te = (errors[s] for s in _STAGES)
    gaps = {
        "avoidable bias": _gap(tr, h),
        "variance": _gap(td, tr) if td is not None else _gap(dv, tr),
        "data mismatch": _gap(dv, td),
        "dev overfitting": _gap(te, dv),
    }
    if all(v is None for v in gaps.values()):
        raise ValueError(
            "diagnose needs a second error besides train: human, train_dev or dev "
            "(e.g. diagnose(human=0.01, train=0.08, dev=0.10))."
        )
    best = max((v, -i) for i, v in enumerate(gaps.values()) if v is not None)
    dominant = GAPS[-best[1]] if best[0] > 1e-12 else "none"
    return Diagnosis(
        h,
        tr,
        td,
        dv,
        te,
        *gaps.values(),
        dominant=dominant,
        remedies=REMEDIES.get(dominant, ()),
    )
