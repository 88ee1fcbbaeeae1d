"""The grader's worker: a child process that loads the learner's solution and runs cases.

``dlspec grade`` (:mod:`dlspec.grading.runner`) starts ``python -m dlspec.grading.worker`` and
talks to it in JSON lines: requests on the worker's stdin, replies on its original stdout.
Before any learner code runs, the worker moves its stdout to stderr (so ``print`` in a
solution cannot garble a reply) and its stdin to ``/dev/null``. Requests:

- ``{"op": "init", "source": {...}, "solution": PATH, "seed": N, "repeats": N,
  "functions": [...] | null, "timeout": S, "memory_mb": N}`` → ``{"op": "plan", ...}``
  (the cases, built before the solution is loaded), then ``{"op": "loaded", ...}``;
- ``{"op": "run", "id": K}`` → ``{"op": "result", "id": K, "status": ..., ...}``;
- ``{"op": "exit"}``.

Each learner call runs under ``SIGALRM`` (``timeout`` seconds); the parent kills the process
if even that does not stop it, and starts a new one for the next case.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import math
import os
import signal
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from dlspec.grading.cases import CaseSource, plan_cases
from dlspec.grading.evaluate import Outcome, evaluate, matches_visible_case
from dlspec.grading.model_summary import ModelCase
from dlspec.grading.solution import LoadedSolution, load_solution

__all__ = ["GradingTimeout", "limit_memory", "main", "time_limit"]

# Statuses where a generated case may have been given the visible case's answer.
_COULD_BE_HARD_CODED = {"wrong value", "wrong shape", "wrong type", "wrong dtype"}


class GradingTimeout(BaseException):
    """Raised by the ``SIGALRM`` handler; a ``BaseException`` so ``except Exception`` in a
    solution does not swallow it."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`GradingTimeout` in the main thread after ``seconds`` (0: no limit).

    Example:
        >>> import time
        >>> try:
        ...     with time_limit(0.05):
        ...         time.sleep(1)
        ... except GradingTimeout as err:
        ...     print(err)
        stopped after 0.05 s (the time limit)
    """
    if seconds <= 0 or not hasattr(signal, "setitimer"):
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise GradingTimeout(f"stopped after {seconds:g} s (the time limit)")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def limit_memory(megabytes: int | None) -> str:
    """Cap this process's address space (``RLIMIT_AS``) where the platform allows it.

    A solution that allocates past the cap gets a ``MemoryError`` (reported as an exception)
    instead of exhausting the machine. Returns a note for the report.
    """
    if not megabytes:
        return "no memory limit"
    try:
        import resource

        limit = int(megabytes) * 1024 * 1024
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError) as err:
        return f"no memory limit ({err})"
    return f"address space limited to {megabytes} MB"


def _number(value: Any) -> Any:
    """A JSON-safe scalar: NaN and infinities become strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


class Session:
    """The worker's state: the plan, the loaded solution, the options of the run."""

    def __init__(self, request: dict) -> None:
        self.source = CaseSource(**request["source"])
        self.timeout = float(request.get("timeout", 5.0))
        self.plan = plan_cases(
            self.source,
            seed=int(request["seed"]),
            repeats=int(request.get("repeats", 3)),
            functions=request.get("functions"),
        )
        self.solution_path = request["solution"]
        self.loaded: LoadedSolution | None = None

    def load(self, load_timeout: float) -> dict:
        """Run the solution's top-level code; a ``.py`` file gets ``load_timeout`` seconds,
        each notebook statement ``timeout`` seconds."""
        notebook = self.solution_path.endswith(".ipynb")
        limit = self.timeout if notebook else load_timeout
        self.loaded = load_solution(self.solution_path, guard=lambda: time_limit(limit))
        defined = sorted(
            name
            for name in {p.function for p in self.plan}
            if callable(self.loaded.namespace.get(name))
        )
        return {"error": self.loaded.error, "warnings": self.loaded.warnings, "defined": defined}

    def run(self, case_id: int) -> dict:
        """Run one planned case against the solution; the reply's fields are the report's."""
        planned = self.plan[case_id]
        reply: dict[str, Any] = {"id": case_id, "detail": None, "location": None, "seconds": 0.0}
        try:
            case = planned.build()
        except Exception as err:  # dlspec's own generator or reference failed
            return {**reply, "status": "grader error", "message": f"{type(err).__name__}: {err}"}
        func = self.loaded.namespace.get(planned.function)
        if not callable(func):
            return {**reply, "status": "missing function", "message": self._missing(planned)}
        reference = None
        if isinstance(case, ModelCase):
            reference = self.source.reference_function(planned.function)
        try:
            with time_limit(self.timeout):
                outcome = evaluate(case, func, strict=True, reference=reference)
        except GradingTimeout as err:
            message = f"no result within {self.timeout:g} s: an infinite loop, or too slow"
            return {**reply, "status": "timeout", "message": message, "location": self._at(err)}
        reply["seconds"] = round(outcome.seconds, 6)
        status, message = outcome.status, outcome.message
        if planned.kind == "generated" and status in _COULD_BE_HARD_CODED:
            visible = [c for c in self.source.fixed() if c.function == planned.function]
            if matches_visible_case(outcome.output, visible) is not None:
                status = "hard-coded"
                message = f"gives the notebook's expected output for new inputs ({message})"
        if outcome.error is not None:
            reply["location"] = self._at(outcome.error)
            message += self._hint(outcome)
        if outcome.mismatch is not None and outcome.mismatch.kind == "value":
            m = outcome.mismatch
            reply["detail"] = {
                "path": m.path,
                "index": list(m.index),
                "expected": _number(m.expected),
                "got": _number(m.got),
                "rtol": case.rtol,
                "atol": case.atol,
            }
        return {**reply, "status": status, "message": message}

    def _at(self, err: BaseException) -> dict | None:
        return self.loaded.locate(err) if self.loaded else None

    def _missing(self, planned: Any) -> str:
        name = planned.function
        message = f"function {name!r} is not defined"
        for warning in self.loaded.warnings:
            if name in warning.get("defines", ()):
                where = warning.get("location") or {}
                return (
                    f"{message}: cell {where.get('cell')} defines it but did not run "
                    f"({warning['message']})"
                )
        if self.loaded.error is None:
            defined = [k for k, v in self.loaded.namespace.items() if callable(v)]
            close = difflib.get_close_matches(name, defined, n=1, cutoff=0.75)
            if close:
                message += f" (the solution has {close[0]!r}: a typo?)"
        return message

    def _hint(self, outcome: Outcome) -> str:
        err = outcome.error
        if isinstance(err, NameError):
            for module, names in self.source.provided().items():
                if err.name in names:
                    return (
                        f" ({err.name!r} is a helper the course provides: add "
                        f"`from {module} import {err.name}`)"
                    )
        if isinstance(err, SystemExit):
            return " (the solution called sys.exit() or exit())"
        if isinstance(err, MemoryError):
            return " (out of memory: the grader limits memory, see --memory-mb)"
        return ""


def _send(channel: TextIO, message: dict) -> None:
    channel.write(json.dumps(message, allow_nan=False, default=repr) + "\n")
    channel.flush()


def main() -> int:
    """Serve requests until ``exit`` or end of input; see the module docstring."""
    requests = os.fdopen(os.dup(0), "r", encoding="utf-8")
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(2, 1)  # the solution's prints go to stderr, never into a reply
    session: Session | None = None
    for line in requests:
        request = json.loads(line)
        op = request.get("op")
        if op == "init":
            memory = limit_memory(request.get("memory_mb"))
            session = Session(request)
            plan = [p.to_dict() for p in session.plan]
            graded = session.source.functions()
            _send(replies, {"op": "plan", "cases": plan, "graded": graded, "memory": memory})
            info = session.load(float(request.get("load_timeout", 60.0)))
            _send(replies, {"op": "loaded", **info})
        elif op == "run" and session is not None:
            _send(replies, {"op": "result", **session.run(int(request["id"]))})
        elif op == "exit":
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
