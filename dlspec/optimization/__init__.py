"""Course 2, Improving Deep Neural Networks: initialization, regularization, gradient checking,
optimizers, learning-rate schedules, batch normalization and the TensorFlow introduction.

One module per lab with the course's function names (numpy references), and Keras 3 building
blocks (optimizers, schedules, a batch-normalization layer) usable in any ``model.fit``.
"""

from typing import Any

_KERAS_BLOCKS = {
    "BatchNormalization": "dlspec.optimization.batch_normalization",
    "MomentumSGD": "dlspec.optimization.optimizers",
    "RMSprop": "dlspec.optimization.optimizers",
    "Adam": "dlspec.optimization.optimizers",
    "EpochInverseTimeDecay": "dlspec.optimization.schedules",
    "FixedIntervalDecay": "dlspec.optimization.schedules",
    "GradientHealthCallback": "dlspec.optimization.gradient_health",
}

__all__ = sorted(_KERAS_BLOCKS)


def __getattr__(name: str) -> Any:
    # Keras blocks load on first use, so the numpy labs import without TensorFlow. Import one
    # (or ``dlspec.optimization.optimizers``) before ``keras.saving.load_model`` of a model
    # that uses it, so that Keras knows the class.
    if name in _KERAS_BLOCKS:
        import importlib

        return getattr(importlib.import_module(_KERAS_BLOCKS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
