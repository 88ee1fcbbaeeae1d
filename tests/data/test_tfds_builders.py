"""dlspec's tfds builders of every course data set: registration, real files, mock data, and one
prepared copy per data folder."""

from __future__ import annotations

import subprocess
import sys

import h5py
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds
from conftest import need_data

from dlspec.data.carla import carla_pairs, process_path
from dlspec.data.happy import HAPPY_FILES
from dlspec.data.image_folder import ALPACA_DIR, index_image_folder
from dlspec.data.paths import DATA_DIR_ENV, DataNotFoundError
from dlspec.data.signs import SIGNS_FILES, SIGNS_JPEG_DIR, load_signs
from dlspec.data.tfds_load import dlspec_datasets, load_tfds, register_with_tfds

NAMES = ["dlspec_alpaca", "dlspec_carla", "dlspec_catvnoncat", "dlspec_happy_house", "dlspec_signs"]

#: per dataset: a split, and the (feature, shape, dtype) of its examples
MOCK = {
    "dlspec_alpaca": ("validation", {"image": (None, None, 3), "label": (), "file_name": ()}),
    "dlspec_carla": ("train", {"image": (None, None, 3), "mask": (None, None, 1)}),
    "dlspec_catvnoncat": ("test", {"image": (64, 64, 3), "label": ()}),
    "dlspec_happy_house": ("test", {"image": (64, 64, 3), "label": ()}),
    "dlspec_signs": ("train", {"image": (64, 64, 3), "label": ()}),
}

_FRESH_IMPORT = """
import sys
import dlspec.data
assert "tensorflow" not in sys.modules and "tensorflow_datasets" not in sys.modules
import tensorflow_datasets as tfds
names = sorted(n for n in tfds.list_builders(with_community_datasets=False) if "dlspec" in n)
assert "tensorflow" not in sys.modules, "registering imported TensorFlow"
print(names)
"""


def test_import_dlspec_data_registers_without_tensorflow():
    out = subprocess.run(
        [sys.executable, "-c", _FRESH_IMPORT], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == str(NAMES)


def test_registered_now_when_tfds_is_imported():
    assert register_with_tfds() is True
    assert dlspec_datasets() == NAMES
    for name in NAMES:
        assert tfds.builder_cls(name).name == name


@pytest.mark.parametrize("name", NAMES)
def test_mock_data_needs_no_files(name, tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "no data"))
    split, features = MOCK[name]
    with tfds.testing.mock_data(num_examples=3):
        ds = tfds.load(name, split=split, data_dir=tmp_path / "tfds")
        examples = list(ds)
    assert len(examples) == 3
    for key, shape in features.items():
        tensor = examples[0][key]
        assert len(tensor.shape) == len(shape) and all(
            want is None or got == want for got, want in zip(tensor.shape, shape)
        ), (key, tensor.shape)
        if key in ("image", "mask"):
            assert tensor.dtype == tf.uint8


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """A tfds data_dir where plain ``tfds.load`` prepared the four Course 4 sets from real files."""
    need_data(SIGNS_FILES["test"], SIGNS_JPEG_DIR, HAPPY_FILES["test"], ALPACA_DIR, "course4/carla")
    data_dir = tmp_path_factory.mktemp("tfds")
    for name in ("dlspec_signs", "dlspec_happy_house", "dlspec_alpaca", "dlspec_carla"):
        tfds.builder(name, data_dir=data_dir).download_and_prepare()
    return data_dir


def _splits(name, data_dir) -> dict[str, int]:
    info = tfds.builder(name, data_dir=data_dir).info
    return {split: s.num_examples for split, s in info.splits.items()}


def test_signs_equals_load_signs(prepared):
    assert _splits("dlspec_signs", prepared) == {"train": 1080, "test": 120}
    for split in ("train", "test"):
        ref = load_signs(split)
        arrays = tfds.as_numpy(
            tfds.load("dlspec_signs", split=split, data_dir=prepared, batch_size=-1)
        )
        np.testing.assert_array_equal(arrays["image"], ref.images)
        np.testing.assert_array_equal(arrays["label"], ref.labels)


def test_happy_house_is_what_is_present(prepared):
    assert _splits("dlspec_happy_house", prepared) == {"test": 150}  # no train_happy.h5 here
    arrays = tfds.as_numpy(
        tfds.load("dlspec_happy_house", split="test", data_dir=prepared, batch_size=-1)
    )
    with h5py.File(need_data(HAPPY_FILES["test"])[0]) as f:
        np.testing.assert_array_equal(arrays["image"], f["test_set_x"][:])
        np.testing.assert_array_equal(arrays["label"], f["test_set_y"][:])


def test_alpaca_is_the_courses_split(prepared):
    assert _splits("dlspec_alpaca", prepared) == {"train": 262, "validation": 65}
    folder = need_data(ALPACA_DIR)[0]
    files, labels, _ = index_image_folder(folder, seed=42)  # Keras' file list (tested apart)
    expected = {"train": files[:262], "validation": files[262:]}  # validation_split=0.2: last 65
    for split, paths in expected.items():
        skip = {"image": tfds.decode.SkipDecoding()}  # names only: no JPEG decoding
        ds = tfds.load("dlspec_alpaca", split=split, data_dir=prepared, decoders=skip)
        assert [str(folder / ex["file_name"].decode()) for ex in tfds.as_numpy(ds)] == paths
    first = next(iter(tfds.load("dlspec_alpaca", split="validation[:1]", data_dir=prepared)))
    pixels = tf.io.decode_image(tf.io.read_file(files[262]), channels=3)
    np.testing.assert_array_equal(first["image"], pixels)
    assert int(first["label"]) == labels[262]


def test_carla_masks_are_class_ids(prepared):
    assert _splits("dlspec_carla", prepared) == {"train": 60}
    images, masks = carla_pairs()
    ds = tfds.load("dlspec_carla", split="train[-2:]", data_dir=prepared)
    for example, image_path, mask_path in zip(ds, images[-2:], masks[-2:]):
        image, mask = process_path(image_path, mask_path)
        assert example["file_name"].numpy().decode() == image_path.rsplit("/", 1)[1]
        np.testing.assert_array_equal(example["mask"], mask)
        np.testing.assert_array_equal(
            tf.image.convert_image_dtype(example["image"], tf.float32), image
        )


def _happy_root(root, labels: list[int], *, train: bool = False):
    """A data folder holding a small ``course4/happy/test_happy.h5`` (and train_happy.h5)."""
    folder = root / "course4" / "happy"
    folder.mkdir(parents=True, exist_ok=True)
    for split in ("train", "test") if train else ("test",):
        images = np.stack([np.full((64, 64, 3), 10 * i, np.uint8) for i in range(len(labels))])
        with h5py.File(folder / f"{split}_happy.h5", "w") as f:
            f[f"{split}_set_x"] = images
            f[f"{split}_set_y"] = np.array(labels)
    return root


def _happy_labels(data_dir, split="test") -> list[int]:
    ds = tfds.load("dlspec_happy_house", split=split, data_dir=data_dir, batch_size=-1)
    return tfds.as_numpy(ds)["label"].tolist()


def test_each_data_folder_is_prepared_apart(tmp_path, monkeypatch):
    a = _happy_root(tmp_path / "a", [0, 0, 1])
    b = _happy_root(tmp_path / "b", [1, 1])
    store = tmp_path / "tfds"
    monkeypatch.setenv(DATA_DIR_ENV, str(a))
    assert _happy_labels(store) == [0, 0, 1]
    monkeypatch.setenv(DATA_DIR_ENV, str(b))
    assert _happy_labels(store) == [1, 1]  # B's files, not A's prepared copy
    assert len(list(store.glob("dlspec_happy_house/data_*/1.0.0"))) == 2
    monkeypatch.setenv(DATA_DIR_ENV, str(a))
    assert _happy_labels(store) == [0, 0, 1]  # A's copy read back
    _happy_root(a, [1, 0, 1, 0], train=True)  # the user adds train_happy.h5 (and a new test file)
    assert _happy_labels(store, "train") == [1, 0, 1, 0]
    assert len(list(store.glob("dlspec_happy_house/data_*/1.0.0"))) == 3
    # data_root overrides $DLSPEC_DATA_DIR
    ds = load_tfds("dlspec_happy_house", "test", data_dir=store, data_root=b, batch_size=-1)
    assert tfds.as_numpy(ds)["label"].tolist() == [1, 1]


def test_missing_happy_file_names_it(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    with pytest.raises(DataNotFoundError, match="test_happy.h5"):
        tfds.load("dlspec_happy_house", split="test", data_dir=tmp_path / "tfds")
    assert not list((tmp_path / "tfds").glob("dlspec_happy_house/*/1.0.0"))
