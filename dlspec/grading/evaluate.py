"""Call a function on one case and say what, if anything, is wrong: the grader's verdicts.

:func:`evaluate` is shared by :func:`run_case` and :func:`check_lab` (dlspec's own tests and
lab runs, ``strict=False``: values, shapes and required Python types) and by ``dlspec grade``
(``strict=True``: also dtypes, containers and inputs modified in place). Both get an
:class:`Outcome`.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from dlspec.grading.golden import GoldenCase, Mismatch, compare_detail, value_at
from dlspec.grading.model_summary import ModelCase, compare_summaries, layer_summary
from dlspec.labs import LabResult, get_lab

__all__ = ["STATUSES", "Outcome", "check_lab", "evaluate", "matches_visible_case", "run_case"]

#: every status a case can get, with what it means (the report's vocabulary)
STATUSES: dict[str, str] = {
    "pass": "the output matches",
    "wrong value": "a number differs beyond the tolerance (first mismatch shown)",
    "wrong shape": "an array has another shape",
    "wrong dtype": "an integer or boolean array where the course has floats",
    "wrong type": "another Python type or container (list for ndarray, array for float...)",
    "wrong model": "a layer of the Keras model differs from the course's summary",
    "mutated input": "the output is right but an argument was modified in place (one the "
    "course does not update in place)",
    "hard-coded": "on new inputs the function returns the visible test's expected output",
    "exception": "the function raised (the line of the solution is shown)",
    "not implemented": "the function raises NotImplementedError (template body)",
    "missing function": "the solution does not define the function",
    "timeout": "no result within the time limit (infinite loop?)",
    "crashed": "the process running the solution died (os._exit, segfault, out of memory)",
    "not run": "not attempted: the solution did not load, or an earlier case of the "
    "function timed out or crashed",
    "grader error": "dlspec could not build the case (a bug in dlspec, please report it)",
    "edition": "written for an earlier edition of the lab whose contract differs (said how)",
}

#: ``adapt(case, args, kwargs, output)``: an earlier edition's output made gradable (a new case
#: and output), or an :class:`Outcome` when it cannot be graded; ``None``: nothing to adapt.
Adapter = Callable[[Any, tuple, dict, Any], "tuple[Any, Any] | Outcome | None"]


@dataclass(frozen=True)
class Outcome:
    """What :func:`evaluate` found for one case.

    Attributes:
        status: a key of :data:`STATUSES`.
        message: one line for the learner.
        mismatch: the first value difference (index, expected, got) when there is one.
        error: the exception raised by the learner's code, if any.
        output: the function's raw return value (``None`` when it raised).
        seconds: time spent in the call.
        updated: the ``in_place`` arguments the call did change (allowed, but they may tell
            which edition the code was written for).
    """

    status: str
    message: str = ""
    mismatch: Mismatch | None = None
    error: BaseException | None = None
    output: Any = None
    seconds: float = 0.0
    updated: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return self.status == "pass"


def evaluate(
    case: GoldenCase | ModelCase,
    func: Any,
    *,
    strict: bool = True,
    reference: Any = None,
    in_place: Collection[str] = (),
    rebind: Collection[str] = (),
    adapt: Adapter | None = None,
) -> Outcome:
    """Call ``func`` on the case's inputs and check the result.

    Args:
        case: a :class:`GoldenCase` or a :class:`~dlspec.grading.model_summary.ModelCase`.
        func: the function to grade (anything; not callable means "missing function").
        strict: also check dtypes, numpy arrays vs lists, and that inputs are unchanged.
        reference: for a :class:`ModelCase` without expected rows, dlspec's builder.
        in_place: names of the arguments the course's solution updates in place (its
            contract: ``parameters``, ``v``, ``s`` of the optimizers); only the others are
            checked for changes.
        rebind: names of dict arguments whose entries the course's solution may replace by
            new arrays (an earlier edition's ``update_parameters``); the arrays it was given
            must not change.
        adapt: called on the raw output before it is checked (earlier editions, see
            :mod:`dlspec.grading.editions`).

    Returns:
        An :class:`Outcome`. The learner's exceptions (``SystemExit`` included when
        ``strict``) are results, not errors; other ``BaseException`` subclasses propagate.

    Example:
        >>> case = GoldenCase("double", lambda: ((np.array([1.0, 2.0]),), {}), [2.0, 4.0])
        >>> evaluate(case, lambda x: 2 * x).status
        'pass'
        >>> def double(x):
        ...     x *= 2
        ...     return x
        >>> outcome = evaluate(case, double)
        >>> outcome.status, outcome.message
        ('mutated input', "argument 'x' was modified in place: x[0] changed from 1.0 to 2.0")
    """
    if not callable(func):
        return Outcome("missing function", f"function {case.function!r} is not defined")
    args, kwargs = case.make_inputs()
    before = copy.deepcopy((args, kwargs)) if strict else None
    snapshots = _snapshots(func, args, kwargs, set(rebind)) if strict else {}
    caught = (Exception, SystemExit) if strict else Exception
    start = time.perf_counter()
    try:
        raw = func(*args, **kwargs)
    except caught as err:
        status = "not implemented" if isinstance(err, NotImplementedError) else "exception"
        return Outcome(status, f"{type(err).__name__}: {err}", error=err)
    seconds = time.perf_counter() - start
    checked = raw
    adapted = adapt(case, args, kwargs, raw) if adapt is not None else None
    if isinstance(adapted, Outcome):
        return Outcome(adapted.status, adapted.message, None, None, raw, seconds)
    if adapted is not None:
        case, checked = adapted
    if isinstance(case, ModelCase):
        outcome = _check_model(case, checked, args, kwargs, reference)
    else:
        outcome = _check_output(case, checked, strict)
    updated: tuple[str, ...] = ()
    if outcome is None and strict:
        after = _with_snapshots(func, args, kwargs, snapshots)
        outcome = _check_unchanged(before, after, func, set(in_place))
        updated = _changed(before, (args, kwargs), func, set(in_place))
    outcome = outcome or Outcome("pass")
    return Outcome(outcome.status, outcome.message, outcome.mismatch, None, raw, seconds, updated)


def _check_output(case: GoldenCase, raw: Any, strict: bool) -> Outcome | None:
    out = raw
    if case.select is not None:
        try:
            out = case.select(raw)
        except Exception as err:
            if not strict:
                return Outcome("exception", f"{type(err).__name__}: {err}")
            return Outcome(
                "wrong type",
                f"the output does not have the course's structure ({type(err).__name__}: {err})",
            )
    mismatch = compare_detail(case.expected, out, rtol=case.rtol, atol=case.atol)
    if mismatch is not None:
        status = "wrong type" if strict and mismatch.kind == "type" else mismatch.status
        message = mismatch.message
        if strict and mismatch.kind == "value":
            message += f" (rtol {case.rtol:g}, atol {case.atol:g})"
        return Outcome(status, message, mismatch)
    for path, kind in case.types.items():
        try:
            value = value_at(out, path)
        except (KeyError, IndexError, TypeError):
            return Outcome("wrong type", f"{path or 'output'}: not found in the output")
        if not isinstance(value, kind):
            return Outcome(
                "wrong type",
                f"{path or 'output'}: expected type {kind.__name__}, got {type(value).__name__}",
            )
    if strict and case.check_dtype:
        problem = _dtype_problem(case.expected, out, "output")
        if problem:
            return Outcome(*problem)
    return None


def _dtype_problem(expected: Any, got: Any, path: str) -> tuple[str, str] | None:
    if isinstance(expected, np.ndarray):
        if isinstance(got, list | tuple) and expected.ndim >= 1:
            return "wrong type", f"{path}: expected a numpy array, got {type(got).__name__}"
        kind = getattr(got, "dtype", None)
        if expected.dtype.kind == "f" and kind is not None and kind.kind not in "fc":
            return (
                "wrong dtype",
                f"{path}: expected a floating array ({expected.dtype}), got dtype {kind}",
            )
        return None
    if isinstance(expected, Mapping) and isinstance(got, Mapping):
        for key, value in expected.items():
            problem = _dtype_problem(value, got.get(key), f"{path}[{key!r}]")
            if problem:
                return problem
    elif isinstance(expected, tuple | list) and isinstance(got, tuple | list):
        for i, (e, g) in enumerate(zip(expected, got)):
            problem = _dtype_problem(e, g, f"{path}[{i}]")
            if problem:
                return problem
    return None


def _check_model(case: ModelCase, raw: Any, args, kwargs, reference: Any) -> Outcome | None:
    if not hasattr(raw, "layers") or not hasattr(raw, "count_params"):
        return Outcome("wrong type", f"output: expected a Keras model, got {type(raw).__name__}")
    expected = case.expected
    if expected is None and reference is not None:
        expected = layer_summary(reference(*args, **kwargs))
    if expected is None:
        return None
    mismatch = compare_summaries(expected, raw)
    return Outcome("wrong model", mismatch.message) if mismatch else None


def _argument_names(func: Callable, args: tuple, kwargs: dict) -> list[str]:
    try:
        params = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        params = []
    names = []
    for i in range(len(args)):
        plain = i < len(params) and params[i].kind in (
            inspect.Parameter.POSITIONAL_ONLY,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
        )
        names.append(params[i].name if plain else f"argument {i + 1}")
    return names + list(kwargs)


def _snapshots(func: Callable, args: tuple, kwargs: dict, names: set[str]) -> dict[str, dict]:
    """Shallow copies of the dict arguments in ``names``: the arrays they hold before the call."""
    if not names:
        return {}
    values = dict(zip(_argument_names(func, args, kwargs), [*args, *kwargs.values()]))
    return {n: dict(v) for n, v in values.items() if n in names and isinstance(v, Mapping)}


def _with_snapshots(func: Callable, args: tuple, kwargs: dict, snapshots: dict) -> tuple:
    """``(args, kwargs)`` with each snapshot argument replaced by its snapshot (whose arrays
    are the ones given: changed only if the function modified them)."""
    if not snapshots:
        return args, kwargs
    names = _argument_names(func, args, kwargs)
    new_args = tuple(snapshots.get(n, a) for n, a in zip(names, args))
    new_kwargs = {k: snapshots.get(k, v) for k, v in kwargs.items()}
    return new_args, new_kwargs


def _argument_pairs(before: Any, after: Any, func: Callable) -> list[tuple[str, Any, Any]]:
    """``(name, value before, value after)`` of every argument of the call."""
    (args0, kwargs0), (args1, kwargs1) = before, after
    names = _argument_names(func, args1, kwargs1)
    pairs = list(zip(args0, args1)) + [(kwargs0[k], kwargs1[k]) for k in kwargs1]
    return [(name, old, new) for name, (old, new) in zip(names, pairs)]


def _check_unchanged(
    before: Any, after: Any, func: Callable, allowed: set[str] = frozenset()
) -> Outcome | None:
    for name, old, new in _argument_pairs(before, after, func):
        if name in allowed:
            continue  # the course's own solution updates this argument in place
        change = _first_change(old, new, name)
        if change:
            return Outcome("mutated input", f"argument {name!r} was modified in place: {change}")
    return None


def _changed(before: Any, after: Any, func: Callable, names: set[str]) -> tuple[str, ...]:
    """The arguments among ``names`` that the call changed."""
    if not names:
        return ()
    pairs = _argument_pairs(before, after, func)
    return tuple(n for n, old, new in pairs if n in names and _first_change(old, new, n))


def _first_change(old: Any, new: Any, path: str) -> str | None:
    if isinstance(old, np.ndarray):
        if not isinstance(new, np.ndarray) or old.shape != new.shape:
            return f"{path} became {_short(new)}"
        equal = (old == new) | (_isnan(old) & _isnan(new))
        if not np.all(equal):
            idx = tuple(int(i) for i in np.argwhere(~np.asarray(equal))[0])
            was, now = _plain(old[idx]), _plain(new[idx])
            return f"{path}{list(idx) if idx else ''} changed from {was!r} to {now!r}"
        return None
    if isinstance(old, Mapping):
        if not isinstance(new, Mapping) or set(old) != set(new):
            return f"{path} keys changed from {sorted(map(str, old))} to {_keys(new)}"
        return _first_in((old[k], new[k], f"{path}[{k!r}]") for k in old)
    if isinstance(old, list | tuple):
        if not isinstance(new, list | tuple) or len(old) != len(new):
            return f"{path} became {_short(new)}"
        return _first_in(((o, n, f"{path}[{i}]") for i, (o, n) in enumerate(zip(old, new))))
    try:
        same = bool(old == new) or (old != old and new != new)
    except Exception:  # an object without a usable ==: nothing to say
        return None
    return None if same else f"{path} changed from {old!r} to {new!r}"


def _first_in(items: Iterable[tuple[Any, Any, str]]) -> str | None:
    for old, new, path in items:
        change = _first_change(old, new, path)
        if change:
            return change
    return None


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _isnan(a: np.ndarray) -> np.ndarray:
    return np.isnan(a) if a.dtype.kind in "fc" else np.zeros(a.shape, bool)


def _keys(value: Any) -> Any:
    return sorted(map(str, value)) if isinstance(value, Mapping) else type(value).__name__


def _short(value: Any) -> str:
    shape = getattr(value, "shape", None)
    return f"{type(value).__name__} of shape {shape}" if shape is not None else repr(value)[:60]


def matches_visible_case(raw: Any, visible: Iterable[GoldenCase]) -> GoldenCase | None:
    """The visible (fixed) case whose expected output ``raw`` reproduces, if any.

    Used on a failed generated case: returning the notebook's expected output for other
    inputs means the answer was hard-coded.

    Example:
        >>> case = GoldenCase("f", lambda: ((1,), {}), [0.5, 0.25])
        >>> matches_visible_case([0.5, 0.25], [case]) is case
        True
    """
    for case in visible:
        if not isinstance(case, GoldenCase):
            continue
        try:
            out = case.select(raw) if case.select is not None else raw
            if compare_detail(case.expected, out, rtol=case.rtol, atol=case.atol) is None:
                return case
        except Exception:  # the learner's output does not fit this case's structure
            continue
    return None


def run_case(case: GoldenCase | ModelCase, module: ModuleType | Mapping[str, Callable]) -> Outcome:
    """Call ``case.function`` from ``module`` (a module or a name→function mapping), leniently.

    Checks values, shapes and the required Python types (``case.types``): :func:`evaluate`
    with ``strict=False``; ``dlspec grade`` adds dtypes and inputs modified in place.

    Example:
        >>> case = GoldenCase("double", lambda: ((np.array([1.0, 2.0]),), {}), [2.0, 4.0])
        >>> run_case(case, {"double": lambda x: 2 * x}).passed
        True
        >>> outcome = run_case(case, {"double": lambda x: 1 / 0})
        >>> outcome.status, outcome.message
        ('exception', 'ZeroDivisionError: division by zero')
    """
    functions = module if isinstance(module, Mapping) else vars(module)
    return evaluate(case, functions.get(case.function), strict=False)


def check_lab(lab_id: str) -> LabResult:
    """Grade dlspec's own implementation of ``lab_id`` (its reference module) on its golden cases.

    Returns:
        A :class:`~dlspec.labs.LabResult` with the metric ``"golden cases passed"`` (a fraction)
        and one note per case.

    Example:
        >>> check_lab("c1w4-deep-nn-step").metrics["golden cases passed"]
        1.0
    """
    lab = get_lab(lab_id)
    cases = lab.golden_cases()
    if not cases:
        raise ValueError(f"lab {lab_id!r} has no golden cases.")
    module = importlib.import_module(lab.reference)
    outcomes = [run_case(case, module) for case in cases]
    result = LabResult(lab_id)
    result.metrics["golden cases passed"] = sum(o.passed for o in outcomes) / len(outcomes)
    result.notes = [
        f"{case.label}: {o.status} {o.message}".strip() for case, o in zip(cases, outcomes)
    ]
    return result
