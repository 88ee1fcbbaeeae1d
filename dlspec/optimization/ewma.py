"""Exponentially weighted (moving) averages, Course 2 week 2: ``v_t = β·v_{t-1} + (1-β)·θ_t``.

:func:`ewma` computes the whole average at once (a first-order IIR filter,
``scipy.signal.lfilter``, so no Python loop over the series), with the course's bias correction
``v_t / (1 - β^t)``; :func:`ewma_loop` is the course's loop, kept as the reference the tests
compare against. The average "remembers" about :func:`effective_window` ``= 1/(1-β)`` values:
a value that many steps back has weight ``β^(1/(1-β)) ≈ 1/e`` (β = 0.9 averages ≈ 10 values,
β = 0.98 ≈ 50, β = 0.5 ≈ 2).

The same average applied to *weights* is Keras' ``use_ema`` option:
``keras.optimizers.Adam(use_ema=True, ema_momentum=β)`` keeps, beside each trainable variable
``w``, an average updated after every optimizer step ``t`` (t = 1, 2, ...) as
``a_t = β·a_{t-1} + (1-β)·w_t``, except on the first step, where ``a_1 = w_1``. That is
:func:`ewma` of the weight trajectory with ``start="first"`` and no bias correction (starting
from ``w_1`` instead of 0 makes bias correction unnecessary). The model keeps training with the
raw weights; ``optimizer.finalize_variable_values(model.trainable_variables)`` (called by
``model.fit`` when it ends) copies the averages into the model, and
``ema_overwrite_frequency=k`` copies them every k steps instead, after which training resumes
from the averaged weights. :func:`keras_ema_weights` reproduces ``finalize_variable_values``
from recorded weights.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from dlspec.validation import check_array, check_decay

__all__ = ["effective_window", "ewma", "ewma_loop", "keras_ema_weights"]

Start = Literal["zero", "first"]


def effective_window(beta: float) -> float:
    """The number of recent values an EWMA with coefficient ``beta`` averages over: ``1/(1-β)``.

    Example:
        >>> round(effective_window(0.9), 6), round(effective_window(0.98), 6)
        (10.0, 50.0)
    """
    return 1.0 / (1.0 - check_decay(beta, "beta", typical=0.9))


def _check(x, beta: float, bias_correction: bool, start: str) -> tuple[np.ndarray, float]:
    beta = check_decay(beta, "beta", typical=0.9)
    if start not in ("zero", "first"):
        raise ValueError(f"start must be 'zero' (the course's v_0 = 0) or 'first'; got {start!r}.")
    if start == "first" and bias_correction:
        raise ValueError(
            "bias correction only applies to start='zero' (v_0 = 0); starting from the first "
            "value has no bias. Pass bias_correction=False."
        )
    x = check_array(x, "x")
    if x.ndim == 0 or x.size == 0:
        raise ValueError(f"x must be a non-empty series (1-D or more); got shape {x.shape}.")
    return x.astype(np.float64), beta


def ewma(
    x,
    beta: float,
    bias_correction: bool = True,
    *,
    axis: int = 0,
    start: Start = "zero",
) -> np.ndarray:
    """Exponentially weighted average of a series, vectorised: every ``v_t`` at once.

    ``v_0 = 0`` (``start="zero"``, the course) or ``v_0 = x_1`` (``start="first"``, Keras'
    ``use_ema``), then ``v_t = β·v_{t-1} + (1-β)·x_t``; with bias correction the result is
    ``v_t / (1 - β^t)``, which removes the pull towards 0 of the first ``≈ 1/(1-β)`` values.
    Powers ``β^t`` that underflow become 0, so long series are safe, and ``1 - β^t`` is
    computed as ``-expm1(t·log β)``, which keeps its digits for β near 1 (the loop's
    ``1 - β**t`` loses about ``-log10(1-β)`` of them there).

    Args:
        x: the series (any shape; averaged along ``axis``), numeric and finite.
        beta: the coefficient β in [0, 1); β = 0 returns ``x`` itself.
        bias_correction: divide by ``1 - β^t`` (only with ``start="zero"``).
        axis: the time axis of ``x``.
        start: ``"zero"`` or ``"first"`` (see above).

    Returns:
        A float64 array of the shape of ``x``.

    Raises:
        ValueError: ``beta`` outside [0, 1), an empty or 0-d ``x``, NaN/inf values, or bias
            correction asked with ``start="first"``.
        TypeError: ``beta`` is not a number or ``x`` is not numeric.

    Example:
        >>> ewma([1.0, 1.0, 1.0], 0.9, bias_correction=False).round(3).tolist()
        [0.1, 0.19, 0.271]
        >>> ewma([1.0, 1.0, 1.0], 0.9).round(3).tolist()
        [1.0, 1.0, 1.0]
    """
    from scipy.signal import lfilter

    x, beta = _check(x, beta, bias_correction, start)
    if beta == 0.0:
        return x  # already a float64 copy of the input
    axis = axis % x.ndim
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]
    # t·log β, so that 1 - β^t = -expm1(t·log β) keeps its digits when β is near 1
    exponents = (np.arange(1, x.shape[axis] + 1) * np.log(beta)).reshape(shape)
    v = lfilter([1.0 - beta], [1.0, -beta], x, axis=axis)
    if start == "first":  # v_0 = x_1 adds β^t · x_1 to the zero-start average
        return v + np.exp(exponents) * np.take(x, [0], axis=axis)
    if bias_correction:
        return v / -np.expm1(exponents)
    return v


def ewma_loop(x, beta: float, bias_correction: bool = True, *, start: Start = "zero") -> np.ndarray:
    """The course's loop over a 1-D series (the reference :func:`ewma` is tested against).

    Example:
        >>> ewma_loop([1.0, 1.0, 1.0], 0.9, bias_correction=False).round(3).tolist()
        [0.1, 0.19, 0.271]
    """
    x, beta = _check(x, beta, bias_correction, start)
    if x.ndim != 1:
        raise ValueError(f"ewma_loop takes a 1-D series; got shape {x.shape}. Use ewma(axis=...).")
    out = np.empty_like(x)
    v = x[0] if start == "first" else 0.0
    for t, value in enumerate(x, start=1):
        v = beta * v + (1.0 - beta) * value
        out[t - 1] = v / (1.0 - beta**t) if bias_correction else v
    return out


def keras_ema_weights(trajectory, ema_momentum: float) -> np.ndarray:
    """The average Keras' ``use_ema`` holds after the weights ``trajectory`` (one row per step).

    ``trajectory[t]`` is a variable's value after optimizer step ``t + 1``; the result equals
    what ``optimizer.finalize_variable_values`` writes into that variable (see the module
    docstring): :func:`ewma` along axis 0 with ``start="first"`` and no bias correction.

    Example:
        >>> keras_ema_weights([[1.0], [3.0]], 0.5).tolist()
        [2.0]
    """
    return ewma(trajectory, ema_momentum, bias_correction=False, start="first")[-1]
