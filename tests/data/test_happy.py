"""Happy House loader: the course's two files, the seeded split of test_happy.h5, errors, and
the tf.data pipeline."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
from conftest import need_data

from dlspec.data.happy import HAPPY_FILES, happy_tf_dataset, load_happy_dataset
from dlspec.data.paths import CorruptDataError, DataNotFoundError


def _write(path, split: str, m: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, (m, 64, 64, 3), dtype=np.uint8)
    y = np.arange(m) % 2
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as f:
        f[f"{split}_set_x"] = x
        f[f"{split}_set_y"] = y
        f["list_classes"] = np.array([0, 1])
    return x


def test_real_data_is_split_and_says_so():
    need_data(HAPPY_FILES["test"])
    data = load_happy_dataset()
    if data.source == "course":  # a user who has train_happy.h5
        assert data.X_train.shape == (600, 64, 64, 3) and data.X_test.shape == (150, 64, 64, 3)
        return
    assert data.source == "test-split" and "seeded split" in data.description
    assert data.X_train.shape == (120, 64, 64, 3) and data.X_test.shape == (30, 64, 64, 3)
    assert data.Y_train.shape == (120, 1) and data.Y_test.shape == (30, 1)
    assert data.Y_train.dtype == np.float32 and set(np.unique(data.Y_train)) == {0.0, 1.0}
    # stratified: the file has 66 unhappy / 84 happy
    assert int(data.Y_train.sum() + data.Y_test.sum()) == 84
    assert int(data.Y_test.sum()) == 17
    # disjoint parts covering all 150 images
    rows = {x.tobytes() for x in data.X_train} | {x.tobytes() for x in data.X_test}
    assert len(rows) == 150
    again = load_happy_dataset()
    np.testing.assert_array_equal(again.X_train, data.X_train)
    other = load_happy_dataset(seed=1)
    assert not np.array_equal(other.X_train, data.X_train)


def test_course_files_are_used_when_present(tmp_path):
    x_train = _write(tmp_path / HAPPY_FILES["train"], "train", 6, 0)
    x_test = _write(tmp_path / HAPPY_FILES["test"], "test", 4, 1)
    data = load_happy_dataset(tmp_path)
    assert data.source == "course"
    np.testing.assert_array_equal(data.X_train, x_train)
    np.testing.assert_array_equal(data.X_test, x_test)
    assert data.Y_train.shape == (6, 1) and data.Y_test.shape == (4, 1)


def test_split_of_the_test_file(tmp_path):
    x = _write(tmp_path / HAPPY_FILES["test"], "test", 20, 2)
    data = load_happy_dataset(tmp_path, train_fraction=0.5, seed=3)
    assert data.source == "test-split"
    assert len(data.X_train) == 10 and len(data.X_test) == 10
    assert data.Y_train.sum() == 5 and data.Y_test.sum() == 5
    assert {r.tobytes() for r in data.X_train} | {r.tobytes() for r in data.X_test} == {
        r.tobytes() for r in x
    }


def test_missing_files_named(tmp_path):
    with pytest.raises(DataNotFoundError, match="test_happy.h5.*train_happy.h5"):
        load_happy_dataset(tmp_path)


def test_corrupt_and_wrong_files(tmp_path):
    path = tmp_path / HAPPY_FILES["test"]
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not hdf5")
    with pytest.raises(CorruptDataError, match="test_happy.h5"):
        load_happy_dataset(tmp_path)
    with h5py.File(path, "w") as f:
        f["test_set_x"] = np.zeros((3, 32, 32, 3), np.uint8)
        f["test_set_y"] = np.zeros(3)
    with pytest.raises(CorruptDataError, match=r"\(m, 64, 64, 3\)"):
        load_happy_dataset(tmp_path)
    with pytest.raises(ValueError, match="train_fraction"):
        load_happy_dataset(tmp_path, train_fraction=1.0)


def test_tf_dataset_pipeline():
    x = np.full((5, 64, 64, 3), 255, np.uint8)
    y = np.array([[0], [1], [0], [1], [1]], np.float32)
    batches = list(happy_tf_dataset(x, y, batch_size=2, shuffle=False))
    assert [tuple(b[0].shape) for b in batches] == [(2, 64, 64, 3), (2, 64, 64, 3), (1, 64, 64, 3)]
    assert float(batches[0][0].numpy().max()) == 1.0
    np.testing.assert_array_equal(np.concatenate([b[1].numpy() for b in batches]), y)
    first = [b[1].numpy().ravel().tolist() for b in happy_tf_dataset(x, y, batch_size=5, seed=4)]
    again = [b[1].numpy().ravel().tolist() for b in happy_tf_dataset(x, y, batch_size=5, seed=4)]
    assert first == again
    with pytest.raises(ValueError, match=r"labels must have shape \(m, 1\)"):
        happy_tf_dataset(x, y.ravel())
    with pytest.raises(ValueError, match=r"images must have shape"):
        happy_tf_dataset(x[..., :1], y)
    with pytest.raises(ValueError, match="batch_size"):
        happy_tf_dataset(x, y, batch_size=0)
