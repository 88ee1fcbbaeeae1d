"""DLSPEC_DATA_DIR resolution and DLSPEC_REQUIRE_DATA: skip, or fail loudly, when data is absent."""

import pytest
from conftest import need_data

from dlspec.cli import main
from dlspec.data.paths import DataNotFoundError, data_dir, data_path, default_data_dir

CAT = "course1/catvnoncat/train_catvnoncat.h5"


def test_data_dir_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DLSPEC_DATA_DIR", str(tmp_path))
    assert data_dir() == tmp_path
    monkeypatch.delenv("DLSPEC_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))  # platformdirs on Linux
    assert data_dir() == default_data_dir()
    assert "dlspec" in data_dir().parts


def test_missing_file_error_says_what_and_how(monkeypatch, tmp_path):
    monkeypatch.delenv("DLSPEC_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    with pytest.raises(DataNotFoundError, match="DLSPEC_DATA_DIR is not set") as info:
        data_path(CAT)
    message = str(info.value)
    assert isinstance(info.value, FileNotFoundError)
    assert "train_catvnoncat.h5" in message and "dlspec data check" in message
    assert "dlspec data import" in message and "dlspec data layout" in message
    assert "README" not in message and "shared/data" not in message  # not in an installed wheel


def test_data_dir_that_is_a_file_is_named_as_such(monkeypatch, tmp_path, capsys):
    not_a_folder = tmp_path / "data.zip"
    not_a_folder.write_bytes(b"PK")
    monkeypatch.setenv("DLSPEC_DATA_DIR", str(not_a_folder))
    with pytest.raises(DataNotFoundError, match="is a file, not a folder") as info:
        data_path(CAT)
    assert "copy the file there" not in str(info.value)
    assert main(["data", "check"]) == 1
    assert "is a file, not a folder" in capsys.readouterr().out


@pytest.mark.parametrize(("require", "outcome"), [("1", pytest.fail.Exception),
                                                  ("", pytest.skip.Exception)])  # fmt: skip
def test_need_data_fails_only_when_required(monkeypatch, tmp_path, require, outcome):
    monkeypatch.setenv("DLSPEC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DLSPEC_REQUIRE_DATA", require)
    with pytest.raises(outcome, match="train_catvnoncat.h5"):
        need_data(CAT)
