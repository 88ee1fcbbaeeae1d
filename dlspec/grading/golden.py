"""Golden cases: seeded inputs, the course's expected values, and a comparison that explains.

A lab's golden module (``dlspec/<course>/golden/<reference module>.py``) lists its cases; the
package's tests and ``dlspec grade`` run the same cases, against dlspec's functions or a
learner's (:mod:`dlspec.grading.evaluate`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["GoldenCase", "Mismatch", "compare", "compare_detail", "value_at"]


@dataclass(frozen=True)
class GoldenCase:
    """One graded call of a lab function.

    Attributes:
        function: name of the function in the lab module, e.g. ``"propagate"``.
        make_inputs: builds ``(args, kwargs)`` freshly for each call (seeding numpy where the
            course does), so a function that mutates its inputs cannot spoil other cases.
        expected: the course's values; nested tuples / lists / dicts of arrays and numbers.
            ``...`` (Ellipsis) anywhere means "not checked".
        select: optional map from the raw output to the structure of ``expected``.
        rtol, atol: tolerances of ``np.allclose`` (the course's defaults, atol widened to the
            8 printed digits).
        name: a short label; defaults to the function name.
        types: Python types required at paths of the output (``"0.db"``: ``out[0]["db"]``).
        check_dtype: in strict grading, a floating array expected means a floating array got.
    """

    function: str
    make_inputs: Callable[[], tuple[tuple, dict]]
    expected: Any
    select: Callable[[Any], Any] | None = None
    rtol: float = 1e-5
    atol: float = 1e-7
    name: str = ""
    types: Mapping[str, type] = field(default_factory=dict)
    check_dtype: bool = True

    @property
    def label(self) -> str:
        return self.name or self.function


@dataclass(frozen=True)
class Mismatch:
    """The first difference :func:`compare_detail` found between an expected and a got value.

    Attributes:
        status: ``"wrong value"`` or ``"wrong shape"`` (what :func:`compare` reports).
        message: the sentence :func:`compare` returns, e.g. ``"output[0, 1]: expected 2.0, got
            9.0"``.
        kind: what differs: ``"value"``, ``"shape"``, ``"type"`` (a container or non-number
            where the course has another), ``"key"`` (a missing dict key) or ``"length"``.
        path: where, e.g. ``"output[0]['dw']"``.
        index: the first mismatching index inside the array at ``path`` (``()`` for scalars).
        expected, got: the two values at that index (numbers), else ``None``.
        count, size: how many elements differ, of how many (value mismatches of arrays).
        max_error, max_index: the largest absolute error and where it is.
    """

    status: str
    message: str
    kind: str
    path: str
    index: tuple[int, ...] = ()
    expected: Any = None
    got: Any = None
    count: int = 0
    size: int = 0
    max_error: float | None = None
    max_index: tuple[int, ...] = ()


def compare(
    expected: Any, got: Any, *, rtol: float, atol: float, path: str = "output"
) -> tuple[str, str] | None:
    """Return ``None`` if ``got`` matches ``expected``, else ``(status, first mismatch)``.

    Example:
        >>> compare({"dw": [[1.0]]}, {"dw": np.array([[1.0]])}, rtol=1e-5, atol=1e-7) is None
        True
    """
    mismatch = compare_detail(expected, got, rtol=rtol, atol=atol, path=path)
    return None if mismatch is None else (mismatch.status, mismatch.message)


def compare_detail(
    expected: Any, got: Any, *, rtol: float, atol: float, path: str = "output"
) -> Mismatch | None:
    """Like :func:`compare`, returning the first difference as a :class:`Mismatch`.

    Example:
        >>> m = compare_detail([[1.0, 2.0]], np.array([[1.0, 9.0]]), rtol=1e-5, atol=1e-7)
        >>> m.status, m.path, m.index, m.expected, m.got
        ('wrong value', 'output', (0, 1), 2.0, 9.0)
    """
    if expected is Ellipsis:
        return None
    if isinstance(expected, Mapping):
        if not isinstance(got, Mapping):
            return _wrong(f"{path}: expected a dict, got {type(got).__name__}", "type", path)
        for key, value in expected.items():
            if key not in got:
                return _wrong(f"{path}: missing key {key!r} (has {sorted(got)})", "key", path)
            mismatch = compare_detail(
                value, got[key], rtol=rtol, atol=atol, path=f"{path}[{key!r}]"
            )
            if mismatch:
                return mismatch
        return None
    if isinstance(expected, tuple | list) and not _is_numeric_sequence(expected):
        if not isinstance(got, tuple | list) or len(got) != len(expected):
            kind = "length" if isinstance(got, tuple | list) else "type"
            return _wrong(
                f"{path}: expected {len(expected)} items, got {_describe(got)}", kind, path
            )
        for i, (e, g) in enumerate(zip(expected, got)):
            mismatch = compare_detail(e, g, rtol=rtol, atol=atol, path=f"{path}[{i}]")
            if mismatch:
                return mismatch
        return None
    if isinstance(expected, str | bytes):
        if expected == got:
            return None
        return _wrong(f"{path}: expected {expected!r}, got {got!r}", "value", path)
    try:
        g = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return _wrong(f"{path}: expected numbers, got {_describe(got)}", "type", path)
    e = np.asarray(expected, dtype=float)
    if e.shape != g.shape and not (e.size == g.size == 1 and e.ndim == 0):
        return Mismatch(
            "wrong shape", f"{path}: expected shape {e.shape}, got {g.shape}", "shape", path
        )
    g = g.reshape(e.shape)
    close = np.isclose(g, e, rtol=rtol, atol=atol)
    if not np.all(close):
        idx = tuple(int(i) for i in np.argwhere(~close)[0])
        where = f"{path}{list(idx) if idx else ''}"
        want, have = _short_float(e[idx]), _short_float(g[idx])
        errors = np.where(close, -np.inf, np.nan_to_num(np.abs(g - e), nan=np.inf))
        worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(errors)), e.shape))
        return Mismatch(
            "wrong value",
            f"{where}: expected {want!r}, got {have!r}",
            "value",
            path,
            idx,
            want,
            have,
            count=int((~close).sum()),
            size=int(e.size),
            max_error=_short_float(np.abs(g - e)[worst]),
            max_index=worst,
        )
    return None


def _short_float(value: Any) -> float:
    """``value`` rounded to 10 significant digits, so messages stay short."""
    value = float(value)
    return float(f"{value:.10g}") if np.isfinite(value) else value


def _wrong(message: str, kind: str, path: str) -> Mismatch:
    return Mismatch("wrong value", message, kind, path)


def _is_numeric_sequence(value: Sequence) -> bool:
    try:
        return np.asarray(value).dtype.kind in "biuf"
    except ValueError:
        return False


def _describe(value: Any) -> str:
    shape = getattr(value, "shape", None)
    return f"{type(value).__name__} of shape {shape}" if shape is not None else repr(value)[:80]


def value_at(value: Any, path: str) -> Any:
    """The part of an output at a dotted ``path`` of :attr:`GoldenCase.types` (``""``: all of it).

    Each part indexes a tuple or list (as an integer) or a dict (as a key).

    Example:
        >>> value_at(({"dw": 1.0, "db": 2.0}, 0.5), "0.db")
        2.0
    """
    for part in filter(None, path.split(".")):
        value = value[int(part)] if isinstance(value, tuple | list) else value[part]
    return value
