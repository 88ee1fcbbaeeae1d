"""The course's learning-rate decays as Keras schedules: numpy golden values, Keras' own
``InverseTimeDecay``, serialisation, use inside ``model.fit``, and the learning-rate plot."""

import copy

import keras
import numpy as np
import pytest
from PIL import Image

from dlspec.optimization import optimization_methods as om
from dlspec.optimization.optimizers import MomentumSGD
from dlspec.optimization.schedules import EpochInverseTimeDecay, FixedIntervalDecay
from dlspec.viz import plot_learning_rates

EPOCHS = np.arange(0, 3001, 7)


def _values(schedule, steps) -> np.ndarray:
    return np.asarray(schedule(np.asarray(steps)), dtype=np.float64)


def test_golden_values_of_the_spec():
    assert float(EpochInverseTimeDecay(0.5, 1)(2)) == pytest.approx(0.16666666666666666, rel=1e-7)
    assert float(FixedIntervalDecay(0.5, 1, time_interval=100)(100)) == 0.25
    assert float(FixedIntervalDecay(0.5, 1, time_interval=100)(10)) == 0.5


@pytest.mark.parametrize("lr0, decay_rate", [(0.5, 1.0), (0.1, 0.3), (0.0007, 2.0)])
def test_epoch_inverse_time_decay_matches_update_lr(lr0, decay_rate):
    expected = [om.update_lr(lr0, int(e), decay_rate) for e in EPOCHS]
    np.testing.assert_allclose(
        _values(EpochInverseTimeDecay(lr0, decay_rate), EPOCHS), expected, rtol=1e-6
    )
    # steps_per_epoch: every step of an epoch gets that epoch's rate.
    schedule = EpochInverseTimeDecay(lr0, decay_rate, steps_per_epoch=5)
    steps = np.arange(0, 500)
    expected = [om.update_lr(lr0, int(s) // 5, decay_rate) for s in steps]
    np.testing.assert_allclose(_values(schedule, steps), expected, rtol=1e-6)


@pytest.mark.parametrize("time_interval", [1, 100, 1000])
def test_fixed_interval_decay_matches_schedule_lr_decay(time_interval):
    schedule = FixedIntervalDecay(0.1, 1.0, time_interval=time_interval)
    expected = [om.schedule_lr_decay(0.1, int(e), 1.0, time_interval) for e in EPOCHS]
    np.testing.assert_allclose(_values(schedule, EPOCHS), expected, rtol=1e-6)
    schedule = FixedIntervalDecay(0.1, 0.5, time_interval=time_interval, steps_per_epoch=3)
    steps = np.arange(0, 3 * 3001, 11)
    expected = [om.schedule_lr_decay(0.1, int(s) // 3, 0.5, time_interval) for s in steps]
    np.testing.assert_allclose(_values(schedule, steps), expected, rtol=1e-6)


def test_scalar_and_integer_tensor_steps_work():
    schedule = FixedIntervalDecay(0.1, 1.0, time_interval=2, steps_per_epoch=5)
    step = keras.Variable(20, dtype="int64")  # what an optimizer passes: its iterations
    assert float(schedule(step)) == pytest.approx(0.1 / 3)
    assert float(schedule(9)) == pytest.approx(0.1)
    assert float(schedule(10)) == pytest.approx(0.05)


@pytest.mark.parametrize("steps_per_epoch", [1, 5])
def test_equal_to_keras_inverse_time_decay_with_staircase(steps_per_epoch):
    steps = np.arange(0, 20000, 13)
    ours = EpochInverseTimeDecay(0.2, 0.7, steps_per_epoch=steps_per_epoch)
    theirs = keras.optimizers.schedules.InverseTimeDecay(
        0.2, decay_steps=steps_per_epoch, decay_rate=0.7, staircase=True
    )
    np.testing.assert_allclose(_values(ours, steps), _values(theirs, steps), rtol=1e-6)
    ours = FixedIntervalDecay(0.2, 0.7, time_interval=100, steps_per_epoch=steps_per_epoch)
    theirs = keras.optimizers.schedules.InverseTimeDecay(
        0.2, decay_steps=100 * steps_per_epoch, decay_rate=0.7, staircase=True
    )
    np.testing.assert_allclose(_values(ours, steps), _values(theirs, steps), rtol=1e-6)


SCHEDULES = {
    "epoch": lambda: EpochInverseTimeDecay(0.3, 0.5, steps_per_epoch=4, name="decay"),
    "interval": lambda: FixedIntervalDecay(0.3, 2.0, time_interval=10, steps_per_epoch=7),
}


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_config_round_trip(name):
    schedule = SCHEDULES[name]()
    config = schedule.get_config()
    clone = type(schedule).from_config(copy.deepcopy(config))
    assert clone.get_config() == config
    serialized = keras.optimizers.schedules.serialize(schedule)
    assert serialized["registered_name"] == f"dlspec>{type(schedule).__name__}"
    restored = keras.optimizers.schedules.deserialize(serialized)
    assert type(restored) is type(schedule) and restored.get_config() == config
    steps = np.arange(0, 1000, 3)
    np.testing.assert_array_equal(_values(restored, steps), _values(schedule, steps))


def _regression_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]]) + 0.3).astype("float32")
    return x, y


def _linear_model(weights=None):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    if weights is not None:
        model.set_weights(weights)
    return model


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_model_fit_with_our_schedule_equals_keras_schedule(name):
    """120 examples in batches of ceil(120 / steps_per_epoch): 4 or 7 optimizer steps per epoch."""
    x, y = _regression_data()
    ours = SCHEDULES[name]()
    spe = ours.steps_per_epoch
    decay_steps = spe * getattr(ours, "time_interval", 1)
    theirs = keras.optimizers.schedules.InverseTimeDecay(
        ours.learning_rate0, decay_steps, ours.decay_rate, staircase=True
    )
    init = _linear_model().get_weights()
    weights = []
    for schedule in (ours, theirs):
        model = _linear_model(init)
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=schedule), loss="mse")
        model.fit(x, y, batch_size=int(np.ceil(120 / spe)), epochs=15, shuffle=False, verbose=0)
        assert int(model.optimizer.iterations.numpy()) == 15 * spe
        assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(
            float(schedule(15 * spe)), rel=1e-6
        )
        weights.append(model.get_weights())
    for a, b in zip(*weights):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_saved_model_keeps_our_schedule_inside_our_optimizer(tmp_path):
    x, y = _regression_data()
    model = _linear_model()
    schedule = FixedIntervalDecay(0.05, 1.0, time_interval=2, steps_per_epoch=4)
    model.compile(optimizer=MomentumSGD(learning_rate=schedule, beta=0.9), loss="mse")
    model.fit(x, y, batch_size=30, epochs=3, shuffle=False, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    restored = loaded.optimizer._learning_rate
    assert type(restored) is FixedIntervalDecay
    assert restored.get_config() == schedule.get_config()
    assert float(loaded.optimizer.learning_rate.numpy()) == pytest.approx(0.025)  # step 12
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: EpochInverseTimeDecay(0.0), "learning_rate0 must be a positive number"),
        (lambda: EpochInverseTimeDecay(0.1, -1.0), "decay_rate must be a number >= 0"),
        (lambda: EpochInverseTimeDecay(0.1, steps_per_epoch=0), "steps_per_epoch must be a pos"),
        (lambda: FixedIntervalDecay(0.1, 1.0, time_interval=2.5), "time_interval must be a pos"),
        (lambda: FixedIntervalDecay(0.1, 1.0, steps_per_epoch=1.0), "steps_per_epoch must be"),
    ],
)
def test_bad_arguments_are_rejected(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_plot_learning_rates(tmp_path):
    path = plot_learning_rates(
        {
            "update_lr (numpy)": lambda epoch: om.update_lr(0.1, int(epoch), 1.0),
            "EpochInverseTimeDecay": EpochInverseTimeDecay(0.1, 0.01),
            "FixedIntervalDecay": FixedIntervalDecay(0.1, 1.0, time_interval=1000),
        },
        5000,
        tmp_path / "lr.png",
        log_scale=True,
    )
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size[0] > 100
    by_step = plot_learning_rates(
        {"x": FixedIntervalDecay(0.1, steps_per_epoch=5)},
        [0, 10, 20],
        tmp_path / "steps.png",
        steps_per_epoch=5,
    )
    assert by_step.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lr.png", "steps.png"]
    with pytest.raises(ValueError, match="schedules is empty"):
        plot_learning_rates({}, 10, tmp_path / "bad.png")
    with pytest.raises(TypeError, match="is not callable"):
        plot_learning_rates({"a": 0.1}, 10, tmp_path / "bad.png")
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        plot_learning_rates({"a": FixedIntervalDecay(0.1)}, 0, tmp_path / "bad.png")
