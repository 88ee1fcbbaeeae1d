"""FaceNet (Inception-ResNet v1, the keras-facenet port) built in code, and its weights."""

from __future__ import annotations

import h5py
import keras
import numpy as np
import pytest
from keras.src.legacy.saving.legacy_h5_format import save_weights_to_hdf5_group

from dlspec.cnn.faces import facenet
from dlspec.weights import WEIGHTS_DIR_ENV, UntrainedBackboneWarning, WeightsNotFoundError

# Keras' legacy h5 writer converts TF variables with np.array(x, copy=False) (NumPy 2 warns)
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


@pytest.fixture(scope="module")
def model():
    """The 22.8 M-parameter FaceNet, built once for the module (about 10 s)."""
    return facenet.InceptionResNetV1()


def _count(weights) -> int:
    return sum(int(np.prod(w.shape)) for w in weights)


def test_course_parameter_counts_and_shapes(model):
    assert model.name == "inception_resnet_v1"
    assert tuple(model.inputs[0].shape) == (None, 160, 160, 3)
    assert tuple(model.outputs[0].shape) == (None, 128)
    assert model.count_params() == 22_808_144
    assert _count(model.trainable_weights) == 22_779_312
    assert _count(model.non_trainable_weights) == 28_832


def test_layer_names_and_structure_follow_the_port(model):
    names = [layer.name for layer in model.layers]
    for name in (
        "Conv2d_1a_3x3",
        "Conv2d_1a_3x3_BatchNorm",
        "Conv2d_1a_3x3_Activation",
        "MaxPool_3a_3x3",
        "Conv2d_4b_3x3",
        "Block35_5_Branch_2_Conv2d_0c_3x3",
        "Mixed_6a_Branch_1_Conv2d_1a_3x3",
        "Mixed_6a",
        "Block17_10_Branch_1_Conv2d_0c_7x1",
        "Mixed_7a_Branch_2_Conv2d_1a_3x3",
        "Mixed_7a",
        "Block8_6_Conv2d_1x1",
        "AvgPool",
        "Dropout",
        "Bottleneck",
        "Bottleneck_BatchNorm",
    ):
        assert name in names, name
    for block, count in (("Block35", 5), ("Block17", 10), ("Block8", 6)):
        assert sum(n.startswith(block) and n.endswith("_Concatenate") for n in names) == count
    assert "Block8_6_Activation" not in names and "Block8_5_Activation" in names
    scales = {
        layer.name.split("_")[0]: layer.scale
        for layer in model.layers
        if isinstance(layer, facenet.ResidualScale) and not layer.name.startswith("Block8_6")
    }
    assert scales == pytest.approx({"Block35": 0.17, "Block17": 0.1, "Block8": 0.2})
    assert model.get_layer("Block8_6_ScaleResidual").scale == 1.0
    bn = model.get_layer("Block17_3_Branch_0_Conv2d_1x1_BatchNorm")
    assert (bn.momentum, bn.epsilon, bn.scale, bn.center) == (0.995, 0.001, False, True)
    assert not model.get_layer("Block17_3_Branch_0_Conv2d_1x1").use_bias
    assert model.get_layer("Block17_3_Conv2d_1x1").use_bias  # the up-projection has a bias
    assert not model.get_layer("Bottleneck").use_bias
    assert model.get_layer("Dropout").rate == pytest.approx(0.2)
    assert tuple(model.get_layer("Mixed_6a").output.shape) == (None, 8, 8, 896)
    assert tuple(model.get_layer("Mixed_7a").output.shape) == (None, 3, 3, 1792)


def test_forward_pass_gives_finite_embeddings(model):
    x = np.random.default_rng(0).uniform(size=(2, 160, 160, 3)).astype("float32")
    out = model(x, training=False).numpy()
    assert out.shape == (2, 128) and np.all(np.isfinite(out))


def test_legacy_h5_weights_load_by_name(model, tmp_path):
    """A Keras 2 h5 weights file (the port's / the course's format), its layers listed in
    another order, loads by name; every layer comes back exactly."""
    path = tmp_path / "facenet_keras_weights.h5"
    with h5py.File(path, "w") as f:
        save_weights_to_hdf5_group(f, model)
        f.attrs["layer_names"] = f.attrs["layer_names"][::-1]
    saved = {w.path: w.numpy().copy() for w in model.weights}
    for layer in ("Conv2d_1a_3x3", "Block17_4_Conv2d_1x1", "Bottleneck_BatchNorm"):
        for w in model.get_layer(layer).weights:
            w.assign(np.zeros(w.shape, w.dtype))
    facenet.load_facenet_weights(model, path)
    for w in model.weights:
        np.testing.assert_array_equal(w.numpy(), saved[w.path])


def test_weight_files_are_found_where_the_course_keeps_them(model, tmp_path, monkeypatch):
    monkeypatch.setenv(WEIGHTS_DIR_ENV, str(tmp_path))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr(facenet, "InceptionResNetV1", lambda: model)
    with pytest.raises(WeightsNotFoundError, match="keras-facenet-h5/model.h5"):
        facenet.facenet_model("facenet")
    target = tmp_path / "keras-facenet-h5" / "model.h5"
    target.parent.mkdir()
    with h5py.File(target, "w") as f:
        save_weights_to_hdf5_group(f, model)
    got, resolved = facenet.facenet_model("facenet")
    assert got is model and resolved.path == target and "course's weights" in str(resolved)
    _, resolved = facenet.facenet_model(target)
    assert resolved.source == "argument"


def test_untrained_is_loud_and_bad_files_are_clear(model, tmp_path, monkeypatch):
    monkeypatch.setattr(facenet, "InceptionResNetV1", lambda: model)
    with pytest.warns(UntrainedBackboneWarning, match="face encodings are untrained"):
        _, resolved = facenet.facenet_model(None)
    assert resolved is None
    with pytest.raises(WeightsNotFoundError, match="missing.h5 does not exist"):
        facenet.facenet_model(tmp_path / "missing.h5")
    text = tmp_path / "notes.h5"
    text.write_text("not hdf5")
    with pytest.raises(ValueError, match="Cannot read the weights file"):
        facenet.load_facenet_weights(model, text)
    other = tmp_path / "other.h5"
    small = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="Bottleneck")])
    with h5py.File(other, "w") as f:
        save_weights_to_hdf5_group(f, small)
    with pytest.raises(ValueError, match=r"lacks \d+ of FaceNet's layers"):
        facenet.load_facenet_weights(model, other)
    empty = tmp_path / "empty.h5"
    with h5py.File(empty, "w") as f:
        f.create_dataset("x", data=np.zeros(2))
    with pytest.raises(ValueError, match="holds no Keras layer weights"):
        facenet.load_facenet_weights(model, empty)


def test_bad_input_shape_is_refused():
    with pytest.raises(ValueError, match=r"\(height, width, 3\)"):
        facenet.InceptionResNetV1((160, 160, 1))
    with pytest.raises(ValueError, match="at least 75"):
        facenet.InceptionResNetV1((64, 64, 3))


def test_residual_scale_round_trips(tmp_path):
    inputs = keras.Input((4,))
    model = keras.Model(inputs, facenet.ResidualScale(0.17, name="scale")(inputs))
    layer = model.get_layer("scale")
    assert facenet.ResidualScale.from_config(layer.get_config()).scale == pytest.approx(0.17)
    path = tmp_path / "scale.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    x = np.arange(4, dtype="float32")[None]
    np.testing.assert_allclose(loaded.predict_on_batch(x), 0.17 * x, rtol=1e-6)
