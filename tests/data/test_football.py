"""The football data of the regularization lab: shapes, values, missing or corrupt files."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import scipy.io
from conftest import need_data

from dlspec.data.football import FOOTBALL_FILE, load_2D_dataset
from dlspec.data.paths import DATA_DIR_ENV, CorruptDataError, DataNotFoundError


@pytest.fixture
def football_copy(tmp_path):
    """A copy of the real data.mat in a fresh data folder; returns (folder, file)."""
    (source,) = need_data(FOOTBALL_FILE)
    copy = tmp_path / FOOTBALL_FILE
    copy.parent.mkdir(parents=True)
    shutil.copyfile(source, copy)
    return tmp_path, copy


def test_load_2D_dataset_shapes_and_values():
    need_data(FOOTBALL_FILE)
    train_X, train_Y, test_X, test_Y = load_2D_dataset()
    assert train_X.shape == (2, 211) and train_Y.shape == (1, 211)
    assert test_X.shape == (2, 200) and test_Y.shape == (1, 200)
    assert train_X.dtype == np.float64 and train_Y.dtype == np.uint8
    assert set(np.unique(train_Y)) == {0, 1} and set(np.unique(test_Y)) == {0, 1}
    assert np.all(np.abs(train_X) < 1) and np.all(np.abs(test_X) < 1)  # the field is scaled
    raw = scipy.io.loadmat(need_data(FOOTBALL_FILE)[0])
    np.testing.assert_array_equal(train_X, raw["X"].T)
    np.testing.assert_array_equal(test_Y, raw["yval"].T)


def test_explicit_path(football_copy):
    _, copy = football_copy
    assert load_2D_dataset(copy)[0].shape == (2, 211)


def test_missing_file_names_file_and_variable(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    with pytest.raises(DataNotFoundError) as err:
        load_2D_dataset()
    message = str(err.value)
    assert FOOTBALL_FILE in message and DATA_DIR_ENV in message
    with pytest.raises(DataNotFoundError, match="nowhere.mat"):
        load_2D_dataset(tmp_path / "nowhere.mat")


def test_truncated_file_is_reported_as_corrupt(football_copy, monkeypatch):
    root, copy = football_copy
    copy.write_bytes(copy.read_bytes()[:300])
    monkeypatch.setenv(DATA_DIR_ENV, str(root))
    with pytest.raises(CorruptDataError, match="Cannot read .*data.mat as a MATLAB .mat file"):
        load_2D_dataset()


def test_garbage_file_is_reported_as_corrupt(tmp_path):
    path = tmp_path / "data.mat"
    path.write_text("<html>not a mat file</html>")
    with pytest.raises(CorruptDataError, match=str(path)):
        load_2D_dataset(path)


def test_missing_variable_is_reported(tmp_path):
    path = tmp_path / "data.mat"
    scipy.io.savemat(path, {"X": np.zeros((211, 2)), "y": np.zeros((211, 1))})
    with pytest.raises(CorruptDataError, match=r"lacks the variable\(s\) \['Xval', 'yval'\]"):
        load_2D_dataset(path)


def test_wrong_shape_is_reported(tmp_path):
    path = tmp_path / "data.mat"
    scipy.io.savemat(
        path,
        {"X": np.zeros((2, 211)), "y": np.zeros((211, 1)), "Xval": np.zeros((200, 2)),
         "yval": np.zeros((200, 1))},
    )  # fmt: skip
    with pytest.raises(CorruptDataError, match=r"'X' has shape \(2, 211\), expected \(211, 2\)"):
        load_2D_dataset(path)
