"""LeNet-5, AlexNet, the Inception module, ResNet-34 and EfficientNet scaling: parameter
counts against the papers (and hand arithmetic), feature-map sizes, the custom LeNet layers
against references, bad arguments, and a short real training run."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest

from dlspec.cnn.architectures import (
    ARCHITECTURES,
    LENET5_C3_TABLE,
    ConnectionTableConv2D,
    Subsampling,
    alexnet,
    basic_block,
    efficientnet,
    efficientnet_scaling,
    googlenet_small,
    inception_module,
    lenet5,
    mobilenet_v1,
    resnet34,
    scaled_tanh,
    vgg16,
)


def conv_params(size, channels_in, filters):
    return (size * size * channels_in + 1) * filters


def dense_params(units_in, units):
    return (units_in + 1) * units


def _outputs(model, x):
    return keras.ops.convert_to_numpy(model(x, training=False))


@pytest.fixture(autouse=True)
def _free_models():
    yield
    keras.backend.clear_session()


# ------------------------------------------------------------------ LeNet-5

# The paper's Table I: row i marks (X) the C3 maps that read S2 map i.
PAPER_TABLE_I = (
    "X   XXX  XXXX XX",
    "XX   XXX  XXXX X",
    "XXX   XXX  X XXX",
    " XXX  XXXX  X XX",
    "  XXX  XXXX XX X",
    "   XXX  XXXX XXX",
)


def test_c3_table_is_the_papers():
    from_paper = tuple(
        tuple(i for i, row in enumerate(PAPER_TABLE_I) if row[j] == "X") for j in range(16)
    )
    assert LENET5_C3_TABLE == from_paper
    assert sum(len(maps) for maps in LENET5_C3_TABLE) == 60


def test_lenet5_1998_layer_counts_are_the_papers():
    model = lenet5()
    counts = {layer.name: layer.count_params() for layer in model.layers if layer.weights}
    # LeCun et al. 1998, section II.B: trainable parameters of C1, S2, C3, S4, C5, F6.
    assert counts == {
        "C1": 156,
        "S2": 12,
        "C3": 1516,
        "S4": 32,
        "C5": 48120,
        "F6": 10164,
        "predictions": dense_params(84, 10),
    }
    assert sum(counts.values()) - counts["predictions"] == 60_000
    assert model.count_params() == 60_850
    shapes = {
        name: model.get_layer(name).output.shape[1:] for name in ("C1", "S2", "C3", "S4", "C5")
    }
    assert shapes == {
        "C1": (28, 28, 6),
        "S2": (14, 14, 6),
        "C3": (10, 10, 16),
        "S4": (5, 5, 16),
        "C5": (1, 1, 120),
    }


def test_lenet5_modern_count_by_hand():
    model = lenet5(modern=True)
    expected = (
        conv_params(5, 1, 6)
        + conv_params(5, 6, 16)
        + dense_params(5 * 5 * 16, 120)
        + dense_params(120, 84)
        + dense_params(84, 10)
    )
    assert model.count_params() == expected == 61_706
    assert not any(isinstance(layer, Subsampling) for layer in model.layers)


def test_connection_table_conv_equals_a_masked_full_convolution():
    rng = np.random.default_rng(0)
    layer = ConnectionTableConv2D(LENET5_C3_TABLE, 5)
    x = rng.normal(size=(3, 14, 14, 6)).astype("float32")
    layer.build(x.shape)
    kernel = rng.normal(size=tuple(layer.kernel.shape)).astype("float32")
    bias = rng.normal(size=(16,)).astype("float32")
    layer.set_weights([kernel, bias])
    full_kernel = np.zeros((5, 5, 6, 16), "float32")
    k = 0
    for j, maps in enumerate(LENET5_C3_TABLE):
        for i in maps:
            full_kernel[:, :, i, j] = kernel[:, :, k, 0]
            k += 1
    reference = keras.layers.Conv2D(16, 5)
    reference.build(x.shape)
    reference.set_weights([full_kernel, bias])
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(layer(x)),
        keras.ops.convert_to_numpy(reference(x)),
        rtol=1e-5,
        atol=1e-5,
    )


def test_subsampling_equals_numpy():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 6, 6, 3)).astype("float32")
    layer = Subsampling()
    layer.build(x.shape)
    coefficient, bias = rng.normal(size=3), rng.normal(size=3)
    layer.set_weights([coefficient, bias])
    sums = x.reshape(2, 3, 2, 3, 2, 3).sum(axis=(2, 4))
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(layer(x)), sums * coefficient + bias, rtol=1e-5, atol=1e-5
    )
    assert np.isclose(float(scaled_tanh(np.float32(1.0))), 1.0, atol=1e-4)


def test_lenet_layers_reject_bad_arguments():
    with pytest.raises(ValueError, match="reads input map 5 but the input has only 4"):
        ConnectionTableConv2D(LENET5_C3_TABLE)(np.zeros((1, 14, 14, 4), "float32"))
    with pytest.raises(ValueError, match="at least one input-map index"):
        ConnectionTableConv2D([[0, 1], []])
    with pytest.raises(ValueError, match="pool_size must be a positive int"):
        Subsampling(0)


def test_lenet5_keras_round_trip(tmp_path):
    model = lenet5(classes=4)
    path = tmp_path / "lenet5.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    x = np.random.default_rng(2).normal(size=(3, 32, 32, 1)).astype("float32")
    np.testing.assert_allclose(_outputs(loaded, x), _outputs(model, x), rtol=1e-6, atol=1e-7)
    assert isinstance(loaded.get_layer("C3"), ConnectionTableConv2D)


def _digits_32x32():
    from sklearn.datasets import load_digits

    digits = load_digits()
    # 8×8 digits, 0-16, enlarged 4× to LeNet's 32×32 and scaled to [-0.1, 1.175] as in the paper.
    images = np.kron(digits.images, np.ones((4, 4)))[..., None] / 16.0 * 1.275 - 0.1
    return images.astype("float32"), digits.target


@pytest.mark.slow
@pytest.mark.parametrize("modern", [False, True])
def test_lenet5_learns_digits(modern):
    images, labels = _digits_32x32()
    keras.utils.set_random_seed(0)
    order = np.random.default_rng(0).permutation(len(labels))
    train, test = order[:1400], order[1400:]
    model = lenet5(modern=modern)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(images[train], labels[train], epochs=4, batch_size=32, verbose=0)
    _, accuracy = model.evaluate(images[test], labels[test], verbose=0)
    assert accuracy > 0.93, f"held-out accuracy {accuracy:.3f} after 4 epochs"


# ------------------------------------------------------------------ AlexNet


def test_alexnet_counts_and_feature_maps():
    model = alexnet()
    expected = {
        "conv1": conv_params(11, 3, 96),
        "conv2": conv_params(5, 96, 256),
        "conv3": conv_params(3, 256, 384),
        "conv4": conv_params(3, 384, 384),
        "conv5": conv_params(3, 384, 256),
        "fc6": dense_params(6 * 6 * 256, 4096),
        "fc7": dense_params(4096, 4096),
        "predictions": dense_params(4096, 1000),
    }
    assert {name: model.get_layer(name).count_params() for name in expected} == expected
    assert model.count_params() == sum(expected.values()) == 62_378_344
    sizes = [model.get_layer(name).output.shape[1] for name in ("conv1", "pool1", "pool2", "pool5")]
    assert sizes == [55, 27, 13, 6]
    del model


# ------------------------------------------------------------------ Inception


def _inception_params(n_in, f1, r3, f3, r5, f5, fp):
    return (
        conv_params(1, n_in, f1)
        + conv_params(1, n_in, r3)
        + conv_params(3, r3, f3)
        + conv_params(1, n_in, r5)
        + conv_params(5, r5, f5)
        + conv_params(1, n_in, fp)
    )


def test_inception_module_concatenates_four_branches():
    inputs = keras.Input((12, 12, 20))
    outputs = inception_module(inputs, 8, 4, 6, 2, 3, 5, name="m")
    model = keras.Model(inputs, outputs)
    assert tuple(outputs.shape) == (None, 12, 12, 8 + 6 + 3 + 5)
    assert model.count_params() == _inception_params(20, 8, 4, 6, 2, 3, 5)
    x = np.random.default_rng(3).normal(size=(2, 12, 12, 20)).astype("float32")
    branches = keras.Model(
        inputs, [model.get_layer(f"m_{b}").output for b in ("1x1", "3x3", "5x5", "pool_proj")]
    )
    np.testing.assert_allclose(
        _outputs(model, x),
        np.concatenate([keras.ops.convert_to_numpy(y) for y in branches(x)], axis=-1),
        rtol=1e-6,
    )
    with pytest.raises(ValueError, match="filters_5x5_reduce must be a positive int"):
        inception_module(inputs, 8, 4, 6, 0, 3, 5)


def test_googlenet_small_follows_table_1():
    model = googlenet_small()
    # Output sizes of the GoogLeNet paper's Table 1 at 224×224.
    shapes = {
        name: tuple(model.get_layer(f"{name}_concat").output.shape[1:])
        for name in ("inception_3a", "inception_3b", "inception_4a", "inception_4b")
    }
    assert shapes == {
        "inception_3a": (28, 28, 256),
        "inception_3b": (28, 28, 480),
        "inception_4a": (14, 14, 512),
        "inception_4b": (14, 14, 512),
    }
    expected = (
        conv_params(7, 3, 64)
        + conv_params(1, 64, 64)
        + conv_params(3, 64, 192)
        + _inception_params(192, 64, 96, 128, 16, 32, 32)
        + _inception_params(256, 128, 128, 192, 32, 96, 64)
        + _inception_params(480, 192, 96, 208, 16, 48, 64)
        + _inception_params(512, 160, 112, 224, 24, 64, 64)
        + dense_params(512, 1000)
    )
    assert model.count_params() == expected == 2_015_184


# ------------------------------------------------------------------ ResNet-34


def test_resnet34_has_torchvisions_trainable_count_and_stage_sizes():
    model = resnet34()
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert trainable == 21_797_672  # torchvision.models.resnet34()
    assert model.count_params() == 21_814_696
    stages = {
        stage: tuple(model.get_layer(f"conv{stage}_block{blocks}_out").output.shape[1:])
        for stage, blocks in ((2, 3), (3, 4), (4, 6), (5, 3))
    }
    assert stages == {2: (56, 56, 64), 3: (28, 28, 128), 4: (14, 14, 256), 5: (7, 7, 512)}
    del model


def test_basic_block_shortcut_only_when_shape_changes():
    inputs = keras.Input((8, 8, 16))
    same = keras.Model(inputs, basic_block(inputs, 16, name="same"))
    down = keras.Model(inputs, basic_block(inputs, 32, strides=2, name="down"))
    bn = 4  # gamma, beta, moving mean, moving variance per channel
    assert same.count_params() == 2 * (9 * 16 * 16 + bn * 16)
    assert down.count_params() == 9 * 16 * 32 + 9 * 32 * 32 + 16 * 32 + 3 * bn * 32
    # With zero residual weights the identity block is relu(x).
    for w in same.weights:
        if w.name == "gamma":
            w.assign(np.zeros(w.shape))
    x = np.random.default_rng(4).normal(size=(2, 8, 8, 16)).astype("float32")
    np.testing.assert_allclose(_outputs(same, x), np.maximum(x, 0), rtol=1e-6)


# ------------------------------------------------------------------ EfficientNet scaling


def test_efficientnet_scaling_values():
    assert efficientnet_scaling(0) == (1.0, 1.0, 1.0)
    depth, width, resolution = efficientnet_scaling(3)
    assert (depth, width, resolution) == pytest.approx((1.2**3, 1.1**3, 1.15**3))
    # α·β²·γ² ≈ 2: each unit of φ about doubles the FLOPs.
    d, w, r = efficientnet_scaling(1)
    assert d * w**2 * r**2 == pytest.approx(1.92, abs=0.01)
    for bad in (-1, "1", True):
        with pytest.raises(ValueError, match="phi must be a number ≥ 0"):
            efficientnet_scaling(bad)


def test_efficientnet_phi1_is_deeper_wider_and_larger():
    model = efficientnet(phi=1, classes=10)
    assert model.input_shape == (None, round(224 * 1.15), round(224 * 1.15), 3)
    blocks = [layer for layer in model.layers if layer.name.endswith("project_conv")]
    b0_repeats = (1, 2, 2, 3, 3, 4, 1)
    assert len(blocks) == sum(math.ceil(1.2 * r) for r in b0_repeats) == 23
    assert model.get_layer("top_conv").filters == 1408  # 1280 · 1.1, a multiple of 8
    assert model.output_shape == (None, 10)
    with pytest.raises(ValueError, match="No ImageNet weights exist for efficientnet"):
        efficientnet(phi=1, weights="imagenet")


# ------------------------------------------------------------------ arguments and registry


@pytest.mark.parametrize(
    "build, match",
    [
        (lambda: vgg16(input_shape=(16, 16, 3)), "at least 32"),
        (lambda: vgg16(input_shape=(32, 32)), r"\(height, width, channels\)"),
        (lambda: alexnet(input_shape=(64, 64, 3)), "at least 67"),
        (lambda: lenet5(classes=1), "classes must be an int ≥ 2"),
        (lambda: mobilenet_v1(alpha=0), "alpha must be a positive number"),
        (lambda: resnet34(classes=2.5), "classes must be a positive integer"),
        (
            lambda: mobilenet_v1((96, 128, 3), alpha=0.25, weights="imagenet"),
            "keras.applications has no ImageNet weights for mobilenet_0.25_96",
        ),
    ],
)
def test_bad_arguments_raise_clear_errors(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_architectures_registry():
    assert set(ARCHITECTURES) == {
        "lenet5",
        "lenet5_modern",
        "alexnet",
        "vgg16",
        "vgg19",
        "resnet34",
        "resnet50",
        "googlenet_small",
        "mobilenet_v1",
        "mobilenet_v2",
        "efficientnet_b0",
    }
    assert all(callable(build) for build in ARCHITECTURES.values())
    assert ARCHITECTURES["lenet5_modern"]().count_params() == 61_706
    assert ARCHITECTURES["googlenet_small"]().input_shape == (None, 224, 224, 3)


def test_lenet5_1998_layers_report_their_multiplications_to_the_cost_calculator():
    from dlspec.cnn.lectures.cost_calculator import model_cost

    costs = [row.multiplications for row in model_cost(lenet5()).rows if row.multiplications]
    # C1 28·28·6·25, S2 14·14·6, C3 10·10·60·25 (the table's 60 connections), S4 5·5·16,
    # C5 120·400, F6 120·84, output 84·10
    assert costs == [117_600, 1_176, 150_000, 400, 48_000, 10_080, 840]
