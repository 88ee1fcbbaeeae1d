"""Gradient descent with momentum in the course's form (C2W2): ``v = βv + (1−β)g; W −= lr·v``."""

from __future__ import annotations

import keras
from keras import ops

from dlspec.optimization.optimizers.rmsprop import check_learning_rate
from dlspec.validation import check_decay

__all__ = ["MomentumSGD"]


@keras.saving.register_keras_serializable(package="dlspec")
class MomentumSGD(keras.optimizers.Optimizer):
    """Gradient descent with momentum, written as the course writes it.

    Every weight ``W`` keeps a velocity ``v`` (zeros at the start, like the course's
    ``initialize_velocity``) and each step does what ``update_parameters_with_momentum`` does::

        v = beta * v + (1 - beta) * dW
        W = W - learning_rate * v

    This is an exponentially weighted average of the gradients. Keras' own
    ``keras.optimizers.SGD(momentum=m)`` keeps ``v_k = m * v_k - lr_k * dW; W += v_k`` instead;
    with a constant learning rate the two are the same optimizer when
    ``m = beta`` and ``lr_k = learning_rate * (1 - beta)`` (then ``v_k = -learning_rate * v``).
    :meth:`keras_equivalent` builds that Keras optimizer.

    Args:
        learning_rate: a float, a ``keras.optimizers.schedules.LearningRateSchedule`` (for
            example :class:`dlspec.optimization.schedules.FixedIntervalDecay`) or a callable
            returning the learning rate. The course's ``learning_rate``; defaults to 0.01.
        beta: momentum ``β`` in ``[0, 1)``; the course uses 0.9. ``beta=0`` is plain gradient
            descent (``update_parameters_with_gd``).
        **kwargs: Keras' common optimizer arguments (``weight_decay``, ``clipnorm``,
            ``clipvalue``, ``global_clipnorm``, ``use_ema``, ``ema_momentum``,
            ``ema_overwrite_frequency``, ``loss_scale_factor``, ``gradient_accumulation_steps``,
            ``name``).

    Example:
        >>> optimizer = MomentumSGD(learning_rate=0.1, beta=0.9)
        >>> w = keras.Variable([1.0, 2.0])
        >>> optimizer.apply([keras.ops.convert_to_tensor([1.0, -1.0])], [w])
        >>> [round(float(x), 4) for x in w.numpy()]  # v = 0.1·g, W -= 0.1·v
        [0.99, 2.01]
    """

    def __init__(self, learning_rate=0.01, beta: float = 0.9, **kwargs):
        super().__init__(learning_rate=check_learning_rate(learning_rate), **kwargs)
        self.beta = check_decay(beta, "beta", typical=0.9)

    def build(self, var_list: list) -> None:
        """Create one velocity ``v`` (zeros) per model variable, like ``initialize_velocity``."""
        if self.built:
            return
        super().build(var_list)
        self.velocities = [
            self.add_variable_from_reference(reference_variable=variable, name="velocity")
            for variable in var_list
        ]

    def update_step(self, gradient, variable, learning_rate) -> None:
        """``v = β·v + (1−β)·g``, then ``W −= lr·v``."""
        lr = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        v = self.velocities[self._get_variable_index(variable)]
        self.assign(v, ops.add(ops.multiply(self.beta, v), ops.multiply(1.0 - self.beta, gradient)))
        self.assign_sub(variable, ops.multiply(lr, v))

    def keras_equivalent(self) -> keras.optimizers.SGD:
        """The ``keras.optimizers.SGD`` that takes exactly the same steps.

        ``SGD(learning_rate=learning_rate·(1−β), momentum=β)``; only defined for a constant
        learning rate (a schedule would be scaled too, which Keras cannot express in general).

        Example:
            >>> MomentumSGD(learning_rate=0.1, beta=0.9).keras_equivalent().get_config()["momentum"]
            0.9
        """
        if not isinstance(self._learning_rate, keras.Variable):
            raise ValueError(
                "keras_equivalent() needs a constant learning rate; this optimizer uses "
                f"{type(self._learning_rate).__name__}. Scale the schedule by (1 - beta) yourself."
            )
        return keras.optimizers.SGD(
            learning_rate=float(self._learning_rate.numpy()) * (1.0 - self.beta),
            momentum=self.beta,
        )

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"beta": self.beta})
        return config
