"""The cat / non-cat loaders: shapes, dtypes, missing or corrupt files, the tf.data pipeline."""

from __future__ import annotations

import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest
from conftest import need_data

from dlspec.data.catvnoncat import (
    CATVNONCAT_FILES,
    catvnoncat_tf_dataset,
    flatten_images,
    load_dataset,
)
from dlspec.data.h5 import read_h5
from dlspec.data.paths import DATA_DIR_ENV, CorruptDataError, DataNotFoundError


def _copy_real_files(dest: Path) -> dict[str, Path]:
    """Copy the real h5 files into ``dest`` with the course layout; return the copies by split."""
    sources = need_data(*CATVNONCAT_FILES.values())
    copies = {}
    for (split, rel), src in zip(CATVNONCAT_FILES.items(), sources, strict=True):
        copies[split] = dest / rel
        copies[split].parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, copies[split])
    return copies


def test_load_dataset_shapes_dtypes_classes(cat_data):
    train_x, train_y, test_x, test_y, classes = cat_data
    assert train_x.shape == (209, 64, 64, 3) and train_x.dtype == np.uint8
    assert test_x.shape == (50, 64, 64, 3) and test_x.dtype == np.uint8
    assert train_y.shape == (1, 209) and test_y.shape == (1, 50)
    assert set(np.unique(train_y)) == {0, 1} and set(np.unique(test_y)) == {0, 1}
    assert list(classes) == [b"non-cat", b"cat"]
    assert int(train_y.sum()) == 72 and int(test_y.sum()) == 33  # cats in the course's files
    assert flatten_images(train_x).shape == (12288, 209)


def test_missing_file_names_file_and_variable(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    with pytest.raises(DataNotFoundError) as err:
        load_dataset()
    message = str(err.value)
    assert "train_catvnoncat.h5" in message
    assert str(tmp_path / CATVNONCAT_FILES["train"]) in message
    assert DATA_DIR_ENV in message
    assert isinstance(err.value, FileNotFoundError)  # callers catching the builtin still work


def test_missing_test_file_only(tmp_path):
    copies = _copy_real_files(tmp_path)
    copies["test"].unlink()
    with pytest.raises(DataNotFoundError, match="test_catvnoncat.h5"):
        load_dataset(root=tmp_path)


@pytest.mark.parametrize("split", ["train", "test"])
def test_truncated_file_is_corrupt(tmp_path, split):
    copies = _copy_real_files(tmp_path)
    path = copies[split]
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.truncate(size // 2)
    with pytest.raises(CorruptDataError) as err:
        load_dataset(root=tmp_path)
    assert str(path) in str(err.value)
    assert isinstance(err.value, OSError)


def test_file_lacking_a_key_is_corrupt(tmp_path):
    copies = _copy_real_files(tmp_path)
    real = read_h5(copies["train"], ["train_set_x", "list_classes"])
    with h5py.File(copies["train"], "w") as f:  # the same file without train_set_y
        f["train_set_x"] = real["train_set_x"]
        f["list_classes"] = real["list_classes"]
    with pytest.raises(CorruptDataError, match=r"lacks the dataset\(s\) \['train_set_y'\]") as err:
        load_dataset(root=tmp_path)
    assert str(copies["train"]) in str(err.value)


def test_wrong_image_shape_is_corrupt(tmp_path):
    copies = _copy_real_files(tmp_path)
    with h5py.File(copies["test"], "r+") as f:
        del f["test_set_x"]
        f["test_set_x"] = np.zeros((50, 32, 32, 3), np.uint8)
    with pytest.raises(CorruptDataError, match=r"\(50, 32, 32, 3\)"):
        load_dataset(root=tmp_path)


def test_read_h5_accepts_any_iterable_of_keys():
    (path,) = need_data(CATVNONCAT_FILES["test"])
    arrays = read_h5(path, (k for k in ["test_set_y", "list_classes"]))
    assert sorted(arrays) == ["list_classes", "test_set_y"]


def test_tf_dataset_shapes_dtypes(cat_data):
    import tensorflow as tf

    train_x, train_y, *_ = cat_data
    ds = catvnoncat_tf_dataset("train", batch_size=64, shuffle=False)
    batches = list(ds)
    assert [int(x.shape[0]) for x, _ in batches] == [64, 64, 64, 17]
    images, labels = batches[0]
    assert images.shape == (64, 64, 64, 3) and images.dtype == tf.float32
    assert labels.shape == (64,) and labels.dtype == tf.float32
    np.testing.assert_allclose(images.numpy(), train_x[:64] / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(labels.numpy(), train_y[0, :64])
    assert 0.0 <= float(tf.reduce_min(images)) and float(tf.reduce_max(images)) <= 1.0


def test_tf_dataset_flatten_matches_course_layout(cat_data):
    _, _, test_x, _, _ = cat_data
    ds = catvnoncat_tf_dataset("test", batch_size=16, shuffle=False, flatten=True)
    images, _ = next(iter(ds))
    assert images.shape == (16, 12288)
    # the course's column matrix (12288, m), transposed
    np.testing.assert_allclose(images.numpy(), flatten_images(test_x)[:, :16].T, rtol=1e-6)
    unbatched, _ = next(iter(catvnoncat_tf_dataset("test", batch_size=None, flatten=True)))
    assert unbatched.shape == (12288,)


def _first_epoch_labels_and_sums(seed: int) -> tuple[np.ndarray, np.ndarray]:
    ds = catvnoncat_tf_dataset("train", batch_size=32, seed=seed)
    labels, sums = [], []
    for x, y in ds:
        labels.append(y.numpy())
        sums.append(x.numpy().reshape(len(x), -1).sum(axis=1))
    return np.concatenate(labels), np.concatenate(sums)


def test_tf_dataset_deterministic_under_seed(cat_data):
    train_x, *_ = cat_data
    labels_a, sums_a = _first_epoch_labels_and_sums(seed=3)
    labels_b, sums_b = _first_epoch_labels_and_sums(seed=3)
    np.testing.assert_array_equal(labels_a, labels_b)
    np.testing.assert_array_equal(sums_a, sums_b)  # same images in the same order
    _, sums_c = _first_epoch_labels_and_sums(seed=4)
    assert not np.array_equal(sums_a, sums_c)  # another seed, another order
    ref = np.sort((train_x / 255.0).reshape(len(train_x), -1).sum(axis=1))
    np.testing.assert_allclose(np.sort(sums_a), ref, rtol=1e-5)  # a permutation of all 209


def test_tf_dataset_reshuffles_each_epoch(cat_data):
    ds = catvnoncat_tf_dataset("train", batch_size=None, seed=0)
    epoch1 = [float(x.numpy().sum()) for x, _ in ds]
    epoch2 = [float(x.numpy().sum()) for x, _ in ds]
    assert epoch1 != epoch2 and sorted(epoch1) == sorted(epoch2)


def test_tf_dataset_rejects_unknown_split():
    with pytest.raises(ValueError, match="split must be one of"):
        catvnoncat_tf_dataset("validation")
