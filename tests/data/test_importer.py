"""``dlspec data import``: course files found in folders and zips, checked, put in place."""

from __future__ import annotations

import zipfile

import h5py
import numpy as np
from conftest import need_data
from PIL import Image

from dlspec.cli import main
from dlspec.data.importer import format_import, import_data
from dlspec.data.layout import expected_files, item_for, layout_items, packaged_checksums

CAT = "course1/catvnoncat/train_catvnoncat.h5"
CAT_TEST = "course1/catvnoncat/test_catvnoncat.h5"
HAPPY = "course4/happy/train_happy.h5"
SIGNS = "course4/signs/train_signs.h5"


def _h5(path, n: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as f:
        f["train_set_x"] = np.zeros((n, 64, 64, 3), np.uint8)
        f["train_set_y"] = np.zeros((n,), np.int64)
        f["list_classes"] = np.arange(2)


def test_layout_covers_every_packaged_file():
    assert all(item_for(rel) is not None for rel in packaged_checksums())
    assert {HAPPY, SIGNS} <= set(expected_files())
    assert len({item.path for item in layout_items()}) == len(layout_items())


def test_zip_of_a_workspace_copies_good_files_and_refuses_a_truncated_one(tmp_path):
    cat, cat_test = need_data(CAT, CAT_TEST)
    archive = tmp_path / "C1W2.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(cat, "C1W2/datasets/train_catvnoncat.h5")
        zf.writestr("C1W2/datasets/test_catvnoncat.h5", cat_test.read_bytes()[:5000])
        zf.writestr("C1W2/notebook.ipynb", "{}")
    root = tmp_path / "data"
    report = import_data([archive], root=root)
    assert report.copied == [(CAT, f"{archive}:C1W2/datasets/train_catvnoncat.h5")]
    assert (root / CAT).read_bytes() == cat.read_bytes()
    assert [reason for _, reason in report.refused] == [
        f"{CAT_TEST}: differs from the course's file (sha256 mismatch)"
    ]
    assert CAT_TEST in report.missing and CAT not in report.missing
    text = format_import(report)
    assert "copied   course1/catvnoncat/train_catvnoncat.h5" in text and "1 refused" in text


def test_h5_without_checksum_is_checked_by_keys_and_shapes(tmp_path):
    _h5(tmp_path / "src" / "datasets" / "train_happy.h5", 600)
    _h5(tmp_path / "src" / "datasets" / "train_signs.h5", 10)  # wrong number of pictures
    report = import_data([tmp_path / "src"], root=tmp_path / "data")
    assert [rel for rel, _ in report.copied] == [HAPPY]
    assert report.refused == [
        (
            str(tmp_path / "src" / "datasets" / "train_signs.h5"),
            f"{SIGNS}: wrong shape: train_set_x is (10, 64, 64, 3), expected (1080, 64, 64, 3)",
        )
    ]


def test_image_folders_take_images_that_decode(tmp_path):
    folder = tmp_path / "unet" / "data" / "CameraRGB"
    folder.mkdir(parents=True)
    Image.new("RGB", (8, 6), "red").save(folder / "new_frame.png")
    (folder / "broken.png").write_bytes(b"\x89PNG not really")
    report = import_data([tmp_path / "unet"], root=tmp_path / "data")
    assert [rel for rel, _ in report.copied] == ["course4/carla/CameraRGB/new_frame.png"]
    assert "corrupt: not a readable image" in report.refused[0][1]


def test_a_good_file_is_never_replaced_by_a_bad_one(tmp_path):
    good, bad = tmp_path / "good", tmp_path / "bad"
    _h5(good / "train_happy.h5", 600)
    (bad / "datasets").mkdir(parents=True)
    (bad / "datasets" / "train_happy.h5").write_bytes(b"not hdf5")
    root = tmp_path / "data"
    (root / HAPPY).parent.mkdir(parents=True)
    (root / HAPPY).write_bytes(b"a truncated copy already in place")
    assert [rel for rel, _ in import_data([good], root=root).copied] == [HAPPY]  # bad replaced
    placed = (root / HAPPY).read_bytes()
    report = import_data([bad, good], root=root)
    assert report.copied == [] and report.in_place == [HAPPY]
    assert "corrupt: not a readable HDF5 file" in report.refused[0][1]
    assert (root / HAPPY).read_bytes() == placed


def test_data_import_and_layout_commands(tmp_path, capsys):
    _h5(tmp_path / "src" / "train_happy.h5", 600)
    root = tmp_path / "data"
    assert main(["data", "import", str(tmp_path / "src"), "--root", str(root)]) == 0
    assert "copied   course4/happy/train_happy.h5" in capsys.readouterr().out
    (tmp_path / "src" / "train_signs.h5").write_bytes(b"junk")
    assert main(["data", "import", str(tmp_path / "src"), "--root", str(root), "--json"]) == 1
    assert '"in_place": [\n    "course4/happy/train_happy.h5"' in capsys.readouterr().out
    assert main(["data", "layout"]) == 0
    out = capsys.readouterr().out
    assert "course4/alpaca/alpaca/\n" in out and "labs: c4w2-alpaca, c4w2-architectures" in out
    assert "datasets/train_catvnoncat.h5" in out


def test_missing_source_is_reported(tmp_path):
    report = import_data([tmp_path / "nowhere"], root=tmp_path / "data")
    assert report.refused == [(str(tmp_path / "nowhere"), "no such file or folder")]
