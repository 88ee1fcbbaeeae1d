"""Grade a function from a notebook cell: ``check(propagate)``, and ``%dlspec_grade [LAB]``.

``check`` sends the live function (by value, with the notebook globals it uses) to the kernel's
warm grading worker (:mod:`dlspec.grading.live`), which runs the lab's fixed and generated
cases in its own process: an infinite loop is stopped and reported as a timeout, and
``sys.exit``, a crash or a memory blow-up is reported while the kernel keeps running (a dead
worker is replaced on the next call). The result shows as an HTML table in Jupyter and as the
text of ``dlspec grade`` elsewhere.

The lab is ``lab=`` if given, else the one the notebook's file name names (``c1w2-logreg.ipynb``,
``c1w2_logistic_regression.ipynb``), else the lab whose graded functions the kernel defines;
when several labs fit equally, the error lists them.

Example:
    >>> from dlspec.grading import check  # doctest: +SKIP
    >>> check(propagate)  # doctest: +SKIP
    dlspec grade c1w2-logreg: Logistic regression with a neural network mindset
    ...
    propagate  passed  1/1    3/3
"""

from __future__ import annotations

import inspect
import linecache
import os
import secrets
import sys
import types
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import cloudpickle

from dlspec.grading.cases import CaseSource
from dlspec.grading.html import report_html
from dlspec.grading.live import WorkerDied, WorkerSilent, live_worker
from dlspec.grading.report import CaseReport, GradeReport, format_report
from dlspec.labs import all_labs

__all__ = [
    "AmbiguousLab",
    "CannotShip",
    "CheckResult",
    "check",
    "grade_kernel",
    "load_ipython_extension",
]

_START_TIMEOUT = 180.0  # a fresh worker's imports (TensorFlow for Keras labs)


class CannotShip(TypeError):
    """A function (or a global it uses) cannot be sent to the grading worker."""


class AmbiguousLab(ValueError):
    """Several labs grade the functions; the message lists them."""


class CheckResult:
    """What :func:`check` found: HTML in Jupyter, ``dlspec grade``'s text elsewhere.

    Attributes:
        report: the :class:`~dlspec.grading.report.GradeReport` (``report.to_dict()`` is the
            JSON of ``dlspec grade --json``).
    """

    def __init__(self, report: GradeReport) -> None:
        self.report = report

    @property
    def passed(self) -> bool:
        """True when every case of every checked function passed."""
        return self.report.passed

    def __str__(self) -> str:
        return format_report(self.report)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return report_html(self.report)


def check(
    *functions: Callable | str,
    lab: str | None = None,
    seed: int | None = None,
    repeats: int = 3,
    timeout: float = 5.0,
    memory_mb: int | None = 4096,
) -> CheckResult:
    """Grade ``functions`` (function objects, or names of the notebook's functions).

    Args:
        functions: the functions to grade, e.g. ``check(propagate)`` or ``check("propagate")``.
        lab: the lab id; default: from the notebook's name, else from the functions defined.
        seed: seed of the generated cases (default: a fresh one, shown in the result).
        repeats: draws of each generated case.
        timeout: seconds per case.
        memory_mb: the worker's address-space cap (used when a worker starts).

    Raises:
        CannotShip: a function or a global it uses cannot be pickled (a generator, a file).
        AmbiguousLab: several labs grade these functions (pass ``lab=``).
        ValueError: a function is not graded in the lab.

    Example:
        >>> check(propagate, lab="c1w2-logreg", timeout=2)  # doctest: +SKIP
    """
    if not functions:
        raise TypeError("check() needs a function, e.g. check(propagate).")
    namespace = _user_namespace()
    chosen = {_name(f): _function(f, namespace) for f in functions}
    lab_id = _resolve_lab(lab, list(chosen), namespace, memory_mb)
    return CheckResult(_grade(lab_id, chosen, seed, repeats, timeout, memory_mb))


def grade_kernel(lab: str | None = None, **options: Any) -> CheckResult:
    """Grade every graded function defined in the kernel (what ``%dlspec_grade [LAB]`` does).

    Takes the options of :func:`check`.

    Example:
        >>> grade_kernel("c1w2-logreg")  # doctest: +SKIP
    """
    namespace = _user_namespace()
    memory_mb = options.get("memory_mb", 4096)
    lab_id = _resolve_lab(lab, [], namespace, memory_mb)
    graded = _graded(lab_id, memory_mb)
    defined = _defined_functions(namespace)
    chosen = {name: defined[name] for name in graded if name in defined}
    if not chosen:
        raise ValueError(
            f"the kernel defines none of the functions graded in {lab_id}: {', '.join(graded)}."
        )
    return check(*chosen.values(), lab=lab_id, **options)


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext dlspec``: add ``%dlspec_grade [LAB]`` (grade every graded function)."""

    def dlspec_grade(line: str) -> CheckResult:
        return grade_kernel(line.strip() or None)

    ipython.register_magic_function(dlspec_grade, magic_kind="line", magic_name="dlspec_grade")


# --- which functions, which lab --------------------------------------------------------------


def _user_namespace() -> dict[str, Any]:
    """The notebook's globals: ``__main__`` (IPython runs cells there)."""
    return vars(sys.modules["__main__"])


def _name(function: Callable | str) -> str:
    return function if isinstance(function, str) else getattr(function, "__name__", repr(function))


def _function(function: Callable | str, namespace: Mapping[str, Any]) -> Callable:
    if isinstance(function, str):
        if not callable(namespace.get(function)):
            raise NameError(f"the notebook defines no function {function!r}.")
        return namespace[function]
    if not callable(function):
        raise TypeError(f"check() grades functions; got {type(function).__name__}.")
    return function


def _defined_functions(namespace: Mapping[str, Any]) -> dict[str, Callable]:
    return {
        name: value
        for name, value in namespace.items()
        if inspect.isfunction(value) and value.__module__ == "__main__"
    }


def _notebook_lab(namespace: Mapping[str, Any]) -> str | None:
    """The lab the notebook's file name names (``__session__`` or ``JPY_SESSION_NAME``)."""
    path = namespace.get("__session__") or os.environ.get("JPY_SESSION_NAME")
    if not path:
        return None
    stem = Path(str(path)).stem.lower().replace("_", "-")
    found = [
        lab.id
        for lab in all_labs().values()
        if lab.golden and (lab.id in stem or Path(lab.script).stem.replace("_", "-") == stem)
    ]
    return max(found, key=len) if found else None


def _resolve_lab(
    lab: str | None, wanted: list[str], namespace: Mapping[str, Any], memory_mb: int | None
) -> str:
    if lab:
        return CaseSource.for_lab(lab).key
    named = _notebook_lab(namespace)
    if named:
        return named
    defined = sorted(set(_defined_functions(namespace)) | set(wanted))
    ask = {"op": "labs", "names": wanted or defined, "every": bool(wanted)}
    labs: dict[str, list[str]] = _request(ask, _START_TIMEOUT, memory_mb)["labs"]
    fitting = [lab_id for lab_id, graded in labs.items() if set(wanted) <= set(graded)]
    if not fitting:
        what = ", ".join(wanted) or "any function the kernel defines"
        raise ValueError(f"no lab grades {what}; pass lab=... (see `dlspec list`).")
    score = {lab_id: len(set(labs[lab_id]) & set(defined)) for lab_id in fitting}
    best = [lab_id for lab_id in fitting if score[lab_id] == max(score.values())]
    if len(best) == 1:
        return best[0]
    listed = "; ".join(f"{lab_id} ({', '.join(labs[lab_id])})" for lab_id in best)
    call = f"check({', '.join(wanted)}, lab={best[0]!r})" if wanted else f"%dlspec_grade {best[0]}"
    raise AmbiguousLab(
        f"several labs grade {', '.join(wanted) or 'these functions'}: {listed}. "
        f"Say which, e.g. {call}."
    )


def _graded(lab_id: str, memory_mb: int | None) -> list[str]:
    reply = _request({"op": "labs", "names": [], "lab": lab_id}, _START_TIMEOUT, memory_mb)
    return reply["labs"][lab_id]


# --- shipping --------------------------------------------------------------------------------


def _code_objects(code: types.CodeType) -> Iterator[types.CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


def _globals_used(func: Callable) -> dict[str, Any]:
    code = getattr(func, "__code__", None)
    scope = getattr(func, "__globals__", {})
    if code is None:
        return {}
    names = {n for c in _code_objects(code) for n in c.co_names}
    return {n: scope[n] for n in sorted(names) if n in scope}


def _ship(name: str, func: Callable) -> bytes:
    """``func`` pickled by value, or :class:`CannotShip` naming what cannot be sent."""
    try:
        return cloudpickle.dumps(func)
    except Exception as err:
        culprit = ""
        for global_name, value in _globals_used(func).items():
            try:
                cloudpickle.dumps(value)
            except Exception:
                culprit = f": it uses the global {global_name!r}, a {type(value).__name__}"
                break
        raise CannotShip(
            f"cannot send {name!r} to the grading process{culprit} ({type(err).__name__}: "
            f"{err}). Build such objects inside the function, or use a list instead of a "
            "generator."
        ) from None


def _cell_sources(functions: Mapping[str, Callable]) -> dict[str, str]:
    """The text of the cells the functions (and notebook functions they call) come from."""
    seen: dict[str, str] = {}
    todo = list(functions.values())
    done: set[int] = set()
    while todo:
        func = todo.pop()
        if id(func) in done or not inspect.isfunction(func):
            continue
        done.add(id(func))
        filename = func.__code__.co_filename
        if filename not in seen:
            seen[filename] = "".join(linecache.getlines(filename))  # IPython keeps cells there
        todo += [v for v in _globals_used(func).values() if inspect.isfunction(v)]
    return {f: text for f, text in seen.items() if text}


# --- the run ---------------------------------------------------------------------------------


def _request(message: dict, timeout: float, memory_mb: int | None) -> dict:
    worker = live_worker(memory_mb)
    try:
        return worker.request(message, timeout)
    except (WorkerDied, WorkerSilent) as err:
        worker.kill()
        raise RuntimeError(f"dlspec's grading process did not answer: {err}") from err


def _grade(
    lab_id: str,
    functions: Mapping[str, Callable],
    seed: int | None,
    repeats: int,
    timeout: float,
    memory_mb: int | None,
) -> GradeReport:
    source = CaseSource.for_lab(lab_id)
    seed = secrets.randbelow(100_000) if seed is None else int(seed)
    message = {
        "op": "grade",
        "source": source.to_dict(),
        "functions": {name: _ship(name, f) for name, f in functions.items()},
        "sources": _cell_sources(functions),
        "seed": seed,
        "repeats": repeats,
    }
    plan = _request(message, _START_TIMEOUT, memory_mb)
    unknown = [name for name in functions if name not in plan["graded"]]
    if unknown:
        raise ValueError(
            f"{', '.join(map(repr, unknown))} is not graded in {lab_id}; graded functions: "
            f"{', '.join(plan['graded'])}."
        )
    shown = f"this kernel's {', '.join(functions)}"
    report = GradeReport(lab_id, source.title, shown, seed, repeats, timeout, plan["memory"])
    report.functions = list(dict.fromkeys(c["function"] for c in plan["cases"]))
    _run_cases(report, plan["cases"], message, timeout, memory_mb)
    return report


def _run_cases(
    report: GradeReport, cases: list[dict], message: dict, timeout: float, memory_mb: int | None
) -> None:
    """Ask the worker for each case; a timeout or a death costs the rest of that function."""
    skipped: dict[str, str] = {}
    fresh = False  # True after a restart: the new worker needs the grade request again
    for case in cases:
        function = case["function"]
        if function in skipped:
            report.cases.append(_row(case, "not run", skipped[function]))
            continue
        worker = live_worker(memory_mb)
        try:
            if fresh:
                worker.request(message, _START_TIMEOUT)
                fresh = False
            reply = worker.request(
                {"op": "run", "id": case["id"], "timeout": timeout}, 2 * timeout + 2
            )
        except WorkerSilent:
            worker.kill()
            fresh = True
            skipped[function] = f"an earlier case of {function} timed out"
            message_text = f"no result within {timeout:g} s; the grading process was restarted"
            report.cases.append(_row(case, "timeout", message_text))
            continue
        except WorkerDied as err:
            fresh = True
            skipped[function] = f"an earlier case of {function} crashed"
            report.cases.append(_row(case, "crashed", str(err)))
            continue
        if reply["status"] in ("timeout", "crashed"):
            skipped[function] = f"an earlier case of {function} timed out"
        report.cases.append(_row(case, reply.pop("status"), reply.pop("message"), **reply))


def _row(case: dict, status: str, message: str, **reply: Any) -> CaseReport:
    return CaseReport(
        case["id"],
        case["kind"],
        case["function"],
        case["label"],
        status,
        message,
        reply.get("detail"),
        reply.get("location"),
        float(reply.get("seconds", 0.0)),
    )
