"""The ``dlspec_catvnoncat`` tensorflow-datasets builder and ``load_tfds``: offline, real files."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds
from conftest import need_data

import dlspec.data.tfds_builders  # noqa: F401 (registers the builders with tfds)
from dlspec.data.catvnoncat import CATVNONCAT_FILES
from dlspec.data.paths import DATA_DIR_ENV, CorruptDataError, DataNotFoundError
from dlspec.data.tfds_load import dlspec_builder, dlspec_datasets, load_tfds


def _manual(folder) -> dict:
    return {"download_config": tfds.download.DownloadConfig(manual_dir=folder)}


@pytest.fixture(scope="module")
def tfds_dir(tmp_path_factory):
    """A tfds data_dir where plain ``tfds.load`` prepared catvnoncat (manual_dir = its folder)."""
    train_file, _ = need_data(*CATVNONCAT_FILES.values())
    data_dir = tmp_path_factory.mktemp("tfds")
    tfds.load(
        "dlspec_catvnoncat",
        split="train",
        data_dir=data_dir,
        download_and_prepare_kwargs=_manual(train_file.parent),
    )
    return data_dir


def test_registered_with_tfds_and_dlspec():
    builder_cls = dlspec_builder("dlspec_catvnoncat:1.0.0")
    assert "dlspec_catvnoncat" in dlspec_datasets()
    assert tfds.builder_cls("dlspec_catvnoncat") is builder_cls
    assert str(builder_cls.VERSION) == "1.0.0"
    assert builder_cls.DATA_RELDIR == "course1/catvnoncat"
    text = builder_cls.MANUAL_DOWNLOAD_INSTRUCTIONS
    for part in (
        "train_catvnoncat.h5",
        "test_catvnoncat.h5",
        "$DLSPEC_DATA_DIR/course1/catvnoncat",
    ):
        assert part in text


def test_features_and_splits(tfds_dir):
    builder = tfds.builder("dlspec_catvnoncat", data_dir=tfds_dir)
    info = builder.info
    assert builder.is_prepared()
    assert info.features["image"].shape == (64, 64, 3)
    assert info.features["image"].np_dtype == np.uint8
    assert info.features["label"].names == ["non-cat", "cat"]
    assert info.supervised_keys == ("image", "label")
    assert {name: s.num_examples for name, s in info.splits.items()} == {"train": 209, "test": 50}


@pytest.mark.parametrize("split", ["train", "test"])
def test_as_numpy_equals_load_dataset(tfds_dir, cat_data, split):
    train_x, train_y, test_x, test_y, classes = cat_data
    x_ref, y_ref = (train_x, train_y) if split == "train" else (test_x, test_y)
    ds = tfds.load("dlspec_catvnoncat", split=split, data_dir=tfds_dir, batch_size=-1)
    arrays = tfds.as_numpy(ds)
    assert arrays["image"].dtype == np.uint8
    np.testing.assert_array_equal(arrays["image"], x_ref)  # same images, same order
    np.testing.assert_array_equal(arrays["label"], y_ref[0])
    names = tfds.builder("dlspec_catvnoncat", data_dir=tfds_dir).info.features["label"].names
    assert names == [c.decode() for c in classes]


def test_plain_load_reads_dlspec_data_dir(tmp_path, cat_data):
    need_data(*CATVNONCAT_FILES.values())  # no wrapper, no manual_dir: $DLSPEC_DATA_DIR is read
    _, _, test_x, test_y, _ = cat_data
    ds = tfds.load("dlspec_catvnoncat", split="test", data_dir=tmp_path, as_supervised=True)
    images, labels = zip(*tfds.as_numpy(ds), strict=True)
    np.testing.assert_array_equal(np.stack(images), test_x)
    np.testing.assert_array_equal(np.array(labels), test_y[0])


def test_benchmark(tfds_dir):
    ds = tfds.load("dlspec_catvnoncat", split="train", data_dir=tfds_dir, as_supervised=True)
    result = tfds.benchmark(ds.batch(32).prefetch(tf.data.AUTOTUNE), batch_size=32)
    assert result.raw_stats.loc["num_iter", "duration"] == 7  # ceil(209 / 32) batches
    assert result.stats.loc["first+lasts", "avg"] > 0


def _cat_pipeline(batch_size: int, seed: int = 0) -> tf.data.Dataset:
    """A training pipeline on the tfds dataset: cache, shuffle, batch, scale, prefetch."""
    ds = load_tfds("dlspec_catvnoncat", "train", as_supervised=True).cache()
    ds = ds.shuffle(256, seed=seed).batch(batch_size)
    ds = ds.map(
        lambda x, y: (tf.cast(x, tf.float32) / 255.0, tf.cast(y, tf.float32)),
        num_parallel_calls=tf.data.AUTOTUNE,
    )
    return ds.prefetch(tf.data.AUTOTUNE)


def test_pipeline_with_mock_data(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))  # no course files: mock_data needs none
    with tfds.testing.mock_data(num_examples=10):
        batches = list(_cat_pipeline(batch_size=4))
    assert [b[0].shape[0] for b in batches] == [4, 4, 2]
    for images, labels in batches:
        assert images.shape[1:] == (64, 64, 3) and images.dtype == tf.float32
        assert labels.dtype == tf.float32
        assert 0.0 <= float(tf.reduce_min(images)) and float(tf.reduce_max(images)) <= 1.0
        assert set(labels.numpy().tolist()) <= {0.0, 1.0}


def test_missing_manual_folder_names_files_and_variable(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(DataNotFoundError) as err:
        load_tfds("dlspec_catvnoncat", "train", data_dir=tmp_path / "tfds")
    message = str(err.value)
    assert "train_catvnoncat.h5" in message and "test_catvnoncat.h5" in message
    assert str(tmp_path / "nowhere" / "course1" / "catvnoncat") in message
    assert DATA_DIR_ENV in message
    assert not list((tmp_path / "tfds").glob("dlspec_catvnoncat/*/1.0.0"))  # nothing half-written


def _course_root(tmp_path, files: dict[str, bytes]):
    """A data folder holding ``course1/catvnoncat/<name>`` with the given bytes."""
    folder = tmp_path / "data" / "course1" / "catvnoncat"
    folder.mkdir(parents=True)
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return tmp_path / "data"


def test_missing_one_file_with_plain_tfds_load(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(_course_root(tmp_path, {"train_catvnoncat.h5": b""})))
    with pytest.raises(DataNotFoundError, match=r"\['test_catvnoncat.h5'\] not found"):
        tfds.load("dlspec_catvnoncat", split="train", data_dir=tmp_path / "tfds")


def test_manual_dir_of_another_folder_is_refused(tmp_path):
    root = _course_root(tmp_path, {})
    with pytest.raises(ValueError, match="builder_kwargs={'data_root': FOLDER}"):
        tfds.load(
            "dlspec_catvnoncat",
            split="train",
            data_dir=tmp_path / "tfds",
            builder_kwargs={"data_root": root},
            download_and_prepare_kwargs=_manual(tmp_path / "elsewhere"),
        )


def test_corrupt_course_file_names_it(tmp_path):
    bad = b"not an hdf5 file"
    root = _course_root(tmp_path, {"train_catvnoncat.h5": bad, "test_catvnoncat.h5": bad})
    with pytest.raises(CorruptDataError, match="train_catvnoncat.h5"):
        load_tfds("dlspec_catvnoncat", "train", data_dir=tmp_path / "tfds", data_root=root)


def test_unknown_dataset_lists_known_ones():
    with pytest.raises(ValueError, match="dlspec_catvnoncat"):
        load_tfds("mnist", "train")
