"""CARLA image/mask pairs: pairing and frame order, the course's process_path / preprocess,
the contiguous hold-out split, the tf.data pipelines, and bad files named in clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from conftest import need_data
from PIL import Image

from dlspec.data.carla import (
    CARLA_DIR,
    carla_datasets,
    carla_pairs,
    frame_order_key,
    holdout_split,
    preprocess,
    process_path,
)
from dlspec.data.paths import CorruptDataError, DataNotFoundError

NAMES = ["0.png", "000_0021.png", "000_0029.png", "000_0037.png", "1.png", "2.png", "10.png"]


def block_ids(height: int, width: int) -> np.ndarray:
    """Class ids constant on a 4x4 grid of blocks: id = 4 * block row + block column."""
    rows = np.arange(height) * 4 // height
    cols = np.arange(width) * 4 // width
    return (4 * rows[:, None] + cols[None, :]).astype(np.uint8)


def write_pair(root: Path, name: str, *, size=(256, 192), seed: int = 0, mask_mode="RGB"):
    rng = np.random.default_rng(seed)
    (root / "CameraRGB").mkdir(parents=True, exist_ok=True)
    (root / "CameraMask").mkdir(parents=True, exist_ok=True)
    width, height = size
    pixels = rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(root / "CameraRGB" / name)
    ids = (block_ids(height, width) + seed) % 13
    mask = np.zeros((height, width, 3), np.uint8)
    mask[..., 0] = ids  # the class id in the red channel, as CARLA's masks
    image = Image.fromarray(mask) if mask_mode == "RGB" else Image.fromarray(ids).convert(mask_mode)
    image.save(root / "CameraMask" / name)
    return pixels, ids


@pytest.fixture
def folder(tmp_path) -> Path:
    root = tmp_path / "data"
    for i, name in enumerate(NAMES):
        write_pair(root, name, seed=i)
    return root


def test_pairs_are_matched_and_in_frame_order(folder):
    images, masks = carla_pairs(folder)
    order = ["0.png", "000_0021.png", "000_0029.png", "000_0037.png", "1.png", "2.png", "10.png"]
    assert [Path(p).name for p in images] == order == [Path(p).name for p in masks]
    assert all(Path(p).parent.name == "CameraRGB" for p in images)
    assert all(Path(p).parent.name == "CameraMask" for p in masks)
    # Numbers compare as numbers, so frame 9 precedes frame 10 (plain sorting would not).
    assert sorted(["ep_10.png", "ep_9.png"], key=frame_order_key) == ["ep_9.png", "ep_10.png"]


def test_process_path_is_the_course_decoding(folder):
    pixels, ids = write_pair(folder, "extra.png", seed=3)
    # A green channel too: the course takes the maximum over the channels.
    mask = np.zeros((*ids.shape, 3), np.uint8)
    mask[..., 0], mask[..., 1] = ids, 20 * (ids == 5)
    Image.fromarray(mask).save(folder / "CameraMask" / "extra.png")
    image, decoded = process_path(
        tf.constant(str(folder / "CameraRGB" / "extra.png")),
        tf.constant(str(folder / "CameraMask" / "extra.png")),
    )
    assert image.dtype == tf.float32 and decoded.dtype == tf.uint8
    np.testing.assert_allclose(image.numpy(), pixels / 255.0, atol=1e-6)
    np.testing.assert_array_equal(decoded.numpy()[..., 0], np.maximum(ids, 20 * (ids == 5)))


def test_preprocess_resizes_nearest_keeping_class_ids():
    ids = block_ids(192, 256)
    image, mask = preprocess(tf.zeros((192, 256, 3)), tf.constant(ids[..., None]))
    assert image.shape == (96, 128, 3) and mask.shape == (96, 128, 1)
    assert mask.dtype == tf.uint8
    # Halving the size: every output pixel comes from its own block, so ids are exact.
    np.testing.assert_array_equal(mask.numpy()[..., 0], block_ids(96, 128))


def test_holdout_is_the_last_contiguous_block():
    images = [f"{i}.png" for i in range(10)]
    (train, train_masks), (test, test_masks) = holdout_split(images, list(images), n_test=3)
    assert train == images[:7] and test == images[7:] and test_masks == test
    for n_test in (0, 10, -1):
        with pytest.raises(ValueError, match="n_test must be between 1 and 9"):
            holdout_split(images, images, n_test=n_test)
    with pytest.raises(TypeError, match="n_test must be an int"):
        holdout_split(images, images, n_test=2.5)
    with pytest.raises(ValueError, match="must pair up"):
        holdout_split(images, images[:-1])


def test_datasets_shapes_split_counts_and_seeded_order(folder):
    data = carla_datasets(folder, n_test=2, batch_size=2, seed=5)
    assert [Path(p).name for p in data.test_files] == ["2.png", "10.png"]
    assert len(data.train_files) == 5 and not set(data.train_files) & set(data.test_files)
    x, y = next(iter(data.train))
    assert x.shape == (2, 96, 128, 3) and x.dtype == tf.float32
    assert y.shape == (2, 96, 128, 1) and y.dtype == tf.uint8
    assert 0.0 <= float(tf.reduce_min(x)) and float(tf.reduce_max(x)) <= 1.0
    assert data.train_counts.sum() == 5 * 96 * 128 and data.test_counts.sum() == 2 * 96 * 128
    assert data.test_counts.shape == (23,)

    def first_epochs(seed):
        ds = carla_datasets(folder, n_test=2, batch_size=5, seed=seed).train
        return [np.round(next(iter(ds))[0].numpy().sum(axis=(1, 2, 3)), 3) for _ in range(2)]

    run1, run2 = first_epochs(5), first_epochs(5)
    np.testing.assert_array_equal(run1[0], run2[0])  # same seed: same order
    np.testing.assert_array_equal(run1[1], run2[1])
    assert not np.array_equal(run1[0], run1[1])  # reshuffled each epoch
    np.testing.assert_allclose(np.sort(run1[0]), np.sort(run1[1]), rtol=1e-6)  # same pairs


@pytest.mark.parametrize("mode", ["RGBA", "L", "P"])
def test_other_image_modes_are_decoded_to_rgb(folder, mode):
    """Documented handling: any PNG colour mode of an image becomes 3 channels."""
    rgb = Image.open(folder / "CameraRGB" / "0.png")
    rgb.convert(mode).save(folder / "CameraRGB" / "0.png")
    data = carla_datasets(folder, n_test=1, batch_size=7, seed=0)
    x, _ = next(iter(data.train))
    assert x.shape[-1] == 3


@pytest.mark.parametrize("mode", ["L", "RGBA"])
def test_grey_and_rgba_masks_hold_class_ids(tmp_path, mode):
    _, ids = write_pair(tmp_path, "a.png", mask_mode=mode)
    _, mask = process_path(
        tf.constant(str(tmp_path / "CameraRGB" / "a.png")),
        tf.constant(str(tmp_path / "CameraMask" / "a.png")),
    )
    np.testing.assert_array_equal(mask.numpy()[..., 0], ids)


def test_missing_partner_names_the_file(folder):
    (folder / "CameraMask" / "000_0029.png").unlink()
    with pytest.raises(CorruptDataError, match=r"CameraMask/000_0029\.png is missing"):
        carla_pairs(folder)
    (folder / "CameraRGB" / "000_0029.png").unlink()
    (folder / "CameraRGB" / "1.png").unlink()
    with pytest.raises(CorruptDataError, match=r"CameraRGB/1\.png is missing"):
        carla_pairs(folder)


def test_not_a_png_names_the_file(folder):
    (folder / "CameraRGB" / "1.png").write_bytes(b"GIF89a not a png")
    with pytest.raises(CorruptDataError, match=r"CameraRGB/1\.png does not start like a PNG"):
        carla_pairs(folder)
    (folder / "CameraRGB" / "1.png").write_bytes(b"")
    with pytest.raises(CorruptDataError, match=r"1\.png is empty"):
        carla_pairs(folder)


def test_truncated_png_names_the_file(folder):
    path = folder / "CameraMask" / "000_0021.png"
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(CorruptDataError, match=r"Cannot decode the PNG file .*000_0021\.png"):
        carla_datasets(folder, n_test=2)


def test_size_mismatch_and_palette_mask_are_refused(folder):
    Image.new("RGB", (128, 96)).save(folder / "CameraMask" / "2.png")
    with pytest.raises(ValueError, match=r"2\.png is 256x192 \(WxH\) but its mask .* is 128x96"):
        carla_pairs(folder)
    write_pair(folder, "2.png", seed=2, mask_mode="P")
    with pytest.raises(CorruptDataError, match=r"2\.png has PNG mode 'P'"):
        carla_pairs(folder)


def test_class_id_beyond_n_classes_names_the_mask(folder):
    with pytest.raises(ValueError, match=r"mask .*\.png holds class id 12, but .* n_classes=5"):
        carla_datasets(folder, n_test=2, n_classes=5)


def test_bad_arguments_and_missing_folders(folder, tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        carla_datasets(folder, batch_size=0)
    with pytest.raises(DataNotFoundError, match="CameraMask is not a folder"):
        (tmp_path / "only_rgb" / "CameraRGB").mkdir(parents=True)
        carla_pairs(tmp_path / "only_rgb")
    monkeypatch.setenv("DLSPEC_DATA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(DataNotFoundError, match="course4/carla/CameraRGB"):
        carla_pairs()


def test_the_stand_in_pairs():
    need_data(f"{CARLA_DIR}/CameraRGB", f"{CARLA_DIR}/CameraMask")
    data = carla_datasets(batch_size=16)
    names = [Path(p).name for p in data.test_files]
    assert len(data.train_files) == 48 and len(names) == 12
    assert names[:10] == [f"000_{i:04d}.png" for i in range(397, 470, 8)]
    assert names[10:] == ["1.png", "2.png"]
    assert Path(data.train_files[0]).name == "0.png"
    # CARLA 0.8 tags only (ids 0-12); "None" (0) is the most frequent training class.
    assert data.train_counts[13:].sum() == 0 and int(np.argmax(data.train_counts)) == 0
    assert data.test_counts[0] / data.test_counts.sum() == pytest.approx(0.218, abs=0.002)
