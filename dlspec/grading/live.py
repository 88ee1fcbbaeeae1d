"""The warm grading worker of a Jupyter kernel: :func:`dlspec.grading.check`'s other process.

One worker per kernel, started by the first ``check()`` and reused by the next ones (so later
checks skip Python's start and the lab's imports). The kernel sends the learner's functions by
value (``cloudpickle``, with the notebook globals they use); the worker plans the lab's fixed
and generated cases (:func:`~dlspec.grading.cases.plan_cases`), runs each under a time limit
(:func:`~dlspec.grading.worker.time_limit`) and an address-space cap
(:func:`~dlspec.grading.worker.limit_memory`), and answers with plain dicts, the fields of a
:class:`~dlspec.grading.report.CaseReport`. Matplotlib runs with the Agg backend there.

Messages are pickled dicts in :class:`multiprocessing.connection.Connection` frames over the
worker's stdin / stdout (the learner's prints go to a log file instead):

- ``{"op": "grade", "source": {...}, "functions": {name: bytes}, "sources": {file: text},
  "seed": N, "repeats": N}`` → ``{"cases": [...], "graded": [...], "problems": {name: text}}``;
- ``{"op": "run", "id": K, "timeout": S}`` → ``{"status", "message", "detail", "location",
  "seconds"}``;
- ``{"op": "labs", "names": [...], "every": bool}`` → ``{"labs": {lab id: graded functions}}``
  for the labs that grade one (``every``: all) of the names (``"lab": ID``: that lab's);
- ``{"op": "exit"}``.

Example:
    >>> worker = LiveWorker()  # doctest: +SKIP
    >>> worker.request({"op": "labs", "names": ["propagate"]}, timeout=60)["labs"]  # doctest: +SKIP
    {'c1w2-logreg': ['sigmoid', 'initialize_with_zeros', 'propagate', 'optimize', 'predict']}
"""

from __future__ import annotations

import atexit
import importlib.util
import linecache
import os
import pickle
import signal
import subprocess
import sys
import tempfile
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import cloudpickle

import dlspec
from dlspec.grading.cases import CaseSource, PlannedCase, plan_cases
from dlspec.grading.evaluate import evaluate
from dlspec.grading.model_summary import ModelCase
from dlspec.grading.runner import describe_exit
from dlspec.grading.solution import locate
from dlspec.grading.worker import (
    GradingTimeout,
    hard_coded_verdict,
    limit_memory,
    mismatch_detail,
    time_limit,
)
from dlspec.labs import all_labs

__all__ = ["LiveWorker", "WorkerDied", "WorkerSilent", "live_worker", "main", "stop_live_worker"]

_PACKAGE_ROOT = str(Path(dlspec.__file__).resolve().parent.parent)


class WorkerSilent(Exception):
    """The worker did not answer in time."""


class WorkerDied(Exception):
    """The worker exited; the message says how (signal, exit code, last lines it printed)."""


# --- the kernel's side -----------------------------------------------------------------------


class LiveWorker:
    """A grading worker process and the two pipes to it.

    Args:
        memory_mb: the worker's address-space cap (``None`` or 0: none).
    """

    def __init__(self, memory_mb: int | None = 4096) -> None:
        self.log = Path(tempfile.mkstemp(prefix="dlspec-check-", suffix=".log")[1])
        with open(self.log, "ab") as stderr:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "dlspec.grading.live", str(memory_mb or 0)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                env=_environment(),
                start_new_session=True,  # an interrupt of the kernel does not reach it
            )
        self._to = Connection(os.dup(self.proc.stdin.fileno()), readable=False)
        self._from = Connection(os.dup(self.proc.stdout.fileno()), writable=False)
        self.proc.stdin.close()
        self.proc.stdout.close()

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def request(self, message: dict, timeout: float) -> dict:
        """Send ``message`` and wait at most ``timeout`` seconds for the reply.

        Raises:
            WorkerSilent: no reply in time (the worker is still running).
            WorkerDied: the worker exited.
        """
        try:
            self._to.send_bytes(cloudpickle.dumps(message))
            if not self._from.poll(timeout):
                raise WorkerSilent(f"no reply within {timeout:g} s")
            return pickle.loads(self._from.recv_bytes())
        except (EOFError, OSError) as err:
            raise WorkerDied(self._death()) from err

    def _death(self) -> str:
        how = describe_exit(self.proc)
        lines = self.log.read_text(errors="replace").strip().splitlines()[-4:]
        printed = " | ".join(line.strip() for line in lines)
        return f"the grading process {how}" + (f"; it printed: {printed}" if printed else "")

    def kill(self) -> None:
        """Stop the worker now (its whole process group)."""
        if self.alive:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self.proc.kill()
        self.proc.wait()
        self.log.unlink(missing_ok=True)

    def close(self) -> None:
        """Ask the worker to exit, then make sure it has."""
        try:
            self._to.send_bytes(pickle.dumps({"op": "exit"}))
            self.proc.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.kill()


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    paths = [_PACKAGE_ROOT, os.getcwd(), *filter(None, [env.get("PYTHONPATH")])]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["MPLBACKEND"] = "Agg"  # never the kernel's inline backend
    env["CUDA_VISIBLE_DEVICES"] = ""  # the learner's notebook may hold the GPU
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    for threads in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(threads, "1")
    return env


_WORKERS: dict[str, LiveWorker] = {}


def live_worker(memory_mb: int | None = 4096) -> LiveWorker:
    """This kernel's worker: the running one, or a fresh one if none or it died."""
    worker = _WORKERS.get("live")
    if worker is None or not worker.alive:
        if worker is not None:
            worker.kill()
        worker = _WORKERS["live"] = LiveWorker(memory_mb)
    return worker


def stop_live_worker() -> None:
    """Stop this kernel's worker (the next :func:`live_worker` starts a fresh one)."""
    worker = _WORKERS.pop("live", None)
    if worker is not None:
        worker.close()


atexit.register(stop_live_worker)


# --- the worker's side -----------------------------------------------------------------------


class _Grading:
    """What the last ``grade`` request set up: the plan and the learner's functions."""

    def __init__(self, message: dict) -> None:
        self.source = CaseSource(**message["source"])
        self.files = set(message.get("sources", {}))
        for filename, text in message.get("sources", {}).items():
            lines = text.splitlines(keepends=True)
            linecache.cache[filename] = (len(text), None, lines, filename)
        self.functions: dict[str, Any] = {}
        self.problems: dict[str, str] = {}
        for name, blob in message["functions"].items():
            try:
                self.functions[name] = cloudpickle.loads(blob)
            except Exception as err:  # e.g. a module the kernel imported that is not here
                self.problems[name] = f"could not be rebuilt here ({type(err).__name__}: {err})"
        self.plan: list[PlannedCase] = plan_cases(
            self.source,
            seed=int(message["seed"]),
            repeats=int(message["repeats"]),
            functions=list(message["functions"]),
        )

    def run(self, case_id: int, timeout: float) -> dict:
        planned = self.plan[case_id]
        reply: dict[str, Any] = {"detail": None, "location": None, "seconds": 0.0}
        if planned.function in self.problems:
            return {**reply, "status": "grader error", "message": self.problems[planned.function]}
        try:
            case = planned.build()
        except Exception as err:  # dlspec's own generator or reference failed
            return {**reply, "status": "grader error", "message": f"{type(err).__name__}: {err}"}
        reference = None
        if isinstance(case, ModelCase):
            reference = self.source.reference_function(planned.function)
        try:
            with time_limit(timeout):
                outcome = evaluate(case, self.functions[planned.function], reference=reference)
        except GradingTimeout as err:
            message = f"no result within {timeout:g} s: an infinite loop, or too slow"
            return {**reply, "status": "timeout", "message": message, "location": self._at(err)}
        status, message = hard_coded_verdict(self.source, planned, outcome)
        if outcome.error is not None:
            reply["location"] = self._at(outcome.error)
            message += self._hint(outcome.error)
        reply["detail"] = mismatch_detail(outcome, case)
        return {**reply, "status": status, "message": message, "seconds": outcome.seconds}

    def _at(self, err: BaseException) -> dict | None:
        return locate(err, {f: (_cell_label(f), None) for f in self.files})

    def _hint(self, err: BaseException) -> str:
        if isinstance(err, NameError):
            for module, names in self.source.provided().items():
                if err.name in names:
                    return f" ({err.name!r} is a course helper: `from {module} import {err.name}`)"
            return " (define that name in the notebook before calling check())"
        if isinstance(err, SystemExit):
            return " (the function called sys.exit() or exit())"
        if isinstance(err, MemoryError):
            return " (out of memory: the grading process has a memory limit)"
        return ""


def _cell_label(filename: str) -> str:
    """``cell`` names a notebook cell's code (IPython compiles each cell to a temp file)."""
    return "cell" if "ipykernel_" in filename or filename.startswith("<ipython-") else filename


def graded_functions(names: list[str], *, every: bool = False) -> dict[str, list[str]]:
    """``{lab id: graded functions}`` of the labs that grade one of ``names`` (all if ``every``).

    A lab is imported only when its reference module defines and its golden module mentions
    the names (read as text: a Keras lab's modules would load TensorFlow).

    Example:
        >>> graded_functions(["initialize_with_zeros"])["c1w2-logreg"][:2]
        ['sigmoid', 'initialize_with_zeros']
    """
    found: dict[str, list[str]] = {}
    test = all if every else any
    for lab in all_labs().values():
        if not lab.golden or not test(_may_grade(lab.reference, lab.golden, n) for n in names):
            continue
        functions = CaseSource.for_lab(lab.id).functions()
        if test(name in functions for name in names):
            found[lab.id] = functions
    return found


def _may_grade(reference: str, golden: str, name: str) -> bool:
    return f'"{name}"' in _source(golden) and f"def {name}(" in _source(reference)


def _source(module: str) -> str:
    spec = importlib.util.find_spec(module)
    return Path(spec.origin).read_text(encoding="utf-8")


def main() -> int:
    """Serve requests on stdin until ``exit`` (see the module docstring)."""
    requests = Connection(os.dup(0), writable=False)
    replies = Connection(os.dup(1), readable=False)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(2, 1)  # the learner's prints go to the log, never into a reply
    memory = limit_memory(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    grading: _Grading | None = None
    while True:
        try:
            message = pickle.loads(requests.recv_bytes())
        except EOFError:
            return 0
        op = message["op"]
        if op == "grade":
            grading = _Grading(message)
            cases = [p.to_dict() for p in grading.plan]
            graded = grading.source.functions()
            reply = {"cases": cases, "graded": graded, "memory": memory}
        elif op == "run" and grading is not None:
            reply = grading.run(int(message["id"]), float(message["timeout"]))
        elif op == "labs" and message.get("lab"):
            reply = {"labs": {message["lab"]: CaseSource.for_lab(message["lab"]).functions()}}
        elif op == "labs":
            names = list(message["names"])
            reply = {"labs": graded_functions(names, every=bool(message.get("every")))}
        else:
            return 0
        replies.send_bytes(pickle.dumps(reply))


if __name__ == "__main__":
    sys.exit(main())
