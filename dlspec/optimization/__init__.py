"""Course 2, Improving Deep Neural Networks: numpy references and Keras 3 building blocks.

Labs and their reference modules (the course's function names); each runs from
``dlspec/optimization/runs/<module>.py``:

- ``c2w1-init`` (C2W1A1): :mod:`~dlspec.optimization.initialization`;
- ``c2w1-regularization`` (C2W1A2): :mod:`~dlspec.optimization.regularization` (its Keras twin:
  :mod:`~dlspec.optimization.keras_regularized`);
- ``c2w1-gradient-checking`` (C2W1A3): :mod:`~dlspec.optimization.gradient_checking`;
- ``c2w2-optimization`` (C2W2A1): :mod:`~dlspec.optimization.optimization_methods`;
- ``c2w3-tf-intro`` (C2W3A1): :mod:`~dlspec.optimization.tensorflow_introduction`;
- ``c2-practical`` (the lectures' practices): :mod:`~dlspec.optimization.practical_aspects`,
  with its studies :mod:`~dlspec.optimization.ewma`, :mod:`~dlspec.optimization.gradient_health`,
  :mod:`~dlspec.optimization.input_normalization`, :mod:`~dlspec.optimization.early_stopping`
  and the hyperparameter search of :mod:`dlspec.optimization.tuning`.

The numpy labs share :mod:`~dlspec.optimization.three_layer` (the course's ``init_utils``,
``reg_utils``, ``opt_utils``). The Keras blocks below (optimizers, schedules, a batch
normalization layer, a gradient-health callback) work in any ``model.fit``; they load on first
use, so the numpy labs import without TensorFlow. Importing this package is enough for
``keras.saving.load_model`` to find them in a saved model (:mod:`dlspec.saving`).
"""

from dlspec._lazy import lazy_exports
from dlspec.saving import defer_keras_registration

_EXPORTS = {
    "Adam": "dlspec.optimization.optimizers",
    "BatchNormalization": "dlspec.optimization.batch_normalization",
    "EpochInverseTimeDecay": "dlspec.optimization.schedules",
    "FixedIntervalDecay": "dlspec.optimization.schedules",
    "GradientHealthCallback": "dlspec.optimization.gradient_health",
    "MomentumSGD": "dlspec.optimization.optimizers",
    "RMSprop": "dlspec.optimization.optimizers",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

#: Every serialisable Keras object of this package: registered name → defining module.
KERAS_OBJECTS = {
    "Adam": "dlspec.optimization.optimizers.adam",
    "BatchNormalization": "dlspec.optimization.batch_normalization",
    "EpochInverseTimeDecay": "dlspec.optimization.schedules",
    "FixedIntervalDecay": "dlspec.optimization.schedules",
    "MomentumSGD": "dlspec.optimization.optimizers.sgd_momentum",
    "RMSprop": "dlspec.optimization.optimizers.rmsprop",
}
defer_keras_registration(KERAS_OBJECTS)
