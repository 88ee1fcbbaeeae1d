"""Course 1, Neural Networks and Deep Learning: numpy references and their Keras twins.

One module per lab, with the course's function names:

- :mod:`~dlspec.foundations.numpy_basics` (C1W2A1), :mod:`~dlspec.foundations.logistic_regression`
  (C1W2A2), :mod:`~dlspec.foundations.planar_classification` (C1W3A1),
  :mod:`~dlspec.foundations.deep_nn_step_by_step` (C1W4A1),
  :mod:`~dlspec.foundations.deep_nn_application` (C1W4A2);
- :mod:`~dlspec.foundations.keras_models`: the same classifiers as Keras models.
"""

from typing import Any

__all__ = [
    "deep_classifier",
    "get_course_parameters",
    "logistic_regression_model",
    "set_course_parameters",
    "shallow_classifier",
]


def __getattr__(name: str) -> Any:
    # Keras builders load on first use, so the numpy labs import without TensorFlow.
    if name in __all__:
        from dlspec.foundations import keras_models

        return getattr(keras_models, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
