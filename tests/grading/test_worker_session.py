"""The grading worker on course-style notebooks, spoken to in its JSON-lines protocol: course
helper modules supplied, notebook statements capped and skipped, in-place updates, an earlier
edition's output, course-given functions. (A Keras lab's notebook is graded in the shared
session of ``test_course_notebooks.py``: one TensorFlow import.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from dlspec.grading.cases import CaseSource

FIXTURES = Path(__file__).parent / "fixtures" / "worker"


def _session(lab: str, notebook: str, **options) -> tuple[dict, dict[str, list[dict]]]:
    """One worker: init, every case, exit. Returns the ``loaded`` reply and results by label."""
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="", TF_CPP_MIN_LOG_LEVEL="2")
    init = {"op": "init", "source": CaseSource.for_lab(lab).to_dict(),
            "solution": str(FIXTURES / notebook), "seed": 1, "repeats": 1, "timeout": 30,
            "memory_mb": None, "functions": None, **options}  # fmt: skip
    with subprocess.Popen(
        [sys.executable, "-m", "dlspec.grading.worker"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        text=True, env=env,
    ) as worker:  # fmt: skip
        worker.stdin.write(json.dumps(init) + "\n")
        worker.stdin.flush()
        plan = json.loads(worker.stdout.readline())
        loaded = json.loads(worker.stdout.readline())
        results: dict[str, list[dict]] = {}
        for case in plan["cases"]:
            worker.stdin.write(json.dumps({"op": "run", "id": case["id"]}) + "\n")
            worker.stdin.flush()
            results.setdefault(case["function"], []).append(json.loads(worker.stdout.readline()))
        worker.stdin.write('{"op": "exit"}\n')
        worker.stdin.flush()
    return loaded, results


def _statuses(results: dict[str, list[dict]], function: str) -> set[str]:
    return {r["status"] for r in results[function]}


def test_an_earlier_optimization_notebook_grades_as_the_course_graded_it():
    loaded, results = _session(
        "c2w2-optimization",
        "c2w2_v1b_inplace.ipynb",
        statement_timeout=2.0,
        skip_statements=["4:1"],  # fmt: skip
    )
    assert loaded["error"] is None and loaded["warnings"] == []  # plt.show() ran under Agg
    assert "course module opt_utils_v1a supplied by dlspec" in loaded["adaptations"]
    assert "course module testCases supplied by dlspec" in loaded["adaptations"]
    # the endless training cell is stopped by the cap, skipped (not failed), and remembered
    assert loaded["hung"] == ["10:2"]
    reasons = {s["statement"]: s["reason"] for s in loaded["skipped"]}
    assert reasons["10:2"].endswith("(the per-statement cap)")
    assert reasons["4:1"].startswith("known to hang")  # the public test call, not run
    for function in ("update_parameters_with_gd", "update_parameters_with_momentum"):
        assert _statuses(results, function) == {"pass"}, results[function]
    adam = results["update_parameters_with_adam"]
    assert {r["status"] for r in adam} == {"pass"}
    assert adam[0]["edition"]["name"] == "v1b"
    assert {f["function"] for f in loaded["not_graded"]} == {"update_lr", "schedule_lr_decay"}
    assert _statuses(results, "update_lr") == {"not graded"}
    assert loaded["edition"]["name"] == "v1b"
