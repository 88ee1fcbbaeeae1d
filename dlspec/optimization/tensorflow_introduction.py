"""C2W3A1 "Introduction to TensorFlow": a 3-layer SIGNS classifier written with TF2 eager ops.

The lab's functions with the course's names: :func:`normalize`, :func:`linear_function`,
:func:`sigmoid`, :func:`one_hot_matrix`, :func:`initialize_parameters`,
:func:`forward_propagation`, :func:`compute_total_loss` and :func:`model` (its own
``GradientTape`` loop, as the lab writes it). Beside them, the same network as a Keras model
(:func:`keras_model`, built by :func:`dlspec.foundations.keras_models.dense_network`) trained
through a ``tf.data`` pipeline with the shared :class:`~dlspec.training.Trainer`
(:func:`fit_keras_model`).

Data: the course's ``train_signs.h5`` is read when present, else the JPEG stand-in in a fixed
seeded order (:func:`dlspec.data.signs.load_signs`); the test set is ``test_signs.h5``.
"""

from __future__ import annotations

import os

import keras
import numpy as np
import tensorflow as tf

from dlspec.data.arrays import array_dataset
from dlspec.data.signs import load_signs
from dlspec.foundations.keras_models import dense_network, set_course_parameters
from dlspec.training import Trainer
from dlspec.validation import check_array, check_positive

__all__ = [
    "normalize",
    "linear_function",
    "sigmoid",
    "one_hot_matrix",
    "initialize_parameters",
    "forward_propagation",
    "compute_total_loss",
    "model",
    "train",
    "course_datasets",
    "signs_course_datasets",
    "keras_model",
    "fit_keras_model",
]

#: the lab's layer sizes: 64·64·3 inputs, hidden layers of 25 and 12 units, 6 classes
LAYER_DIMS = (12288, 25, 12, 6)
_PARAMETER_SHAPES = {
    "W1": (25, 12288),
    "b1": (25, 1),
    "W2": (12, 25),
    "b2": (12, 1),
    "W3": (6, 12),
    "b3": (6, 1),
}


def normalize(image) -> tf.Tensor:
    """Scale an image to float32 in [0, 1] and flatten it into a vector, as the lab does.

    Args:
        image: a (64, 64, 3) uint8 image (any shape works: it is flattened).

    Returns:
        A float32 vector, (12288,) for a SIGNS image.

    Example:
        >>> normalize(tf.constant([[[255, 0, 51]]], tf.uint8)).numpy()
        array([1. , 0. , 0.2], dtype=float32)
    """
    image = tf.cast(image, tf.float32) / 255.0
    return tf.reshape(image, [-1])


def linear_function() -> tf.Tensor:
    """Compute ``Y = WX + b`` with TF ops on numpy's seeded random draws.

    Seeds numpy's global generator with 1 (as the course does), then draws ``X = randn(3, 1)``,
    ``W = randn(4, 3)``, ``b = randn(4, 1)`` in that order.

    Returns:
        A float64 tensor (4, 1).

    Example:
        >>> linear_function().numpy().ravel()
        array([-2.15657382,  2.95891446, -1.08926781, -0.84538042])
    """
    np.random.seed(1)
    X = tf.constant(np.random.randn(3, 1), name="X")
    W = tf.constant(np.random.randn(4, 3), name="W")
    b = tf.constant(np.random.randn(4, 1), name="b")
    return tf.add(tf.matmul(W, X), b)


def sigmoid(z) -> tf.Tensor:
    """The sigmoid of ``z`` computed in float32 with ``tf.keras.activations.sigmoid``.

    Example:
        >>> float(sigmoid(-1))
        0.2689414322376251
    """
    z = tf.cast(z, tf.float32)
    return keras.activations.sigmoid(z)


def one_hot_matrix(label, C: int = 6) -> tf.Tensor:
    """The one-hot float32 vector (C,) of one integer label, as the lab maps the labels.

    Args:
        label: an integer label in ``[0, C)`` (a scalar tensor or int).
        C: number of classes (the course's newer notebooks call it ``depth``).

    Example:
        >>> one_hot_matrix(tf.constant(1), 4).numpy()
        array([0., 1., 0., 0.], dtype=float32)
    """
    check_positive(C, "C", integer=True)
    return tf.reshape(tf.one_hot(label, C, axis=0), (C,))


def initialize_parameters() -> dict[str, tf.Variable]:
    """Create the lab's parameters as ``tf.Variable``s with ``GlorotNormal(seed=1)``.

    One initializer draws every array, in the order W1, b1, W2, b2, W3, b3 (biases too, as in
    the lab). With Keras 3 a seeded initializer is stateless: the same shape always gives the
    same values, so the parameters are deterministic (not equal to the course's TF 2.x draws,
    which the course does not print).

    Returns:
        ``{"W1": (25, 12288), "b1": (25, 1), "W2": (12, 25), "b2": (12, 1), "W3": (6, 12),
        "b3": (6, 1)}``.

    Example:
        >>> {k: tuple(v.shape) for k, v in initialize_parameters().items()}["W2"]
        (12, 25)
    """
    initializer = keras.initializers.GlorotNormal(seed=1)
    return {
        name: tf.Variable(initializer(shape=shape), name=name)
        for name, shape in _PARAMETER_SHAPES.items()
    }


def forward_propagation(X, parameters: dict) -> tf.Tensor:
    """LINEAR → RELU → LINEAR → RELU → LINEAR: the logits ``Z3`` (no softmax).

    Args:
        X: input batch (12288, m), one example per column.
        parameters: the dict of :func:`initialize_parameters`.

    Returns:
        ``Z3`` (6, m).

    Example:
        >>> parameters = initialize_parameters()
        >>> forward_propagation(tf.zeros((12288, 5)), parameters).shape
        TensorShape([6, 5])
    """
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    W3, b3 = parameters["W3"], parameters["b3"]
    X = tf.convert_to_tensor(X, dtype=W1.dtype)
    n_x = W1.shape[1]
    if X.shape.rank != 2 or (X.shape[0] is not None and X.shape[0] != n_x):
        raise ValueError(
            f"X must have shape ({n_x}, m), one example per column; got {tuple(X.shape)}."
            + (" Did you forget to transpose?" if X.shape.rank == 2 and X.shape[1] == n_x else "")
        )
    Z1 = tf.math.add(tf.linalg.matmul(W1, X), b1)
    A1 = keras.activations.relu(Z1)
    Z2 = tf.math.add(tf.linalg.matmul(W2, A1), b2)
    A2 = keras.activations.relu(Z2)
    return tf.math.add(tf.linalg.matmul(W3, A2), b3)


def compute_total_loss(logits, labels) -> tf.Tensor:
    """The SUM over the examples of the softmax cross-entropy (not the mean).

    The course sums here and divides by the number of training examples once per epoch in
    :func:`model`, so that the epoch cost does not depend on the minibatch sizes.

    Args:
        logits: ``Z3`` (6, m).
        labels: one-hot labels (6, m).

    Returns:
        A float32 scalar tensor.

    Example:
        >>> round(float(compute_total_loss(tf.zeros((6, 2)), tf.one_hot([5, 0], 6, axis=0))), 6)
        3.583519
    """
    logits = tf.convert_to_tensor(logits)
    labels = tf.cast(labels, logits.dtype)
    if logits.shape.rank != 2 or not logits.shape.is_compatible_with(labels.shape):
        raise ValueError(
            "logits and labels must both have shape (n_classes, m); got "
            f"{tuple(logits.shape)} and {tuple(labels.shape)}."
        )
    return tf.reduce_sum(
        keras.losses.categorical_crossentropy(
            tf.transpose(labels), tf.transpose(logits), from_logits=True
        )
    )


# --------------------------------------------------------------------------- training


def _examples(data, name: str, n: int) -> tf.data.Dataset:
    """``data`` as an unbatched dataset of float32 (n,) rows: a Dataset or an (m, n) array."""
    if isinstance(data, tf.data.Dataset):
        spec = data.element_spec
        if not isinstance(spec, tf.TensorSpec) or not spec.shape.is_compatible_with((n,)):
            raise ValueError(
                f"{name} must be an unbatched dataset of ({n},) vectors (the lab's "
                f"x_train.map(normalize) / y_train.map(one_hot_matrix)); got elements {spec}."
            )
        return data
    array = check_array(data, name, shape=(None, n))
    return tf.data.Dataset.from_tensor_slices(array.astype(np.float32))


def _zip(X, Y, which: str) -> tf.data.Dataset:
    X = _examples(X, f"X_{which}", LAYER_DIMS[0])
    Y = _examples(Y, f"Y_{which}", LAYER_DIMS[-1])
    n_x, n_y = int(X.cardinality()), int(Y.cardinality())
    if n_x >= 0 and n_y >= 0 and n_x != n_y:
        raise ValueError(f"X_{which} has {n_x} examples but Y_{which} has {n_y}.")
    if n_x == 0:
        raise ValueError(f"X_{which} is empty.")
    return tf.data.Dataset.zip((X, Y))


def train(
    X_train,
    Y_train,
    X_test,
    Y_test,
    learning_rate: float = 0.0001,
    num_epochs: int = 1500,
    minibatch_size: int = 32,
    *,
    record: bool = True,
    verbose: bool = False,
) -> tuple[dict, list[float], list[float], list[float]]:
    """:func:`model`'s loop; ``record`` keeps the epoch-0, 10, 20, ... values, ``verbose`` prints.

    ``model(..., print_cost=p)`` is ``train(..., record=p, verbose=p)``.
    """
    check_positive(learning_rate, "learning_rate")
    check_positive(num_epochs, "num_epochs", integer=True)
    check_positive(minibatch_size, "minibatch_size", integer=True)
    dataset, test_dataset = _zip(X_train, Y_train, "train"), _zip(X_test, Y_test, "test")

    costs: list[float] = []
    train_acc: list[float] = []
    test_acc: list[float] = []
    parameters = initialize_parameters()
    trainable_variables = list(parameters.values())  # W1, b1, W2, b2, W3, b3
    optimizer = keras.optimizers.Adam(learning_rate)
    test_accuracy = keras.metrics.CategoricalAccuracy()
    train_accuracy = keras.metrics.CategoricalAccuracy()

    m = int(dataset.cardinality())
    minibatches = dataset.batch(minibatch_size).prefetch(8)
    test_minibatches = test_dataset.batch(minibatch_size).prefetch(8)

    # The lab runs these steps eagerly; tf.function only makes them ~4x faster (same math).
    @tf.function(reduce_retracing=True)
    def train_step(minibatch_X, minibatch_Y):
        with tf.GradientTape() as tape:
            Z3 = forward_propagation(tf.transpose(minibatch_X), parameters)
            minibatch_total_loss = compute_total_loss(Z3, tf.transpose(minibatch_Y))
        train_accuracy.update_state(minibatch_Y, tf.transpose(Z3))
        grads = tape.gradient(minibatch_total_loss, trainable_variables)
        optimizer.apply_gradients(zip(grads, trainable_variables))
        return minibatch_total_loss

    @tf.function(reduce_retracing=True)
    def test_step(minibatch_X, minibatch_Y):
        Z3 = forward_propagation(tf.transpose(minibatch_X), parameters)
        test_accuracy.update_state(minibatch_Y, tf.transpose(Z3))

    for epoch in range(num_epochs):
        epoch_total_loss = tf.constant(0.0)
        train_accuracy.reset_state()
        for minibatch_X, minibatch_Y in minibatches:
            epoch_total_loss += train_step(minibatch_X, minibatch_Y)
        epoch_total_loss /= m
        if (record or verbose) and epoch % 10 == 0:
            # The test set is evaluated every 10 epochs only, as in the lab.
            for minibatch_X, minibatch_Y in test_minibatches:
                test_step(minibatch_X, minibatch_Y)
            if verbose:
                print(f"Cost after epoch {epoch}: {float(epoch_total_loss):f}")
                print("Train accuracy:", float(train_accuracy.result()))
                print("Test_accuracy:", float(test_accuracy.result()))
            if record:
                costs.append(float(epoch_total_loss))
                train_acc.append(float(train_accuracy.result()))
                test_acc.append(float(test_accuracy.result()))
            test_accuracy.reset_state()
    return parameters, costs, train_acc, test_acc


def model(
    X_train,
    Y_train,
    X_test,
    Y_test,
    learning_rate: float = 0.0001,
    num_epochs: int = 1500,
    minibatch_size: int = 32,
    print_cost: bool = True,
) -> tuple[dict, list[float], list[float], list[float]]:
    """Train the 3-layer network with Adam on minibatches, as the lab's ``model`` does.

    Each epoch walks ``zip(X_train, Y_train).batch(minibatch_size)`` in the data's order (no
    reshuffling), sums :func:`compute_total_loss` over the minibatches and divides by the
    number of examples ``m``. Train accuracy is a ``CategoricalAccuracy`` over the epoch's
    minibatches (computed before each update); every 10 epochs the test set is evaluated.
    As in the lab, costs and accuracies are printed *and recorded* only when ``print_cost``
    (with ``print_cost=False`` the three lists come back empty).

    Args:
        X_train, X_test: unbatched ``tf.data.Dataset``s of (12288,) float32 images (the lab's
            ``x_train.map(normalize)``), or arrays (m, 12288) with one example per row.
        Y_train, Y_test: unbatched datasets of one-hot (6,) labels (``y_train.map(
            one_hot_matrix)``), or arrays (m, 6).
        learning_rate: Adam's learning rate.
        num_epochs: passes over the training set (the lab runs 100).
        minibatch_size: examples per minibatch.
        print_cost: print and record the cost and accuracies every 10 epochs.

    Returns:
        ``(parameters, costs, train_acc, test_acc)``: the trained ``tf.Variable`` dict and the
        values at epochs 0, 10, 20, ... as floats.

    Example:
        >>> new_train, new_y_train, new_test, new_y_test = signs_course_datasets()  # doctest: +SKIP
        >>> parameters, costs, train_acc, test_acc = model(
        ...     new_train, new_y_train, new_test, new_y_test, num_epochs=100)  # doctest: +SKIP
        Cost after epoch 0: 1.834078
        ...
    """
    return train(
        X_train,
        Y_train,
        X_test,
        Y_test,
        learning_rate,
        num_epochs,
        minibatch_size,
        record=bool(print_cost),
        verbose=bool(print_cost),
    )


def course_datasets(images: np.ndarray, labels: np.ndarray):
    """The lab's ``(x.map(normalize), y.map(one_hot_matrix))``: unbatched images and labels.

    Example:
        >>> x, y = course_datasets(np.zeros((2, 64, 64, 3), np.uint8), np.array([0, 5]))
        >>> x.element_spec.shape, y.element_spec.shape
        (TensorShape([12288]), TensorShape([6]))
    """
    x = array_dataset((images,), batch_size=None, map_fn=normalize)
    y = array_dataset((labels,), batch_size=None, map_fn=one_hot_matrix)
    return x, y


def signs_course_datasets(root: str | os.PathLike | None = None):
    """The lab's four unbatched datasets: ``(new_train, new_y_train, new_test, new_y_test)``.

    ``x.map(normalize)`` gives (12288,) float32 images and ``y.map(one_hot_matrix)`` one-hot
    (6,) labels, in the order of :func:`dlspec.data.signs.load_signs` (the course's h5 order, or
    the stand-in's seeded order).

    Example:
        >>> new_train, new_y_train, new_test, new_y_test = signs_course_datasets()  # doctest: +SKIP
        >>> new_train.element_spec  # doctest: +SKIP
        TensorSpec(shape=(12288,), dtype=tf.float32, name=None)
    """
    train_set, test_set = load_signs("train", root=root), load_signs("test", root=root)
    return (
        *course_datasets(train_set.images, train_set.labels),
        *course_datasets(test_set.images, test_set.labels),
    )


# --------------------------------------------------------------------------- Keras twin


def keras_model(parameters: dict | None = None, *, seed: int = 1) -> keras.Model:
    """The lab's network as a Keras model: 12288 → Dense 25 relu → 12 relu → 6 logits.

    Kernels and biases are drawn with ``GlorotNormal(seed=seed)``; with ``parameters`` (the
    course's dict, e.g. :func:`initialize_parameters`) the Dense layers take those values
    instead (kernel = ``W.T``, bias = ``b``), so that the model starts where :func:`model`
    starts. Outputs are logits: train with ``CategoricalCrossentropy(from_logits=True)``.

    Example:
        >>> net = keras_model(initialize_parameters())
        >>> net.output.shape
        (None, 6)
    """
    # configs, not instances, so that each kernel and bias gets its own initialiser
    glorot_normal = {"class_name": "GlorotNormal", "config": {"seed": seed}}
    net = dense_network(
        LAYER_DIMS,
        output_activation=None,
        kernel_initializer=glorot_normal,
        bias_initializer=glorot_normal,
        name="tf_intro_signs",
    )
    if parameters is not None:
        set_course_parameters(net, {k: np.asarray(v) for k, v in parameters.items()})
    return net


def _summed_categorical_crossentropy(y_true, y_pred) -> tf.Tensor:
    """Per-example softmax CE times the batch size: the Trainer's mean becomes the lab's sum."""
    losses = keras.losses.categorical_crossentropy(y_true, y_pred, from_logits=True)
    return losses * tf.cast(tf.shape(losses)[0], losses.dtype)


def fit_keras_model(
    net: keras.Model,
    train_dataset: tf.data.Dataset,
    *,
    learning_rate: float = 0.0001,
    num_epochs: int = 100,
    validation_data: tf.data.Dataset | None = None,
    total_loss: bool = False,
    verbose: int = 0,
):
    """Train ``net`` with the shared :class:`~dlspec.training.Trainer`, Adam and softmax CE.

    By default the loss is Keras's usual mean over each minibatch. The lab minimises the SUM
    instead (:func:`compute_total_loss`): Adam is nearly blind to that scale, but not quite
    (its epsilon, 1e-7, is not small next to the tiny mean gradients of W1, and the short last
    minibatch weighs differently), and training is sensitive enough that after 100 epochs the
    two differ by a few points of accuracy. ``total_loss=True`` sums like the lab; then, from
    the same initial parameters and minibatches, the Trainer reproduces :func:`model` to float
    precision (one device).

    Args:
        net: e.g. :func:`keras_model`.
        train_dataset: batched ``(x (b, 12288), one-hot y (b, 6))`` pairs, e.g.
            ``signs_tf_dataset("train", shuffle=False, flatten=True, one_hot=True)``.
        learning_rate: Adam's learning rate.
        num_epochs: epochs to train.
        validation_data: optional batched dataset evaluated after each epoch.
        total_loss: minimise the sum over each minibatch, as the lab does, instead of the mean
            (the Trainer's ``loss`` history is then on that scale too).
        verbose: the Trainer's verbosity (0 silent, 1 bar, 2 one line per epoch).

    Returns:
        The :class:`~dlspec.training.Trainer` (``.history``, ``.evaluate(ds)``).

    Example:
        >>> trainer = fit_keras_model(keras_model(), train_ds, num_epochs=100)  # doctest: +SKIP
        >>> trainer.evaluate(test_ds)["accuracy"]  # doctest: +SKIP
    """
    check_positive(learning_rate, "learning_rate")
    check_positive(num_epochs, "num_epochs", integer=True)
    trainer = Trainer(
        net,
        optimizer=lambda: keras.optimizers.Adam(learning_rate),
        loss=(
            _summed_categorical_crossentropy
            if total_loss
            else keras.losses.CategoricalCrossentropy(from_logits=True)
        ),
        metrics=[keras.metrics.CategoricalAccuracy(name="accuracy")],
        verbose=verbose,
    )
    trainer.fit(train_dataset, epochs=num_epochs, validation_data=validation_data)
    return trainer
