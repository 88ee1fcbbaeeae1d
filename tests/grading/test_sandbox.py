"""Class mode: several submissions, each in a sandbox; grader options; no process left."""

from __future__ import annotations

import csv
import os
import uuid
from pathlib import Path

import pytest

from dlspec.cli import main
from dlspec.grading.classroom import grade_class, write_csv
from dlspec.grading.sandbox import network_isolation, sandbox

RIGHT = "from dlspec.foundations.logistic_regression import *\n"
WRONG = RIGHT + "def sigmoid(z):\n    return z\n"
HOSTILE = """
import os, socket, subprocess, sys
from pathlib import Path
from dlspec.foundations.logistic_regression import *
Path("written_in_cwd.txt").write_text("x")
Path(os.path.expanduser("~/written_in_home.txt")).write_text("x")
try:
    socket.create_connection(("1.1.1.1", 80), timeout=1)
    Path("network_reached.txt").write_text("yes")
except OSError:
    pass
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)  # {marker}"])
"""


def _running(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker in (entry / "cmdline").read_text(errors="ignore"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.skipif(not Path("/proc").exists(), reason="needs /proc to look for processes")
def test_a_class_of_three_is_graded_to_a_csv_with_nothing_written_outside(tmp_path):
    marker = f"dlspec-test-{uuid.uuid4().hex}"
    folders = {}
    for name, text in (("right", RIGHT), ("wrong", WRONG), ("hostile", HOSTILE)):
        folders[name] = tmp_path / name
        folders[name].mkdir()
        (folders[name] / "solution.py").write_text(text.replace("{marker}", marker))
    before = {p for p in tmp_path.rglob("*")}
    home_file = Path(os.path.expanduser("~/written_in_home.txt"))
    assert not home_file.exists()

    results = grade_class(
        "c1w2-logreg", [folders[n] / "solution.py" for n in folders], repeats=1, timeout=10
    )
    write_csv(results, tmp_path / "scores.csv")

    rows = {
        Path(r["solution"]).parent.name: r for r in csv.DictReader(open(tmp_path / "scores.csv"))
    }
    assert rows["right"]["passed"] == "True" and rows["right"]["score"] == "5.0"
    assert rows["wrong"]["passed"] == "False" and float(rows["wrong"]["score"]) < 5
    assert rows["hostile"]["passed"] == "True"  # its functions are right; its side effects gone
    assert {p for p in tmp_path.rglob("*")} - before == {tmp_path / "scores.csv"}
    assert not home_file.exists()
    assert _running(marker) == []  # the forked child died with the worker's process group
    protections = results[2].report.protections
    assert protections["own HOME and TMPDIR"] == "in force"
    assert protections["no network"] == network_isolation()[1]


def test_the_sandbox_copies_the_folder_without_links_and_is_removed(tmp_path):
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "train.h5").write_bytes(b"123")
    (tmp_path / "public_tests.py").write_text("OK = 1\n")
    (tmp_path / "link").symlink_to("/etc")
    (tmp_path / "sol.py").write_text("x = 1\n")
    with sandbox(tmp_path / "sol.py") as box:
        assert (box.workdir / "datasets" / "train.h5").read_bytes() == b"123"
        assert (box.workdir / "public_tests.py").exists() and not (box.workdir / "link").exists()
        root = box.root
    assert not root.exists()
    with sandbox(tmp_path / "sol.py", copy_limit_mb=0) as box:
        assert sorted(p.name for p in box.workdir.iterdir()) == ["sol.py"]
        assert "only sol.py" in box.protections["copy of the submission's folder"]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--timeout", "-1"], "--timeout must be a finite number of seconds > 0; got -1.0"),
        (["--timeout", "nan"], "got nan"),
        (["--timeout", "inf"], "got inf"),
        (["--timeout", "0"], "got 0.0"),
        (["--memory-mb", "-5"], "--memory-mb must be a whole number >= 0; got -5"),
        (["--repeats", "-1"], "--repeats must be a whole number >= 0; got -1"),
        (["--load-timeout", "nan"], "--load-timeout must be"),
    ],
)
def test_grader_options_are_validated(capsys, argv, message):
    code = main(["grade", "c1w2-logreg", "--solution", "x.py", *argv])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err
