"""Central-difference gradients shared by the tests that check a backward pass numerically."""

import numpy as np


def numerical_gradient(f, x: np.ndarray, eps: float) -> np.ndarray:
    """Central differences of the scalar ``f()`` w.r.t. every entry of ``x`` (perturbed in place,
    then restored)."""
    grad = np.zeros_like(x, dtype=float)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        plus = f()
        x[idx] = old - eps
        minus = f()
        x[idx] = old
        grad[idx] = (plus - minus) / (2 * eps)
    return grad
