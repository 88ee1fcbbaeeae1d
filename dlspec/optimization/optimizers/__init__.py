"""Course 2 week 2's optimizers as Keras 3 optimizers, usable in any ``model.compile``.

* :class:`MomentumSGD`: ``v = βv + (1−β)g; W −= lr·v`` (``update_parameters_with_momentum``).
* :class:`RMSprop`: ``s = ρs + (1−ρ)g²; W −= lr·g/(√s + ε)``.
* :class:`Adam`: bias-corrected moments, ``update_parameters_with_adam``.

All three are registered as ``dlspec>Name`` Keras objects, so models compiled with them save
and load as ``.keras`` files (import ``dlspec.optimization.optimizers`` before loading).
"""

from dlspec.optimization.optimizers.adam import Adam
from dlspec.optimization.optimizers.rmsprop import RMSprop
from dlspec.optimization.optimizers.sgd_momentum import MomentumSGD

__all__ = ["Adam", "MomentumSGD", "RMSprop"]
