"""Gradient health: per-layer gradient norms and activation statistics recorded while training.

Course 2 week 1 ("Vanishing / exploding gradients", "Weight initialization for deep networks"):
in a deep plain network each layer multiplies the signal by roughly the scale of its weights,
so activations and gradients shrink or grow geometrically with depth unless the weights are
drawn with variance ``2/n`` (He, for ReLU) or ``1/n`` (Xavier/Glorot, for tanh); batch
normalisation and residual connections keep them in range too.

A Keras callback never sees the gradients of a step (``model.fit`` computes them inside its
compiled ``train_step``), so :class:`GradientHealthRecorder` measures on a fixed *probe batch*
instead: at the chosen steps it runs the model on the probe under a ``tf.GradientTape`` and
records, for every layer with a ``kernel`` (Dense, Conv), the L2 norm of the loss' gradient
with respect to that kernel and the mean, standard deviation and fraction of zeros of the
layer's output. The same probe every time makes records comparable across steps. Use it

* with ``model.fit`` through :class:`GradientHealthCallback` (records every ``every`` batches);
* with :class:`dlspec.training.Trainer` (which takes no callbacks) through
  :func:`train_with_recorder`, which trains ``every`` steps per Trainer epoch and records in
  between;
* anywhere else by calling :meth:`GradientHealthRecorder.record` yourself.

:func:`deep_mlp` builds the deep plain network of the demonstration (bad initialisations,
He, Xavier, batch normalisation, residual connections) and :func:`gradient_health_demo` trains
each variant and records its health; ``dlspec.viz.gradients`` plots norms by layer over time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from dlspec.data.arrays import course_arrays_dataset
from dlspec.training import Trainer
from dlspec.training.losses import per_example_loss
from dlspec.validation import check_positive, check_X_Y

__all__ = [
    "DEMO_VARIANTS",
    "GradientHealthCallback",
    "GradientHealthRecorder",
    "deep_mlp",
    "gradient_health_demo",
    "train_with_recorder",
]


def _kernel_layers(model: keras.Model) -> list[keras.layers.Layer]:
    return [
        layer
        for layer in model.layers
        if getattr(layer, "kernel", None) is not None and layer.kernel.trainable
    ]


class GradientHealthRecorder:
    """Record per-layer kernel-gradient norms and activation statistics on a probe batch.

    ``record(step)`` computes the loss of ``model`` on the probe ``(x, y)`` (the mean of
    ``loss`` plus ``model.losses``), its gradient with respect to each recorded layer's kernel
    under a ``tf.GradientTape``, and statistics of each recorded layer's output. The model's
    non-trainable state (batch-norm moving statistics) is restored afterwards, so probing does
    not change training.

    Args:
        model: a built functional or ``Sequential`` Keras model.
        probe: ``(x, y)`` arrays: a fixed batch, e.g. 64 training examples.
        loss: a ``keras.losses`` name, ``Loss`` object or ``fn(y_true, y_pred)``.
        layers: the layers to record (each with a ``kernel``); default: every layer of the
            model with a trainable ``kernel``, in order.
        training: the mode of the probe's forward pass. ``True`` (default) probes what a
            training step sees (batch statistics in batch norm; dropout, if any, then makes
            records noisy).

    Attributes:
        layer_names: names of the recorded layers, input side first.
        steps: the steps recorded.
        gradient_norms, activation_mean, activation_std, activation_zero_fraction: arrays
            (n records, n layers).
        history: training history stored by whoever trains (e.g. :func:`gradient_health_demo`).

    Example:
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, "relu"),
        ...                           keras.layers.Dense(1, "sigmoid")])
        >>> recorder = GradientHealthRecorder(model, (np.ones((4, 2)), np.ones((4, 1))),
        ...                                   "binary_crossentropy")
        >>> recorder.record(0)["gradient_norms"].shape
        (2,)
    """

    def __init__(
        self,
        model: keras.Model,
        probe: tuple,
        loss: str | keras.losses.Loss | Callable,
        *,
        layers: Sequence[keras.layers.Layer] | None = None,
        training: bool = True,
    ) -> None:
        if not isinstance(probe, tuple | list) or len(probe) != 2:
            raise ValueError(f"probe must be a pair (x, y) of arrays; got {type(probe).__name__}.")
        self.model = model
        self.x = tf.convert_to_tensor(np.asarray(probe[0], np.float32))
        self.y = tf.convert_to_tensor(np.asarray(probe[1], np.float32))
        if self.x.shape[0] != self.y.shape[0]:
            raise ValueError(
                f"probe x and y must hold the same number of examples; got {self.x.shape[0]} "
                f"and {self.y.shape[0]}."
            )
        self.loss = per_example_loss(loss)
        self.layers = list(layers) if layers is not None else _kernel_layers(model)
        bad = [layer.name for layer in self.layers if getattr(layer, "kernel", None) is None]
        if not self.layers or bad:
            raise ValueError(
                "GradientHealthRecorder records layers with a kernel (Dense, Conv); "
                + (f"{bad} have none." if bad else f"model {model.name!r} has none.")
            )
        self.training = training
        self.layer_names = [layer.name for layer in self.layers]
        self._outputs = keras.Model(
            model.inputs, [layer.output for layer in self.layers] + list(model.outputs)
        )
        self.steps: list[int] = []
        self.history: dict[str, list[float]] = {}
        self._records: dict[str, list[np.ndarray]] = {key: [] for key in self._KEYS}

    _KEYS = ("gradient_norms", "activation_mean", "activation_std", "activation_zero_fraction")

    def measure(self) -> dict[str, np.ndarray]:
        """The health of the model now on the probe: ``{quantity: (n layers,) array}``."""
        state = [v.numpy() for v in self.model.non_trainable_variables]
        kernels = [layer.kernel for layer in self.layers]
        with tf.GradientTape() as tape:
            *activations, prediction = self._outputs(self.x, training=self.training)
            loss = keras.ops.mean(self.loss(self.y, prediction))
            if self.model.losses:
                loss = loss + keras.ops.sum(keras.ops.stack(self.model.losses))
        grads = tape.gradient(loss, kernels)
        for variable, value in zip(self.model.non_trainable_variables, state):
            variable.assign(value)
        acts = [keras.ops.convert_to_numpy(a).astype(np.float64) for a in activations]
        return {
            # float64: squares of float32 gradients below 1e-19 would underflow to 0
            "gradient_norms": np.array(
                [np.linalg.norm(keras.ops.convert_to_numpy(g).astype(np.float64)) for g in grads]
            ),
            "activation_mean": np.array([a.mean() for a in acts]),
            "activation_std": np.array([a.std() for a in acts]),
            "activation_zero_fraction": np.array([np.mean(a == 0) for a in acts]),
        }

    def record(self, step: int) -> dict[str, np.ndarray]:
        """Measure (see :meth:`measure`), store under ``step`` and return the measurement."""
        measured = self.measure()
        self.steps.append(int(step))
        for key in self._KEYS:
            self._records[key].append(measured[key])
        return measured

    def _array(self, key: str) -> np.ndarray:
        return np.array(self._records[key]).reshape(len(self.steps), len(self.layers))

    @property
    def gradient_norms(self) -> np.ndarray:
        """L2 norm of each layer's kernel gradient on the probe, ``(recorded steps, layers)``."""
        return self._array("gradient_norms")

    @property
    def activation_mean(self) -> np.ndarray:
        """Mean of each layer's activations on the probe, ``(recorded steps, layers)``."""
        return self._array("activation_mean")

    @property
    def activation_std(self) -> np.ndarray:
        """Standard deviation of each layer's activations, ``(recorded steps, layers)``."""
        return self._array("activation_std")

    @property
    def activation_zero_fraction(self) -> np.ndarray:
        """Fraction of each layer's activations that are exactly 0 (dead ReLUs)."""
        return self._array("activation_zero_fraction")


class GradientHealthCallback(keras.callbacks.Callback):
    """Record gradient health on a probe batch every ``every`` training batches of ``model.fit``.

    Records once before the first step (step 0), then after every ``every``-th batch. The
    recorder (``callback.recorder``) is created when training starts, with the compiled loss
    unless ``loss`` is given.

    Args:
        probe: ``(x, y)``, a fixed batch.
        every: batches between two records.
        loss: the loss to differentiate; default ``model.loss``.
        layers: layer names to record (default: every layer with a kernel).

    Example:
        >>> callback = GradientHealthCallback((x[:64], y[:64]), every=10)  # doctest: +SKIP
        >>> model.fit(x, y, epochs=3, callbacks=[callback])  # doctest: +SKIP
        >>> callback.recorder.gradient_norms.shape  # doctest: +SKIP
        (n records, n layers)
    """

    def __init__(
        self,
        probe: tuple,
        *,
        every: int = 10,
        loss: str | keras.losses.Loss | Callable | None = None,
        layers: Sequence[str] | None = None,
    ) -> None:
        super().__init__()
        check_positive(every, "every", integer=True)
        self.probe, self.every, self.loss, self.layer_names = probe, every, loss, layers
        self.recorder: GradientHealthRecorder | None = None
        self._step = 0

    def on_train_begin(self, logs=None) -> None:
        loss = self.loss if self.loss is not None else self.model.loss
        if loss is None:
            raise ValueError("compile the model with a loss, or pass loss= to the callback.")
        layers = None
        if self.layer_names is not None:
            layers = [self.model.get_layer(name) for name in self.layer_names]
        self.recorder = GradientHealthRecorder(self.model, self.probe, loss, layers=layers)
        self._step = 0
        self.recorder.record(0)

    def on_train_batch_end(self, batch, logs=None) -> None:
        self._step += 1
        if self._step % self.every == 0:
            self.recorder.record(self._step)


def train_with_recorder(
    trainer, dataset, recorder: GradientHealthRecorder, *, steps: int, every: int
):
    """Train a :class:`~dlspec.training.Trainer` ``steps`` steps, recording every ``every`` steps.

    The Trainer takes no callbacks, so each of its epochs is ``every`` steps of the endless
    ``dataset`` stream (``steps_per_epoch=every``) and the recorder measures between epochs
    (and once before training). ``steps`` is rounded down to a multiple of ``every``.

    Returns:
        The Trainer's history (one entry per ``every`` steps).

    Example:
        >>> train_with_recorder(trainer, ds, recorder, steps=100, every=10)  # doctest: +SKIP
    """
    check_positive(steps, "steps", integer=True)
    check_positive(every, "every", integer=True)
    if recorder.model is not trainer.model:
        raise ValueError("the recorder must probe the Trainer's model (trainer.model).")
    start = trainer.epoch
    recorder.record(start * every)
    history = trainer.history
    for epoch in range(start + 1, start + steps // every + 1):
        history = trainer.fit(dataset, epochs=epoch, steps_per_epoch=every)
        recorder.record(epoch * every)
    return history


# --- the demonstration: a deep plain network, good and bad ----------------------------------


@dataclass(frozen=True)
class Variant:
    """One network of the demonstration: initialiser, activation, batch norm, residual."""

    initializer: Callable[[int], keras.initializers.Initializer]
    activation: str = "relu"
    batch_norm: bool = False
    residual: bool = False


DEMO_VARIANTS: Mapping[str, Variant] = {
    "tiny init N(0, 0.01²)": Variant(lambda s: keras.initializers.RandomNormal(0.0, 0.01, s)),
    "large init N(0, 1)": Variant(lambda s: keras.initializers.RandomNormal(0.0, 1.0, s)),
    "He (ReLU)": Variant(lambda s: keras.initializers.HeNormal(s)),
    "Xavier (tanh)": Variant(lambda s: keras.initializers.GlorotNormal(s), activation="tanh"),
    "tiny init + batch norm": Variant(
        lambda s: keras.initializers.RandomNormal(0.0, 0.01, s), batch_norm=True
    ),
    "tiny init + residual": Variant(
        lambda s: keras.initializers.RandomNormal(0.0, 0.01, s), residual=True
    ),
}


def deep_mlp(
    n_x: int,
    *,
    depth: int = 20,
    width: int = 32,
    variant: str | Variant = "He (ReLU)",
    seed: int = 0,
) -> keras.Model:
    """A deep fully connected binary classifier (logit output) for the gradient-health demo.

    ``depth`` hidden Dense layers of ``width`` units (``hidden1`` ... ``hiddenN``) then a
    Dense(1) logit layer (``logit``; train with ``BinaryCrossentropy(from_logits=True)``).
    With ``batch_norm`` each hidden layer is Dense (no bias) → BatchNormalization → activation;
    with ``residual`` hidden layers 2..N compute ``x + activation(Dense(x))``.

    Args:
        n_x: number of input features.
        depth: number of hidden layers.
        width: units per hidden layer.
        variant: a key of :data:`DEMO_VARIANTS` or a :class:`Variant`.
        seed: seed of the kernel initialisers (layer ``l`` uses ``seed + l``).

    Example:
        >>> model = deep_mlp(2, depth=3, variant="tiny init + residual")
        >>> [layer.name for layer in model.layers if layer.name.startswith(("hidden", "logit"))]
        ['hidden1', 'hidden2', 'hidden3', 'logit']
    """
    check_positive(depth, "depth", integer=True)
    check_positive(width, "width", integer=True)
    if isinstance(variant, str):
        if variant not in DEMO_VARIANTS:
            raise ValueError(f"variant must be one of {list(DEMO_VARIANTS)}; got {variant!r}.")
        variant = DEMO_VARIANTS[variant]
    inputs = keras.Input((n_x,), name="x")
    x = inputs
    for l in range(1, depth + 1):
        dense = keras.layers.Dense(
            width,
            activation=None if variant.batch_norm else variant.activation,
            use_bias=not variant.batch_norm,
            kernel_initializer=variant.initializer(seed + l),
            name=f"hidden{l}",
        )
        h = dense(x)
        if variant.batch_norm:
            h = keras.layers.BatchNormalization(name=f"bn{l}")(h)
            h = keras.layers.Activation(variant.activation, name=f"act{l}")(h)
        x = keras.layers.Add(name=f"skip{l}")([x, h]) if variant.residual and l > 1 else h
    logit = keras.layers.Dense(
        1, kernel_initializer=variant.initializer(seed + depth + 1), name="logit"
    )(x)
    return keras.Model(inputs, logit, name="deep_mlp")


def gradient_health_demo(
    X,
    Y,
    *,
    variants: Sequence[str] = tuple(DEMO_VARIANTS),
    depth: int = 20,
    width: int = 32,
    steps: int = 100,
    every: int = 10,
    batch_size: int = 32,
    learning_rate: float = 1e-3,
    seed: int = 0,
) -> dict[str, GradientHealthRecorder]:
    """Train each variant of :func:`deep_mlp` with Adam and record its gradient health.

    The probe is the first ``min(64, m)`` examples; training uses shuffled mini-batches of the
    course arrays ``X`` (n_x, m), ``Y`` (1, m) through :class:`dlspec.training.Trainer` with
    :func:`train_with_recorder`. Adam's steps are bounded by its learning rate, so the exploding
    variant does not overflow, while gradients far below Adam's ε (1e-7) still barely move the
    weights: vanishing gradients stall training.

    Returns:
        ``{variant: recorder}`` (``recorder.history`` holds the Trainer's per-record losses).

    Example:
        >>> recorders = gradient_health_demo(train_X, train_Y, steps=50)  # doctest: +SKIP
    """
    X, Y = check_X_Y(X, Y)
    probe = (X.T[:64], Y.T[:64])
    dataset = course_arrays_dataset(X, Y, batch_size=batch_size, shuffle=True, seed=seed)
    recorders = {}
    for name in variants:
        keras.utils.set_random_seed(seed)
        model = deep_mlp(X.shape[0], depth=depth, width=width, variant=name, seed=seed)
        trainer = Trainer(
            model,
            optimizer=lambda: keras.optimizers.Adam(learning_rate),
            loss=keras.losses.BinaryCrossentropy(from_logits=True),
            metrics=(),
            verbose=0,
        )
        recorder = GradientHealthRecorder(
            trainer.model, probe, keras.losses.BinaryCrossentropy(from_logits=True)
        )
        recorder.history = train_with_recorder(trainer, dataset, recorder, steps=steps, every=every)
        recorders[name] = recorder
    return recorders
