"""Adam (C2W2): momentum and RMSprop together, with bias correction."""

from __future__ import annotations

import keras
from keras import ops

from dlspec.optimization.optimizers.rmsprop import check_epsilon, check_learning_rate
from dlspec.validation import check_decay

__all__ = ["Adam"]


@keras.saving.register_keras_serializable(package="dlspec")
class Adam(keras.optimizers.Optimizer):
    """Adaptive moment estimation, the course's ``update_parameters_with_adam`` as an optimizer.

    Every weight ``W`` keeps a first moment ``v`` and a second moment ``s`` (zeros at the start,
    like ``initialize_adam``); step ``t`` (1, 2, ...) does::

        v = beta_1 * v + (1 - beta_1) * dW
        s = beta_2 * s + (1 - beta_2) * dW**2
        v_corrected = v / (1 - beta_1**t)
        s_corrected = s / (1 - beta_2**t)
        W = W - learning_rate * v_corrected / (sqrt(s_corrected) + epsilon)

    That is ``epsilon_placement="course"`` (default). Keras' ``keras.optimizers.Adam`` adds ε to
    the *uncorrected* ``sqrt(s)`` ("epsilon hat" of Kingma & Ba)::

        W = W - learning_rate * sqrt(1 - beta_2**t) / (1 - beta_1**t) * v / (sqrt(s) + epsilon)

    which is the course's formula with ε replaced by ``ε / sqrt(1 − β₂ᵗ)`` (larger early on).
    ``epsilon_placement="keras"`` uses that formula: it is then
    ``keras.optimizers.Adam(learning_rate, beta_1, beta_2, epsilon, amsgrad=False)`` up to
    float rounding (the moments keep the course's form ``β·v + (1−β)·g`` where Keras writes
    ``v += (1−β)·(g − v)``; over 100 steps the weights agree to 1e-6).
    ``t`` is the optimizer's ``iterations + 1``, the course's ``t`` counter.

    Args:
        learning_rate: a float, a ``LearningRateSchedule`` or a callable; defaults to 0.01
            (the default of ``update_parameters_with_adam``; the lab's model uses 0.0007).
        beta_1: decay of the first moment (the course's ``beta1``), in ``[0, 1)``; 0.9.
        beta_2: decay of the second moment (the course's ``beta2``), in ``[0, 1)``; 0.999.
        epsilon: small positive constant; defaults to 1e-8 (the course; Keras uses 1e-7).
        epsilon_placement: ``"course"`` (default) or ``"keras"``, see above.
        **kwargs: Keras' common optimizer arguments (``weight_decay``, ``clipnorm``, ``name``...).

    Example:
        >>> optimizer = Adam(learning_rate=0.1)
        >>> w = keras.Variable([1.0, -1.0])
        >>> optimizer.apply([keras.ops.convert_to_tensor([0.5, -3.0])], [w])
        >>> [round(float(x), 4) for x in w.numpy()]  # first step: W -= lr·sign(g)
        [0.9, -0.9]
    """

    def __init__(
        self,
        learning_rate=0.01,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        epsilon_placement: str = "course",
        **kwargs,
    ):
        super().__init__(learning_rate=check_learning_rate(learning_rate), **kwargs)
        self.beta_1 = check_decay(beta_1, "beta_1", typical=0.9)
        self.beta_2 = check_decay(beta_2, "beta_2", typical=0.999)
        self.epsilon = check_epsilon(epsilon, epsilon_placement)
        self.epsilon_placement = epsilon_placement

    def build(self, var_list: list) -> None:
        """Create the moments ``v`` and ``s`` (zeros) of every model variable."""
        if self.built:
            return
        super().build(var_list)
        self.first_moments = []
        self.second_moments = []
        for variable in var_list:
            self.first_moments.append(
                self.add_variable_from_reference(reference_variable=variable, name="v")
            )
            self.second_moments.append(
                self.add_variable_from_reference(reference_variable=variable, name="s")
            )

    def update_step(self, gradient, variable, learning_rate) -> None:
        """One bias-corrected Adam step on ``variable`` (see the class docstring)."""
        lr = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        t = ops.cast(self.iterations + 1, variable.dtype)
        index = self._get_variable_index(variable)
        v, s = self.first_moments[index], self.second_moments[index]
        beta_1, beta_2 = self.beta_1, self.beta_2

        self.assign(v, ops.add(ops.multiply(beta_1, v), ops.multiply(1.0 - beta_1, gradient)))
        self.assign(
            s, ops.add(ops.multiply(beta_2, s), ops.multiply(1.0 - beta_2, ops.square(gradient)))
        )
        correction_1 = ops.subtract(1.0, ops.power(ops.cast(beta_1, variable.dtype), t))
        correction_2 = ops.subtract(1.0, ops.power(ops.cast(beta_2, variable.dtype), t))
        if self.epsilon_placement == "course":
            v_corrected = ops.divide(v, correction_1)
            s_corrected = ops.divide(s, correction_2)
            step = ops.divide(v_corrected, ops.add(ops.sqrt(s_corrected), self.epsilon))
            self.assign_sub(variable, ops.multiply(lr, step))
        else:
            alpha = ops.divide(ops.multiply(lr, ops.sqrt(correction_2)), correction_1)
            step = ops.divide(ops.multiply(v, alpha), ops.add(ops.sqrt(s), self.epsilon))
            self.assign_sub(variable, step)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "beta_1": self.beta_1,
                "beta_2": self.beta_2,
                "epsilon": self.epsilon,
                "epsilon_placement": self.epsilon_placement,
            }
        )
        return config
