"""Course 1's classifiers as Keras 3 models, plus conversion to and from the course's dicts.

Keras takes examples as rows, so feed ``X.T`` (m, n_x) and ``Y.T`` (m, 1) where the numpy
labs use ``X`` (n_x, m) and ``Y`` (1, m). A course parameter ``W{l}`` (n_l, n_{l-1}) is the
transpose of the Keras kernel of Dense layer ``l``.
"""

from __future__ import annotations

import keras
import numpy as np

from dlspec.data.arrays import course_arrays_dataset
from dlspec.training import Trainer
from dlspec.validation import check_layer_dims, check_positive

__all__ = [
    "dense_network",
    "logistic_regression_model",
    "shallow_classifier",
    "deep_classifier",
    "set_course_parameters",
    "get_course_parameters",
    "fit_full_batch",
    "keras_accuracy",
    "keras_cost",
]


def dense_network(
    layer_dims,
    *,
    hidden_activation: str | None = "relu",
    output_activation: str | None = "sigmoid",
    kernel_initializer="glorot_uniform",
    bias_initializer="zeros",
    kernel_regularizer=None,
    dropout: float = 0.0,
    seed: int | None = None,
    name: str = "dense_network",
) -> keras.Model:
    """dlspec's one fully connected network builder: ``layer_dims[0]`` inputs, Dense layers.

    Every course MLP (logistic regression, the shallow and deep classifiers, the regularised
    and TensorFlow-introduction networks) is this function with the course's choices. Layers
    are named ``layer1``, ``layer2``, ...; with ``dropout > 0`` a ``Dropout(dropout, seed)``
    named ``dropout{l}`` follows each hidden layer.

    Example:
        >>> model = dense_network([4, 3, 1], hidden_activation="tanh")
        >>> [layer.name for layer in model.layers]
        ['X', 'layer1', 'layer2']
    """
    dims = check_layer_dims(layer_dims)
    inputs = keras.Input(shape=(dims[0],), name="X")
    x = inputs
    last = len(dims) - 1
    for l in range(1, last + 1):
        x = keras.layers.Dense(
            dims[l],
            activation=output_activation if l == last else hidden_activation,
            kernel_initializer=keras.initializers.get(kernel_initializer),
            bias_initializer=keras.initializers.get(bias_initializer),
            kernel_regularizer=kernel_regularizer,
            name=f"layer{l}",
        )(x)
        if l < last and dropout > 0:
            x = keras.layers.Dropout(dropout, seed=seed, name=f"dropout{l}")(x)
    return keras.Model(inputs, x, name=name)


def logistic_regression_model(n_x: int = 12288) -> keras.Model:
    """Logistic regression (C1W2A2) as a one-unit sigmoid Dense layer initialised at zero.

    Example:
        >>> model = logistic_regression_model(12288)
        >>> model.compile(optimizer=keras.optimizers.SGD(0.005), loss="binary_crossentropy")
        >>> model.fit(train_x.T, train_y.T, batch_size=209, epochs=2000)  # doctest: +SKIP
    """
    check_positive(n_x, "n_x", integer=True)
    return dense_network([n_x, 1], kernel_initializer="zeros", name="logistic_regression")


def shallow_classifier(n_x: int = 2, n_h: int = 4, n_y: int = 1, seed: int | None = None):
    """The one-hidden-layer tanh network of C1W3A1 (weights ``N(0, 0.01²)``, zero biases).

    Example:
        >>> model = shallow_classifier(2, 4, 1, seed=3)
        >>> [layer.units for layer in model.layers[1:]]
        [4, 1]
    """
    dims = check_layer_dims([n_x, n_h, n_y])
    init = keras.initializers.RandomNormal(stddev=0.01, seed=seed)
    return dense_network(
        dims, hidden_activation="tanh", kernel_initializer=init, name="shallow_classifier"
    )


def deep_classifier(layers_dims, init: str = "scaled", seed: int | None = None) -> keras.Model:
    """The L-layer ReLU network of C1W4 with a sigmoid output.

    Args:
        layers_dims: ``[n_x, n_1, ..., 1]``, e.g. ``[12288, 20, 7, 5, 1]``.
        init: ``"scaled"`` draws ``W_l ~ N(0, 1/n_{l-1})`` like the application's
            ``initialize_parameters_deep``; ``"small"`` draws ``N(0, 0.01²)`` like the two-layer
            model.
        seed: seed of the initialiser.

    Example:
        >>> model = deep_classifier([12288, 20, 7, 5, 1], seed=1)
        >>> model.output.shape
        (None, 1)
    """
    dims = check_layer_dims(layers_dims)
    if init == "scaled":
        kernel_init = keras.initializers.VarianceScaling(
            1.0, mode="fan_in", distribution="untruncated_normal", seed=seed
        )
    elif init == "small":
        kernel_init = keras.initializers.RandomNormal(stddev=0.01, seed=seed)
    else:
        raise ValueError(f"init must be 'scaled' or 'small'; got {init!r}.")
    return dense_network(dims, kernel_initializer=kernel_init, name="deep_classifier")


def _dense_layers(model: keras.Model) -> list[keras.layers.Dense]:
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]


def set_course_parameters(model: keras.Model, parameters: dict[str, np.ndarray]) -> None:
    """Load a course dict ``{"W1": (n_1, n_0), "b1": (n_1, 1), ...}`` into the Dense layers.

    Example:
        >>> model = deep_classifier([4, 3, 1])
        >>> set_course_parameters(model, {"W1": np.ones((3, 4)), "b1": np.zeros((3, 1)),
        ...                               "W2": np.ones((1, 3)), "b2": np.zeros((1, 1))})
    """
    layers = _dense_layers(model)
    if len(parameters) != 2 * len(layers):
        raise ValueError(
            f"parameters has {len(parameters)} arrays but the model has {len(layers)} Dense "
            f"layers (expected keys W1, b1, ..., W{len(layers)}, b{len(layers)})."
        )
    for l, layer in enumerate(layers, start=1):
        W, b = np.asarray(parameters[f"W{l}"]), np.asarray(parameters[f"b{l}"])
        kernel_shape = tuple(layer.kernel.shape)
        if W.T.shape != kernel_shape or b.size != kernel_shape[1]:
            raise ValueError(
                f"W{l} {W.shape} / b{l} {b.shape} do not fit layer '{layer.name}' with kernel "
                f"{kernel_shape}; expected W{l} of shape {kernel_shape[::-1]}."
            )
        layer.set_weights([W.T, b.reshape(-1)])


def get_course_parameters(model: keras.Model) -> dict[str, np.ndarray]:
    """The Dense weights of ``model`` as a course dict ``{"W1", "b1", ...}`` (float64).

    Example:
        >>> get_course_parameters(deep_classifier([4, 3, 1]))["W1"].shape
        (3, 4)
    """
    parameters = {}
    for l, layer in enumerate(_dense_layers(model), start=1):
        kernel, bias = layer.get_weights()
        parameters[f"W{l}"] = kernel.T.astype(np.float64)
        parameters[f"b{l}"] = bias.reshape(-1, 1).astype(np.float64)
    return parameters


def fit_full_batch(
    model: keras.Model,
    X,
    Y,
    *,
    learning_rate: float,
    num_iterations: int,
    strategy=None,
) -> dict[str, list[float]]:
    """Train ``model`` as the course trains its numpy nets: batch gradient descent on all of X.

    Uses dlspec's shared training loop (:class:`dlspec.training.Trainer`) with plain SGD and
    binary cross-entropy, one full batch per step.

    Args:
        model: a Keras model taking rows (m, n_x), e.g. :func:`deep_classifier`.
        X, Y: the course's arrays (n_x, m) and (1, m).
        learning_rate: SGD step size (the course's ``learning_rate``).
        num_iterations: number of gradient steps.
        strategy: optional ``tf.distribute.Strategy``.

    Returns:
        The loop's history dict (``"loss"``, ``"accuracy"``) with one entry for the whole run.

    Example:
        >>> model = deep_classifier([2, 3, 1], seed=0)
        >>> X, Y = np.random.default_rng(0).normal(size=(2, 20)), np.ones((1, 20))
        >>> history = fit_full_batch(model, X, Y, learning_rate=0.1, num_iterations=5)
        >>> sorted(history)
        ['accuracy', 'loss']
    """
    check_positive(learning_rate, "learning_rate")
    check_positive(num_iterations, "num_iterations", integer=True)
    trainer = Trainer(
        model,
        optimizer=lambda: keras.optimizers.SGD(learning_rate),
        loss="binary_crossentropy",
        metrics=("accuracy",),
        strategy=strategy,
        verbose=0,
    )
    dataset = course_arrays_dataset(X, Y, repeat=True)
    return trainer.fit(dataset, epochs=1, steps_per_epoch=num_iterations)


def keras_accuracy(model: keras.Model, X, Y) -> float:
    """Fraction of examples of the course arrays ``X`` (n_x, m), ``Y`` (1, m) classified right."""
    probabilities = model.predict(np.asarray(X, np.float32).T, verbose=0, batch_size=1024)
    return float(np.mean((probabilities.T > 0.5) == np.asarray(Y)))


def keras_cost(model: keras.Model, X, Y) -> float:
    """The course's cross-entropy cost of ``model`` on the course arrays ``X`` (n_x, m), ``Y``
    (1, m): ``compute_cost`` of the numpy labs, in float32.

    Example:
        >>> model = deep_classifier([2, 3, 1], seed=0)
        >>> round(keras_cost(model, np.zeros((2, 4)), np.ones((1, 4))), 4)
        0.6931
    """
    probabilities = model(np.asarray(X, np.float32).T, training=False)
    labels = np.asarray(Y, np.float32).T
    return float(np.mean(keras.losses.binary_crossentropy(labels, probabilities)))
