"""C4W1A1 "Convolutional model, step by step": convolution and pooling in numpy, with loops.

These are the course's functions, names, signatures and caches, written as the course writes them
(explicit loops over examples, rows, columns and channels) so a learner can read them against
the notebook. The same API, vectorised (hundreds of times faster), is in
:mod:`dlspec.cnn.convolution_vectorized`; pick one by importing from that module instead.

Conventions (the course's): images are channels-last ``(m, n_H, n_W, n_C)``, conv weights
``(f, f, n_C_prev, n_C)``, biases ``(1, 1, 1, n_C)``; ``hparameters`` holds ``"stride"`` and
``"pad"`` (conv) or ``"stride"`` and ``"f"`` (pool). Output sizes are floored, as in the course:
``n_H = (n_H_prev + 2 pad - f) // stride + 1``. Everything is computed in float64.

The input checks shared by both implementations live here (``check_conv_inputs``,
``check_pool_inputs`` and the two ``*_backward`` checks).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from dlspec.validation import check_array, check_int, check_positive

__all__ = [
    "zero_pad",
    "conv_single_step",
    "conv_forward",
    "pool_forward",
    "conv_backward",
    "create_mask_from_window",
    "distribute_value",
    "pool_backward",
    "check_conv_inputs",
    "check_pool_inputs",
    "check_conv_backward_inputs",
    "check_pool_backward_inputs",
]

POOL_MODES = ("max", "average")


# --- input checks shared by the loop and vectorised implementations -----------------------------


def _hparameter(hparameters, key: str, minimum: int, where: str) -> int:
    if not isinstance(hparameters, Mapping):
        raise TypeError(
            f"hparameters must be a dict like {where}; got {type(hparameters).__name__}."
        )
    if key not in hparameters:
        raise ValueError(
            f"hparameters needs the key {key!r} ({where}); got keys {sorted(hparameters)}."
        )
    name = f'hparameters["{key}"]'
    if minimum > 0:  # a float stride or f is a ValueError too
        check_positive(hparameters[key], name, integer=True)
    return check_int(hparameters[key], name, minimum=minimum)


def _output_size(n_prev: int, f: int, stride: int, pad: int, axis: str) -> int:
    """The course's ``(n_prev + 2 pad - f) // stride + 1``; an error if the window doesn't fit."""
    span = n_prev + 2 * pad - f
    if span < 0:
        padded = f"{n_prev} + 2·{pad} = {n_prev + 2 * pad}" if pad else f"{n_prev}"
        raise ValueError(
            f"the {f}×{f} window does not fit along {axis}: the input has {padded} positions "
            f"(output size would be {span // stride + 1} < 1). Use a smaller f or more padding."
        )
    return span // stride + 1


def check_conv_inputs(
    A_prev, W, b, hparameters
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Check the inputs of ``conv_forward``; return ``(A_prev, W, b, stride, pad)`` as float64.

    Raises:
        ValueError, TypeError: saying what was expected and what was received.

    Example:
        >>> A, W, b, stride, pad = check_conv_inputs(
        ...     np.zeros((1, 4, 4, 3)), np.zeros((3, 3, 3, 2)), np.zeros((1, 1, 1, 2)),
        ...     {"stride": 1, "pad": 1})
        >>> stride, pad
        (1, 1)
        >>> check_conv_inputs(np.zeros((1, 4, 4, 3)), np.zeros((3, 3, 2, 2)),
        ...                   np.zeros((1, 1, 1, 2)), {"stride": 1, "pad": 1})
        Traceback (most recent call last):
        ...
        ValueError: W expects 2 input channels (W.shape[2]) but A_prev has 3 (A_prev.shape[3]).
    """
    A_prev = check_array(A_prev, "A_prev", ndim=4).astype(np.float64, copy=False)
    W = check_array(W, "W", ndim=4).astype(np.float64, copy=False)
    if W.shape[0] != W.shape[1]:
        raise ValueError(
            f"W must have shape (f, f, n_C_prev, n_C) with square f×f filters; got {W.shape}."
        )
    if W.shape[2] != A_prev.shape[3]:
        raise ValueError(
            f"W expects {W.shape[2]} input channels (W.shape[2]) but A_prev has "
            f"{A_prev.shape[3]} (A_prev.shape[3])."
        )
    b = check_array(b, "b", shape=(1, 1, 1, W.shape[3])).astype(np.float64, copy=False)
    where = '{"stride": 1, "pad": 0}'
    stride = _hparameter(hparameters, "stride", 1, where)
    pad = _hparameter(hparameters, "pad", 0, where)
    f = W.shape[0]
    if f < 1 or min(A_prev.shape) < 1 or W.shape[3] < 1:
        raise ValueError(f"A_prev {A_prev.shape} and W {W.shape} must not have empty axes.")
    _output_size(A_prev.shape[1], f, stride, pad, "the height (axis 1)")
    _output_size(A_prev.shape[2], f, stride, pad, "the width (axis 2)")
    return A_prev, W, b, stride, pad


def check_pool_inputs(A_prev, hparameters, mode) -> tuple[np.ndarray, int, int]:
    """Check the inputs of ``pool_forward``; return ``(A_prev, stride, f)``.

    Example:
        >>> check_pool_inputs(np.zeros((1, 4, 4, 3)), {"stride": 2, "f": 2}, "max")[1:]
        (2, 2)
        >>> check_pool_inputs(np.zeros((1, 4, 4, 3)), {"stride": 2, "f": 2}, "min")
        Traceback (most recent call last):
        ...
        ValueError: mode must be "max" or "average"; got 'min'.
    """
    if mode not in POOL_MODES:
        raise ValueError(f'mode must be "max" or "average"; got {mode!r}.')
    A_prev = check_array(A_prev, "A_prev", ndim=4).astype(np.float64, copy=False)
    if min(A_prev.shape) < 1:
        raise ValueError(f"A_prev must not have empty axes; got {A_prev.shape}.")
    where = '{"stride": 2, "f": 2}'
    stride = _hparameter(hparameters, "stride", 1, where)
    f = _hparameter(hparameters, "f", 1, where)
    _output_size(A_prev.shape[1], f, stride, 0, "the height (axis 1)")
    _output_size(A_prev.shape[2], f, stride, 0, "the width (axis 2)")
    return A_prev, stride, f


def _check_upstream(d, name: str, expected: tuple[int, ...]) -> np.ndarray:
    d = check_array(d, name, ndim=4).astype(np.float64, copy=False)
    if d.shape != expected:
        raise ValueError(
            f"{name} must have the shape of the forward output {expected}; got {d.shape}."
        )
    return d


def check_conv_backward_inputs(dZ, cache):
    """Check ``conv_backward``'s inputs; return ``(dZ, A_prev, W, b, stride, pad)``."""
    if not isinstance(cache, tuple | list) or len(cache) != 4:
        raise ValueError(
            "cache must be the (A_prev, W, b, hparameters) tuple returned by conv_forward; "
            f"got {type(cache).__name__}"
            + (f" of length {len(cache)}" if isinstance(cache, tuple | list) else "")
            + "."
        )
    A_prev, W, b, stride, pad = check_conv_inputs(*cache)
    f = W.shape[0]
    m, n_H_prev, n_W_prev, _ = A_prev.shape
    n_H = _output_size(n_H_prev, f, stride, pad, "the height")
    n_W = _output_size(n_W_prev, f, stride, pad, "the width")
    dZ = _check_upstream(dZ, "dZ", (m, n_H, n_W, W.shape[3]))
    return dZ, A_prev, W, b, stride, pad


def check_pool_backward_inputs(dA, cache, mode):
    """Check ``pool_backward``'s inputs; return ``(dA, A_prev, stride, f)``."""
    if not isinstance(cache, tuple | list) or len(cache) != 2:
        raise ValueError(
            "cache must be the (A_prev, hparameters) tuple returned by pool_forward; "
            f"got {type(cache).__name__}"
            + (f" of length {len(cache)}" if isinstance(cache, tuple | list) else "")
            + "."
        )
    A_prev, stride, f = check_pool_inputs(cache[0], cache[1], mode)
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    n_H = _output_size(n_H_prev, f, stride, 0, "the height")
    n_W = _output_size(n_W_prev, f, stride, 0, "the width")
    dA = _check_upstream(dA, "dA", (m, n_H, n_W, n_C))
    return dA, A_prev, stride, f


# --- the course's functions ----------------------------------------------------------------------


def zero_pad(X, pad: int) -> np.ndarray:
    """Pad the images of ``X`` (m, n_H, n_W, n_C) with ``pad`` zeros on the height and width axes.

    Returns:
        ``X_pad`` of shape ``(m, n_H + 2 pad, n_W + 2 pad, n_C)``.

    Example:
        >>> zero_pad(np.ones((1, 2, 2, 1)), 1)[0, :, :, 0]
        array([[0., 0., 0., 0.],
               [0., 1., 1., 0.],
               [0., 1., 1., 0.],
               [0., 0., 0., 0.]])
    """
    X = check_array(X, "X", ndim=4)
    pad = check_int(pad, "pad", minimum=0)
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant", constant_values=0)


def _single_step(a_slice_prev: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.float64:
    # np.sum gives a numpy scalar; b.item() avoids float() of a 1-element array (NumPy 2).
    return np.sum(a_slice_prev * W) + b.item()


def conv_single_step(a_slice_prev, W, b) -> float:
    """One filter on one window: ``sum(a_slice_prev * W) + b``, a scalar.

    Args:
        a_slice_prev: the window (f, f, n_C_prev).
        W: one filter (f, f, n_C_prev).
        b: its bias, shape (1, 1, 1).

    Returns:
        A float (``np.float64``, a subclass of Python's ``float``), not a 1-element array.

    Example:
        >>> np.random.seed(1)
        >>> a, W, b = np.random.randn(4, 4, 3), np.random.randn(4, 4, 3), np.random.randn(1, 1, 1)
        >>> float(round(conv_single_step(a, W, b), 10))
        -6.9990894507
    """
    a_slice_prev = check_array(a_slice_prev, "a_slice_prev", ndim=3)
    W = check_array(W, "W", shape=a_slice_prev.shape)
    b = check_array(b, "b")
    if b.size != 1:
        raise ValueError(f"b must hold one number (shape (1, 1, 1)); got shape {b.shape}.")
    return np.float64(_single_step(a_slice_prev, W, b))


def conv_forward(A_prev, W, b, hparameters: dict) -> tuple[np.ndarray, tuple]:
    """Forward pass of a convolution layer (loops, as in the course).

    Args:
        A_prev: activations (m, n_H_prev, n_W_prev, n_C_prev).
        W: filters (f, f, n_C_prev, n_C).
        b: biases (1, 1, 1, n_C).
        hparameters: ``{"stride": s, "pad": p}``.

    Returns:
        ``(Z, cache)``: ``Z`` (m, n_H, n_W, n_C) and ``cache = (A_prev, W, b, hparameters)``.

    Example:
        >>> np.random.seed(1)
        >>> A_prev, W = np.random.randn(2, 5, 7, 4), np.random.randn(3, 3, 4, 8)
        >>> b = np.random.randn(1, 1, 1, 8)
        >>> Z, cache = conv_forward(A_prev, W, b, {"pad": 1, "stride": 2})
        >>> Z.shape, round(float(Z.mean()), 10)
        ((2, 3, 4, 8), 0.5511276475)
    """
    checked_A, checked_W, checked_b, stride, pad = check_conv_inputs(A_prev, W, b, hparameters)
    m, n_H_prev, n_W_prev, _ = checked_A.shape
    f, _, _, n_C = checked_W.shape
    n_H = int((n_H_prev + 2 * pad - f) / stride) + 1
    n_W = int((n_W_prev + 2 * pad - f) / stride) + 1
    Z = np.zeros((m, n_H, n_W, n_C))
    A_prev_pad = zero_pad(checked_A, pad)
    for i in range(m):
        a_prev_pad = A_prev_pad[i]
        for h in range(n_H):
            vert_start = stride * h
            vert_end = vert_start + f
            for w in range(n_W):
                horiz_start = stride * w
                horiz_end = horiz_start + f
                a_slice_prev = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]
                for c in range(n_C):
                    weights = checked_W[:, :, :, c]
                    biases = checked_b[:, :, :, c]
                    Z[i, h, w, c] = _single_step(a_slice_prev, weights, biases)
    cache = (A_prev, W, b, hparameters)
    return Z, cache


def pool_forward(A_prev, hparameters: dict, mode: str = "max") -> tuple[np.ndarray, tuple]:
    """Forward pass of a pooling layer (no padding): max or average over f×f windows.

    Args:
        A_prev: activations (m, n_H_prev, n_W_prev, n_C_prev).
        hparameters: ``{"f": f, "stride": s}``.
        mode: ``"max"`` or ``"average"``.

    Returns:
        ``(A, cache)``: ``A`` (m, n_H, n_W, n_C_prev) and ``cache = (A_prev, hparameters)``.

    Example:
        >>> A, _ = pool_forward(np.arange(16.0).reshape(1, 4, 4, 1), {"f": 2, "stride": 2})
        >>> A[0, :, :, 0]
        array([[ 5.,  7.],
               [13., 15.]])
    """
    checked_A, stride, f = check_pool_inputs(A_prev, hparameters, mode)
    m, n_H_prev, n_W_prev, n_C_prev = checked_A.shape
    n_H = int(1 + (n_H_prev - f) / stride)
    n_W = int(1 + (n_W_prev - f) / stride)
    n_C = n_C_prev
    A = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h in range(n_H):
            vert_start = stride * h
            vert_end = vert_start + f
            for w in range(n_W):
                horiz_start = stride * w
                horiz_end = horiz_start + f
                for c in range(n_C):
                    a_prev_slice = checked_A[i, vert_start:vert_end, horiz_start:horiz_end, c]
                    if mode == "max":
                        A[i, h, w, c] = np.max(a_prev_slice)
                    else:
                        A[i, h, w, c] = np.mean(a_prev_slice)
    cache = (A_prev, hparameters)
    return A, cache


def conv_backward(dZ, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of a convolution layer (loops, as in the course).

    Args:
        dZ: gradient of the cost with respect to the conv output Z, (m, n_H, n_W, n_C).
        cache: ``(A_prev, W, b, hparameters)`` from :func:`conv_forward`.

    Returns:
        ``(dA_prev, dW, db)`` with the shapes of ``A_prev``, ``W`` and ``b``.

    Example:
        >>> np.random.seed(1)
        >>> A_prev, W = np.random.randn(10, 4, 4, 3), np.random.randn(2, 2, 3, 8)
        >>> b = np.random.randn(1, 1, 1, 8)
        >>> Z, cache = conv_forward(A_prev, W, b, {"pad": 2, "stride": 2})
        >>> dA, dW, db = conv_backward(Z, cache)
        >>> [round(float(np.mean(x)), 8) for x in (dA, dW, db)]
        [1.45243778, 1.72699146, 7.83923256]
    """
    dZ, A_prev, W, b, stride, pad = check_conv_backward_inputs(dZ, cache)
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    f, _, _, n_C = W.shape
    m, n_H, n_W, n_C = dZ.shape
    dA_prev = np.zeros((m, n_H_prev, n_W_prev, n_C_prev))
    dW = np.zeros((f, f, n_C_prev, n_C))
    db = np.zeros((1, 1, 1, n_C))
    A_prev_pad = zero_pad(A_prev, pad)
    dA_prev_pad = zero_pad(dA_prev, pad)
    for i in range(m):
        a_prev_pad = A_prev_pad[i]
        da_prev_pad = dA_prev_pad[i]
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vert_start = stride * h
                    vert_end = vert_start + f
                    horiz_start = stride * w
                    horiz_end = horiz_start + f
                    a_slice = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]
                    da_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :] += (
                        W[:, :, :, c] * dZ[i, h, w, c]
                    )
                    dW[:, :, :, c] += a_slice * dZ[i, h, w, c]
                    db[:, :, :, c] += dZ[i, h, w, c]
        # The course writes da_prev_pad[pad:-pad, pad:-pad, :], which is empty when pad == 0.
        dA_prev[i, :, :, :] = da_prev_pad[pad : pad + n_H_prev, pad : pad + n_W_prev, :]
    return dA_prev, dW, db


def create_mask_from_window(x) -> np.ndarray:
    """Boolean mask of ``x`` that is True where ``x`` equals its maximum (every tie included).

    Example:
        >>> np.random.seed(1)
        >>> create_mask_from_window(np.random.randn(2, 3))
        array([[ True, False, False],
               [False, False, False]])
    """
    x = check_array(x, "x")
    if x.size == 0:
        raise ValueError(f"x must not be empty; got an array of shape {x.shape}.")
    return x == np.max(x)


def distribute_value(dz, shape) -> np.ndarray:
    """Spread the gradient ``dz`` evenly over an array of ``shape`` (n_H, n_W).

    Example:
        >>> distribute_value(2, (2, 2))
        array([[0.5, 0.5],
               [0.5, 0.5]])
    """
    if np.ndim(dz) != 0:
        raise ValueError(f"dz must be a scalar; got an array of shape {np.shape(dz)}.")
    if len(shape) != 2:
        raise ValueError(f"shape must be (n_H, n_W); got {shape!r}.")
    check_positive(shape[0], "shape[0]", integer=True)
    check_positive(shape[1], "shape[1]", integer=True)
    n_H, n_W = int(shape[0]), int(shape[1])
    average = dz / (n_H * n_W)
    return np.ones((n_H, n_W)) * average


def pool_backward(dA, cache: tuple, mode: str = "max") -> np.ndarray:
    """Backward pass of a pooling layer (loops, as in the course).

    ``max`` routes each gradient to the maximum of its window (to every maximum when there are
    ties, as the course's mask does); ``average`` spreads it evenly over the window.

    Args:
        dA: gradient of the cost with respect to the pooling output, (m, n_H, n_W, n_C).
        cache: ``(A_prev, hparameters)`` from :func:`pool_forward`.
        mode: ``"max"`` or ``"average"``.

    Returns:
        ``dA_prev``, shape of ``A_prev``.

    Example:
        >>> A_prev = np.arange(16.0).reshape(1, 4, 4, 1)
        >>> A, cache = pool_forward(A_prev, {"f": 2, "stride": 2})
        >>> pool_backward(np.ones_like(A), cache)[0, :, :, 0]
        array([[0., 0., 0., 0.],
               [0., 1., 0., 1.],
               [0., 0., 0., 0.],
               [0., 1., 0., 1.]])
    """
    dA, A_prev, stride, f = check_pool_backward_inputs(dA, cache, mode)
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    for i in range(m):
        a_prev = A_prev[i]
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vert_start = stride * h
                    vert_end = vert_start + f
                    horiz_start = stride * w
                    horiz_end = horiz_start + f
                    if mode == "max":
                        a_prev_slice = a_prev[vert_start:vert_end, horiz_start:horiz_end, c]
                        mask = a_prev_slice == np.max(a_prev_slice)
                        dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += (
                            mask * dA[i, h, w, c]
                        )
                    else:
                        da = dA[i, h, w, c]
                        dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += np.ones(
                            (f, f)
                        ) * (da / (f * f))
    return dA_prev
