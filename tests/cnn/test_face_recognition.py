"""C4W4A1 face recognition (lab c4w4-face): triplet_loss, img_to_encoding, verify, who_is_it.

FaceNet's trained weights are not available offline, so the encoder here is a transparent
one (pixels flattened: the encoding is the unit pixel vector) whose distances NumPy can
compute; FaceNet itself is tested in test_facenet.py, the triplet-trained digits encoder in
test_triplet_training.py.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import need_data
from PIL import Image

from dlspec.cnn.faces import face_recognition as fr
from dlspec.cnn.golden.face_recognition import CASES, WEIGHT_CASES_INCLUDED, weight_cases
from dlspec.data.paths import CorruptDataError, data_path
from dlspec.grading import run_case
from dlspec.weights import WeightsNotFoundError

FACES = "course4/faces/images"


def test_weight_dependent_cases_only_with_weights():
    labels = [c.label for c in CASES["c4w4-face"]]
    assert any("FaceNet weights" in label for label in labels) == WEIGHT_CASES_INCLUDED


def test_triplet_loss_matches_numpy():
    rng = np.random.default_rng(0)
    a, p, n = (rng.normal(size=(5, 128)).astype("float32") for _ in range(3))
    want = np.maximum(((a - p) ** 2).sum(-1) - ((a - n) ** 2).sum(-1) + 0.2, 0).sum()
    got = fr.triplet_loss(None, (tf.constant(a), tf.constant(p), tf.constant(n)))
    assert got.shape == () and float(got) == pytest.approx(want, rel=1e-5)
    assert float(fr.triplet_loss(None, (a, a, n), alpha=0.0)) == 0.0


def test_triplet_loss_bad_input():
    with pytest.raises(ValueError, match="anchor, positive, negative"):
        fr.triplet_loss(None, (np.zeros((2, 3)), np.zeros((2, 3))))
    with pytest.raises(ValueError, match="must have one shape"):
        fr.triplet_loss(None, (np.zeros((2, 3)), np.zeros((2, 3)), np.zeros((2, 4))))


def _pixels_encoder(size=8, channels=1) -> keras.Model:
    """Encoding = flattened pixels (img_to_encoding divides by the norm)."""
    return keras.Sequential([keras.Input((size, size, channels)), keras.layers.Flatten()])


def _reference_encoding(pixels: np.ndarray) -> np.ndarray:
    v = np.around(pixels.astype(np.float64) / 255.0, 12).reshape(1, -1)
    return v / np.linalg.norm(v)


def test_img_to_encoding_follows_the_course_on_a_face():
    (danielle,) = need_data(f"{FACES}/danielle.png")
    model = _pixels_encoder(160, 3)
    # the course's loader: keras.utils.load_img(path, target_size=(160, 160))
    pixels = np.asarray(keras.utils.load_img(danielle, target_size=(160, 160)))
    got = fr.img_to_encoding(danielle, model)
    assert got.shape == (1, 160 * 160 * 3)
    np.testing.assert_allclose(got, _reference_encoding(pixels), rtol=1e-5, atol=1e-7)
    assert np.linalg.norm(got) == pytest.approx(1.0, rel=1e-5)


def test_rgba_alpha_is_dropped_and_grayscale_converted(tmp_path):
    (danielle,) = need_data(f"{FACES}/danielle.png")
    with Image.open(danielle) as img:
        assert img.mode == "RGBA" and img.size == (96, 96)
        rgb = np.asarray(img.convert("RGB"))
    loaded = fr.load_face_image(danielle, (96, 96))
    np.testing.assert_array_equal(loaded, rgb)
    gray = np.arange(64, dtype=np.uint8).reshape(8, 8) * 4
    Image.fromarray(gray).save(tmp_path / "gray.png")
    as_rgb = fr.load_face_image(tmp_path / "gray.png", (8, 8), channels=3)
    np.testing.assert_array_equal(as_rgb, np.repeat(gray[..., None], 3, axis=2))
    colour = np.zeros((8, 8, 3), np.uint8)
    colour[..., 0] = 255
    as_gray = fr.load_face_image(colour, (8, 8), channels=1)
    assert as_gray.shape == (8, 8, 1) and np.all(as_gray == 76)  # ITU-R 601 luma of red
    resized = fr.load_face_image(tmp_path / "gray.png", (16, 16), channels=1)
    np.testing.assert_array_equal(resized[::2, ::2, 0], gray)  # nearest neighbour


def test_bad_images_are_clear(tmp_path):
    with pytest.raises(FileNotFoundError, match="No image file"):
        fr.load_face_image(tmp_path / "nobody.jpg", (8, 8))
    (tmp_path / "fake.jpg").write_bytes(b"not an image")
    with pytest.raises(CorruptDataError, match="fake.jpg"):
        fr.img_to_encoding(tmp_path / "fake.jpg", _pixels_encoder())
    Image.fromarray(np.full((8, 8), 40000, np.uint16)).save(tmp_path / "deep.png")
    with pytest.raises(ValueError, match="16-bit or floating point"):
        fr.load_face_image(tmp_path / "deep.png", (8, 8))
    with pytest.raises(ValueError, match="must be uint8"):
        fr.load_face_image(np.zeros((8, 8, 3), np.float32), (8, 8))
    with pytest.raises(ValueError, match="1, 3 or 4 channels"):
        fr.load_face_image(np.zeros((8, 8, 2), np.uint8), (8, 8))
    free = keras.Sequential([keras.Input((None, None, 3)), keras.layers.GlobalAveragePooling2D()])
    with pytest.raises(ValueError, match="fixed size"):
        fr.img_to_encoding(np.zeros((8, 8, 3), np.uint8), free)
    with pytest.raises(ValueError, match="zero or non-finite"):
        fr.img_to_encoding(np.zeros((8, 8), np.uint8), _pixels_encoder())


@pytest.fixture
def door(tmp_path):
    """Three 8×8 'people' as PNG files and their database under the pixel encoder."""
    rng = np.random.default_rng(0)
    people = {  # sparse random faces, far apart (distances above 1)
        name: (rng.integers(0, 256, (8, 8)) * (rng.random((8, 8)) < 0.3)).astype(np.uint8)
        for name in ("ann", "bo", "cy")
    }
    paths = {}
    for name, pixels in people.items():
        paths[name] = tmp_path / f"{name}.png"
        Image.fromarray(pixels).save(paths[name])
    model = _pixels_encoder()
    files = {name: path.name for name, path in paths.items()}
    database = fr.build_database(model, folder=tmp_path, files=files)
    return model, database, people, paths


def test_verify_distances_threshold_and_messages(door, tmp_path, capsys):
    model, database, people, paths = door
    noisy = np.clip(people["ann"].astype(int) + 3, 0, 255).astype(np.uint8)
    Image.fromarray(noisy).save(tmp_path / "camera.png")
    for name in people:
        dist, door_open = fr.verify(tmp_path / "camera.png", name, database, model)
        want = np.linalg.norm(_reference_encoding(noisy) - _reference_encoding(people[name]))
        assert dist == pytest.approx(want, rel=1e-5)
        assert door_open is bool(want < fr.THRESHOLD)
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "It's ann, welcome in!",
        "It's not bo, please go away",
        "It's not cy, please go away",
    ]


def test_who_is_it_finds_the_closest_or_nobody(door, tmp_path, capsys):
    model, database, people, paths = door
    dist, identity = fr.who_is_it(paths["bo"], database, model)
    assert identity == "bo" and dist == pytest.approx(0.0, abs=1e-6)
    assert capsys.readouterr().out.startswith("it's bo, the distance is ")
    stranger = np.zeros((8, 8), np.uint8)
    stranger[0, 0] = 255  # a single bright pixel: far from every random face
    dist, identity = fr.who_is_it(stranger, database, model)
    encs = {k: _reference_encoding(v) for k, v in people.items()}
    dists = {k: np.linalg.norm(_reference_encoding(stranger) - e) for k, e in encs.items()}
    assert identity == min(dists, key=dists.get) and dist == pytest.approx(min(dists.values()))
    assert dist > fr.THRESHOLD and capsys.readouterr().out == "Not in the database.\n"


def test_database_errors(door):
    model, database, _, paths = door
    with pytest.raises(KeyError, match="'dee' is not in the database"):
        fr.verify(paths["ann"], "dee", database, model)
    with pytest.raises(ValueError, match="non-empty dict"):
        fr.who_is_it(paths["ann"], {}, model)
    mixed = {**database, "bo": np.zeros((1, 128), np.float32)}
    with pytest.raises(ValueError, match=r"database\['bo'\] has an encoding of shape \(1, 128\)"):
        fr.who_is_it(paths["ann"], mixed, model)
    with pytest.raises(ValueError, match="built with another model"):
        fr.verify(paths["ann"], "ann", mixed, model)


def test_course_database_of_twelve_people():
    need_data(FACES)
    database = fr.build_database(_pixels_encoder(16, 3))
    assert sorted(database) == sorted(fr.DATABASE_FILES) and len(database) == 12
    assert all(enc.shape == (1, 16 * 16 * 3) for enc in database.values())
    assert fr.DATABASE_FILES["danielle"] == "danielle.png"
    folder = data_path(FACES)
    dist, identity = fr.who_is_it(folder / "younes.jpg", database, _pixels_encoder(16, 3))
    assert identity == "younes" and dist == pytest.approx(0.0, abs=1e-6)


def test_weight_cases_fail_loudly_without_the_weights(tmp_path):
    for case in weight_cases(tmp_path / "missing.h5"):
        with pytest.raises(WeightsNotFoundError, match="missing.h5 does not exist"):
            run_case(case, fr)
