"""``dlspec data check``: manifest parsing, ok / missing / corrupt, files not obtainable offline."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import h5py
import numpy as np
import pytest
from conftest import need_data

from dlspec.data.catvnoncat import CATVNONCAT_FILES
from dlspec.data.check import (
    KNOWN_MISSING,
    KnownMissing,
    Status,
    check_data,
    format_report,
    main,
    parse_manifest,
    sha256_file,
)
from dlspec.data.paths import DATA_DIR_ENV

FILES = {
    "course1/catvnoncat/a.h5": b"cat bytes",
    "course4/alpaca/alpaca/1.jpg": b"alpaca one",
    "course4/alpaca/alpaca/2.jpg": b"alpaca two",
    "course4/alpaca/not alpaca/x (1).jpg": b"spaces and parentheses",
}
KNOWN = {"course4/happy/train_happy.h5": KnownMissing("Happy House training set", ("train_set_x",))}


@pytest.fixture
def fake_data(tmp_path) -> tuple[Path, Path]:
    """A small data folder and its sha256sum manifest."""
    root = tmp_path / "data"
    lines = []
    for rel, content in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(content)
        lines.append(f"{hashlib.sha256(content).hexdigest()}  {rel}")
    manifest = tmp_path / "SHA256SUMS"
    manifest.write_text("\n".join(lines) + "\n")
    return root, manifest


def _status(report, rel):
    return next(f for f in report.files if f.relpath == rel).status


def test_all_ok(fake_data):
    root, manifest = fake_data
    report = check_data(root, manifest=manifest, known_missing={})
    assert report.ok
    assert report.counts() == {Status.OK: len(FILES)}
    assert report.problems() == []
    text = format_report(report)
    assert "course4/alpaca/alpaca" in text and "2/2 ok" in text
    assert "course4/alpaca/not alpaca" in text
    assert text.splitlines()[-1].startswith("OK: 4/4 files ok")


def test_missing_and_corrupt(fake_data):
    root, manifest = fake_data
    (root / "course4/alpaca/alpaca/1.jpg").unlink()
    (root / "course1/catvnoncat/a.h5").write_bytes(b"cat bytes, truncated or changed")
    report = check_data(root, manifest=manifest, known_missing={})
    assert not report.ok
    assert _status(report, "course4/alpaca/alpaca/1.jpg") is Status.MISSING
    assert _status(report, "course1/catvnoncat/a.h5") is Status.CORRUPT
    assert _status(report, "course4/alpaca/alpaca/2.jpg") is Status.OK

    short = format_report(report)
    assert "course4/alpaca/alpaca" in short and "1/2 ok; 1 missing" in short
    assert "course1/catvnoncat" in short and "0/1 ok; 1 corrupt" in short
    assert "--verbose" in short and "1.jpg" not in short
    assert any(line.startswith("PROBLEMS: 2/4 files ok") for line in short.splitlines())

    verbose = format_report(report, verbose=True)
    assert "1.jpg: missing" in verbose and str(root / "course4/alpaca/alpaca/1.jpg") in verbose
    assert "a.h5: corrupt (sha256" in verbose
    assert "2.jpg" not in verbose  # only files that are not ok are listed


def test_missing_root_reports_everything_missing(tmp_path, fake_data):
    _, manifest = fake_data
    report = check_data(tmp_path / "absent", manifest=manifest, known_missing={})
    assert report.counts() == {Status.MISSING: len(FILES)}
    assert "does not exist" in format_report(report) and DATA_DIR_ENV in format_report(report)


def test_root_defaults_to_env(fake_data, monkeypatch):
    root, manifest = fake_data
    monkeypatch.setenv(DATA_DIR_ENV, str(root))
    report = check_data(manifest=manifest, known_missing={})
    assert report.root == root and report.ok
    assert DATA_DIR_ENV in report.root_origin


def test_known_missing_absent_then_supplied(fake_data):
    root, manifest = fake_data
    rel = "course4/happy/train_happy.h5"
    report = check_data(root, manifest=manifest, known_missing=KNOWN)
    assert report.ok  # not obtainable offline is not a failure
    assert _status(report, rel) is Status.UNOBTAINABLE
    text = format_report(report)
    assert "course4/happy" in text
    assert "missing (not obtainable offline; supply your own copy)" in text
    assert str(root / rel) in text  # says where it goes

    (root / rel).parent.mkdir(parents=True)
    (root / rel).write_bytes(b"not hdf5")
    assert _status(check_data(root, manifest=manifest, known_missing=KNOWN), rel) is Status.CORRUPT

    with h5py.File(root / rel, "w") as f:
        f["train_set_x"] = np.zeros((2, 64, 64, 3), np.uint8)
    report = check_data(root, manifest=manifest, known_missing=KNOWN)
    assert _status(report, rel) is Status.UNVERIFIED and report.ok
    assert "1/1 ok (1 present, unverified)" in format_report(report)


def test_default_known_missing_are_the_readme_files():
    assert set(KNOWN_MISSING) == {"course4/happy/train_happy.h5", "course4/signs/train_signs.h5"}


def test_extra_files_listed_when_verbose(fake_data):
    root, manifest = fake_data
    (root / "README.md").write_text("hi")
    report = check_data(root, manifest=manifest, known_missing={})
    assert report.extra == ("README.md",)
    assert "README.md" in format_report(report, verbose=True)
    assert "README.md" not in format_report(report)


def test_parse_manifest_formats_and_errors():
    digest = "ab" * 32
    text = f"# comment\n\n{digest}  a b/c (1).jpg\n{digest.upper()} *bin.h5\n\\{digest}  x\\\\y\n"
    assert parse_manifest(text) == {"a b/c (1).jpg": digest, "bin.h5": digest, "x\\y": digest}
    with pytest.raises(ValueError, match="line 1"):
        parse_manifest("not a checksum line")
    with pytest.raises(ValueError, match="relative"):
        parse_manifest(f"{digest}  ../etc/passwd")
    with pytest.raises(ValueError, match="relative"):
        parse_manifest(f"{digest}  /etc/passwd")


def test_sha256_file_streams_large_files(tmp_path):
    data = np.random.default_rng(0).bytes(3 * (1 << 20) + 5)  # several chunks and a remainder
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()


def test_main_exit_status(fake_data, capsys):
    root, manifest = fake_data
    assert main(["--root", str(root), "--manifest", str(manifest)]) == 0
    assert "\nOK: " in capsys.readouterr().out
    (root / "course1/catvnoncat/a.h5").unlink()
    assert main(["--root", str(root), "--manifest", str(manifest), "-v"]) == 1
    assert "a.h5: missing" in capsys.readouterr().out


def test_main_json_payload(fake_data, capsys):
    root, manifest = fake_data
    (root / "course1/catvnoncat/a.h5").unlink()
    assert main(["--root", str(root), "--manifest", str(manifest), "--json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] is False
    assert payload["problems"][0]["path"] == "course1/catvnoncat/a.h5"
    assert payload["problems"][0]["status"] == "missing"


def test_packaged_manifest_lists_the_course_files():
    report = check_data("/nonexistent-dlspec-data", known_missing={})
    paths = {f.relpath for f in report.files}
    assert len(paths) == 1693
    assert set(CATVNONCAT_FILES.values()) <= paths
    assert "course4/signs/64x64_SIGNS/test_signs/0_IMG_5975 (1).jpg" in paths


def test_real_data_dir_all_ok():
    listed = check_data("/nonexistent-dlspec-data", known_missing={}).files
    need_data(*(f.relpath for f in listed))  # skip (or fail under DLSPEC_REQUIRE_DATA=1)
    start = time.perf_counter()
    report = check_data()
    elapsed = time.perf_counter() - start
    bad = [f for f in report.files if f.status in (Status.MISSING, Status.CORRUPT)]
    assert bad == [], format_report(report, verbose=True)
    assert report.counts()[Status.OK] == 1693
    assert elapsed < 10, f"hashing the course data took {elapsed:.1f} s"
    assert "course4/alpaca/alpaca" in format_report(report) and "142/142 ok" in format_report(
        report
    )


def test_unreadable_sub_folder_is_reported_not_a_crash(fake_data, monkeypatch, capsys):
    root, manifest = fake_data
    locked = root / "course4" / "alpaca" / "not alpaca"
    real_scandir, real_is_file = os.scandir, Path.is_file

    def scandir(path="."):
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    def is_file(self):  # stat() of a file in a folder without search permission
        if self.parent == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real_is_file(self)

    monkeypatch.setattr(os, "scandir", scandir)  # what a chmod 000 folder does (as non-root)
    monkeypatch.setattr(Path, "is_file", is_file)
    report = check_data(root, manifest=manifest, known_missing={})
    assert report.unreadable == (f"{locked}: Permission denied",)
    assert _status(report, "course4/alpaca/not alpaca/x (1).jpg") is Status.MISSING
    assert main(["--root", str(root), "--manifest", str(manifest)]) == 1
    assert f"Cannot read the folder {locked}" in capsys.readouterr().out
