"""`dlspec doctor`: versions, devices, data and weights checks."""

from __future__ import annotations

import hashlib
import json

import pytest

from dlspec import doctor as doctor_module
from dlspec.cli import main
from dlspec.doctor import Finding, _stack_findings, doctor, format_doctor, probe_tensorflow


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


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


@pytest.mark.slow
def test_doctor_lists_the_devices():
    report = doctor(devices=True)
    assert report.tensorflow["devices"][0].startswith(("CPU", "GPU"))
    assert report.tensorflow["version"] == report.versions["TensorFlow"]
    text = format_doctor(report)
    assert "devices" in text and "CPU:0" in text
    assert Finding("error", "TensorFlow", report.tensorflow.get("error", "")) not in report.findings
