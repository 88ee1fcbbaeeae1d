"""DLSPEC_DATA_DIR resolution and DLSPEC_REQUIRE_DATA: skip, or fail loudly, when data is absent."""

import pytest
from conftest import need_data

from dlspec.data.paths import DataNotFoundError, data_dir, data_path

CAT = "course1/catvnoncat/train_catvnoncat.h5"


def test_data_dir_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DLSPEC_DATA_DIR", str(tmp_path))
    assert data_dir() == tmp_path
    monkeypatch.delenv("DLSPEC_DATA_DIR")
    monkeypatch.chdir(tmp_path)
    assert data_dir() == tmp_path / "data"


def test_missing_file_error_says_what_and_how(monkeypatch, tmp_path):
    monkeypatch.delenv("DLSPEC_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataNotFoundError, match="DLSPEC_DATA_DIR is not set") as info:
        data_path(CAT)
    assert isinstance(info.value, FileNotFoundError)
    assert "train_catvnoncat.h5" in str(info.value) and "dlspec data check" in str(info.value)


@pytest.mark.parametrize(("require", "outcome"), [("1", pytest.fail.Exception),
                                                  ("", pytest.skip.Exception)])  # fmt: skip
def test_need_data_fails_only_when_required(monkeypatch, tmp_path, require, outcome):
    monkeypatch.setenv("DLSPEC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DLSPEC_REQUIRE_DATA", require)
    with pytest.raises(outcome, match="train_catvnoncat.h5"):
        need_data(CAT)
