"""RMSprop (C2W2 lecture): ``s = ρs + (1−ρ)g²; W −= lr·g / (√s + ε)``."""

from __future__ import annotations

import numbers

import keras
from keras import ops

from dlspec.validation import check_decay, check_positive

__all__ = ["RMSprop"]

EPSILON_PLACEMENTS = ("course", "keras")


def check_epsilon(epsilon, epsilon_placement: str) -> float:
    """Validate ``epsilon`` (> 0) and ``epsilon_placement`` (``"course"`` or ``"keras"``)."""
    if epsilon_placement not in EPSILON_PLACEMENTS:
        raise ValueError(
            f"epsilon_placement must be 'course' (ε added to the square root, the course's "
            f"formula) or 'keras' (Keras' built-in formula); got {epsilon_placement!r}."
        )
    check_positive(epsilon, "epsilon")
    return float(epsilon)


def check_learning_rate(learning_rate):
    """Refuse a numeric ``learning_rate`` that is not positive and finite; return it unchanged.

    A ``LearningRateSchedule`` or a callable passes through (Keras checks it when it is used).

    Example:
        >>> check_learning_rate(0.01)
        0.01
        >>> check_learning_rate(float("nan"))
        Traceback (most recent call last):
        ...
        ValueError: learning_rate must be a positive number; got nan.
    """
    if isinstance(learning_rate, numbers.Number):
        check_positive(learning_rate, "learning_rate")
    return learning_rate


@keras.saving.register_keras_serializable(package="dlspec")
class RMSprop(keras.optimizers.Optimizer):
    """Root-mean-square propagation, the course's formula (uncentered, no momentum).

    Every weight ``W`` keeps ``s``, an exponentially weighted average of its squared gradient,
    and steps by the gradient divided by the root of that average::

        s = rho * s + (1 - rho) * dW**2
        W = W - learning_rate * dW / (sqrt(s) + epsilon)        # epsilon_placement="course"
        W = W - learning_rate * dW / sqrt(s + epsilon)          # epsilon_placement="keras"

    ``rho`` is the lecture's ``β₂``. With ``epsilon_placement="keras"`` this is exactly
    ``keras.optimizers.RMSprop(learning_rate, rho, momentum=0.0, epsilon, centered=False)``
    (Keras puts ε inside the square root). The two placements differ only while ``s`` is
    comparable to ε (ε² vs ε).

    Args:
        learning_rate: a float, a ``LearningRateSchedule`` or a callable; defaults to 0.001.
        rho: decay of the average of squared gradients, in ``[0, 1)``; defaults to 0.9.
        epsilon: small positive constant against division by zero; defaults to 1e-8 (the
            course's ε; Keras' RMSprop defaults to 1e-7).
        epsilon_placement: ``"course"`` (default) or ``"keras"``, see above.
        **kwargs: Keras' common optimizer arguments (``weight_decay``, ``clipnorm``, ``name``...).

    Example:
        >>> optimizer = RMSprop(learning_rate=0.1, rho=0.9)
        >>> w = keras.Variable([1.0])
        >>> optimizer.apply([keras.ops.convert_to_tensor([2.0])], [w])
        >>> round(float(w.numpy()[0]), 4)  # s = 0.1·4; W -= 0.1·2/√0.4
        0.6838
    """

    def __init__(
        self,
        learning_rate=0.001,
        rho: float = 0.9,
        epsilon: float = 1e-8,
        epsilon_placement: str = "course",
        **kwargs,
    ):
        super().__init__(learning_rate=check_learning_rate(learning_rate), **kwargs)
        self.rho = check_decay(rho, "rho", typical=0.9)
        self.epsilon = check_epsilon(epsilon, epsilon_placement)
        self.epsilon_placement = epsilon_placement

    def build(self, var_list: list) -> None:
        """Create one average of squared gradients ``s`` (zeros) per model variable."""
        if self.built:
            return
        super().build(var_list)
        self.squared_averages = [
            self.add_variable_from_reference(reference_variable=variable, name="squared_average")
            for variable in var_list
        ]

    def update_step(self, gradient, variable, learning_rate) -> None:
        """``s = ρ·s + (1−ρ)·g²``, then ``W −= lr·g / (√s + ε)`` (or ``/ √(s + ε)``)."""
        lr = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        s = self.squared_averages[self._get_variable_index(variable)]
        self.assign(
            s,
            ops.add(ops.multiply(self.rho, s), ops.multiply(1.0 - self.rho, ops.square(gradient))),
        )
        if self.epsilon_placement == "course":
            denominator = ops.add(ops.sqrt(s), self.epsilon)
        else:
            denominator = ops.sqrt(ops.add(s, self.epsilon))
        self.assign_sub(variable, ops.divide(ops.multiply(lr, gradient), denominator))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {"rho": self.rho, "epsilon": self.epsilon, "epsilon_placement": self.epsilon_placement}
        )
        return config
