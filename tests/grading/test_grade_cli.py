"""The `dlspec grade` and `dlspec doctor` commands."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jsonschema
import pytest

from dlspec.cli import main
from dlspec.grading import doctor as doctor_module
from dlspec.grading.doctor import Finding, _stack_findings, doctor, format_doctor, probe_tensorflow
from dlspec.grading.report import REPORT_SCHEMA

FIXTURES = Path(__file__).parent / "fixtures"


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- dlspec grade ------------------------------------------------------------------------


def test_list_shows_labs_functions_and_case_counts(capsys):
    code, out, _ = _run(capsys, "grade", "--list")
    assert code == 0
    rows = [line.split() for line in out.splitlines()]
    assert ["c1w2-logreg", "sigmoid", "0", "1"] in rows
    assert ["propagate", "1", "1"] in rows
    assert ["c1w4-deep-nn-app", "two_layer_model", "1", "1"] in rows


def test_template_is_reported_as_not_implemented(capsys, tmp_path):
    path = tmp_path / "sol.py"
    code, out, _ = _run(capsys, "grade", "c1w4-deep-nn-step", "--template", str(path))
    assert code == 0 and f"dlspec grade c1w4-deep-nn-step --solution {path}" in out
    text = path.read_text()
    assert "def L_model_backward(AL, Y, caches):" in text
    assert "def update_parameters(params, grads, learning_rate):" in text
    assert "from dlspec.foundations.deep_nn_step_by_step import (" in text  # the helpers
    assert "Example" not in text and ">>>" not in text

    code, _, err = _run(capsys, "grade", "c1w4-deep-nn-step", "--template", str(path))
    assert code == 2 and "--force" in err

    code, out, _ = _run(
        capsys, "grade", "c1w4-deep-nn-step", "--solution", str(path), "--seed", "1"
    )
    assert code == 1
    assert "all 3 cases not implemented: still raises NotImplementedError (" in out
    code, out, _ = _run(
        capsys, "grade", "c1w4-deep-nn-step", "--solution", str(path), "--json", "--repeats", "1"
    )
    report = json.loads(out)
    jsonschema.validate(report, REPORT_SCHEMA)
    assert {f["status"] for f in report["functions"]} == {"not implemented"}
    assert report["summary"]["passed"] == 0


def test_a_template_filled_in_passes(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = _run(capsys, "grade", "c1w2-numpy-basics", "--template")
    path = tmp_path / "c1w2_numpy_basics_solution.py"
    assert code == 0 and path.exists()
    path.write_text(
        path.read_text()
        + "\n\nfrom dlspec.foundations.numpy_basics import (  # noqa: E402\n"
        + "    L1, L2, basic_sigmoid, image2vector, normalizeRows, sigmoid, sigmoid_derivative,\n"
        + "    softmax,\n)\n"
    )
    code, out, _ = _run(capsys, "grade", "c1w2-numpy-basics", "--solution", path.name)
    assert code == 0, out
    assert out.rstrip().endswith("cases passed.") and "All " in out


def test_function_option_and_verbose(capsys):
    wrong = str(FIXTURES / "c1w2_logreg_wrong.py")
    code, out, _ = _run(
        capsys, "grade", "c1w2-logreg", "--solution", wrong, "--function", "initialize_with_zeros",
        "--function", "propagate", "-v", "--seed", "2",
    )  # fmt: skip
    assert code == 1
    assert "sigmoid " not in out and "predict" not in out
    assert "initialize_with_zeros    fixed      pass" in out  # -v lists the passing case
    assert "hard-coded" in out and "wrong shape" in out


def test_notebook_through_the_command(capsys):
    code, out, _ = _run(
        capsys, "grade", "c1w2-logreg", "--solution", str(FIXTURES / "c1w2_logreg.ipynb"),
        "--json", "--seed", "0", "--timeout", "2",
    )  # fmt: skip
    assert code == 1
    report = json.loads(out)
    jsonschema.validate(report, REPORT_SCHEMA)
    predict = next(f for f in report["functions"] if f["name"] == "predict")
    assert predict["results"][0]["location"]["cell"] == 10


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["grade"], "Name a lab"),
        (["grade", "c1w2-logreg"], "Give --solution"),
        (["grade", "c9w9-nothing", "--solution", "x.py"], "Known labs"),
        (["grade", "c1w2-logreg", "--solution", "no/such/file.py"], "No solution file"),
        (
            ["grade", "c1w2-logreg", "--solution", str(FIXTURES / "hostile.py"), "--function", "x"],
            "'x' is not graded in c1w2-logreg",
        ),
    ],
)
def test_usage_errors_exit_with_2(capsys, argv, message):
    code, _, err = _run(capsys, *argv)
    assert code == 2 and message in err


# --- dlspec doctor -----------------------------------------------------------------------


@pytest.fixture
def data_folder(tmp_path):
    """A data folder of three files: one intact, one missing, one corrupted."""
    root = tmp_path / "data"
    contents = {
        "course1/catvnoncat/train_catvnoncat.h5": b"intact",
        "course1/catvnoncat/test_catvnoncat.h5": b"will be missing",
        "course2/regularization/data.mat": b"will be corrupted",
    }
    lines = []
    for rel, content in contents.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(content)
        lines.append(f"{hashlib.sha256(content).hexdigest()}  {rel}")
    manifest = tmp_path / "SHA256SUMS"
    manifest.write_text("\n".join(lines) + "\n")
    return root, manifest


def test_doctor_reports_a_missing_and_a_corrupted_file(capsys, data_folder, tmp_path):
    root, manifest = data_folder
    (root / "course1/catvnoncat/test_catvnoncat.h5").unlink()
    (root / "course2/regularization/data.mat").write_bytes(b"truncated")
    argv = ["doctor", "--no-devices", "--data-dir", str(root), "--manifest", str(manifest)]
    code, out, _ = _run(capsys, *argv, "--weights-dir", str(tmp_path))
    assert code == 1
    assert "1 course file(s) missing: course1/catvnoncat/test_catvnoncat.h5" in out
    assert "1 course file(s) corrupt: course2/regularization/data.mat" in out
    assert "1 ok, 1 missing, 1 corrupt" in out
    assert out.rstrip().startswith("dlspec doctor") and "PROBLEMS: 2 error(s)" in out
    for label in ("Python", "TensorFlow", "Keras", "NumPy", "tensorflow-datasets"):
        assert any(line.startswith(label) for line in out.splitlines()), label

    code, out, _ = _run(capsys, *argv, "--json")
    report = json.loads(out)
    assert code == 1 and report["ok"] is False
    assert report["data"]["counts"] == {
        "ok": 1,
        "missing": 1,
        "corrupt": 1,
        "missing (not obtainable offline; supply your own copy)": 2,
    }
    assert [f["level"] for f in report["findings"] if f["topic"] == "data"][:2] == [
        "error",
        "error",
    ]


def test_doctor_is_happy_with_intact_data_and_weights(capsys, data_folder, tmp_path):
    root, manifest = data_folder
    weights = tmp_path / "weights"
    weights.mkdir()
    (weights / "w.weights.h5").write_bytes(b"weights")
    digest = hashlib.sha256(b"weights").hexdigest()
    (weights / "SHA256SUMS").write_text(f"{digest}  w.weights.h5\n")
    argv = ["doctor", "--no-devices", "--data-dir", str(root), "--manifest", str(manifest)]
    code, out, _ = _run(capsys, *argv, "--weights-dir", str(weights))
    assert code == 0, out
    assert "3 course files present and intact" in out and "w.weights.h5: ok" in out
    (weights / "w.weights.h5").write_bytes(b"damaged")
    code, out, _ = _run(capsys, *argv, "--weights-dir", str(weights))
    assert code == 1 and "corrupt weight file(s) (checksum differs): w.weights.h5" in out


def test_doctor_without_a_data_folder_only_warns(tmp_path):
    report = doctor(data_dir=tmp_path / "absent", weights_dir=None, devices=False)
    assert report.ok
    assert any(
        f.level == "warning" and "No course data folder" in f.message for f in report.findings
    )


def _versions(**changes):
    base = {"TensorFlow": "2.21.0", "Keras": "3.15.1", "NumPy": "2.4.6", "tf_keras": None}
    return {**base, **changes}


@pytest.mark.parametrize(
    ("versions", "level", "text"),
    [
        (_versions(TensorFlow="2.15.1", Keras="2.15.0"), "error", "TensorFlow before 2.18"),
        (_versions(Keras="2.15.0"), "error", "TensorFlow 2.16+ uses Keras 3"),
        (_versions(), "warning", "layer.output_shape"),
        (_versions(TensorFlow=None), "error", "TensorFlow is not installed"),
    ],
)
def test_known_breakages(monkeypatch, versions, level, text):
    monkeypatch.setattr(doctor_module, "_requirement_findings", lambda: [])
    findings = _stack_findings(versions)
    assert any(f.level == level and text in f.message for f in findings), findings


def test_legacy_keras_switch(monkeypatch):
    monkeypatch.setattr(doctor_module, "_requirement_findings", lambda: [])
    monkeypatch.setenv("TF_USE_LEGACY_KERAS", "1")
    assert any(f.level == "error" for f in _stack_findings(_versions()))
    assert not any(f.level == "error" for f in _stack_findings(_versions(tf_keras="2.21.0")))


def test_tensorflow_probe_parses_and_reports_failures():
    fake = "import json; print('noise'); print(json.dumps({'version': '9', 'devices': ['CPU:0']}))"
    assert probe_tensorflow(code=fake) == {"version": "9", "devices": ["CPU:0"]}
    broken = probe_tensorflow(code="raise ImportError('numpy.core.multiarray failed to import')")
    assert broken["error"].startswith("importing TensorFlow failed (exit code 1)")
    assert "numpy.core.multiarray failed to import" in broken["error"]
    assert (
        "took more than"
        in probe_tensorflow(code="import time; time.sleep(5)", timeout=0.5)["error"]
    )


def test_doctor_lists_the_devices():
    report = doctor(devices=True)
    assert report.tensorflow["devices"][0].startswith(("CPU", "GPU"))
    assert report.tensorflow["version"] == report.versions["TensorFlow"]
    text = format_doctor(report)
    assert "devices" in text and "CPU:0" in text
    assert Finding("error", "TensorFlow", report.tensorflow.get("error", "")) not in report.findings
