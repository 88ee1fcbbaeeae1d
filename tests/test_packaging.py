"""The package as a user installs it: metadata, shipped files, and a wheel that runs a lab."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from conftest import need_data

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ("dlspec/py.typed", "dlspec/data/SHA256SUMS", "dlspec/data/layout.json")


def test_one_tensorflow_distribution_whatever_the_extras():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    tf = [r for r in project["dependencies"] if r.startswith("tensorflow")]
    tf = [r for r in tf if not r.startswith("tensorflow-datasets")]
    assert len(tf) == 2 and all(";" in r for r in tf)  # x86-64: tensorflow-cpu, else tensorflow
    for extra, requirements in project["optional-dependencies"].items():
        assert not [r for r in requirements if r.startswith("tensorflow")], extra
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")


@pytest.mark.slow
def test_the_wheel_installs_and_runs_a_lab_outside_the_repository(tmp_path):
    """Build the wheel from a copy of the sources, install it (no deps) into a fresh venv that
    reuses this environment's dependencies, and run a lab from another folder."""
    need_data("course1/catvnoncat/train_catvnoncat.h5", "course1/catvnoncat/test_catvnoncat.h5")
    source = tmp_path / "src"
    shutil.copytree(
        ROOT / "dlspec", source / "dlspec", ignore=shutil.ignore_patterns("__pycache__")
    )
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", tmp_path / "wheel",
                    source], check=True, capture_output=True)  # fmt: skip
    (wheel,) = (tmp_path / "wheel").glob("dlspec-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert set(SHIPPED) <= names and any(n.endswith(".dist-info/LICENSE") for n in names)
    assert not any(n.startswith("tests/") for n in names)

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    python = venv / "bin" / "python"
    subprocess.run([*pip, "--python", python, "install", "--no-deps", "--no-index", wheel],
                   check=True, capture_output=True)  # fmt: skip
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = subprocess.run([python, "-c", purelib],
                          check=True, capture_output=True, text=True).stdout.strip()  # fmt: skip
    # the dependencies of this environment, as a plain path (its editable dlspec is not seen)
    Path(site, "_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = subprocess.run([python, "-c", "import dlspec; print(dlspec.__file__)"], cwd=elsewhere,
                           env=env, check=True, capture_output=True, text=True).stdout  # fmt: skip
    assert where.startswith(site)
    dlspec = venv / "bin" / "dlspec"
    run = subprocess.run([dlspec, "run", "c1w2-logreg", "--quick", "--out", "o"], cwd=elsewhere,
                         env=env, capture_output=True, text=True, timeout=600)  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert "test accuracy %" in run.stdout and (elsewhere / "o/c1w2-logreg/costs.png").is_file()
    assert "oneDNN" not in run.stderr and "absl::InitializeLog" not in run.stderr
