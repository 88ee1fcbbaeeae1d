"""Batch normalization (C2W3) written from scratch as a Keras 3 layer."""

from __future__ import annotations

import keras
from keras import ops

from dlspec.validation import check_decay, check_positive

__all__ = ["BatchNormalization"]


@keras.saving.register_keras_serializable(package="dlspec")
class BatchNormalization(keras.layers.Layer):
    """Normalize each feature over the batch, then scale by ``gamma`` and shift by ``beta``.

    The lecture's formulas, per feature (the ``axis`` dimension, channels for images)::

        mu      = mean(z)                       over the batch (and the spatial positions)
        sigma2  = mean((z - mu)**2)
        z_norm  = (z - mu) / sqrt(sigma2 + epsilon)
        z_tilde = gamma * z_norm + beta

    In training (``training=True``, as inside ``model.fit``) ``mu`` and ``sigma2`` come from
    the batch and the layer updates exponentially weighted averages of them::

        moving_mean     = momentum * moving_mean     + (1 - momentum) * mu
        moving_variance = momentum * moving_variance + (1 - momentum) * sigma2

    At inference (``training`` false or unset, as in ``predict``) those averages replace
    ``mu`` and ``sigma2``. Like Keras' layer, a layer with ``trainable=False`` (a frozen
    backbone) always runs in inference mode. The defaults and behaviour are those of
    ``keras.layers.BatchNormalization`` (without renormalization, synchronisation or masks).

    Args:
        axis: the feature axis to normalize per entry (``-1``: the last one, channels of an
            ``(N, H, W, C)`` image batch).
        momentum: weight of the past in the moving averages, in ``[0, 1)``; 0.99.
        epsilon: positive constant added to the variance; 1e-3.
        center: learn the shift ``beta`` (else ``beta = 0``).
        scale: learn the scale ``gamma`` (else ``gamma = 1``).
        beta_initializer, gamma_initializer: initializers of ``beta`` (zeros) and ``gamma``
            (ones).
        moving_mean_initializer, moving_variance_initializer: initializers of the moving
            statistics (zeros and ones).
        **kwargs: ``keras.layers.Layer`` arguments (``name``, ``dtype``, ``trainable``).

    Call arguments:
        inputs: a tensor of rank >= 2.
        training: ``True`` to normalize with the batch statistics and update the moving ones.

    Returns:
        A tensor of the shape of ``inputs``.

    Example:
        >>> layer = BatchNormalization()
        >>> x = keras.ops.convert_to_tensor([[1.0, 10.0], [3.0, 30.0]])
        >>> y = layer(x, training=True)  # (x - mu) / sqrt(sigma2 + 1e-3)
        >>> keras.ops.convert_to_numpy(y).astype(float).round(4).tolist()
        [[-0.9995, -1.0], [0.9995, 1.0]]
        >>> layer.moving_mean.numpy().astype(float).round(4).tolist()  # 0.99 * 0 + 0.01 * mu
        [0.02, 0.2]
    """

    def __init__(
        self,
        axis: int = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        moving_mean_initializer="zeros",
        moving_variance_initializer="ones",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(
                f"axis must be an int (-1 for channels-last data); got {axis!r}. Normalizing "
                "over several feature axes at once is not supported."
            )
        check_decay(momentum, "momentum", typical=0.99)
        check_positive(epsilon, "epsilon")
        self.axis = axis
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = keras.initializers.get(beta_initializer)
        self.gamma_initializer = keras.initializers.get(gamma_initializer)
        self.moving_mean_initializer = keras.initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = keras.initializers.get(moving_variance_initializer)
        self.gamma = None
        self.beta = None

    def _feature_axis(self, input_shape) -> int:
        rank = len(input_shape)
        if rank < 2:
            raise ValueError(
                f"BatchNormalization needs inputs of rank >= 2 (batch, ..., features); got shape "
                f"{tuple(input_shape)}."
            )
        if not -rank <= self.axis < rank:
            raise ValueError(
                f"axis={self.axis} is out of range for inputs of rank {rank} (shape "
                f"{tuple(input_shape)}); use an axis in [{-rank}, {rank - 1}], e.g. -1."
            )
        axis = self.axis % rank
        if axis == 0:
            raise ValueError(
                "axis=0 is the batch axis; batch normalization normalizes each feature over the "
                "batch, so pick a feature axis such as -1."
            )
        if input_shape[axis] is None:
            raise ValueError(
                f"the feature axis {self.axis} of the input shape {tuple(input_shape)} must be "
                "known to create gamma and beta."
            )
        return axis

    def build(self, input_shape) -> None:
        axis = self._feature_axis(input_shape)
        shape = (input_shape[axis],)
        if self.scale:
            self.gamma = self.add_weight(
                shape=shape, name="gamma", initializer=self.gamma_initializer, autocast=False
            )
        if self.center:
            self.beta = self.add_weight(
                shape=shape, name="beta", initializer=self.beta_initializer, autocast=False
            )
        self.moving_mean = self.add_weight(
            shape=shape,
            name="moving_mean",
            initializer=self.moving_mean_initializer,
            trainable=False,
            autocast=False,
        )
        self.moving_variance = self.add_weight(
            shape=shape,
            name="moving_variance",
            initializer=self.moving_variance_initializer,
            trainable=False,
            autocast=False,
        )
        self._reduction_axes = [i for i in range(len(input_shape)) if i != axis]
        # Shape that broadcasts a per-feature vector against the inputs, e.g. (1, 1, 1, C).
        self._broadcast_shape = [1] * len(input_shape)
        self._broadcast_shape[axis] = input_shape[axis]
        self.input_spec = keras.layers.InputSpec(
            ndim=len(input_shape), axes={axis: input_shape[axis]}
        )

    def _per_feature(self, vector, dtype):
        return ops.reshape(ops.cast(vector, dtype), self._broadcast_shape)

    def call(self, inputs, training=None):
        # Statistics in at least float32 (float16 batches overflow), output in the layer dtype.
        inputs = ops.cast(inputs, keras.backend.result_type(inputs.dtype, "float32"))
        if training and self.trainable:
            mu = ops.mean(inputs, axis=self._reduction_axes, keepdims=True)
            sigma2 = ops.mean(
                ops.square(ops.subtract(inputs, mu)), axis=self._reduction_axes, keepdims=True
            )
            batch_mean = ops.reshape(mu, (-1,))
            batch_variance = ops.reshape(sigma2, (-1,))
            # An empty batch (a replica's share of a short last batch under a distribution
            # strategy) has NaN statistics: keep the moving ones as they are, as Keras does.
            has_examples = ops.greater(ops.size(inputs), 0)
            for moving, batch in (
                (self.moving_mean, batch_mean),
                (self.moving_variance, batch_variance),
            ):
                old = ops.cast(moving, batch.dtype)
                new = ops.add(
                    ops.multiply(old, self.momentum), ops.multiply(batch, 1.0 - self.momentum)
                )
                moving.assign(ops.where(has_examples, new, old))
        else:
            mu = self._per_feature(self.moving_mean, inputs.dtype)
            sigma2 = self._per_feature(self.moving_variance, inputs.dtype)
        z_norm = ops.divide(ops.subtract(inputs, mu), ops.sqrt(ops.add(sigma2, self.epsilon)))
        outputs = z_norm
        if self.scale:
            outputs = ops.multiply(self._per_feature(self.gamma, inputs.dtype), outputs)
        if self.center:
            outputs = ops.add(outputs, self._per_feature(self.beta, inputs.dtype))
        return ops.cast(outputs, self.compute_dtype)

    def compute_output_shape(self, input_shape) -> tuple:
        self._feature_axis(input_shape)
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "axis": self.axis,
                "momentum": self.momentum,
                "epsilon": self.epsilon,
                "center": self.center,
                "scale": self.scale,
                "beta_initializer": keras.initializers.serialize(self.beta_initializer),
                "gamma_initializer": keras.initializers.serialize(self.gamma_initializer),
                "moving_mean_initializer": keras.initializers.serialize(
                    self.moving_mean_initializer
                ),
                "moving_variance_initializer": keras.initializers.serialize(
                    self.moving_variance_initializer
                ),
            }
        )
        return config
