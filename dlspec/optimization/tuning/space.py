"""Sampling hyperparameters on the right scale, and the zoom rule of coarse-to-fine search.

The course's advice (C2W3 "Hyperparameter tuning"): pick values at random rather than on a
grid, and on the scale where equal steps matter equally. A learning rate in ``[1e-4, 1]`` is
sampled as ``10^r`` with ``r ~ U[-4, 0]`` (as many trials in ``[1e-4, 1e-3]`` as in
``[0.1, 1]``); a momentum-style ``β ∈ [0.9, 0.999]`` as ``β = 1 − 10^r`` with ``r ~ U[-3, -1]``,
because the average ``β`` is taken over ``1 / (1 − β)`` values, so ``0.9 → 0.9005`` changes
nothing while ``0.999 → 0.9995`` doubles the window.

Two forms of each sampler: NumPy draws (:func:`sample_log_uniform`, :func:`sample_beta`) for
scripts, and KerasTuner declarations (:func:`hp_log_uniform`, :func:`hp_beta`) that register the
hyperparameter in a search space so that an oracle samples it. ``hp_beta`` registers ``1 − β``
as a log-sampled ``hp.Float`` named ``one_minus_<name>`` and returns ``1 − value``, which is
exactly ``1 − 10^r`` with ``r`` uniform. :func:`zoom_space` is the rule
:class:`~dlspec.optimization.tuning.search.CoarseToFineOracle` uses for its second stage.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

__all__ = [
    "hp_beta",
    "hp_log_uniform",
    "sample_beta",
    "sample_log_uniform",
    "zoom_space",
]


def _check_range(low: float, high: float, what: str) -> tuple[float, float]:
    low, high = float(low), float(high)
    if not (0 < low < high) or not math.isfinite(high):
        raise ValueError(
            f"{what} must satisfy 0 < low < high (finite); got low={low}, high={high}."
        )
    return low, high


def _check_beta_range(low: float, high: float) -> tuple[float, float]:
    low, high = float(low), float(high)
    if not (0 <= low < high < 1):
        raise ValueError(
            f"β range must satisfy 0 <= low < high < 1 (e.g. 0.9, 0.999); got low={low}, "
            f"high={high}."
        )
    return low, high


def _complement(beta: float) -> float:
    """``1 − β`` without the binary round-off tail (``1 − 0.999`` is ``0.001``, not ``…09``)."""
    return float(f"{1 - beta:.12g}")


def sample_log_uniform(
    low: float = 1e-4,
    high: float = 1.0,
    size: int | tuple[int, ...] | None = None,
    *,
    seed: int | np.random.Generator | None = None,
) -> float | np.ndarray:
    """Draw ``10^r`` with ``r ~ U[log10(low), log10(high)]``: uniform on a log scale.

    Args:
        low, high: the range, ``0 < low < high`` (the course's learning rates: ``1e-4, 1``).
        size: ``None`` for one float, else the shape of the array returned.
        seed: an int or a ``numpy.random.Generator`` (the global NumPy state is not used).

    Returns:
        A float, or an array of shape ``size``.

    Example:
        >>> lr = sample_log_uniform(1e-4, 1.0, size=1000, seed=0)
        >>> bool((lr >= 1e-4).all() and (lr <= 1).all())
        True
        >>> float(np.mean(lr < 1e-3))  # one decade of four: a quarter of the draws
        0.231
    """
    low, high = _check_range(low, high, "The log-uniform range")
    r = np.random.default_rng(seed).uniform(math.log10(low), math.log10(high), size)
    return float(10.0**r) if size is None else 10.0**r


def sample_beta(
    low: float = 0.9,
    high: float = 0.999,
    size: int | tuple[int, ...] | None = None,
    *,
    seed: int | np.random.Generator | None = None,
) -> float | np.ndarray:
    """Draw a momentum-style ``β = 1 − 10^r`` with ``r ~ U[log10(1 − high), log10(1 − low)]``.

    For the course's ``[0.9, 0.999]``, ``r ~ U[-3, -1]``: ``1 − β`` is log-uniform.

    Args:
        low, high: the range of ``β``, ``0 <= low < high < 1``.
        size: ``None`` for one float, else the shape of the array returned.
        seed: an int or a ``numpy.random.Generator``.

    Example:
        >>> beta = sample_beta(size=1000, seed=0)
        >>> bool((beta >= 0.9).all() and (beta <= 0.999).all())
        True
        >>> float(np.mean(beta > 0.99))  # r < -2, half of [-3, -1]
        0.473
    """
    low, high = _check_beta_range(low, high)
    one_minus = sample_log_uniform(_complement(high), _complement(low), size, seed=seed)
    return 1.0 - one_minus


def hp_log_uniform(hp, name: str, low: float = 1e-4, high: float = 1.0) -> float:
    """Register (or read) a log-sampled ``hp.Float`` in a KerasTuner search space.

    Args:
        hp: a ``keras_tuner.HyperParameters``.
        name: the hyperparameter's name.
        low, high: the range, ``0 < low < high``.

    Returns:
        The value of this trial (``low`` when ``hp`` has no value yet).

    Example:
        >>> import keras_tuner
        >>> hp = keras_tuner.HyperParameters()
        >>> hp_log_uniform(hp, "learning_rate", 1e-4, 1.0)
        0.0001
        >>> hp.space[0].sampling
        'log'
    """
    low, high = _check_range(low, high, f"The range of {name!r}")
    return hp.Float(name, low, high, sampling="log")


def hp_beta(hp, name: str = "beta", low: float = 0.9, high: float = 0.999) -> float:
    """Register a momentum-style ``β`` as ``1 − β`` log-sampled, and return ``β``.

    The search space holds ``hp.Float("one_minus_<name>", 1 − high, 1 − low,
    sampling="log")``: an oracle sampling it draws ``1 − β = 10^r`` with ``r`` uniform, and
    the coarse-to-fine zoom narrows it in log space, as the course prescribes.

    Returns:
        ``β = 1 − value`` of this trial (``high`` when ``hp`` has no value yet: KerasTuner's
        default is the smallest ``1 − β``).

    Example:
        >>> import keras_tuner
        >>> hp = keras_tuner.HyperParameters()
        >>> round(hp_beta(hp, "beta1"), 6)
        0.999
        >>> hp.space[0].name, hp.space[0].min_value, hp.space[0].sampling
        ('one_minus_beta1', 0.001, 'log')
    """
    low, high = _check_beta_range(low, high)
    if low == 0:
        raise ValueError(f"β range must have low > 0 to be log-sampled as 1 − β; got {low}.")
    one_minus = hp.Float(f"one_minus_{name}", _complement(high), _complement(low), sampling="log")
    return 1.0 - one_minus


def _coordinate(hp, value: float) -> float:
    return math.log10(value) if hp.sampling == "log" else float(value)


def _from_coordinate(hp, u: float) -> float:
    return 10.0**u if hp.sampling == "log" else u


def _zoom_numerical(hp, values: Sequence[float], margin: float):
    """The narrowed copy of a ``Float`` / ``Int`` hyperparameter (see :func:`zoom_space`)."""
    import keras_tuner

    lo_u, hi_u = _coordinate(hp, hp.min_value), _coordinate(hp, hp.max_value)
    us = [_coordinate(hp, v) for v in values]
    pad = margin * (hi_u - lo_u)
    new_lo = max(lo_u, min(us) - pad)
    new_hi = min(hi_u, max(us) + pad)
    low, high = _from_coordinate(hp, new_lo), _from_coordinate(hp, new_hi)
    low, high = max(low, hp.min_value), min(high, hp.max_value)  # float round-off of 10**log10
    common = {"name": hp.name, "sampling": hp.sampling, "conditions": hp.conditions}
    types = keras_tuner.engine.hyperparameters
    if isinstance(hp, types.Int):
        low, high = int(math.floor(low)), int(math.ceil(high))
        return types.Int(min_value=low, max_value=high, step=hp.step, default=low, **common)
    return types.Float(min_value=low, max_value=high, step=hp.step, default=low, **common)


def zoom_space(space, top_values: Sequence[Mapping[str, object]], margin: float = 0.1):
    """Narrow a KerasTuner search space around the best trials: the coarse-to-fine zoom rule.

    For each ``Float`` / ``Int`` hyperparameter, work in its sampling coordinate (``log10`` of
    the value when ``sampling="log"``, the value itself otherwise): the new range is the
    smallest interval holding the values of ``top_values``, widened on each side by ``margin``
    times the width of the original range, and clipped to the original range (``Int`` bounds
    are rounded outwards). A ``Choice`` keeps only the values seen in ``top_values`` (in its
    original order). ``Boolean`` and ``Fixed`` hyperparameters, and any hyperparameter absent
    from every top trial (inactive under a condition), are kept unchanged.

    Args:
        space: a ``keras_tuner.HyperParameters`` (its ``space`` is read, not changed).
        top_values: the hyperparameter values of the best trials of the coarse stage.
        margin: padding as a fraction of the original width, ``>= 0``.

    Returns:
        A new ``keras_tuner.HyperParameters`` holding the narrowed hyperparameters.

    Example:
        >>> import keras_tuner
        >>> hp = keras_tuner.HyperParameters()
        >>> _ = hp.Float("learning_rate", 1e-4, 1.0, sampling="log")
        >>> zoomed = zoom_space(hp, [{"learning_rate": 1e-3}, {"learning_rate": 1e-2}], 0.25)
        >>> [round(v, 6) for v in (zoomed.space[0].min_value, zoomed.space[0].max_value)]
        [0.0001, 0.1]
    """
    import keras_tuner

    margin = float(margin)
    if not margin >= 0:
        raise ValueError(f"margin must be a fraction >= 0 of the original width; got {margin}.")
    if not top_values:
        raise ValueError("top_values is empty: zooming needs at least one completed trial.")
    types = keras_tuner.engine.hyperparameters
    zoomed = keras_tuner.HyperParameters()
    for hp in space.space:
        seen = [v[hp.name] for v in top_values if hp.name in v]
        if seen and isinstance(hp, types.Float | types.Int):
            new = _zoom_numerical(hp, seen, margin)
        elif seen and isinstance(hp, types.Choice):
            kept = [v for v in hp.values if v in seen]
            new = types.Choice(
                hp.name, kept, ordered=hp.ordered, default=kept[0], conditions=hp.conditions
            )
        else:
            new = hp
        zoomed.merge([new])
    return zoomed
