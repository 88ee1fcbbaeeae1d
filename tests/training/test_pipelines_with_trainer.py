"""Every dlspec data pipeline feeds Trainer, with the course model it feeds, as model.fit would.

Labels and predictions are aligned as ``model.fit`` aligns them (``(None,)`` labels against a
``Dense(1)`` output, sparse against one-hot, masks ``(b, H, W, 1)`` against per-pixel logits),
so each case also checks that Trainer's first-step loss equals ``model.evaluate``'s.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from dlspec.cnn.convolution_application import convolutional_model, happyModel
from dlspec.cnn.segmentation.image_segmentation import segmentation_loss
from dlspec.data.arrays import course_arrays_dataset
from dlspec.data.carla import carla_datasets
from dlspec.data.catvnoncat import CATVNONCAT_FILES, catvnoncat_tf_dataset
from dlspec.data.happy import happy_tf_dataset, load_happy_dataset
from dlspec.data.image_folder import image_folder_dataset
from dlspec.data.signs import signs_tf_dataset
from dlspec.foundations.keras_models import dense_network, logistic_regression_model
from dlspec.optimization.gradient_health import GradientHealthRecorder
from dlspec.training import Trainer
from tests.conftest import need_data


def _small(ds: tf.data.Dataset, batches: int = 2) -> tf.data.Dataset:
    """The first batches, frozen (the pipelines reshuffle on every pass)."""
    return ds.take(batches).cache()


def _catvnoncat(tmp: Path):
    need_data(*CATVNONCAT_FILES.values())
    ds = catvnoncat_tf_dataset(batch_size=8, flatten=True)
    return _small(ds), lambda: logistic_regression_model(), "binary_crossentropy"


def _catvnoncat_images(tmp: Path):
    need_data(*CATVNONCAT_FILES.values())
    ds = catvnoncat_tf_dataset(batch_size=8)

    def model():
        return keras.Sequential(
            [keras.Input((64, 64, 3)), keras.layers.Flatten(), keras.layers.Dense(1, "sigmoid")]
        )

    return _small(ds), model, "binary_crossentropy"


def _signs(one_hot: bool, loss: str):
    def case(tmp: Path):
        need_data("course4/signs/test_signs.h5")
        ds = signs_tf_dataset("test", batch_size=8, one_hot=one_hot)
        return _small(ds), lambda: convolutional_model((64, 64, 3)), loss

    return case


def _happy(tmp: Path):
    need_data("course4/happy/test_happy.h5")
    split = load_happy_dataset()
    ds = happy_tf_dataset(split.X_train[:16], split.Y_train[:16], batch_size=8)
    return _small(ds), happyModel, "binary_crossentropy"


def _subset(folder: Path, tmp: Path, per_folder: int) -> Path:
    """A copy of ``folder`` with the first files of each sub-folder (symbolic links)."""
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        (tmp / sub.name).mkdir(parents=True)
        for file in sorted(sub.iterdir())[:per_folder]:
            (tmp / sub.name / file.name).symlink_to(file)
    return tmp


def _carla(tmp: Path):
    (folder,) = need_data("course4/carla")
    data = carla_datasets(_subset(folder, tmp, 4), n_test=2, batch_size=2)

    def model():  # the U-Net's head (per-pixel logits over 23 classes), to keep this fast
        return keras.Sequential([keras.Input((96, 128, 3)), keras.layers.Conv2D(23, 1)])

    return _small(data.train, 1), model, segmentation_loss()


def _image_folder(tmp: Path):
    (folder,) = need_data("course4/alpaca")
    ds = image_folder_dataset(_subset(folder, tmp, 4), image_size=(32, 32), batch_size=4, seed=0)

    def model():
        return keras.Sequential(
            [
                keras.Input((32, 32, 3)),
                keras.layers.Rescaling(1 / 255),
                keras.layers.Flatten(),
                keras.layers.Dense(1),
            ]
        )

    return _small(ds), model, keras.losses.BinaryCrossentropy(from_logits=True)


def _course_arrays(tmp: Path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2, 40)).astype("float32")
    Y = (X[:1] > 0).astype("float32")
    ds = course_arrays_dataset(X, Y, batch_size=16)
    return ds, lambda: dense_network([2, 3, 1], seed=0), "binary_crossentropy"


CASES = {
    "catvnoncat-flat": _catvnoncat,
    "catvnoncat-images": _catvnoncat_images,
    "signs-sparse": _signs(False, "sparse_categorical_crossentropy"),
    "signs-one-hot": _signs(True, "categorical_crossentropy"),
    "signs-crossentropy-auto": _signs(False, "crossentropy"),
    "happy": _happy,
    "carla": _carla,
    "image-folder": _image_folder,
    "course-arrays": _course_arrays,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_pipeline_trains_with_trainer_like_model_fit(name, tmp_path):
    """Trainer runs the course model on the pipeline, and its loss before any update (the
    evaluation of the same weights) is model.evaluate's: the shapes are aligned as Keras does."""
    dataset, make_model, loss = CASES[name](tmp_path)
    keras.utils.set_random_seed(0)
    trainer = Trainer(make_model, optimizer="adam", loss=loss, metrics=["accuracy"], verbose=0)
    ours = trainer.evaluate(dataset)
    model = trainer.model
    model.compile(loss=loss, metrics=["accuracy"])
    keras_logs = model.evaluate(dataset, verbose=0, return_dict=True)
    assert ours["loss"] == pytest.approx(keras_logs["loss"], rel=1e-4)
    assert ours["accuracy"] == pytest.approx(keras_logs["accuracy"], abs=1e-6)
    history = trainer.fit(dataset, epochs=1)
    assert np.isfinite(history["loss"][0])


def test_gradient_health_recorder_aligns_labels_as_model_fit():
    """(None,) labels against a (None, 1) sigmoid output: the recorder's loss is Keras' loss."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 3)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")  # shape (8,)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, "sigmoid")])
    recorder = GradientHealthRecorder(model, (x, y), "binary_crossentropy")
    norms = recorder.measure()
    assert all(np.all(np.isfinite(v)) for v in norms.values())
