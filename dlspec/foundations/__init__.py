"""Course 1, Neural Networks and Deep Learning: numpy references and their Keras twins.

Labs and their reference modules (the course's function names); each runs from
``dlspec/foundations/runs/<module>.py``:

- ``c1w2-numpy-basics`` (C1W2A1): :mod:`~dlspec.foundations.numpy_basics`;
- ``c1w2-logreg`` (C1W2A2): :mod:`~dlspec.foundations.logistic_regression`;
- ``c1w3-planar`` (C1W3A1): :mod:`~dlspec.foundations.planar_classification`;
- ``c1w4-deep-nn-step`` (C1W4A1): :mod:`~dlspec.foundations.deep_nn_step_by_step`;
- ``c1w4-deep-nn-app`` (C1W4A2): :mod:`~dlspec.foundations.deep_nn_application`.

:mod:`~dlspec.foundations.keras_models` holds the same classifiers as Keras models (and
``dense_network``, dlspec's one fully connected network builder).
"""

from dlspec._lazy import lazy_exports

_EXPORTS = {
    "deep_classifier": "dlspec.foundations.keras_models",
    "get_course_parameters": "dlspec.foundations.keras_models",
    "logistic_regression_model": "dlspec.foundations.keras_models",
    "set_course_parameters": "dlspec.foundations.keras_models",
    "shallow_classifier": "dlspec.foundations.keras_models",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
