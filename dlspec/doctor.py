"""``dlspec doctor``: what a learner pastes into a help request.

Versions (Python, TensorFlow, Keras, NumPy, tensorflow-datasets...), devices, the course data
and pretrained weights (present, intact by checksum, missing), and warnings for the known
breakages of the course's code on today's stack. TensorFlow is imported in a child process, so
a broken install (a NumPy it was not built for, an unsupported CPU) is reported rather than
crashing the report.
"""

from __future__ import annotations

import importlib.metadata as metadata
import json
import os
import platform
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dlspec
from dlspec.data import paths
from dlspec.data.check import DataReport, Status, check_data, parse_manifest, sha256_file
from dlspec.weights import WEIGHTS_DIR_ENV
from dlspec.weights import weights_dir as env_weights_dir

__all__ = ["DoctorReport", "Finding", "doctor", "format_doctor"]

#: (label, distributions to try) of the packages reported
PACKAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("TensorFlow", ("tensorflow", "tensorflow-cpu", "tensorflow-macos", "tf-nightly")),
    ("Keras", ("keras",)),
    ("NumPy", ("numpy",)),
    ("tensorflow-datasets", ("tensorflow-datasets",)),
    ("h5py", ("h5py",)),
    ("nbformat", ("nbformat",)),
    ("tf_keras", ("tf-keras", "tf_keras")),
)

_PROBE = (
    "import json, tensorflow as tf\n"
    "devices = [d.device_type + ':' + d.name.rsplit(':', 1)[-1] "
    "for d in tf.config.list_physical_devices()]\n"
    "print(json.dumps({'version': tf.__version__, 'devices': devices, "
    "'cuda': tf.test.is_built_with_cuda()}))\n"
)


@dataclass(frozen=True)
class Finding:
    """One line of the verdict: ``level`` is ``ok``, ``info``, ``warning`` or ``error``."""

    level: str
    topic: str
    message: str


@dataclass
class DoctorReport:
    """What :func:`doctor` found; ``ok`` is False when a finding is an ``error``."""

    versions: dict[str, str | None]
    tensorflow: dict[str, Any] | None = None
    data: DataReport | None = None
    weights: dict[str, Any] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(f.level == "error" for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready version (``dlspec doctor --json``)."""
        return {
            "ok": self.ok,
            "versions": self.versions,
            "tensorflow": self.tensorflow,
            "data": self.data.to_dict() if self.data is not None else None,
            "weights": self.weights,
            "findings": [vars(f) for f in self.findings],
        }


def _version(distributions: tuple[str, ...]) -> tuple[str | None, str | None]:
    for name in distributions:
        try:
            return metadata.version(name), name
        except metadata.PackageNotFoundError:
            continue
    return None, None


def _major_minor(version: str | None) -> tuple[int, int]:
    if not version:
        return (0, 0)
    parts = (version.split(".") + ["0"])[:2]
    digits = ["".join(ch for ch in p if ch.isdigit()) or "0" for p in parts]
    return int(digits[0]), int(digits[1])


def start_probe(code: str = _PROBE) -> subprocess.Popen:
    """Start importing TensorFlow in a child process (:func:`probe_tensorflow` waits for it), so
    that the data and weights are checked meanwhile."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def probe_tensorflow(
    timeout: float = 180.0, code: str = _PROBE, started: subprocess.Popen | None = None
) -> dict[str, Any]:
    """Import TensorFlow in a child process: ``{"version", "devices", "cuda"}`` or
    ``{"error": ...}``. ``started`` is a child from :func:`start_probe` to wait for.

    Example:
        >>> probe_tensorflow()["devices"]  # doctest: +SKIP
        ['CPU:0']
    """
    child = started if started is not None else start_probe(code)
    try:
        stdout, stderr = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        return {"error": f"importing TensorFlow took more than {timeout:g} s"}
    done = subprocess.CompletedProcess(child.args, child.returncode, stdout, stderr)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = [line for line in done.stderr.strip().splitlines() if line.strip()][-3:]
        how = f"exit code {done.returncode}" if done.returncode >= 0 else "a crash"
        return {"error": f"importing TensorFlow failed ({how}): " + " | ".join(tail)}
    try:
        return json.loads(lines[-1])
    except json.JSONDecodeError:
        return {"error": f"unexpected output from TensorFlow: {lines[-1][:200]}"}


def _stack_findings(versions: dict[str, str | None]) -> list[Finding]:
    findings = []
    python = sys.version_info[:2]
    if python < (3, 10):
        findings.append(Finding("error", "Python", f"dlspec needs Python 3.10+; got {python}."))
    tf, keras, numpy = versions["TensorFlow"], versions["Keras"], versions["NumPy"]
    if tf is None:
        findings.append(
            Finding("error", "TensorFlow", "TensorFlow is not installed: pip install -e .")
        )
    if keras is None:
        findings.append(Finding("error", "Keras", "Keras is not installed: pip install keras"))
    if tf and numpy and _major_minor(numpy) >= (2, 0) and _major_minor(tf) < (2, 18):
        findings.append(
            Finding(
                "error",
                "NumPy",
                f"NumPy {numpy} with TensorFlow {tf}: TensorFlow before 2.18 was built for "
                "NumPy 1.x and fails to import or crashes. Upgrade TensorFlow "
                "(pip install -U tensorflow) or pin pip install 'numpy<2'.",
            )
        )
    if tf and keras and _major_minor(tf) >= (2, 16) and _major_minor(keras) < (3, 0):
        findings.append(
            Finding(
                "error",
                "Keras",
                f"Keras {keras} with TensorFlow {tf}: TensorFlow 2.16+ uses Keras 3. "
                "pip install -U 'keras>=3'.",
            )
        )
    if keras and _major_minor(keras) >= (3, 0):
        findings.append(
            Finding(
                "warning",
                "Keras",
                f"Keras {keras} is Keras 3; the course's notebooks were written for Keras 2 "
                "(TensorFlow 2.3-2.9). Known breakages when running them unchanged: "
                "layer.output_shape (use layer.output.shape), "
                "tf.keras.layers.experimental.preprocessing (now keras.layers), "
                "model.fit(workers=..., use_multiprocessing=...), saving to '.h5' model files "
                "(use '.keras'), and tf.keras.preprocessing.image.ImageDataGenerator "
                "(deprecated: use keras.utils.image_dataset_from_directory). "
                "dlspec itself is written for Keras 3.",
            )
        )
    legacy = os.environ.get("TF_USE_LEGACY_KERAS", "").strip().lower() in {"1", "true", "yes"}
    if legacy:
        level = "warning" if versions.get("tf_keras") else "error"
        findings.append(
            Finding(
                level,
                "Keras",
                "TF_USE_LEGACY_KERAS is set: tf.keras is Keras 2 (tf_keras) while dlspec uses "
                "Keras 3"
                + ("" if versions.get("tf_keras") else ", and tf_keras is not installed")
                + ". Unset it unless you know you need it.",
            )
        )
    findings += _requirement_findings()
    return findings


def _requirement_findings() -> list[Finding]:
    """Installed versions that do not satisfy dlspec's declared requirements."""
    try:
        from packaging.requirements import Requirement
    except ImportError:
        return []
    try:
        requirements = metadata.requires("dlspec") or []
    except metadata.PackageNotFoundError:
        return []
    findings = []
    for text in requirements:
        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        try:
            installed = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            findings.append(Finding("error", req.name, f"{req.name} is not installed ({req})."))
            continue
        if req.specifier and not req.specifier.contains(installed, prereleases=True):
            findings.append(
                Finding("warning", req.name, f"{req.name} {installed} does not satisfy {req}.")
            )
    return findings


def _data_findings(report: DataReport) -> list[Finding]:
    if not report.root.is_dir():
        return [
            Finding(
                "warning",
                "data",
                f"No course data folder at {report.root} ({report.root_origin}): labs that "
                "need course files will not run. `dlspec data import PATH` copies the course "
                f"files of your downloads there (or point {paths.DATA_DIR_ENV} at a copy).",
            )
        ]
    counts = report.counts()
    findings = []
    for status in (Status.MISSING, Status.CORRUPT):
        bad = [f for f in report.files if f.status is status]
        if bad:
            names = ", ".join(f.relpath for f in bad[:10])
            more = f" and {len(bad) - 10} more" if len(bad) > 10 else ""
            findings.append(
                Finding(
                    "error",
                    "data",
                    f"{len(bad)} course file(s) {status.value}: {names}{more}. "
                    "`dlspec data import PATH` puts the course files of your downloads in place "
                    "(`dlspec data check -v` lists them all).",
                )
            )
    unobtainable = [f.relpath for f in report.files if f.status is Status.UNOBTAINABLE]
    if unobtainable:
        findings.append(
            Finding(
                "info",
                "data",
                f"{len(unobtainable)} file(s) not obtainable offline: {', '.join(unobtainable)}.",
            )
        )
    if not findings or all(f.level == "info" for f in findings):
        ok = counts[Status.OK] + counts[Status.UNVERIFIED]
        findings.insert(0, Finding("ok", "data", f"{ok} course files present and intact."))
    return findings


def _check_weights(folder: str | os.PathLike | None) -> tuple[dict, list[Finding]]:
    if folder is None:
        message = (
            f"{WEIGHTS_DIR_ENV} is not set: pretrained weights come from Keras' cache or a "
            "download (needs internet)."
        )
        return {"dir": None, "files": {}}, [Finding("info", "weights", message)]
    root = Path(folder).expanduser()
    if not root.is_dir():
        message = f"{WEIGHTS_DIR_ENV}={root} is not a folder."
        return {"dir": str(root), "files": {}}, [Finding("error", "weights", message)]
    manifest = root / "SHA256SUMS"
    files: dict[str, str] = {}
    if manifest.is_file():
        for name, digest in parse_manifest(manifest.read_text(), str(manifest)).items():
            path = root / name
            if not path.is_file():
                files[name] = "missing"
            else:
                files[name] = "ok" if sha256_file(path) == digest else "corrupt"
    for path in sorted(root.glob("*")):
        if path.suffix in (".h5", ".keras", ".weights") and path.name not in files:
            files[path.name] = "present, unverified"
    findings = []
    corrupt = [n for n, s in files.items() if s == "corrupt"]
    missing = [n for n, s in files.items() if s == "missing"]
    if corrupt:
        message = f"corrupt weight file(s) (checksum differs): {', '.join(corrupt)}"
        findings.append(Finding("error", "weights", message))
    if missing:
        message = f"weight file(s) listed in SHA256SUMS but missing: {', '.join(missing)}"
        findings.append(Finding("warning", "weights", message))
    if not findings:
        findings.append(Finding("ok", "weights", f"{len(files)} weight file(s) in {root}."))
    return {"dir": str(root), "files": files}, findings


def doctor(
    *,
    data_dir: str | os.PathLike | None = None,
    manifest: str | os.PathLike | None = None,
    weights_dir: str | os.PathLike | None = None,
    devices: bool = True,
) -> DoctorReport:
    """Collect versions, devices, data and weights status, and findings.

    Args:
        data_dir: course data folder (default ``$DLSPEC_DATA_DIR``, else the user's data folder).
        manifest: checksums of the data (default: the packaged ``SHA256SUMS``).
        weights_dir: pretrained weights folder (default ``$DLSPEC_WEIGHTS_DIR``).
        devices: import TensorFlow (in a child process) to list the devices.

    Example:
        >>> report = doctor(devices=False)  # doctest: +SKIP
        >>> report.ok, report.versions["NumPy"]  # doctest: +SKIP
        (True, '2.4.6')
    """
    versions: dict[str, str | None] = {
        "Python": platform.python_version(),
        "platform": platform.platform(),
        "dlspec": dlspec.__version__,
    }
    for label, distributions in PACKAGES:
        versions[label], _ = _version(distributions)
    report = DoctorReport(versions)
    probe = start_probe() if devices and versions["TensorFlow"] else None
    report.findings += _stack_findings(versions)
    report.data = check_data(data_dir, manifest=manifest)
    report.findings += _data_findings(report.data)
    if weights_dir is None:
        weights_dir = env_weights_dir()
    report.weights, weight_findings = _check_weights(weights_dir)
    report.findings += weight_findings
    if probe is not None:
        report.tensorflow = probe_tensorflow(started=probe)
        if "error" in report.tensorflow:
            report.findings.append(Finding("error", "TensorFlow", report.tensorflow["error"]))
        elif not any(d.startswith("GPU") for d in report.tensorflow.get("devices", [])):
            report.findings.append(
                Finding("info", "devices", "No GPU visible to TensorFlow: labs run on the CPU.")
            )
    return report


def format_doctor(report: DoctorReport) -> str:
    """The report as text, to paste into a help request."""
    lines = ["dlspec doctor (paste this into your help request)", ""]
    width = max(len(k) for k in report.versions) + 2
    for label, version in report.versions.items():
        if label == "tf_keras" and version is None:
            continue
        lines.append(f"{label:<{width}}{version or 'not installed'}")
    tf = report.tensorflow
    if tf is None:
        lines.append(f"{'devices':<{width}}not checked")
    elif "error" in tf:
        lines.append(f"{'devices':<{width}}unknown (TensorFlow did not import)")
    else:
        cuda = "CUDA build" if tf.get("cuda") else "CPU-only build"
        lines.append(f"{'devices':<{width}}{', '.join(tf['devices'])} ({cuda})")
    if report.data is not None:
        counts = report.data.counts()
        summary = ", ".join(f"{counts[s]} {s.value}" for s in Status if counts[s])
        lines.append(f"{'course data':<{width}}{report.data.root} ({report.data.root_origin})")
        lines.append(f"{'':<{width}}{summary or 'no files listed'}")
    weights = report.weights
    if weights.get("dir"):
        states = ", ".join(f"{n}: {s}" for n, s in weights["files"].items()) or "no files"
        lines.append(f"{'weights':<{width}}{weights['dir']} ({states})")
    else:
        lines.append(f"{'weights':<{width}}{WEIGHTS_DIR_ENV} not set")
    lines += ["", "Checks:"]
    for finding in report.findings:
        text = f"{finding.level:<8}{finding.topic}: {finding.message}"
        lines += textwrap.wrap(text, 98, initial_indent="  ", subsequent_indent=" " * 10)
    errors = sum(f.level == "error" for f in report.findings)
    warnings = sum(f.level == "warning" for f in report.findings)
    lines.append("")
    if errors:
        lines.append(f"PROBLEMS: {errors} error(s), {warnings} warning(s).")
    else:
        lines.append(f"OK ({warnings} warning(s)).")
    return "\n".join(lines)
