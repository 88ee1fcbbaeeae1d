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

Several ``init`` messages may follow one another (:class:`dlspec.grading.runner.GradingSession`
grades a batch of solutions in one worker): each starts a new session, after the previous
solution is forgotten (its modules, its folder on ``sys.path``, the Keras session).

Each learner call runs under ``SIGALRM`` (``timeout`` seconds); the parent kills the process
if even that does not stop it, and starts a new one for the next case.

Optional keys of ``init`` (with their defaults):

- ``statement_timeout`` (30.0): seconds per top-level notebook statement while loading;
- ``load_budget`` (180.0): seconds for all of them (then only ``def`` / ``class`` run);
- ``keras3_strict`` (false): no Keras 2 adaptations (:mod:`dlspec.grading.keras2`);
- ``skip_statements`` ([]): ids (``"<cell>:<line>"``) of statements known to hang, not run;
- ``weights_dir`` (``$DLSPEC_WEIGHTS_DIR``): where the private Keras cache takes its files
  from (:mod:`dlspec.grading.offline_weights`);
- ``cwd`` (none): the folder the solution runs in (its relative paths), set before loading.

The ``loaded`` reply: ``error``, ``warnings``, ``defined`` and

- ``adaptations``: short sentences, one per adaptation used ("Keras 2:
  keras.backend.stack", "course module dnn_app_utils_v3 supplied by dlspec", "offline
  weights: mobilenet_v2 imagenet from DLSPEC_WEIGHTS_DIR (...)");
- ``skipped``: ``{"statement", "cell", "line", "reason"}`` per statement stopped by the cap,
  skipped as known to hang, or left after the budget (skipped, not failed);
- ``hung``: the ids of statements stopped by the cap (send them back as ``skip_statements``
  if the worker is restarted);
- ``edition``: ``{"name", "differences"}`` of the earlier edition the notebook was recognised
  as (from a signature or a name), or ``null``;
- ``optional``: the optional, ungraded functions of the lab (C4W1A1's backward pass);
- ``not_graded``: ``{"function", "reason"}`` per function the notebook does not define
  because the course gives it (``yolo_head``...) or its edition has none (v1b's
  ``update_lr``): not graded; a ``run`` of such a case answers status ``"not graded"``.

A ``result`` reply may carry ``"optional": true`` (a case of an optional function: reported
apart, never failing the grade), ``"edition": {"name", "differences"}`` when it was graded
against an earlier edition's contract, and ``"adaptations"`` (sentences first used during this
case). Besides the statuses of :data:`~dlspec.grading.evaluate.STATUSES`, ``"edition"`` says
"written for edition X of this lab: <what differs>" when the function follows an earlier
edition's contract that this edition's cases cannot grade. A NumPy 2 breakage (``float()`` or
``int()`` of an array) is an ``"exception"`` whose message ends with the fix ("NumPy 2 refuses
float() of a size-1 array: use .item()"); a download of pretrained weights that failed offline
says which file to put in ``DLSPEC_WEIGHTS_DIR``.

At start the worker selects matplotlib's non-interactive ``Agg`` backend (``MPLBACKEND``) and,
before Keras is imported, a private ``KERAS_HOME``.
"""

from __future__ import annotations

import atexit
import contextlib
import difflib
import functools
import inspect
import json
import math
import os
import re
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator
from typing import Any, TextIO

from dlspec.grading.cases import CaseSource, plan_cases
from dlspec.grading.course_modules import CourseModules
from dlspec.grading.editions import (
    Edition,
    FunctionFacts,
    adapt_call,
    detect_by_expected,
    detect_by_name,
    detect_by_output,
    detect_by_signature,
    detect_by_update,
    facts_for,
    lab_notes,
)
from dlspec.grading.evaluate import Outcome, evaluate, matches_visible_case
from dlspec.grading.keras2 import Keras2Compat
from dlspec.grading.offline_weights import missing_weights_hint, prepare_cache
from dlspec.grading.solution import LoadedSolution, LoadLimits, load_solution

__all__ = ["GradingTimeout", "limit_memory", "main", "time_limit"]

# Statuses where a generated case may have been given the visible case's answer.
_COULD_BE_HARD_CODED = {"wrong value", "wrong shape", "wrong type", "wrong dtype"}
_NUMPY2 = re.compile(r"only (length-1|0-dimensional|size-1) arrays can be converted")
_NUMPY2_HINT = " (NumPy 2 refuses float() of a size-1 array: use .item())"
_TF1 = re.compile(
    r"has no attribute '(placeholder|Session|get_variable|global_variables_initializer|"
    r"contrib|variable_scope|random_normal|variables_initializer|get_session|to_float|"
    r"to_int32)'"
)


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


def hard_coded_verdict(source: CaseSource, planned: Any, outcome: Outcome) -> tuple[str, str]:
    """``(status, message)`` of an outcome; a generated case answered with the notebook's own
    expected output is ``"hard-coded"``."""
    status, message = outcome.status, outcome.message
    if planned.kind == "generated" and status in _COULD_BE_HARD_CODED:
        visible = [c for c in source.fixed() if c.function == planned.function]
        if matches_visible_case(outcome.output, visible) is not None:
            return "hard-coded", f"gives the notebook's expected output for new inputs ({message})"
    return status, message


def mismatch_detail(outcome: Outcome, case: Any) -> dict | None:
    """The report's ``detail`` of a wrong value: where, the values, how many differ, the worst."""
    m = outcome.mismatch
    if m is None or m.kind != "value":
        return None
    return {
        "path": m.path,
        "index": list(m.index),
        "expected": _number(m.expected),
        "got": _number(m.got),
        "rtol": case.rtol,
        "atol": case.atol,
        "count": m.count,
        "size": m.size,
        "max_abs_error": _number(m.max_error),
        "max_abs_error_index": list(m.max_index),
    }


class Session:
    """The worker's state: the plan, the loaded solution, the options of the run."""

    def __init__(self, request: dict) -> None:
        self.source = CaseSource(**request["source"])
        self.lab = self.source.key
        self.timeout = float(request.get("timeout", 5.0))
        self.plan = plan_cases(
            self.source,
            seed=int(request["seed"]),
            repeats=int(request.get("repeats", 3)),
            functions=request.get("functions"),
        )
        self.solution_path = request["solution"]
        self.statement_timeout = float(request.get("statement_timeout", 30.0))
        self.load_budget = float(request.get("load_budget", 180.0))
        self.skip_statements = frozenset(request.get("skip_statements") or ())
        self.strict = bool(request.get("keras3_strict", False))
        self.keras2 = Keras2Compat()
        graded = {p.function for p in self.plan}
        self.modules = CourseModules(sorted(f"{name}_test" for name in graded))
        self.notes: list[str] = []  # adaptations other than Keras 2 and course modules
        self.reported: set[str] = set()
        self.loaded: LoadedSolution | None = None
        self.not_graded: dict[str, str] = {}
        self.added_path: str | None = None  # the solution's folder, put on sys.path by load
        self.modules_before: set[str] = set()  # sys.modules before the solution loaded

    @contextlib.contextmanager
    def learner_code(self) -> Iterator[None]:
        """The adaptations active while the learner's code runs (Keras 2 unless strict)."""
        with self.modules.installed():
            if self.strict:
                yield
            else:
                with self.keras2.active():
                    yield

    def _statement_guard(self) -> contextlib.AbstractContextManager:
        if self.strict:
            return contextlib.nullcontext()
        self.keras2.install()  # Keras may have been imported by the previous statement
        return contextlib.nullcontext()

    def adaptations(self) -> list[str]:
        """Every adaptation used so far, for the report."""
        used = [*self.notes, *self.modules.used]
        return used + ([] if self.strict else self.keras2.used)

    def load(self, load_timeout: float) -> dict:
        """Run the solution's top-level code; a ``.py`` file gets ``load_timeout`` seconds, a
        notebook the statement cap and load budget."""
        notebook = self.solution_path.endswith(".ipynb")
        limits = LoadLimits(
            time_limit,
            GradingTimeout,
            self.statement_timeout,
            self.load_budget,
            self.skip_statements,
        )
        folder = os.path.dirname(os.path.abspath(self.solution_path))
        self.added_path = folder if folder not in sys.path else None
        self.modules_before = set(sys.modules)
        with self.learner_code():
            if notebook:
                self.loaded = load_solution(
                    self.solution_path, guard=self._statement_guard, limits=limits
                )
            else:
                self.loaded = load_solution(
                    self.solution_path, guard=lambda: time_limit(load_timeout)
                )
        functions = list(dict.fromkeys(p.function for p in self.plan))
        defined = sorted(name for name in functions if self._resolve(name)[1] is not None)
        optional = [name for name in functions if facts_for(self.lab, name).optional]
        for name in functions:
            if name in defined:
                continue
            if facts_for(self.lab, name).course_given:
                self.not_graded[name] = "given by the course, not written in the notebook"
            elif name in lab_notes(self.lab) and self.loaded.error is None:
                self.not_graded[name] = f"not in edition {lab_notes(self.lab)[name]}"
        edition = self._notebook_edition(functions)
        absent = [lab_notes(self.lab)[f] for f in self.not_graded if f in lab_notes(self.lab)]
        if edition is None and absent:
            name, _, differences = absent[0].partition(" (")
            edition = {"name": name, "differences": differences.rstrip(")")}
        self.reported = set(self.adaptations())
        return {
            "error": self.loaded.error,
            "warnings": self.loaded.warnings,
            "defined": defined,
            "adaptations": self.adaptations(),
            "skipped": self.loaded.skipped,
            "hung": self.loaded.hung,
            "edition": edition,
            "optional": optional,
            "not_graded": [{"function": f, "reason": r} for f, r in self.not_graded.items()],
        }

    def forget(self) -> None:
        """Undo what loading this solution left in the process, before the next ``init``: the
        modules it imported from its folder or got from :class:`CourseModules` (the next
        solution may have the course's real files), its folder on ``sys.path``, and Keras'
        global state (layer name counters, the graph)."""
        folder = os.path.dirname(os.path.abspath(self.solution_path)) + os.sep
        for name, module in list(sys.modules.items()):
            if name in self.modules_before or name.split(".")[0] == "dlspec":
                continue
            spec = getattr(module, "__spec__", None)
            origin = getattr(module, "__file__", None) or ""
            if (spec is not None and isinstance(spec.loader, CourseModules)) or (
                origin.startswith(folder)
            ):
                del sys.modules[name]
        if self.added_path is not None:
            with contextlib.suppress(ValueError):
                sys.path.remove(self.added_path)
        backend = sys.modules.get("keras.backend")
        if backend is not None and hasattr(backend, "clear_session"):
            with contextlib.suppress(Exception):  # a learner's half-built model: nothing to undo
                # without the garbage collection (0.3 s once TensorFlow is loaded)
                backend.clear_session(free_memory=False)
        self.loaded = None

    def _resolve(self, name: str) -> tuple[str, Any]:
        """The learner's function graded as ``name``: under that name or an edition's alias."""
        namespace = self.loaded.namespace if self.loaded else {}
        facts = facts_for(self.lab, name)
        for candidate in (name, *facts.aliases):
            func = namespace.get(candidate)
            if callable(func) and not (facts.course_given and not self._own(func)):
                return candidate, func
        for edition in facts_for(self.lab, name).editions:
            if edition.alias and callable(namespace.get(edition.alias)):
                return edition.alias, namespace[edition.alias]
        return name, None

    def _own(self, func: Any) -> bool:
        """Whether the solution's own code defines ``func`` (not an import of course code)."""
        code = getattr(func, "__code__", None)
        return code is not None and code.co_filename in self.loaded.sources

    def _edition(self, facts: FunctionFacts, found: str, func: Any) -> Edition | None:
        return detect_by_name(facts, found) or detect_by_signature(facts, func)

    def _notebook_edition(self, functions: list[str]) -> dict | None:
        for name in functions:
            found, func = self._resolve(name)
            if func is None:
                continue
            edition = self._edition(facts_for(self.lab, name), found, func)
            if edition is not None:
                return {"name": edition.name, "differences": edition.differences}
        return None

    def run(self, case_id: int) -> dict:
        """Run one planned case against the solution; the reply's fields are the report's."""
        planned = self.plan[case_id]
        facts = facts_for(self.lab, planned.function)
        reply: dict[str, Any] = {"id": case_id, "detail": None, "location": None, "seconds": 0.0}
        if facts.optional:
            reply["optional"] = True
        if planned.function in self.not_graded:
            reason = self.not_graded[planned.function]
            return {**reply, "status": "not graded", "message": f"not graded: {reason}"}
        try:
            case = planned.build()
        except Exception as err:  # dlspec's own generator or reference failed
            return {**reply, "status": "grader error", "message": f"{type(err).__name__}: {err}"}
        found, func = self._resolve(planned.function)
        if func is None:
            return {**reply, "status": "missing function", "message": self._missing(planned)}
        edition = self._edition(facts, found, func)
        if edition is not None and not edition.gradable:
            return self._edition_reply(reply, edition)
        seen: list[Edition] = [edition] if edition is not None else []
        call = self._call(planned.function, func, facts, edition)
        reference = self._reference(planned.function)
        try:
            with self.learner_code(), time_limit(self.timeout):
                outcome = evaluate(
                    case,
                    call,
                    strict=True,
                    reference=reference,
                    in_place=facts.in_place,
                    rebind=facts.rebind,
                    adapt=functools.partial(_adapt_output, facts, edition, seen, reference),
                )
        except GradingTimeout as err:
            message = f"no result within {self.timeout:g} s: an infinite loop, or too slow"
            return {**reply, "status": "timeout", "message": message, "location": self._at(err)}
        reply["seconds"] = round(outcome.seconds, 6)
        self._new_adaptations(reply)
        if outcome.status == "edition" and seen:
            return self._edition_reply(reply, seen[0])
        updater = detect_by_update(facts, outcome.updated) if outcome.updated else None
        if updater is not None and not seen:
            seen.append(updater)
        status, message = hard_coded_verdict(self.source, planned, outcome)
        if outcome.error is not None:
            tf1 = self._tf1_edition(facts, outcome.error)
            if tf1 is not None:
                return self._edition_reply(reply, tf1)
            reply["location"] = self._at(outcome.error)
            message += self._hint(outcome)
        if seen:
            reply["edition"] = seen[0].as_dict()
            if status == "pass":
                message = seen[0].graded_message
        if found != planned.function:
            message = (message + " " if message else "") + f"(defined as {found})"
        reply["detail"] = mismatch_detail(outcome, case)
        return {**reply, "status": status, "message": message}

    def _reference(self, name: str) -> Any:
        """dlspec's function ``name`` (``None`` when the lab's module has none)."""
        try:
            return self.source.reference_function(name)
        except Exception:  # no reference: model cases and editions that need one say so
            return None

    def _call(self, name: str, func: Any, facts: FunctionFacts, edition: Edition | None):
        """``func`` called with the course's signature only (see :func:`adapt_call`)."""
        try:
            reference = self.source.reference_function(name)
        except Exception:  # no reference to map the case's arguments: call as it is
            return func
        namespace = self.loaded.namespace
        fill = dict(edition.fill) if edition is not None else {}
        drop = (*facts.dlspec_only, *([edition.missing] if edition and edition.missing else []))

        @functools.wraps(func)
        def call(*args: Any, **kwargs: Any) -> Any:
            args, kwargs, _ = adapt_call(reference, func, args, kwargs, drop=drop, fill=fill)
            for argument, builder in facts.fresh.items():
                params = _parameters(func)
                if (
                    argument in params
                    and argument not in kwargs
                    and callable(namespace.get(builder))
                ):
                    if list(params).index(argument) >= len(args):
                        kwargs[argument] = namespace[builder]()
            return func(*args, **kwargs)

        return call

    def _new_adaptations(self, reply: dict) -> None:
        new = [a for a in self.adaptations() if a not in self.reported]
        if new:
            reply["adaptations"] = new
            self.reported.update(new)

    def _edition_reply(self, reply: dict, edition: Edition) -> dict:
        reply["edition"] = edition.as_dict()
        return {**reply, "status": "edition", "message": edition.message}

    def _tf1_edition(self, facts: FunctionFacts, err: BaseException) -> Edition | None:
        if not _TF1.search(str(err)):
            return None
        known = [e for e in facts.editions if "TF 1" in e.differences]
        if known:
            return known[0]
        return Edition("TF 1", "TF 1 placeholders and sessions: cannot run on TensorFlow 2")

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
        for skipped in self.loaded.skipped:
            if skipped.get("defines") and name in skipped["defines"]:
                return f"{message}: cell {skipped['cell']} was skipped ({skipped['reason']})"
        if self.loaded.error is None:
            defined = [k for k, v in self.loaded.namespace.items() if callable(v) and self._own(v)]
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
        if isinstance(err, TypeError) and _NUMPY2.search(str(err)):
            return _NUMPY2_HINT
        if isinstance(err, SystemExit):
            return " (the solution called sys.exit() or exit())"
        if isinstance(err, MemoryError):
            return " (out of memory: the grader limits memory, see --memory-mb)"
        return missing_weights_hint(str(err))


def _parameters(func: Any) -> list[str]:
    try:
        return list(inspect.signature(func).parameters)
    except (TypeError, ValueError):
        return []


def _adapt_output(
    facts: FunctionFacts,
    edition: Edition | None,
    seen: list,
    reference: Any,
    case,
    args,
    kwargs,
    output,
):
    """The output graded against the edition's contract (see :class:`Edition`)."""
    if edition is None or edition.same_output:
        found = detect_by_output(facts, output)
        if found is None:
            by_value = detect_by_expected(facts, case, output, reference)
            if by_value is not None:
                seen.append(by_value[0])
                return by_value[1], output
            return None
        edition = found
        seen.append(found)
    if edition.adapt is None:
        return Outcome("edition", edition.message)
    return edition.adapt(case, args, kwargs, output)


def start_environment(weights_dir: str | None, lab: str) -> list[str]:
    """Agg for matplotlib; a private ``KERAS_HOME`` filled with offline weights for ``lab``.

    Returns the adaptation sentences of the weights made available.
    """
    os.environ["MPLBACKEND"] = "Agg"
    if "matplotlib" in sys.modules:
        sys.modules["matplotlib"].use("Agg")
    home = tempfile.mkdtemp(prefix="dlspec-keras-")
    atexit.register(shutil.rmtree, home, True)
    os.environ["KERAS_HOME"] = home
    config = sys.modules.get("keras.src.backend.config")
    if config is not None:  # Keras read KERAS_HOME already: point it at the new folder
        config._KERAS_DIR = home
    try:
        return prepare_cache(lab, home, weights_dir)
    except Exception as err:  # the learner's download then fails and says what is missing
        return [f"offline weights could not be prepared: {type(err).__name__}: {err}"]


def _jsonable(value: Any) -> Any:
    """numpy values (a 0-d cost array, np.float32) as JSON numbers and lists; others as repr."""
    return value.tolist() if hasattr(value, "tolist") else repr(value)


def _send(channel: TextIO, message: dict) -> None:
    channel.write(json.dumps(message, allow_nan=False, default=_jsonable) + "\n")
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
            if session is not None:
                session.forget()
            if request.get("cwd"):
                with contextlib.suppress(OSError):
                    os.chdir(request["cwd"])
            weights = start_environment(
                request.get("weights_dir"), request["source"].get("key", "")
            )
            memory = limit_memory(request.get("memory_mb"))
            session = Session(request)
            session.notes.extend(weights)
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
