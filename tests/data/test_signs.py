"""SIGNS loaders: the h5 form, the JPEG stand-in (seeded order), errors, the tf.data pipeline."""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

import h5py
import numpy as np
import pytest
from conftest import need_data
from PIL import Image

from dlspec.data.paths import DATA_DIR_ENV, CorruptDataError, DataNotFoundError, data_path
from dlspec.data.signs import (
    SIGNS_FILES,
    SIGNS_JPEG_DIR,
    load_signs,
    load_signs_dataset,
    signs_tf_dataset,
)
from dlspec.optimization.tensorflow_introduction import normalize, one_hot_matrix

JPEG_TRAIN = (f"{SIGNS_JPEG_DIR}/train_signs", f"{SIGNS_JPEG_DIR}/val_signs")


def _real_train_source() -> str:
    try:
        data_path(SIGNS_FILES["train"])
    except DataNotFoundError:
        return "jpeg"
    return "h5"


@pytest.fixture(scope="module")
def real_train():
    need_data(*JPEG_TRAIN)
    return load_signs("train")


# ------------------------------------------------------------------ a small fake data folder


def _write_jpeg(path: Path, color, size=(64, 64)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, tuple(color)).save(path, quality=100)


def _fake_jpeg_folder(root: Path) -> dict[str, int]:
    """Write 2 + 1 images per label into train_signs / val_signs; return {file name: label}."""
    names = {}
    for label in range(6):
        for folder, names_here in (
            ("train_signs", [f"{label}_IMG_{label}0.jpg", f"{label}_IMG_{label}1 (1).jpg"]),
            ("val_signs", [f"{label}_IMG_{label}2.JPG"]),
        ):
            for name in names_here:
                _write_jpeg(root / SIGNS_JPEG_DIR / folder / name, (40 * label, 10, 200))
                names[name] = label
    (root / SIGNS_JPEG_DIR / "train_signs" / ".DS_Store").write_bytes(b"not an image")
    return names


def _write_h5(path: Path, split: str, x: np.ndarray, y: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as f:
        f[f"{split}_set_x"] = x
        f[f"{split}_set_y"] = y
        f["list_classes"] = np.arange(6)


def _fake_h5(root: Path, split: str, m: int = 10) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(m, 64, 64, 3), dtype=np.uint8)
    y = rng.integers(0, 6, size=m)
    _write_h5(root / SIGNS_FILES[split], split, x, y)
    return x, y


def test_jpeg_stand_in_loads_labels_from_names(tmp_path, caplog):
    names = _fake_jpeg_folder(tmp_path)
    with caplog.at_level(logging.WARNING, logger="dlspec.data.signs"):
        data = load_signs("train", root=tmp_path)
    assert data.source == "jpeg" and len(data) == 18
    assert data.images.shape == (18, 64, 64, 3) and data.images.dtype == np.uint8
    assert data.labels.dtype == np.int64 and np.bincount(data.labels).tolist() == [3] * 6
    for path, label, image in zip(data.paths, data.labels, data.images):
        assert names[path.name] == label  # names with spaces and parentheses, .JPG suffix
        np.testing.assert_allclose(image[32, 32], (40 * label, 10, 200), atol=3)
    assert "JPEG stand-in" in caplog.text and "train_signs.h5 is not there" in caplog.text


def test_h5_is_preferred_when_present(tmp_path, caplog):
    _fake_jpeg_folder(tmp_path)
    x, y = _fake_h5(tmp_path, "train")
    with caplog.at_level(logging.WARNING, logger="dlspec.data.signs"):
        data = load_signs("train", root=tmp_path)
    assert data.source == "h5" and data.paths == (tmp_path / SIGNS_FILES["train"],)
    np.testing.assert_array_equal(data.images, x)
    np.testing.assert_array_equal(data.labels, y)
    assert "stand-in" not in caplog.text
    # The stand-in can still be asked for.
    assert load_signs("train", root=tmp_path, source="jpeg").source == "jpeg"


def test_h5_labels_of_either_shape_become_a_vector(tmp_path):
    x, y = _fake_h5(tmp_path, "test")
    _write_h5(tmp_path / SIGNS_FILES["test"], "test", x, y.reshape(1, -1))
    data = load_signs("test", root=tmp_path)
    assert data.labels.shape == (10,)
    np.testing.assert_array_equal(data.labels, y)


def test_load_signs_dataset_course4_shapes(tmp_path):
    _fake_jpeg_folder(tmp_path)
    _, y_test = _fake_h5(tmp_path, "test", m=7)
    X_train, Y_train, X_test, Y_test, classes = load_signs_dataset(root=tmp_path)
    assert X_train.shape == (18, 64, 64, 3) and Y_train.shape == (1, 18)
    assert X_test.shape == (7, 64, 64, 3) and Y_test.shape == (1, 7)
    np.testing.assert_array_equal(Y_test[0], y_test)
    assert classes.tolist() == [0, 1, 2, 3, 4, 5]


def test_seeded_order_is_fixed_and_seed_dependent(tmp_path):
    _fake_jpeg_folder(tmp_path)
    first, again = load_signs("train", root=tmp_path), load_signs("train", root=tmp_path)
    assert first.paths == again.paths
    np.testing.assert_array_equal(first.images, again.images)
    other = load_signs("train", root=tmp_path, seed=1)
    assert other.paths != first.paths and sorted(other.paths) == sorted(first.paths)


def test_missing_everything_names_both_forms(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    with pytest.raises(DataNotFoundError) as err:
        load_signs("train")
    message = str(err.value)
    assert "course4/signs/train_signs.h5" in message
    assert "64x64_SIGNS/train_signs/" in message and "64x64_SIGNS/val_signs/" in message
    assert f"{DATA_DIR_ENV}={tmp_path}" in message
    assert isinstance(err.value, FileNotFoundError)


def test_missing_val_folder_is_named(tmp_path):
    _fake_jpeg_folder(tmp_path)
    shutil.rmtree(tmp_path / SIGNS_JPEG_DIR / "val_signs")
    with pytest.raises(DataNotFoundError, match=r"missing: course4/signs/64x64_SIGNS/val_signs/\)"):
        load_signs("train", root=tmp_path)


def test_forced_h5_that_is_missing(tmp_path):
    _fake_jpeg_folder(tmp_path)
    with pytest.raises(DataNotFoundError, match="train_signs.h5"):
        load_signs("train", root=tmp_path, source="h5")


def test_empty_folders(tmp_path):
    for folder in ("train_signs", "val_signs"):
        (tmp_path / SIGNS_JPEG_DIR / folder).mkdir(parents=True)
    with pytest.raises(DataNotFoundError, match=r"No \.jpg files"):
        load_signs("train", root=tmp_path)


def test_corrupt_jpeg_copy_is_named(tmp_path):
    (source,) = need_data(f"{SIGNS_JPEG_DIR}/test_signs/0_IMG_5975 (1).jpg")
    folder = tmp_path / SIGNS_JPEG_DIR / "test_signs"
    folder.mkdir(parents=True)
    shutil.copyfile(source, folder / source.name)
    broken = folder / "3_IMG_0001.jpg"
    data = source.read_bytes()
    broken.write_bytes(data[: len(data) // 3])  # a truncated copy
    with pytest.raises(CorruptDataError) as err:
        load_signs("test", root=tmp_path, source="jpeg")
    assert str(broken) in str(err.value)
    assert isinstance(err.value, OSError)


def test_not_a_jpeg_is_corrupt(tmp_path):
    _fake_jpeg_folder(tmp_path)
    bad = tmp_path / SIGNS_JPEG_DIR / "val_signs" / "2_garbage.jpg"
    bad.write_bytes(b"this is not a JPEG")
    with pytest.raises(CorruptDataError, match="2_garbage.jpg"):
        load_signs("train", root=tmp_path)


def test_wrong_image_size_is_corrupt(tmp_path):
    _fake_jpeg_folder(tmp_path)
    _write_jpeg(tmp_path / SIGNS_JPEG_DIR / "train_signs" / "1_big.jpg", (0, 0, 0), (80, 64))
    with pytest.raises(CorruptDataError, match=r"1_big\.jpg.*\(64, 80, 3\)"):
        load_signs("train", root=tmp_path)


def test_file_name_without_label_is_rejected(tmp_path):
    _fake_jpeg_folder(tmp_path)
    _write_jpeg(tmp_path / SIGNS_JPEG_DIR / "train_signs" / "IMG_7.jpg", (0, 0, 0))
    with pytest.raises(CorruptDataError, match="must start with its label"):
        load_signs("train", root=tmp_path)


def test_truncated_h5_is_corrupt(tmp_path):
    _fake_h5(tmp_path, "test")
    path = tmp_path / SIGNS_FILES["test"]
    with open(path, "r+b") as f:
        f.truncate(path.stat().st_size // 2)
    with pytest.raises(CorruptDataError) as err:
        load_signs("test", root=tmp_path)
    assert str(path) in str(err.value)


def test_h5_of_wrong_shape_or_labels_is_corrupt(tmp_path):
    path = tmp_path / SIGNS_FILES["test"]
    _write_h5(path, "test", np.zeros((4, 32, 32, 3), np.uint8), np.zeros(4, int))
    with pytest.raises(CorruptDataError, match=r"\(4, 32, 32, 3\)"):
        load_signs("test", root=tmp_path)
    _write_h5(path, "test", np.zeros((4, 64, 64, 3), np.uint8), np.array([0, 1, 9, 2]))
    with pytest.raises(CorruptDataError, match="labels in 0..5"):
        load_signs("test", root=tmp_path)


def test_bad_arguments():
    with pytest.raises(ValueError, match="split must be one of"):
        load_signs("dev")
    with pytest.raises(ValueError, match="source must be one of"):
        load_signs("train", source="png")
    with pytest.raises(ValueError, match="batch_size"):
        signs_tf_dataset("train", batch_size=0)


# ------------------------------------------------------------------ the real data


def test_real_training_set(real_train):
    assert real_train.source == _real_train_source()
    assert real_train.images.shape == (1080, 64, 64, 3) and real_train.images.dtype == np.uint8
    assert real_train.labels.shape == (1080,) and real_train.labels.dtype == np.int64
    assert np.bincount(real_train.labels).tolist() == [180] * 6
    if real_train.source == "jpeg":
        assert len(set(real_train.paths)) == 1080
        assert {p.parent.name for p in real_train.paths} == {"train_signs", "val_signs"}
        # The seeded order mixes the labels: every minibatch of 32 holds 4+ classes and no
        # label repeats more than 6 times in a row (sorted files would give runs of 141+).
        batches = [real_train.labels[i : i + 32] for i in range(0, 1080, 32)]
        assert min(len(set(b.tolist())) for b in batches) >= 4
        runs = np.diff(np.flatnonzero(np.diff(real_train.labels) != 0))
        assert runs.max() <= 6


def test_real_training_set_loads_fast_and_deterministically(real_train):
    start = time.perf_counter()
    again = load_signs("train")
    assert time.perf_counter() - start < 5.0  # about 0.15 s on 2 cores
    assert again.paths == real_train.paths
    np.testing.assert_array_equal(again.images, real_train.images)
    np.testing.assert_array_equal(again.labels, real_train.labels)


def test_real_test_set_from_h5():
    need_data(SIGNS_FILES["test"])
    test = load_signs("test")
    assert test.source == "h5" and test.images.shape == (120, 64, 64, 3)
    assert np.bincount(test.labels).tolist() == [20] * 6
    assert test.labels[:10].tolist() == [0, 0, 0, 5, 1, 0, 3, 1, 5, 1]


def test_stand_in_test_jpegs_agree_with_h5_labels():
    need_data(SIGNS_FILES["test"], f"{SIGNS_JPEG_DIR}/test_signs")
    h5 = load_signs("test", source="h5")
    jpeg = load_signs("test", source="jpeg")
    assert jpeg.images.shape == (120, 64, 64, 3)
    assert np.bincount(jpeg.labels).tolist() == np.bincount(h5.labels).tolist()


# ------------------------------------------------------------------ tf.data


def test_tf_dataset_shapes_and_order(tmp_path):
    import tensorflow as tf

    _fake_jpeg_folder(tmp_path)
    data = load_signs("train", root=tmp_path)
    ds = signs_tf_dataset("train", batch_size=8, shuffle=False, root=tmp_path)
    batches = list(ds)
    assert [int(x.shape[0]) for x, _ in batches] == [8, 8, 2]
    images, labels = batches[0]
    assert images.shape == (8, 64, 64, 3) and images.dtype == tf.float32
    assert labels.shape == (8,) and labels.dtype == tf.int64
    np.testing.assert_allclose(images.numpy(), data.images[:8] / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(labels.numpy(), data.labels[:8])


def test_tf_dataset_flat_one_hot_matches_course_layout(tmp_path):
    import tensorflow as tf

    _fake_jpeg_folder(tmp_path)
    data = load_signs("train", root=tmp_path)
    ds = signs_tf_dataset(
        "train", batch_size=4, shuffle=False, flatten=True, one_hot=True, root=tmp_path
    )
    images, labels = next(iter(ds))
    assert images.shape == (4, 12288) and labels.shape == (4, 6) and labels.dtype == tf.float32
    for i in range(4):
        np.testing.assert_allclose(images[i], normalize(data.images[i]), rtol=1e-6)
        np.testing.assert_array_equal(labels[i], one_hot_matrix(data.labels[i]))


def test_tf_dataset_shuffle_is_seeded(tmp_path):
    _fake_jpeg_folder(tmp_path)

    def first_labels(seed):
        ds = signs_tf_dataset("train", batch_size=18, seed=seed, root=tmp_path)
        return next(iter(ds))[1].numpy().tolist()

    assert first_labels(3) == first_labels(3)
    assert sorted(first_labels(3)) == sorted(first_labels(4))
    unbatched = signs_tf_dataset("train", batch_size=None, shuffle=False, root=tmp_path)
    assert next(iter(unbatched))[0].shape == (64, 64, 3)
