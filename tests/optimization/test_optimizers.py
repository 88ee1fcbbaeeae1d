"""dlspec's Keras optimizers against the course's numpy updates and Keras' built-ins.

Three references, each over 100 steps (max abs difference of the weights <= 1e-5):
- the numpy course functions of C2W2 (``update_parameters_with_momentum`` / ``_adam``) fed the
  same gradients;
- the numpy lab's training loop (forward, backward, update on the moons mini-batches) against
  the Keras twin of its network trained with our optimizer;
- ``keras.optimizers.SGD(momentum)`` / ``RMSprop`` / ``Adam`` configured equivalently, training
  the same Keras model on the same batches.
"""

import copy

import keras
import numpy as np
import pytest
import tensorflow as tf

from dlspec.data.toy2d import load_moons_dataset
from dlspec.foundations.keras_models import deep_classifier, set_course_parameters
from dlspec.optimization import optimization_methods as om
from dlspec.optimization.optimizers import Adam, MomentumSGD, RMSprop
from dlspec.optimization.schedules import FixedIntervalDecay
from dlspec.optimization.three_layer import backward_propagation, forward_propagation

STEPS = 100
TOL = 1e-5

# --------------------------------------------------------------------------- helpers


def _course_gradients(parameters, steps, seed=0):
    """``steps`` random gradient dicts shaped like ``parameters`` (float32-representable)."""
    rng = np.random.default_rng(seed)
    return [
        {
            "d" + key: rng.normal(size=value.shape).astype(np.float32).astype(np.float64)
            for key, value in parameters.items()
        }
        for _ in range(steps)
    ]


def _apply_keras(optimizer, parameters, gradient_dicts):
    """Apply ``optimizer`` to Keras variables holding ``parameters``; return them as numpy."""
    keys = sorted(parameters)
    variables = [keras.Variable(parameters[key].astype(np.float32), name=key) for key in keys]
    for grads in gradient_dicts:
        optimizer.apply([tf.constant(grads["d" + key], tf.float32) for key in keys], variables)
    return {key: variable.numpy() for key, variable in zip(keys, variables)}


def _max_diff(a: dict, b: dict) -> float:
    return max(float(np.max(np.abs(np.asarray(a[k]) - np.asarray(b[k])))) for k in a)


@pytest.fixture(scope="module")
def moons():
    X, Y = load_moons_dataset()
    return X, Y


@pytest.fixture(scope="module")
def keras_batches(moons):
    """100 mini-batches of 60 rows (5 per epoch, a new shuffle each epoch)."""
    X, Y = moons
    x, y = X.T.astype(np.float32), Y.T.astype(np.float32)
    rng = np.random.default_rng(0)
    batches = []
    while len(batches) < STEPS:
        order = rng.permutation(x.shape[0])
        batches += [(x[order[i : i + 60]], y[order[i : i + 60]]) for i in range(0, 300, 60)]
    return batches[:STEPS]


@pytest.fixture(scope="module")
def initial_weights():
    return deep_classifier([2, 5, 2, 1], seed=1).get_weights()


def _train_keras(optimizer, batches, initial_weights):
    """Train the [2, 5, 2, 1] classifier on ``batches``; return the final weights."""
    model = deep_classifier([2, 5, 2, 1])
    model.set_weights(initial_weights)
    loss_fn = keras.losses.BinaryCrossentropy()

    @tf.function
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        optimizer.apply(tape.gradient(loss, model.trainable_variables), model.trainable_variables)

    for x, y in batches:
        step(x, y)
    return model.get_weights()


def _trajectory_diff(ours, theirs, batches, initial_weights) -> float:
    a = _train_keras(ours, batches, initial_weights)
    b = _train_keras(theirs, batches, initial_weights)
    moved = max(float(np.max(np.abs(w - w0))) for w, w0 in zip(a, initial_weights))
    assert moved > 1e-2, "the weights barely moved: the comparison would prove nothing"
    return max(float(np.max(np.abs(x - y))) for x, y in zip(a, b))


# --------------------------------------------------------------------------- course golden values


def _golden_recipe():
    """The spec's update_parameters_with_gd / _momentum recipe (np.random.seed(1))."""
    np.random.seed(1)
    parameters = {
        "W1": np.random.randn(2, 3),
        "b1": np.random.randn(2, 1),
        "W2": np.random.randn(3, 2),
        "b2": np.random.randn(3, 1),
    }
    grads = {
        "dW1": np.random.randn(2, 3),
        "db1": np.random.randn(2, 1),
        "dW2": np.random.randn(3, 2),
        "db2": np.random.randn(3, 1),
    }
    return parameters, grads


def test_momentum_sgd_reproduces_the_course_golden_step():
    parameters, grads = _golden_recipe()
    optimizer = MomentumSGD(learning_rate=0.01, beta=0.9)
    keys = sorted(parameters)
    variables = [keras.Variable(parameters[k], dtype="float64") for k in keys]
    optimizer.apply([tf.constant(grads["d" + k]) for k in keys], variables)
    W1 = variables[keys.index("W1")].numpy()
    v_dW1 = optimizer.velocities[keys.index("W1")].numpy()
    np.testing.assert_allclose(
        W1,
        [[1.62522322, -0.61179863, -0.52875457], [-1.071868, 0.86426291, -2.30244029]],
        atol=1e-7,
    )
    np.testing.assert_allclose(
        v_dW1,
        [[-0.08778584, 0.00422137, 0.05828152], [-0.11006192, 0.11447237, 0.09015907]],
        atol=1e-7,
    )


def test_momentum_sgd_with_beta_zero_is_the_course_gradient_descent():
    parameters, grads = _golden_recipe()
    optimizer = MomentumSGD(learning_rate=0.01, beta=0.0)
    keys = sorted(parameters)
    variables = [keras.Variable(parameters[k], dtype="float64") for k in keys]
    optimizer.apply([tf.constant(grads["d" + k]) for k in keys], variables)
    np.testing.assert_allclose(
        variables[keys.index("W1")].numpy(),
        [[1.63312395, -0.61217855, -0.5339999], [-1.06196243, 0.85396039, -2.3105546]],
        atol=1e-7,
    )
    np.testing.assert_allclose(
        variables[keys.index("b2")].numpy(), [[1.13773698], [-1.09301954], [-0.16397615]], atol=1e-7
    )


# --------------------------------------------------------------------------- vs the numpy course


def test_momentum_sgd_matches_update_parameters_with_momentum_over_100_steps():
    parameters = om.initialize_parameters([2, 5, 2, 1])
    gradients = _course_gradients(parameters, STEPS)
    ours = _apply_keras(MomentumSGD(learning_rate=0.01, beta=0.9), parameters, gradients)
    p, v = dict(parameters), om.initialize_velocity(parameters)
    for grads in gradients:
        p, v = om.update_parameters_with_momentum(p, grads, v, beta=0.9, learning_rate=0.01)
    assert _max_diff(p, parameters) > 0.1
    assert _max_diff(ours, p) <= TOL


@pytest.mark.slow
@pytest.mark.parametrize("epsilon", [1e-8, 1e-2])
def test_adam_matches_update_parameters_with_adam_over_100_steps(epsilon):
    parameters = om.initialize_parameters([2, 5, 2, 1])
    gradients = _course_gradients(parameters, STEPS, seed=1)
    optimizer = Adam(learning_rate=0.01, beta_1=0.9, beta_2=0.999, epsilon=epsilon)
    ours = _apply_keras(optimizer, parameters, gradients)
    p, (v, s) = dict(parameters), om.initialize_adam(parameters)
    for t, grads in enumerate(gradients, start=1):
        p, v, s, _, _ = om.update_parameters_with_adam(p, grads, v, s, t, 0.01, 0.9, 0.999, epsilon)
    assert _max_diff(p, parameters) > 0.1
    assert _max_diff(ours, p) <= TOL
    assert int(optimizer.iterations.numpy()) == STEPS  # the course's t


def test_rmsprop_matches_the_lecture_formula_over_100_steps():
    parameters = om.initialize_parameters([2, 5, 2, 1])
    gradients = _course_gradients(parameters, STEPS, seed=2)
    ours = _apply_keras(RMSprop(learning_rate=0.01, rho=0.9, epsilon=1e-8), parameters, gradients)
    p = dict(parameters)
    s = {"d" + k: np.zeros_like(w) for k, w in parameters.items()}
    for grads in gradients:  # S = ρS + (1−ρ)dW²; W −= lr·dW/(√S + ε)
        for key in p:
            g = grads["d" + key]
            s["d" + key] = 0.9 * s["d" + key] + 0.1 * g**2
            p[key] = p[key] - 0.01 * g / (np.sqrt(s["d" + key]) + 1e-8)
    assert _max_diff(p, parameters) > 0.1
    assert _max_diff(ours, p) <= TOL


@pytest.mark.parametrize("name", ["momentum", "adam"])
def test_keras_twin_follows_the_numpy_lab_training_loop(moons, name):
    """The lab's forward/backward/update on the moons mini-batches vs ``Dense`` + our optimizer."""
    X, Y = moons
    lr = 0.0007 if name == "momentum" else 0.01  # adam: a larger rate so the weights move
    parameters = om.initialize_parameters([2, 5, 2, 1])
    model = deep_classifier([2, 5, 2, 1])
    set_course_parameters(model, parameters)
    optimizer = MomentumSGD(lr, beta=0.9) if name == "momentum" else Adam(lr)
    loss_fn = keras.losses.BinaryCrossentropy()

    @tf.function
    def keras_step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        optimizer.apply(tape.gradient(loss, model.trainable_variables), model.trainable_variables)

    v = om.initialize_velocity(parameters)
    v_adam, s = om.initialize_adam(parameters)
    t, seed = 0, 10
    while t < STEPS:
        seed += 1  # the lab's model: a new shuffle per epoch
        for mb_X, mb_Y in om.random_mini_batches(X, Y, 64, seed):
            a3, caches = forward_propagation(mb_X, parameters)
            grads = backward_propagation(mb_X, mb_Y, caches)
            t += 1
            if name == "momentum":
                parameters, v = om.update_parameters_with_momentum(parameters, grads, v, 0.9, lr)
            else:
                parameters, v_adam, s, _, _ = om.update_parameters_with_adam(
                    parameters, grads, v_adam, s, t, lr
                )
            keras_step(mb_X.T.astype(np.float32), mb_Y.T.astype(np.float32))
    kernels = [layer.get_weights() for layer in model.layers[1:]]
    for l, (kernel, bias) in enumerate(kernels, start=1):
        np.testing.assert_allclose(kernel.T, parameters[f"W{l}"], atol=TOL, rtol=0)
        np.testing.assert_allclose(bias, parameters[f"b{l}"].ravel(), atol=TOL, rtol=0)


# --------------------------------------------------------------------------- vs Keras built-ins


def test_momentum_sgd_equals_keras_sgd_with_scaled_learning_rate(keras_batches, initial_weights):
    ours = MomentumSGD(learning_rate=0.5, beta=0.9)
    # The documented mapping: SGD(momentum=β, learning_rate=lr·(1−β)).
    theirs = keras.optimizers.SGD(learning_rate=0.5 * (1 - 0.9), momentum=0.9)
    assert _trajectory_diff(ours, theirs, keras_batches, initial_weights) <= TOL
    equivalent = MomentumSGD(learning_rate=0.5, beta=0.9).keras_equivalent()
    assert equivalent.get_config()["momentum"] == 0.9
    assert float(equivalent.learning_rate.numpy()) == pytest.approx(0.05)
    again = MomentumSGD(learning_rate=0.5, beta=0.9)
    assert _trajectory_diff(again, equivalent, keras_batches, initial_weights) <= TOL


def test_rmsprop_equals_keras_rmsprop(keras_batches, initial_weights):
    ours = RMSprop(learning_rate=0.01, rho=0.9, epsilon=1e-7, epsilon_placement="keras")
    theirs = keras.optimizers.RMSprop(learning_rate=0.01, rho=0.9, epsilon=1e-7)
    assert _trajectory_diff(ours, theirs, keras_batches, initial_weights) <= TOL


def test_adam_equals_keras_adam(keras_batches, initial_weights):
    ours = Adam(
        learning_rate=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-7, epsilon_placement="keras"
    )
    theirs = keras.optimizers.Adam(learning_rate=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-7)
    assert _trajectory_diff(ours, theirs, keras_batches, initial_weights) <= TOL


@pytest.mark.slow
def test_epsilon_placement_course_is_not_keras_adam(keras_batches, initial_weights):
    # Keras adds ε to the uncorrected √s: an effective ε/√(1−β₂ᵗ), 30x the course's at t=1.
    batches = keras_batches[:20]
    course = _trajectory_diff(
        Adam(0.05, epsilon=0.1), keras.optimizers.Adam(0.05, epsilon=0.1), batches, initial_weights
    )
    keras_form = _trajectory_diff(
        Adam(0.05, epsilon=0.1, epsilon_placement="keras"),
        keras.optimizers.Adam(0.05, epsilon=0.1),
        batches,
        initial_weights,
    )
    assert keras_form <= TOL < 1e-3 < course


def test_optimizers_accept_a_schedule_and_keras_common_arguments(keras_batches, initial_weights):
    schedule = FixedIntervalDecay(0.5, decay_rate=1.0, time_interval=4, steps_per_epoch=5)
    ours = MomentumSGD(learning_rate=schedule, beta=0.9, clipnorm=1.0)
    theirs = keras.optimizers.SGD(
        learning_rate=keras.optimizers.schedules.InverseTimeDecay(
            0.5 * (1 - 0.9), decay_steps=20, decay_rate=1.0, staircase=True
        ),
        momentum=0.9,
        clipnorm=1.0,
    )
    # The mapping holds for a schedule too when it is a scaled one (lr_k(t) = (1−β)·lr(t)),
    # except that Keras' velocity carries lr of the earlier steps: equal while lr is constant.
    diff = _trajectory_diff(ours, theirs, keras_batches[:20], initial_weights)
    assert diff <= TOL
    assert float(ours.learning_rate.numpy()) == pytest.approx(0.25)  # step 20: epoch 4


# --------------------------------------------------------------------------- Keras integration


OPTIMIZERS = {
    "momentum": lambda: MomentumSGD(learning_rate=0.1, beta=0.8, name="msgd"),
    "rmsprop": lambda: RMSprop(learning_rate=0.01, rho=0.95, epsilon_placement="keras"),
    "adam": lambda: Adam(
        learning_rate=FixedIntervalDecay(0.01, 0.5, 2, steps_per_epoch=3),
        beta_1=0.8,
        epsilon=1e-6,
        clipnorm=2.0,
    ),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_config_round_trip(name):
    optimizer = OPTIMIZERS[name]()
    config = optimizer.get_config()
    clone = type(optimizer).from_config(copy.deepcopy(config))  # Keras edits the dict
    assert clone.get_config() == config
    serialized = keras.optimizers.serialize(optimizer)
    assert serialized["registered_name"] == f"dlspec>{type(optimizer).__name__}"
    restored = keras.optimizers.deserialize(serialized)
    assert type(restored) is type(optimizer)
    assert restored.get_config() == config


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_compiled_model_with_our_optimizer_saves_and_loads(tmp_path, name, keras_batches):
    x = np.concatenate([b[0] for b in keras_batches[:5]])
    y = np.concatenate([b[1] for b in keras_batches[:5]])
    model = deep_classifier([2, 5, 2, 1], seed=2)
    model.compile(optimizer=OPTIMIZERS[name](), loss="binary_crossentropy")
    model.fit(x, y, batch_size=60, epochs=2, shuffle=False, verbose=0)
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded.optimizer) is type(model.optimizer)
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert int(loaded.optimizer.iterations.numpy()) == 10
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    # Training on from the loaded state gives the same weights as training on the original.
    model.fit(x, y, batch_size=60, epochs=1, shuffle=False, verbose=0)
    loaded.fit(x, y, batch_size=60, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)


@pytest.mark.slow
def test_trains_in_the_shared_training_loop_and_checkpoints(tmp_path):
    from dlspec.training import Trainer

    X, Y = load_moons_dataset()
    ds = tf.data.Dataset.from_tensor_slices((X.T.astype("float32"), Y.T.astype("float32")))
    ds = ds.batch(64)
    trainer = Trainer(
        lambda: deep_classifier([2, 5, 2, 1], seed=3),
        optimizer=lambda: Adam(learning_rate=0.01),
        checkpoint_dir=tmp_path,
        verbose=0,
    )
    history = trainer.fit(ds, epochs=30)
    assert history["loss"][-1] < history["loss"][0]
    resumed = Trainer(
        lambda: deep_classifier([2, 5, 2, 1], seed=4),
        optimizer=lambda: Adam(learning_rate=0.01),
        checkpoint_dir=tmp_path,
        verbose=0,
    )
    resumed.fit(ds, epochs=30)  # restores the checkpoint: nothing left to do
    assert int(resumed.optimizer.iterations.numpy()) == 30 * 5
    for a, b in zip(resumed.optimizer.variables, trainer.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: MomentumSGD(beta=1.0), r"beta must be a float in \[0, 1\)"),
        (lambda: MomentumSGD(beta=-0.1), r"beta must be a float in \[0, 1\)"),
        (lambda: RMSprop(rho=1.5), r"rho must be a float in \[0, 1\)"),
        (lambda: RMSprop(epsilon=0.0), "epsilon must be a positive number"),
        (lambda: Adam(beta_2=1.0), r"beta_2 must be a float in \[0, 1\) \(typically 0.999"),
        (lambda: Adam(epsilon=-1e-8), "epsilon must be a positive number"),
        (lambda: Adam(epsilon_placement="inside"), "epsilon_placement must be 'course'"),
        (lambda: Adam(lr=0.1), "not recognized"),
    ],
)
def test_bad_arguments_are_rejected_with_clear_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_keras_equivalent_needs_a_constant_learning_rate():
    with pytest.raises(ValueError, match="needs a constant learning rate"):
        MomentumSGD(learning_rate=FixedIntervalDecay(0.1)).keras_equivalent()


def test_non_numeric_coefficient_is_a_type_error():
    with pytest.raises(TypeError, match=r"beta must be a float in \[0, 1\)"):
        MomentumSGD(beta="0.9")


@pytest.mark.parametrize("learning_rate", [0, -0.1, float("nan"), float("inf")])
@pytest.mark.parametrize("name", ["Adam", "RMSprop", "MomentumSGD"])
def test_optimizers_refuse_bad_learning_rates(name, learning_rate):
    """Issue 21 item 4: refused at construction, not NaN weights later."""
    optimizer = {"Adam": Adam, "RMSprop": RMSprop, "MomentumSGD": MomentumSGD}[name]
    with pytest.raises(ValueError, match="learning_rate must be a positive number"):
        optimizer(learning_rate=learning_rate)


def test_optimizers_still_take_a_schedule():
    assert Adam(FixedIntervalDecay(0.1, time_interval=10)).learning_rate is not None
