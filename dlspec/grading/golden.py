"""Golden cases: seeded inputs, the course's expected values, and a comparison that explains.

A lab lists its cases next to its code; the package's tests and ``dlspec grade`` run the same
cases, against dlspec's functions or a learner's.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

__all__ = ["GoldenCase", "CaseResult", "check_lab", "compare", "run_case"]


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
    """

    function: str
    make_inputs: Callable[[], tuple[tuple, dict]]
    expected: Any
    select: Callable[[Any], Any] | None = None
    rtol: float = 1e-5
    atol: float = 1e-7
    name: str = ""
    types: Mapping[str, type] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.name or self.function


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one case: ``status`` is "pass", "wrong value", "wrong shape" or "error"."""

    case: GoldenCase
    status: str
    message: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "pass"


def compare(
    expected: Any, got: Any, *, rtol: float, atol: float, path: str = "output"
) -> tuple[str, str] | None:
    """Return ``None`` if ``got`` matches ``expected``, else ``(status, first mismatch)``.

    Example:
        >>> compare({"dw": [[1.0]]}, {"dw": np.array([[1.0]])}, rtol=1e-5, atol=1e-7) is None
        True
    """
    if expected is Ellipsis:
        return None
    if isinstance(expected, Mapping):
        if not isinstance(got, Mapping):
            return "wrong value", f"{path}: expected a dict, got {type(got).__name__}"
        for key, value in expected.items():
            if key not in got:
                return "wrong value", f"{path}: missing key {key!r} (has {sorted(got)})"
            mismatch = compare(value, got[key], rtol=rtol, atol=atol, path=f"{path}[{key!r}]")
            if mismatch:
                return mismatch
        return None
    if isinstance(expected, tuple | list) and not _is_numeric_sequence(expected):
        if not isinstance(got, tuple | list) or len(got) != len(expected):
            return "wrong value", f"{path}: expected {len(expected)} items, got {_describe(got)}"
        for i, (e, g) in enumerate(zip(expected, got)):
            mismatch = compare(e, g, rtol=rtol, atol=atol, path=f"{path}[{i}]")
            if mismatch:
                return mismatch
        return None
    if isinstance(expected, str | bytes):
        return (
            None
            if expected == got
            else ("wrong value", f"{path}: expected {expected!r}, got {got!r}")
        )
    try:
        g = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return "wrong value", f"{path}: expected numbers, got {_describe(got)}"
    e = np.asarray(expected, dtype=float)
    if e.shape != g.shape and not (e.size == g.size == 1 and e.ndim == 0):
        return "wrong shape", f"{path}: expected shape {e.shape}, got {g.shape}"
    close = np.isclose(g.reshape(e.shape), e, rtol=rtol, atol=atol)
    if not np.all(close):
        idx = tuple(int(i) for i in np.argwhere(~close)[0])
        where = f"{path}{list(idx) if idx else ''}"
        return "wrong value", f"{where}: expected {e[idx]!r}, got {g.reshape(e.shape)[idx]!r}"
    return None


def _is_numeric_sequence(value: Sequence) -> bool:
    try:
        return np.asarray(value).dtype.kind in "biuf"
    except ValueError:
        return False


def _describe(value: Any) -> str:
    shape = getattr(value, "shape", None)
    return f"{type(value).__name__} of shape {shape}" if shape is not None else repr(value)[:80]


def run_case(case: GoldenCase, module: ModuleType | Mapping[str, Callable]) -> CaseResult:
    """Call ``case.function`` from ``module`` (a module or a name→function mapping) and compare.

    Example:
        >>> from dlspec.foundations import logistic_regression
        >>> from dlspec.foundations.golden import CASES
        >>> run_case(CASES["c1w2-logreg"][0], logistic_regression).passed  # doctest: +SKIP
        True
    """
    functions = module if isinstance(module, Mapping) else vars(module)
    func = functions.get(case.function)
    if not callable(func):
        return CaseResult(case, "error", f"function {case.function!r} is not defined")
    args, kwargs = case.make_inputs()
    try:
        out = func(*args, **kwargs)
        if case.select is not None:
            out = case.select(out)
    except Exception as err:  # the learner's exception is the result being reported
        return CaseResult(case, "error", f"{type(err).__name__}: {err}")
    for path, kind in case.types.items():
        value = _dig(out, path)
        if not isinstance(value, kind):
            return CaseResult(
                case,
                "wrong value",
                f"{path}: expected type {kind.__name__}, got {type(value).__name__}",
            )
    mismatch = compare(case.expected, out, rtol=case.rtol, atol=case.atol)
    return CaseResult(case, *mismatch) if mismatch else CaseResult(case, "pass")


def _dig(value: Any, path: str) -> Any:
    for part in filter(None, path.split(".")):
        value = value[int(part)] if isinstance(value, tuple | list) else value[part]
    return value


def check_lab(lab_id: str):
    """Grade dlspec's own implementation of ``lab_id`` on the lab's golden cases.

    Returns:
        A :class:`~dlspec.labs.LabResult` with the metric ``"golden cases passed"`` (a fraction)
        and one note per case.

    Example:
        >>> check_lab("c1w4-deep-nn-step").metrics["golden cases passed"]
        1.0
    """
    from dlspec.labs import LabResult, get_lab

    lab = get_lab(lab_id)
    cases = lab.golden_cases()
    if not cases:
        raise ValueError(f"lab {lab_id!r} has no golden cases.")
    module = importlib.import_module(lab.module)
    outcomes = [run_case(case, module) for case in cases]
    result = LabResult(lab_id)
    result.metrics["golden cases passed"] = sum(o.passed for o in outcomes) / len(outcomes)
    result.notes = [f"{o.case.label}: {o.status} {o.message}".strip() for o in outcomes]
    return result
