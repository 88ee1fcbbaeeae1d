"""Grade a learner's solution in a separate process: ``dlspec grade LAB --solution FILE``.

The learner's code never runs in the ``dlspec`` process. :func:`grade` starts a worker
(:mod:`dlspec.grading.worker`), asks it for one case at a time and waits at most a little
longer than the time limit for each answer. A case that loops forever, a solution that calls
``os._exit`` or dies of a segfault or of memory, costs one case: the worker is killed or
found dead, the case is reported (``timeout`` / ``crashed``), the remaining cases of that
function are ``not run``, and a fresh worker takes the next function. Only JSON crosses the
process boundary, and the ``dlspec`` process does not even import the lab's modules (a Keras
lab's would load TensorFlow twice).

:class:`GradingSession` (and :func:`grade_many`) grade several solutions one after the other in
the same worker: TensorFlow is imported once for all of them. A solution that kills the worker
costs a fresh one, as above; the next solution goes on in that one.
"""

from __future__ import annotations

import json
import math
import os
import queue
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import dlspec
from dlspec.grading.cases import CaseSource
from dlspec.grading.report import CaseReport, GradeReport

__all__ = ["GraderError", "GradingSession", "check_options", "grade", "grade_many", "grade_source"]

_PACKAGE_ROOT = str(Path(dlspec.__file__).resolve().parent.parent)
_START_TIMEOUT = 120.0  # imports of the lab's modules (TensorFlow for Keras labs)


class GraderError(RuntimeError):
    """The grader itself could not run (not a problem of the solution)."""


class _NoReply(Exception):
    """The worker did not answer in time."""


class _Died(Exception):
    """The worker exited; ``args[0]`` says how."""


def describe_exit(proc: subprocess.Popen) -> str:
    """How a worker process ended: ``"was killed by signal SIGKILL (out of memory?)"``,
    ``"exited with code 1"`` (waits up to 5 s for it)."""
    try:
        code = proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        return "is still running"
    if code < 0:
        name = signal.Signals(-code).name if -code in signal.valid_signals() else -code
        how = f"was killed by signal {name}"
        return how + (" (out of memory?)" if -code == signal.SIGKILL else "")
    return f"exited with code {code}"


class _Worker:
    """One worker process and the thread reading its replies."""

    def __init__(
        self, cwd: Path, env: dict[str, str], log: Path, prefix: Sequence[str] = ()
    ) -> None:
        self.log = log
        self.log_start = log.stat().st_size if log.exists() else 0  # this worker's output
        with open(log, "ab") as stderr:
            self.proc = subprocess.Popen(
                [*prefix, sys.executable, "-m", "dlspec.grading.worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                cwd=cwd,
                env=env,
                start_new_session=True,  # Ctrl-C on dlspec does not reach it; kill takes all
            )
        self.replies: queue.Queue[bytes | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.replies.put(line)
        self.replies.put(None)

    def send(self, message: dict) -> None:
        try:
            self.proc.stdin.write((json.dumps(message) + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # the reply wait reports the death

    def receive(self, timeout: float) -> dict:
        try:
            line = self.replies.get(timeout=timeout)
        except queue.Empty:
            raise _NoReply from None
        if line is None:
            raise _Died(self._death())
        return json.loads(line)

    def _death(self) -> str:
        how = describe_exit(self.proc)
        tail = _tail(self.log, self.log_start)
        return f"the process running the solution {how}" + (f"; it printed: {tail}" if tail else "")

    def kill(self) -> None:
        """Kill the worker's whole process group: children a solution forked die with it."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the group outlives a worker that exited
        except (ProcessLookupError, PermissionError):
            if self.proc.poll() is None:
                self.proc.kill()
        self.proc.wait()

    def close(self) -> None:
        self.send({"op": "exit"})
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.kill()


def _tail(log: Path, start: int = 0, lines: int = 6) -> str:
    """The last lines the worker wrote to ``log`` after byte ``start``, on one line."""
    try:
        with open(log, "rb") as f:
            f.seek(max(start, f.seek(0, os.SEEK_END) - 64_000))
            text = f.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:])


def _environment(python_path: Sequence[str]) -> dict[str, str]:
    env = dict(os.environ)
    paths = [_PACKAGE_ROOT, *python_path]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    for threads in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(threads, "1")  # reproducible sums; polite on a shared machine
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # Grading runs on the CPU: small cases, reproducible numbers, and no fight over a GPU that
    # the learner's own notebook may hold (TensorFlow reserves all its memory).
    env["CUDA_VISIBLE_DEVICES"] = ""
    return env


def check_options(
    *, timeout: float, load_timeout: float, repeats: int, memory_mb: int | None
) -> None:
    """Reject grader options that cannot mean anything, with the reason (``ValueError``).

    ``timeout`` and ``load_timeout`` must be finite and > 0 (a case always has a limit; give a
    large value for a slow machine); ``repeats`` an integer >= 0 (0: the fixed cases only);
    ``memory_mb`` an integer >= 0 or ``None`` (0 or ``None``: no memory limit).

    Example:
        >>> check_options(timeout=float("nan"), load_timeout=60, repeats=3, memory_mb=0)
        Traceback (most recent call last):
        ...
        ValueError: --timeout must be a finite number of seconds > 0; got nan.
    """
    for flag, value in (("--timeout", timeout), ("--load-timeout", load_timeout)):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{flag} must be a number of seconds; got {value!r}.")
        if not math.isfinite(value) or value <= 0:
            raise ValueError(f"{flag} must be a finite number of seconds > 0; got {value!r}.")
    for flag, value in (("--repeats", repeats), ("--memory-mb", memory_mb)):
        if value is None and flag == "--memory-mb":
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{flag} must be a whole number >= 0; got {value!r}.")


def grade(lab_id: str, solution: str | os.PathLike, **options: Any) -> GradeReport:
    """Grade ``solution`` (a ``.py`` file or a ``.ipynb`` notebook) on lab ``lab_id``.

    Takes the options of :func:`grade_source`.

    Example:
        >>> report = grade("c1w2-logreg", "my_solution.py", timeout=5)  # doctest: +SKIP
        >>> report.passed, report.to_dict()["summary"]  # doctest: +SKIP
        (False, {'cases': 20, 'passed': 17, 'failed': 3, ...})
    """
    return grade_source(CaseSource.for_lab(lab_id), solution, **options)


def grade_source(
    source: CaseSource,
    solution: str | os.PathLike,
    *,
    functions: Sequence[str] | None = None,
    python_path: Sequence[str] = (),
    sandbox: Any = None,
    **options: Any,
) -> GradeReport:
    """Grade ``solution`` on the cases of ``source`` in a worker process.

    Args:
        source: where the cases come from (:meth:`CaseSource.for_lab`).
        solution: the learner's ``.py`` file or ``.ipynb`` notebook.
        functions: grade only these functions (default: all graded functions).
        python_path: extra import paths for the worker.
        sandbox: a :class:`dlspec.grading.sandbox.Sandbox` to run the worker in (class mode).
        **options: the grading options of :func:`grading_options` (seed, repeats, timeout,
            load_timeout, memory_mb, statement_timeout, load_budget, keras3_strict).

    Raises:
        FileNotFoundError: no such solution file.
        ValueError: not a ``.py`` / ``.ipynb`` file, or an unknown function name.
        GraderError: the worker could not start or build the plan.
    """
    options = grading_options(**options)
    path = _solution_path(solution)
    run_path, cwd, prefix = path, path.parent, ()
    if sandbox is not None:
        run_path, cwd, prefix = Path(sandbox.solution), Path(sandbox.workdir), sandbox.prefix
    init = _init_message(source, run_path, cwd, functions, options)
    report = _new_report(source, path, options)
    env = _environment(python_path)
    if sandbox is not None:
        env.update(sandbox.env)
        report.protections = dict(sandbox.protections)
    with tempfile.TemporaryDirectory(prefix="dlspec-grade-") as tmp:
        log = Path(tmp) / "worker.log"
        session = _Session(init, cwd, env, log, report, prefix)
        try:
            session.run_all()
        finally:
            session.stop()
    return report


def grading_options(
    *,
    seed: int | None = None,
    repeats: int = 3,
    timeout: float = 5.0,
    load_timeout: float = 60.0,
    memory_mb: int | None = 4096,
    statement_timeout: float | None = None,
    load_budget: float | None = None,
    keras3_strict: bool = False,
) -> dict[str, Any]:
    """The checked options of an ``init`` message, with their defaults.

    Args:
        seed: seed of the generated cases (default: a fresh one, printed in the report).
        repeats: draws of each generated case.
        timeout: seconds per case.
        load_timeout: seconds for a ``.py`` file's top-level code.
        memory_mb: address-space cap of the worker (``None`` or 0: none).
        statement_timeout, load_budget: seconds per notebook statement and for the whole
            load (the worker's defaults: 30 and 180).
        keras3_strict: no Keras 2 adaptations of the solution's code.

    Example:
        >>> grading_options(seed=1)["timeout"]
        5.0
    """
    check_options(timeout=timeout, load_timeout=load_timeout, repeats=repeats, memory_mb=memory_mb)
    options: dict[str, Any] = {
        "seed": secrets.randbelow(100_000) if seed is None else int(seed),
        "repeats": repeats,
        "timeout": timeout,
        "load_timeout": load_timeout,
        "memory_mb": memory_mb,
        "keras3_strict": bool(keras3_strict),
    }
    for key, value in (("statement_timeout", statement_timeout), ("load_budget", load_budget)):
        if value is not None:
            check_options(timeout=value, load_timeout=1.0, repeats=0, memory_mb=0)
            options[key] = float(value)
    return options


def _new_report(source: CaseSource, path: Path, options: dict[str, Any]) -> GradeReport:
    return GradeReport(
        source.key, source.title, str(path), options["seed"], options["repeats"], options["timeout"]
    )


def _solution_path(solution: str | os.PathLike) -> Path:
    """The solution's absolute path, checked: an existing ``.py`` or ``.ipynb`` file."""
    path = Path(solution).expanduser().resolve()
    if not path.is_file():
        raise FileNotFoundError(f"No solution file at {path}.")
    if path.suffix not in (".py", ".ipynb"):
        raise ValueError(f"The solution must be a .py file or a .ipynb notebook; got {path.name}.")
    return path


def _init_message(
    source: CaseSource,
    solution: Path,
    cwd: Path,
    functions: Sequence[str] | None,
    options: dict[str, Any],
) -> dict[str, Any]:
    """The worker's ``init`` request (see :mod:`dlspec.grading.worker`)."""
    return {
        "op": "init",
        "source": source.to_dict(),
        "solution": str(solution),
        "cwd": str(cwd),
        "functions": list(functions) if functions else None,
        **options,
    }


class GradingSession:
    """Grade several solutions, one after the other, in one worker process.

    The worker imports TensorFlow (and the labs' modules) once for the whole batch; between
    two solutions it forgets the previous one (its modules, its folder on ``sys.path``, the
    Keras session). A solution that hangs or crashes costs a fresh worker, as in
    :func:`grade`, and the next solutions go on in that one. Takes the options of
    :func:`grade_source` except ``functions`` (per solution) and ``sandbox`` (class mode
    grades each submission in its own worker).

    Example:
        >>> with GradingSession(seed=1, timeout=30) as session:  # doctest: +SKIP
        ...     first = session.grade("c1w2-logreg", "alice/solution.ipynb")
        ...     second = session.grade("c1w2-logreg", "bob/solution.ipynb")
        >>> first.seed == second.seed  # doctest: +SKIP
        True
    """

    def __init__(self, *, python_path: Sequence[str] = (), **options: Any) -> None:
        self.options = grading_options(**options)
        self.env = _environment(python_path)
        self._tmp = tempfile.TemporaryDirectory(prefix="dlspec-grade-")
        self.log = Path(self._tmp.name) / "worker.log"
        self.worker: _Worker | None = None

    def grade(
        self,
        lab_id: str,
        solution: str | os.PathLike,
        *,
        functions: Sequence[str] | None = None,
        keras3_strict: bool | None = None,
    ) -> GradeReport:
        """Grade ``solution`` on ``lab_id`` in this session.

        Args:
            functions: grade only these functions (default: all graded functions).
            keras3_strict: this solution's setting, overriding the session's.
        """
        source = CaseSource.for_lab(lab_id)
        path = _solution_path(solution)
        options = dict(self.options)
        if keras3_strict is not None:
            options["keras3_strict"] = bool(keras3_strict)
        init = _init_message(source, path, path.parent, functions, options)
        report = _new_report(source, path, self.options)
        session = _Session(init, path.parent, self.env, self.log, report, worker=self.worker)
        try:
            session.run_all()
        except BaseException:
            session.stop()
            self.worker = None
            raise
        self.worker = session.worker  # the next solution goes on in it (None: start afresh)
        return report

    def close(self) -> None:
        """Stop the worker and remove the session's temporary folder."""
        if self.worker is not None:
            self.worker.close()
            self.worker = None
        self._tmp.cleanup()

    def __enter__(self) -> GradingSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def grade_many(
    lab_id: str, solutions: Sequence[str | os.PathLike], **options: Any
) -> list[GradeReport]:
    """Grade every solution of ``solutions`` on ``lab_id`` in one worker process.

    Takes the options of :class:`GradingSession` (and ``functions``, for every solution);
    returns one report per solution, in order.

    Example:
        >>> reports = grade_many("c1w2-logreg", ["a.ipynb", "b.ipynb"], seed=3)  # doctest: +SKIP
        >>> [r.passed for r in reports]  # doctest: +SKIP
        [True, False]
    """
    functions = options.pop("functions", None)
    with GradingSession(**options) as session:
        return [session.grade(lab_id, s, functions=functions) for s in solutions]


class _Session:
    """The parent's side of one solution's grading run: plan, load, cases, restarts.

    ``worker``: a worker already running (from a :class:`GradingSession`), else one is started.
    """

    def __init__(
        self,
        init: dict,
        cwd: Path,
        env: dict,
        log: Path,
        report: GradeReport,
        prefix: Sequence[str] = (),
        worker: _Worker | None = None,
    ) -> None:
        self.init, self.cwd, self.env, self.log, self.report = init, cwd, env, log, report
        self.prefix = list(prefix)
        self.worker = worker
        self.plan: list[dict] = []
        self.timeout = float(init["timeout"])

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.close()
            self.worker = None

    def _start(self) -> dict:
        """Start a worker (unless one is running) and load the solution; returns the
        ``loaded`` reply."""
        if self.worker is None or self.worker.proc.poll() is not None:
            self.worker = _Worker(self.cwd, self.env, self.log, self.prefix)
        self.worker.send(self.init)
        try:
            plan = self.worker.receive(_START_TIMEOUT)
        except (_NoReply, _Died) as err:
            self.stop()
            raise GraderError(f"the grader's worker did not start: {err or 'no reply'}") from err
        if not self.plan:
            graded = plan["graded"]
            unknown = [f for f in self.init["functions"] or () if f not in graded]
            if unknown:
                self.stop()
                raise ValueError(
                    f"{', '.join(map(repr, unknown))} is not graded in "
                    f"{self.init['source']['key']}; graded functions: {', '.join(graded)}."
                )
            self.plan = plan["cases"]
            self.report.memory = plan.get("memory", "")
            self.report.functions = list(dict.fromkeys(c["function"] for c in self.plan))
        try:
            return self.worker.receive(self._load_limit() + 5)
        except _NoReply:
            self.worker.kill()
            self.worker = None
            limit = self._load_limit()
            return {
                "error": {
                    "message": f"the solution did not finish loading in {limit:g} s "
                    "(top-level code that never ends?)",
                    "location": None,
                }
            }
        except _Died as err:
            self.worker = None
            return {"error": {"message": f"{err} while loading", "location": None}}

    def _load_limit(self) -> float:
        """Seconds the worker may take to load: a notebook's budget (its statements have
        their own cap) plus the imports made before it starts, else ``load_timeout``."""
        if str(self.init["solution"]).endswith(".ipynb"):
            return float(self.init.get("load_budget") or 180.0) + 60.0
        return float(self.init["load_timeout"])

    def run_all(self) -> None:
        loaded = self._start()
        self.report.load_error = loaded.get("error")
        self.report.warnings = loaded.get("warnings", [])
        for key in ("adaptations", "skipped", "optional"):
            setattr(self.report, key, list(loaded.get(key) or []))
        self.report.not_graded = [
            item["function"] if isinstance(item, dict) else item
            for item in loaded.get("not_graded") or []
        ]
        self.report.edition = loaded.get("edition")
        if loaded.get("hung"):
            self.init["skip_statements"] = list(loaded["hung"])  # a restarted worker skips them
        skipped: dict[str, str] = {}
        for planned in self.plan:
            function = planned["function"]
            if self.report.load_error is not None:
                self._add(planned, "not run", "the solution did not load")
            elif function in skipped:
                self._add(planned, "not run", skipped[function])
            else:
                self._run(planned, skipped)

    def _run(self, planned: dict, skipped: dict[str, str]) -> None:
        function = planned["function"]
        if self.worker is None:
            loaded = self._start()
            if loaded.get("error") is not None:
                skipped[function] = "a fresh worker could not load the solution again"
                self._add(planned, "not run", skipped[function])
                return
        self.worker.send({"op": "run", "id": planned["id"]})
        try:
            reply = self.worker.receive(2 * self.timeout + 2)
        except _NoReply:
            self.worker.kill()
            self.worker = None
            skipped[function] = f"an earlier case of {function} timed out"
            message = f"no result within {self.timeout:g} s and the time limit could not stop it"
            self._add(planned, "timeout", message + "; the process was stopped")
            return
        except _Died as err:
            self.worker = None
            skipped[function] = f"an earlier case of {function} crashed"
            self._add(planned, "crashed", str(err))
            return
        if reply["status"] in ("timeout", "crashed"):
            skipped[function] = f"an earlier case of {function} timed out"
        self._add(planned, reply["status"], reply["message"], reply)

    def _add(self, planned: dict, status: str, message: str, reply: dict | None = None) -> None:
        reply = reply or {}
        self.report.cases.append(
            CaseReport(
                planned["id"],
                planned["kind"],
                planned["function"],
                planned["label"],
                status,
                message,
                reply.get("detail"),
                reply.get("location"),
                float(reply.get("seconds", 0.0)),
                bool(reply.get("optional", planned.get("optional", False))),
                reply.get("edition"),
            )
        )
        if self.report.edition is None and reply.get("edition"):
            self.report.edition = reply["edition"]
        for sentence in reply.get("adaptations") or ():  # first used during this case
            if sentence not in self.report.adaptations:
                self.report.adaptations.append(sentence)
