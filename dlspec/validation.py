"""Input validation shared by every public entry point.

Messages follow one pattern: which argument, what was expected, what was got, and the likely fix.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "check_array",
    "check_X_Y",
    "check_binary_labels",
    "check_decay",
    "check_finite",
    "check_input_shape",
    "check_int",
    "check_layer_dims",
    "check_positive",
    "check_probability",
]


def _shape_str(shape: Sequence[int | None]) -> str:
    return (
        "("
        + ", ".join("m" if s is None else str(s) for s in shape)
        + ("," if len(shape) == 1 else "")
        + ")"
    )


def _matches(actual: Sequence[int], shape: Sequence[int | None]) -> bool:
    return all(s is None or s == a for s, a in zip(shape, actual))


def check_array(
    x,
    name: str,
    *,
    shape: Sequence[int | None] | None = None,
    ndim: int | None = None,
    numeric: bool = True,
    finite: bool = True,
) -> np.ndarray:
    """Return ``x`` as an ndarray after checking its rank, shape and values.

    Args:
        x: array-like to check.
        name: argument name used in error messages.
        shape: expected shape; ``None`` entries match any size.
        ndim: expected rank (implied by ``shape`` when given).
        numeric: require a boolean, integer or floating dtype.
        finite: reject NaN and infinity.

    Returns:
        ``np.asarray(x)``.

    Example:
        >>> check_array([[1.0, 2.0]], "Y", shape=(1, None)).shape
        (1, 2)
    """
    arr = np.asarray(x)
    if numeric and arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a numeric array; got dtype {arr.dtype}.")
    if shape is not None:
        ndim = len(shape)
    if ndim is not None and arr.ndim != ndim:
        want = _shape_str(shape) if shape is not None else f"{ndim}-D"
        raise ValueError(f"{name} must have shape {want}; got {arr.shape} ({arr.ndim}-D).")
    if shape is not None and not _matches(arr.shape, shape):
        hint = " Did you forget to transpose?" if _matches(arr.shape[::-1], shape) else ""
        raise ValueError(f"{name} must have shape {_shape_str(shape)}; got {arr.shape}.{hint}")
    if finite and arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(
            f"{name} contains NaN or infinity; clean the input or lower the learning rate."
        )
    return arr


def check_X_Y(
    X, Y, *, n_x: int | None = None, x_name: str = "X", y_rows: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Check the course's column-major convention: X is (n_x, m), Y is (1, m), m >= 1.

    Args:
        X, Y: the arrays.
        n_x: the expected number of rows of X (``None``: any).
        x_name: the name of X in messages (``"A2"``, ``"AL"`` for a cost's activations).
        y_rows: the expected number of rows of Y (1 for the course's binary labels).

    Example:
        >>> X, Y = check_X_Y(np.zeros((2, 3)), np.ones((1, 3)))
    """
    X = check_array(X, x_name, shape=(n_x, None))
    Y = check_array(Y, "Y", ndim=2)
    if Y.shape[1] != X.shape[1]:
        hint = " Y looks transposed: use Y.reshape(1, -1)." if Y.shape == (X.shape[1], 1) else ""
        raise ValueError(
            f"{x_name} and Y must have the same number of examples m (columns): {x_name} is "
            f"{X.shape}, Y is {Y.shape}.{hint}"
        )
    if y_rows is not None and Y.shape[0] != y_rows:
        raise ValueError(
            f"Y must have shape ({y_rows}, m); got {Y.shape}. The course's labels are one row "
            "of 0/1 values."
        )
    if X.shape[1] == 0:
        raise ValueError(f"{x_name} and Y hold no examples (m = 0): {x_name} is {X.shape}.")
    return X, Y


def check_binary_labels(Y, name: str = "Y") -> np.ndarray:
    """Check that ``Y`` holds only the course's 0/1 labels (booleans allowed); return it.

    Example:
        >>> check_binary_labels(np.array([[1, 0, 1]])).tolist()
        [[1, 0, 1]]
    """
    Y = np.asarray(Y)
    bad = Y[(Y != 0) & (Y != 1)] if Y.dtype.kind in "biuf" else Y.ravel()
    if bad.size:
        raise ValueError(
            f"{name} must hold labels 0 or 1 (1 = positive class); got {bad.ravel()[:5].tolist()}"
            f"{' ...' if bad.size > 5 else ''}. Relabel multi-class data as 0/1 first."
        )
    return Y


def _real(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float | np.integer | np.floating)


def check_finite(value, name: str) -> float:
    """Return ``value`` as a ``float`` if it is a finite real number (not NaN, not ±inf).

    Raises:
        TypeError: ``value`` is not a real number (a bool, a string, an array).
        ValueError: ``value`` is NaN or infinite.

    Example:
        >>> check_finite(-0.5, "b")
        -0.5
    """
    if not _real(value) and not (isinstance(value, np.ndarray) and value.ndim == 0):
        raise TypeError(f"{name} must be a real number; got {value!r} ({type(value).__name__}).")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number; got {value!r}.")
    return float(value)


def check_probability(
    value, name: str, *, allow_zero: bool = True, allow_one: bool = False
) -> float:
    """Return ``value`` as a ``float`` if it is a probability; by default in [0, 1).

    ``allow_zero`` / ``allow_one`` close or open each end: a keep probability is in (0, 1]
    (``allow_zero=False, allow_one=True``), a dropout rate in [0, 1).

    Example:
        >>> check_probability(0.86, "keep_prob", allow_zero=False, allow_one=True)
        0.86
    """
    low, high = ("[" if allow_zero else "("), ("]" if allow_one else ")")
    message = f"{name} must be a number in {low}0, 1{high}; got {value!r}."
    if not _real(value):
        raise TypeError(message)
    ok_low = value >= 0 if allow_zero else value > 0
    ok_high = value <= 1 if allow_one else value < 1
    if not (ok_low and ok_high):  # NaN fails both
        raise ValueError(message)
    return float(value)


def check_layer_dims(layer_dims: Sequence[int], *, min_layers: int = 2) -> list[int]:
    """Check a course ``layer_dims`` list such as ``[12288, 20, 7, 5, 1]``.

    Example:
        >>> check_layer_dims((4, 3, 1))
        [4, 3, 1]
    """
    dims = list(layer_dims)
    if len(dims) < min_layers:
        raise ValueError(
            f"layer_dims needs at least {min_layers} sizes (input, ..., output); got {dims}."
        )
    bad = [d for d in dims if isinstance(d, bool) or not isinstance(d, int | np.integer) or d < 1]
    if bad:
        raise ValueError(f"layer_dims must hold positive integers; got {dims} (bad: {bad}).")
    return [int(d) for d in dims]


def check_int(value, name: str, *, minimum: int | None = None) -> int:
    """Return ``value`` as an ``int`` if it is an integer (``np.int64`` included) ``>= minimum``.

    Booleans and floats (even ``3.0``) are refused: a count is an integer.

    Raises:
        TypeError: ``value`` is not an integer.
        ValueError: ``value`` is below ``minimum``.

    Example:
        >>> check_int(np.int64(32), "batch_size", minimum=1)
        32
    """
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an integer; got {value!r} ({type(value).__name__}).")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}.")
    return int(value)


def check_positive(value, name: str, *, integer: bool = False) -> None:
    """Raise ``ValueError`` unless ``value`` is a positive, finite (integer) number.

    NaN, ±inf, 0, negatives, booleans and non-numbers are refused.

    Example:
        >>> check_positive(0.01, "learning_rate")
        >>> check_positive(float("nan"), "learning_rate")
        Traceback (most recent call last):
        ...
        ValueError: learning_rate must be a positive number; got nan.
    """
    ok = (
        isinstance(value, int | np.integer)
        if integer
        else isinstance(value, int | float | np.number)
    )
    if isinstance(value, bool) or not ok or not np.isfinite(value) or value <= 0:
        kind = "a positive integer" if integer else "a positive number"
        raise ValueError(f"{name} must be {kind}; got {value!r}.")


def check_input_shape(input_shape, *, name: str = "input_shape") -> tuple[int, int, int]:
    """Check an image model's ``(height, width, channels)`` of positive ints; return it.

    Example:
        >>> check_input_shape([64, 64, 3])
        (64, 64, 3)
    """
    try:
        shape = tuple(int(d) for d in input_shape)
        ok = (
            len(shape) == 3
            and all(d > 0 for d in shape)
            and all(float(d) == float(o) for d, o in zip(shape, input_shape))
        )
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(
            f"{name} must be (height, width, channels) of positive ints, e.g. (64, 64, 3); "
            f"got {input_shape!r}."
        )
    return shape


def check_decay(value, name: str, typical: float) -> float:
    """Check an exponential-average coefficient (β, β1, β2, ρ, momentum): a float in [0, 1).

    Raises:
        TypeError: ``value`` is not a real number.
        ValueError: ``value`` is outside [0, 1).

    Example:
        >>> check_decay(0.9, "beta", typical=0.9)
        0.9
    """
    message = f"{name} must be a float in [0, 1) (typically {typical}); got {value!r}."
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating):
        raise TypeError(message)
    if not 0.0 <= value < 1.0:
        raise ValueError(message)
    return float(value)
