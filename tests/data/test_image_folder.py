"""image_folder_dataset: Keras' files, split, labels and pixels; seeded order; corrupt files."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import need_data
from PIL import Image

from dlspec.data.image_folder import (
    ALPACA_DIR,
    alpaca_datasets,
    image_folder_dataset,
    index_image_folder,
)
from dlspec.data.paths import CorruptDataError, DataNotFoundError


def make_folder(root: Path) -> Path:
    """3 classes, 21 images of varied sizes and formats, a nested folder, and files to skip."""
    rng = np.random.default_rng(0)
    for label, name in enumerate(["cat", "dog", "not a pet"]):
        for i in range(7):
            size = (int(rng.integers(20, 50)), int(rng.integers(20, 50)))
            pixels = rng.integers(0, 256, size=(*size, 3), dtype=np.uint8)
            folder = root / name / ("nested" if i == 6 else "")
            folder.mkdir(parents=True, exist_ok=True)
            ext = ["jpg", "png", "JPEG", "bmp"][i % 4]
            Image.fromarray(pixels).save(folder / f"{label}_{i}.{ext}")
        (root / name / "notes.txt").write_text("not an image")
    (root / ".hidden").mkdir()
    Image.new("RGB", (8, 8)).save(root / ".hidden" / "skipped.png")
    return root


@pytest.fixture
def folder(tmp_path) -> Path:
    return make_folder(tmp_path / "pets")


def keras_dataset(directory, **kwargs):
    return keras.utils.image_dataset_from_directory(str(directory), verbose=False, **kwargs)


def as_arrays(ds) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = zip(*[(x.numpy(), y.numpy()) for x, y in ds])
    return np.concatenate(xs), np.concatenate(ys)


def test_same_files_split_labels_and_pixels_as_keras(folder):
    args = dict(image_size=(24, 32), batch_size=4, validation_split=0.25, seed=3)
    train, val = image_folder_dataset(folder, subset="both", **args)
    k_train, k_val = keras_dataset(folder, subset="both", **args)
    assert train.file_paths == k_train.file_paths and val.file_paths == k_val.file_paths
    assert len(train.file_paths) == 16 and len(val.file_paths) == 5  # int(0.25 * 21) = 5
    assert train.class_names == ["cat", "dog", "not a pet"] == k_train.class_names

    # Validation is not reshuffled (as in Keras): same pixels and labels, batch for batch.
    x, y = as_arrays(val)
    kx, ky = as_arrays(k_val)
    np.testing.assert_array_equal(y, ky)
    np.testing.assert_allclose(x, kx, atol=1e-4)
    assert x.dtype == np.float32 and x.shape == (5, 24, 32, 3) and y.dtype == np.int32

    # Training is reshuffled: compare as sets of (label, pixel sum) pairs.
    x, y = as_arrays(train)
    kx, ky = as_arrays(k_train)
    ours = sorted(zip(y.tolist(), np.round(x.sum(axis=(1, 2, 3)), 1).tolist()))
    theirs = sorted(zip(ky.tolist(), np.round(kx.sum(axis=(1, 2, 3)), 1).tolist()))
    assert ours == theirs


def test_one_subset_at_a_time_and_unshuffled_order(folder):
    train = image_folder_dataset(
        folder, image_size=(8, 8), validation_split=0.25, subset="training", seed=3
    )
    val = image_folder_dataset(
        folder, image_size=(8, 8), validation_split=0.25, subset="validation", seed=3
    )
    assert not set(train.file_paths) & set(val.file_paths)
    assert len(train.file_paths) + len(val.file_paths) == 21

    ordered = image_folder_dataset(folder, image_size=(8, 8), batch_size=5, shuffle=False)
    paths, labels, _ = index_image_folder(folder, shuffle=False)
    assert ordered.file_paths == paths
    assert [Path(p).name for p in paths[:7]] == [
        *("0_0.jpg", "0_1.png", "0_2.JPEG", "0_3.bmp", "0_4.jpg", "0_5.png", "0_6.JPEG")
    ]
    assert Path(paths[6]).parent.name == "nested"  # subfolders after the class folder's files
    _, y = as_arrays(ordered)
    assert y.tolist() == labels.tolist() == [0] * 7 + [1] * 7 + [2] * 7


def test_seeded_epochs_are_reproducible_and_reshuffled(folder):
    def epochs(seed):
        ds = image_folder_dataset(folder, image_size=(8, 8), batch_size=21, seed=seed)
        return [next(iter(ds))[0].numpy().sum(axis=(1, 2, 3)) for _ in range(2)]

    first, second = epochs(1), epochs(1)
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    assert not np.array_equal(first[0], first[1])  # each epoch has its own order


@pytest.mark.parametrize(
    "label_mode, shape, dtype",
    [("binary", (4, 1), tf.float32), ("categorical", (4, 3), tf.float32), (None, None, None)],
)
def test_label_modes_color_modes_and_batch_map(folder, label_mode, shape, dtype):
    classes = ["cat", "dog"] if label_mode == "binary" else None
    ds = image_folder_dataset(
        folder,
        image_size=(10, 12),
        batch_size=4,
        label_mode=label_mode,
        class_names=classes,
        seed=0,
        batch_map=(lambda x: x / 255.0) if label_mode is None else (lambda x, y: (x / 255.0, y)),
    )
    batch = next(iter(ds))
    images = batch if label_mode is None else batch[0]
    assert images.shape == (4, 10, 12, 3) and float(tf.reduce_max(images)) <= 1.0
    if label_mode is not None:
        assert batch[1].shape == shape and batch[1].dtype == dtype


def test_grayscale(tmp_path):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        Image.new("RGB", (9, 9), (200, 10, 10)).save(tmp_path / name / "x.png")
    (x, _), *_ = image_folder_dataset(tmp_path, image_size=(4, 4), color_mode="grayscale", seed=0)
    assert x.shape == (2, 4, 4, 1)
    (kx, _), *_ = keras_dataset(tmp_path, image_size=(4, 4), color_mode="grayscale", seed=0)
    np.testing.assert_allclose(x, kx)


def test_cache_makes_later_epochs_read_no_files(folder, tmp_path):
    ds = image_folder_dataset(folder, image_size=(8, 8), seed=0)  # verify pass fills the cache
    (folder / "cat" / "0_0.jpg").unlink()  # gone from disk: only the cache can serve it
    assert sum(int(tf.shape(x)[0]) for x, _ in ds) == 21
    on_disk = image_folder_dataset(folder, image_size=(8, 8), seed=0, cache=str(tmp_path / "c"))
    assert sum(int(tf.shape(x)[0]) for x, _ in on_disk) == 20
    assert list(tmp_path.glob("c*"))


@pytest.mark.parametrize(
    "spoil, match",
    [
        (lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 3]), "Cannot decode"),
        (lambda p: p.write_bytes(b"<html>not found</html>"), "does not start like an image"),
        (lambda p: p.write_bytes(b""), "is empty"),
    ],
    ids=["truncated", "not-an-image", "empty"],
)
def test_corrupt_image_is_named(folder, spoil, match):
    bad = folder / "dog" / "1_4.jpg"
    spoil(bad)
    with pytest.raises(CorruptDataError, match=match) as info:
        image_folder_dataset(folder, image_size=(8, 8), seed=0)
    assert str(bad) in str(info.value)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(validation_split=0.2), ValueError, "go together"),
        (dict(subset="training"), ValueError, "go together"),
        (dict(validation_split=0.2, subset="training", seed=None), ValueError, "Pass a seed"),
        (dict(validation_split=1.5, subset="training"), ValueError, "between 0 and 1"),
        (dict(subset="test", validation_split=0.2), ValueError, "subset must be"),
        (dict(label_mode="sparse"), ValueError, "label_mode must be"),
        (dict(label_mode="binary"), ValueError, "exactly 2 classes"),
        (dict(color_mode="cmyk"), ValueError, "color_mode must be"),
        (dict(image_size=(0, 8)), ValueError, "image_size must be"),
        (dict(batch_size=0), ValueError, "batch_size"),
        (dict(class_names=["cat", "horse"]), ValueError, r"\['horse'\] are not subfolders"),
    ],
)
def test_bad_arguments(folder, kwargs, error, match):
    with pytest.raises(error, match=match):
        image_folder_dataset(folder, **{"seed": 0, **kwargs})


def test_missing_or_empty_folder(tmp_path):
    with pytest.raises(DataNotFoundError, match="Image folder not found"):
        image_folder_dataset(tmp_path / "nowhere")
    (tmp_path / "empty" / "cls").mkdir(parents=True)
    with pytest.raises(ValueError, match="No images"):
        image_folder_dataset(tmp_path / "empty")


def test_alpaca_split_is_the_course_split():
    """The course's call on the real folder: 262 / 65 images, the same files as Keras."""
    (root,) = need_data(ALPACA_DIR)
    train, val = alpaca_datasets(verify=False, cache=False)
    assert (len(train.file_paths), len(val.file_paths)) == (262, 65)
    assert train.class_names == ["alpaca", "not alpaca"]
    k_train, k_val = keras_dataset(
        root,
        shuffle=True,
        batch_size=32,
        image_size=(160, 160),
        validation_split=0.2,
        subset="both",
        seed=42,
    )
    assert train.file_paths == k_train.file_paths and val.file_paths == k_val.file_paths
    assert int(train.cardinality()) == 9 and int(val.cardinality()) == 3
    x, y = next(iter(train))
    assert x.shape == (32, 160, 160, 3) and x.dtype == tf.float32 and y.dtype == tf.int32
