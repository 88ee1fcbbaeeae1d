"""C4W1A2 "Convolution model application": ``happyModel`` (Sequential) and ``convolutional_model``
(functional) in Keras, trained through ``tf.data`` pipelines.

- ``happyModel()`` classifies Happy House faces (smiling or not). The course trains it on
  ``train_happy.h5`` (600 images) and tests on ``test_happy.h5`` (150); only the test file is
  in the course data here, so :func:`train_happy_model` trains and evaluates on a seeded split
  of those 150 images (:func:`dlspec.data.happy.load_happy_dataset`); the lab's runner
  (:mod:`dlspec.cnn.runs.convolution_application`) says so in its notes.
- ``convolutional_model(input_shape)`` classifies the SIGNS digits 0–5; it trains on the 1080
  training photos (the JPEG stand-in when ``train_signs.h5`` is missing, see
  :mod:`dlspec.data.signs`) and is evaluated on the course's ``test_signs.h5``.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from dlspec.data.happy import happy_tf_dataset, load_happy_dataset
from dlspec.data.signs import signs_tf_dataset
from dlspec.validation import check_input_shape, check_positive

__all__ = ["happyModel", "convolutional_model", "train_happy_model", "train_signs_model"]


def happyModel() -> keras.Sequential:
    """The course's Happy House classifier: a Sequential model of 7 layers, 37,633 parameters.

    ZeroPadding2D(3) on (64, 64, 3) → Conv2D(32, 7×7, stride 1) ``conv0`` → BatchNormalization
    (axis 3) ``bn0`` → ReLU → MaxPooling2D(2×2) ``max_pool0`` → Flatten → Dense(1, sigmoid)
    ``fc``. Not compiled (the course compiles it with adam / binary_crossentropy / accuracy).

    Returns:
        A ``keras.Sequential`` with input (None, 64, 64, 3) and output (None, 1).

    Example:
        >>> model = happyModel()
        >>> model.count_params(), model.output_shape
        (37633, (None, 1))
    """
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input(shape=(64, 64, 3)),
            layers.ZeroPadding2D(padding=3),
            layers.Conv2D(32, (7, 7), strides=(1, 1), name="conv0"),
            layers.BatchNormalization(axis=3, name="bn0"),
            layers.ReLU(),
            layers.MaxPooling2D((2, 2), name="max_pool0"),
            layers.Flatten(),
            layers.Dense(1, activation="sigmoid", name="fc"),
        ],
        name="happyModel",
    )


def convolutional_model(input_shape: Sequence[int]) -> keras.Model:
    """The course's SIGNS classifier, built with the functional API (1,310 parameters).

    CONV2D(8, 4×4, 'same') → RELU → MAXPOOL(8×8, stride 8, 'same') → CONV2D(16, 2×2, 'same')
    → RELU → MAXPOOL(4×4, stride 4, 'same') → FLATTEN → DENSE(6, softmax). Not compiled.

    Args:
        input_shape: (height, width, channels) of one image, (64, 64, 3) for SIGNS.

    Returns:
        A ``keras.Model`` with output (None, 6) class probabilities.

    Raises:
        ValueError: ``input_shape`` is not three positive ints.

    Example:
        >>> model = convolutional_model((64, 64, 3))
        >>> model.count_params(), model.output_shape
        (1310, (None, 6))
    """
    shape = check_input_shape(input_shape)
    layers = keras.layers
    input_img = keras.Input(shape=shape)
    Z1 = layers.Conv2D(8, (4, 4), strides=(1, 1), padding="same")(input_img)
    A1 = layers.ReLU()(Z1)
    P1 = layers.MaxPool2D(pool_size=(8, 8), strides=(8, 8), padding="same")(A1)
    Z2 = layers.Conv2D(16, (2, 2), strides=(1, 1), padding="same")(P1)
    A2 = layers.ReLU()(Z2)
    P2 = layers.MaxPool2D(pool_size=(4, 4), strides=(4, 4), padding="same")(A2)
    F = layers.Flatten()(P2)
    outputs = layers.Dense(6, activation="softmax")(F)
    return keras.Model(inputs=input_img, outputs=outputs)


def train_happy_model(
    *, epochs: int = 10, batch_size: int = 16, seed: int = 0, verbose: int = 0
) -> tuple[keras.Model, dict, object]:
    """Train ``happyModel`` as the course does (adam, binary cross-entropy, batch 16).

    Data: :func:`dlspec.data.happy.load_happy_dataset` (the course's files, or a seeded split of
    ``test_happy.h5``). The held-out part is evaluated after every epoch (``val_*`` in the
    history); it is never used to fit.

    Returns:
        ``(model, history dict, HappyData)``.

    Example:
        >>> model, history, data = train_happy_model(epochs=2)  # doctest: +SKIP
        >>> data.source  # doctest: +SKIP
        'test-split'
    """
    check_positive(epochs, "epochs", integer=True)
    keras.utils.set_random_seed(seed)
    data = load_happy_dataset()
    train = happy_tf_dataset(data.X_train, data.Y_train, batch_size=batch_size, seed=seed)
    held = happy_tf_dataset(data.X_test, data.Y_test, batch_size=batch_size, shuffle=False)
    model = happyModel()
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(train, epochs=epochs, validation_data=held, shuffle=False, verbose=verbose)
    return model, history.history, data


def train_signs_model(
    *, epochs: int = 100, batch_size: int = 64, seed: int = 0, verbose: int = 0
) -> tuple[keras.Model, dict]:
    """Train ``convolutional_model`` on SIGNS as the course does (adam, batch 64).

    Training batches come from ``signs_tf_dataset("train", one_hot=True)`` (17 batches of
    64), the test split (``test_signs.h5``) is evaluated after every epoch as the course's
    ``validation_data`` (``val_*`` in the history), never fitted.

    Returns:
        ``(model, history dict)``.

    Example:
        >>> model, history = train_signs_model(epochs=100)  # doctest: +SKIP
    """
    check_positive(epochs, "epochs", integer=True)
    keras.utils.set_random_seed(seed)
    train = signs_tf_dataset("train", batch_size=batch_size, one_hot=True, seed=seed)
    test = signs_tf_dataset("test", batch_size=batch_size, one_hot=True, shuffle=False)
    model = convolutional_model((64, 64, 3))
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(train, epochs=epochs, validation_data=test, shuffle=False, verbose=verbose)
    return model, history.history
