"""The C4W1A1 convolution and pooling API, vectorised: same names, signatures, caches, results.

Use it in place of :mod:`dlspec.cnn.convolution_step_by_step` (the course's loops)::

    from dlspec.cnn import convolution_vectorized as conv   # or convolution_step_by_step
    Z, cache = conv.conv_forward(A_prev, W, b, {"stride": 1, "pad": 1})

How:

* windows are a strided *view* of the padded input
  (``np.lib.stride_tricks.sliding_window_view``), shape ``(m, n_H, n_W, n_C_prev, f, f)``;
* ``conv_forward`` copies the windows into rows (im2col: (m n_H n_W, f f n_C_prev)) and
  multiplies them by ``W.reshape(-1, n_C)`` (BLAS, one small product per output row, see
  ``_im2col``); ``conv_backward``
  gets ``dW`` from the same rows and ``dZ``, ``db`` by a sum, and ``dA_prev`` from the
  gradient of every window (``W · dZ``) summed back with f² strided additions (one per
  position inside the filter) instead of one addition per output position;
* pooling reduces the window view (max / mean); its backward scatters with the same f² strided
  additions. Max pooling gives the gradient to every maximum of a window, as the course's mask
  does (TensorFlow gives it to the first one only; they differ only when a window has ties).

Inputs are checked by the same functions as the loop version; results are float64 and agree
with the loops to ~1e-12 (summation order differs).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from dlspec.cnn.convolution_step_by_step import (
    check_conv_backward_inputs,
    check_conv_inputs,
    check_pool_backward_inputs,
    check_pool_inputs,
    conv_single_step,
    create_mask_from_window,
    distribute_value,
    zero_pad,
)

__all__ = [
    "zero_pad",
    "conv_single_step",
    "conv_forward",
    "pool_forward",
    "conv_backward",
    "create_mask_from_window",
    "distribute_value",
    "pool_backward",
]


def _windows(X: np.ndarray, f: int, stride: int, n_H: int, n_W: int) -> np.ndarray:
    """Read-only view (m, n_H, n_W, n_C, f, f): window (h, w) starts at (h·stride, w·stride)."""
    view = sliding_window_view(X, (f, f), axis=(1, 2))
    return view[:, : (n_H - 1) * stride + 1 : stride, : (n_W - 1) * stride + 1 : stride]


def _im2col(A_pad: np.ndarray, f: int, stride: int, n_H: int, n_W: int) -> np.ndarray:
    """Windows as rows, one stack per output row: (m n_H, n_W, f f n_C_prev).

    The columns are ordered as ``W.reshape(-1, n_C)``. Products with these stacks run as many
    small matrix products, each below OpenBLAS's threading threshold: one big product of these
    thin shapes starts a thread per core that spin-wait on each other, several times slower on
    a busy machine (measured: 15 ms vs 3.7 ms for the forward product of the benchmark case).
    """
    windows = _windows(A_pad, f, stride, n_H, n_W).transpose(0, 1, 2, 4, 5, 3)
    return np.ascontiguousarray(windows).reshape(-1, n_W, f * f * A_pad.shape[3])


def _scatter_windows(cols: np.ndarray, shape: tuple[int, ...], stride: int) -> np.ndarray:
    """Sum per-window values ``cols`` (m, n_H, n_W, f, f, n_C) back onto an array of ``shape``.

    The adjoint of :func:`_windows`: f² strided additions, one per position inside the window.
    """
    out = np.zeros(shape)
    _, n_H, n_W, f, _, _ = cols.shape
    for di in range(f):
        rows = slice(di, di + (n_H - 1) * stride + 1, stride)
        for dj in range(f):
            out[:, rows, dj : dj + (n_W - 1) * stride + 1 : stride, :] += cols[:, :, :, di, dj, :]
    return out


def _conv_out(A_prev: np.ndarray, f: int, stride: int, pad: int) -> tuple[int, int]:
    _, n_H_prev, n_W_prev, _ = A_prev.shape
    return (n_H_prev + 2 * pad - f) // stride + 1, (n_W_prev + 2 * pad - f) // stride + 1


def conv_forward(A_prev, W, b, hparameters: dict) -> tuple[np.ndarray, tuple]:
    """Forward pass of a convolution layer (vectorised); see the loop version for the contract.

    Example:
        >>> np.random.seed(1)
        >>> A_prev, W = np.random.randn(2, 5, 7, 4), np.random.randn(3, 3, 4, 8)
        >>> b = np.random.randn(1, 1, 1, 8)
        >>> Z, cache = conv_forward(A_prev, W, b, {"pad": 1, "stride": 2})
        >>> Z.shape, round(float(Z.mean()), 10)
        ((2, 3, 4, 8), 0.5511276475)
    """
    A, Wc, bc, stride, pad = check_conv_inputs(A_prev, W, b, hparameters)
    f = Wc.shape[0]
    n_H, n_W = _conv_out(A, f, stride, pad)
    X = _im2col(zero_pad(A, pad), f, stride, n_H, n_W)  # (m n_H, n_W, f f n_C_prev)
    Z = np.matmul(X, Wc.reshape(-1, Wc.shape[3])).reshape(A.shape[0], n_H, n_W, Wc.shape[3])
    Z += bc.reshape(1, 1, 1, -1)
    return Z, (A_prev, W, b, hparameters)


def conv_backward(dZ, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of a convolution layer (vectorised): ``(dA_prev, dW, db)``.

    Example:
        >>> np.random.seed(1)
        >>> A_prev, W = np.random.randn(10, 4, 4, 3), np.random.randn(2, 2, 3, 8)
        >>> b = np.random.randn(1, 1, 1, 8)
        >>> Z, cache = conv_forward(A_prev, W, b, {"pad": 2, "stride": 2})
        >>> dA, dW, db = conv_backward(Z, cache)
        >>> [round(float(np.mean(x)), 8) for x in (dA, dW, db)]
        [1.45243778, 1.72699146, 7.83923256]
    """
    dZ, A, Wc, _, stride, pad = check_conv_backward_inputs(dZ, cache)
    m, n_H_prev, n_W_prev, n_C_prev = A.shape
    f = Wc.shape[0]
    _, n_H, n_W, _ = dZ.shape
    A_pad = zero_pad(A, pad)
    n_C = Wc.shape[3]
    dZ3 = dZ.reshape(m * n_H, n_W, n_C)
    X = _im2col(A_pad, f, stride, n_H, n_W)  # (m n_H, n_W, f f n_C_prev)
    dW = np.matmul(X.transpose(0, 2, 1), dZ3).sum(axis=0).reshape(Wc.shape)
    db = dZ.sum(axis=(0, 1, 2)).reshape(1, 1, 1, -1)
    # Gradient of every window: (m, n_H, f, f, n_C_prev, n_W), summed back onto a padded
    # (m, n_H_pad, n_C_prev, n_W_pad) array by f² strided additions (rows of n_W contiguous).
    dcols = np.matmul(Wc.reshape(-1, n_C), dZ3.transpose(0, 2, 1))
    dcols = dcols.reshape(m, n_H, f, f, n_C_prev, n_W)
    dA_pad = np.zeros((m, A_pad.shape[1], n_C_prev, A_pad.shape[2]))
    for di in range(f):
        rows = slice(di, di + (n_H - 1) * stride + 1, stride)
        for dj in range(f):
            dA_pad[:, rows, :, dj : dj + (n_W - 1) * stride + 1 : stride] += dcols[:, :, di, dj]
    dA_prev = dA_pad[:, pad : pad + n_H_prev, :, pad : pad + n_W_prev].transpose(0, 1, 3, 2)
    return np.ascontiguousarray(dA_prev), dW, db


def pool_forward(A_prev, hparameters: dict, mode: str = "max") -> tuple[np.ndarray, tuple]:
    """Forward pass of a pooling layer (vectorised): ``(A, (A_prev, hparameters))``.

    Example:
        >>> A, _ = pool_forward(np.arange(16.0).reshape(1, 4, 4, 1), {"f": 2, "stride": 2})
        >>> A[0, :, :, 0]
        array([[ 5.,  7.],
               [13., 15.]])
    """
    A, stride, f = check_pool_inputs(A_prev, hparameters, mode)
    n_H, n_W = _conv_out(A, f, stride, 0)
    windows = _windows(A, f, stride, n_H, n_W)
    out = windows.max(axis=(4, 5)) if mode == "max" else windows.mean(axis=(4, 5))
    return out, (A_prev, hparameters)


def pool_backward(dA, cache: tuple, mode: str = "max") -> np.ndarray:
    """Backward pass of a pooling layer (vectorised): ``dA_prev``, shape of ``A_prev``.

    Example:
        >>> A, cache = pool_forward(np.arange(16.0).reshape(1, 4, 4, 1), {"f": 2, "stride": 2})
        >>> pool_backward(np.ones_like(A), cache, mode="average")[0, :2, :2, 0]
        array([[0.25, 0.25],
               [0.25, 0.25]])
    """
    dA, A, stride, f = check_pool_backward_inputs(dA, cache, mode)
    _, n_H, n_W, _ = dA.shape
    if mode == "max":
        windows = _windows(A, f, stride, n_H, n_W)  # (m, n_H, n_W, c, f, f)
        mask = windows == windows.max(axis=(4, 5), keepdims=True)
        cols = (mask * dA[..., None, None]).transpose(0, 1, 2, 4, 5, 3)
    else:
        cols = np.broadcast_to(
            (dA / (f * f))[:, :, :, None, None, :], (*dA.shape[:3], f, f, dA.shape[3])
        )
    return _scatter_windows(cols, A.shape, stride)
