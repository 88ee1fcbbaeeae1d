"""Course 3, Structuring Machine Learning Projects, as tools: single-number metrics and model
selection, train/train-dev/dev/test splits, bias/variance/data-mismatch diagnosis, error
analysis, multi-task losses and transfer-learning helpers.

Lab ``c3-case-study`` (the course's case study on a real Course 1 classifier): reference
:mod:`~dlspec.strategy.case_study` (the functions its golden cases grade), runner
:mod:`dlspec.strategy.runs.case_study`.

Modules; the names below are also exported by this package, loaded on first use (importing
the package loads neither TensorFlow nor matplotlib):

* :mod:`~dlspec.strategy.metrics`: ``precision_recall_f1``, ``f1``, ``weighted_error``,
  ``select_model``.
* :mod:`~dlspec.strategy.splits`: ``split_indices``, ``split_arrays``, ``split_dataset``,
  ``target_distribution_split``.
* :mod:`~dlspec.strategy.diagnosis`: ``diagnose``; :mod:`~dlspec.strategy.callbacks`:
  ``DiagnosisCallback`` (Keras); :mod:`~dlspec.strategy.plots`: ``plot_error_curves``.
* :mod:`~dlspec.strategy.error_analysis`: ``read_tags_csv``; its ``error_analysis`` is not
  exported here, since ``dlspec.strategy.error_analysis`` names the module.
* :mod:`~dlspec.strategy.multitask`: ``MaskedBinaryCrossentropy``, ``MaskedBinaryAccuracy``,
  ``multitask_model`` (Keras).

:mod:`~dlspec.strategy.transfer` (``freeze``, ``unfreeze_from``, ``trainable_summary``) is
imported from its module.
"""

from dlspec._lazy import lazy_exports
from dlspec.saving import defer_keras_registration

_EXPORTS = {
    "DiagnosisCallback": "dlspec.strategy.callbacks",
    "MaskedBinaryAccuracy": "dlspec.strategy.multitask",
    "MaskedBinaryCrossentropy": "dlspec.strategy.multitask",
    "diagnose": "dlspec.strategy.diagnosis",
    "f1": "dlspec.strategy.metrics",
    "multitask_model": "dlspec.strategy.multitask",
    "plot_error_curves": "dlspec.strategy.plots",
    "precision_recall_f1": "dlspec.strategy.metrics",
    "read_tags_csv": "dlspec.strategy.error_analysis",
    "select_model": "dlspec.strategy.metrics",
    "split_arrays": "dlspec.strategy.splits",
    "split_dataset": "dlspec.strategy.splits",
    "split_indices": "dlspec.strategy.splits",
    "target_distribution_split": "dlspec.strategy.splits",
    "weighted_error": "dlspec.strategy.metrics",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

#: Every serialisable Keras object of this package (see :mod:`dlspec.saving`).
KERAS_OBJECTS = {
    "MaskedBinaryAccuracy": "dlspec.strategy.multitask",
    "MaskedBinaryCrossentropy": "dlspec.strategy.multitask",
}
defer_keras_registration(KERAS_OBJECTS)
